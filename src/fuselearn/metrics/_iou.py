"""Intersection over union for boxes and segmentation masks.

Box IoU is written here because scikit-learn 1.9 has none and torchvision (whose
``ops.box_iou`` this mirrors) is not a dependency. Mask IoU is scikit-learn's ``jaccard_score``
on the flattened masks.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import jaccard_score

from .._validation import check_int
from ..exceptions import InvalidInputError
from ._checks import as_array, check_same_length

__all__ = ["box_iou", "mask_iou", "mean_iou", "paired_box_iou"]


def _check_boxes(boxes, name: str) -> np.ndarray:
    boxes = as_array(boxes, name, numeric=True)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise InvalidInputError(
            f"'{name}' must have shape (n_boxes, 4) with columns x1, y1, x2, y2; got shape "
            f"{boxes.shape}. Reshape a single box with np.reshape(box, (1, 4))."
        )
    bad = np.flatnonzero((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1]))
    if bad.size:
        raise InvalidInputError(
            f"'{name}' must be in (x1, y1, x2, y2) format with x2 >= x1 and y2 >= y1; row "
            f"{bad[0]} is {boxes[bad[0]].tolist()}. Convert (x, y, w, h) boxes with x2 = x + w, "
            "y2 = y + h."
        )
    return boxes


def _area(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _divide(intersection: np.ndarray, union: np.ndarray) -> np.ndarray:
    # Two zero-area boxes have an undefined IoU (torchvision returns NaN); 0 keeps means finite.
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)


def box_iou(boxes_a, boxes_b) -> np.ndarray:
    """Pairwise IoU of two sets of axis-aligned boxes, like ``torchvision.ops.box_iou`` in NumPy.

    Parameters
    ----------
    boxes_a : array-like of shape (n, 4)
        Boxes as ``x1, y1, x2, y2`` with ``x2 >= x1`` and ``y2 >= y1``.
    boxes_b : array-like of shape (m, 4)
        Boxes in the same format.

    Returns
    -------
    ndarray of shape (n, m)
        ``iou[i, j]`` is the IoU of ``boxes_a[i]`` and ``boxes_b[j]``; 0 where both have zero area.

    Examples
    --------
    >>> from fuselearn.metrics import box_iou
    >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2]])
    array([[0.14285714, 1.        ]])
    """
    a = _check_boxes(boxes_a, "boxes_a")
    b = _check_boxes(boxes_b, "boxes_b")
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    width_height = np.clip(bottom_right - top_left, 0.0, None)
    intersection = width_height[..., 0] * width_height[..., 1]
    union = _area(a)[:, None] + _area(b)[None, :] - intersection
    return _divide(intersection, union)


def paired_box_iou(boxes_true, boxes_pred) -> np.ndarray:
    """IoU of each box with the box in the same row: the diagonal of :func:`box_iou`.

    Parameters
    ----------
    boxes_true, boxes_pred : array-like of shape (n, 4)
        Boxes as ``x1, y1, x2, y2``; row ``i`` of one is paired with row ``i`` of the other.

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> from fuselearn.metrics import paired_box_iou
    >>> paired_box_iou([[0, 0, 2, 2], [0, 0, 1, 1]], [[0, 0, 2, 1], [2, 2, 3, 3]])
    array([0.5, 0. ])
    """
    a = _check_boxes(boxes_true, "boxes_true")
    b = _check_boxes(boxes_pred, "boxes_pred")
    check_same_length(a, b, "boxes_true", "boxes_pred")
    width_height = np.clip(
        np.minimum(a[:, 2:], b[:, 2:]) - np.maximum(a[:, :2], b[:, :2]), 0.0, None
    )
    intersection = width_height[:, 0] * width_height[:, 1]
    return _divide(intersection, _area(a) + _area(b) - intersection)


def mean_box_iou(boxes_true, boxes_pred) -> float:
    """Mean of :func:`paired_box_iou`; the function behind the ``iou_box`` metric."""
    return float(paired_box_iou(boxes_true, boxes_pred).mean())


def _check_masks(mask_true, mask_pred, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    true = as_array(mask_true, names[0], numeric=True)
    pred = as_array(mask_pred, names[1], numeric=True)
    if true.shape != pred.shape:
        raise InvalidInputError(
            f"'{names[0]}' and '{names[1]}' must have the same shape; got {true.shape} and "
            f"{pred.shape}."
        )
    return true, pred


def mask_iou(mask_true, mask_pred) -> float:
    """IoU (Jaccard index) of two binary masks of any shape, pooled over all their elements.

    Parameters
    ----------
    mask_true : array-like of any shape
        True mask of 0/1 or bool values. A batch ``(n, H, W)`` is pooled, not averaged per image.
    mask_pred : array-like of the same shape
        Predicted mask of 0/1 or bool values (threshold probabilities first).

    Returns
    -------
    float
        ``|true & pred| / |true | pred|``; 1.0 when both masks are empty (an empty prediction of an
        empty mask is right).

    See Also
    --------
    mean_iou : per-class mean IoU of integer label masks.

    Examples
    --------
    >>> from fuselearn.metrics import mask_iou
    >>> mask_iou([[1, 1], [0, 0]], [[1, 0], [1, 0]])
    0.3333333333333333
    """
    true, pred = _check_masks(mask_true, mask_pred, ("mask_true", "mask_pred"))
    for name, mask in (("mask_true", true), ("mask_pred", pred)):
        if not np.all((mask == 0) | (mask == 1)):
            raise InvalidInputError(
                f"'{name}' must be a binary mask of 0/1 or bool values. Threshold probabilities "
                "(mask > 0.5) first, or use mean_iou for integer label masks."
            )
    return float(jaccard_score(true.ravel(), pred.ravel(), zero_division=1.0))


def mean_iou(labels_true, labels_pred, num_classes=None) -> float:
    """Mean over classes of the IoU of integer label masks (semantic segmentation mIoU).

    Parameters
    ----------
    labels_true : array-like of any shape
        True class index of each element, integers in ``[0, num_classes)``.
    labels_pred : array-like of the same shape
        Predicted class index of each element.
    num_classes : int, default=None
        Number of classes; labels must be below it. Defaults to the largest label + 1.

    Returns
    -------
    float
        Mean of the per-class IoU over the classes present in ``labels_true`` or ``labels_pred``; a
        class absent from both has no defined IoU and is left out.

    Examples
    --------
    >>> from fuselearn.metrics import mean_iou
    >>> mean_iou([[0, 0], [1, 1]], [[0, 1], [1, 1]])  # class 0: 1/2, class 1: 2/3
    0.5833333333333333
    """
    true, pred = _check_masks(labels_true, labels_pred, ("labels_true", "labels_pred"))
    for name, labels in (("labels_true", true), ("labels_pred", pred)):
        if np.any(labels < 0) or np.any(labels != np.round(labels)):
            raise InvalidInputError(
                f"'{name}' must hold non-negative integer class indices; encode classes as "
                "0, 1, ..., num_classes - 1."
            )
    true = true.astype(np.int64).ravel()
    pred = pred.astype(np.int64).ravel()
    largest = int(max(true.max(), pred.max()))
    if num_classes is None:
        num_classes = largest + 1
    num_classes = check_int(num_classes, "num_classes", "mean_iou")
    if largest >= num_classes:
        raise InvalidInputError(
            f"Labels must be below num_classes={num_classes}; found label {largest}. Raise "
            "num_classes or fix the labels."
        )
    per_class = jaccard_score(
        true, pred, labels=np.arange(num_classes), average=None, zero_division=0.0
    )
    present = (
        np.bincount(true, minlength=num_classes) + np.bincount(pred, minlength=num_classes)
    ) > 0
    return float(per_class[present].mean())
