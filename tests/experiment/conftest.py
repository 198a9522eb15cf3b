"""Fixtures of the experiment tests: tiny configs, and helper estimators importable by path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
# Worker processes (spawn, Dask, subprocesses) import the helper estimators as `helpers.X`.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def subprocess_env() -> dict[str, str]:
    """Environment for `python -m fuselearn.cli` in a subprocess: src and helpers importable."""
    env = dict(os.environ)
    parts = [str(SRC), str(HERE), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in parts if p)
    env["OMP_NUM_THREADS"] = "1"
    return env


def tiny_config(**changes) -> dict:
    """A grid of 2 datasets x 3 pipelines x 2 folds on a few dozen rows."""
    config = {
        "name": "tiny",
        "datasets": [
            {"name": "iris", "max_rows": 30},
            {"name": "bc", "source": "breast_cancer", "max_rows": 40},
        ],
        "pipelines": [
            {
                "name": "lr",
                "estimator": "sklearn.pipeline.Pipeline",
                "steps": [
                    {"name": "scale", "estimator": "sklearn.preprocessing.StandardScaler"},
                    {
                        "name": "clf",
                        "estimator": "sklearn.linear_model.LogisticRegression",
                        "params": {"max_iter": 500},
                    },
                ],
            },
            {
                "name": "tree",
                "estimator": "sklearn.tree.DecisionTreeClassifier",
                "params": {"max_depth": 3},
            },
            {
                "name": "fusion",
                "estimator": "fuselearn.FusionClassifier",
                "estimators": [{"ref": "lr"}, {"ref": "tree"}],
                "params": {"method": "mean", "cv": 2},
            },
        ],
        "cv": {"scheme": "stratified_kfold", "n_splits": 2},
        "seeds": [0],
        "metrics": ["accuracy", "log_loss"],
    }
    config.update(changes)
    return config


@pytest.fixture
def write_config(tmp_path):
    """Write a config dict as YAML and return its path."""

    def write(config: dict, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    return write
