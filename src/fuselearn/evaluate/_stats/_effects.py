"""Effect sizes: Cohen's d, the rank-biserial correlation and Kendall's W."""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

from ..._registry import resolve_name
from ._checks import _as_blocks, _pair, _ranks, _vector

__all__ = ["cohens_d", "kendalls_w", "rank_biserial"]


def _is_constant(x: np.ndarray, scale: float) -> bool:
    """Whether ``x`` is constant up to the rounding error of values of magnitude ``scale``.

    Differences of float scores that are "equal" (0.9 - 0.8 and 0.8 - 0.7) differ in the last bits;
    a t statistic of 1e15 from that noise would be a false discovery.
    """
    return bool(np.ptp(x) <= 16 * np.finfo(float).eps * max(float(scale), np.finfo(float).tiny))


def _standardised_mean(d: np.ndarray, scale: float) -> float:
    """``mean(d) / sd(d)``, exactly 0 or ±inf when ``d`` is constant up to rounding."""
    if _is_constant(d, scale):
        return (
            0.0 if _is_constant(np.append(d, 0.0), scale) else float(np.copysign(np.inf, d.mean()))
        )
    return float(d.mean() / d.std(ddof=1))


def _ratio(num: float, den: float) -> float:
    if den > 0:
        return float(num / den)
    return 0.0 if num == 0 else float(np.copysign(np.inf, num))


def cohens_d(scores_a, scores_b=None, *, paired: bool = True) -> float:
    """Cohen's d: a difference in units of standard deviation.

    Parameters
    ----------
    scores_a : array-like of shape (n,)
        Scores of method A, or the differences A - B when ``scores_b`` is None.
    scores_b : array-like of shape (n,) or (m,), optional
        Scores of method B.
    paired : bool, default=True
        Paired: ``mean(a - b) / sd(a - b)`` (often written d_z). Independent:
        ``(mean(a) - mean(b)) / pooled sd`` with the pooled sd of Cohen (1988).

    Returns
    -------
    float
        ``0.0`` when both the difference and the spread are zero, ``±inf`` when only the spread is.

    Examples
    --------
    >>> from fuselearn.evaluate.stats import cohens_d
    >>> round(cohens_d([0.81, 0.83, 0.80, 0.84], [0.80, 0.80, 0.79, 0.81]), 3)
    1.732
    """
    where = "cohens_d"
    if scores_b is None:
        d = _vector(scores_a, "scores_a", where, min_len=2)
        return _standardised_mean(d, np.abs(d).max())
    if paired:
        a, b = _pair(scores_a, scores_b, where)
        return _standardised_mean(a - b, max(np.abs(a).max(), np.abs(b).max()))
    a = _vector(scores_a, "scores_a", where, min_len=2)
    b = _vector(scores_b, "scores_b", where, min_len=2)
    na, nb = a.size, b.size
    pooled = np.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    return _ratio(a.mean() - b.mean(), pooled)


def _signed_rank_sums(d: np.ndarray, zero_method: str) -> tuple[float, float]:
    if zero_method == "wilcox":
        d = d[d != 0]
    ranks = _st.rankdata(np.abs(d))
    r_plus = ranks[d > 0].sum()
    r_minus = ranks[d < 0].sum()
    if zero_method == "zsplit":
        half = ranks[d == 0].sum() / 2
        r_plus, r_minus = r_plus + half, r_minus + half
    return float(r_plus), float(r_minus)


_ZERO_METHODS = {"wilcox": "wilcox", "pratt": "pratt", "zsplit": "zsplit"}


def rank_biserial(scores_a, scores_b=None, *, zero_method: str = "wilcox") -> float:
    """Matched-pairs rank-biserial correlation, the effect size of the Wilcoxon test.

    ``r = (R+ - R-) / (R+ + R-)``, where ``R+`` and ``R-`` are the sums of the ranks of the positive
    and negative differences (Kerby 2014). It lies in [-1, 1]; positive means A scored higher.

    Parameters
    ----------
    scores_a : array-like of shape (n,)
        Scores of method A, or the differences A - B when ``scores_b`` is None.
    scores_b : array-like of shape (n,), optional
        Scores of method B.
    zero_method : {"wilcox", "pratt", "zsplit"}, default="wilcox"
        As in :func:`scipy.stats.wilcoxon`: drop zero differences, rank them but drop their
        ranks, or split their ranks between ``R+`` and ``R-``.

    Returns
    -------
    float
        ``0.0`` when every difference is zero.

    Examples
    --------
    >>> from fuselearn.evaluate.stats import rank_biserial
    >>> rank_biserial([0.9, 0.8, 0.7, 0.6], [0.8, 0.7, 0.6, 0.7])
    0.6
    """
    zero_method = resolve_name("zero_method", zero_method, _ZERO_METHODS, "rank_biserial")
    if scores_b is None:
        d = _vector(scores_a, "scores_a", "rank_biserial")
    else:
        a, b = _pair(scores_a, scores_b, "rank_biserial", min_len=1)
        d = a - b
    r_plus, r_minus = _signed_rank_sums(d, zero_method)
    return _ratio(r_plus - r_minus, r_plus + r_minus)


def _friedman_chi2(ranks: np.ndarray, tie_correction: bool) -> float:
    n, k = ranks.shape
    r = ranks.mean(axis=0)
    # Demšar (2006), eq. in section 3.2.2: chi2_F = 12N / (k(k+1)) * (sum R_j^2 - k(k+1)^2 / 4)
    chi2 = 12.0 * n / (k * (k + 1)) * (np.sum(r**2) - k * (k + 1) ** 2 / 4.0)
    if tie_correction:
        ties = sum(
            np.sum(c**3 - c) for c in (np.unique(row, return_counts=True)[1] for row in ranks)
        )
        c = 1.0 - ties / (n * k * (k * k - 1))
        chi2 = chi2 / c if c > 0 else 0.0
    return float(max(chi2, 0.0))


def kendalls_w(
    scores,
    *,
    tie_correction: bool = True,
    block: str = "dataset",
    method: str = "pipeline",
    value: str = "score",
) -> float:
    """Kendall's coefficient of concordance W, the effect size of the Friedman test.

    ``W = chi2_F / (N (k - 1))``: 0 when the blocks rank the methods at random, 1 when every block
    ranks them the same way. With ``tie_correction`` this is Kendall's W corrected for ties.

    Parameters
    ----------
    scores : array-like of shape (n_blocks, n_methods) or DataFrame
        See :func:`friedman`.
    tie_correction : bool, default=True
        Correct for tied ranks.
    block, method, value : str
        Column names of a long DataFrame (see :func:`friedman`).

    Returns
    -------
    float

    Examples
    --------
    >>> from fuselearn.evaluate.stats import kendalls_w
    >>> kendalls_w([[1, 2, 3], [1, 2, 3], [1, 2, 3]])
    1.0
    """
    matrix, _, _ = _as_blocks(scores, "kendalls_w", block=block, method=method, value=value)
    ranks = _ranks(matrix, True)
    n, k = ranks.shape
    return _friedman_chi2(ranks, tie_correction) / (n * (k - 1))
