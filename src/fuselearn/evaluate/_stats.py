"""Statistical tests that say whether one pipeline beat another, and by how much.

Implementation of :mod:`fuselearn.evaluate.stats`; import from there.

Degenerate inputs
-----------------
A test whose variance estimate is zero (every fold gave the same difference, every method tied on
every block) has no defined statistic. Rather than NaN, such a test reports ``statistic=0.0`` and
``p_value=1.0`` -- "this test found no evidence" -- and says why in the result's ``note``. Effect sizes
stay honest: a constant non-zero difference has an infinite standardised effect.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st

from .._registry import resolve_name
from ..exceptions import InvalidInputError, InvalidParameterError

__all__ = [
    "BootstrapResult",
    "FTestResult",
    "FriedmanResult",
    "McNemarResult",
    "TTestResult",
    "WilcoxonResult",
    "anova_oneway",
    "anova_rm",
    "bootstrap_ci",
    "cohens_d",
    "combined_ftest_5x2cv",
    "compare_pipelines",
    "corrected_ttest",
    "corrected_ttest_1samp",
    "critical_difference",
    "friedman",
    "holm",
    "kendalls_w",
    "mcnemar",
    "nemenyi",
    "paired_ttest_5x2cv",
    "rank_biserial",
    "rank_table",
    "wilcoxon",
]

_ZERO_VARIANCE = (
    "the differences have zero variance, so the statistic is undefined; reported conservatively "
    "as statistic=0, p=1"
)


# --------------------------------------------------------------------------- results


def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 1e-3 else f"p = {p:.3f}"


def _fmt_df(df: float) -> str:
    return f"{df:g}" if float(df).is_integer() else f"{df:.2f}"


def _note(note: str) -> str:
    return f" ({note})" if note else ""


@dataclass(frozen=True)
class TTestResult:
    """Result of a t-test on paired score differences.

    Attributes
    ----------
    statistic : float
        The t statistic (``0.0`` when the differences have zero variance, see ``note``).
    p_value : float
        Two-sided p-value.
    df : float
        Degrees of freedom of the reference t distribution.
    mean_difference : float
        Mean of ``scores_a - scores_b`` (of all 10 differences for the 5x2cv test).
    ci : tuple of float or None
        Confidence interval of the mean difference, with the same variance as the test.
    effect_size : float or None
        Cohen's d of the differences (mean / standard deviation).
    confidence_level : float
        Level of ``ci``.
    test : str
        Name of the test.
    note : str
        Why the result is degenerate, or empty.
    """

    statistic: float
    p_value: float
    df: float
    mean_difference: float
    ci: tuple[float, float] | None = None
    effect_size: float | None = None
    confidence_level: float = 0.95
    test: str = "t-test"
    note: str = ""

    def summary(self) -> str:
        """One line of text, e.g. ``corrected resampled t-test: t(9) = 2.310, p = 0.046, ...``."""
        text = (
            f"{self.test}: t({_fmt_df(self.df)}) = {self.statistic:.3f}, {_fmt_p(self.p_value)}, "
            f"mean difference {self.mean_difference:.4g}"
        )
        if self.ci is not None:
            text += f" [{self.confidence_level:.0%} CI {self.ci[0]:.4g}, {self.ci[1]:.4g}]"
        if self.effect_size is not None:
            text += f", d = {self.effect_size:.2f}"
        return text + _note(self.note)


@dataclass(frozen=True)
class FTestResult:
    """Result of an F test (5x2cv combined F, one-way or repeated-measures ANOVA).

    Attributes
    ----------
    statistic : float
        The F statistic.
    p_value : float
        Upper-tail p-value.
    df_num, df_den : float
        Degrees of freedom of the numerator and the denominator.
    effect_size : float or None
        Eta squared (one-way ANOVA) or partial eta squared (repeated measures); None for 5x2cv.
    effect_size_name : str
        Which effect size ``effect_size`` is.
    test : str
        Name of the test.
    note : str
        Why the result is degenerate, or empty.
    """

    statistic: float
    p_value: float
    df_num: float
    df_den: float
    effect_size: float | None = None
    effect_size_name: str = ""
    test: str = "F test"
    note: str = ""

    def summary(self) -> str:
        """One line of text, e.g. ``one-way ANOVA: F(4, 34) = 7.121, p < 0.001, eta^2 = 0.46``."""
        text = (
            f"{self.test}: F({_fmt_df(self.df_num)}, {_fmt_df(self.df_den)}) = "
            f"{self.statistic:.3f}, {_fmt_p(self.p_value)}"
        )
        if self.effect_size is not None:
            text += f", {self.effect_size_name} = {self.effect_size:.3f}"
        return text + _note(self.note)


@dataclass(frozen=True)
class McNemarResult:
    """Result of McNemar's test on two classifiers' predictions of the same samples.

    Attributes
    ----------
    statistic : float
        Chi-square statistic, or for the exact test the smaller discordant count.
    p_value : float
        Two-sided p-value.
    n01 : int
        Samples that classifier A got right and B got wrong.
    n10 : int
        Samples that classifier A got wrong and B got right.
    exact : bool
        Whether the exact binomial test was used.
    correction : bool
        Whether the chi-square statistic used the continuity correction.
    test : str
        Name of the test.
    note : str
        Why the result is degenerate, or empty.
    """

    statistic: float
    p_value: float
    n01: int
    n10: int
    exact: bool
    correction: bool
    test: str = "McNemar test"
    note: str = ""

    def summary(self) -> str:
        """One line of text, e.g. ``McNemar test (chi2): statistic = 17.356, p < 0.001, ...``."""
        kind = "exact binomial" if self.exact else "chi2"
        return (
            f"{self.test} ({kind}): statistic = {self.statistic:.3f}, {_fmt_p(self.p_value)}; "
            f"A right/B wrong = {self.n01}, A wrong/B right = {self.n10}" + _note(self.note)
        )


@dataclass(frozen=True)
class WilcoxonResult:
    """Result of the Wilcoxon signed-rank test.

    Attributes
    ----------
    statistic : float
        scipy's statistic: the smaller of the signed-rank sums ``R+`` and ``R-``.
    p_value : float
        Two-sided p-value.
    effect_size : float
        Matched-pairs rank-biserial correlation ``(R+ - R-) / (R+ + R-)`` in [-1, 1].
    n : int
        Number of pairs.
    zero_method : str
        How zero differences were treated (see :func:`scipy.stats.wilcoxon`).
    test : str
        Name of the test.
    note : str
        Why the result is degenerate, or a caveat, or empty.
    """

    statistic: float
    p_value: float
    effect_size: float
    n: int
    zero_method: str = "wilcox"
    test: str = "Wilcoxon signed-rank test"
    note: str = ""

    def summary(self) -> str:
        """One line of text, e.g. ``Wilcoxon signed-rank test: W = 12.0, p = 0.012, r = 0.77``."""
        return (
            f"{self.test}: W = {self.statistic:.1f}, {_fmt_p(self.p_value)}, n = {self.n}, "
            f"rank-biserial r = {self.effect_size:.2f}" + _note(self.note)
        )


@dataclass(frozen=True, eq=False)
class FriedmanResult:
    """Result of the Friedman test, with the Iman-Davenport correction and Kendall's W.

    Attributes
    ----------
    statistic : float
        Friedman's chi-square statistic.
    p_value : float
        Its p-value from the chi-square distribution with ``df`` degrees of freedom.
    df : int
        ``n_methods - 1``.
    average_ranks : pandas.Series
        Average rank of each method over the blocks; rank 1 is the best.
    iman_davenport : float
        Iman & Davenport's F statistic ``(N-1) chi2 / (N(k-1) - chi2)``.
    iman_davenport_p_value : float
        Its p-value from F(``df_num``, ``df_den``); less conservative than ``p_value``.
    df_num, df_den : int
        ``k - 1`` and ``(k - 1)(N - 1)``.
    kendalls_w : float
        Kendall's coefficient of concordance ``chi2 / (N(k-1))`` in [0, 1].
    n_blocks, n_methods : int
        ``N`` and ``k``.
    tie_correction : bool
        Whether ``statistic`` was corrected for ties (scipy does; Demšar 2006 does not).
    test : str
        Name of the test.
    note : str
        Why the result is degenerate, or empty.
    """

    statistic: float
    p_value: float
    df: int
    average_ranks: pd.Series
    iman_davenport: float
    iman_davenport_p_value: float
    df_num: int
    df_den: int
    kendalls_w: float
    n_blocks: int
    n_methods: int
    tie_correction: bool = True
    test: str = "Friedman test"
    note: str = ""

    def summary(self) -> str:
        """One line of text, e.g. ``Friedman test: chi2(3) = 9.28, p = 0.026; Iman-Davenport ...``."""
        return (
            f"{self.test}: chi2({self.df}) = {self.statistic:.3f}, {_fmt_p(self.p_value)}; "
            f"Iman-Davenport F({self.df_num}, {self.df_den}) = {self.iman_davenport:.3f}, "
            f"{_fmt_p(self.iman_davenport_p_value)}; Kendall's W = {self.kendalls_w:.3f}; "
            f"N = {self.n_blocks}, k = {self.n_methods}" + _note(self.note)
        )


@dataclass(frozen=True)
class BootstrapResult:
    """A bootstrap confidence interval.

    Attributes
    ----------
    estimate : float
        The statistic (or metric) on the original data.
    ci : tuple of float
        Lower and upper bound.
    confidence_level : float
        Level of ``ci``.
    method : str
        ``"percentile"``, ``"basic"`` or ``"BCa"``.
    n_resamples : int
        Number of bootstrap resamples.
    standard_error : float
        Standard deviation of the bootstrap distribution.
    note : str
        Why the interval is degenerate, or empty.
    """

    estimate: float
    ci: tuple[float, float]
    confidence_level: float
    method: str
    n_resamples: int
    standard_error: float
    note: str = ""

    def summary(self) -> str:
        """One line of text, e.g. ``0.812 [95% BCa CI 0.774, 0.846], 9999 resamples``."""
        return (
            f"{self.estimate:.4g} [{self.confidence_level:.0%} {self.method} CI "
            f"{self.ci[0]:.4g}, {self.ci[1]:.4g}], {self.n_resamples} resamples" + _note(self.note)
        )


# --------------------------------------------------------------------------- validation


def _vector(x, name: str, where: str, *, min_len: int = 1) -> np.ndarray:
    """A 1-D float array of finite values, or an error that says what to pass instead."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"{name} of {where} must be numeric scores; got values of type "
            f"{type(x).__name__} that cannot be converted to float. Pass one number per fold."
        ) from None
    if arr.ndim != 1:
        raise InvalidInputError(
            f"{name} of {where} must be 1-D (one score per fold); got shape {arr.shape}. "
            "Flatten it with np.ravel or pass one column."
        )
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.isfinite(arr))
        raise InvalidInputError(
            f"{name} of {where} contains {bad.size} NaN or infinite value(s), first at position "
            f"{bad[0]}. Drop or re-run the failed folds before testing."
        )
    if arr.size < min_len:
        raise InvalidInputError(
            f"{name} of {where} needs at least {min_len} values; got {arr.size}. "
            "Use more folds (or repeated cross-validation)."
        )
    return arr


