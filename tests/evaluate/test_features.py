"""SHAP attributions per member kind (checked against shap itself), grouped permutation importance."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from fuselearn import FusionClassifier
from fuselearn.evaluate import explain
from fuselearn.evaluate._features import explainer_kind, shap_values, sparsity
from fuselearn.exceptions import UnknownNameError

shap = pytest.importorskip("shap")


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(240, 6, n_informative=3, n_redundant=0, shuffle=False, random_state=0)
    X = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    fusion = FusionClassifier([("lr", LogisticRegression(), ["f0", "f1", "f2"]),
                               ("rf", RandomForestClassifier(25, max_depth=4, random_state=0), ["f3", "f4", "f5"]),
                               ("all", LogisticRegression())],
                              method="stacking", cv=3, random_state=0).fit(X, y)
    return X, y, fusion


def test_member_attributions_equal_shaps_own_numbers(fitted):
    X, y, fusion = fitted
    e = explain(fusion, X, y, max_rows=60, background=30, random_state=0)
    assert e.info["explainers"] == {"fusion": "permutation", "lr": "linear", "rf": "tree", "all": "linear"}
    # Recompute the tree member's values with shap directly, on the same rows and background.
    rng = np.random.RandomState(np.random.RandomState(0).randint(np.iinfo(np.int32).max))
    rows = np.sort(rng.choice(len(X), 60, replace=False))
    bg = np.sort(rng.choice(len(X), 30, replace=False))
    rf = fusion.named_estimators_["rf"]
    cols = ["f3", "f4", "f5"]
    own = shap.TreeExplainer(rf, X.iloc[bg][cols].to_numpy(), model_output="probability",
                             feature_perturbation="interventional").shap_values(X.iloc[rows][cols].to_numpy())
    own = np.abs(np.asarray(own)[..., 1]).mean(0)
    feats = e.to_frame("features").set_index("feature")
    np.testing.assert_allclose(feats.loc[cols, "rf"].to_numpy(), own / own.sum(), rtol=1e-6)
    assert feats.loc[["f0", "f1", "f2"], "rf"].isna().all()  # the member never sees them
    lr = fusion.named_estimators_["all"]
    own = shap.LinearExplainer(lr, X.iloc[bg].to_numpy()).shap_values(X.iloc[rows].to_numpy())
    own = np.abs(own).mean(0)
    np.testing.assert_allclose(feats.loc[[f"f{i}" for i in range(6)], "all"].to_numpy(), own / own.sum(), rtol=1e-6)


def test_fused_values_are_additive(fitted):
    """The permutation explainer's values of the fused model add up to its probability minus the base."""
    X, _, fusion = fitted
    vals, kind = shap_values(fusion, X.iloc[:20], X.iloc[100:140], random_state=0)
    assert kind == "permutation" and vals.shape == (20, 6)
    base = fusion.predict_proba(X.iloc[100:140])[:, 1].mean()
    np.testing.assert_allclose(vals.sum(1) + base, fusion.predict_proba(X.iloc[:20])[:, 1], atol=1e-6)


def test_interpretability_and_groups(fitted):
    X, y, fusion = fitted
    e = explain(fusion, X, y, max_rows=40, background=20, random_state=0)
    interp = e.to_frame("interpretability").set_index("model")
    assert interp["best_member"].sum() == 1
    assert (interp["n_features_for_90pct"] <= interp["n_features"]).all()
    groups = e.to_frame("groups").set_index("group")  # default groups: the members' column lists
    assert set(groups.index) == {"lr", "rf"}
    # Only f0..f2 are informative (shuffle=False): permuting rf's columns costs ~nothing.
    assert groups.loc["lr", "importance"] > 0.1 > abs(groups.loc["rf", "importance"])
    custom = explain(fusion, X, y, groups={"informative": ["f0", "f1", "f2"], "noise": [3, 4, 5]},
                     features=False, members=False, random_state=0).to_frame("groups").set_index("group")
    assert custom.loc["informative", "importance"] > custom.loc["noise", "importance"]
    assert (custom["ci_low"] <= custom["importance"]).all()


def test_explainer_choice_and_sparsity():
    X = np.random.RandomState(0).normal(size=(30, 3))
    y = (X[:, 0] > 0).astype(int)
    assert explainer_kind(LogisticRegression().fit(X, y), X) == "linear"
    assert explainer_kind(LogisticRegression().fit(X, y), pd.DataFrame({"a": ["x"] * 30})) == "permutation"
    assert sparsity([0.5, 0.3, 0.15, 0.05]) == 3
    assert sparsity([1.0, 0, 0]) == 1


def test_unknown_group_names(fitted):
    X, y, fusion = fitted
    with pytest.raises(UnknownNameError, match=r"no modality or member.*Did you mean 'rf'"):
        explain(fusion, X, y, groups=["rff"], features=False)
    with pytest.raises(UnknownNameError, match=r"column 'f9' is not in X"):
        explain(fusion, X, y, groups={"g": ["f9"]}, features=False, members=False)


