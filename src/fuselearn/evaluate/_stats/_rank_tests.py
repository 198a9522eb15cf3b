"""Rank tests of several methods over several datasets (Demsar 2006): Friedman, Nemenyi, Holm, critical difference."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..._registry import resolve_name
from ..._validation import check_int, check_real
from ...exceptions import InvalidParameterError
from ._checks import _as_blocks, _ranks
from ._effects import _friedman_chi2
from ._paired import wilcoxon
from ._results import FriedmanResult

__all__ = ["critical_difference", "friedman", "holm", "nemenyi"]


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
    alpha = check_real(alpha, "alpha", where, low=0.0, high=1.0, closed="neither")
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
    k = check_int(n_methods, "n_methods", where)
    n = check_int(n_blocks, "n_blocks", where)
    if k < 2:
        raise InvalidParameterError(
            f"The 'n_methods' parameter of {where} must be at least 2; got {k} instead."
        )
    alpha = check_real(alpha, "alpha", where, low=0.0, high=1.0, closed="neither")
    method = resolve_name("method", method, _CD_METHODS, where)
    if method == "nemenyi":
        q = _st.studentized_range.ppf(1.0 - alpha, k, np.inf) / np.sqrt(2.0)
    else:
        q = _st.norm.ppf(1.0 - alpha / (2.0 * (k - 1)))
    return float(q * np.sqrt(k * (k + 1) / (6.0 * n)))
