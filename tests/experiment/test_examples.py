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


CASE_STUDIES = sorted((Path(__file__).resolve().parents[2] / "examples" / "case_studies").glob("*.yaml"))
#: The tabular case studies (the preset beside its members); the graph ones have their own test file.
TABULAR_CASES = [p for p in CASE_STUDIES if "name: preset" in p.read_text()]


@pytest.mark.parametrize("path", CASE_STUDIES, ids=[p.stem for p in CASE_STUDIES])
def test_every_case_study_passes_the_config_checker(path):
    """Every examples/case_studies/*.yaml passes the checker `fuselearn run` applies (parse_config:
    pydantic, then names, estimators, metrics), names a registered dataset, and builds every pipeline."""
    from fuselearn.data._catalogue import CATALOGUE
    from fuselearn.experiment._build import build_pipeline

    config = parse_config(yaml.safe_load(path.read_text()), base_dir=path.parent)
    assert {ds.source or ds.name for ds in config.datasets} <= {e.name for e in CATALOGUE}
    def specs_left(value):  # component specs ({estimator: ...}) the builder did not turn into estimators
        if isinstance(value, dict):
            return ("estimator" in value or "ref" in value) or any(specs_left(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return any(specs_left(v) for v in value)
        return False

    for p in config.pipelines:
        built = build_pipeline(p, config.pipelines, seed=0)
        assert hasattr(built, "fit"), p.name
        assert not specs_left(list(built.get_params(deep=True).values())), p.name


@pytest.mark.parametrize("path", TABULAR_CASES, ids=[p.stem for p in TABULAR_CASES])
def test_case_study_config_is_valid_without_data(path):
    """Each tabular case study parses, names a registered dataset, and compares the preset with its members."""
    from fuselearn.data._catalogue import CATALOGUE
    from fuselearn.estimators._preset import tabular_members
    from fuselearn.experiment._build import build_pipeline, pipeline_members

    config = parse_config(yaml.safe_load(path.read_text()), base_dir=path.parent)
    assert {ds.source or ds.name for ds in config.datasets} <= {e.name for e in CATALOGUE}
    members = pipeline_members(config.pipelines)
    if "preset" not in members:  # a case study of something else (german_credit_fairness: insights)
        assert any(members.values())
        return
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
    assert {p.stem for p in CASE_STUDIES} >= {"german_credit", "pima", "heart", "adult", "bank_marketing",
                                              "womens_clothing", "womens_clothing_quick"}


def test_womens_clothing_quick_is_the_full_config_on_a_subset():
    """The documented quick run differs from the full case study only by its name and the row subset."""
    def load(stem):
        return yaml.safe_load((EXAMPLES[0].parent / "case_studies" / f"{stem}.yaml").read_text())

    full, quick = load("womens_clothing"), load("womens_clothing_quick")
    assert quick["datasets"][0].pop("max_rows") < 23486
    assert quick["pipelines"] == full["pipelines"] and quick["datasets"] == full["datasets"]
    assert {p["name"] for p in full["pipelines"]} >= {"text_tfidf", "text_minilm", "table", "late_all"}
