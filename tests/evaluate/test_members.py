"""Member Shapley values and leave-one-out on stored out-of-fold predictions (only combiners refit)."""

import itertools
import math

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from fuselearn import FusionClassifier, FusionRegressor
from fuselearn.evaluate import member_contributions
from fuselearn.evaluate._members import _permutation_matrix, _shapley_matrix
from fuselearn.evaluate._scoring import _weighted_auc
from fuselearn.exceptions import InvalidInputError, InvalidParameterError, NotFittedError


@pytest.fixture(scope="module")
def data():
    return make_classification(300, 6, n_informative=4, random_state=0)


def _fusion(X, y, method):
    members = [("lr", LogisticRegression()), ("lr_copy", LogisticRegression()), ("constant", DummyClassifier()),
               ("tree", DecisionTreeClassifier(max_depth=3, random_state=0))]
    return FusionClassifier(members, method=method, cv=3, random_state=0).fit(X, y)


@pytest.mark.parametrize("method", ["stacking", "weighted"])
def test_duplicate_member_shares_and_useless_member_gets_nothing(data, method):
    X, y = data
    mc = member_contributions(_fusion(X, y, method), y, n_bootstrap=50, random_state=0)
    phi = mc.shapley.set_index("member")
    # Symmetry: identical out-of-fold outputs, identical Shapley values.
    assert phi.loc["lr", "shapley"] == pytest.approx(phi.loc["lr_copy", "shapley"], abs=1e-9)
    # A constant member adds nothing to a ranking metric.
    assert abs(phi.loc["constant", "shapley"]) < 0.01
    assert phi.loc["lr", "shapley"] > 0.05 and phi.loc["tree", "shapley"] > 0.05
    # Efficiency: the values share out fused score minus the prior's (0.5 AUC).
    assert phi["shapley"].sum() == pytest.approx(mc.info["fused_score"] - mc.info["prior_score"], abs=1e-9)
    assert mc.info["prior_score"] == pytest.approx(0.5)
    assert (phi["ci_low"] <= phi["shapley"] + 1e-12).all() and (phi["shapley"] <= phi["ci_high"] + 1e-12).all()
    loo = mc.leave_one_out.set_index("member")
    # Leaving out one of two copies loses (almost) nothing: the other copy stands in.
    assert abs(loo.loc["lr", "score_change"]) < 0.01
    assert mc.info["cross_fitted"] and mc.info["exact"] and mc.info["n_coalitions"] == 16


def test_mean_fusion_is_not_cross_fitted_and_weights_have_spread(data):
    X, y = data
    fusion = _fusion(X, y, "mean")
    outputs = fusion._member_outputs(X)
    mc = member_contributions(fusion, y, outputs=outputs, n_bootstrap=20, random_state=0)
    assert not mc.info["cross_fitted"]
    # The full coalition of a mean fusion is the fusion itself: its score is the fused AUC on these rows.
    assert mc.info["fused_score"] == pytest.approx(roc_auc_score(y, fusion.predict_proba(X)[:, 1]))
    w = mc.weights.set_index("member")
    assert w["weight"].tolist() == pytest.approx([0.25] * 4)
    stacked = member_contributions(_fusion(X, y, "stacking"), y, n_bootstrap=20, random_state=0).weights
    assert (stacked["weight_std"] > 0).any()


def test_shapley_matrix_matches_the_definition():
    """phi = W v against the textbook sum over coalitions, for a game with interactions."""
    m = 4
    rng = np.random.default_rng(0)
    v = rng.normal(size=1 << m)
    v[0] = 0.0
    W = _shapley_matrix(m)
    for i in range(m):
        others = [j for j in range(m) if j != i]
        expected = 0.0
        for k in range(m):
            for S in itertools.combinations(others, k):
                mask = sum(1 << j for j in S)
                w = math.factorial(k) * math.factorial(m - k - 1) / math.factorial(m)
                expected += w * (v[mask | 1 << i] - v[mask])
        assert (W @ v)[i] == pytest.approx(expected)


def test_sampled_permutations_approach_exact_values():
    m = 6
    rng = np.random.default_rng(1)
    v = rng.normal(size=1 << m)
    exact = _shapley_matrix(m) @ v
    W, order = _permutation_matrix(m, 4000, np.random.RandomState(0))
    approx = W @ v[order]
    assert approx.sum() == pytest.approx(v[-1] - v[0])  # every permutation is efficient
    np.testing.assert_allclose(approx, exact, atol=0.1)


