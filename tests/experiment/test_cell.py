"""The runner's typed contract (CellTask, CellResult), the duck-typed sharing protocol, and the
experiment package's import order (no cycle)."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import helpers
import numpy as np
import pandas as pd

from conftest import tiny_config
from fuselearn.experiment import Cell, CellResult, CellTask, Store, parse_config, run_experiment
from fuselearn.experiment._cell import run_cell
from fuselearn.experiment._config import config_hash

# Each module imports only modules before it (lazily or not); the one exception is a type-only
# import of _cell in _store (CellResult, under TYPE_CHECKING).
ORDER = ["_config", "_data", "_build", "_detection", "_space", "_check", "_insights", "_store", "_cell", "_runner",
         "_sensitivity", "_analysis", "_report", "_demo", "_demo_run"]


def test_experiment_modules_import_only_earlier_ones():
    package = Path(__import__("fuselearn.experiment").experiment.__file__).parent
    assert sorted(ORDER) == sorted(p.stem for p in package.glob("_*.py") if p.stem != "__init__")
    for i, name in enumerate(ORDER):
        tree = ast.parse((package / f"{name}.py").read_text())
        type_only = {
            id(node) for top in ast.walk(tree) if isinstance(top, ast.If)
            and "TYPE_CHECKING" in ast.unparse(top.test) for node in ast.walk(top)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and id(node) not in type_only:
                target = node.module
                assert target in ORDER[:i], f"{name} imports {target}, which comes after it"


def _task(config: dict, train, test, **kw) -> CellTask:
    cfg = parse_config(config)
    return CellTask(Cell("iris", "lr", 0, 0), config=cfg.to_dict(), base_dir=".",
                    config_hash=config_hash(cfg), train=np.asarray(train), test=np.asarray(test),
                    **kw)


def test_task_and_result_are_picklable_dataclasses():
    task = _task(tiny_config(), np.arange(0, 30, 2), np.arange(1, 30, 2))
    again = pickle.loads(pickle.dumps(task))
    assert again.cell_id == "iris|lr|seed=0|fold=0" and np.array_equal(again.train, task.train)
    result = run_cell(again)
    assert isinstance(result, CellResult) and result.ok, result.error
    assert (result.n_train, result.n_test) == (15, 15) and set(result.scores) == {"accuracy", "log_loss"}
    assert result.setup_time is not None and result.total_time >= result.fit_time
    assert pickle.loads(pickle.dumps(result)).scores == result.scores


def test_failing_cell_returns_its_traceback():
    config = tiny_config()
    config["pipelines"][0] = {"name": "lr", "estimator": "helpers.FailingClassifier"}
    result = run_cell(_task(config, np.arange(0, 30, 2), np.arange(1, 30, 2)))
    assert result.status == "failed" and not result.scores
    assert "deliberate failure on 15 rows" in result.error and "Traceback" in result.error


def test_any_estimator_with_the_protocol_shares_member_fits(tmp_path, monkeypatch):
    import fuselearn.experiment._runner as runner_module

    config = tiny_config(datasets=[{"name": "bc", "source": "breast_cancer", "max_rows": 40}])
    members = [{"ref": "lr"}, {"ref": "tree"}]
    config["pipelines"][2:] = [
        {"name": "avg", "estimator": "helpers.SharingAverage", "estimators": members},
        {"name": "max", "estimator": "helpers.SharingAverage", "estimators": members,
         "params": {"how": "max"}},
    ]
    cfg = parse_config(config)
    helpers.SharingAverage.member_fits = 0
    run_experiment(cfg, tmp_path / "shared", progress=False)
    assert helpers.SharingAverage.member_fits == 2 * 2  # 2 members x 2 folds, once each
    with Store(tmp_path / "shared", readonly=True) as store:
        cells = store.cells()
    assert set(cells.status) == {"ok"}
    assert set(cells[cells.shared_fit == 1].pipeline) == {"lr", "tree", "max"}

    monkeypatch.setattr(runner_module, "plan_sharing", lambda estimators: {})
    helpers.SharingAverage.member_fits = 0
    run_experiment(cfg, tmp_path / "separate", progress=False)
    assert helpers.SharingAverage.member_fits == 2 * 2 * 2  # each fusion fits its members

    def scores(out):
        with Store(out, readonly=True) as store:
            return store.cells().set_index("cell_id")["accuracy"].sort_index()

    pd.testing.assert_series_equal(scores(tmp_path / "shared"), scores(tmp_path / "separate"))
