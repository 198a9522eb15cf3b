"""FusionClassifier / FusionRegressor: methods, members, columns, prefit, weights and errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_classification, make_regression
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier, StackingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsRegressor
from sklearn.svm import LinearSVC

from fuselearn import FusionClassifier, FusionRegressor
from fuselearn.exceptions import InvalidParameterError, NotFittedError, UnknownNameError


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)
    return X, y


def members():
    return [
        ("lr", LogisticRegression(max_iter=1000)),
        ("nb", GaussianNB()),
        ("rf", RandomForestClassifier(n_estimators=30, random_state=0)),
    ]


@pytest.mark.parametrize("method", FusionClassifier._methods)
def test_every_method_fits_predicts_and_has_weights(data, method):
    X, y = data
    fusion = FusionClassifier(members(), method=method, cv=3, random_state=0).fit(X, y)
    proba = fusion.predict_proba(X)
    assert proba.shape == (300, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert fusion.weights_.shape == (3,) and np.isclose(fusion.weights_.sum(), 1)
    assert fusion.member_names_ == ["lr", "nb", "rf"]
    if method in ("weighted", "stacking", "bayes"):
        assert fusion.oof_predictions_.shape == (3, 300, 3)
    else:
        assert fusion.oof_predictions_ is None


def test_mean_is_the_average_of_member_probabilities(data):
    X, y = data
    fusion = FusionClassifier(members(), method="mean", weights=[2, 1, 1]).fit(X, y)
    expected = sum(w * est.predict_proba(X) for w, est in zip([0.5, 0.25, 0.25], fusion.estimators_))
    np.testing.assert_allclose(fusion.predict_proba(X), expected)


def test_vote_counts_hard_votes(data):
    X, y = data
    fusion = FusionClassifier(members(), method="vote").fit(X, y)
    votes = np.stack([est.predict(X) for est in fusion.estimators_])
    shares = fusion.predict_proba(X)
    for k in range(3):
        np.testing.assert_allclose(shares[:, k], (votes == k).mean(axis=0))


def test_oof_predictions_are_out_of_fold(data):
    """Each row's OOF probability comes from a member fitted without that row."""
    X, y = data
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    fusion = FusionClassifier(members(), method="stacking", cv=cv).fit(X, y)
    lr = LogisticRegression(max_iter=1000)
    expected = np.zeros((300, 3))
    for tr, te in cv.split(X, y):
        expected[te] = clone(lr).fit(X[tr], y[tr]).predict_proba(X[te])
    np.testing.assert_allclose(fusion.oof_predictions_[0], expected)


def test_stacking_matches_sklearn_stacking_on_same_folds(data):
    X, y = data
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    ours = FusionClassifier(members()[:2], method="stacking", cv=cv).fit(X, y)
    theirs = StackingClassifier(members()[:2], cv=cv, stack_method="predict_proba").fit(X, y)
    agreement = (ours.predict(X) == theirs.predict(X)).mean()
    assert agreement > 0.97  # sklearn drops nothing for 3 classes; meta-learner settings differ slightly


def test_weighted_prefers_the_better_member():
    X, y = make_classification(n_samples=400, n_features=10, n_informative=6, random_state=0)
    fusion = FusionClassifier(
        [("lr", LogisticRegression(max_iter=1000)), ("dummy", DummyClassifier(strategy="prior"))],
        method="weighted", random_state=0,
    ).fit(X, y)
    assert fusion.weights_[0] > 0.9


