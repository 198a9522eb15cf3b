"""Every registered metric against scikit-learn called directly or a hand-computed value."""

import numpy as np
import pytest
from sklearn import metrics as skm

from fuselearn.exceptions import InvalidInputError, InvalidParameterError, UnknownNameError
from fuselearn.metrics import METRICS, Metric, _registry, get_metric, register_metric, score

# Binary: labels, positive-class probabilities, and predictions thresholded at 0.5.
Y_BIN = np.array([0, 1, 1, 0, 1, 0, 1, 1])
P_BIN = np.array([0.1, 0.8, 0.65, 0.3, 0.45, 0.6, 0.9, 0.7])
PRED_BIN = (P_BIN > 0.5).astype(int)
P_BIN2 = np.column_stack([1 - P_BIN, P_BIN])

# Multiclass: rows sum to one; predictions are the argmax.
Y_MC = np.array([0, 1, 2, 2, 1, 0, 2, 1])
P_MC = np.array(
    [
        [0.7, 0.2, 0.1],
        [0.2, 0.5, 0.3],
        [0.1, 0.2, 0.7],
        [0.3, 0.4, 0.3],
        [0.1, 0.8, 0.1],
        [0.4, 0.4, 0.2],
        [0.2, 0.2, 0.6],
        [0.5, 0.3, 0.2],
    ]
)
PRED_MC = P_MC.argmax(axis=1)

# Multi-label indicator matrix and scores.
Y_ML = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 0]])
S_ML = np.array(
    [[0.9, 0.2, 0.6], [0.3, 0.7, 0.4], [0.6, 0.4, 0.1], [0.2, 0.1, 0.8], [0.4, 0.3, 0.5]]
)

Y_REG = np.array([3.0, -0.5, 2.0, 7.0])
PRED_REG = np.array([2.5, 0.0, 2.0, 8.0])

BOXES_TRUE = np.array([[0, 0, 2, 2], [0, 0, 4, 1]])
BOXES_PRED = np.array([[1, 1, 3, 3], [0, 0, 2, 2]])  # IoU 1/7 and 2/6

MASK_TRUE = np.array([[1, 1, 0], [0, 1, 0]])
MASK_PRED = np.array([[1, 0, 0], [1, 1, 0]])  # 2 shared of 4 in the union
LABELS_TRUE = np.array([[0, 0, 1], [1, 2, 2]])
LABELS_PRED = np.array([[0, 1, 1], [1, 2, 0]])  # per class 1/3, 2/3, 1/2

ONE_HOT_MC = np.eye(3)[Y_MC]