def test_modality_importance_of_a_late_modality_fusion():
    """The text carries the label, the table is noise: grouped importance and member Shapley values say so."""
    from fuselearn import ModalityFusion
    from fuselearn.extract import TfidfExtractor

    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 120)
    text = np.where(y == 1, rng.choice(["love it", "great fit"], 120), rng.choice(["too small", "poor fabric"], 120))
    X = pd.DataFrame({"review": text, "age": rng.normal(40, 10, 120)})
    clf = ModalityFusion({"text": ("review", TfidfExtractor()), "table": (["age"], None)}, strategy="late", cv=3,
                         random_state=0).fit(X, y)
    e = explain(clf, X, y, features=False, random_state=0)
    groups = e.to_frame("groups").set_index("group")["importance"]
    assert groups["text"] > 0.3 and abs(groups["table"]) < 0.05
    phi = e.to_frame("members_shapley").set_index("member")["shapley"]
    assert phi["text"] > 0.3 and abs(phi["table"]) < 0.05


@pytest.fixture(scope="module")
def pipelines():
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.RandomState(0)
    X, y = make_classification(300, 3, n_informative=2, n_redundant=0, random_state=0)
    X = pd.DataFrame(X, columns=["a", "b", "c"])
    X["cat"] = rng.choice(["u", "v", "w", "rare"], 300, p=[0.4, 0.3, 0.28, 0.02])
    X.loc[rng.rand(300) < 0.1, "a"] = np.nan

    def pre(cols):
        num = [c for c in cols if c != "cat"]
        return ColumnTransformer([("num", make_pipeline(SimpleImputer(), StandardScaler()), num),
                                  ("cat", OneHotEncoder(handle_unknown="ignore"), [c for c in cols if c == "cat"])])

    members = [("lr", Pipeline([("pre", pre(list(X.columns))), ("m", LogisticRegression())])),
               ("tree", Pipeline([("pre", pre(["a", "cat"])), ("m", DecisionTreeClassifier(max_depth=3,
                                                                                            random_state=0))]),
                ["a", "cat"])]
    return X, y, FusionClassifier(members, method="stacking", cv=3, random_state=0).fit(X, y)


def test_fast_permutation_path_gives_the_plain_values(pipelines):
    """Pipelines and a fusion of pipelines predicted through lookups of their preprocessing: same shap values."""
    from fuselearn.evaluate._features import _Codec, fast_predictor

    X, _, fusion = pipelines
    rare = X.index[X["cat"] == "rare"][:2].tolist()
    rows, bg = X.iloc[list(range(38)) + rare], X[X["cat"] != "rare"].iloc[200:220]
    assert "rare" in set(rows["cat"]) - set(bg["cat"])  # a category only the explained rows have
    for model in (fusion, fusion.named_estimators_["lr"]):
        U = pd.concat([rows, bg])
        assert fast_predictor(model, U, _Codec(U)) is not None
        fast, _ = shap_values(model, rows, bg, kind="permutation", random_state=0)
        plain, _ = shap_values(model, rows, bg, kind="permutation", random_state=0, fast_path=False)
        np.testing.assert_allclose(fast, plain, atol=1e-12)
        # Additive, and the row with the rare category is explained as itself (not as a missing value).
        base = model.predict_proba(bg)[:, 1].mean()
        np.testing.assert_allclose(fast.sum(1) + base, model.predict_proba(rows)[:, 1], atol=1e-6)


def test_no_fast_path_where_a_column_feeds_two_outputs(pipelines):
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline

    from fuselearn.evaluate._features import _Codec, fast_predictor

    X, y, _ = pipelines
    Xn = X[["a", "b", "c"]].fillna(0)
    mixed = make_pipeline(PCA(2), LogisticRegression()).fit(Xn, y)  # every output mixes every input
    assert fast_predictor(mixed, Xn.iloc[:30], _Codec(Xn.iloc[:30])) is None
    vals, _ = shap_values(mixed, Xn.iloc[:10], Xn.iloc[50:70], kind="permutation", random_state=0)
    np.testing.assert_allclose(vals.sum(1) + mixed.predict_proba(Xn.iloc[50:70])[:, 1].mean(),
                               mixed.predict_proba(Xn.iloc[:10])[:, 1], atol=1e-6)


def test_pipeline_member_gets_its_final_estimators_explainer(pipelines):
    """A linear pipeline: shap's LinearExplainer on the preprocessed columns, one-hot blocks summed per column."""
    X, _, fusion = pipelines
    pipe = fusion.named_estimators_["lr"]
    rows, bg = X.iloc[:30], X.iloc[100:140]
    vals, kind = shap_values(pipe, rows, bg, random_state=0)
    assert kind.startswith("linear") and vals.shape == (30, 4)
    pre, lr = pipe[:-1], pipe[-1]
    own = shap.LinearExplainer(lr, pre.transform(bg)).shap_values(pre.transform(rows))
    names = list(pre.get_feature_names_out())
    for j, col in enumerate(X.columns):
        block = [i for i, nm in enumerate(names) if nm == f"num__{col}" or nm.startswith(f"cat__{col}_")]
        np.testing.assert_allclose(vals[:, j], own[:, block].sum(axis=1), atol=1e-10)
    # Additive in the log-odds: the values add up to the decision function minus its mean on the background.
    np.testing.assert_allclose(vals.sum(1) + pipe.decision_function(bg).mean(), pipe.decision_function(rows),
                               atol=1e-8)
    tree_vals, tree_kind = shap_values(fusion.named_estimators_["tree"], rows[["a", "cat"]], bg[["a", "cat"]])
    assert tree_kind.startswith("tree") and tree_vals.shape == (30, 2)
