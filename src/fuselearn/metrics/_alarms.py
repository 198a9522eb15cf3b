"""False and missed alarm rates of a binary anomaly detector (SKAB's FAR and MAR).

scikit-learn has no function for either; both are ratios of the confusion matrix that
``sklearn.metrics.confusion_matrix`` gives, computed from it here.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix

__all__ = ["false_alarm_rate", "missed_alarm_rate"]


def _counts(y_true, y_pred, pos_label) -> tuple[int, int, int, int]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    truth, pred = y_true == pos_label, y_pred == pos_label
    tn, fp, fn, tp = confusion_matrix(truth, pred, labels=[False, True]).ravel()
    return int(tp), int(fp), int(fn), int(tn)


def false_alarm_rate(y_true, y_pred, *, pos_label=1) -> float:
    """``FP / (FP + TN)``: the share of normal points flagged (0 when there is no normal point).

    Examples
    --------
    >>> false_alarm_rate([0, 0, 0, 1], [1, 0, 0, 1])
    0.3333333333333333
    """
    _, fp, _, tn = _counts(y_true, y_pred, pos_label)
    return fp / (fp + tn) if fp + tn else 0.0


def missed_alarm_rate(y_true, y_pred, *, pos_label=1) -> float:
    """``FN / (FN + TP)``: the share of anomalous points not flagged (0 when there is none).

    Examples
    --------
    >>> missed_alarm_rate([0, 1, 1, 1], [0, 1, 0, 1])
    0.3333333333333333
    """
    tp, _, fn, _ = _counts(y_true, y_pred, pos_label)
    return fn / (fn + tp) if fn + tp else 0.0
