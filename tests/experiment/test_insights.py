"""Insights in experiments: the ``insights:`` section, ``sensitive:`` columns, their storage,
resume, and their report section (unit tests on the context and HTML; the browser check is in
test_report.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_config
from fuselearn.exceptions import ConfigError, FuselearnError
from fuselearn.experiment import (
    Store,
    build_report_context,
    parse_config,
    run_experiment,
    write_report,
)
from fuselearn.experiment._data import load_data
from fuselearn.experiment._report import fairness_verdicts, insights_entry

LR = {"name": "lr", "estimator": "sklearn.linear_model.LogisticRegression", "params": {"max_iter": 500}}
TREE = {"name": "tree", "estimator": "sklearn.tree.DecisionTreeClassifier", "params": {"max_depth": 3}}
FUSION = {"name": "fusion", "estimator": "fuselearn.FusionClassifier",
          "estimators": [{"ref": "lr"}, {"ref": "tree"}], "params": {"method": "stacking", "cv": 2}}


def _csv(tmp_path, n: int = 120, const: bool = False) -> str:
    """A binary table whose label depends on f1, f2 and (a little) on ``sex``; ``age`` numeric."""
    rng = np.random.RandomState(0)
    sex = rng.choice(["f", "m"], n)
    age = rng.randint(18, 70, n)
    f1, f2, f3 = rng.normal(size=(3, n))
    y = (f1 + 0.5 * f2 + 0.8 * (sex == "m") + rng.normal(0, 0.5, n) > 0.4).astype(int)
    frame = pd.DataFrame({"f1": f1, "f2": f2, "f3": f3, "sex": sex, "age": age,
                          "const": "x", "label": y})
    if not const:
        frame = frame.drop(columns="const")
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _config(path: str, **changes) -> dict:
    config = {
        "name": "fair",
        "datasets": [{"name": "people", "source": "csv", "path": path, "target": "label",
                      "sensitive": ["sex", {"column": "age", "bins": [40]}]}],
        "pipelines": [LR, TREE, FUSION],
        "cv": {"scheme": "stratified_kfold", "n_splits": 2},
        "metrics": ["roc_auc", "accuracy"],
        "insights": {"n_rows": 40, "n_bootstrap": 20, "n_repeats": 2},
    }
    config.update(changes)
    return config


# --- config --------------------------------------------------------------------------------------


def test_unknown_insights_key_names_the_closest():
    with pytest.raises(ConfigError, match=r"insights\.n_row: unknown key\. Did you mean 'n_rows'\?"):
        parse_config(tiny_config(insights={"n_row": 50}))


def test_insights_pipeline_and_fold_are_checked():
    with pytest.raises(ConfigError, match=r"insights\.pipelines\[0\]: no pipeline named 'fusoin'\. "
                                          r"Did you mean 'fusion'\?"):
        parse_config(tiny_config(insights={"pipelines": ["fusoin"]}))
    with pytest.raises(ConfigError, match=r"insights\.fold: 2 is not a fold .* which has 2 \(0 to 1\)"):
        parse_config(tiny_config(insights={"fold": 2}))


def test_insights_are_not_part_of_the_hash():
    from fuselearn.experiment import config_hash

    plain = parse_config(tiny_config())
    explained = parse_config(tiny_config(insights={"shap": True}))
    assert config_hash(plain) == config_hash(explained)
    assert "sensitive" not in plain.to_dict()["datasets"][0]  # old configs keep their hash


def test_missing_sensitive_column_names_the_closest(tmp_path):
    path = _csv(tmp_path)
    config = _config(path)
    config["datasets"][0]["sensitive"] = ["sexx"]
    with pytest.raises(ConfigError, match=r"datasets\[0\]\.sensitive\[0\]: column 'sexx' is not in "
                                          r"people\.csv\. Did you mean 'sex'\?"):
        parse_config(config)
    config["datasets"][0]["sensitive"] = ["label"]
    with pytest.raises(ConfigError, match=r"sensitive\[0\]: 'label' is the target"):
        parse_config(config)


def test_unknown_sensitive_spec_key_names_the_closest(tmp_path):
    config = _config(_csv(tmp_path))
    config["datasets"][0]["sensitive"] = [{"column": "age", "bin": [40]}]
    with pytest.raises(ConfigError, match=r"sensitive\[0\]\.bin: unknown key\. Did you mean 'bins'\?"):
        parse_config(config)


def test_one_group_only_is_refused_before_anything_is_stored(tmp_path):
    config = _config(_csv(tmp_path, const=True))
    config["datasets"][0]["sensitive"] = ["const"]
    cfg = parse_config(config)
    out = tmp_path / "run"
    with pytest.raises(ConfigError, match=r"sensitive column 'const' has one group only \('x'\) in "
                                          r"120 rows"):
        run_experiment(cfg, out, progress=False)
    assert not (out / "store.sqlite").exists()  # a corrected config is not refused later
    config["datasets"][0]["sensitive"] = [{"column": "age", "bins": [100]}]
    with pytest.raises(FuselearnError, match="one group only"):
        run_experiment(parse_config(config), out, progress=False)


def test_sensitive_needs_named_columns():
    config = tiny_config()
    config["datasets"][1]["sensitive"] = ["mean radius"]
    cfg = parse_config(config)
    with pytest.raises(ConfigError, match=r"datasets\[1\]\.sensitive .*named columns.*ndarray"):
        load_data(cfg.datasets[1], cfg)


def test_sensitive_columns_leave_the_features(tmp_path):
    cfg = parse_config(_config(_csv(tmp_path)))
    data = load_data(cfg.datasets[0], cfg)
    assert "sex" not in data.X.columns and "age" not in data.X.columns
    assert list(data.sensitive.columns) == ["sex", "age"]
    assert set(data.sensitive["age"]) == {"<40", ">=40"}
    assert set(data.sensitive["sex"]) == {"f", "m"}


def test_a_pipeline_never_sees_the_sensitive_columns(tmp_path):
    config = _config(_csv(tmp_path), insights=None)
    config["pipelines"] = [{"name": "strict", "estimator": "helpers.RefuseColumns",
                            "params": {"columns": ["sex", "age"]}}]
    result = run_experiment(parse_config(config), tmp_path / "run", progress=False)
    assert result.n_failed == 0 and result.n_ok == 2
    # `sensitive:` without an `insights:` section: the fairness audit alone, in fold 0's cell
    with Store(tmp_path / "run", readonly=True) as store:
        (doc,) = store.insights(store.latest_run()["run_id"])
    assert doc["fold"] == 0 and set(doc["insights"]["parts"]) == {"fairness"}
    assert set(doc["insights"]["explanation"]["tables"]) == {"fairness_groups", "fairness_gaps"}


# --- a run with insights and sensitive columns -------------------------------------------------------


@pytest.fixture(scope="module")
def fair_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("insights")
    config = _config(_csv(tmp), insights={"n_rows": 40, "n_bootstrap": 20, "n_repeats": 2,
                                          "robustness": True})
    out = tmp / "run"
    result = run_experiment(parse_config(config), out, progress=False)
    return config, out, result


def test_explained_cells_store_their_insights(fair_run):
    _, out, result = fair_run
    assert result.n_failed == 0
    with Store(out, readonly=True) as store:
        run_id = store.latest_run()["run_id"]
        stored = store.insights(run_id)
    # fold 0 of the first seed, every pipeline; fold 1 explains nothing
    assert sorted(r["pipeline"] for r in stored) == ["fusion", "lr", "tree"]
    assert {r["fold"] for r in stored} == {0}
    fusion = next(r["insights"] for r in stored if r["pipeline"] == "fusion")
    tables = fusion["explanation"]["tables"]
    assert {"members_shapley", "members_leave_one_out", "robustness", "fairness_gaps"} <= set(tables)
    assert fusion["notes"] == [] and fusion["n_rows"] == 40 and fusion["n_test"] == 60
    shap = pd.DataFrame(**{k: tables["members_shapley"][k] for k in ("columns", "data")})
    assert set(shap.member) == {"lr", "tree"}
    members = fusion["explanation"]["info"]["members"]
    # Shapley values are efficient: they sum to the fused score minus the prior's
    assert shap.shapley.sum() == pytest.approx(members["fused_score"] - members["prior_score"], abs=1e-9)
    gaps = pd.DataFrame(**{k: tables["fairness_gaps"][k] for k in ("columns", "data")})
    assert set(gaps.model) == {"fusion", "lr", "tree"} and set(gaps.sensitive) == {"sex", "age"}
    lr = next(r["insights"] for r in stored if r["pipeline"] == "lr")
    assert "members_shapley" not in lr["explanation"]["tables"]  # not a fusion: no member game


def test_fairness_audit_matches_fairlearn_on_the_stored_fold(fair_run):
    """The stored gap of a member is fairlearn's own number on the same held-out rows."""
    from fairlearn.metrics import demographic_parity_difference
    from sklearn.linear_model import LogisticRegression

    from fuselearn.experiment import expand_grid

    config, out, _ = fair_run
    cfg = parse_config(config)
    data = load_data(cfg.datasets[0], cfg)
    _, train, test = next(c for c in expand_grid(cfg, {"people": data})
                          if c[0].pipeline == "lr" and c[0].fold == 0)
    model = LogisticRegression(max_iter=500).fit(data.X.iloc[train], data.y[train])
    expected = demographic_parity_difference(
        data.y[test], model.predict(data.X.iloc[test]), sensitive_features=data.sensitive["sex"].iloc[test]
    )
    with Store(out, readonly=True) as store:
        doc = next(r["insights"] for r in store.insights(store.latest_run()["run_id"])
                   if r["pipeline"] == "lr")
    gaps = pd.DataFrame(**{k: doc["explanation"]["tables"]["fairness_gaps"][k] for k in ("columns", "data")})
    got = gaps[(gaps.sensitive == "sex") & (gaps.metric == "demographic_parity_difference")].difference
    assert float(got.iloc[0]) == pytest.approx(expected)