def test_bayes_weights_and_uncertainty():
    X, y = make_classification(n_samples=400, n_features=10, n_informative=6, random_state=0)
    fusion = FusionClassifier(
        [("lr", LogisticRegression(max_iter=1000)), ("dummy", DummyClassifier(strategy="prior")),
         ("nb", GaussianNB())],
        method="bayes", random_state=0,
    ).fit(X, y)
    # the prior-only member has far lower OOF likelihood; it keeps only a small hedge
    assert fusion.weights_[1] < 0.05 and fusion.weights_[0] > 0.5
    assert fusion.weights_std_.shape == (3,) and (fusion.weights_std_ > 0).all()
    u = fusion.predict_uncertainty(X)
    assert u.total.shape == (400,)
    np.testing.assert_allclose(u.total, u.aleatoric + u.epistemic, atol=1e-9)
    assert (u.epistemic >= 0).all()
    # rows where the members disagree carry more epistemic uncertainty
    outputs = np.stack([e.predict_proba(X)[:, 1] for e in fusion.estimators_ if e is not fusion.estimators_[1]])
    disagree = np.abs(outputs[0] - outputs[1])
    assert np.corrcoef(disagree, u.epistemic)[0, 1] > 0.5


def test_bayes_weights_maximise_the_mixture_likelihood():
    """EM against an independent solver: scipy's SLSQP on the simplex."""
    from scipy.optimize import minimize

    from fuselearn.estimators._combiners import _bma_em

    rng = np.random.default_rng(0)
    loglik = np.log(rng.dirichlet(np.ones(4), size=(3, 300))[..., 0])  # 3 members, 300 rows
    weights, spread = _bma_em(loglik, 20, np.random.RandomState(0))

    def neg(w):
        return -np.log(np.exp(loglik).T @ w).sum()

    ref = minimize(neg, np.full(3, 1 / 3), method="SLSQP", bounds=[(0, 1)] * 3,
                   constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}], tol=1e-12)
    assert abs(neg(weights) - ref.fun) < 1e-4
    np.testing.assert_allclose(weights, ref.x, atol=2e-3)
    assert weights.sum() == pytest.approx(1) and spread.shape == (3,)


def test_predict_uncertainty_only_for_mixtures(data):
    X, y = data
    assert not hasattr(FusionClassifier(members(), method="vote").fit(X, y), "predict_uncertainty")
    assert hasattr(FusionClassifier(members(), method="mean").fit(X, y), "predict_uncertainty")


def test_same_folds_for_every_member_and_seeded(data):
    X, y = data
    a = FusionClassifier(members(), method="bayes", random_state=3).fit(X, y)
    b = FusionClassifier(members(), method="bayes", random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.oof_predictions_, b.oof_predictions_)
    np.testing.assert_array_equal(a.weights_, b.weights_)


def test_per_member_columns_with_dataframe():
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    df = pd.DataFrame(X, columns=list("abcdef"))
    fusion = FusionClassifier(
        [("left", LogisticRegression(), ["a", "b", "c"]), ("right", GaussianNB(), ["d", "e", "f"])],
        method="stacking", cv=3, random_state=0,
    ).fit(df, y)
    assert fusion.estimators_[0].n_features_in_ == 3
    assert list(fusion.estimators_[1].feature_names_in_) == ["d", "e", "f"]
    assert fusion.predict(df).shape == (200,)


def test_drop_and_nested_params(data):
    X, y = data
    fusion = FusionClassifier(members(), method="mean")
    fusion.set_params(nb="drop", lr__C=0.01)
    assert fusion.get_params()["lr__C"] == 0.01
    fusion.fit(X, y)
    assert fusion.member_names_ == ["lr", "rf"] and len(fusion.weights_) == 2
    assert fusion.named_estimators_["lr"].C == 0.01


