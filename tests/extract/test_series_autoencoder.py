"""WindowFeatures and AutoencoderEmbedder: hand-checked values and scikit-learn's common checks."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from fuselearn.exceptions import InvalidParameterError, NotFittedError, UnknownNameError
from fuselearn.extract import AutoencoderEmbedder, WindowFeatures

ROW_DEPENDENT = "a row's window features depend on the rows before it, by design"


def _expected_failures(est):
    if isinstance(est, WindowFeatures):
        return {"check_methods_subset_invariance": ROW_DEPENDENT,
                "check_methods_sample_order_invariance": ROW_DEPENDENT}
    return {}


@parametrize_with_checks(
    [WindowFeatures(window=(2, 4)), AutoencoderEmbedder(encoding_dim=2, hidden_sizes=(8,), max_epochs=5,
                                                        random_state=0)],
    expected_failed_checks=_expected_failures,
)
def test_common_checks(estimator, check):
    check(estimator)


def test_window_values_by_hand():
    x = np.array([1.0, 3.0, 2.0, 6.0, 5.0])
    wf = WindowFeatures(window=3, lags=(1, 2)).fit(x[:, None])
    out = pd.DataFrame(wf.transform(x[:, None]), columns=wf.get_feature_names_out())
    np.testing.assert_allclose(out["x0_lag1"], [1, 1, 3, 2, 6])
    np.testing.assert_allclose(out["x0_lag2"], [1, 1, 1, 3, 2])
    np.testing.assert_allclose(out["x0_mean_w3"], [1, 2, 2, 11 / 3, 13 / 3])
    np.testing.assert_allclose(out["x0_std_w3"][3], np.std([3, 2, 6]))
    np.testing.assert_allclose(out["x0_min_w3"], [1, 1, 1, 2, 2])
    np.testing.assert_allclose(out["x0_max_w3"], [1, 3, 3, 6, 6])
    np.testing.assert_allclose(out["x0_last_w3"], x)
    slopes = [0.0, 2.0] + [np.polyfit(np.arange(3), x[i - 2:i + 1], 1)[0] for i in range(2, 5)]
    np.testing.assert_allclose(out["x0_slope_w3"], slopes, atol=1e-12)


def test_window_feature_names_from_dataframe_and_causality():
    df = pd.DataFrame({"temp": np.arange(20.0), "flow": np.sin(np.arange(20.0))})
    wf = WindowFeatures(window=5, lags=2, stats=("mean",)).fit(df)
    names = list(wf.get_feature_names_out())
    assert names[:2] == ["temp_lag1", "flow_lag1"] and names[-1] == "flow_mean_w5"
    full = wf.transform(df)
    np.testing.assert_allclose(wf.transform(df.iloc[:12]), full[:12])  # no look-ahead


@pytest.mark.parametrize(("params", "match"), [
    ({"window": 0}, "'window'"), ({"lags": -1}, "'lags'"), ({"stats": "mean"}, "'stats'"),
    ({"lags": 0, "stats": ()}, "nothing"),
])
def test_window_bad_params(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        WindowFeatures(**params).fit(np.zeros((5, 1)))


def test_window_unknown_stat_lists_choices():
    with pytest.raises(UnknownNameError, match="Did you mean 'slope'"):
        WindowFeatures(stats=("slop",)).fit(np.zeros((5, 1)))


def test_autoencoder_detects_off_manifold_rows():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(400, 2))
    X = z @ rng.normal(size=(2, 6)) + 0.05 * rng.normal(size=(400, 6))  # a 2-D plane in 6-D
    ae = AutoencoderEmbedder(encoding_dim=2, hidden_sizes=(16,), max_epochs=60, lr=1e-2,
                             random_state=0).fit(X)
    outliers = rng.normal(size=(20, 6)) * X.std(axis=0) * 2
    err_in, err_out = ae.reconstruction_error(X), ae.reconstruction_error(outliers)
    assert np.median(err_out) > 5 * np.median(err_in)
    np.testing.assert_allclose(ae.score_samples(X), -err_in)
    assert ae.transform(X).shape == (400, 2)
    again = clone(ae).fit(X)
    np.testing.assert_allclose(again.transform(X), ae.transform(X), atol=1e-6)


def test_autoencoder_errors():
    with pytest.raises(NotFittedError):
        AutoencoderEmbedder().transform(np.zeros((2, 2)))
    with pytest.raises(InvalidParameterError, match="encoding_dim"):
        AutoencoderEmbedder(encoding_dim=0).fit(np.zeros((4, 2)))