def test_rerun_does_not_recompute_and_new_settings_redo_only_explained_cells(fair_run, tmp_path):
    import shutil

    config, out, _ = fair_run
    run = tmp_path / "copy"
    shutil.copytree(out, run)

    def finished() -> dict:
        with Store(run, readonly=True) as store:
            cells = store.cells()
        return dict(zip(cells.cell_id, cells.finished))

    before = finished()
    again = run_experiment(parse_config(config), run, progress=False)
    assert again.n_skipped == again.n_cells == 6 and again.n_ok == 0
    assert finished() == before
    changed = {**config, "insights": {**config["insights"], "n_rows": 30}}
    redo = run_experiment(parse_config(changed), run, progress=False)
    assert redo.resumed and redo.n_ok == 3 and redo.n_skipped == 3  # fold 0 only
    after = finished()
    assert [c for c in after if after[c] != before[c]] == sorted(c for c in after if "fold=0" in c)
    with Store(run, readonly=True) as store:
        assert {r["insights"]["n_rows"] for r in store.insights(store.latest_run()["run_id"])} == {30}


def test_a_failing_insight_leaves_a_note_not_a_failed_cell(tmp_path, monkeypatch):
    import fuselearn.evaluate

    def broken(*args, **kwargs):
        raise ValueError("explainer exploded")

    monkeypatch.setattr(fuselearn.evaluate, "explain", broken)
    cfg = parse_config(tiny_config(insights={"pipelines": ["fusion"]}))
    result = run_experiment(cfg, tmp_path / "run", progress=False)
    assert result.n_failed == 0
    with Store(tmp_path / "run", readonly=True) as store:
        docs = store.insights(store.latest_run()["run_id"])
    assert [d["pipeline"] for d in docs] == ["fusion", "fusion"]  # one per dataset, fold 0
    assert all("explain: not computed (ValueError: explainer exploded)" in d["insights"]["notes"][0]
               for d in docs)


