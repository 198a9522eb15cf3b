"""Bootstrap confidence intervals (percentile, basic, BCa) through scipy.stats.bootstrap."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..._registry import resolve_name
from ..._validation import check_int, check_real
from ...exceptions import InvalidInputError, InvalidParameterError
from ._checks import _vector
from ._results import BootstrapResult

__all__ = ["bootstrap_ci"]


_BOOT_METHODS = {"percentile": "percentile", "basic": "basic", "bca": "BCa"}


def bootstrap_ci(
    data,
    y_pred=None,
    *,
    metric: Callable | None = None,
    statistic: Callable | None = None,
    confidence_level: float = 0.95,
    method: str = "bca",
    n_resamples: int = 9999,
    random_state=0,
) -> BootstrapResult:
    """Bootstrap confidence interval of a statistic of scores, or of a metric of predictions.

    Wraps :func:`scipy.stats.bootstrap`. Two forms:

    - ``bootstrap_ci(scores)``: the interval of ``statistic(scores)`` (the mean by default);
    - ``bootstrap_ci(y_true, y_pred, metric=f1_score)``: the interval of ``metric(y_true, y_pred)``,
      resampling samples (rows) with their labels and predictions together.

    Parameters
    ----------
    data : array-like of shape (n,)
        Scores, or the true labels when ``y_pred`` is given.
    y_pred : array-like of shape (n,) or (n, ...), optional
        Predictions (labels, scores or probabilities) of the same samples.
    metric : callable, optional
        ``metric(y_true, y_pred) -> float``; required with ``y_pred``. Called once per resample
        (and ``n`` more times for BCa), so a slow metric makes this slow.
    statistic : callable, optional
        ``statistic(scores) -> float`` for the first form; default :func:`numpy.mean`.
    confidence_level : float, default=0.95
        Level of the interval.
    method : {"bca", "percentile", "basic"}, default="bca"
        Bias-corrected and accelerated (BCa), percentile or basic bootstrap.
    n_resamples : int, default=9999
        Number of resamples.
    random_state : int, numpy.random.Generator or None, default=0
        Seed of the resampling; the default makes the interval reproducible.

    Returns
    -------
    BootstrapResult
        Constant data give the degenerate interval ``(estimate, estimate)`` and a ``note``.

    Examples
    --------
    >>> from fuselearn.evaluate.stats import bootstrap_ci
    >>> r = bootstrap_ci([0.81, 0.84, 0.79, 0.86, 0.83, 0.80, 0.85, 0.82], method="percentile")
    >>> round(r.estimate, 4), r.ci[0] < r.estimate < r.ci[1]
    (0.825, True)
    """
    where = "bootstrap_ci"
    level = check_real(confidence_level, "confidence_level", where, low=0.0, high=1.0, closed="neither")
    n_resamples = check_int(n_resamples, "n_resamples", where)
    boot_method = resolve_name("method", method, _BOOT_METHODS, where)
    rng = np.random.default_rng(random_state)
    if y_pred is None:
        if metric is not None:
            raise InvalidParameterError(
                f"The 'metric' parameter of {where} needs y_pred: call "
                "bootstrap_ci(y_true, y_pred, metric=...)."
            )
        x = _vector(data, "scores", where, min_len=2)
        stat = np.mean if statistic is None else statistic
        if not callable(stat):
            raise InvalidParameterError(
                f"The 'statistic' parameter of {where} must be callable; got {stat!r} instead."
            )
        estimate = float(stat(x))
        if np.all(x == x[0]):
            return _degenerate_boot(estimate, level, boot_method, n_resamples)
        res = _run_bootstrap((x,), stat, level, boot_method, n_resamples, rng, vectorized=None)
    else:
        if not callable(metric):
            raise InvalidParameterError(
                f"The 'metric' parameter of {where} must be a callable metric(y_true, y_pred) "
                f"when y_pred is given; got {metric!r} instead."
            )
        if statistic is not None:
            raise InvalidParameterError(
                f"{where} takes either statistic (for scores) or metric (for y_true, y_pred), "
                "not both."
            )
        y_true, y_hat = np.asarray(data), np.asarray(y_pred)
        if y_true.ndim != 1 or y_hat.ndim < 1 or y_hat.shape[0] != y_true.shape[0]:
            raise InvalidInputError(
                f"y_true and y_pred of {where} must have the same number of samples (rows); got "
                f"shapes {y_true.shape} and {y_hat.shape}."
            )
        if y_true.size < 2:
            raise InvalidInputError(f"{where} needs at least 2 samples; got {y_true.size}.")
        if pd.isna(y_true).any() or pd.isna(y_hat).any():
            raise InvalidInputError(f"y_true or y_pred of {where} contain missing values.")
        estimate = float(metric(y_true, y_hat))

        def stat(idx):
            return metric(y_true[idx], y_hat[idx])

        res = _run_bootstrap(
            (np.arange(y_true.size),), stat, level, boot_method, n_resamples, rng, vectorized=False
        )
    low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    se = float(res.standard_error)
    if not (np.isfinite(low) and np.isfinite(high)):
        return _degenerate_boot(estimate, level, boot_method, n_resamples, se)
    return BootstrapResult(estimate, (low, high), level, boot_method, n_resamples, se)


def _run_bootstrap(data, stat, level, method, n_resamples, rng, *, vectorized):
    with warnings.catch_warnings():
        # Degenerate bootstrap distributions (all resamples equal) give NaN bounds, handled above.
        warnings.simplefilter("ignore", _st.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return _st.bootstrap(
            data,
            stat,
            n_resamples=n_resamples,
            confidence_level=level,
            method=method,
            vectorized=vectorized,
            rng=rng,
        )


def _degenerate_boot(estimate, level, method, n_resamples, se=0.0) -> BootstrapResult:
    return BootstrapResult(
        estimate,
        (estimate, estimate),
        level,
        method,
        n_resamples,
        float(np.nan_to_num(se)),
        note="the bootstrap distribution is degenerate (constant data); the interval is a point",
    )
