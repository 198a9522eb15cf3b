"""t-tests of cross-validated scores: the corrected resampled t-test (Nadeau & Bengio) and the 5x2cv t and F tests."""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

from ..._validation import check_int, check_real
from ...exceptions import InvalidInputError
from ._checks import _pair, _vector
from ._effects import _is_constant, _standardised_mean
from ._results import _ZERO_VARIANCE, FTestResult, TTestResult

__all__ = ["combined_ftest_5x2cv", "corrected_ttest", "corrected_ttest_1samp", "paired_ttest_5x2cv"]


def corrected_ttest_1samp(
    differences, *, n_train: int, n_test: int, confidence_level: float = 0.95
) -> TTestResult:
    """Nadeau & Bengio's corrected resampled t-test on a vector of per-fold differences.

    See :func:`corrected_ttest`, which calls this with ``scores_a - scores_b``.

    Parameters
    ----------
    differences : array-like of shape (n_folds,)
        Per-fold score differences, all folds of all repetitions.
    n_train, n_test : int
        Number of training and of test samples in one fold.
    confidence_level : float, default=0.95
        Level of the confidence interval of the mean difference.

    Returns
    -------
    TTestResult

    Examples
    --------
    >>> from fuselearn.evaluate.stats import corrected_ttest_1samp
    >>> r = corrected_ttest_1samp([0.02, 0.01, 0.03, 0.00, 0.02], n_train=80, n_test=20)
    >>> round(r.statistic, 3), round(r.p_value, 3), r.df
    (2.092, 0.105, 4.0)
    """
    where = "corrected_ttest"
    d = _vector(differences, "differences", where, min_len=2)
    return _corrected_ttest(d, np.abs(d).max(), n_train, n_test, confidence_level)


def _corrected_ttest(d, scale, n_train, n_test, confidence_level) -> TTestResult:
    where = "corrected_ttest"
    n_train = check_int(n_train, "n_train", where)
    n_test = check_int(n_test, "n_test", where)
    level = check_real(confidence_level, "confidence_level", where, low=0.0, high=1.0, closed="neither")
    j = d.size
    df = float(j - 1)
    mean = float(d.mean())
    var = float(d.var(ddof=1))
    effect = _standardised_mean(d, scale)
    test = "corrected resampled t-test"
    if _is_constant(d, scale):
        return TTestResult(0.0, 1.0, df, mean, (mean, mean), effect, level, test, _ZERO_VARIANCE)
    # Nadeau & Bengio (2003), "Inference for the generalization error", Machine Learning 52,
    # eq. (11): the J folds overlap in their training sets, so the naive variance sigma^2 / J is
    # replaced by (1/J + n_test/n_train) * sigma^2; t = mean / sqrt(that), compared with t(J - 1)
    # (Bouckaert & Frank 2004 use the same for r-times repeated k-fold CV, J = r * k).
    se = np.sqrt((1.0 / j + n_test / n_train) * var)
    t = mean / se
    p = float(2.0 * _st.t.sf(abs(t), df))
    half = float(_st.t.ppf(0.5 + level / 2.0, df) * se)
    return TTestResult(float(t), p, df, mean, (mean - half, mean + half), effect, level, test)


def corrected_ttest(
    scores_a, scores_b, *, n_train: int, n_test: int, confidence_level: float = 0.95
) -> TTestResult:
    """Corrected resampled t-test for paired per-fold scores (Nadeau & Bengio 2003).

    The plain paired t-test on cross-validation folds is far too liberal: the folds share most of
    their training data, so their scores are correlated and the variance of the mean is
    underestimated. Nadeau & Bengio inflate the variance from ``sigma^2 / J`` to
    ``(1/J + n_test/n_train) * sigma^2``, where ``J`` is the number of folds (all repetitions
    together). Two-sided, with ``J - 1`` degrees of freedom.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n_folds,)
        Scores of two pipelines on the same folds, in the same order (k-fold or r x k-fold).
    n_train, n_test : int
        Number of training and of test samples in one fold (e.g. 900 and 100 for 10-fold CV on
        1000 rows).
    confidence_level : float, default=0.95
        Level of the confidence interval of the mean difference.

    Returns
    -------
    TTestResult
        ``statistic`` (t), ``p_value``, ``df``, ``mean_difference`` (A - B), ``ci``,
        ``effect_size`` (Cohen's d of the differences). Zero-variance differences give
        ``statistic=0``, ``p_value=1`` and a ``note``.

    Raises
    ------
    InvalidInputError
        Different lengths, fewer than 2 folds, NaN or infinite scores, not 1-D.

    See Also
    --------
    corrected_ttest_1samp : the same test on a vector of differences.
    paired_ttest_5x2cv, combined_ftest_5x2cv : tests for 5 x 2-fold cross-validation.
    compare_pipelines : this test for every pair of pipelines of a run.

    References
    ----------
    C. Nadeau and Y. Bengio (2003), Inference for the generalization error, Machine Learning 52.
    R. Bouckaert and E. Frank (2004), Evaluating the replicability of significance tests for
    comparing learning algorithms, PAKDD.

    Examples
    --------
    >>> from fuselearn.evaluate.stats import corrected_ttest
    >>> a = [0.82, 0.85, 0.81, 0.86, 0.84, 0.83, 0.85, 0.82, 0.84, 0.86]
    >>> b = [0.80, 0.83, 0.81, 0.83, 0.82, 0.82, 0.82, 0.80, 0.83, 0.84]
    >>> r = corrected_ttest(a, b, n_train=900, n_test=100)
    >>> round(r.statistic, 3), round(r.p_value, 4)
    (4.263, 0.0021)
    >>> print(r.summary())  # doctest: +ELLIPSIS
    corrected resampled t-test: t(9) = 4.263, p = 0.002, mean difference 0.018 [95% CI ...
    """
    a, b = _pair(scores_a, scores_b, "corrected_ttest")
    scale = max(np.abs(a).max(), np.abs(b).max())
    return _corrected_ttest(a - b, scale, n_train, n_test, confidence_level)