# --- the report ------------------------------------------------------------------------------------


def test_report_context_has_every_insight_section(fair_run):
    _, out, _ = fair_run
    ctx = build_report_context(out)
    assert ctx["insights"]["sensitive"] == {"people": ["sex", "age"]}
    entry = ctx["datasets"][0]["insights"]
    assert entry["pipeline"] == ctx["datasets"][0]["best"]  # every pipeline explained: the best one
    ids = {s["id"] for s in entry["sections"]}
    assert {"robustness", "fairness"} <= ids
    with Store(out, readonly=True) as store:
        stored = store.insights(store.latest_run()["run_id"], "people")
    # the fusion's own entry, as the report would show it were it the best
    fusion_entry = insights_entry(stored, ["fusion", "lr", "tree"], "people", ctx["insights"])
    fids = [s["id"] for s in fusion_entry["sections"]]
    assert fids == ["members", "robustness", "fairness"]
    members = fusion_entry["sections"][0]
    assert {r["member"] for r in members["rows"]} == {"lr", "tree"}
    assert members["image"].startswith("data:image/png;base64,")
    fair = fusion_entry["sections"][2]
    assert {r["sensitive"] for r in fair["rows"]} == {"sex", "age"}
    assert fair["title"] == "Fairness: does fusion widen or narrow the gap?"
    assert all(r["verdict"].split()[0] in ("narrows", "widens", "equal") for r in fair["rows"])
    assert {g["model"] for g in fair["gaps"]} == {"fusion", "lr", "tree"}
    plain = insights_entry(stored, ["lr", "fusion", "tree"], "people", ctx["insights"])
    assert plain["pipeline"] == "lr" and plain["others"][0]["pipeline"] == "fusion"
    plain_fair = next(s for s in plain["sections"] if s["id"] == "fairness")
    assert plain_fair["title"] == "Fairness: gaps between groups" and plain_fair["rows"]


