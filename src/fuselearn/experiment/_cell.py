"""One cell of the grid: fit a pipeline on a fold's training rows and score its test rows.

:func:`run_cell` is a plain function of a small picklable payload, so the same code runs in a local
worker process and on a Dask worker. It never raises: an error is returned with its traceback.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Cell", "member_share", "run_cell", "share_key"]


@dataclass(frozen=True)
class Cell:
    """One (dataset, pipeline, seed, fold) of the grid, with a stable id."""

    dataset: str
    pipeline: str
    seed: int
    fold: int

    @property
    def cell_id(self) -> str:
        """``dataset|pipeline|seed=S|fold=F``: stable across runs of one config."""
        return f"{self.dataset}|{self.pipeline}|seed={self.seed}|fold={self.fold}"


# Per-process caches, so that a worker parses the config and loads each dataset once.
_CONFIGS: dict[str, Any] = {}
_DATA: dict[tuple[str, str], Any] = {}
# Fitted FusionClassifiers by share key: fusions that differ only in `method` reuse one fit of the
# members (and their out-of-fold predictions) on the same fold through `refit_combiner`, and the
# members' own cells take their fitted member (see `member_share`).
_FITTED: dict[str, Any] = {}
_FITTED_MAX = 16


_FUSIONS = ("fuselearn.FusionClassifier", "fuselearn.estimators.FusionClassifier")


def share_key(payload: dict, pipeline: Any) -> str | None:
    """The key under which fusions of one fold share their members' fit, or None.

    Two cells share it when they are the same (dataset, seed, fold) of one run and their
    pipelines are FusionClassifiers that differ at most in ``params.method``.
    """
    import json

    if pipeline.estimator not in _FUSIONS:
        return None
    spec = pipeline.model_dump(exclude={"name"})
    spec["params"] = {k: v for k, v in spec["params"].items() if k != "method"}
    return json.dumps(
        [payload["config_hash"], payload["dataset"], payload["seed"], payload["fold"], spec],
        sort_keys=True,
        default=str,
    )


def member_share(payload: dict, pipeline: Any, pipelines: list) -> tuple[str, str] | None:
    """For a pipeline that a fusion of the same run takes as a member (``ref``): that fusion's
    share key and the member's name in it, else None.

    The fusion fits each member on all of the fold's training rows, exactly as the member's own
    cell would (same spec, same seed), so the member's cell can take that fitted member instead of
    fitting it again; :func:`_fit` checks that the two estimators' parameters are equal first.
    Fusions that set nested member parameters (``name__param``) are not used.
    """
    for other in pipelines:
        if other.estimator not in _FUSIONS or any("__" in k for k in other.params):
            continue
        for member in other.estimators or []:
            if member.ref == pipeline.name:
                return share_key(payload, other), member.name or member.ref
    return None


def _same_params(a: Any, b: Any) -> bool:
    from joblib import hash as joblib_hash
    from sklearn.base import clone

    try:
        return joblib_hash(clone(a)) == joblib_hash(clone(b))
    except Exception:  # noqa: BLE001 - anything unclonable or unhashable is simply not shared
        return False


def _fit(estimator: Any, key: str | None, X, y, member: str | None = None) -> tuple[Any, bool, float]:
    """Fit, or take the fit from a cached fusion fitted on the same rows.

    Returns the fitted estimator, whether the fit was shared, and the fit's seconds (for a member
    taken from a fusion, the seconds the fusion spent fitting it).
    """
    import copy

    start = time.perf_counter()
    if key is not None and key in _FITTED:
        fused = _FITTED[key]
        if member is None:
            fused = copy.deepcopy(fused)
            fused.refit_combiner(X, y, method=estimator.method)
            return fused, True, time.perf_counter() - start
        fitted = fused.named_estimators_.get(member)
        seconds = getattr(fused, "member_fit_seconds_", {}).get(member)
        if fitted is not None and seconds is not None and _same_params(fitted, estimator):
            return copy.deepcopy(fitted), True, seconds
    estimator.fit(X, y)
    seconds = time.perf_counter() - start
    if key is not None and member is None and getattr(estimator, "oof_predictions_", None) is not None:
        if len(_FITTED) >= _FITTED_MAX:
            _FITTED.pop(next(iter(_FITTED)))
        _FITTED[key] = copy.deepcopy(estimator)
    return estimator, False, seconds


def _config(payload: dict) -> Any:
    from ._config import ExperimentConfig

    key = payload["config_hash"]
    if key not in _CONFIGS:
        _CONFIGS.clear()
        _DATA.clear()
        _CONFIGS[key] = ExperimentConfig.model_validate(
            {**payload["config"], "base_dir": payload["base_dir"]}
        )
    return _CONFIGS[key]


def _data(config: Any, payload: dict) -> Any:
    from ._data import load_data

    key = (payload["config_hash"], payload["dataset"])
    if key not in _DATA:
        ds = next(d for d in config.datasets if d.name == payload["dataset"])
        _DATA[key] = load_data(ds, config)
    return _DATA[key]


def _scores(metrics: list[str], y_true, y_pred, y_proba, classes) -> dict[str, float]:
    from ..metrics import get_metric

    out = {}
    for name in metrics:
        metric = get_metric(name)
        if metric.response == "predict":
            value = metric.from_predictions(y_true, y_pred=y_pred, classes=classes)
        else:
            if y_proba is None:
                raise ValueError(
                    f"Metric {name!r} needs predicted probabilities but the pipeline has no "
                    "predict_proba."
                )
            value = metric.from_predictions(y_true, y_proba=y_proba, classes=classes)
        out[metric.name] = float(value)
    return out


def run_cell(payload: dict) -> dict[str, Any]:
    """Fit and score one cell.

    Parameters
    ----------
    payload : dict
        ``config`` (plain data), ``base_dir``, ``config_hash``, ``cell_id``, ``dataset``,
        ``pipeline``, ``seed``, ``fold``, ``train`` and ``test`` (row indices).

    Returns
    -------
    dict
        ``cell_id``, ``dataset``, ``pipeline``, ``seed``, ``fold``, ``status`` (``"ok"`` or
        ``"failed"``), ``scores``, ``fit_time``, ``predict_time``, ``n_train``, ``n_test``,
        ``predictions`` (dict of arrays: ``index``, ``y_true``, ``y_pred``, ``y_proba``,
        ``classes``), ``error`` (traceback) and ``worker``.
    """
    result: dict[str, Any] = {
        key: payload[key] for key in ("cell_id", "dataset", "pipeline", "seed", "fold")
    }
    result.update(
        status="failed",
        scores={},
        fit_time=None,
        predict_time=None,
        predictions=None,
        error=None,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    started = time.perf_counter()
    try:
        from ._build import build_pipeline
        from ._data import take_rows

        config = _config(payload)
        data = _data(config, payload)
        train, test = np.asarray(payload["train"]), np.asarray(payload["test"])
        result["n_train"], result["n_test"] = len(train), len(test)
        pipe_cfg = next(p for p in config.pipelines if p.name == payload["pipeline"])
        estimator = build_pipeline(pipe_cfg, config.pipelines, seed=payload["seed"])
        X_train, X_test = take_rows(data.X, train), take_rows(data.X, test)
        y_train, y_test = data.y[train], data.y[test]
        result["setup_time"] = time.perf_counter() - started

        key, member = share_key(payload, pipe_cfg), None
        if key is None and (found := member_share(payload, pipe_cfg, config.pipelines)):
            key, member = found
        estimator, result["shared_fit"], result["fit_time"] = _fit(
            estimator, key, X_train, y_train, member
        )

        t0 = time.perf_counter()
        y_pred = np.asarray(estimator.predict(X_test))
        y_proba = None
        if hasattr(estimator, "predict_proba") and data.task != "regression":
            try:
                y_proba = np.asarray(estimator.predict_proba(X_test), dtype=np.float64)
            except (AttributeError, NotImplementedError):
                y_proba = None
        result["predict_time"] = time.perf_counter() - t0

        classes = getattr(estimator, "classes_", None)
        result["scores"] = _scores(config.metrics, y_test, y_pred, y_proba, classes)
        result["predictions"] = {
            "index": test,
            "y_true": y_test,
            "y_pred": y_pred,
            "y_proba": y_proba,
            "classes": None if classes is None else np.asarray(classes),
        }
        result["status"] = "ok"
    except Exception:  # noqa: BLE001 - a failing cell is stored, the run goes on
        result["error"] = traceback.format_exc()
    result["total_time"] = time.perf_counter() - started
    return result
