"""Every config under examples/ is valid and runs end to end on tiny data (2 folds)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fuselearn.experiment import parse_config, run_experiment, write_report

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def _shrink(value):
    """Few epochs, few trees, few cross-fitting folds: the same config, tiny."""
    if isinstance(value, dict):
        out = {k: _shrink(v) for k, v in value.items()}
        for key, small in (("max_epochs", 3), ("n_estimators", 10), ("cross_fit", 2), ("cv", 2)):
            if key in out and isinstance(out[key], int):
                out[key] = small
        return out
    if isinstance(value, list):
        return [_shrink(v) for v in value]
    return value


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_on_tiny_data(path, tmp_path):
    config = yaml.safe_load(path.read_text())
    parse_config(config, base_dir=path.parent)  # the example as shipped is valid
    config = _shrink(config)
    for ds in config["datasets"]:
        ds["max_rows"] = 40
    config["cv"] = {"scheme": "stratified_kfold", "n_splits": 2}
    config["seeds"] = [0]
    config.pop("time_budget", None)  # in-process: no worker start-up in a unit test
    result = run_experiment(parse_config(config, base_dir=path.parent), tmp_path / "run",
                            progress=False)
    assert result.n_failed == 0 and result.n_ok == result.n_cells > 0
    assert write_report(tmp_path / "run").is_file()


def test_there_is_one_example_per_fusion_level():
    assert {p.stem for p in EXAMPLES} >= {"decision_fusion", "model_fusion", "feature_fusion"}


# The tabular case studies (the preset beside its members); the others have their own tests.
TABULAR_CASES = {"german_credit", "pima", "heart", "adult", "bank_marketing"}
CASE_STUDIES = sorted(p for p in (Path(__file__).resolve().parents[2] / "examples" / "case_studies").glob("*.yaml")
                      if p.stem in TABULAR_CASES)


@pytest.mark.parametrize("path", CASE_STUDIES, ids=[p.stem for p in CASE_STUDIES])
def test_case_study_config_is_valid_without_data(path):
    """Each case study parses, names a registered dataset, and compares the preset with its members."""
    from fuselearn.data._catalogue import CATALOGUE
    from fuselearn.estimators._preset import tabular_members
    from fuselearn.experiment._build import build_pipeline, pipeline_members

    config = parse_config(yaml.safe_load(path.read_text()), base_dir=path.parent)
    assert {ds.source or ds.name for ds in config.datasets} <= {e.name for e in CATALOGUE}
    members = pipeline_members(config.pipelines)
    assert members["preset"] == [name for name, _ in tabular_members()]
    built = {p.name: build_pipeline(p, config.pipelines, seed=0) for p in config.pipelines}
    preset = built["preset"]
    assert preset.bagging is True and preset.method == "weighted" and preset.time_limit > 0
    # the members in the config are the preset's own (same estimators, same parameters)
    for name, pipe in tabular_members():
        def norm(est):  # YAML gives lists where Python gives tuples
            return {k: tuple(v) if isinstance(v, list) else v for k, v in est.get_params().items()
                    if k != "random_state"}

        assert norm(pipe.named_steps["model"]) == norm(built[name].named_steps["model"]), name


def test_there_is_one_case_study_per_table():
    assert {p.stem for p in CASE_STUDIES} >= {"german_credit", "pima", "heart", "adult", "bank_marketing"}