def test_report_html_shows_the_insights(fair_run, tmp_path):
    _, out, _ = fair_run
    text = write_report(out, tmp_path / "r.html").read_text()
    assert 'id="insights"' in text and 'href="#insights"' in text
    assert 'class="insights-fairness"' in text and 'class="insights-robustness"' in text
    assert "Member Shapley values of the other explained pipelines" in text or (
        "Members: Shapley values and leave-one-out" in text)
    assert "sex, age" in text  # the audited columns are named


def test_report_without_insights_has_no_section(tmp_path):
    run_experiment(parse_config(tiny_config()), tmp_path / "run", progress=False)
    text = write_report(tmp_path / "run").read_text()
    assert 'id="insights"' not in text


def test_stale_insights_are_not_shown():
    stored = [{"pipeline": "f", "fold": 0, "seed": 0, "insights": {"key": "old", "explanation": None}}]
    info = {"settings": {"fold": 0}, "seed": 0, "keys": {"d": "new"}}
    assert "missing" in insights_entry(stored, ["f"], "d", info)
    assert insights_entry(stored, ["f"], "d", None) is None


def test_fairness_verdicts_compare_the_fusion_with_its_members():
    gaps = pd.DataFrame({
        "model": ["fusion", "a", "b", "fusion", "a", "b"],
        "sensitive": ["sex"] * 6,
        "metric": ["demographic_parity_difference"] * 3 + ["equalized_odds_difference"] * 3,
        "difference": [0.10, 0.20, 0.30, 0.40, 0.20, 0.50],
        "ci_low": [0.0] * 6, "ci_high": [1.0] * 6,
    })
    groups = pd.DataFrame({"model": ["fusion", "a", "b"], "sensitive": ["sex"] * 3,
                           "group": ["(all)"] * 3, "accuracy": [0.9, 0.7, 0.8]})
    dp, eo = fairness_verdicts(gaps, groups)
    assert dp["best_member"] == "b"  # the most accurate member
    assert dp["verdict"] == "narrows the best member's gap by 0.200; narrower than every member"
    assert eo["verdict"] == "narrows the best member's gap by 0.100; between its members (1 of 2 wider)"
    widened = gaps.assign(difference=[0.6, 0.2, 0.3, 0.4, 0.2, 0.5])
    assert fairness_verdicts(widened, groups)[0]["verdict"].startswith("widens the best member's gap by 0.300; wider")
    assert fairness_verdicts(gaps[gaps.model != "fusion"], groups) == []
    # with the leaderboard's order, its best-ranked member is the reference (as in "fusion vs best member")
    ranked = fairness_verdicts(gaps, groups, ["fusion", "a", "b"])
    assert ranked[0]["best_member"] == "a"
    assert ranked[0]["verdict"] == "narrows the best member's gap by 0.100; narrower than every member"


