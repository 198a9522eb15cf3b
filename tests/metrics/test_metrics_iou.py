"""Box and mask IoU against hand-computed areas."""

import numpy as np
import pytest

from fuselearn.exceptions import InvalidInputError, InvalidParameterError
from fuselearn.metrics import box_iou, mask_iou, mean_iou, paired_box_iou


def test_box_iou_hand_computed():
    a = [[0, 0, 2, 2], [0, 0, 4, 1]]
    b = [[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]]
    expected = np.array(
        [
            [1 / (4 + 4 - 1), 1.0, 0.0],  # overlap 1x1
            [0 / 8, 2 / (4 + 4 - 2), 0.0],  # second: overlap 2x1
        ]
    )
    iou = box_iou(a, b)
    assert iou.shape == (2, 3)
    np.testing.assert_allclose(iou, expected)


def test_touching_and_degenerate_boxes():
    assert box_iou([[0, 0, 1, 1]], [[1, 0, 2, 1]])[0, 0] == 0.0  # shared edge, no area
    assert box_iou([[0, 0, 0, 0]], [[0, 0, 0, 0]])[0, 0] == 0.0  # both empty: 0, not NaN


def test_paired_box_iou_is_the_diagonal():
    a = np.array([[0, 0, 2, 2], [1, 1, 4, 5], [0.5, 0, 3, 1]])
    b = np.array([[1, 1, 3, 3], [0, 0, 2, 2], [0, 0, 3, 2]])
    np.testing.assert_allclose(paired_box_iou(a, b), np.diag(box_iou(a, b)))


@pytest.mark.parametrize(
    ("boxes", "match"),
    [
        ([[2, 0, 1, 1]], "x2 >= x1"),
        ([[0, 3, 1, 1]], "row 0"),
        ([0, 0, 1, 1], r"shape \(n_boxes, 4\)"),
        ([[0, 0, 1]], r"shape \(n_boxes, 4\)"),
        ([[0, 0, np.inf, 1]], "NaN or infinite"),
        (np.zeros((0, 4)), "empty"),
    ],
)
def test_bad_boxes(boxes, match):
    with pytest.raises(InvalidInputError, match=match):
        box_iou(boxes, [[0, 0, 1, 1]])


def test_paired_boxes_need_equal_counts():
    with pytest.raises(InvalidInputError, match="same number of samples"):
        paired_box_iou([[0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 2, 2]])


def test_mask_iou_hand_computed():
    true = np.zeros((2, 4, 4), dtype=bool)
    pred = np.zeros((2, 4, 4), dtype=bool)
    true[0, :2, :2] = True  # 4 pixels
    pred[0, :2, :3] = True  # 6 pixels, 4 shared
    true[1, 3, 3] = True  # 1 pixel, missed
    assert mask_iou(true, pred) == pytest.approx(4 / 7)
    assert mask_iou(np.zeros(5), np.zeros(5)) == 1.0


def test_mask_iou_bad_input():
    with pytest.raises(InvalidInputError, match="same shape"):
        mask_iou(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(InvalidInputError, match="mean_iou"):
        mask_iou([0, 1, 2], [0, 1, 1])
    with pytest.raises(InvalidInputError, match="Threshold"):
        mask_iou([0, 1], [0.2, 0.9])


def test_mean_iou_hand_computed():
    true = np.array([[0, 0, 1], [1, 2, 2]])
    pred = np.array([[0, 1, 1], [1, 2, 0]])
    # class 0: 1 / 3, class 1: 2 / 3, class 2: 1 / 2; class 3 absent from both is left out.
    expected = (1 / 3 + 2 / 3 + 1 / 2) / 3
    assert mean_iou(true, pred) == pytest.approx(expected)
    assert mean_iou(true, pred, num_classes=4) == pytest.approx(expected)


def test_mean_iou_bad_input():
    with pytest.raises(InvalidInputError, match="below num_classes=2"):
        mean_iou([0, 1, 2], [0, 1, 1], num_classes=2)
    with pytest.raises(InvalidInputError, match="non-negative integer"):
        mean_iou([0, -1], [0, 1])
    with pytest.raises(InvalidInputError, match="non-negative integer"):
        mean_iou([0, 0.5], [0, 1])
    with pytest.raises(InvalidParameterError, match="'num_classes' parameter"):
        mean_iou([0, 1], [0, 1], num_classes=0)
