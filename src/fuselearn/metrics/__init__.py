"""Metric registry: named scorers (accuracy ... IoU) used by every layer above."""

from ._alarms import false_alarm_rate, missed_alarm_rate
from ._calibration import expected_calibration_error
from ._iou import box_iou, mask_iou, mean_iou, paired_box_iou
from ._metric import RESPONSES, TASKS, Metric
from ._registry import METRICS, get_metric, register_metric, score

__all__ = [
    "METRICS",
    "RESPONSES",
    "TASKS",
    "Metric",
    "box_iou",
    "expected_calibration_error",
    "false_alarm_rate",
    "get_metric",
    "mask_iou",
    "mean_iou",
    "missed_alarm_rate",
    "paired_box_iou",
    "register_metric",
    "score",
]
