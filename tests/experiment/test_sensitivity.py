"""Sensitivity studies: trials as pipeline variants in the store, resume, analysis, bad input."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from fuselearn.exceptions import ConfigError, DataError
from fuselearn.experiment import Store, parse_config, run_sensitivity, sensitivity_from_store


def _config(**sensitivity) -> dict:
    return {
        "name": "sens",
        "datasets": [{"name": "iris", "max_rows": 60}],
        "pipelines": [
            {"name": "lr", "estimator": "sklearn.linear_model.LogisticRegression",
             "params": {"max_iter": 300}},
            {"name": "tree", "estimator": "sklearn.tree.DecisionTreeClassifier",
             "params": {"max_depth": 2}},
            {"name": "fusion", "estimator": "fuselearn.FusionClassifier",
             "estimators": [{"ref": "lr"}, {"ref": "tree"}], "params": {"method": "mean"}},
        ],
        "cv": {"n_splits": 2},
        "sensitivity": {"pipeline": "fusion", **sensitivity},
    }


GRID = {"space": {"method": ["mean", "vote"], "tree": ["drop", {"ref": "tree"}]}}


def test_grid_trials_are_variant_pipelines_in_the_store(tmp_path):
    config = parse_config(_config(**GRID))
    result = run_sensitivity(config, tmp_path, progress=False)
    assert result.n_failed == 0
    with Store(tmp_path, readonly=True) as store:
        trials = store.trials()
        cells = store.cells()
    names = [t["pipeline"] for t in trials]
    assert names == [
        "fusion[method=mean,tree=drop]", "fusion[method=mean,tree=tree]",
        "fusion[method=vote,tree=drop]", "fusion[method=vote,tree=tree]",
    ]
    # 3 base pipelines + 4 variants, 2 folds each
    assert len(cells) == 14 and set(names) <= set(cells["pipeline"])
    # dropping the tree leaves the fusion of lr alone: the same predictions as lr
    lr = cells[cells.pipeline == "lr"].sort_values("fold")["accuracy"].to_numpy()
    alone = cells[cells.pipeline == "fusion[method=mean,tree=drop]"].sort_values("fold")
    np.testing.assert_allclose(alone["accuracy"].to_numpy(), lr)


def test_analysis_reads_the_store(tmp_path):
    config = parse_config(_config(**GRID))
    run_sensitivity(config, tmp_path, progress=False)
    res = sensitivity_from_store(tmp_path)
    assert res.parameters == ["method", "tree"]
    assert len(res.trials) == 4 and (res.trials["n_folds"] == 2).all()
    # the curve of a value is the mean over folds of the mean over the trials holding it
    with Store(tmp_path, readonly=True) as store:
        cells = store.cells()
    vote = cells[cells.pipeline.str.startswith("fusion[method=vote")]
    expected = vote.groupby("fold")["accuracy"].mean().mean()
    row = res.curves[(res.curves.parameter == "method") & (res.curves.value == "vote")]
    assert row["mean"].item() == pytest.approx(expected)
    imp = res.importance.set_index("parameter")
    assert set(imp.index) == {"method", "tree"}
    assert imp["fanova"].sum() == pytest.approx(1.0)
    # 'tree' switches a member on and off: one ablation row with a corrected t-test
    assert res.ablation["parameter"].tolist() == ["tree"]
    assert 0.0 <= res.ablation["p_value"].item() <= 1.0
    fig = res.plot_curves()
    assert len(fig.axes) == 2


def test_optuna_study_resumes_replaying_recorded_trials(tmp_path):
    sens = {"sampler": "random", "n_trials": 4, "seed": 3,
            "space": {"method": ["mean", "vote", "stacking"], "tree__max_depth": {"low": 1, "high": 4}}}
    config = parse_config(_config(**sens))
    full = tmp_path / "full"
    run_sensitivity(config, full, progress=False)
    part = tmp_path / "part"
    first = run_sensitivity(config, part, progress=False, max_trials=2)
    with Store(part, readonly=True) as store:
        assert len(store.trials()) == 2
        n_cells_first = len(store.cells())
    second = run_sensitivity(config, part, progress=False)
    assert second.n_skipped == n_cells_first and first.n_ok == n_cells_first
    with Store(part, readonly=True) as store, Store(full, readonly=True) as ref:
        resumed, uninterrupted = store.trials(), ref.trials()
        cells = store.cells()
    assert len(resumed) == 4
    # the recorded trials are replayed as they were, and the sampler's seed gives the same rest
    assert [t["labels"] for t in resumed] == [t["labels"] for t in uninterrupted]
    assert (cells["attempts"] == 1).all() and cells["cell_id"].is_unique
    assert all(isinstance(t["values"]["tree__max_depth"], int) for t in resumed)


def test_unknown_parameter_path_names_the_closest(tmp_path):
    data = _config(space={"tree__max_dept": [1, 2]})
    with pytest.raises(ConfigError, match=r"sensitivity\.space\.tree__max_dept.*Did you mean 'tree__max_depth'"):
        parse_config(data)
    with pytest.raises(ConfigError, match=r"Did you mean 'method'"):
        parse_config(_config(space={"methd": ["mean"]}))


@pytest.mark.parametrize(
    ("sens", "match"),
    [
        ({"space": {}}, r"sensitivity\.space"),
        ({"space": {"method": ["mean"]}, "sampler": "tpe", "n_trials": 0}, r"sensitivity\.n_trials"),
        ({"space": {"method": []}}, r"non-empty list"),
        ({"space": {"tree__max_depth": {"low": 1, "high": 3}}}, r"grid sampler needs a list"),
        ({"space": {"tree": [{"estimator": "sklearn.tree.NoSuchTree"}]}},
         r"sensitivity\.space\.tree.*NoSuchTree"),
        ({"space": {"method": ["mean"]}, "pipeline": "fuson"}, r"Did you mean 'fusion'"),
    ],
)
def test_bad_search_spaces_are_config_errors(sens, match):
    data = _config(**sens)
    if "pipeline" in sens:
        data["sensitivity"]["pipeline"] = sens["pipeline"]
    with pytest.raises(ConfigError, match=match):
        parse_config(data)


def test_bad_config_writes_nothing_to_the_store(tmp_path):
    with pytest.raises(ConfigError):
        parse_config(_config(space={"nope": [1]}))
    assert not (tmp_path / "store.sqlite").exists()


def test_plain_config_keeps_its_hash_and_analysis_needs_trials(tmp_path):
    from fuselearn.experiment import config_hash, run_experiment

    data = _config(**GRID)
    data.pop("sensitivity")
    config = parse_config(data)
    assert "sensitivity" not in config.to_dict()
    assert all("set_params" not in p for p in config.to_dict()["pipelines"])
    run_experiment(config, tmp_path, progress=False)
    with pytest.raises(DataError, match="no sensitivity trials"):
        sensitivity_from_store(tmp_path)
    db = sqlite3.connect(tmp_path / "store.sqlite")
    assert db.execute("SELECT COUNT(*) FROM trials").fetchone()[0] == 0
    assert config_hash(config)


def test_report_shows_the_sensitivity_section(tmp_path):
    from fuselearn.experiment import write_report

    run_sensitivity(parse_config(_config(**GRID)), tmp_path, progress=False)
    html = write_report(tmp_path).read_text()
    assert 'id="sensitivity"' in html and 'id="sensitivity-importance"' in html
    assert 'id="sensitivity-ablation"' in html and "fusion[method=vote,tree=drop]" in html
    assert 'alt="sensitivity response curves on iris"' in html


def test_report_of_a_plain_run_has_no_sensitivity_section(tmp_path):
    from fuselearn.experiment import run_experiment, write_report

    data = _config(**GRID)
    data.pop("sensitivity")
    run_experiment(parse_config(data), tmp_path, progress=False)
    assert 'id="sensitivity"' not in write_report(tmp_path).read_text()


def test_cli_sensitivity_runs_and_resumes(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from fuselearn.cli import app

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_config(space={"method": ["mean", "vote"]})))
    out = tmp_path / "run"
    first = CliRunner().invoke(app, ["sensitivity", str(path), "--out", str(out), "-q", "--no-report"])
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(app, ["sensitivity", str(path), "--out", str(out), "-q", "--no-report"])
    assert again.exit_code == 0 and "10 already done, 0 ok now" in again.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_config(space={"methdo": ["mean"]})))
    res = CliRunner().invoke(app, ["sensitivity", str(bad), "--out", str(tmp_path / "b")])
    assert res.exit_code == 2 and "Did you mean 'method'" in res.output
    assert not (tmp_path / "b").exists()


def test_cells_lost_in_a_kill_are_the_only_ones_rerun(tmp_path):
    # A kill loses at most the cells in flight (one transaction per cell): remove two cells of
    # one trial as such a kill would, then resume.
    config = parse_config(_config(**GRID))
    run_sensitivity(config, tmp_path, progress=False)
    lost = "fusion[method=vote,tree=tree]"
    db = sqlite3.connect(tmp_path / "store.sqlite", isolation_level=None)
    db.execute("DELETE FROM cells WHERE pipeline = ?", (lost,))
    db.close()
    again = run_sensitivity(config, tmp_path, progress=False)
    assert (again.n_ok, again.n_skipped, again.n_cells) == (2, 12, 14)
    with Store(tmp_path, readonly=True) as store:
        cells = store.cells()
        assert len(store.trials()) == 4
    assert cells["cell_id"].is_unique and (cells["attempts"] == 1).all() and len(cells) == 14


def test_a_folder_in_use_is_refused_before_anything_is_written(tmp_path):
    from fuselearn.experiment import RunFolderError
    from fuselearn.experiment._runner import _lock

    lock = _lock(tmp_path)
    try:
        with pytest.raises(RunFolderError, match="in use"):
            run_sensitivity(parse_config(_config(**GRID)), tmp_path, progress=False)
    finally:
        lock.close()
    assert not (tmp_path / "store.sqlite").exists()


def test_misspelt_sensitivity_key_names_the_closest():
    data = _config(**GRID)
    data["sensitivity"]["n_trial"] = 5
    with pytest.raises(ConfigError, match=r"sensitivity\.n_trial: unknown key\. Did you mean 'n_trials'"):
        parse_config(data)
