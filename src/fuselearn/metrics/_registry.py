"""The registry of named metrics: built-ins, lookup by name, and registration of new ones."""

from __future__ import annotations

from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)

from .._registry import Registry
from ..exceptions import InvalidParameterError
from ._alarms import false_alarm_rate, missed_alarm_rate
from ._calibration import expected_calibration_error
from ._iou import mask_iou, mean_box_iou, mean_iou
from ._metric import BinaryOnly, Metric

__all__ = ["METRICS", "get_metric", "register_metric", "score"]


def _labels(name, func, task, **kwargs) -> Metric:
    return Metric(name, func, "predict", True, task, kwargs)


def _loss(name, func, response, task, **kwargs) -> Metric:
    return Metric(name, func, response, False, task, kwargs)


def _builtin_metrics() -> list[Metric]:
    metrics = [
        _labels("accuracy", accuracy_score, "any"),
        _labels("balanced_accuracy", balanced_accuracy_score, "multiclass"),
    ]
    for name, func in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        metrics.append(
            _labels(name, BinaryOnly(func, name, f"{name}_macro", labels=True), "binary")
        )
        for average in ("macro", "micro", "weighted"):
            metrics.append(_labels(f"{name}_{average}", func, "multiclass", average=average))

    roc_auc = BinaryOnly(roc_auc_score, "roc_auc", "roc_auc_ovr", labels=False)
    average_precision = BinaryOnly(
        average_precision_score,
        "average_precision",
        "map' on a label indicator matrix (sklearn.preprocessing.label_binarize) or 'roc_auc_ovr",
        labels=False,
    )
    ovr = {"multi_class": "ovr"}
    metrics += [
        Metric("roc_auc", roc_auc, "decision", True, "binary"),
        # Probabilities, not margins: one-vs-rest AUC of a multiclass model needs rows summing to 1.
        Metric("roc_auc_ovr", roc_auc_score, "predict_proba", True, "multiclass", ovr),
        Metric(
            "roc_auc_ovr_weighted",
            roc_auc_score,
            "predict_proba",
            True,
            "multiclass",
            {**ovr, "average": "weighted"},
        ),
        Metric("average_precision", average_precision, "decision", True, "binary"),
        Metric(
            "map", average_precision_score, "decision", True, "multilabel", {"average": "macro"}
        ),
        _loss("log_loss", log_loss, "predict_proba", "multiclass"),
        # scikit-learn >= 1.7 scores multiclass too: halved to [0, 1] for two classes, [0, 2] above.
        _loss("brier", brier_score_loss, "predict_proba", "multiclass"),
        _loss("ece", expected_calibration_error, "predict_proba", "multiclass", n_bins=15),
        _labels("iou_box", mean_box_iou, "regression"),
        _labels("iou_mask", mask_iou, "binary"),
        _labels("mean_iou", mean_iou, "multiclass"),
        _labels("r2", r2_score, "regression"),
        _loss("mae", mean_absolute_error, "predict", "regression"),
        _loss("mse", mean_squared_error, "predict", "regression"),
        _loss("rmse", root_mean_squared_error, "predict", "regression"),
        # anomaly detection (SKAB): label 1 = anomaly
        _loss("far", false_alarm_rate, "predict", "binary"),
        _loss("mar", missed_alarm_rate, "predict", "binary"),
    ]
    return metrics


#: The registry behind :func:`get_metric` (names and aliases); the experiment config checks names with it.
METRIC_REGISTRY: Registry[Metric] = Registry("metric", on_duplicate="raise")
for _metric in _builtin_metrics():
    METRIC_REGISTRY.register(_metric.name, _metric)
METRIC_REGISTRY.add_alias("mean_average_precision", "map")
METRIC_REGISTRY.add_alias("false_alarm_rate", "far")
METRIC_REGISTRY.add_alias("missed_alarm_rate", "mar")

#: Read-only, live view of the registered metrics by name (aliases are left out).
METRICS = METRIC_REGISTRY.mapping()


def get_metric(name: str | Metric) -> Metric:
    """Return the registered metric of a name.

    Parameters
    ----------
    name : str or Metric
        A registered name or alias, in any case, with dashes or underscores (``"F1-Macro"``). A
        :class:`Metric` is returned as it is.

    Returns
    -------
    Metric

    Raises
    ------
    UnknownNameError
        The name is not registered; the message lists the valid names.

    Examples
    --------
    >>> from fuselearn.metrics import get_metric
    >>> get_metric("Mean-Average-Precision").name
    'map'
    """
    if isinstance(name, Metric):
        return name
    return METRIC_REGISTRY.get(name)


def register_metric(metric: Metric, *, overwrite: bool = False) -> Metric:
    """Add ``metric`` to the registry under ``metric.name``.

    Parameters
    ----------
    metric : Metric
        The metric to register.
    overwrite : bool, default=False
        Replace a metric (or alias) registered under the same name instead of raising.

    Returns
    -------
    Metric
        ``metric``, so that a module can keep a reference in one line.

    Raises
    ------
    InvalidParameterError
        ``metric`` is not a :class:`Metric`, or its name is taken and ``overwrite`` is False.

    Examples
    --------
    >>> from sklearn.metrics import fbeta_score
    >>> from fuselearn.metrics import Metric, register_metric, score
    >>> _ = register_metric(Metric("f2_doc", fbeta_score, kwargs={"beta": 2}), overwrite=True)
    >>> score("f2-doc", [0, 1, 1, 0], y_pred=[0, 1, 1, 1])
    0.9090909090909091
    """
    if not isinstance(metric, Metric):
        raise InvalidParameterError(
            f"register_metric expects a Metric. Got {type(metric).__name__} instead; wrap the "
            "function as Metric(name, func, response=..., greater_is_better=..., task=...)."
        )
    return METRIC_REGISTRY.register(metric.name, metric, overwrite=overwrite)


def score(name_or_metric, y_true, *, y_pred=None, y_proba=None, classes=None) -> float:
    """Compute a metric by name from predictions: ``get_metric(name).from_predictions(...)``.

    Parameters
    ----------
    name_or_metric : str or Metric
        A registered name (see ``METRICS``) or a :class:`Metric`.
    y_true, y_pred, y_proba, classes
        As in :meth:`Metric.from_predictions`.

    Returns
    -------
    float

    Examples
    --------
    >>> from fuselearn.metrics import score
    >>> score("accuracy", [0, 1, 1, 0], y_pred=[0, 1, 0, 0])
    0.75
    >>> score("log_loss", ["a", "b"], y_proba=[[0.8, 0.2], [0.2, 0.8]], classes=["a", "b"])
    0.2231435513142097
    """
    return get_metric(name_or_metric).from_predictions(
        y_true, y_pred=y_pred, y_proba=y_proba, classes=classes
    )
