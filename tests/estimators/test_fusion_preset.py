"""Bagging, the time budget and the tabular preset of FusionClassifier (issue 11, part 3)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from fuselearn import FusionClassifier, FusionRegressor
from fuselearn.exceptions import FuselearnWarning, InvalidParameterError, TrainingError


class Sleepy(ClassifierMixin, BaseEstimator):
    """Logistic regression that takes ``seconds`` to fit."""

    def __init__(self, seconds=0.3):
        self.seconds = seconds

    def fit(self, X, y):
        time.sleep(self.seconds)
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.model_.predict(X)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=300, n_features=8, n_informative=4, random_state=0)
    LogisticRegression().fit(X, y)  # warm up (lazy imports), so the budget tests time fits only
    return X[:200], y[:200], X[200:], y[200:]


def test_budget_skips_the_member_that_would_overrun(data):
    X, y, _, _ = data
    fusion = FusionClassifier([("lr", LogisticRegression()), ("slow", Sleepy(1.0))], method="weighted",
                              cv=3, bagging=True, time_limit=2.0, random_state=0)
    with pytest.warns(FuselearnWarning, match="'slow'"):
        fusion.fit(X, y)
    assert fusion.member_names_ == ["lr"]
    assert list(fusion.skipped_members_) == ["slow"]
    assert "budget" in fusion.skipped_members_["slow"]
    # with room for it, the same member is kept
    roomy = clone(fusion).set_params(time_limit=30).fit(X, y)
    assert roomy.member_names_ == ["lr", "slow"] and roomy.skipped_members_ == {}


def test_impossible_budget_is_a_clear_error(data):
    X, y, _, _ = data
    fusion = FusionClassifier([("slow", Sleepy(0.2)), ("slower", Sleepy(0.3))], method="weighted", cv=3,
                              bagging=True, time_limit=0.05, random_state=0)
    with pytest.raises(TrainingError, match=r"time_limit=0.05.*no member fits.*'slow'.*Raise time_limit"):
        fusion.fit(X, y)


def test_bagged_prediction_is_the_mean_of_the_fold_models(data):
    X, y, Xt, _ = data
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    members = [("lr", LogisticRegression()), ("tree", DecisionTreeClassifier(max_depth=3, random_state=0))]
    fusion = FusionClassifier(members, method="mean", cv=cv, bagging=True).fit(X, y)
    expected = np.mean([
        np.mean([clone(est).fit(X[tr], y[tr]).predict_proba(Xt) for tr, _ in cv.split(X, y)], axis=0)
        for _, est in members], axis=0)
    np.testing.assert_allclose(fusion.predict_proba(Xt), expected, atol=1e-12)
    assert len(fusion.named_estimators_["lr"].models) == 3
    assert fusion.member_fit_seconds_ == {}  # no refit on all rows
    assert fusion.fitted_member("lr") is None  # nothing fitted on all rows to share


def test_bagged_regressor_is_the_mean_of_the_fold_models(data):
    X, _, Xt, _ = data
    yr = X[:, 0] * 2 + X[:, 1]
    cv = KFold(3, shuffle=True, random_state=0)
    fusion = FusionRegressor([("ridge", Ridge())], cv=cv, bagging=True).fit(X, yr)
    expected = np.mean([Ridge().fit(X[tr], yr[tr]).predict(Xt) for tr, _ in cv.split(X)], axis=0)
    np.testing.assert_allclose(fusion.predict(Xt), expected, atol=1e-12)


def test_bagging_keeps_the_sharing_protocol(data):
    X, y, Xt, _ = data
    fusion = FusionClassifier([("lr", LogisticRegression()), ("tree", DecisionTreeClassifier(random_state=0))],
                              method="weighted", cv=3, bagging=True, random_state=0).fit(X, y)
    before = fusion.predict_proba(Xt)
    fusion.refit_combiner(X, y, method="stacking")
    assert fusion.method_ == "stacking"
    fusion.refit_combiner(X, y, method="weighted")
    np.testing.assert_allclose(fusion.predict_proba(Xt), before)


def test_weighted_bagged_fusion_is_not_below_its_best_member():
    X, y = make_classification(n_samples=600, n_features=10, n_informative=3, flip_y=0.05, random_state=3)
    X, Xt, y, yt = X[:400], X[400:], y[:400], y[400:]
    members = [("lr", LogisticRegression()), ("prior", DummyClassifier(strategy="prior")),
               ("knn1", KNeighborsClassifier(n_neighbors=1))]
    fusion = FusionClassifier(members, method="weighted", cv=5, bagging=True, random_state=0).fit(X, y)
    oof_auc = [roc_auc_score(y, o[:, 1]) for o in fusion.oof_predictions_]
    fused_oof = roc_auc_score(y, np.tensordot(fusion.weights_, fusion.oof_predictions_, axes=1)[:, 1])
    assert fused_oof >= max(oof_auc) - 0.005
    member_auc = [roc_auc_score(yt, e.predict_proba(Xt)[:, 1]) for e in fusion.estimators_]
    assert roc_auc_score(yt, fusion.predict_proba(Xt)[:, 1]) >= max(member_auc) - 0.01
    assert fusion.weights_[1] < 0.1  # the constant member is (nearly) left out


def test_auto_is_a_configured_unfitted_fusion():
    fusion = FusionClassifier.auto(time_limit=45, random_state=0)
    params = fusion.get_params(deep=False)
    assert params["method"] == "weighted" and params["bagging"] is True and params["time_limit"] == 45
    names = [n for n, _ in fusion.estimators]
    assert names == ["lightgbm", "logreg", "extra_trees", "random_forest", "knn", "neural"]
    assert clone(fusion).get_params(deep=False)["time_limit"] == 45
    assert not hasattr(fusion, "estimators_")


def test_auto_fits_a_mixed_table_within_budget():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    n = 120
    frame = pd.DataFrame({"age": rng.randint(20, 70, n).astype(float), "income": rng.randn(n),
                          "city": rng.choice(["a", "b", "c"], n)})
    frame.loc[::7, "age"] = np.nan
    y = (frame["income"] + (frame["city"] == "a") > 0.3).astype(int).to_numpy()
    fusion = FusionClassifier.auto(time_limit=60, cv=3, random_state=0)
    fusion.set_params(neural__model__max_epochs=3)
    start = time.perf_counter()
    fusion.fit(frame, y)
    assert time.perf_counter() - start < 60
    assert fusion.predict_proba(frame).shape == (n, 2)
    assert roc_auc_score(y, fusion.predict_proba(frame)[:, 1]) > 0.8


@pytest.mark.parametrize("params, match", [
    ({"bagging": "yes"}, "'bagging' parameter"),
    ({"time_limit": 0}, "'time_limit' parameter"),
    ({"time_limit": True}, "'time_limit' parameter"),
    ({"bagging": True, "prefit": True}, "prefit=True"),
])
def test_bad_bagging_or_budget_parameters(data, params, match):
    X, y, _, _ = data
    fusion = FusionClassifier([("lr", LogisticRegression())], method="weighted", **params)
    with pytest.raises(InvalidParameterError, match=match):
        fusion.fit(X, y)


def test_budget_without_folds_fits_on_all_rows(data):
    X, y, _, _ = data
    fusion = FusionClassifier([("lr", LogisticRegression()), ("tree", DecisionTreeRegressor)], method="mean")
    with pytest.raises(InvalidParameterError):  # a class, not an instance: still refused first
        fusion.fit(X, y)
    fusion = FusionClassifier([("lr", LogisticRegression())], method="mean", time_limit=30).fit(X, y)
    assert fusion.member_names_ == ["lr"] and "lr" in fusion.member_fit_seconds_


def test_table_preprocessor_builds_default_preprocessor_at_fit():
    pd = pytest.importorskip("pandas")
    from fuselearn.estimators import TablePreprocessor

    frame = pd.DataFrame({"age": [30.0, np.nan, 50.0, 40.0], "city": ["a", "b", None, "a"]})
    prep = TablePreprocessor().fit(frame)
    out = prep.transform(pd.DataFrame({"age": [np.nan], "city": ["unseen"]}))
    assert out.shape == (1, 3) and isinstance(out, np.ndarray)
    np.testing.assert_allclose(out[0], [0.0, 0.0, 0.0])  # the median, scaled; an unknown city


class RowTimed(ClassifierMixin, BaseEstimator):
    """Logistic regression whose fit and predict sleep in proportion to the rows they see."""

    def __init__(self, fit_per_row=0.0, predict_per_row=0.0):
        self.fit_per_row = fit_per_row
        self.predict_per_row = predict_per_row

    def fit(self, X, y):
        time.sleep(self.fit_per_row * len(X))
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        time.sleep(self.predict_per_row * len(X))
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def test_pilot_fit_skips_a_slow_member_before_its_first_fold():
    X, y = make_classification(n_samples=3200, n_features=5, random_state=0)
    fusion = FusionClassifier([("prior", DummyClassifier()), ("slow", RowTimed(fit_per_row=2e-3))],
                              method="weighted", cv=3, bagging=True, time_limit=6, random_state=0)
    start = time.perf_counter()
    with pytest.warns(FuselearnWarning, match="pilot fits on 125 and 500 rows"):
        fusion.fit(X, y)
    # its first fold alone (2,133 rows) takes 4.3 s, three of them 13 s; the pilots cost 1.25 s
    assert time.perf_counter() - start < 4.2
    assert fusion.member_names_ == ["prior"] and "pilot" in fusion.skipped_members_["slow"]
    assert set(fusion.budget_) >= {"members_s", "predict_reserve_s", "combiner_s", "fit_s"}


def test_member_is_stopped_after_a_fold_that_shows_it_would_overrun(data):
    X, y, _, _ = data  # 200 rows: no pilot, the first fold is the measurement
    fusion = FusionClassifier([("prior", DummyClassifier()), ("slow", Sleepy(1.0))], method="weighted",
                              cv=3, bagging=True, time_limit=2.0, random_state=0)
    start = time.perf_counter()
    with pytest.warns(FuselearnWarning, match="stopped after fold 1 of 3"):
        fusion.fit(X, y)
    assert time.perf_counter() - start < 2.5  # one fold (1 s), not three
    assert fusion.member_names_ == ["prior"]


def test_prediction_time_counts_in_the_budget(data):
    X, y, Xt, _ = data
    # fits at once, but predicting costs 5 ms a row: out-of-fold 200 rows (1 s) plus the reserve
    # for one held-out fold's rows by each of the 3 bagged fold models (67 x 3 rows, 1 s)
    members = [("lr", LogisticRegression()), ("slow_predict", RowTimed(predict_per_row=5e-3))]
    fusion = FusionClassifier(members, method="weighted", cv=3, bagging=True, time_limit=1.5, random_state=0)
    with pytest.warns(FuselearnWarning, match="'slow_predict'"):
        fusion.fit(X, y)
    assert fusion.member_names_ == ["lr"]
    roomy = clone(fusion).set_params(time_limit=20).fit(X, y)
    assert roomy.member_names_ == ["lr", "slow_predict"]
    assert roomy.budget_["predict_rows"] == 67
    assert 0.9 < roomy.budget_["predict_reserve_s"] < 3.0  # 67 rows x 3 models x 5 ms, measured
    start = time.perf_counter()
    roomy.predict_proba(Xt[:67])
    assert time.perf_counter() - start < 2 * roomy.budget_["predict_reserve_s"] + 0.2


def test_pilots_do_not_multiply_a_fixed_cost():
    """A member whose fit costs 0.5 s whatever the rows is kept: the two pilots see no growth."""
    X, y = make_classification(n_samples=3200, n_features=5, random_state=0)
    fusion = FusionClassifier([("fixed", Sleepy(0.5))], method="weighted", cv=3, bagging=True,
                              time_limit=6, random_state=0)
    fusion.fit(X, y)  # 2 pilots + 3 folds = 2.5 s; one pilot scaled by 4.3x rows would say 6.4 s
    assert fusion.member_names_ == ["fixed"] and fusion.skipped_members_ == {}


def test_table_preprocessor_native_categories_for_lightgbm():
    pd = pytest.importorskip("pandas")
    from fuselearn.estimators import TablePreprocessor

    frame = pd.DataFrame({"age": [30.0, np.nan, 50.0, 40.0], "city": ["a", "b", None, "a"]})
    prep = TablePreprocessor(categories="native").fit(frame)
    out = prep.transform(pd.DataFrame({"age": [np.nan, 20.0], "city": ["unseen", "b"]}))
    assert list(out.columns) == ["age", "city"] and isinstance(out["city"].dtype, pd.CategoricalDtype)
    assert out["city"].isna().tolist() == [True, False] and out["city"].cat.codes.tolist() == [-1, 1]
    assert np.isnan(out["age"].iloc[0])  # left missing: LightGBM routes it
    with pytest.raises(InvalidParameterError, match="'categories' parameter"):
        TablePreprocessor(categories="ordinal").fit(frame)
