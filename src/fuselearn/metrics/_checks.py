"""Input checks shared by the metric functions: each error names the argument and the fix."""

from __future__ import annotations

import numpy as np

from ..exceptions import InvalidInputError


def as_array(value, name: str, *, numeric: bool = False) -> np.ndarray:
    """Turn ``value`` into a non-empty NumPy array; with ``numeric``, also a finite float array."""
    if value is None:
        raise InvalidInputError(f"'{name}' is required; got None.")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise InvalidInputError(
            f"'{name}' must be array-like of one shape; it could not be read as an array ({exc})."
        ) from exc
    if array.ndim == 0:
        raise InvalidInputError(f"'{name}' must be array-like; got the scalar {value!r}.")
    if array.size == 0:
        raise InvalidInputError(f"'{name}' is empty; pass at least one sample.")
    if numeric:
        if array.dtype.kind not in "biuf":
            raise InvalidInputError(
                f"'{name}' must hold numbers; got an array of dtype {array.dtype}."
            )
        array = array.astype(float, copy=False)
        if not np.all(np.isfinite(array)):
            raise InvalidInputError(
                f"'{name}' contains NaN or infinite values; remove or impute them."
            )
    return array


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise unless ``a`` and ``b`` have the same number of samples (first axis)."""
    if len(a) != len(b):
        raise InvalidInputError(
            f"'{name_a}' and '{name_b}' must have the same number of samples; "
            f"got {len(a)} and {len(b)}."
        )


def check_probabilities(proba: np.ndarray, name: str) -> None:
    """Raise unless every value of ``proba`` lies in [0, 1]."""
    if proba.min() < 0.0 or proba.max() > 1.0:
        raise InvalidInputError(
            f"'{name}' must hold probabilities in [0, 1]; got values in "
            f"[{proba.min():.4g}, {proba.max():.4g}]. Pass predict_proba outputs "
            "(apply a softmax or sigmoid to raw scores first)."
        )