def _pair(a, b, where: str, *, min_len: int = 2, names=("scores_a", "scores_b")):
    a = _vector(a, names[0], where)
    b = _vector(b, names[1], where)
    if a.shape != b.shape:
        raise InvalidInputError(
            f"{names[0]} and {names[1]} of {where} must have the same length (one score per fold, "
            f"same folds in the same order); got {a.size} and {b.size}."
        )
    if a.size < min_len:
        raise InvalidInputError(
            f"{where} needs at least {min_len} paired scores; got {a.size}. "
            "Use more folds (or repeated cross-validation)."
        )
    return a, b


def _positive_int(value, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be a positive int (number of samples); "
            f"got {value!r} instead."
        )
    return int(value)


def _probability(value, name: str, where: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.floating))
        or not (0.0 < float(value) < 1.0)
    ):
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be a float in (0, 1); got {value!r} instead."
        )
    return float(value)


def _as_blocks(
    scores,
    where: str,
    *,
    block: str = "dataset",
    method: str = "pipeline",
    value: str = "score",
    aggregate: bool = False,
    min_methods: int = 2,
):
    """Turn ``scores`` into a complete ``(n_blocks, n_methods)`` matrix and its labels.

    Accepts an array, a wide DataFrame (rows are blocks, columns methods) or a long DataFrame that
    holds the columns ``block``, ``method`` and ``value``.
    """
    if isinstance(scores, pd.DataFrame) and {block, method, value} <= set(scores.columns):
        long = scores[[block, method, value]]
        dup = long.duplicated([block, method])
        if dup.any() and not aggregate:
            first = long.loc[dup, [block, method]].iloc[0].tolist()
            raise InvalidInputError(
                f"scores of {where} hold more than one {value!r} for ({block}, {method}) = "
                f"{tuple(first)}; this test needs one value per block and method. Average the "
                f"folds first: scores.groupby([{block!r}, {method!r}], as_index=False)"
                f"[{value!r}].mean()."
            )
        if long[value].isna().any():
            raise InvalidInputError(
                f"scores of {where} hold NaN in column {value!r}. Drop or re-run the failed cells."
            )
        wide = long.pivot_table(
            index=block, columns=method, values=value, aggfunc="mean", sort=False
        )
        if wide.isna().any().any():
            missing = wide.isna().stack()
            cell = missing[missing].index[0]
            raise InvalidInputError(
                f"scores of {where} are incomplete: no {value!r} for {block}={cell[0]!r}, "
                f"{method}={cell[1]!r} ({int(missing.sum())} missing cell(s)). Every method needs a "
                f"score on every {block}; finish the run or drop that {block}."
            )
    elif isinstance(scores, pd.DataFrame):
        wide = scores
    else:
        wide = None
    if wide is not None:
        try:
            matrix = wide.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"scores of {where} must be numeric; a wide DataFrame has one row per block and one "
                f"column per method, a long one the columns {block!r}, {method!r}, {value!r}. Got "
                f"columns {list(wide.columns)}."
            ) from None
        methods, blocks = pd.Index(wide.columns), pd.Index(wide.index)
    else:
        try:
            matrix = np.asarray(scores, dtype=float)
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"scores of {where} must be a numeric (n_blocks, n_methods) array or a DataFrame."
            ) from None
        if matrix.ndim != 2:
            raise InvalidInputError(
                f"scores of {where} must be 2-D with shape (n_blocks, n_methods); got shape "
                f"{matrix.shape}. Stack the methods' scores as columns: np.column_stack([a, b, c])."
            )
        methods, blocks = pd.RangeIndex(matrix.shape[1]), pd.RangeIndex(matrix.shape[0])
    if not np.all(np.isfinite(matrix)):
        raise InvalidInputError(
            f"scores of {where} contain NaN or infinite values. Drop or re-run the failed cells."
        )
    if matrix.shape[1] < min_methods or matrix.shape[0] < 2:
        raise InvalidInputError(
            f"scores of {where} need at least 2 blocks and {min_methods} methods; got shape "
            f"{matrix.shape} (n_blocks, n_methods)."
            + (" To compare two methods, use wilcoxon(a, b)." if min_methods > 2 else "")
        )
    return matrix, methods, blocks


