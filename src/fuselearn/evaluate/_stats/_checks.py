"""Input checks shared by the tests: score vectors, pairs, and score tables turned into complete blocks."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

from ...exceptions import InvalidInputError

__all__ = []


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
