"""The anomaly task of the runner (issue 11, part 5: SKAB from one config): detectors fitted without
labels on the first rows of each series (cv scheme group_head), confusion counts per cell, F1/FAR/MAR
pooled over every scored point, the per-series Wilcoxon test, and the SKAB case-study configs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import SpyDetector

from fuselearn.exceptions import ConfigError
from fuselearn.experiment import Store, parse_config, run_experiment, write_report
from fuselearn.experiment._config import CVConfig, config_hash
from fuselearn.experiment._data import iter_splits
from fuselearn.experiment._detection import pooled_table, rates
from fuselearn.experiment._report import anomaly_summary

CASES = Path(__file__).resolve().parents[2] / "examples" / "case_studies"
SKAB = [CASES / "skab.yaml", CASES / "skab_quick.yaml"]
FIT_ROWS = 30
LENGTHS = (60, 75, 50)


def _series(tmp_path: Path, *, nan_at: int | None = None) -> Path:
    """Three short series in one CSV: a row-number column ``t``, two sensors, anomalies 0/1 (a jump of
    6 standard deviations in a stretch of each series past its first FIT_ROWS rows)."""
    rng = np.random.default_rng(0)
    frames = []
    for g, n in enumerate(LENGTHS):
        X = rng.normal(size=(n, 2))
        y = np.zeros(n, dtype=int)
        y[40:46] = 1
        X[41:46] += 6.0  # the first anomalous row is missed: a detector that is not perfect
        X[35] += 5.0  # a false alarm before it
        frames.append(pd.DataFrame({"file": f"run{g}", "t": np.arange(n), "a": X[:, 0], "b": X[:, 1],
                                    "anomaly": y}))
    data = pd.concat(frames, ignore_index=True)
    if nan_at is not None:
        data.loc[nan_at, "a"] = np.nan
    path = tmp_path / "series.csv"
    data.to_csv(path, index=False)
    return path


def _config(path: Path, **changes) -> dict:
    spy = {"estimator": "helpers.SpyDetector", "params": {"threshold": 3.0}}
    config = {
        "name": "anomaly",
        "datasets": [{"name": "toy", "source": "csv", "path": str(path), "target": "anomaly",
                      "group": "file", "task": "anomaly"}],
        "pipelines": [
            {"name": "spy", **spy},
            {"name": "pca", "estimator": "fuselearn.estimators.FusionAnomalyDetector",
             "estimators": [{"name": "pca", "estimator": "fuselearn.estimators.PCADetector"}],
             "params": {"threshold_quantile": 0.99, "smoothing": 3}},
            {"name": "fusion", "estimator": "fuselearn.estimators.FusionAnomalyDetector",
             "estimators": [{"name": "spy", **spy},
                            {"name": "pca", "estimator": "fuselearn.estimators.PCADetector"}],
             "params": {"threshold_quantile": 0.99, "smoothing": 3},
             "member_pipelines": ["spy", "pca"]},
        ],
        "cv": {"scheme": "group_head", "fit_rows": FIT_ROWS},
        "metrics": ["f1", "far", "mar", "roc_auc"],
    }
    config.update(changes)
    return config


def _run(tmp_path, config: dict, out: str = "run"):
    cfg = parse_config(config, base_dir=tmp_path)
    return run_experiment(cfg, tmp_path / out, progress=False)


def test_group_head_is_one_fold_per_group_with_its_first_rows():
    groups = np.repeat([0, 1, 2], LENGTHS)
    cv = CVConfig(scheme="group_head", fit_rows=FIT_ROWS)
    folds = iter_splits(cv, np.zeros(len(groups)), 0, "anomaly", groups=groups, group_names=["a", "b", "c"])
    assert len(folds) == 3
    start = 0
    for (train, test), n in zip(folds, LENGTHS):
        assert train.tolist() == list(range(start, start + FIT_ROWS))
        assert test.tolist() == list(range(start + FIT_ROWS, start + n))
        start += n
    other_seed = iter_splits(cv, np.zeros(len(groups)), 7, "anomaly", groups=groups)
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(other_seed, folds))
    with pytest.raises(ConfigError, match=r"fit_rows: 50 .* 50 rows of group 'c'.*Lower fit_rows"):
        iter_splits(CVConfig(scheme="group_head", fit_rows=50), np.zeros(len(groups)), 0, "anomaly",
                    groups=groups, group_names=["a", "b", "c"], dataset="toy")
    with pytest.raises(ConfigError, match=r"'toy' has no groups.*'group'"):
        iter_splits(cv, np.zeros(10), 0, "anomaly", dataset="toy")


def test_detectors_are_fitted_without_labels_on_each_series_first_rows(tmp_path):
    SpyDetector.fits.clear()
    result = _run(tmp_path, _config(_series(tmp_path), pipelines=_config(Path("x"))["pipelines"][:1]))
    assert (result.n_ok, result.n_failed) == (3, 0)
    fits = SpyDetector.fits
    assert len(fits) == 3  # one detector per series
    assert all(f["y"] is None for f in fits)  # the labels never reach fit
    for fit in fits:  # column t is each series' row number: the first FIT_ROWS rows of the series
        assert fit["first_column"].tolist() == list(range(FIT_ROWS))


def test_pooled_rates_equal_a_hand_count(tmp_path):
    path = _series(tmp_path)
    SpyDetector.fits.clear()
    _run(tmp_path, _config(path))
    data = pd.read_csv(path)
    # by hand: one SpyDetector per series on its first rows, every later row labelled in order
    tp = fp = fn = tn = 0
    for _, part in data.groupby("file", sort=False):
        X = part[["t", "a", "b"]].to_numpy()
        det = SpyDetector().fit(X[:FIT_ROWS])
        pred = (det.predict(X) == -1)[FIT_ROWS:]
        truth = part["anomaly"].to_numpy()[FIT_ROWS:] == 1
        tp += int((pred & truth).sum())
        fp += int((pred & ~truth).sum())
        fn += int((~pred & truth).sum())
        tn += int((~pred & ~truth).sum())
    assert fp > 0 and fn > 0 and tp > 0  # the toy exercises every count
    cells = Store(tmp_path / "run", readonly=True).cells()
    spy = cells[cells.pipeline == "spy"]
    assert [int(spy[k].sum()) for k in ("tp", "fp", "fn", "tn")] == [tp, fp, fn, tn]
    table = pooled_table(cells[cells.status == "ok"], ["f1", "far", "mar", "roc_auc"]).set_index("pipeline")
    assert table.loc["spy", "f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))
    assert table.loc["spy", "far"] == pytest.approx(fp / (fp + tn))
    assert table.loc["spy", "mar"] == pytest.approx(fn / (fn + tp))
    # pooled, not averaged: the mean of the per-series F1 is another number here
    per_series = [rates(r)["f1"] for r in spy[["tp", "fp", "fn", "tn"]].to_dict("records")]
    assert table.loc["spy", "f1_per_group"] == pytest.approx(np.mean(per_series))
    assert table.loc["spy", "scored"] == sum(n - FIT_ROWS for n in LENGTHS)
    # the per-cell metrics agree with the per-cell counts
    for row in spy.itertuples():
        assert row.f1 == pytest.approx(rates(row._asdict())["f1"])


def test_report_and_run_print_the_pooled_table_and_the_wilcoxon_test(tmp_path):
    _run(tmp_path, _config(_series(tmp_path)))
    text = anomaly_summary(tmp_path / "run")
    assert "toy: 3 series, 95 scored points" in text
    assert "| pipeline | F1 | FAR % | MAR % | roc_auc |" in text
    assert "fusion" in text and "its best member" in text and "Wilcoxon signed-rank over 3 series" in text
    html = write_report(tmp_path / "run").read_text()
    assert 'class="leaderboard pooled"' in html and "pooled over all scored points" in html
    assert "Wilcoxon signed-rank over 3 series" in html
    assert "0 (run0)" in html  # per-series scores named by their series


def test_rerun_recomputes_nothing(tmp_path):
    config = _config(_series(tmp_path))
    first = _run(tmp_path, config)
    again = _run(tmp_path, config)
    assert first.n_ok == 9 and again.resumed and (again.n_skipped, again.n_ok) == (9, 0)


def test_context_scoring_lets_windows_see_the_fit_rows(tmp_path):
    """The fit rows are scored with the test rows in time order and cut off: a filter's first test
    rows see the rows before them (as SKAB's benchmark), so smoothing over the fit rows' tail matters."""
    from fuselearn.estimators import FusionAnomalyDetector, PCADetector

    path = _series(tmp_path)
    _run(tmp_path, _config(path))
    data = pd.read_csv(path)
    part = data[data.file == "run0"][["t", "a", "b"]].to_numpy()
    det = FusionAnomalyDetector([("pca", PCADetector())], threshold_quantile=0.99, smoothing=3,
                                random_state=0).fit(part[:FIT_ROWS])
    expected = det.detect(part)[FIT_ROWS:]
    stored = Store(tmp_path / "run", readonly=True).predictions(
        Store(tmp_path / "run", readonly=True).latest_run()["run_id"], "toy", "pca")
    assert stored[0]["y_pred"].tolist() == expected.tolist()
    assert np.allclose(stored[0]["y_score"], det.anomaly_score(part)[FIT_ROWS:])


@pytest.mark.parametrize(("change", "pattern"), [
    ({"pipelines": [{"name": "lr", "estimator": "sklearn.linear_model.LogisticRegression"}]},
     r"pipelines\[0\] \('lr'\): LogisticRegression is not an outlier detector.*'toy' is an anomaly task"),
    ({"pipelines": [{"name": "fad", "estimator": "fuselearn.estimators.FusionAnomalyDetector",
                     "estimators": [{"name": "lof", "estimator": "sklearn.neighbors.LocalOutlierFactor"}]}]},
     r"'fad'.*member 'lof' \(LocalOutlierFactor\) cannot score new data.*novelty=True"),
    ({"pipelines": [{"name": "lof", "estimator": "sklearn.neighbors.LocalOutlierFactor"}]},
     r"'lof'.*cannot label new data.*novelty=True"),
    ({"metrics": ["log_loss"]}, r"metrics\[0\]: 'log_loss' needs class probabilities.*roc_auc"),
    ({"cv": {"scheme": "group_head", "fit_rows": 60}},
     r"fit_rows: 60 is not less than the 60 rows of group 'run0' of dataset 'toy'"),
    ({"max_rows": 40}, r"datasets\[0\].max_rows: dataset 'toy' is a set of series.*remove max_rows"),
])
def test_bad_anomaly_experiments_are_refused_before_any_cell(tmp_path, change, pattern):
    config, change = _config(_series(tmp_path)), dict(change)
    if "max_rows" in change:
        config["datasets"][0]["max_rows"] = change.pop("max_rows")
    config.update(change)
    with pytest.raises(ConfigError, match=pattern):
        _run(tmp_path, config)
    assert not (tmp_path / "run" / "store.sqlite").exists() or not len(
        Store(tmp_path / "run", readonly=True).cells())


def test_a_detector_in_a_classification_experiment_is_refused(tmp_path):
    config = {"datasets": [{"name": "iris", "max_rows": 30}],
              "pipelines": [{"name": "iforest", "estimator": "sklearn.ensemble.IsolationForest"}],
              "cv": {"n_splits": 2}}
    with pytest.raises(ConfigError, match=r"'iforest'.*IsolationForest is an outlier detector.*'iris' is a "
                                          r"multiclass task.*task: anomaly"):
        _run(tmp_path, config)


def test_nan_in_fit_rows_fails_the_cell_naming_the_series(tmp_path):
    path = _series(tmp_path, nan_at=LENGTHS[0] + 3)  # row 3 of the second series
    result = _run(tmp_path, _config(path, pipelines=_config(path)["pipelines"][1:2]))
    assert (result.n_ok, result.n_failed) == (2, 1)
    cells = Store(tmp_path / "run", readonly=True).cells()
    error = cells[cells.status != "ok"].iloc[0].error.strip().splitlines()[-1]
    assert "InvalidInputError" in error and "series 'run1'" in error and "NaN" in error


def test_config_keys_are_checked_and_old_hashes_kept(tmp_path):
    path = _series(tmp_path)
    with pytest.raises(ConfigError, match=r"cv.fit_rows: required for scheme 'group_head'"):
        parse_config(_config(path, cv={"scheme": "group_head"}), base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"cv.fit_rows: only used by scheme 'group_head'"):
        parse_config(_config(path, cv={"scheme": "kfold", "fit_rows": 3}), base_dir=tmp_path)
    bad = _config(path)
    bad["pipelines"][2]["member_pipelines"] = ["spy", "pcaa"]
    with pytest.raises(ConfigError, match=r"member_pipelines\[1\]: no pipeline named 'pcaa'. Did you mean 'pca'"):
        parse_config(bad, base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"group: column 'fil' is not in series.csv. Did you mean 'file'"):
        run_experiment(parse_config(_config(path, datasets=[{**_config(path)["datasets"][0], "group": "fil"}]),
                                    base_dir=tmp_path), tmp_path / "r", progress=False)
    # the new keys are left out of the stored config when unset: older configs keep their hash
    plain = parse_config({"datasets": [{"name": "iris"}],
                          "pipelines": [{"name": "lr", "estimator": "sklearn.linear_model.LogisticRegression"}]})
    data = plain.to_dict()
    assert "fit_rows" not in data["cv"] and "member_pipelines" not in data["pipelines"][0]
    assert "task" not in data["datasets"][0] and "group" not in data["datasets"][0]
    assert config_hash(plain) == config_hash(parse_config(data))


# --- the SKAB case-study configs ----------------------------------------------------------------------


@pytest.mark.parametrize("path", SKAB, ids=[p.stem for p in SKAB])
def test_skab_config_is_valid_without_data(path):
    from fuselearn.estimators import FusionAnomalyDetector, TrendDifferencer
    from fuselearn.experiment._build import build_pipeline, pipeline_members

    config = parse_config(yaml.safe_load(path.read_text()), base_dir=path.parent)
    assert config.cv.scheme == "group_head" and config.cv.fit_rows == 400  # SKAB's protocol
    assert config.datasets[0].source == "skab" and config.metrics[:3] == ["f1", "far", "mar"]
    built = {p.name: build_pipeline(p, config.pipelines, seed=0) for p in config.pipelines}
    fusion = built["fusion_mean"]
    members = [n for n, _ in fusion.members]
    assert pipeline_members(config.pipelines)["fusion_mean"] == members
    for name, member in fusion.members:  # each member alone is the fusion's member, same settings
        alone = built[name]
        assert isinstance(alone, FusionAnomalyDetector) and [n for n, _ in alone.members] == [name]
        assert repr(alone.members[0][1]) == repr(member), name
        assert {k: alone.get_params(deep=False)[k] for k in ("calibration", "threshold_quantile", "smoothing")} \
            == {"calibration": "standard", "threshold_quantile": 0.999, "smoothing": 5} == \
            {k: fusion.get_params(deep=False)[k] for k in ("calibration", "threshold_quantile", "smoothing")}
    differenced = built["fusion_mean_differenced"]
    assert isinstance(differenced.steps[0][1], TrendDifferencer)
    assert repr(differenced.steps[1][1]) == repr(fusion)


def test_skab_quick_is_the_full_config_on_three_files():
    full, quick = (yaml.safe_load(p.read_text()) for p in SKAB)
    assert quick["datasets"][0].pop("options") == {"experiments": ["other/4.csv", "valve1/0.csv", "valve2/0.csv"]}
    assert quick["datasets"] == full["datasets"]
    assert quick["pipelines"] == full["pipelines"] and quick["cv"] == full["cv"]
    assert quick["metrics"] == full["metrics"]


@pytest.mark.dataset
@pytest.mark.skipif(not os.environ.get("FUSELEARN_DATA"), reason="needs FUSELEARN_DATA (the SKAB files)")
def test_skab_quick_runs(tmp_path):
    from fuselearn.experiment import load_config

    config = load_config(SKAB[1])
    result = run_experiment(config, tmp_path / "run", progress=False)
    assert (result.n_ok, result.n_failed) == (len(config.pipelines) * 3, 0)
    text = anomaly_summary(tmp_path / "run")
    assert "skab: 3 series, 2263 scored points" in text  # 1191 + 1147 + 1125 rows, 400 of each fit
    assert "fusion_mean" in text and "Wilcoxon signed-rank over 3 series" in text
    cells = Store(tmp_path / "run", readonly=True).cells()
    assert (cells[["tp", "fp", "fn", "tn"]].sum(axis=1) == cells["n_test"]).all()


def test_an_insights_section_does_not_rerun_anomaly_cells(tmp_path):
    config = _config(_series(tmp_path), insights={"fold": 0})
    first = _run(tmp_path, config)
    again = _run(tmp_path, config)
    assert first.n_ok == 9 and (again.n_skipped, again.n_ok) == (9, 0)


@pytest.mark.parametrize(
    ("diff", "higher", "p", "expected"),
    [
        (0.02, True, 0.01, "beat"),
        (0.02, True, 0.20, "beat (not significant)"),
        (0.02, True, None, "beat (not significant)"),
        (-0.02, True, 0.01, "lost to"),
        (0.02, False, 0.01, "lost to"),  # a loss metric (FAR) went up
        (-0.02, False, 0.30, "beat (not significant)"),
        (0.0, True, 0.01, "tied with"),
    ],
)
def test_verdict_wording_is_shared_by_both_tables(diff, higher, p, expected):
    from fuselearn.experiment._detection import verdict

    assert verdict(diff, higher, p) == expected
