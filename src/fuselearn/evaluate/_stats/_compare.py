"""A whole run: every pair of pipelines on every dataset (Holm-adjusted) and the rank table."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..._validation import check_int, check_real
from ...exceptions import InvalidInputError, InvalidParameterError
from ._checks import _as_blocks, _ranks
from ._ttests import corrected_ttest

__all__ = ["compare_pipelines", "rank_table"]


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
    return check_int(value, name, f"{where} (dataset {dataset!r})")


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
    alpha = check_real(alpha, "alpha", where, low=0.0, high=1.0, closed="neither")
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
