"""ModalityFusion: early, late and intermediate fusion of text and table columns with missing values."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from fuselearn import FusionClassifier
from fuselearn.estimators import ModalityFusion
from fuselearn.exceptions import (
    InvalidInputError,
    InvalidParameterError,
    NotFittedError,
    UnknownNameError,
)
from fuselearn.extract import TfidfExtractor

POS = ["love it", "great fit", "perfect colour"]
NEG = ["too small", "poor fabric", "returned it"]


@pytest.fixture(scope="module")
def data():
    """Text carries most of the signal, age a little, and each column has gaps."""
    rng = np.random.default_rng(0)
    n = 240
    y = rng.integers(0, 2, n)
    text = [str(rng.choice(POS if (yy == 1) == (rng.random() < 0.8) else NEG)) + " item" for yy in y]
    X = pd.DataFrame({"review": text, "age": rng.normal(40, 10, n) + 6 * y,
                      "dept": rng.choice(["tops", "dresses", "jackets"], n)})
    X.loc[::7, "age"] = np.nan
    X.loc[::5, "review"] = None
    X.loc[::9, "dept"] = None
    return X, y


def _mods():
    return {"text": ("review", TfidfExtractor()), "table": (["age", "dept"], None)}


@pytest.mark.parametrize("strategy", ["early", "late", "intermediate"])
def test_each_strategy_learns_from_both_modalities(data, strategy):
    X, y = data
    clf = ModalityFusion(_mods(), strategy=strategy, max_epochs=30, lr=1e-2, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert set(clf.predict(X)) <= {0, 1}
    text_only = ModalityFusion({"text": ("review", TfidfExtractor())}, strategy="early").fit(X, y)
    both = roc_auc_score(y, proba[:, 1])
    assert both > 0.8
    assert both >= roc_auc_score(y, text_only.predict_proba(X)[:, 1]) - 0.02


def test_late_fusion_uses_fusion_classifier_with_columns(data):
    X, y = data
    clf = ModalityFusion(_mods(), strategy="late", method="weighted", random_state=0).fit(X, y)
    assert isinstance(clf.fusion_, FusionClassifier)
    assert [e[2] for e in clf.fusion_.estimators] == ["review", ["age", "dept"]]
    assert clf.fusion_.weights_.shape == (2,)


def test_early_fusion_feature_dims_and_custom_estimator(data):
    X, y = data
    clf = ModalityFusion(_mods(), estimator=RandomForestClassifier(n_estimators=10, random_state=0)).fit(X, y)
    assert clf.feature_dims_["table"] == 1 + 3  # scaled age + one-hot dept (NaN imputed)
    assert isinstance(clf.pipeline_.named_steps["estimator"], RandomForestClassifier)


def test_intermediate_is_reproducible_and_passthrough(data):
    X, y = data
    mods = {"text": ("review", TfidfExtractor()), "age": (["age"], StandardScaler())}
    Xf = X.assign(age=X["age"].fillna(40.0))
    a = ModalityFusion(mods, strategy="intermediate", max_epochs=5, random_state=1).fit(Xf, y)
    b = clone(a).fit(Xf, y)
    np.testing.assert_allclose(a.predict_proba(Xf), b.predict_proba(Xf), atol=1e-6)
    c = ModalityFusion({"age": (["age"], "passthrough")}, strategy="intermediate", max_epochs=2,
                       random_state=0).fit(Xf, y)
    assert c.feature_dims_ == {"age": 1}


def test_nested_params_and_clone():
    clf = ModalityFusion(_mods())
    params = clf.get_params()
    assert params["text__ngram_range"] == (1, 2)
    clf.set_params(text__ngram_range=(1, 1), strategy="late")
    assert clf.modalities["text"][1].ngram_range == (1, 1) and clf.strategy == "late"
    clf.set_params(text=TfidfExtractor(min_df=2))
    assert clf.modalities["text"][1].min_df == 2
    assert clone(clf).get_params(deep=False).keys() == clf.get_params(deep=False).keys()


@pytest.mark.parametrize("check", [check_parameters_default_constructible, check_no_attributes_set_in_init,
                                   check_get_params_invariance, check_set_params])
def test_input_free_common_checks(check):
    # The data-driven common checks build numeric arrays of varying width; a ModalityFusion is
    # defined by named columns, so only the checks that need no data apply.
    check("ModalityFusion", ModalityFusion({"all": ([0], StandardScaler())}))


def test_errors(data):
    X, y = data
    with pytest.raises(NotFittedError):
        ModalityFusion(_mods()).predict(X)
    with pytest.raises(InvalidParameterError, match="non-empty dict"):
        ModalityFusion([]).fit(X, y)
    with pytest.raises(InvalidParameterError, match="pair"):
        ModalityFusion({"text": "review"}).fit(X, y)
    with pytest.raises(InvalidParameterError, match="transformer"):
        ModalityFusion({"text": ("review", 3)}).fit(X, y)
    with pytest.raises(InvalidParameterError, match="without '__'"):
        ModalityFusion({"a__b": ("review", None)}).fit(X, y)
    with pytest.raises(UnknownNameError, match="Did you mean 'late'"):
        ModalityFusion(_mods(), strategy="lat").fit(X, y)
    with pytest.raises(InvalidInputError, match="one class"):
        ModalityFusion(_mods()).fit(X, np.zeros(len(X)))
