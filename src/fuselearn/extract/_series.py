"""Time-series features: lags and trailing-window statistics per channel (:class:`WindowFeatures`)."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from .._registry import unknown_name_error
from .._validation import check_fitted
from ..exceptions import InvalidParameterError
from ._cache import cacheable_params, content_hash, resolve_cache, state_key
from ._torch import _validate

__all__ = ["WindowFeatures"]

STATS = ("mean", "std", "min", "max", "last", "slope")


def _as_int_tuple(name: str, value, minimum: int) -> tuple[int, ...]:
    items = (value,) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    ok = isinstance(items, (tuple, list)) and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum for v in items
    )
    if not ok:
        raise InvalidParameterError(
            f"The '{name}' parameter of WindowFeatures must be an integer >= {minimum} or a tuple of them. "
            f"Got {value!r} instead."
        )
    return tuple(int(v) for v in items)


class WindowFeatures(TransformerMixin, BaseEstimator):
    """Row-aligned features of a multichannel time series: lags and trailing-window statistics.

    Rows of ``X`` are time steps in order, columns are channels (sensors). For each row ``t`` and
    channel, the output holds the lagged values ``x[t-k]`` for every ``k`` in ``lags`` and, for every
    window length ``w`` in ``window``, statistics of the trailing window ``x[t-w+1 .. t]``: mean,
    standard deviation, min, max, last value and least-squares slope per step. Windows are causal
    (no future values) and partial at the start (the first rows use the rows available; a lag before
    the first row repeats the first value), so the output has one row per input row and can be
    concatenated with the raw table. We checked tsfresh and sktime: neither is installed here, and
    these six statistics are a few lines of pandas rolling windows.

    Because a row's features depend on the rows before it, transform rows in time order and whole
    series at a time (not shuffled, not subsampled).

    Parameters
    ----------
    window : int or tuple of int, default=10
        Trailing window length(s), in rows.
    lags : int or tuple of int, default=(1, 2, 3)
        Lags to add; an int ``k`` means ``(1, ..., k)``; 0 or ``()`` for none.
    stats : tuple of str, default=("mean", "std", "min", "max", "last", "slope")
        Window statistics to compute.
    cache : None, bool or path, default=None
        Store the output on disk, one entry per row keyed by a hash of (parameters, the row and the
        rows before it that its windows and lags reach): a row's features depend on its predecessors,
        so the key covers them, and a partial window at the start of a series keys differently from a
        full one. A folder, or True for ``platformdirs.user_cache_dir("fuselearn")``. Cached values
        can differ from recomputed ones in the last floating-point digit (pandas' rolling sums carry
        the series' earlier rows).

    Attributes
    ----------
    n_features_in_ : int
        Number of channels.
    feature_names_in_ : ndarray of str
        Channel names when ``X`` was a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(10.0).reshape(-1, 1)
    >>> wf = WindowFeatures(window=3, lags=1, stats=("mean", "slope")).fit(X)
    >>> wf.get_feature_names_out().tolist()
    ['x0_lag1', 'x0_mean_w3', 'x0_slope_w3']
    >>> wf.transform(X)[4].tolist()
    [3.0, 3.0, 1.0]
    """

    def __init__(self, *, window=10, lags=(1, 2, 3), stats=STATS, cache=None) -> None:
        self.window = window
        self.lags = lags
        self.stats = stats
        self.cache = cache

    def _check_params(self):
        windows = _as_int_tuple("window", self.window, 1)
        if len(windows) == 0:
            raise InvalidParameterError("The 'window' parameter of WindowFeatures must name at least one window.")
        lags = self.lags
        if isinstance(lags, numbers.Integral) and not isinstance(lags, bool):
            if lags < 0:
                raise InvalidParameterError(
                    f"The 'lags' parameter of WindowFeatures must be >= 0. Got {lags!r} instead."
                )
            lags = tuple(range(1, int(lags) + 1))
        lags = _as_int_tuple("lags", lags, 1)
        if isinstance(self.stats, str) or not isinstance(self.stats, (tuple, list)):
            raise InvalidParameterError(
                f"The 'stats' parameter of WindowFeatures must be a tuple of names among {list(STATS)}. "
                f"Got {self.stats!r} instead."
            )
        stats = []
        for s in self.stats:
            key = s.strip().lower() if isinstance(s, str) else s
            if key not in STATS:
                raise unknown_name_error("window statistic", s, STATS, "the 'stats' parameter of WindowFeatures")
            stats.append(key)
        if not lags and not stats:
            raise InvalidParameterError("WindowFeatures with no lags and no stats would output nothing.")
        return windows, lags, tuple(stats)

    def fit(self, X, y=None):
        """Validate the parameters and record the number of channels."""
        self._params_ = self._check_params()
        self.cache_ = resolve_cache(self.cache, "WindowFeatures")
        _validate(self, X, reset=True, dtype=[np.float64, np.float32])
        return self

    def transform(self, X) -> np.ndarray:
        """Features ``(n_samples, n_channels * (len(lags) + len(window) * len(stats)))``."""
        check_fitted(self, "_params_", "transform")
        X = _validate(self, X, reset=False, dtype=[np.float64, np.float32]).astype(np.float64)
        cache = getattr(self, "cache_", None)
        if cache is None:
            return self._features(X)
        windows, lags, _ = self._params_
        reach = max(max(windows) - 1, max(lags, default=0))  # rows before t that row t's output reads
        hashes = [content_hash(X[max(0, t - reach):t + 1]) for t in range(len(X))]

        def state() -> str:
            return state_key(type(self).__qualname__, cacheable_params(self), self.n_features_in_)

        # A row's window reaches back into the series: compute the whole series, keep the rows asked for.
        return cache.lookup_rows(state(), hashes, lambda idx: self._features(X)[idx])

    def _features(self, X: np.ndarray) -> np.ndarray:
        windows, lags, stats = self._params_
        frame = pd.DataFrame(X)
        n = len(X)
        blocks = []
        for k in lags:
            idx = np.clip(np.arange(n) - k, 0, None)
            blocks.append(X[idx])
        t = pd.Series(np.arange(n, dtype=np.float64))
        for w in windows:
            roll = frame.rolling(w, min_periods=1)
            for s in stats:
                if s == "mean":
                    v = roll.mean().to_numpy()
                elif s == "std":
                    v = roll.std(ddof=0).to_numpy()
                elif s == "min":
                    v = roll.min().to_numpy()
                elif s == "max":
                    v = roll.max().to_numpy()
                elif s == "last":
                    v = X
                else:  # slope = cov(t, x) / var(t) over the window; 0 for a one-row window
                    var_t = t.rolling(w, min_periods=1).var().to_numpy()[:, None]
                    cov = roll.cov(t).to_numpy()
                    with np.errstate(invalid="ignore", divide="ignore"):
                        v = np.where(var_t > 0, cov / var_t, 0.0)
                blocks.append(np.nan_to_num(np.asarray(v, dtype=np.float64)))
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features=None):
        """``<channel>_lag<k>`` then ``<channel>_<stat>_w<w>`` names, in output order."""
        check_fitted(self, "_params_", "get_feature_names_out")
        if input_features is None:
            input_features = getattr(self, "feature_names_in_", None)
        if input_features is None:
            input_features = [f"x{i}" for i in range(self.n_features_in_)]
        windows, lags, stats = self._params_
        names = [f"{c}_lag{k}" for k in lags for c in input_features]
        names += [f"{c}_{s}_w{w}" for w in windows for s in stats for c in input_features]
        return np.asarray(names, dtype=object)