def _member_column_insights(shap: bool):
    """compute_insights on a fusion whose members see their own columns, and its report entry."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    from fuselearn import FusionClassifier
    from fuselearn.experiment._insights import compute_insights

    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(80, 3)), columns=["a", "b", "c"])
    y = (X.a + 0.3 * X.c > 0).astype(int).to_numpy()
    fusion = FusionClassifier([("left", LogisticRegression(), ["a"]),
                               ("right", DecisionTreeClassifier(max_depth=2), ["b", "c"])],
                              method="mean", cv=2, random_state=0).fit(X[:50], y[:50])
    cfg = parse_config(tiny_config(insights={"shap": shap, "n_rows": 10, "n_repeats": 2,
                                             "n_bootstrap": 10}))
    doc = compute_insights(fusion, cfg, cfg.datasets[1], X_test=X[50:], y_test=y[50:],
                           y_train=y[:50], sensitive=None, task="binary", seed=0)
    assert doc["notes"] == [] and doc["n_rows"] == 10 and set(doc["parts"]) == {"explain"}
    info = {"settings": {"fold": 0}, "seed": 0, "keys": {"bc": doc["key"]}}
    entry = insights_entry([{"pipeline": "f", "fold": 0, "seed": 0, "insights": doc}], ["f"], "bc", info)
    return {s["id"]: s for s in entry["sections"]}


def test_modality_importance_section_from_a_fusion_with_member_columns():
    """The run above has no column groups (its members see every column): this fusion has two."""
    sections = _member_column_insights(shap=False)
    assert list(sections) == ["members", "groups"]
    assert {r["group"] for r in sections["groups"]["rows"]} == {"left", "right"}
    assert all(s["image"].startswith("data:image/png;base64,") for s in sections.values())


@pytest.mark.slow
def test_shap_summary_section():
    """Slow: shap's permutation explainer compiles its numba kernels once per process (tens of
    seconds on a busy 2-core machine)."""
    sections = _member_column_insights(shap=True)
    assert list(sections) == ["members", "groups", "shap"]
    assert sections["shap"]["rows"][0]["feature"] in ("a", "b", "c")
    assert sections["shap"]["image"].startswith("data:image/png;base64,")


def test_cli_names_the_missing_sensitive_column(tmp_path, write_config):
    from typer.testing import CliRunner

    from fuselearn.cli import app

    config = _config(_csv(tmp_path))
    config["datasets"][0]["sensitive"] = ["sx"]
    path = write_config(config)
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "run"), "--quiet"])
    assert result.exit_code == 2
    assert "sensitive[0]: column 'sx' is not in people.csv. Did you mean 'sex'?" in result.output