def _ranks(matrix: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Rank methods within each block; rank 1 is the best, ties get their average rank."""
    return _st.rankdata(-matrix if higher_is_better else matrix, axis=1, method="average")


# --------------------------------------------------------------------------- effect sizes


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


# --------------------------------------------------------------------------- t-tests


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
    n_train = _positive_int(n_train, "n_train", where)
    n_test = _positive_int(n_test, "n_test", where)
    level = _probability(confidence_level, "confidence_level", where)
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


# --------------------------------------------------------------------------- McNemar, Wilcoxon

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


# --------------------------------------------------------------------------- ANOVA


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


# --------------------------------------------------------------------------- Friedman and post-hoc


def friedman(
    scores,
    *,
    higher_is_better: bool = True,
    tie_correction: bool = True,
    block: str = "dataset",
    method: str = "pipeline",
    value: str = "score",
) -> FriedmanResult:
    """Friedman test of k methods over N blocks, with average ranks, Iman-Davenport and Kendall's W.

    The test Demšar (2006) recommends for comparing several classifiers over several datasets:
    rank the methods within each dataset and test whether the average ranks differ. Wraps
    :func:`scipy.stats.friedmanchisquare`; follow a significant result with :func:`nemenyi`
    (all pairs) or :func:`holm` (against a control).

    Parameters
    ----------
    scores : array-like of shape (n_blocks, n_methods) or DataFrame
        A matrix (rows: datasets, columns: methods), a wide DataFrame of that shape, or a long
        DataFrame with the columns ``block``, ``method`` and ``value`` and one row per cell.
        At least 3 methods.
    higher_is_better : bool, default=True
        Whether a higher score is better (accuracy) or worse (error, loss). Only the direction of
        ``average_ranks`` depends on it; rank 1 is the best.
    tie_correction : bool, default=True
        Correct the statistic for tied ranks, as scipy does. ``False`` gives the formula printed
        in Demšar (2006), computed from the average ranks.
    block, method, value : str
        Column names of a long DataFrame.

    Returns
    -------
    FriedmanResult

    References
    ----------
    J. Demšar (2006), Statistical comparisons of classifiers over multiple data sets, JMLR 7.
    R. L. Iman and J. M. Davenport (1980), Approximations of the critical region of the Friedman
    statistic, Communications in Statistics 9.

    Examples
    --------
    >>> from fuselearn.evaluate.stats import friedman
    >>> scores = [[0.80, 0.84, 0.81], [0.70, 0.75, 0.72], [0.90, 0.92, 0.89], [0.60, 0.66, 0.62]]
    >>> r = friedman(scores)
    >>> round(r.statistic, 2), round(r.p_value, 4), r.average_ranks.tolist()
    (6.5, 0.0388, [2.75, 1.0, 2.25])
    """
    where = "friedman"
    matrix, methods, _ = _as_blocks(
        scores, where, block=block, method=method, value=value, min_methods=3
    )
    n, k = matrix.shape
    ranks = _ranks(matrix, higher_is_better)
    avg = pd.Series(ranks.mean(axis=0), index=methods, name="average_rank")
    df_num, df_den = k - 1, (k - 1) * (n - 1)
    if np.all(matrix == matrix[:, :1]):
        return FriedmanResult(
            0.0,
            1.0,
            k - 1,
            avg,
            0.0,
            1.0,
            df_num,
            df_den,
            0.0,
            n,
            k,
            tie_correction,
            note="every method ties with every other on every block; reported as statistic=0, p=1",
        )
    if tie_correction:
        chi2 = float(_st.friedmanchisquare(*matrix.T).statistic)
    else:
        chi2 = _friedman_chi2(ranks, tie_correction=False)
    p = float(_st.chi2.sf(chi2, k - 1))
    w = chi2 / (n * (k - 1))
    note = ""
    # Iman & Davenport (1980), as given in Demšar (2006): F_F = (N-1) chi2 / (N(k-1) - chi2)
    denom = n * (k - 1) - chi2
    if denom <= 1e-12 * n * (k - 1):
        ff, ff_p = np.inf, 0.0
        note = "every block ranks the methods identically (W = 1); the Iman-Davenport F is infinite"
    else:
        ff = (n - 1) * chi2 / denom
        ff_p = float(_st.f.sf(ff, df_num, df_den))
    return FriedmanResult(
        chi2,
        p,
        k - 1,
        avg,
        float(ff),
        ff_p,
        df_num,
        df_den,
        float(min(w, 1.0)),
        n,
        k,
        tie_correction,
        note=note,
    )


def nemenyi(
    scores, *, block: str = "dataset", method: str = "pipeline", value: str = "score"
) -> pd.DataFrame:
    """Nemenyi post-hoc test after Friedman: p-values for every pair of methods.

    Wraps :func:`scikit_posthocs.posthoc_nemenyi_friedman`. Two methods differ at level alpha
    when their average ranks differ by more than :func:`critical_difference`.

    Parameters
    ----------
    scores : array-like of shape (n_blocks, n_methods) or DataFrame
        As in :func:`friedman`.
    block, method, value : str
        Column names of a long DataFrame.

    Returns
    -------
    pandas.DataFrame of shape (n_methods, n_methods)
        Symmetric matrix of p-values, 1 on the diagonal, indexed by method.

    Examples
    --------
    >>> from fuselearn.evaluate.stats import nemenyi
    >>> scores = [[0.80, 0.84, 0.81], [0.70, 0.75, 0.72], [0.90, 0.92, 0.89], [0.60, 0.66, 0.62]]
    >>> nemenyi(scores).round(3)
           0      1      2
    0  1.000  0.036  0.759
    1  0.036  1.000  0.181
    2  0.759  0.181  1.000
    """
    import scikit_posthocs as sp

    matrix, methods, _ = _as_blocks(scores, "nemenyi", block=block, method=method, value=value)
    # scikit-posthocs ranks ascending, the direction does not change |R_i - R_j|.
    p = sp.posthoc_nemenyi_friedman(matrix).to_numpy()
    return pd.DataFrame(np.clip(p, 0.0, 1.0), index=methods, columns=methods)


_HOLM_TESTS = {"auto": "auto", "ranks": "ranks", "wilcoxon": "wilcoxon"}


def holm(
    scores,
    control=None,
    *,
    test: str = "auto",
    alpha: float = 0.05,
    higher_is_better: bool = True,
    block: str = "dataset",
    method: str = "pipeline",
    value: str = "score",
) -> pd.DataFrame:
    """Holm-corrected pairwise comparisons, against a control method or between all pairs.

    Two tests are available:

    - ``"ranks"``: the z-test of Demšar (2006, section 3.2.2) on the average Friedman ranks,
      ``z = (R_i - R_j) / sqrt(k(k+1) / (6N))``. Use it against a control after a significant
      :func:`friedman`; it is the default when ``control`` is given.
    - ``"wilcoxon"``: the Wilcoxon signed-rank test of each pair. Benavoli, Corani & Mangili (2016)
      show that rank z-tests between two methods depend on which other methods were compared; the
      Wilcoxon test does not, so it is the default for all pairs (``control=None``).

    The p-values are adjusted with Holm's step-down procedure
    (:func:`statsmodels.stats.multitest.multipletests` with ``method="holm"``).

    Parameters
    ----------
    scores : array-like of shape (n_blocks, n_methods) or DataFrame
        As in :func:`friedman`.
    control : label, optional
        The method every other is compared with (a column label, or an index for arrays).
        None compares all pairs.
    test : {"auto", "ranks", "wilcoxon"}, default="auto"
        See above.
    alpha : float, default=0.05
        Family-wise error rate for the ``reject`` column.
    higher_is_better : bool, default=True
        Direction of the scores, for the sign of ``statistic``.
    block, method, value : str
        Column names of a long DataFrame.

    Returns
    -------
    pandas.DataFrame
        One row per comparison with the columns ``method_a``, ``method_b``, ``statistic`` (z, with
        a positive value when A ranks better, or Wilcoxon's W), ``p_value``, ``p_adjusted`` and
        ``reject``, sorted by ``p_value``.

    References
    ----------
    S. Holm (1979), A simple sequentially rejective multiple test procedure, Scand. J. Statistics.
    A. Benavoli, G. Corani, F. Mangili (2016), Should we really use post-hoc tests based on
    mean-ranks?, JMLR 17.

    Examples
    --------
    >>> import pandas as pd
    >>> from fuselearn.evaluate.stats import holm
    >>> scores = pd.DataFrame({"mlp": [0.80, 0.70, 0.90, 0.60, 0.75, 0.85],
    ...                        "fusion": [0.84, 0.75, 0.92, 0.66, 0.79, 0.88],
    ...                        "svm": [0.81, 0.72, 0.89, 0.62, 0.74, 0.86]})
    >>> holm(scores, control="fusion")[["method_a", "method_b", "p_adjusted"]].round(4)
      method_a method_b  p_adjusted
    0   fusion      mlp      0.0078
    1   fusion      svm      0.0209
    """
    from statsmodels.stats.multitest import multipletests

    where = "holm"
    test = resolve_name("test", test, _HOLM_TESTS, where)
    alpha = _probability(alpha, "alpha", where)
    matrix, methods, _ = _as_blocks(scores, where, block=block, method=method, value=value)
    n, k = matrix.shape
    if control is not None:
        if control not in methods:
            raise InvalidParameterError(
                f"The 'control' parameter of {where} must be one of the methods "
                f"{list(methods)}; got {control!r} instead."
            )
        c = methods.get_loc(control)
        pairs = [(c, j) for j in range(k) if j != c]
    else:
        pairs = list(itertools.combinations(range(k), 2))
    if test == "auto":
        test = "ranks" if control is not None else "wilcoxon"
    rows = []
    if test == "ranks":
        avg = _ranks(matrix, higher_is_better).mean(axis=0)
        se = np.sqrt(k * (k + 1) / (6.0 * n))
        for i, j in pairs:
            z = (avg[j] - avg[i]) / se  # positive when A (i) has the better, smaller rank
            rows.append((methods[i], methods[j], float(z), float(2.0 * _st.norm.sf(abs(z)))))
    else:
        for i, j in pairs:
            r = wilcoxon(matrix[:, i], matrix[:, j])
            rows.append((methods[i], methods[j], r.statistic, r.p_value))
    out = pd.DataFrame(rows, columns=["method_a", "method_b", "statistic", "p_value"])
    reject, adjusted, _, _ = multipletests(out["p_value"].to_numpy(), alpha=alpha, method="holm")
    out["p_adjusted"] = adjusted
    out["reject"] = reject
    return out.sort_values("p_value", kind="stable").reset_index(drop=True)


_CD_METHODS = {"nemenyi": "nemenyi", "bonferroni_dunn": "bonferroni_dunn"}


def critical_difference(
    n_methods: int, n_blocks: int, alpha: float = 0.05, *, method: str = "nemenyi"
) -> float:
    """Critical difference of average ranks (Demšar 2006): ``q_alpha * sqrt(k(k+1) / (6N))``.

    Two methods whose average ranks differ by more than this differ significantly; it is the bar
    drawn in a critical-difference diagram.

    Parameters
    ----------
    n_methods : int
        ``k``, at least 2.
    n_blocks : int
        ``N``, the number of datasets.
    alpha : float, default=0.05
        Significance level.
    method : {"nemenyi", "bonferroni_dunn"}, default="nemenyi"
        Nemenyi (all pairs): ``q_alpha`` is the studentized range quantile for ``k`` groups and
        infinite degrees of freedom divided by sqrt(2) (Demšar's Table 5a). Bonferroni-Dunn
        (against one control): the normal quantile at ``alpha / (2(k-1))`` (Table 5b).

    Returns
    -------
    float

    Examples
    --------
    >>> from fuselearn.evaluate.stats import critical_difference
    >>> round(critical_difference(4, 14), 3)  # Demšar (2006), section 3.2.4
    1.254
    """
    where = "critical_difference"
    k = _positive_int(n_methods, "n_methods", where)
    n = _positive_int(n_blocks, "n_blocks", where)
    if k < 2:
        raise InvalidParameterError(
            f"The 'n_methods' parameter of {where} must be at least 2; got {k} instead."
        )
    alpha = _probability(alpha, "alpha", where)
    method = resolve_name("method", method, _CD_METHODS, where)
    if method == "nemenyi":
        q = _st.studentized_range.ppf(1.0 - alpha, k, np.inf) / np.sqrt(2.0)
    else:
        q = _st.norm.ppf(1.0 - alpha / (2.0 * (k - 1)))
    return float(q * np.sqrt(k * (k + 1) / (6.0 * n)))


# --------------------------------------------------------------------------- bootstrap

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
    level = _probability(confidence_level, "confidence_level", where)
    n_resamples = _positive_int(n_resamples, "n_resamples", where)
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


# --------------------------------------------------------------------------- run-level helpers

_COMPARE_COLUMNS = [
    "dataset",
    "pipeline_a",
    "pipeline_b",
    "n_folds",
    "mean_a",
    "mean_b",
    "mean_difference",
    "statistic",
    "df",
    "p_value",
    "p_holm",
    "reject",
    "effect_size",
    "ci_low",
    "ci_high",
    "note",
]


def _per_dataset(value, name: str, dataset, where: str) -> int:
    if isinstance(value, (Mapping, pd.Series)):
        if dataset not in value:
            raise InvalidParameterError(
                f"The {name!r} parameter of {where} has no entry for dataset {dataset!r}; give "
                f"one int for all datasets or a mapping with every dataset (has "
                f"{list(value.keys())})."
            )
        value = value[dataset]
    return _positive_int(value, name, f"{where} (dataset {dataset!r})")


def compare_pipelines(
    scores: pd.DataFrame,
    *,
    n_train,
    n_test,
    alpha: float = 0.05,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Corrected t-tests between every pair of pipelines on each dataset, Holm-adjusted.

    For each dataset, every pair of pipelines is compared with :func:`corrected_ttest` on their
    paired per-fold scores, and the p-values of that dataset's pairs are adjusted with Holm's
    procedure.

    Parameters
    ----------
    scores : pandas.DataFrame
        Long table with the columns ``dataset``, ``pipeline``, ``fold``, ``score`` and optionally
        ``seed`` (repetitions); one row per cell. Rows are paired on (``fold``, ``seed``).
    n_train, n_test : int or mapping of dataset to int
        Training and test samples of one fold; a mapping when datasets differ in size.
    alpha : float, default=0.05
        Family-wise error rate per dataset, for the ``reject`` column.
    confidence_level : float, default=0.95
        Level of the confidence interval of the mean difference.

    Returns
    -------
    pandas.DataFrame
        One row per dataset and pair with the columns ``dataset``, ``pipeline_a``,
        ``pipeline_b``, ``n_folds``, ``mean_a``, ``mean_b``, ``mean_difference`` (A - B),
        ``statistic``, ``df``, ``p_value``, ``p_holm``, ``reject``, ``effect_size`` (Cohen's d),
        ``ci_low``, ``ci_high`` and ``note``.

    Raises
    ------
    InvalidInputError
        Missing columns, NaN scores, duplicated cells, or a pipeline without a score on a fold
        that another pipeline of the same dataset has.

    Examples
    --------
    >>> import pandas as pd
    >>> from fuselearn.evaluate.stats import compare_pipelines
    >>> scores = pd.DataFrame({
    ...     "dataset": ["iris"] * 10,
    ...     "pipeline": ["mlp"] * 5 + ["fusion"] * 5,
    ...     "fold": list(range(5)) * 2,
    ...     "score": [0.90, 0.93, 0.87, 0.93, 0.90, 0.97, 0.93, 0.93, 0.97, 0.93]})
    >>> out = compare_pipelines(scores, n_train=120, n_test=30)
    >>> out[["pipeline_a", "pipeline_b", "mean_difference", "p_holm"]].round(3)
      pipeline_a pipeline_b  mean_difference  p_holm
    0        mlp     fusion            -0.04   0.095
    """
    from statsmodels.stats.multitest import multipletests

    where = "compare_pipelines"
    alpha = _probability(alpha, "alpha", where)
    if not isinstance(scores, pd.DataFrame):
        raise InvalidInputError(
            f"scores of {where} must be a pandas DataFrame with the columns dataset, pipeline, "
            f"fold (, seed), score; got {type(scores).__name__}."
        )
    needed = ["dataset", "pipeline", "fold", "score"]
    missing = [c for c in needed if c not in scores.columns]
    if missing:
        raise InvalidInputError(
            f"scores of {where} lack the column(s) {missing}; it needs {needed} and optionally "
            f"'seed'. Got columns {list(scores.columns)}."
        )
    keys = ["fold", "seed"] if "seed" in scores.columns else ["fold"]
    if scores["score"].isna().any():
        bad = scores.loc[scores["score"].isna(), ["dataset", "pipeline", *keys]].iloc[0].tolist()
        raise InvalidInputError(
            f"scores of {where} hold NaN scores, first at (dataset, pipeline, {', '.join(keys)}) = "
            f"{tuple(bad)}. Re-run or drop the failed cells."
        )
    dup = scores.duplicated(["dataset", "pipeline", *keys])
    if dup.any():
        bad = scores.loc[dup, ["dataset", "pipeline", *keys]].iloc[0].tolist()
        raise InvalidInputError(
            f"scores of {where} hold more than one score for (dataset, pipeline, "
            f"{', '.join(keys)}) = {tuple(bad)}. Keep one row per cell"
            + ("" if "seed" in keys else ", or add a 'seed' column for repetitions")
            + "."
        )
    rows = []
    for dataset, part in scores.groupby("dataset", sort=False):
        wide = part.pivot_table(index=keys, columns="pipeline", values="score", sort=False)
        pipelines = list(part["pipeline"].unique())
        wide = wide.reindex(columns=pipelines)
        if wide.isna().any().any():
            holes = wide.isna().stack()
            cell = holes[holes].index[0]
            raise InvalidInputError(
                f"scores of {where} are incomplete on dataset {dataset!r}: pipeline "
                f"{cell[-1]!r} has no score for {dict(zip(keys, np.atleast_1d(cell[:-1])))} that "
                f"other pipelines have ({int(holes.sum())} missing). Finish the run or drop "
                "those folds, so that all pipelines are compared on the same folds."
            )
        n_tr = _per_dataset(n_train, "n_train", dataset, where)
        n_te = _per_dataset(n_test, "n_test", dataset, where)
        block = []
        for a, b in itertools.combinations(pipelines, 2):
            sa, sb = wide[a].to_numpy(), wide[b].to_numpy()
            if sa.size < 2:
                raise InvalidInputError(
                    f"scores of {where} have {sa.size} fold on dataset {dataset!r}; the corrected "
                    "t-test needs at least 2."
                )
            r = corrected_ttest(
                sa, sb, n_train=n_tr, n_test=n_te, confidence_level=confidence_level
            )
            block.append(
                [
                    dataset,
                    a,
                    b,
                    sa.size,
                    sa.mean(),
                    sb.mean(),
                    r.mean_difference,
                    r.statistic,
                    r.df,
                    r.p_value,
                    np.nan,
                    False,
                    r.effect_size,
                    r.ci[0],
                    r.ci[1],
                    r.note,
                ]
            )
        if block:
            reject, adjusted, _, _ = multipletests(
                [row[9] for row in block], alpha=alpha, method="holm"
            )
            for row, rej, adj in zip(block, reject, adjusted):
                row[10], row[11] = float(adj), bool(rej)
            rows.extend(block)
    out = pd.DataFrame(rows, columns=_COMPARE_COLUMNS)
    return out.astype({"n_folds": int, "reject": bool})


def rank_table(
    scores,
    *,
    higher_is_better: bool = True,
    dataset: str = "dataset",
    pipeline: str = "pipeline",
    value: str = "score",
) -> pd.DataFrame:
    """Average rank of each pipeline over datasets, the input of a critical-difference diagram.

    Scores are first averaged over folds and seeds within each (dataset, pipeline), then ranked
    within each dataset (1 = best, ties share the average rank), then the ranks are averaged.

    Parameters
    ----------
    scores : pandas.DataFrame or array-like of shape (n_datasets, n_pipelines)
        A long DataFrame with the columns ``dataset``, ``pipeline`` and ``score`` (any number of
        rows per cell), or a wide table with one row per dataset and one column per pipeline.
    higher_is_better : bool, default=True
        Whether a higher score is better.
    dataset, pipeline, value : str
        Column names of a long DataFrame.

    Returns
    -------
    pandas.DataFrame
        Indexed by pipeline, sorted best first, with the columns ``average_rank``, ``mean_score``
        (mean over datasets of the per-dataset mean) and ``n_datasets``. Pass its length and
        ``n_datasets`` to :func:`critical_difference`.

    Examples
    --------
    >>> import pandas as pd
    >>> from fuselearn.evaluate.stats import rank_table
    >>> scores = pd.DataFrame({"dataset": ["a", "a", "b", "b", "c", "c"],
    ...                        "pipeline": ["mlp", "fusion"] * 3,
    ...                        "score": [0.80, 0.84, 0.71, 0.70, 0.90, 0.93]})
    >>> rank_table(scores)
              average_rank  mean_score  n_datasets
    pipeline
    fusion        1.333333    0.823333           3
    mlp           1.666667    0.803333           3
    """
    matrix, methods, _ = _as_blocks(
        scores, "rank_table", block=dataset, method=pipeline, value=value, aggregate=True
    )
    ranks = _ranks(matrix, higher_is_better)
    out = pd.DataFrame(
        {
            "average_rank": ranks.mean(axis=0),
            "mean_score": matrix.mean(axis=0),
            "n_datasets": matrix.shape[0],
        },
        index=pd.Index(methods, name=pipeline),
    )
    return out.sort_values("average_rank", kind="stable")