# name -> (arguments of from_predictions, expected value)
CASES = {
    "accuracy": ({"y_true": Y_MC, "y_pred": PRED_MC}, skm.accuracy_score(Y_MC, PRED_MC)),
    "balanced_accuracy": (
        {"y_true": Y_MC, "y_pred": PRED_MC},
        skm.balanced_accuracy_score(Y_MC, PRED_MC),
    ),
    "precision": ({"y_true": Y_BIN, "y_pred": PRED_BIN}, skm.precision_score(Y_BIN, PRED_BIN)),
    "recall": ({"y_true": Y_BIN, "y_pred": PRED_BIN}, skm.recall_score(Y_BIN, PRED_BIN)),
    "f1": ({"y_true": Y_BIN, "y_pred": PRED_BIN}, skm.f1_score(Y_BIN, PRED_BIN)),
    **{
        f"{name}_{average}": (
            {"y_true": Y_MC, "y_pred": PRED_MC},
            func(Y_MC, PRED_MC, average=average),
        )
        for name, func in (
            ("precision", skm.precision_score),
            ("recall", skm.recall_score),
            ("f1", skm.f1_score),
        )
        for average in ("macro", "micro", "weighted")
    },
    "roc_auc": ({"y_true": Y_BIN, "y_proba": P_BIN2}, skm.roc_auc_score(Y_BIN, P_BIN)),
    "roc_auc_ovr": (
        {"y_true": Y_MC, "y_proba": P_MC},
        skm.roc_auc_score(Y_MC, P_MC, multi_class="ovr"),
    ),
    "roc_auc_ovr_weighted": (
        {"y_true": Y_MC, "y_proba": P_MC},
        skm.roc_auc_score(Y_MC, P_MC, multi_class="ovr", average="weighted"),
    ),
    "average_precision": (
        {"y_true": Y_BIN, "y_proba": P_BIN},
        skm.average_precision_score(Y_BIN, P_BIN),
    ),
    "map": (
        {"y_true": Y_ML, "y_proba": S_ML},
        np.mean([skm.average_precision_score(Y_ML[:, j], S_ML[:, j]) for j in range(3)]),
    ),
    "log_loss": ({"y_true": Y_MC, "y_proba": P_MC}, skm.log_loss(Y_MC, P_MC)),
    # Multiclass Brier score by hand: mean over samples of the squared distance to the one-hot row.
    "brier": ({"y_true": Y_MC, "y_proba": P_MC}, np.mean(np.sum((ONE_HOT_MC - P_MC) ** 2, axis=1))),
    # Checked against a plain loop over the 15 bins below (hand-worked: test_metrics_calibration).
    "ece": ({"y_true": Y_BIN, "y_proba": P_BIN}, None),
    "iou_box": ({"y_true": BOXES_TRUE, "y_pred": BOXES_PRED}, (1 / 7 + 2 / 6) / 2),
    "iou_mask": ({"y_true": MASK_TRUE, "y_pred": MASK_PRED}, 2 / 4),
    "mean_iou": ({"y_true": LABELS_TRUE, "y_pred": LABELS_PRED}, (1 / 3 + 2 / 3 + 1 / 2) / 3),
    "r2": ({"y_true": Y_REG, "y_pred": PRED_REG}, skm.r2_score(Y_REG, PRED_REG)),
    "mae": ({"y_true": Y_REG, "y_pred": PRED_REG}, (0.5 + 0.5 + 0 + 1) / 4),
    "mse": ({"y_true": Y_REG, "y_pred": PRED_REG}, (0.25 + 0.25 + 0 + 1) / 4),
    "rmse": ({"y_true": Y_REG, "y_pred": PRED_REG}, np.sqrt((0.25 + 0.25 + 0 + 1) / 4)),
    # alarm rates by hand from the confusion matrix (1 = anomaly): FP / (FP + TN), FN / (FN + TP)
    "far": ({"y_true": Y_BIN, "y_pred": PRED_BIN},
            ((PRED_BIN == 1) & (Y_BIN == 0)).sum() / (Y_BIN == 0).sum()),
    "mar": ({"y_true": Y_BIN, "y_pred": PRED_BIN},
            ((PRED_BIN == 0) & (Y_BIN == 1)).sum() / (Y_BIN == 1).sum()),
}


def _ece_by_hand(y, p, n_bins=15):
    confidence = np.maximum(p, 1 - p)
    correct = (p > 0.5).astype(int) == y
    total = 0.0
    for low, high in zip(np.arange(n_bins) / n_bins, np.arange(1, n_bins + 1) / n_bins):
        members = (confidence > low) & (confidence <= high)
        if members.any():
            total += (
                members.sum() / len(y) * abs(correct[members].mean() - confidence[members].mean())
            )
    return total


CASES["ece"] = (CASES["ece"][0], _ece_by_hand(Y_BIN, P_BIN))

REQUIRED = {
    "accuracy", "balanced_accuracy", "precision", "recall", "f1",
    "precision_macro", "precision_micro", "precision_weighted",
    "recall_macro", "recall_micro", "recall_weighted",
    "f1_macro", "f1_micro", "f1_weighted",
    "roc_auc", "roc_auc_ovr", "roc_auc_ovr_weighted", "average_precision", "map",
    "log_loss", "brier", "ece", "iou_box", "iou_mask", "r2", "mae", "mse", "rmse", "far", "mar",
}  # fmt: skip
LOSSES = {"log_loss", "brier", "ece", "mae", "mse", "rmse", "far", "mar"}


@pytest.fixture
def restore_registry():
    """Undo registrations made by a test."""
    saved = _registry.METRIC_REGISTRY.snapshot()
    yield
    _registry.METRIC_REGISTRY.restore(saved)


def test_every_builtin_name_is_required_and_tested():
    builtin = {metric.name for metric in _registry._builtin_metrics()}
    assert REQUIRED <= builtin <= set(METRICS)
    assert builtin == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_matches_reference(name):
    arguments, expected = CASES[name]
    assert get_metric(name).from_predictions(**arguments) == pytest.approx(expected)
    assert score(name, **arguments) == pytest.approx(expected)


@pytest.mark.parametrize("name", sorted(CASES))
def test_direction_and_fields(name):
    metric = get_metric(name)
    assert metric.name == name
    assert metric.greater_is_better == (name not in LOSSES)
    assert metric.response in {"predict", "predict_proba", "decision"}


