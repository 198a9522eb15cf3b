"""Expected calibration error against hand-worked examples."""

import numpy as np
import pytest

from fuselearn.exceptions import InvalidInputError, InvalidParameterError
from fuselearn.metrics import expected_calibration_error


def test_binary_hand_worked():
    # Top-label confidences 0.75 (right), 0.95 (right), 0.55 (right), 0.65 (wrong); 5 bins of 0.2:
    # (0.4, 0.6]: |1 - 0.55| = 0.45, (0.6, 0.8]: |1 - (0.75 + 0.65)| = 0.4, (0.8, 1]: |1 - 0.95|.
    ece = expected_calibration_error([0, 1, 1, 0], [0.25, 0.95, 0.55, 0.65], n_bins=5)
    assert ece == pytest.approx((0.45 + 0.4 + 0.05) / 4)


def test_two_columns_equal_one_column():
    p = np.array([0.25, 0.95, 0.55, 0.65])
    two = np.column_stack([1 - p, p])
    assert expected_calibration_error([0, 1, 1, 0], two, n_bins=5) == pytest.approx(
        expected_calibration_error([0, 1, 1, 0], p, n_bins=5)
    )


def test_multiclass_hand_worked():
    proba = np.array(
        [
            [0.7, 0.2, 0.1],  # conf 0.7, predicts a, right
            [0.1, 0.3, 0.6],  # conf 0.6, predicts c, wrong
            [0.05, 0.9, 0.05],  # conf 0.9, predicts b, right
        ]
    )
    # 2 bins: (0, 0.5] empty; (0.5, 1]: accuracy 2/3, confidence 2.2/3.
    ece = expected_calibration_error(["a", "b", "b"], proba, n_bins=2, labels=["a", "b", "c"])
    assert ece == pytest.approx(abs(2 - 2.2) / 3)
    with pytest.raises(InvalidInputError, match="3 columns but there are 2 labels"):
        expected_calibration_error(["a", "b", "b"], proba)


def test_default_fifteen_bins_and_perfect_calibration():
    # Confidence 1 always right: ECE 0 whatever the binning.
    assert expected_calibration_error([0, 1, 2], np.eye(3)) == 0.0
    # 0.5 with half right, in one bin of the default 15.
    assert expected_calibration_error([0, 1], [0.5, 0.5]) == pytest.approx(0.0)


def test_confidence_on_an_edge_goes_to_the_lower_bin():
    # Confidence 0.5 (column 0 wins the tie: wrong) and 0.6 (right), 2 bins. In (0, 0.5] the 0.5
    # stands alone: (|0 - 0.5| + |1 - 0.6|) / 2 = 0.45; in (0.5, 1] with 0.6 it would be 0.05.
    assert expected_calibration_error([1, 1], [0.5, 0.6], n_bins=2) == pytest.approx(0.45)


@pytest.mark.parametrize(
    ("y_true", "y_proba", "kwargs", "match"),
    [
        ([0, 1], [0.2, 1.2], {}, r"\[0, 1\]"),
        ([0, 1, 1], [0.2, 0.3], {}, "same number of samples"),
        ([0, 1, 2], [[0.5, 0.5]] * 3, {}, "pass labels="),
        (["a", "b", "c"], [0.2, 0.3, 0.4], {}, "labels="),
        ([0, 5], [[0.5, 0.5]] * 2, {"labels": [0, 1]}, r"not among labels"),
        ([0, 1], [np.nan, 0.2], {}, "NaN"),
    ],
)
def test_bad_input(y_true, y_proba, kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        expected_calibration_error(y_true, y_proba, **kwargs)


@pytest.mark.parametrize("n_bins", [0, 2.5, True])
def test_bad_n_bins(n_bins):
    with pytest.raises(InvalidParameterError, match="'n_bins' parameter"):
        expected_calibration_error([0, 1], [0.2, 0.8], n_bins=n_bins)
