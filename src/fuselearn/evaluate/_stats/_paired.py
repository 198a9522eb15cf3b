"""Paired tests of two methods: McNemar on one test set, Wilcoxon signed-rank over folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..._registry import resolve_name
from ...exceptions import InvalidInputError, InvalidParameterError
from ._checks import _pair
from ._effects import _ZERO_METHODS, rank_biserial
from ._results import _ZERO_VARIANCE, McNemarResult, WilcoxonResult

__all__ = ["mcnemar", "wilcoxon"]


_EXACT = {"auto": "auto", "true": True, "false": False}


def mcnemar(y_true, pred_a, pred_b, *, exact="auto", correction: bool = True) -> McNemarResult:
    """McNemar's test: do two classifiers make errors on different samples at different rates?

    Only the discordant samples count: ``n01`` that A got right and B wrong, ``n10`` the reverse.
    Wraps :func:`statsmodels.stats.contingency_tables.mcnemar`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    pred_a, pred_b : array-like of shape (n_samples,)
        Predictions of classifiers A and B on the same samples (one test set).
    exact : {"auto", True, False}, default="auto"
        Exact binomial test, or the chi-square approximation. ``"auto"`` uses the exact test when
        ``n01 + n10 < 25``, where the chi-square approximation is poor.
    correction : bool, default=True
        Edwards' continuity correction of the chi-square statistic.

    Returns
    -------
    McNemarResult
        Classifiers that never disagree give ``statistic=0``, ``p_value=1`` and a ``note``.

    References
    ----------
    Q. McNemar (1947), Psychometrika 12; A. Agresti (2002), Categorical Data Analysis, 10.1.

    Examples
    --------
    >>> from fuselearn.evaluate.stats import mcnemar
    >>> y = [0, 1, 1, 0, 1, 0, 1, 1, 0, 1]
    >>> a = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0]
    >>> b = [1, 0, 1, 0, 0, 1, 1, 0, 0, 0]
    >>> r = mcnemar(y, a, b)
    >>> r.n01, r.n10, r.exact, round(r.p_value, 4)
    (5, 0, True, 0.0625)
    """
    from statsmodels.stats.contingency_tables import mcnemar as _sm_mcnemar

    where = "mcnemar"
    arrays = []
    for name, x in (("y_true", y_true), ("pred_a", pred_a), ("pred_b", pred_b)):
        arr = np.asarray(x)
        if arr.ndim != 1:
            raise InvalidInputError(
                f"{name} of {where} must be 1-D (one label per sample); got shape {arr.shape}. "
                "Pass predicted labels, not probabilities."
            )
        if pd.isna(arr).any():
            raise InvalidInputError(f"{name} of {where} contains missing values (NaN/None).")
        arrays.append(arr)
    y, a, b = arrays
    if not (y.size == a.size == b.size):
        raise InvalidInputError(
            f"y_true, pred_a and pred_b of {where} must have the same length; got {y.size}, "
            f"{a.size} and {b.size}. Predict both classifiers on the same test samples."
        )
    if y.size == 0:
        raise InvalidInputError(f"{where} needs at least one sample; got none.")
    if isinstance(exact, str):
        exact = resolve_name("exact", exact, _EXACT, where)
    elif not isinstance(exact, (bool, np.bool_)):
        raise InvalidParameterError(
            f"The 'exact' parameter of {where} must be 'auto', True or False; got {exact!r} instead."
        )
    ok_a, ok_b = a == y, b == y
    n00, n01 = int(np.sum(ok_a & ok_b)), int(np.sum(ok_a & ~ok_b))
    n10, n11 = int(np.sum(~ok_a & ok_b)), int(np.sum(~ok_a & ~ok_b))
    use_exact = bool(n01 + n10 < 25) if exact == "auto" else bool(exact)
    if n01 + n10 == 0:
        return McNemarResult(
            0.0,
            1.0,
            0,
            0,
            use_exact,
            bool(correction),
            note="the classifiers are right and wrong on the same samples; nothing to test",
        )
    res = _sm_mcnemar([[n00, n01], [n10, n11]], exact=use_exact, correction=bool(correction))
    return McNemarResult(
        float(res.statistic), float(min(res.pvalue, 1.0)), n01, n10, use_exact, bool(correction)
    )


def wilcoxon(scores_a, scores_b, *, zero_method: str = "wilcox") -> WilcoxonResult:
    """Wilcoxon signed-rank test for paired scores, with the rank-biserial effect size.

    Two-sided; wraps :func:`scipy.stats.wilcoxon` (exact distribution for small samples without
    ties). Use it across datasets (Demšar 2006): it does not assume normal differences. Across
    cross-validation folds of one dataset, the folds are not independent; prefer
    :func:`corrected_ttest` there.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n,)
        Paired scores of two methods (one per dataset, or per fold).
    zero_method : {"wilcox", "pratt", "zsplit"}, default="wilcox"
        Treatment of zero differences; ``"zsplit"`` is the one in Demšar (2006).

    Returns
    -------
    WilcoxonResult
        All-zero differences give ``statistic=0``, ``p_value=1`` and a ``note``. With fewer than
        6 pairs a two-sided p-value can never fall below 0.05, which the ``note`` says.

    Examples
    --------
    >>> from fuselearn.evaluate.stats import wilcoxon
    >>> a = [0.91, 0.85, 0.78, 0.88, 0.93, 0.81, 0.86, 0.90]
    >>> b = [0.89, 0.86, 0.74, 0.85, 0.90, 0.80, 0.82, 0.88]
    >>> r = wilcoxon(a, b)
    >>> r.statistic, round(r.p_value, 4), round(r.effect_size, 3)
    (1.5, 0.0234, 0.917)
    """
    where = "wilcoxon"
    zero_method = resolve_name("zero_method", zero_method, _ZERO_METHODS, where)
    a, b = _pair(scores_a, scores_b, where)
    d = a - b
    n = int(d.size)
    test = "Wilcoxon signed-rank test"
    if np.all(d == 0):
        return WilcoxonResult(0.0, 1.0, 0.0, n, zero_method, test, _ZERO_VARIANCE)
    res = _st.wilcoxon(a, b, zero_method=zero_method)
    note = ""
    if n < 6:
        note = f"with {n} pairs a two-sided p-value cannot fall below 0.05"
    effect = rank_biserial(d, zero_method=zero_method)
    return WilcoxonResult(
        float(res.statistic), float(res.pvalue), effect, n, zero_method, test, note
    )