def test_prefit_members_are_not_refitted():
    X, y = load_breast_cancer(return_X_y=True)
    X_a, X_b, y_a, y_b = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    lr = LogisticRegression(max_iter=5000).fit(X_a, y_a)
    nb = GaussianNB().fit(X_a, y_a)
    coef = lr.coef_.copy()
    fusion = FusionClassifier([("lr", lr), ("nb", nb)], method="stacking", prefit=True).fit(X_b, y_b)
    assert fusion.estimators_[0] is lr
    np.testing.assert_array_equal(lr.coef_, coef)
    np.testing.assert_allclose(fusion.oof_predictions_[0], lr.predict_proba(X_b))
    with pytest.raises(NotFittedError, match="member 'nb' is not fitted"):
        FusionClassifier([("lr", lr), ("nb", GaussianNB())], prefit=True).fit(X_b, y_b)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"method": "avg"}, UnknownNameError, "Unknown fusion method 'avg'.*Valid names are: bayes, mean, stacking, vote, weighted"),
        ({"method": 3}, InvalidParameterError, "'method' parameter"),
        ({"cv": 1}, InvalidParameterError, "'cv' parameter"),
        ({"weights": [1, -1, 1]}, InvalidParameterError, "'weights' parameter"),
        ({"estimators": []}, InvalidParameterError, "non-empty list"),
        ({"estimators": [("a__b", GaussianNB())]}, InvalidParameterError, "without '__'"),
        ({"estimators": [("a", GaussianNB()), ("a", GaussianNB())]}, InvalidParameterError, "used twice"),
        ({"estimators": [("a", "drop")]}, InvalidParameterError, "keep at least one"),
        ({"estimators": [("a", 5)]}, InvalidParameterError, r"estimators\[0\] \('a'\)"),
    ],
)
def test_bad_parameters(data, kwargs, error, match):
    X, y = data
    params = {"estimators": members(), **kwargs}
    with pytest.raises(error, match=match):
        FusionClassifier(**params).fit(X, y)


def test_member_without_predict_proba(data):
    X, y = data
    ms = [("svm", LinearSVC()), ("nb", GaussianNB())]
    with pytest.raises(InvalidParameterError, match="needs predict_proba, but member 'svm' .*method='vote'"):
        FusionClassifier(ms, method="stacking").fit(X, y)
    assert FusionClassifier(ms, method="vote").fit(X, y).score(X, y) > 0.6


@pytest.mark.parametrize("method", FusionRegressor._methods)
def test_regressor_methods(method):
    X, y = make_regression(n_samples=200, n_features=5, noise=5.0, random_state=0)
    fusion = FusionRegressor([("ridge", Ridge()), ("knn", KNeighborsRegressor())], method=method,
                             cv=3, random_state=0).fit(X, y)
    assert fusion.score(X, y) > 0.8
    if method == "weighted":
        assert fusion.weights_[0] > fusion.weights_[1]  # the linear member fits linear data better
    if method == "bayes":
        u = fusion.predict_uncertainty(X)
        assert (u.total >= u.aleatoric).all() and u.total.shape == (200,)
    with pytest.raises(UnknownNameError, match="Valid names are: bayes, mean, median"):
        FusionRegressor([("ridge", Ridge())], method="vote").fit(X, y)


def test_refit_combiner_equals_a_fresh_fit(data):
    X, y = data
    fusion = FusionClassifier(members(), method="stacking", cv=3, random_state=0).fit(X, y)
    for method in ("bayes", "weighted", "mean", "vote"):
        fresh = FusionClassifier(members(), method=method, cv=3, random_state=0).fit(X, y)
        fusion.refit_combiner(X, y, method=method)
        np.testing.assert_allclose(fusion.weights_, fresh.weights_)
        np.testing.assert_allclose(fusion.predict_proba(X), fresh.predict_proba(X))
    plain = FusionClassifier(members(), method="mean").fit(X, y)
    with pytest.raises(InvalidParameterError, match="needs out-of-fold predictions"):
        plain.refit_combiner(X, y, method="bayes")


# --- combiner objects and the member-fit sharing protocol ------------------------------------------


def test_combiner_is_resolved_once_and_exposed(data):
    from fuselearn.estimators._combiners import Combiner

    X, y = data
    fusion = FusionClassifier(members(), method="BMA", cv=3, random_state=0).fit(X, y)  # an alias
    assert isinstance(fusion.combiner_, Combiner) and fusion.method_ == "bayes"
    outputs = fusion.member_outputs(X)
    assert outputs.shape == (3, 300, 3)
    fused = fusion.combiner_.combine(outputs)
    np.testing.assert_allclose(fused / fused.sum(axis=1, keepdims=True), fusion.predict_proba(X))
    np.testing.assert_array_equal(fusion.temperatures_, fusion.combiner_.temperatures_)