def test_sampled_members_beyond_max_exact(data):
    X, y = data
    fusion = _fusion(X, y, "weighted")
    exact = member_contributions(fusion, y, n_bootstrap=10, random_state=0).shapley["shapley"].to_numpy()
    mc = member_contributions(fusion, y, max_exact=2, n_permutations=60, n_bootstrap=10, random_state=0)
    assert not mc.info["exact"] and mc.info["n_permutations"] == 60
    np.testing.assert_allclose(mc.shapley["shapley"].to_numpy(), exact, atol=0.03)


def test_weighted_auc_matches_sklearn_sample_weight():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 200)
    s = np.round(rng.rand(200), 1)  # ties
    counts = rng.multinomial(200, np.full(200, 1 / 200), size=4)
    expected = [roc_auc_score(y, s, sample_weight=c) for c in counts]
    np.testing.assert_allclose(_weighted_auc(y, s, counts), expected)


def test_regression_fusion():
    X, y = make_regression(200, 5, noise=5.0, random_state=0)
    fusion = FusionRegressor([("lin", LinearRegression()), ("mean", DummyRegressor()),
                              ("tree", DecisionTreeRegressor(max_depth=3, random_state=0))],
                             method="stacking", cv=3, random_state=0).fit(X, y)
    mc = member_contributions(fusion, y, n_bootstrap=20, random_state=0)
    phi = mc.shapley.set_index("member")["shapley"]
    assert mc.info["scoring"] == "r2" and phi["lin"] > 0.5 and abs(phi["mean"]) < 0.02
    assert phi.sum() == pytest.approx(mc.info["fused_score"] - mc.info["prior_score"])


def test_bad_input(data):
    X, y = data
    fusion = _fusion(X, y, "stacking")
    with pytest.raises(InvalidInputError, match="3 members|4 members"):
        member_contributions(fusion, y[:10])
    with pytest.raises(InvalidInputError, match="never saw"):
        member_contributions(fusion, np.where(y == 1, 7, 0))
    with pytest.raises(InvalidParameterError, match="FusionClassifier or FusionRegressor"):
        member_contributions(LogisticRegression().fit(X, y), y)
    with pytest.raises(InvalidInputError, match="stored no out-of-fold"):
        member_contributions(_fusion(X, y, "mean"), y)
    from fuselearn.evaluate import explain

    with pytest.raises(NotFittedError, match="not fitted"):
        explain(FusionClassifier([("lr", LogisticRegression())]), X, y)


@pytest.mark.parametrize("method", ["weighted", "bayes"])
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_fast_path_gives_the_values_of_the_plain_path(data, monkeypatch, method, task):
    """Per-fold member terms computed once (the fast path) against a deep-copied combiner fitted per coalition."""
    from fuselearn.evaluate._members import _CombinerAdapter

    if task == "classification":
        X, y = data
        fusion = _fusion(X, y, method)
    else:
        X, y = make_regression(200, 5, noise=5.0, random_state=0)
        fusion = FusionRegressor([("lin", LinearRegression()), ("lin_copy", LinearRegression()),
                                  ("mean", DummyRegressor()),
                                  ("tree", DecisionTreeRegressor(max_depth=3, random_state=0))],
                                 method=method, cv=3, random_state=0).fit(X, y)
    calls = []
    original = _CombinerAdapter._fast_weights
    monkeypatch.setattr(_CombinerAdapter, "_fast_weights",
                        lambda self, entry, idx: calls.append(idx) or original(self, entry, idx))
    fast = member_contributions(fusion, y, n_bootstrap=10, random_state=0)
    assert len(calls) == 5 * (2**4 - 1)  # every non-empty coalition in every fold took the fast path
    monkeypatch.setattr(_CombinerAdapter, "fast", False)
    plain = member_contributions(fusion, y, n_bootstrap=10, random_state=0)
    assert len(calls) == 5 * (2**4 - 1)
    for table in ("shapley", "leave_one_out", "weights"):
        a, b = getattr(fast, table), getattr(plain, table)
        num = a.select_dtypes("number").columns
        np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), atol=1e-9, err_msg=table)
    np.testing.assert_allclose(fast.coalitions["score"], plain.coalitions["score"], atol=1e-9)
