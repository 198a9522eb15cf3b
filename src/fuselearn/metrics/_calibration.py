"""Expected calibration error (Guo et al., 2017).

scikit-learn 1.9 has ``sklearn.calibration.calibration_curve`` (per-bin fractions for one class) but
no scalar calibration error, and torchmetrics is not a dependency, so ECE is written here.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int
from ..exceptions import InvalidInputError
from ._checks import as_array, check_probabilities, check_same_length

__all__ = ["expected_calibration_error"]


def _binary_labels(y_true: np.ndarray) -> np.ndarray:
    """Guess ``[negative, positive]`` for a 1-D probability of the positive class."""
    present = np.unique(y_true)
    for pair in ([0, 1], [-1, 1]):
        if y_true.dtype.kind in "biuf" and np.isin(present, pair).all():
            return np.asarray(pair)
    if len(present) == 2:
        return present
    raise InvalidInputError(
        f"Cannot tell the positive class of 'y_true' (labels {present.tolist()}) for a 1-D "
        "'y_proba'; pass labels=[negative, positive]."
    )


def expected_calibration_error(y_true, y_proba, n_bins=15, *, labels=None) -> float:
    """Top-label expected calibration error with equal-width confidence bins.

    Each sample's confidence is its largest predicted probability and it is counted correct when the
    class of that column is its true label. Confidences are put into ``n_bins`` bins
    ``((m - 1) / M, m / M]`` and, following Guo et al. (2017),

    ``ECE = sum_m |B_m| / n * |accuracy(B_m) - confidence(B_m)|``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Predicted probabilities. A 1-D array is the probability of the positive class of a binary
        problem. Columns of a 2-D array follow ``labels``.
    n_bins : int, default=15
        Number of equal-width bins on [0, 1].
    labels : array-like of shape (n_classes,), default=None
        Class of each column of ``y_proba``. Defaults to the sorted labels of ``y_true`` (for a 1-D
        ``y_proba``: ``[0, 1]`` or ``[-1, 1]`` when ``y_true`` holds such numbers).

    Returns
    -------
    float
        The ECE, in [0, 1]; 0 is perfectly calibrated.

    Raises
    ------
    InvalidInputError
        Mismatched lengths, probabilities outside [0, 1], or columns that do not match the labels.

    References
    ----------
    C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On Calibration of Modern Neural Networks",
    ICML 2017.

    Examples
    --------
    >>> from fuselearn.metrics import expected_calibration_error
    >>> ece = expected_calibration_error([0, 1, 1, 0], [0.25, 0.95, 0.55, 0.65], n_bins=5)
    >>> round(ece, 6)
    0.225
    """
    n_bins = check_int(n_bins, "n_bins", "expected_calibration_error")
    y_true = as_array(y_true, "y_true")
    y_proba = as_array(y_proba, "y_proba", numeric=True)
    if y_true.ndim != 1:
        raise InvalidInputError(f"'y_true' must be 1-D class labels; got shape {y_true.shape}.")
    check_same_length(y_true, y_proba, "y_true", "y_proba")
    check_probabilities(y_proba, "y_proba")

    if y_proba.ndim == 1:
        labels = _binary_labels(y_true) if labels is None else np.asarray(labels)
        if len(labels) != 2:
            raise InvalidInputError(
                f"A 1-D 'y_proba' is the positive-class probability of a binary problem, so "
                f"'labels' must have 2 entries; got {len(labels)}. Pass a 2-D y_proba otherwise."
            )
        y_proba = np.column_stack([1.0 - y_proba, y_proba])
    elif y_proba.ndim == 2:
        labels = np.unique(y_true) if labels is None else np.asarray(labels)
        if y_proba.shape[1] != len(labels):
            raise InvalidInputError(
                f"'y_proba' has {y_proba.shape[1]} columns but there are {len(labels)} labels "
                f"({labels.tolist()}); pass labels= with the class of each column."
            )
    else:
        raise InvalidInputError(
            "'y_proba' must have shape (n_samples,) or (n_samples, n_classes); got "
            f"{y_proba.shape}."
        )
    unknown = np.setdiff1d(y_true, labels)
    if unknown.size:
        raise InvalidInputError(
            f"'y_true' holds labels {unknown.tolist()} that are not among labels={labels.tolist()}."
        )

    confidence = y_proba.max(axis=1)
    correct = (labels[y_proba.argmax(axis=1)] == y_true).astype(float)
    # searchsorted with side="left" puts a confidence equal to an edge in the lower bin: (a, b].
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bin_index = np.searchsorted(edges[1:-1], confidence, side="left")
    # |B_m| / n * |acc_m - conf_m| == |sum of correct in B_m - sum of confidence in B_m| / n
    sum_correct = np.bincount(bin_index, weights=correct, minlength=n_bins)
    sum_confidence = np.bincount(bin_index, weights=confidence, minlength=n_bins)
    return float(np.abs(sum_correct - sum_confidence).sum() / len(y_true))
