"""Anomaly detection by fusion: calibrated member scores fused at the score or the decision level.

:class:`FusionAnomalyDetector` fits several unsupervised detectors on data assumed normal, calibrates
each one's anomaly score on that fit data and fuses them. Two members written here fill gaps in the
kept libraries: :class:`PCADetector` (Hotelling's T² and the Q / SPE statistic of a PCA, as in SKAB's
baseline; scikit-learn and pyod have PCA detectors, but neither gives the two statistics with their
control limits) and :class:`ConvAutoencoderDetector` (a 1-D convolutional autoencoder over sliding
windows; pyod's AutoEncoder works on single rows, not on windows of a time series).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
import pandas as pd
import torch
from scipy import stats as sps
from sklearn.base import BaseEstimator, OutlierMixin, TransformerMixin, clone
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import _BaseComposition

from .._outliers import read_anomaly_score, score_method
from .._registry import normalize_name, unknown_name_error
from .._validation import check_fitted, check_int, check_real
from ..exceptions import InvalidInputError, InvalidParameterError
from ..extract._torch import TorchEstimator, _validate

__all__ = [
    "ConvAutoencoderDetector",
    "ForecastResidualDetector",
    "FusionAnomalyDetector",
    "MahalanobisDetector",
    "PCADetector",
    "TrendDifferencer",
]

CALIBRATIONS = ("standard", "rank", "tail")
FUSIONS = ("mean", "max", "aom", "agreement", "vote")
CONSTANT_COLUMNS = ("drop", "raise")


class ConstantColumnWarning(UserWarning):
    """Columns that are constant in the fit data were dropped before fitting the members."""


def _check_rows(est, X, minimum: int, why: str) -> None:
    n = X.shape[0]
    if n < minimum:
        raise InvalidInputError(
            f"{type(est).__name__} needs at least {minimum} rows to fit ({why}); got n_samples = {n}. "
            "Fit on a longer stretch of normal data."
        )


def _outlier_tags(tags, est):
    tags.non_deterministic = getattr(est, "random_state", 0) is None
    return tags


# --------------------------------------------------------------------------------------------------
# PCA T² and Q
# --------------------------------------------------------------------------------------------------
class PCADetector(OutlierMixin, BaseEstimator):
    """Hotelling's T² and the Q (SPE) statistic of a PCA fitted on standardised normal data.

    The fit data is standardised, a PCA keeps the components that explain ``explained_variance`` of
    the variance, and two statistics are computed per row: T² (Mahalanobis distance inside the
    principal subspace) and Q (squared distance to it). Each has an upper control limit at
    ``p_value``, computed as in SKAB's ``core/t2.py`` baseline: T² from the F distribution,
    ``m (n-1)(n+1) / (n (n-m)) F_{p}(m, n-m)``; Q from Jackson and Mudholkar's formula, with SKAB's
    ``theta_i = (sum of residual eigenvalues) ** i``, the residual eigenvalues being those after the
    m-th in ``numpy.linalg.eig``'s unsorted order (the textbook sorts them and sums their ``i``-th
    powers: ``q_limit="jackson_mudholkar"``). The published SKAB numbers of T²+Q
    (F1 0.76, FAR 26.6 %, MAR 24.9 %) come from SKAB's variant, hence the default.

    A row is anomalous when either statistic passes its limit; the score is the larger of the two
    statistics divided by its limit, so ``decision_function`` is negative exactly there.

    Parameters
    ----------
    explained_variance : float in (0, 1], default=0.85
        Share of the variance the principal subspace keeps. When every component is kept, Q is 0.
    p_value : float in (0, 1), default=0.999
        Confidence of the control limits.
    q_limit : {"skab", "jackson_mudholkar"}, default="skab"
        Formula of the Q limit (see above).

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (n_features_in_,)
        Standardisation (a constant column gets scale 1).
    pca_ : sklearn.decomposition.PCA
        The fitted PCA on standardised data.
    n_components_ : int
        Components kept.
    t2_limit_, q_limit_ : float
        Control limits (``q_limit_`` is ``inf`` when every component is kept).
    offset_ : float
        ``-1.0``: ``decision_function = score_samples - offset_``.
    n_features_in_ : int
        Number of input features.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(200, 4))
    >>> det = PCADetector().fit(X)
    >>> det.predict(np.vstack([X[:2], [[9.0, -9.0, 9.0, -9.0]]])).tolist()
    [1, 1, -1]
    """

    def __init__(self, *, explained_variance: float = 0.85, p_value: float = 0.999,
                 q_limit: str = "skab") -> None:
        self.explained_variance = explained_variance
        self.p_value = p_value
        self.q_limit = q_limit

    def fit(self, X, y=None):
        """Standardise ``X``, fit the PCA and the control limits (``y`` is ignored)."""
        check_real(self.explained_variance, "explained_variance", type(self).__name__, low=0, high=1, closed="right")
        check_real(self.p_value, "p_value", type(self).__name__, low=0, high=1, closed="neither")
        kind = normalize_name(self.q_limit) if isinstance(self.q_limit, str) else self.q_limit
        if kind not in ("skab", "jackson_mudholkar"):
            raise unknown_name_error("Q limit", self.q_limit, ("skab", "jackson_mudholkar"),
                                     "the 'q_limit' parameter of PCADetector")
        X = _validate(self, X, reset=True, dtype=np.float64)
        _check_rows(self, X, 3, "a covariance and an F limit need n_samples > n_components + 1")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        Z = (X - self.mean_) / self.scale_
        n, d = Z.shape
        ev = self.explained_variance
        self.pca_ = PCA(n_components=ev if ev < 1 else None, svd_solver="full").fit(Z)
        m = min(int(self.pca_.n_components_), n - 2)
        if m < int(self.pca_.n_components_):
            self.pca_ = PCA(n_components=m, svd_solver="full").fit(Z)
        self.n_components_ = m
        var = np.maximum(self.pca_.explained_variance_[:m], np.finfo(float).tiny)
        self._inv_var = 1.0 / var  # the PCA scores are uncorrelated: their covariance is diagonal
        self.t2_limit_ = float(m * (n - 1) * (n + 1) / (n * (n - m)) * sps.f.ppf(self.p_value, m, n - m))
        cov = np.cov(Z.T).reshape(d, d)
        if kind == "skab":
            # SKAB sums the eigenvalues after the m-th in numpy.linalg.eig's (unsorted) order; that
            # reproduces the published T²+Q row exactly, sorting them does not (checked on SKAB).
            resid = np.real(np.linalg.eig(cov)[0])[m:]
        else:
            resid = np.sort(np.linalg.eigvalsh(cov))[::-1][m:]
        resid = resid[resid > 0]
        if m >= d or resid.size == 0:
            self.q_limit_ = math.inf
        else:
            s = float(resid.sum())
            theta = [s ** i for i in (1, 2, 3)] if kind == "skab" else [float(np.sum(resid ** i)) for i in (1, 2, 3)]
            h0 = 1 - 2 * theta[0] * theta[2] / (3 * theta[1] ** 2)
            c = sps.norm.ppf(self.p_value)
            self.q_limit_ = float(theta[0] * (1 + c * h0 * math.sqrt(2 * theta[1]) / theta[0]
                                              + theta[1] * h0 * (h0 - 1) / theta[0] ** 2) ** (1 / h0))
        self.offset_ = -1.0
        return self

    def statistics(self, X) -> tuple[np.ndarray, np.ndarray]:
        """T² and Q of every row, each of shape ``(n_samples,)``."""
        check_fitted(self, "pca_", "statistics")
        X = _validate(self, X, reset=False, dtype=np.float64)
        Z = (X - self.mean_) / self.scale_
        T = self.pca_.transform(Z)[:, : self.n_components_]
        t2 = (T ** 2 * self._inv_var).sum(axis=1)
        R = Z - self.pca_.inverse_transform(self.pca_.transform(Z)) if self.n_components_ < Z.shape[1] else 0 * Z
        return t2, (R ** 2).sum(axis=1)

    def score_samples(self, X) -> np.ndarray:
        """``-max(T² / t2_limit_, Q / q_limit_)``: higher is more normal, as in scikit-learn."""
        t2, q = self.statistics(X)
        return -np.maximum(t2 / self.t2_limit_, q / self.q_limit_)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples - offset_``: negative where a statistic passes its limit."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """``-1`` for anomalies (a statistic above its limit), ``+1`` otherwise (scikit-learn's convention)."""
        return np.where(self.decision_function(X) < 0, -1, 1)


# --------------------------------------------------------------------------------------------------
# Channels that drift: differenced
# --------------------------------------------------------------------------------------------------
class TrendDifferencer(TransformerMixin, BaseEstimator):
    """Replace the channels that trend over the fit rows by their differences over ``lag`` rows.

    A detector fitted on a short stretch of normal data flags every later row of a channel that
    slowly drifts (a temperature that keeps rising): the level leaves the fit range although the
    process is normal. ``fit`` measures each channel's trend on the fit rows alone, as the absolute
    Spearman correlation of its values with the row index (no labels); a channel above
    ``min_abs_rho`` is replaced by ``x[t] - x[t - lag]`` (causal; the first rows use the first row),
    which keeps its short-term changes and drops its level. The other channels pass unchanged.
    Rows are time steps in order; transform whole series.

    Parameters
    ----------
    min_abs_rho : float in [0, 1], default=0.5
        A channel whose ``|Spearman rho|`` with time on the fit rows is above this is differenced.
    lag : int, default=10
        Rows between the two values of a difference.

    Attributes
    ----------
    trend_rho_ : ndarray of shape (n_features_in_,)
        ``|Spearman rho|`` of each channel with the row index on the fit rows (0 for a constant one).
    trending_ : ndarray of bool of shape (n_features_in_,)
        The channels that are differenced.
    n_features_in_ : int
        Number of channels.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(200.0)
    >>> X = np.column_stack([0.05 * t + np.sin(t), np.cos(t)])
    >>> TrendDifferencer().fit(X).trending_.tolist()
    [True, False]
    """

    def __init__(self, *, min_abs_rho: float = 0.5, lag: int = 10) -> None:
        self.min_abs_rho = min_abs_rho
        self.lag = lag

    def fit(self, X, y=None):
        """Measure each channel's trend on ``X`` (rows in time order; ``y`` is ignored)."""
        check_real(self.min_abs_rho, "min_abs_rho", type(self).__name__, low=0, high=1, closed="both")
        check_int(self.lag, "lag", type(self).__name__, minimum=1)
        X = _validate(self, X, reset=True, dtype=np.float64)
        _check_rows(self, X, 3, "a rank correlation with time needs a few rows")
        t = np.arange(X.shape[0])
        rho = np.zeros(X.shape[1])
        for j in range(X.shape[1]):
            if np.ptp(X[:, j]) > 0:
                rho[j] = abs(float(np.nan_to_num(sps.spearmanr(t, X[:, j]).statistic)))
        self.trend_rho_ = rho
        self.trending_ = rho > self.min_abs_rho
        return self

    def transform(self, X) -> np.ndarray:
        """``X`` with each trending channel replaced by its difference over ``lag`` rows."""
        check_fitted(self, "trending_", "transform")
        X = _validate(self, X, reset=False, dtype=np.float64)
        if not self.trending_.any():
            return X
        lag = min(self.lag, X.shape[0])
        lagged = np.vstack([np.repeat(X[:1], lag, axis=0), X[: X.shape[0] - lag]])
        return np.where(self.trending_, X - lagged, X)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Input names, ``_diff<lag>`` appended to the differenced ones."""
        check_fitted(self, "trending_", "get_feature_names_out")
        from sklearn.utils.validation import _check_feature_names_in

        names = _check_feature_names_in(self, input_features)
        return np.array([f"{n}_diff{self.lag}" if d else str(n) for n, d in zip(names, self.trending_)], dtype=object)


# --------------------------------------------------------------------------------------------------
# Convolutional autoencoder over sliding windows
# --------------------------------------------------------------------------------------------------
class _ConvAutoencoder(torch.nn.Module):
    """1-D convolutional autoencoder: two strided convolutions down, two transposed convolutions up.

    The architecture of SKAB's Conv-AE baseline (filters 32 and 16, kernel 7, stride 2).

    Shapes:
        - input: ``(batch, channels, window)``
        - output: ``(batch, channels, window)``, the reconstruction
    """

    def __init__(self, channels: int, window: int, filters: tuple[int, int] = (32, 16),
                 kernel_size: int = 7, dropout: float = 0.2) -> None:
        super().__init__()
        self.channels, self.window, self.filters, self.kernel_size = int(channels), int(window), tuple(filters), int(kernel_size)
        f1, f2 = self.filters
        k, p = self.kernel_size, self.kernel_size // 2
        self.encoder = torch.nn.Sequential(
            torch.nn.Conv1d(channels, f1, k, stride=2, padding=p), torch.nn.ReLU(), torch.nn.Dropout(dropout),
            torch.nn.Conv1d(f1, f2, k, stride=2, padding=p), torch.nn.ReLU(),
        )
        self.decoder = torch.nn.Sequential(
            torch.nn.ConvTranspose1d(f2, f2, k, stride=2, padding=p, output_padding=1), torch.nn.ReLU(),
            torch.nn.Dropout(dropout),
            torch.nn.ConvTranspose1d(f2, f1, k, stride=2, padding=p, output_padding=1), torch.nn.ReLU(),
            torch.nn.Conv1d(f1, channels, k, padding=p),
        )

    def reset_parameters(self) -> None:
        for m in self.modules():
            if isinstance(m, (torch.nn.Conv1d, torch.nn.ConvTranspose1d)):
                m.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))[..., : x.shape[-1]]

    def __repr__(self) -> str:
        return f"_ConvAutoencoder({self.channels}, window={self.window}, filters={self.filters})"


class ConvAutoencoderDetector(OutlierMixin, TorchEstimator):
    """Reconstruction error of a 1-D convolutional autoencoder over trailing windows of a series.

    Rows are time steps in order. Row ``t`` is scored by the mean squared reconstruction error (in
    standardised units) of the window of the ``window`` rows ending at ``t``; the first rows use a
    window padded with the first row, so there is one score per row, computed from the past only.
    The network is SKAB's Conv-AE (see ``_ConvAutoencoder``) trained on the full windows of the fit
    data by the training loop every fuselearn network shares (``TorchEstimator._train_network``:
    :func:`fuselearn.nn.train_module`, AdamW, early stopping on a random held-out share of the
    windows drawn by ``early_stopping_split``).

    Parameters
    ----------
    window : int, default=32
        Window length in rows; fit needs at least ``window + 1`` rows.
    filters : tuple of two int, default=(32, 16)
        Channels of the two convolutions.
    kernel_size : int, default=7
        Odd convolution width.
    dropout : float, default=0.2
    threshold_quantile : float, default=0.99
        ``predict`` flags rows whose error passes this quantile of the fit rows' errors.
    max_epochs, batch_size, lr, weight_decay, validation_fraction, patience, device, random_state, verbose
        Training settings, as in :class:`fuselearn.NeuralClassifier`.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained autoencoder.
    mean_, scale_ : ndarray of shape (n_features_in_,)
        Standardisation learned in ``fit``.
    offset_ : float
        Minus the error threshold: ``decision_function = score_samples - offset_``.
    n_features_in_ : int
        Number of channels.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.sin(np.arange(300)[:, None] / 5.0 + np.arange(3))
    >>> det = ConvAutoencoderDetector(window=16, max_epochs=3, random_state=0).fit(X)
    >>> det.score_samples(X).shape
    (300,)
    """

    def __init__(self, *, window: int = 32, filters: tuple[int, int] = (32, 16), kernel_size: int = 7,
                 dropout: float = 0.2, threshold_quantile: float = 0.99, max_epochs: int = 100,
                 batch_size: int = 32, lr: float = 1e-3, weight_decay: float = 0.0,
                 validation_fraction: float = 0.1, patience: int | None = 5, device: str = "cpu",
                 random_state=None, verbose: int = 0) -> None:
        self.window = window
        self.filters = filters
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.threshold_quantile = threshold_quantile
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> None:
        check_int(self.window, "window", type(self).__name__, minimum=2)
        f = self.filters
        if not isinstance(f, (tuple, list)) or len(f) != 2 or any(
            isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1 for v in f
        ):
            raise InvalidParameterError(
                "The 'filters' parameter of ConvAutoencoderDetector must be two positive integers. "
                f"Got {self.filters!r} instead."
            )
        check_int(self.kernel_size, "kernel_size", type(self).__name__, minimum=1)
        if self.kernel_size % 2 == 0:
            raise InvalidParameterError(
                f"The 'kernel_size' parameter of ConvAutoencoderDetector must be odd. Got {self.kernel_size!r} instead."
            )
        check_real(self.dropout, "dropout", type(self).__name__, low=0, high=1, closed="left")
        check_real(self.threshold_quantile, "threshold_quantile", type(self).__name__, low=0, high=1, closed="both")
        self._check_training_params()

    def _windows(self, Z: np.ndarray) -> torch.Tensor:
        w = self.window
        padded = np.vstack([np.repeat(Z[:1], w - 1, axis=0), Z])
        win = np.lib.stride_tricks.sliding_window_view(padded, w, axis=0)  # (n, channels, w)
        return torch.as_tensor(np.ascontiguousarray(win), dtype=torch.float32)

    def _build_module(self) -> _ConvAutoencoder:
        return _ConvAutoencoder(self.n_features_in_, self.window, tuple(self.filters), self.kernel_size, self.dropout)

    def fit(self, X, y=None):
        """Train on the full windows of ``X`` (rows in time order; ``y`` is ignored)."""
        self._check_params()
        X = _validate(self, X, reset=True, dtype=np.float64)
        _check_rows(self, X, self.window + 1, f"window={self.window} rows make one training window")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        W = self._windows((X - self.mean_) / self.scale_)
        full = W[self.window - 1:]  # the windows without padding: the autoencoder's input and target
        self._train_network(full, full, loss_fn=torch.nn.functional.mse_loss)
        err = self._errors(W)
        self.offset_ = -float(np.quantile(err, self.threshold_quantile))
        return self

    def _errors(self, W: torch.Tensor) -> np.ndarray:
        recon = self._predict_network(W).cpu()
        return ((recon - W) ** 2).mean(dim=(1, 2)).numpy().astype(np.float64)

    def reconstruction_error(self, X) -> np.ndarray:
        """Mean squared error of the window ending at each row, shape ``(n_samples,)`` (higher = more anomalous)."""
        check_fitted(self, "module_", "reconstruction_error")
        X = _validate(self, X, reset=False, dtype=np.float64)
        return self._errors(self._windows((X - self.mean_) / self.scale_))

    def score_samples(self, X) -> np.ndarray:
        """Negative reconstruction error: higher is more normal, as in scikit-learn."""
        return -self.reconstruction_error(X)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples - offset_``: negative above the fit errors' ``threshold_quantile``."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """``-1`` for anomalies, ``+1`` otherwise (scikit-learn's convention)."""
        return np.where(self.decision_function(X) < 0, -1, 1)



# --------------------------------------------------------------------------------------------------
# Dynamics: one-step forecast residuals; Mahalanobis distance with a shrunk covariance
# --------------------------------------------------------------------------------------------------
RESIDUAL_STATS = ("mean", "std")
AGGREGATES = ("mahalanobis", "max")


def _lag_matrix(Z: np.ndarray, lags: int) -> np.ndarray:
    """``[Z[t-1], ..., Z[t-lags]]`` per row, causal; a lag before the first row repeats the first row."""
    n = len(Z)
    return np.hstack([Z[np.clip(np.arange(n) - k, 0, None)] for k in range(1, lags + 1)])


class ForecastResidualDetector(OutlierMixin, BaseEstimator):
    """Anomaly score of a multichannel series from the errors of a linear one-step forecaster.

    Rows are time steps in order. The channels are standardised on the fit rows and a ridge
    regression predicts every channel at ``t`` from all channels at ``t-1 .. t-lags`` (a vector
    autoregression, VAR(``lags``), with ridge shrinkage). The residual ``e[t] = z[t] - ẑ[t]`` is what
    the recent past does not explain: a channel that drifts slowly is forecast from its own last
    value, so its drift leaves the residual small, while a channel that is noise around a level is
    forecast by that level, so a change of level shows. With ``window`` the residuals are summarised
    by trailing-window statistics (``stats``: mean, standard deviation), which turns a short bias into
    a lasting one. The score of row ``t`` aggregates those features against their fit-row distribution:
    the squared Mahalanobis distance under a Ledoit-Wolf shrunk covariance (``"mahalanobis"``), or the
    largest absolute z-score over the features (``"max"``, one detector per channel fused by a maximum).

    We checked statsmodels' ``VAR``: with ``alpha=0`` the residuals here are its ``VAR(lags)``
    residuals (tested), but it has no shrinkage and no method that scores a new series with the
    fitted coefficients. scikit-learn's
    ``Ridge`` on the lag matrix does both; ``LedoitWolf`` gives the covariance.
    Everything is causal: a row's score reads that row and the rows before it. Score whole series
    (the first rows of a series have no past and use the first row as their past).

    Parameters
    ----------
    lags : int, default=1
        Past rows the forecaster reads.
    alpha : float, default=1.0
        Ridge penalty of the forecaster (on standardised channels).
    window : int or None, default=None
        Trailing window (rows) of the residual statistics; ``None`` scores the residual itself.
    stats : tuple of str, default=("mean", "std")
        Window statistics of each channel's residual (used only with ``window``).
    aggregate : {"mahalanobis", "max"}, default="mahalanobis"
        How the features of a row become one score (see above).
    threshold_quantile : float in (0, 1], default=0.99
        ``predict`` flags rows whose score passes this quantile of the fit rows' scores.

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (n_features_in_,)
        Standardisation of the channels (a constant channel gets scale 1).
    forecaster_ : sklearn.linear_model.Ridge
        The fitted one-step forecaster.
    covariance_ : sklearn.covariance.LedoitWolf
        Shrunk covariance of the fit rows' features (``aggregate="mahalanobis"``).
    feature_mean_, feature_scale_ : ndarray of shape (n_score_features,)
        Mean and standard deviation of the fit rows' features (``aggregate="max"``).
    offset_ : float
        Minus the score threshold: ``decision_function = score_samples - offset_``.
    n_features_in_ : int
        Number of channels.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.cumsum(rng.normal(size=(300, 2)), axis=0)  # two random walks: levels drift
    >>> det = ForecastResidualDetector().fit(X[:200])
    >>> bool(det.predict(X)[200:].mean() > 0.9)  # the drifted rows are still forecast well
    True
    """

    def __init__(self, *, lags: int = 1, alpha: float = 1.0, window: int | None = None,
                 stats: tuple[str, ...] = RESIDUAL_STATS, aggregate: str = "mahalanobis",
                 threshold_quantile: float = 0.99) -> None:
        self.lags = lags
        self.alpha = alpha
        self.window = window
        self.stats = stats
        self.aggregate = aggregate
        self.threshold_quantile = threshold_quantile

    def _check_params(self) -> tuple[str, ...]:
        name = type(self).__name__
        check_int(self.lags, "lags", name, minimum=1)
        check_real(self.alpha, "alpha", name, low=0, closed="left")
        if self.window is not None:
            check_int(self.window, "window", name, minimum=1)
        check_real(self.threshold_quantile, "threshold_quantile", name, low=0, high=1, closed="right")
        if isinstance(self.stats, str) or not isinstance(self.stats, (tuple, list)) or not self.stats:
            raise InvalidParameterError(
                f"The 'stats' parameter of {name} must be a non-empty tuple of names among "
                f"{list(RESIDUAL_STATS)}. Got {self.stats!r} instead."
            )
        stats = []
        for s in self.stats:
            key = normalize_name(s) if isinstance(s, str) else s
            if key not in RESIDUAL_STATS:
                raise unknown_name_error("residual statistic", s, RESIDUAL_STATS, f"the 'stats' parameter of {name}")
            stats.append(key)
        self._aggregate = self._resolve_aggregate()
        return tuple(stats)

    def _resolve_aggregate(self) -> str:
        if isinstance(self.aggregate, str) and normalize_name(self.aggregate) in AGGREGATES:
            return normalize_name(self.aggregate)
        raise unknown_name_error("aggregate", self.aggregate, AGGREGATES,
                                 f"the 'aggregate' parameter of {type(self).__name__}")

    def _features(self, X: np.ndarray) -> np.ndarray:
        Z = (X - self.mean_) / self.scale_
        # Ridge returns a 1-D prediction for a one-column target: reshape to (rows, channels)
        R = Z - self.forecaster_.predict(_lag_matrix(Z, self.lags)).reshape(Z.shape)
        if self.window is None:
            return R
        roll = pd.DataFrame(R).rolling(self.window, min_periods=1)
        blocks = [(roll.mean() if s == "mean" else roll.std(ddof=0)).to_numpy() for s in self._stats]
        return np.nan_to_num(np.hstack(blocks))

    def fit(self, X, y=None):
        """Fit the forecaster and the residual features' distribution on ``X`` (rows in time order)."""
        from sklearn.covariance import LedoitWolf
        from sklearn.linear_model import Ridge

        self._stats = self._check_params()
        X = _validate(self, X, reset=True, dtype=np.float64)
        # rows before `start` have a padded past; the forecaster and the feature distribution skip them
        start = self.lags + (self.window - 1 if self.window else 0)
        _check_rows(self, X, start + 3, f"lags={self.lags} and window={self.window} leave too few rows "
                                        "with a full past to fit the forecaster and the covariance")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        Z = (X - self.mean_) / self.scale_
        self.forecaster_ = Ridge(alpha=self.alpha).fit(_lag_matrix(Z, self.lags)[self.lags:], Z[self.lags:])
        F = self._features(X)[start:]
        if self._aggregate == "mahalanobis":
            self.covariance_ = LedoitWolf().fit(F)
        else:
            self.feature_mean_ = F.mean(axis=0)
            sd = F.std(axis=0)
            self.feature_scale_ = np.where(sd > 0, sd, 1.0)
        self.offset_ = -float(np.quantile(self._score(F), self.threshold_quantile))
        return self

    def _score(self, F: np.ndarray) -> np.ndarray:
        if self._aggregate == "mahalanobis":
            return self.covariance_.mahalanobis(F)
        return np.abs((F - self.feature_mean_) / self.feature_scale_).max(axis=1)

    def residual_features(self, X) -> np.ndarray:
        """The scored features of every row: the residuals, or their window statistics (stat-major)."""
        check_fitted(self, "forecaster_", "residual_features")
        X = _validate(self, X, reset=False, dtype=np.float64)
        return self._features(X)

    def score_samples(self, X) -> np.ndarray:
        """Minus the aggregated residual score: higher is more normal, as in scikit-learn."""
        check_fitted(self, "forecaster_", "score_samples")
        X = _validate(self, X, reset=False, dtype=np.float64)
        return -self._score(self._features(X))

    def decision_function(self, X) -> np.ndarray:
        """``score_samples - offset_``: negative above the fit scores' ``threshold_quantile``."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """``-1`` for anomalies, ``+1`` otherwise (scikit-learn's convention)."""
        return np.where(self.decision_function(X) < 0, -1, 1)


class MahalanobisDetector(OutlierMixin, BaseEstimator):
    """Squared Mahalanobis distance to the fit data under a Ledoit-Wolf shrunk covariance.

    For many correlated features and few rows (window statistics of a few hundred time steps), the
    empirical covariance is ill-conditioned and scikit-learn's ``EllipticEnvelope`` (a robust Minimum
    Covariance Determinant fit) discards a share of the rows; shrinking the covariance towards a
    scaled identity (``sklearn.covariance.LedoitWolf``, the shrinkage chosen in closed form) keeps
    every fit row. On SKAB's window statistics it ranked anomalies better than ``EllipticEnvelope``
    (docs/benchmarks/case_studies.md). The features are standardised on the fit data first.

    Parameters
    ----------
    threshold_quantile : float in (0, 1], default=0.99
        ``predict`` flags rows whose distance passes this quantile of the fit rows' distances.

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (n_features_in_,)
        Standardisation (a constant column gets scale 1).
    covariance_ : sklearn.covariance.LedoitWolf
        The shrunk covariance of the standardised fit data.
    offset_ : float
        Minus the distance threshold.
    n_features_in_ : int
        Number of input features.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> MahalanobisDetector().fit(X).predict([[0.0, 0.0, 0.0], [6.0, -6.0, 6.0]]).tolist()
    [1, -1]
    """

    def __init__(self, *, threshold_quantile: float = 0.99) -> None:
        self.threshold_quantile = threshold_quantile

    def fit(self, X, y=None):
        """Standardise ``X`` and fit the shrunk covariance (``y`` is ignored)."""
        from sklearn.covariance import LedoitWolf

        check_real(self.threshold_quantile, "threshold_quantile", type(self).__name__, low=0, high=1, closed="right")
        X = _validate(self, X, reset=True, dtype=np.float64)
        _check_rows(self, X, 2, "a covariance needs a spread of rows")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        Z = (X - self.mean_) / self.scale_
        self.covariance_ = LedoitWolf().fit(Z)
        self.offset_ = -float(np.quantile(self.covariance_.mahalanobis(Z), self.threshold_quantile))
        return self

    def score_samples(self, X) -> np.ndarray:
        """Minus the squared Mahalanobis distance: higher is more normal."""
        check_fitted(self, "covariance_", "score_samples")
        X = _validate(self, X, reset=False, dtype=np.float64)
        return -self.covariance_.mahalanobis((X - self.mean_) / self.scale_)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples - offset_``: negative above the fit distances' ``threshold_quantile``."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """``-1`` for anomalies, ``+1`` otherwise (scikit-learn's convention)."""
        return np.where(self.decision_function(X) < 0, -1, 1)


# --------------------------------------------------------------------------------------------------
# Calibration of member scores
# --------------------------------------------------------------------------------------------------
def _calibrate(kind: str, s: np.ndarray, fit_sorted: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Map a member's raw anomaly score (higher = more anomalous) onto a common scale learned on its
    sorted fit scores.

    ``standard``: z-score. ``rank``: empirical CDF of the fit scores, in [0, 1]. ``tail``: ``-log10`` of
    the tail probability ``P(S >= s)``, empirical ``(1 + #{fit > s}) / (n + 1)`` inside the range of the
    fit scores and, above their maximum, that value times the Gaussian tail ratio
    ``sf(z) / sf(z_max)``, so the scale keeps growing past the largest fit score (the rank stops at 1).
    Kept as plain arrays (no helper objects) so a fitted detector saves through ``fuselearn.save``.
    """
    s = np.asarray(s, dtype=np.float64)
    n = len(fit_sorted)
    if kind == "standard":
        return (s - mean) / std
    if kind == "rank":
        return np.searchsorted(fit_sorted, s, side="right") / n
    above = n - np.searchsorted(fit_sorted, s, side="right")  # #{fit > s}
    p = (1.0 + above) / (n + 1.0)
    top = fit_sorted[-1]
    z, z_top = (s - mean) / std, (top - mean) / std
    beyond = s > top
    if np.any(beyond):
        logratio = sps.norm.logsf(z[beyond]) - sps.norm.logsf(z_top)
        p = p.copy()
        p[beyond] = np.exp(np.log(1.0 / (n + 1.0)) + np.minimum(logratio, 0.0))
    return -np.log10(np.maximum(p, 1e-300))


def _median_filter(x: np.ndarray, w: int) -> np.ndarray:
    """Causal rolling median of length ``w`` (partial at the start)."""
    if w <= 1:
        return x
    return pd.Series(x).rolling(w, min_periods=1).median().to_numpy()


def default_members(random_state=None) -> list[tuple[str, object]]:
    """The default members of :class:`FusionAnomalyDetector`: PCA T²/Q, isolation forest, LOF and a
    convolutional autoencoder over windows (deep)."""
    return [
        ("pca", PCADetector()),
        ("iforest", IsolationForest(random_state=random_state)),
        ("lof", LocalOutlierFactor(novelty=True)),
        ("conv_ae", ConvAutoencoderDetector(random_state=random_state)),
    ]


# --------------------------------------------------------------------------------------------------
# The fusion
# --------------------------------------------------------------------------------------------------
class FusionAnomalyDetector(OutlierMixin, _BaseComposition):
    """Fuse several anomaly detectors fitted on normal data, each score calibrated on that data.

    Each member is cloned and fitted on ``X`` (assumed normal). Its anomaly score on ``X`` (read from
    ``score_samples`` or ``decision_function``, negated where higher means normal as in scikit-learn;
    pyod's ``decision_function`` is used as it is) fits a calibration that puts every member on one
    scale; the calibrated scores are fused, and the threshold is a quantile of the fused fit scores.

    **Labels.** ``predict`` follows scikit-learn's convention for outlier detectors: ``-1`` for an
    anomaly, ``+1`` for a normal row, so the detector works wherever scikit-learn's do (``fit_predict``,
    the common checks, ``OutlierMixin`` tooling). :meth:`detect` gives the 0/1 form most anomaly
    benchmarks use (``1`` anomaly, ``0`` normal): ``detect(X) == (predict(X) == -1)``. Likewise
    ``score_samples`` is higher for more normal rows and ``decision_function`` is negative exactly
    for anomalies; :meth:`anomaly_score` is the fused score itself (higher = more anomalous).

    Parameters
    ----------
    members : list of (str, estimator) or None, default=None
        Unsupervised detectors; each needs ``fit(X)`` and ``score_samples`` or ``decision_function``
        (scikit-learn's ``IsolationForest``, ``LocalOutlierFactor(novelty=True)``, ``OneClassSVM``,
        a pipeline ending in one, :class:`PCADetector`, :class:`ConvAutoencoderDetector`,
        :class:`ForecastResidualDetector`, :class:`MahalanobisDetector`,
        :class:`fuselearn.extract.AutoencoderEmbedder`, any pyod detector). ``"drop"`` leaves one out.
        ``None``: :func:`default_members` (PCA T²/Q, isolation forest, LOF, Conv-AE). A member whose
        ``random_state`` is ``None`` gets one drawn from ``random_state``.
    calibration : {"standard", "rank", "tail"}, default="standard"
        How each member's score is put on a common scale, learned on its fit scores: z-score,
        empirical CDF, or ``-log10`` of the tail probability (empirical, extended past the largest fit
        score by a Gaussian tail). ``rank`` is bounded: every score above a member's largest fit score
        maps to 1, so with ``fusion="max"`` new anomalies tie with the fit data's extremes and are
        not flagged; prefer ``standard`` or ``tail`` there. On SKAB ``standard`` gave the best F1
        (docs/benchmarks/case_studies.md).
    fusion : {"mean", "max", "aom", "agreement", "vote"}, default="mean"
        ``mean`` / ``max`` of the calibrated scores; ``aom``: members split at random into ``n_groups``
        groups, the mean over groups of each group's maximum (Aggarwal and Sathe's average of maximum);
        ``agreement``: a weighted mean, each member weighted by the Spearman correlation (floored at 0)
        of its calibrated fit scores with the mean of the others'; ``vote``: decision level, each member
        thresholded at the same fit quantile and a row is an anomaly when at least ``vote_k`` members
        flag it (score = share of members that flag it).
    threshold_quantile : float in (0, 1), default=0.999
        The threshold is this quantile of the fused fit scores (for ``vote``, each member's threshold).
        New normal data drifts past in-sample scores, so a high quantile keeps false alarms down.
    contamination : float in (0, 0.5] or None, default=None
        When set, the threshold is the ``1 - contamination`` quantile instead (overrides
        ``threshold_quantile``).
    vote_k : int or None, default=None
        Members that must flag a row under ``fusion="vote"``; ``None`` is a majority.
    n_groups : int, default=2
        Groups for ``fusion="aom"`` (at most the number of members).
    smoothing : int or None, default=None
        For time-ordered rows: a causal median filter of this length over the fused score sequence,
        before the threshold, in ``score_samples``, ``decision_function`` and ``predict`` alike. The
        threshold itself is taken on the unfiltered fit scores (as SKAB's control limits are), so the
        filter removes isolated alarms without lowering the limit. Leave ``None`` for rows that are
        not a sequence (the result then depends on row order).
    calibration_cv : int or None, default=None
        Scores of the fit data are in-sample: a flexible member (an autoencoder, LOF) scores the rows
        it was fitted on lower than new normal rows, so its calibration and the threshold come out
        too tight. With ``calibration_cv=k`` the fit rows are cut into ``k`` contiguous blocks and
        each block is scored by a clone of the member fitted on the other blocks (``k`` extra fits
        per member); the members used for new data are still fitted on all rows.
    threshold_holdout : float in (0, 1) or None, default=None
        For time-ordered rows: a share of the fit rows, the last ones, held out to see how far new
        normal data drifts past in-sample scores. Each member is cloned and fitted on the rows before
        the held-out ones (one extra fit per member), calibrated on those rows, and scores the held-out
        rows; the threshold becomes the larger of the usual one and the same quantile of the held-out
        fused scores (median-filtered by ``smoothing`` as at predict time). For ``vote``, each
        member's threshold is raised the same way. Only the fit rows are used, never labels. The
        members used on new data are still fitted on all the fit rows.
    constant_columns : {"drop", "raise"}, default="drop"
        Columns constant in the fit data carry no information on normal variation and break
        standardisation: ``"drop"`` removes them with a :class:`ConstantColumnWarning` (as SKAB's
        baseline does) and ignores them at predict time; ``"raise"`` refuses the data.
    random_state : int, RandomState or None, default=None
        Seeds the ``aom`` groups and members without a seed of their own.

    Attributes
    ----------
    estimators_ : list of estimators
        Fitted members (without dropped ones), in order.
    named_estimators_ : dict
        The fitted members by name.
    fit_scores_ : ndarray of shape (n_fit_samples, n_members)
        Each member's raw anomaly scores on the fit data (out of block with ``calibration_cv``),
        sorted: the calibration's empirical distribution.
    score_mean_, score_scale_ : ndarray of shape (n_members,)
        Mean and standard deviation of those scores (``standard`` and the Gaussian tail).
    weights_ : ndarray of shape (n_members,)
        Weights of the members in the fused score (``mean``: equal; ``agreement``: learned).
    groups_ : list of ndarray
        Member indices of each ``aom`` group.
    member_thresholds_ : ndarray of shape (n_members,)
        Each member's calibrated threshold (used by ``vote``).
    threshold_ : float
        Fused scores above it are anomalies.
    holdout_threshold_ : float or None
        With ``threshold_holdout``, the quantile of the held-out fused scores (``threshold_`` is at
        least this); ``None`` otherwise.
    offset_ : float
        ``-threshold_``: ``decision_function = score_samples - offset_``, as in scikit-learn.
    support_ : ndarray of bool of shape (n_features_in_,)
        Columns used (``False`` for dropped constant columns).
    n_features_in_ : int
        Number of input features.

    See Also
    --------
    PCADetector, ConvAutoencoderDetector, sklearn.ensemble.IsolationForest
    ForecastResidualDetector : one-step forecast errors; members that model dynamics rather than
        levels kept SKAB's false alarms after the anomaly lowest (docs/benchmarks/case_studies.md).
    TrendDifferencer : for sensors that drift after the fit stretch (the main source of false
        alarms on SKAB), ``make_pipeline(TrendDifferencer(), FusionAnomalyDetector(...))``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3))
    >>> det = FusionAnomalyDetector([("pca", PCADetector()),
    ...                              ("iforest", IsolationForest(random_state=0))],
    ...                             fusion="max").fit(X)
    >>> det.detect([[0.0, 0.1, -0.2], [8.0, -8.0, 8.0]]).tolist()
    [0, 1]
    """

    def __init__(self, members=None, *, calibration: str = "standard", fusion: str = "mean",
                 threshold_quantile: float = 0.999, contamination: float | None = None,
                 vote_k: int | None = None, n_groups: int = 2, smoothing: int | None = None,
                 calibration_cv: int | None = None, threshold_holdout: float | None = None,
                 constant_columns: str = "drop", random_state=None) -> None:
        self.members = members
        self.calibration = calibration
        self.fusion = fusion
        self.threshold_quantile = threshold_quantile
        self.contamination = contamination
        self.vote_k = vote_k
        self.n_groups = n_groups
        self.smoothing = smoothing
        self.calibration_cv = calibration_cv
        self.threshold_holdout = threshold_holdout
        self.constant_columns = constant_columns
        self.random_state = random_state

    # -- composite-estimator plumbing (name__param) --
    @property
    def _estimators(self):
        return self.members if self.members is not None else []

    @_estimators.setter
    def _estimators(self, value):
        self.members = value

    def get_params(self, deep: bool = True):
        return self._get_params("_estimators", deep=deep)

    def set_params(self, **params):
        self._set_params("_estimators", **params)
        return self

    # -- validation --
    def _resolve(self, kind, value, choices):
        if isinstance(value, str) and normalize_name(value) in choices:
            return normalize_name(value)
        raise unknown_name_error(kind, value, choices, f"the '{kind}' parameter of FusionAnomalyDetector")

    def _check_params(self, rng):
        self.calibration_ = self._resolve("calibration", self.calibration, CALIBRATIONS)
        self.fusion_ = self._resolve("fusion", self.fusion, FUSIONS)
        self._constant = self._resolve("constant_columns", self.constant_columns, CONSTANT_COLUMNS)
        check_real(self.threshold_quantile, "threshold_quantile", type(self).__name__, low=0, high=1, closed="neither")
        if self.contamination is not None:
            check_real(self.contamination, "contamination", type(self).__name__, low=0, high=0.5, closed="right")
        if self.vote_k is not None:
            check_int(self.vote_k, "vote_k", type(self).__name__, minimum=1)
        check_int(self.n_groups, "n_groups", type(self).__name__, minimum=1)
        if self.smoothing is not None:
            check_int(self.smoothing, "smoothing", type(self).__name__, minimum=1)
        if self.calibration_cv is not None:
            check_int(self.calibration_cv, "calibration_cv", type(self).__name__, minimum=2)
        if self.threshold_holdout is not None:
            check_real(self.threshold_holdout, "threshold_holdout", type(self).__name__, low=0, high=1,
                       closed="neither")
        members = default_members(None) if self.members is None else self.members
        if not isinstance(members, (list, tuple)) or not members or any(
            not isinstance(m, tuple) or len(m) != 2 or not isinstance(m[0], str) for m in members
        ):
            raise InvalidParameterError(
                "The 'members' parameter of FusionAnomalyDetector must be a non-empty list of "
                f"(name, detector) tuples. Got {members!r} instead."
            )
        names = [n for n, _ in members]
        if len(set(names)) != len(names):
            raise InvalidParameterError(f"FusionAnomalyDetector member names must be unique; got {names}.")
        kept = [(n, e) for n, e in members if not (isinstance(e, str) and e == "drop")]
        if not kept:
            raise InvalidParameterError("Every member of FusionAnomalyDetector is 'drop': nothing to fit.")
        out = []
        for name, est in kept:
            if score_method(est) is None:
                raise InvalidParameterError(
                    f"Member {name!r} of FusionAnomalyDetector ({type(est).__name__}) cannot score new "
                    "data: it has neither 'score_samples' nor 'decision_function' (for LocalOutlierFactor "
                    "set novelty=True)."
                )
            est = clone(est)
            if "random_state" in est.get_params(deep=False) and est.get_params()["random_state"] is None:
                est.set_params(random_state=int(rng.randint(np.iinfo(np.int32).max)))
            out.append((name, est))
        if self.vote_k is not None and self.vote_k > len(out):
            raise InvalidParameterError(
                f"The 'vote_k' parameter of FusionAnomalyDetector must be at most the {len(out)} members. "
                f"Got {self.vote_k!r} instead."
            )
        return out

    # -- fit --
    def fit(self, X, y=None):
        """Fit every member on ``X`` (assumed normal), their calibrations, the fusion and its threshold."""
        rng = check_random_state(self.random_state)
        members = self._check_params(rng)
        X = _validate(self, X, reset=True, dtype=np.float64)
        _check_rows(self, X, 2, "calibration needs a spread of fit scores")
        constant = np.ptp(X, axis=0) == 0
        if constant.all():
            raise InvalidInputError(
                f"FusionAnomalyDetector: every one of the {X.shape[1]} columns is constant in the fit data, "
                "so there is no normal variation to learn. Fit on data where the sensors vary."
            )
        if constant.any():
            cols = np.flatnonzero(constant).tolist()
            names = getattr(self, "feature_names_in_", None)
            shown = [str(names[i]) for i in cols] if names is not None else cols
            if self._constant == "raise":
                raise InvalidInputError(
                    f"FusionAnomalyDetector: columns {shown} are constant in the fit data. Drop them, or "
                    "set constant_columns='drop' to drop them here."
                )
            warnings.warn(
                f"FusionAnomalyDetector: columns {shown} are constant in the fit data and were dropped; "
                "they are ignored when scoring.", ConstantColumnWarning, stacklevel=2,
            )
        self.support_ = ~constant
        Xs = X[:, self.support_]
        self.names_ = [n for n, _ in members]
        self.estimators_, self._how = [], []
        for name, est in members:
            est.fit(Xs)
            how = score_method(est)
            if how is None:
                raise InvalidParameterError(
                    f"Member {name!r} of FusionAnomalyDetector ({type(est).__name__}) cannot score new "
                    "data after fitting: it has neither 'score_samples' nor 'decision_function'."
                )
            self.estimators_.append(est)
            self._how.append(how)
        self.named_estimators_ = dict(zip(self.names_, self.estimators_))
        if self.calibration_cv is None:
            raw = self._raw_scores(Xs)
        else:  # out-of-block scores: a member never scores rows it was fitted on
            n = len(Xs)
            raw = np.empty((n, len(members)))
            for j, (est, how) in enumerate(zip(self.estimators_, self._how)):
                for block in np.array_split(np.arange(n), self.calibration_cv):
                    held = clone(est).fit(np.delete(Xs, block, axis=0))
                    # scored on all rows, kept on the block: windows of the block see the rows before it
                    raw[block, j] = read_anomaly_score(held, how, Xs)[block]
        self.fit_scores_ = np.sort(raw, axis=0)
        self.score_mean_ = raw.mean(axis=0)
        std = raw.std(axis=0)
        self.score_scale_ = np.where(std > 0, std, 1.0)
        C = self._calibrate(raw)
        k = C.shape[1]
        q = 1 - self.contamination if self.contamination is not None else self.threshold_quantile
        self.member_thresholds_ = np.quantile(C, q, axis=0)
        perm = rng.permutation(k)
        g = min(self.n_groups, k)
        self.groups_ = [np.sort(part) for part in np.array_split(perm, g)]
        self.weights_ = np.full(k, 1.0 / k)
        if self.fusion_ == "agreement" and k > 1:
            r = np.empty(k)
            for j in range(k):
                others = np.delete(C, j, axis=1).mean(axis=1)
                rho = sps.spearmanr(C[:, j], others).statistic if np.ptp(C[:, j]) > 0 and np.ptp(others) > 0 else 0.0
                r[j] = max(float(np.nan_to_num(rho)), 0.0)
            self.weights_ = r / r.sum() if r.sum() > 0 else np.full(k, 1.0 / k)
        # The threshold comes from the unfiltered fit scores, like SKAB's control limits: the filter
        # then removes isolated alarms without also lowering the limit (filtered in-sample noise is
        # smaller than the drift of new normal data, so a limit on filtered fit scores is too tight).
        fused = self._fuse(C)
        self.holdout_threshold_ = None
        if self.threshold_holdout is not None:
            self._raise_thresholds_on_holdout(Xs, q)
        if self.fusion_ == "vote":
            need = self.vote_k if self.vote_k is not None else k // 2 + 1
            self.threshold_ = (need - 0.5) / k
        else:
            self.threshold_ = float(np.quantile(fused, q))
            if self.holdout_threshold_ is not None:
                self.threshold_ = max(self.threshold_, self.holdout_threshold_)
        self.offset_ = -self.threshold_
        return self

    def _raise_thresholds_on_holdout(self, Xs: np.ndarray, q: float) -> None:
        """``threshold_holdout``: members refitted on the first fit rows score the last ones; the
        member thresholds (and, through ``holdout_threshold_``, the fused one) rise to the held-out
        scores' quantile where those drift past the in-sample ones."""
        n = len(Xs)
        n_out = round(float(self.threshold_holdout) * n)
        n_in = n - n_out
        if n_out < 1 or n_in < 2:
            raise InvalidInputError(
                f"FusionAnomalyDetector: threshold_holdout={self.threshold_holdout} of {n} fit rows leaves "
                f"{n_in} rows to fit and {n_out} to hold out; both need rows (at least 2 to fit). Use a "
                "share nearer 0.5 or more fit rows."
            )
        raw = np.column_stack([
            read_anomaly_score(clone(est).fit(Xs[:n_in]), how, Xs)
            for est, how in zip(self.estimators_, self._how)
        ])
        fit_part = raw[:n_in]
        std = fit_part.std(axis=0)
        C = np.column_stack([
            _calibrate(self.calibration_, raw[:, j], np.sort(fit_part[:, j]), fit_part[:, j].mean(),
                       std[j] if std[j] > 0 else 1.0)
            for j in range(raw.shape[1])
        ])
        w = self.smoothing or 1
        held = np.column_stack([_median_filter(C[:, j], w) for j in range(C.shape[1])])[n_in:]
        self.member_thresholds_ = np.maximum(self.member_thresholds_, np.quantile(held, q, axis=0))
        if self.fusion_ != "vote":
            self.holdout_threshold_ = float(np.quantile(_median_filter(self._fuse(C), w)[n_in:], q))

    def _raw_scores(self, Xs) -> np.ndarray:
        return np.column_stack([
            read_anomaly_score(est, how, Xs) for est, how in zip(self.estimators_, self._how)
        ])

    def _calibrate(self, raw: np.ndarray) -> np.ndarray:
        return np.column_stack([
            _calibrate(self.calibration_, raw[:, j], self.fit_scores_[:, j], self.score_mean_[j], self.score_scale_[j])
            for j in range(raw.shape[1])
        ])

    def _fuse(self, C: np.ndarray) -> np.ndarray:
        f = self.fusion_
        if f in ("mean", "agreement"):
            return C @ self.weights_
        if f == "max":
            return C.max(axis=1)
        if f == "aom":
            return np.mean([C[:, grp].max(axis=1) for grp in self.groups_], axis=0)
        return (C > self.member_thresholds_).mean(axis=1)  # vote

    # -- scoring --
    def _checked(self, X, method):
        check_fitted(self, "estimators_", method)
        X = _validate(self, X, reset=False, dtype=np.float64)
        return X[:, self.support_]

    def member_scores(self, X) -> pd.DataFrame:
        """Each member's calibrated anomaly score (higher = more anomalous), one column per member."""
        Xs = self._checked(X, "member_scores")
        return pd.DataFrame(self._calibrate(self._raw_scores(Xs)), columns=self.names_)

    def anomaly_score(self, X) -> np.ndarray:
        """The fused anomaly score (higher = more anomalous; smoothed when ``smoothing`` is set)."""
        Xs = self._checked(X, "anomaly_score")
        return _median_filter(self._fuse(self._calibrate(self._raw_scores(Xs))), self.smoothing or 1)

    def score_samples(self, X) -> np.ndarray:
        """Negative fused anomaly score: higher is more normal, as for scikit-learn's detectors."""
        return -self.anomaly_score(X)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples - offset_`` (= ``threshold_ - anomaly_score``): negative for anomalies."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """``-1`` for anomalies, ``+1`` for normal rows (scikit-learn's convention; see :meth:`detect`)."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    def detect(self, X) -> np.ndarray:
        """``1`` for anomalies, ``0`` for normal rows (the labels of anomaly benchmarks such as SKAB)."""
        return (self.decision_function(X) < 0).astype(np.int64)

    def __sklearn_tags__(self):
        return _outlier_tags(super().__sklearn_tags__(), self)
