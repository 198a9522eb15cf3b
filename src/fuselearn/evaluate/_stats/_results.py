"""Result classes of the statistical tests: small frozen dataclasses with a one-line ``summary()``."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["BootstrapResult", "FTestResult", "FriedmanResult", "McNemarResult", "TTestResult", "WilcoxonResult"]


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
