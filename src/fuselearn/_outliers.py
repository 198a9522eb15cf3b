"""How an anomaly score is read from an outlier detector, scikit-learn's or pyod's (they disagree).

One rule for :class:`~fuselearn.estimators.FusionAnomalyDetector` (reading its members) and for the
experiment runner's anomaly task (reading a pipeline). It sits below every layer (as ``_validation``)
so that the runner reads detectors without importing the estimators package (and torch with it).
"""

from __future__ import annotations

import numpy as np

__all__ = ["final_estimator", "is_pyod", "read_anomaly_score", "score_method"]


def final_estimator(estimator) -> object:
    """The last step of a (nested) Pipeline, or the estimator itself."""
    while isinstance(getattr(estimator, "steps", None), list) and estimator.steps:
        estimator = estimator.steps[-1][1]
    return estimator


def is_pyod(estimator) -> bool:
    """Whether ``estimator`` (or a Pipeline's last step) is a pyod detector: its ``predict`` is 0/1
    (1 = anomaly) and its ``decision_function`` is higher = more anomalous, unlike scikit-learn's."""
    return type(final_estimator(estimator)).__module__.split(".")[0] == "pyod"


def score_method(est) -> str | None:
    """How to read an anomaly score from ``est`` (a detector or a Pipeline ending in one): pyod's
    ``decision_function`` is already one (higher = more anomalous); scikit-learn's ``score_samples`` /
    ``decision_function`` are higher = more normal. None: it cannot score new data."""
    if is_pyod(est):
        return "pyod" if hasattr(est, "decision_function") else None
    if hasattr(est, "score_samples"):
        return "score_samples"
    if hasattr(est, "decision_function"):
        return "decision_function"
    return None


def read_anomaly_score(est, how: str, X) -> np.ndarray:
    """The anomaly score (higher = more anomalous) of ``X`` by ``est``, read as ``score_method`` said."""
    if how == "pyod":
        return np.asarray(est.decision_function(X), dtype=np.float64).ravel()
    return -np.asarray(getattr(est, how)(X), dtype=np.float64).ravel()