def test_combiner_refit_on_a_subset_of_members(data):
    """What a member-attribution caller does: refit only the combiner on some members' OOF outputs."""
    from fuselearn.estimators._combiners import get_combiner

    X, y = data
    fusion = FusionClassifier(members(), method="weighted", cv=3, random_state=0).fit(X, y)
    y_idx = np.searchsorted(fusion.classes_, y)
    sub = get_combiner("weighted", "classification", n_iter=50).fit(fusion.oof_predictions_[[0, 2]], y_idx)
    assert sub.weights_.shape == (2,) and sub.weights_.sum() == pytest.approx(1)
    two = FusionClassifier([members()[0], members()[2]], method="weighted", cv=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(sub.weights_, two.weights_)


def test_get_combiner_names_and_errors():
    from fuselearn.estimators._combiners import combiner_names, get_combiner

    assert combiner_names("regression") == ("mean", "median", "weighted", "stacking", "bayes")
    assert get_combiner("Soft-Vote", "classification").name == "mean"
    with pytest.raises(UnknownNameError, match="Did you mean 'median'"):
        get_combiner("medain", "regression")
    with pytest.raises(InvalidParameterError, match=r"Unknown combiner parameter\(s\) \['n_iters'\]"):
        get_combiner("weighted", "classification", n_iters=3)
    with pytest.raises(Exception, match="class indices"):
        get_combiner("bayes", "classification").fit(np.full((2, 4, 2), 0.5), np.array([0, 1, 2, 1]))


def test_regressor_oof_has_the_combiner_layout():
    X, y = make_regression(n_samples=120, n_features=4, noise=1.0, random_state=0)
    fusion = FusionRegressor([("ridge", Ridge()), ("knn", KNeighborsRegressor())], method="stacking",
                             cv=3, random_state=0).fit(X, y)
    assert fusion.oof_predictions_.shape == (2, 120, 1)
    assert fusion.member_outputs(X).shape == (2, 120, 1)


def test_sharing_protocol_refit_with_any_combiner_param(data):
    X, y = data
    assert set(FusionClassifier._fuselearn_combiner_params) >= {"method", "meta_learner", "passthrough"}
    base = FusionClassifier(members(), method="bayes", cv=3, random_state=0).fit(X, y)
    for params in ({"method": "stacking", "passthrough": True},
                   {"method": "stacking", "meta_learner": LogisticRegression(C=0.1, max_iter=500)},
                   {"method": "weighted", "metric": "accuracy", "n_iter": 20},
                   {"method": "mean", "weights": [1, 2, 1]},
                   {"method": "bayes", "n_bootstrap": 5}):
        fresh = clone(base).set_params(**params).fit(X, y)  # params accumulate, as on base
        base.refit_combiner(X, y, **params)
        np.testing.assert_allclose(base.predict_proba(X), fresh.predict_proba(X))
        assert base.method_ == fresh.method_
    assert not hasattr(base, "meta_learner_") or base.method_ == "stacking"


def test_refit_combiner_failure_leaves_the_estimator_unchanged(data):
    X, y = data
    plain = FusionClassifier(members(), method="mean").fit(X, y)
    before = plain.predict_proba(X)
    with pytest.raises(InvalidParameterError, match="needs out-of-fold predictions"):
        plain.refit_combiner(X, y, method="stacking", passthrough=True)
    assert plain.method == "mean" and plain.passthrough is False and plain.method_ == "mean"
    np.testing.assert_array_equal(plain.predict_proba(X), before)


def test_fitted_member(data):
    X, y = data
    fusion = FusionClassifier(members(), method="mean")
    assert fusion.fitted_member("lr") is None
    fusion.fit(X, y)
    est, seconds = fusion.fitted_member("lr")
    assert est is fusion.named_estimators_["lr"] and seconds >= 0
    assert fusion.fitted_member("nope") is None
    prefit = FusionClassifier([("lr", est)], prefit=True).fit(X, y)
    assert prefit.fitted_member("lr") is None  # no fit of ours to share
