"""Bad inputs to the fusion estimators: each a FuselearnError that names the member, fold or column
and says what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeRegressor

from fuselearn import FusionClassifier, FusionRegressor, ModalityFusion
from fuselearn.exceptions import (
    FuselearnError,
    InvalidInputError,
    InvalidParameterError,
    MemberFitError,
    UnavailableMethodError,
)
from fuselearn.extract import TfidfExtractor


class FailsOnFewerRows(ClassifierMixin, BaseEstimator):
    """Fits on ``min_rows`` rows or more; raises on fewer (so only on CV folds)."""

    def __init__(self, min_rows: int = 0):
        self.min_rows = min_rows

    def fit(self, X, y):
        if len(X) < self.min_rows:
            raise RuntimeError("the solver diverged")
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))


def _xy(n=60, n_features=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = (X[:, 0] > 0).astype(int)
    return X, y


def _df():
    X, y = _xy()
    return pd.DataFrame(X, columns=["age", "income", "score"]), y


def _text_df():
    X = pd.DataFrame({"review": ["love it", "too small", "great fit", "poor fabric"] * 5,
                      "age": [30.0, 40.0, 35.0, 50.0] * 5})
    return X, np.array([1, 0, 1, 0] * 5)


CASES = [
    # (id, make estimator, make data, exception, message pattern)
    ("member-is-a-class",
     lambda: FusionClassifier([("lr", LogisticRegression), ("nb", GaussianNB())]), _xy,
     InvalidParameterError, (r"estimators\[0\] \('lr'\) is the class LogisticRegression.*"
                            r"Write LogisticRegression\(\)")),
    ("member-is-a-class-regressor",
     lambda: FusionRegressor([("ridge", Ridge()), ("tree", DecisionTreeRegressor)]),
     lambda: (_xy()[0], _xy()[0][:, 1]),
     InvalidParameterError, r"\('tree'\) is the class DecisionTreeRegressor"),
    ("member-raises-on-all-rows",
     lambda: FusionClassifier([("lr", LogisticRegression()), ("bad", FailsOnFewerRows(min_rows=10**6))]),
     _xy, MemberFitError,
     (r"member 'bad' \(FailsOnFewerRows\) failed to fit on all training rows \(60 rows\): "
     r"RuntimeError: the solver diverged.*set_params\(bad='drop'\)")),
    ("member-raises-on-a-fold",
     lambda: FusionClassifier([("lr", LogisticRegression()), ("bad", FailsOnFewerRows(min_rows=60))],
                              method="stacking", cv=3, random_state=0),
     _xy, MemberFitError, r"member 'bad' .* fold 1 of 3 \(40 rows\).*the solver diverged"),
    ("member-column-name-missing",
     lambda: FusionClassifier([("left", LogisticRegression(), ["age", "incme"]),
                               ("right", GaussianNB(), ["score"])]),
     _df, InvalidInputError, (r"member 'left' names column 'incme', which X does not have.*"
                             r"'age', 'income', 'score'.*Did you mean 'income'\?")),
    ("member-column-name-on-array",
     lambda: FusionClassifier([("left", LogisticRegression(), ["age"]), ("right", GaussianNB())]),
     _xy, InvalidInputError, r"member 'left' names column 'age', but X has no column names.*DataFrame"),
    ("member-column-position-out-of-range",
     lambda: FusionClassifier([("left", LogisticRegression(), [0, 7]), ("right", GaussianNB(), [2])]),
     _xy, InvalidInputError, (r"member 'left' takes column position 7, but X has only 3 columns "
                             r"\(valid positions 0..2\)")),
    ("member-column-negative-out-of-range",
     lambda: FusionRegressor([("left", Ridge(), [-4]), ("right", Ridge())]),
     lambda: (_xy()[0], _xy()[0][:, 1]),
     InvalidInputError, r"member 'left' takes column position -4"),
    ("member-column-mask-wrong-length",
     lambda: FusionClassifier([("left", LogisticRegression(), [True, False]), ("right", GaussianNB())]),
     _xy, InvalidInputError, r"boolean column mask of member 'left' has 2 entries but X has 3 columns"),
    ("empty-dataframe",
     lambda: FusionClassifier([("lr", LogisticRegression()), ("nb", GaussianNB())]),
     lambda: (pd.DataFrame(columns=["a", "b"], dtype=float), np.array([], dtype=int)),
     InvalidInputError, r"FusionClassifier.fit: X is an empty DataFrame \(0 rows, 2 columns\)"),
    ("dataframe-without-columns",
     lambda: FusionRegressor([("ridge", Ridge())]),
     lambda: (pd.DataFrame(index=range(5)), np.arange(5.0)),
     InvalidInputError, r"FusionRegressor.fit: X is an empty DataFrame \(5 rows, 0 columns\)"),
    ("regressor-in-a-classifier",
     lambda: FusionClassifier([("lr", LogisticRegression()), ("ridge", Ridge())], method="vote"),
     _xy, InvalidParameterError, (r"estimators\[1\] \('ridge'\) is a regressor \(Ridge\); FusionClassifier "
                                 r"fuses classifiers. Use FusionRegressor")),
    ("classifier-in-a-regressor",
     lambda: FusionRegressor([("lin", LinearRegression()), ("lr", LogisticRegression())]),
     _xy, InvalidParameterError, (r"\('lr'\) is a classifier \(LogisticRegression\); FusionRegressor "
                                 r"fuses regressors. Use FusionClassifier")),
    ("one-class-in-a-training-fold",
     lambda: FusionClassifier([("lr", LogisticRegression()), ("nb", GaussianNB())], method="stacking",
                              cv=5, random_state=0),
     lambda: (_xy(31)[0], np.array([0] * 30 + [1])),
     InvalidInputError, (r"training rows of fold \d of 5 hold a single class \(0\); the class counts in y "
                        r"are \{0: 30, 1: 1\}. Every class needs at least 2 rows.*collect more rows of class 1")),
    ("modality-column-missing",
     lambda: ModalityFusion({"text": ("reviw", TfidfExtractor()), "table": (["age"], None)}),
     _text_df, InvalidInputError, (r"modality 'text' names column 'reviw', which X does not have.*"
                                  r"Did you mean 'review'\?")),
    ("modality-column-missing-in-list",
     lambda: ModalityFusion({"text": ("review", TfidfExtractor()), "table": (["age", "size"], None)},
                            strategy="late"),
     _text_df, InvalidInputError, r"modality 'table' names column 'size'"),
    ("modality-position-out-of-range",
     lambda: ModalityFusion({"a": ([0], "passthrough"), "b": ([5], "passthrough")}),
     _xy, InvalidInputError, r"modality 'b' takes column position 5, but X has only 3 columns"),
    ("modality-names-on-array",
     lambda: ModalityFusion({"a": (["age"], "passthrough")}),
     _xy, InvalidInputError, r"modality 'a' names column 'age', but X has no column names"),
    ("modality-empty-dataframe",
     lambda: ModalityFusion({"a": (["x"], "passthrough")}),
     lambda: (pd.DataFrame({"x": []}, dtype=float), np.array([], dtype=int)),
     InvalidInputError, r"ModalityFusion.fit: X has no rows"),
]


@pytest.mark.parametrize("make, data, error, match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_named(make, data, error, match):
    X, y = data()
    with pytest.raises(error, match=match) as info:
        make().fit(X, y)
    assert isinstance(info.value, FuselearnError)


def test_member_error_is_chained_and_keeps_its_kind():
    X, y = _xy()
    fusion = FusionClassifier([("lr", LogisticRegression()), ("bad", FailsOnFewerRows(min_rows=10**6))])
    with pytest.raises(MemberFitError) as info:
        fusion.fit(X, y)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert str(info.value.__cause__) == "the solver diverged"
    # still what scikit-learn callers catch for a failing fit
    assert isinstance(info.value, (ValueError, TypeError, RuntimeError))


def test_member_given_as_a_class_still_has_params():
    fusion = FusionClassifier([("lr", LogisticRegression), ("nb", GaussianNB())])
    params = fusion.get_params()  # repr and clone must not crash before fit says what is wrong
    assert params["lr"] is LogisticRegression and "nb__var_smoothing" in params


def test_a_missing_member_column_at_predict_is_named():
    X, y = _df()
    fusion = FusionClassifier([("left", LogisticRegression(), ["age", "income"]),
                               ("right", GaussianNB(), ["score"])]).fit(X, y)
    with pytest.raises(InvalidInputError, match="income"):
        fusion.predict(X.drop(columns=["income"]))


@pytest.mark.parametrize("est, method", [(FusionClassifier, "vote"), (FusionClassifier, "stacking"),
                                         (FusionRegressor, "median"), (FusionRegressor, "weighted")])
def test_predict_uncertainty_refused_with_the_supporting_methods(est, method):
    X, y = _xy()
    if est is FusionRegressor:
        members, y = [("a", Ridge()), ("b", DecisionTreeRegressor(random_state=0))], X[:, 1]
        supporting = r"\['bayes'\]"
    else:
        members, supporting = [("a", LogisticRegression()), ("b", GaussianNB())], r"\['mean', 'weighted', 'bayes'\]"
    unfitted = est(members, method=method, cv=3, random_state=0)
    assert not hasattr(unfitted, "predict_uncertainty")
    fitted = clone_fit = est(members, method=method, cv=3, random_state=0).fit(X, y)
    assert not hasattr(fitted, "predict_uncertainty")
    with pytest.raises(UnavailableMethodError, match=f"method={method!r} has no predict_uncertainty; the "
                                                     f"methods that offer it are {supporting}"):
        clone_fit.predict_uncertainty(X)


def test_refit_combiner_refuses_member_parameters():
    X, y = _xy()
    fusion = FusionClassifier([("a", LogisticRegression()), ("b", GaussianNB())], method="stacking",
                              cv=3, random_state=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match=r"\['cv'\] is not a combiner parameter"):
        fusion.refit_combiner(X, y, cv=4)
    with pytest.raises(InvalidParameterError, match=r"\['a__C'\] is not a combiner parameter"):
        fusion.refit_combiner(X, y, a__C=3.0)
    assert fusion.cv == 3


def test_unknown_method_suggests_the_closest():
    X, y = _xy()
    with pytest.raises(FuselearnError, match="Did you mean 'stacking'"):
        FusionClassifier([("a", LogisticRegression())], method="stackng").fit(X, y)