def _check_5x2(diffs, where: str) -> np.ndarray:
    try:
        p = np.asarray(diffs, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(f"diffs of {where} must be a numeric (5, 2) array.") from None
    if p.shape != (5, 2):
        raise InvalidInputError(
            f"diffs of {where} must have shape (5, 2): 5 replications of 2-fold cross-validation, "
            f"each entry score_a - score_b on one fold; got shape {p.shape}. Run 5 x 2-fold CV "
            "(e.g. RepeatedStratifiedKFold(n_splits=2, n_repeats=5)) and reshape to (5, 2)."
        )
    if not np.all(np.isfinite(p)):
        raise InvalidInputError(f"diffs of {where} contain NaN or infinite values.")
    return p


def _5x2_variances(p: np.ndarray) -> np.ndarray:
    # s_i^2 = (p_i1 - pbar_i)^2 + (p_i2 - pbar_i)^2 for replication i (Dietterich 1998, eq. 9)
    return ((p - p.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)


def _5x2_degenerate(p: np.ndarray) -> bool:
    # Both folds of every replication gave the same difference (up to rounding): s_i^2 = 0.
    scale = np.abs(p).max()
    return all(_is_constant(row, scale) for row in p)


def paired_ttest_5x2cv(diffs) -> TTestResult:
    """Dietterich's 5x2cv paired t-test.

    ``t = p_1^(1) / sqrt(sum_i s_i^2 / 5)`` with ``s_i^2`` the variance estimate of replication
    ``i``, compared with Student's t with 5 degrees of freedom (two-sided).

    Parameters
    ----------
    diffs : array-like of shape (5, 2)
        ``diffs[i, j]``: score of A minus score of B on fold ``j`` of replication ``i`` of
        2-fold cross-validation.

    Returns
    -------
    TTestResult
        ``mean_difference`` is the mean of all 10 differences; no ``ci`` or ``effect_size``.

    References
    ----------
    T. G. Dietterich (1998), Approximate statistical tests for comparing supervised classification
    learning algorithms, Neural Computation 10(7).

    Examples
    --------
    >>> from fuselearn.evaluate.stats import paired_ttest_5x2cv
    >>> d = [[0.04, 0.02], [0.01, 0.03], [0.02, 0.02], [0.03, 0.00], [0.01, 0.02]]
    >>> r = paired_ttest_5x2cv(d)
    >>> round(r.statistic, 3), round(r.p_value, 3)
    (2.981, 0.031)
    """
    p = _check_5x2(diffs, "paired_ttest_5x2cv")
    s2 = _5x2_variances(p)
    mean = float(p.mean())
    test = "5x2cv paired t-test"
    if _5x2_degenerate(p):
        return TTestResult(0.0, 1.0, 5.0, mean, test=test, note=_ZERO_VARIANCE)
    t = float(p[0, 0] / np.sqrt(s2.mean()))
    return TTestResult(t, float(2.0 * _st.t.sf(abs(t), 5)), 5.0, mean, test=test)


def combined_ftest_5x2cv(diffs) -> FTestResult:
    """Alpaydin's combined 5x2cv F test.

    ``F = sum_ij (p_i^(j))^2 / (2 sum_i s_i^2)``, compared with F(10, 5). It uses all ten
    differences, not only the first, so it is more stable and more powerful than
    :func:`paired_ttest_5x2cv`.

    Parameters
    ----------
    diffs : array-like of shape (5, 2)
        As in :func:`paired_ttest_5x2cv`.

    Returns
    -------
    FTestResult

    References
    ----------
    E. Alpaydin (1999), Combined 5 x 2 cv F test for comparing supervised classification learning
    algorithms, Neural Computation 11(8).

    Examples
    --------
    >>> from fuselearn.evaluate.stats import combined_ftest_5x2cv
    >>> d = [[0.04, 0.02], [0.01, 0.03], [0.02, 0.02], [0.03, 0.00], [0.01, 0.02]]
    >>> r = combined_ftest_5x2cv(d)
    >>> round(r.statistic, 3), round(r.p_value, 3)
    (2.889, 0.127)
    """
    p = _check_5x2(diffs, "combined_ftest_5x2cv")
    s2 = _5x2_variances(p)
    test = "5x2cv combined F test"
    if _5x2_degenerate(p):
        return FTestResult(0.0, 1.0, 10.0, 5.0, test=test, note=_ZERO_VARIANCE)
    f = float((p**2).sum() / (2.0 * s2.sum()))
    return FTestResult(f, float(_st.f.sf(f, 10, 5)), 10.0, 5.0, test=test)