def test_binary_brier_is_sklearn_and_halved():
    expected = np.mean((Y_BIN - P_BIN) ** 2)
    assert skm.brier_score_loss(Y_BIN, P_BIN) == pytest.approx(expected)
    assert score("brier", Y_BIN, y_proba=P_BIN) == pytest.approx(expected)
    assert score("brier", Y_BIN, y_proba=P_BIN2) == pytest.approx(expected)


@pytest.mark.parametrize("name", ["roc_auc", "average_precision", "log_loss", "brier", "ece"])
def test_binary_one_or_two_columns_agree(name):
    assert score(name, Y_BIN, y_proba=P_BIN) == pytest.approx(score(name, Y_BIN, y_proba=P_BIN2))


@pytest.mark.parametrize("name", ["log_loss", "brier", "roc_auc_ovr", "ece"])
def test_classes_give_the_column_order(name):
    labels = np.array(["cat", "dog", "emu"])
    permutation = [2, 0, 1]
    reordered = score(name, labels[Y_MC], y_proba=P_MC[:, permutation], classes=labels[permutation])
    assert reordered == pytest.approx(score(name, Y_MC, y_proba=P_MC))


def test_string_binary_labels_use_classes_for_the_positive_class():
    y = np.array(["no", "yes"])[Y_BIN]
    pred = np.array(["no", "yes"])[PRED_BIN]
    assert score("f1", y, y_pred=pred, classes=["no", "yes"]) == pytest.approx(
        skm.f1_score(Y_BIN, PRED_BIN)
    )
    # "no" as the positive class: the F1 of the zeros.
    assert score("f1", y, y_pred=pred, classes=["yes", "no"]) == pytest.approx(
        skm.f1_score(Y_BIN, PRED_BIN, pos_label=0)
    )
    assert score("roc_auc", y, y_proba=P_BIN) == pytest.approx(skm.roc_auc_score(Y_BIN, P_BIN))


def test_fold_missing_a_class_needs_classes():
    # Only classes 0 and 2 occur, but the model knows three.
    y, proba = Y_MC[Y_MC != 1], P_MC[Y_MC != 1]
    with pytest.raises(InvalidInputError, match="pass classes="):
        score("log_loss", y, y_proba=proba)
    assert score("log_loss", y, y_proba=proba, classes=[0, 1, 2]) == pytest.approx(
        skm.log_loss(y, proba, labels=[0, 1, 2])
    )


def test_mean_average_precision_alias():
    assert get_metric("mean_average_precision") is get_metric("map")


@pytest.mark.parametrize("spelling", ["F1-Macro", " f1 macro", "F1_MACRO"])
def test_names_are_normalised(spelling):
    assert get_metric(spelling).name == "f1_macro"


def test_unknown_name_lists_choices():
    with pytest.raises(UnknownNameError, match=r"Valid names are: .*accuracy.*roc_auc_ovr") as info:
        get_metric("roc_auc_ovo")
    assert "Did you mean 'roc_auc_ovr'" in str(info.value)
    with pytest.raises(KeyError):  # also a KeyError, like a dict lookup
        get_metric("nope")


def test_get_metric_passes_a_metric_through():
    metric = get_metric("mae")
    assert get_metric(metric) is metric
    assert score(metric, Y_REG, y_pred=PRED_REG) == pytest.approx(0.5)


def test_register_then_refuse_a_second_time(restore_registry):
    custom = Metric("f2", skm.fbeta_score, kwargs={"beta": 2}, task="binary")
    assert register_metric(custom) is custom
    assert get_metric("F2") is custom
    assert "f2" in METRICS
    assert score("f2", Y_BIN, y_pred=PRED_BIN) == pytest.approx(
        skm.fbeta_score(Y_BIN, PRED_BIN, beta=2)
    )
    with pytest.raises(InvalidParameterError, match="already registered; pass overwrite=True"):
        register_metric(Metric("f2", skm.f1_score))
    replacement = Metric("f2", skm.f1_score)
    register_metric(replacement, overwrite=True)
    assert get_metric("f2") is replacement


def test_register_over_an_alias_needs_overwrite(restore_registry):
    mine = Metric("mean_average_precision", skm.average_precision_score, "decision")
    with pytest.raises(InvalidParameterError, match="already registered"):
        register_metric(mine)
    register_metric(mine, overwrite=True)
    assert get_metric("mean_average_precision") is mine
    assert get_metric("map") is not mine


def test_register_rejects_non_metrics():
    with pytest.raises(InvalidParameterError, match="expects a Metric"):
        register_metric(skm.f1_score)
