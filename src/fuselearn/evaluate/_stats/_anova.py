"""ANOVA: one-way and repeated measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

from ...exceptions import InvalidInputError
from ._checks import _as_blocks, _vector
from ._effects import _ratio
from ._results import FTestResult

__all__ = ["anova_oneway", "anova_rm"]


def anova_oneway(*groups) -> FTestResult:
    """One-way ANOVA of independent groups, with eta squared; wraps :func:`scipy.stats.f_oneway`.

    Parameters
    ----------
    *groups : array-like of shape (n_i,)
        Two or more groups of scores (independent samples, e.g. different datasets).

    Returns
    -------
    FTestResult
        ``effect_size`` is eta squared, ``SS_between / SS_total``. Zero variance within every
        group gives ``statistic=0``, ``p_value=1`` and a ``note``.

    Examples
    --------
    >>> from fuselearn.evaluate.stats import anova_oneway
    >>> r = anova_oneway([0.80, 0.82, 0.81], [0.84, 0.86, 0.85], [0.80, 0.81, 0.79])
    >>> round(r.statistic, 3), r.df_num, r.df_den
    (21.0, 2.0, 6.0)
    """
    where = "anova_oneway"
    if len(groups) < 2:
        raise InvalidInputError(
            f"{where} needs at least 2 groups; got {len(groups)}. Pass each group as a separate "
            "argument: anova_oneway(a, b, c)."
        )
    arrays = [_vector(g, f"group {i}", where) for i, g in enumerate(groups)]
    n, k = sum(g.size for g in arrays), len(arrays)
    if n <= k:
        raise InvalidInputError(
            f"{where} needs more values than groups to estimate the within-group variance; got "
            f"{n} values in {k} groups."
        )
    grand = np.concatenate(arrays).mean()
    ss_between = sum(g.size * (g.mean() - grand) ** 2 for g in arrays)
    ss_within = sum(((g - g.mean()) ** 2).sum() for g in arrays)
    eta2 = _ratio(ss_between, ss_between + ss_within)
    test = "one-way ANOVA"
    if ss_within == 0:
        return FTestResult(
            0.0,
            1.0,
            float(k - 1),
            float(n - k),
            eta2,
            "eta^2",
            test,
            "zero variance within every group, so F is undefined; reported conservatively as "
            "statistic=0, p=1",
        )
    res = _st.f_oneway(*arrays)
    return FTestResult(
        float(res.statistic), float(res.pvalue), float(k - 1), float(n - k), eta2, "eta^2", test
    )


def anova_rm(
    scores, *, block: str = "dataset", method: str = "pipeline", value: str = "score"
) -> FTestResult:
    """Repeated-measures ANOVA: every method measured on every block (dataset or fold).

    Wraps :class:`statsmodels.stats.anova.AnovaRM` with one within-subject factor, the method.
    Assumes normal residuals and sphericity; :func:`friedman` is the non-parametric alternative
    that Demšar (2006) recommends for comparing classifiers over datasets.

    Parameters
    ----------
    scores : array-like of shape (n_blocks, n_methods) or DataFrame
        A matrix (rows: blocks, columns: methods), a wide DataFrame of that shape, or a long
        DataFrame with the columns ``block``, ``method`` and ``value`` and one row per cell.
    block, method, value : str
        Column names of a long DataFrame.

    Returns
    -------
    FTestResult
        ``effect_size`` is partial eta squared, ``SS_method / (SS_method + SS_error)``. Zero
        residual variance gives ``statistic=0``, ``p_value=1`` and a ``note``.

    Examples
    --------
    >>> from fuselearn.evaluate.stats import anova_rm
    >>> scores = [[0.80, 0.84, 0.81], [0.70, 0.75, 0.70], [0.90, 0.92, 0.89], [0.60, 0.66, 0.62]]
    >>> r = anova_rm(scores)
    >>> round(r.statistic, 2), r.df_num, r.df_den
    (23.55, 2.0, 6.0)
    """
    from statsmodels.stats.anova import AnovaRM

    matrix, _, _ = _as_blocks(scores, "anova_rm", block=block, method=method, value=value)
    n, k = matrix.shape
    grand = matrix.mean()
    ss_method = n * ((matrix.mean(axis=0) - grand) ** 2).sum()
    resid = matrix - matrix.mean(axis=1, keepdims=True) - matrix.mean(axis=0) + grand
    ss_error = (resid**2).sum()
    df_num, df_den = float(k - 1), float((k - 1) * (n - 1))
    partial = _ratio(ss_method, ss_method + ss_error)
    test = "repeated-measures ANOVA"
    # A relative threshold: float noise in the residuals of an exactly additive table is ~1e-30.
    if ss_error <= 1e-12 * max(ss_method, np.finfo(float).tiny) or ss_error == 0:
        return FTestResult(
            0.0,
            1.0,
            df_num,
            df_den,
            partial,
            "partial eta^2",
            test,
            "zero residual variance, so F is undefined; reported conservatively as statistic=0, p=1",
        )
    long = pd.DataFrame(
        {
            "block": np.repeat(np.arange(n), k),
            "method": np.tile(np.arange(k), n),
            "value": matrix.ravel(),
        }
    )
    table = AnovaRM(long, depvar="value", subject="block", within=["method"]).fit().anova_table
    row = table.loc["method"]
    return FTestResult(
        float(row["F Value"]),
        float(row["Pr > F"]),
        float(row["Num DF"]),
        float(row["Den DF"]),
        partial,
        "partial eta^2",
        test,
    )
