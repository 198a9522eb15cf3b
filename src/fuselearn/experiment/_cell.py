"""One cell of the grid: fit a pipeline on a fold's training rows and score its test rows.

The runner hands each cell to a worker as a :class:`CellTask` and gets a :class:`CellResult` back;
both are plain picklable dataclasses, so the same :func:`run_cell` runs in this process, in a local
worker process and on a Dask worker, and the store reads the :class:`CellResult`. ``run_cell``
never raises: an error is returned in the result with its traceback.

Sharing member fits
-------------------
An estimator may let the runner reuse one fit of its members across cells (duck-typed, no class
is named here; see the shared protocol in ``docs/design.md``):

``_fuselearn_combiner_params`` (class attribute, tuple of str)
    The constructor parameters that change only how fitted members are combined. Cells whose
    estimators are equal except for these (same dataset, seed and fold) share one key.
``refit_combiner(X, y, **params)``
    Set those parameters and refit only the combiner; raises
    :class:`~fuselearn.exceptions.InvalidParameterError` when the stored fit cannot serve them
    (the cell then fits normally).
``fitted_member(name)``
    ``(estimator, fit_seconds)`` of a member fitted on all training rows, or None; a member's own
    cell takes it after comparing the two estimators' parameters.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..exceptions import InvalidParameterError

__all__ = [
    "Cell", "CellResult", "CellTask", "combiner_params", "members_of", "plan_sharing", "run_cell",
    "share_key",
]


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


@dataclass(frozen=True)
class CellTask:
    """Everything a worker needs to run one cell (picklable: local pool and Dask alike).

    Attributes
    ----------
    cell : Cell
    config : dict
        The config as plain data (:meth:`ExperimentConfig.to_dict`); a worker parses it once.
    base_dir : str
        The folder relative paths of the config refer to.
    config_hash : str
    train, test : ndarray
        Row indices of the fold.
    share : str or None
        Key of the fit this cell may share with others in the same worker (see the module doc):
        the cell's own key when its estimator implements the protocol, the key of the estimator
        it is a member of when ``member`` is set, else None.
    member : str or None
        The member name under which the ``share`` estimator holds this cell's estimator.
    explain : bool
        Whether the cell explains its fitted model after scoring it (``insights``, see
        :mod:`._insights`).
    """

    cell: Cell
    config: dict[str, Any]
    base_dir: str
    config_hash: str
    train: np.ndarray
    test: np.ndarray
    share: str | None = None
    member: str | None = None
    explain: bool = False

    @property
    def cell_id(self) -> str:
        """The cell's stable id."""
        return self.cell.cell_id


@dataclass
class CellResult:
    """What running one cell gave; :meth:`Store.write_cell` stores it as one row.

    Attributes
    ----------
    cell : Cell
    status : {"ok", "failed"}
    n_train, n_test : int
    scores : dict of str to float
        Metric name to value (empty when failed).
    fit_time, predict_time : float or None
        Seconds; for a shared fit, what the fit took where it was made.
    setup_time : float or None
        Seconds to parse the config, load the data (first cell of a worker) and build the estimator.
    total_time : float or None
        Seconds from receiving the task to the result.
    shared_fit : bool
        Whether the fit (or the members' fit) was taken from another cell of the same worker.
    predictions : dict or None
        Arrays ``index``, ``y_true``, ``y_pred``, ``y_proba`` (or None), ``classes`` (or None).
    error : str or None
        The traceback (or reason) of a failed cell.
    worker : str or None
        ``host:pid`` of the process that ran it.
    insights : dict or None
        The explanation of the fitted model (:func:`._insights.compute_insights`), for a cell of
        the explained fold; stored in the same transaction as the scores.
    """

    cell: Cell
    status: str
    n_train: int
    n_test: int
    scores: dict[str, float] = field(default_factory=dict)
    fit_time: float | None = None
    predict_time: float | None = None
    setup_time: float | None = None
    total_time: float | None = None
    shared_fit: bool = False
    predictions: dict[str, Any] | None = None
    error: str | None = None
    worker: str | None = None
    insights: dict[str, Any] | None = None

    @property
    def cell_id(self) -> str:
        """The cell's stable id."""
        return self.cell.cell_id

    @property
    def ok(self) -> bool:
        """Whether the cell succeeded."""
        return self.status == "ok"

    @classmethod
    def failed(cls, task: CellTask, error: str, **times: float | None) -> CellResult:
        """A failed result for ``task`` with ``error`` (a traceback or a reason)."""
        return cls(
            cell=task.cell, status="failed", n_train=len(task.train), n_test=len(task.test),
            error=error, **times,
        )


# --- sharing ------------------------------------------------------------------------------------


def combiner_params(estimator: Any) -> tuple[str, ...] | None:
    """The estimator's ``_fuselearn_combiner_params`` (the member-fit sharing protocol), else None."""
    names = getattr(type(estimator), "_fuselearn_combiner_params", None)
    return None if names is None else tuple(names)


def share_key(estimator: Any, task_key: tuple) -> str | None:
    """The key under which cells share one fit of ``estimator``'s members, or None.

    Parameters
    ----------
    estimator : estimator
        The cell's built (unfitted) estimator.
    task_key : tuple
        What else must be equal: (config hash, dataset, seed, fold).

    Returns
    -------
    str or None
        None when the estimator does not implement the protocol or its parameters cannot be hashed.
    """
    from joblib import hash as joblib_hash

    names = combiner_params(estimator)
    if names is None or not hasattr(estimator, "get_params"):
        return None
    params = {k: v for k, v in estimator.get_params(deep=False).items() if k not in names}
    try:
        return joblib_hash((type(estimator), params, task_key))
    except Exception:  # noqa: BLE001 - unhashable parameters: simply not shared
        return None


def members_of(estimator: Any) -> list[tuple[str, Any]]:
    """The (name, estimator) members a sharing estimator fits: its ``estimators`` parameter."""
    members = estimator.get_params(deep=False).get("estimators") or []
    return [m for m in members if isinstance(m, tuple) and len(m) == 2]


def plan_sharing(estimators: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """Which pipelines' cells share a fit: pipeline name -> (owner pipeline, member name or None).

    A pipeline whose estimator implements the protocol owns its share (member None). A pipeline
    whose estimator has the same parameters as a member of such an estimator takes that member
    (the first one found); the others are absent.

    Parameters
    ----------
    estimators : dict of str to estimator
        Every pipeline's built estimator (one seed).
    """
    owners = [name for name, est in estimators.items() if combiner_params(est) is not None]
    plan: dict[str, tuple[str, str | None]] = {name: (name, None) for name in owners}
    for name, est in estimators.items():
        if name in plan:
            continue
        for owner in owners:
            found = next(
                (m for m, member in members_of(estimators[owner]) if _same_params(member, est)),
                None,
            )
            if found is not None:
                plan[name] = (owner, found)
                break
    return plan


def _same_params(a: Any, b: Any) -> bool:
    from joblib import hash as joblib_hash
    from sklearn.base import clone

    try:
        return joblib_hash(clone(a)) == joblib_hash(clone(b))
    except Exception:  # noqa: BLE001 - anything unclonable or unhashable is simply not shared
        return False


def _refit(shared: Any, estimator: Any, X, y) -> Any:
    """A copy of ``shared`` with the combiner parameters of ``estimator``, refitted."""
    names = combiner_params(estimator)
    params = {k: v for k, v in estimator.get_params(deep=False).items() if k in names}
    return copy.deepcopy(shared).refit_combiner(X, y, **params)


def _fitted_member(shared: Any, name: str) -> tuple[Any, float] | None:
    fitted_member = getattr(shared, "fitted_member", None)
    return None if fitted_member is None else fitted_member(name)


# Per-process caches: a worker parses the config once and keeps recent shared fits.
_CONFIGS: dict[str, Any] = {}
_FITTED: dict[str, Any] = {}
_FITTED_MAX = 16


def _fit(estimator: Any, task: CellTask, X, y) -> tuple[Any, bool, float]:
    """Fit, or take the fit from an estimator of the same worker fitted on the same rows.

    Returns the fitted estimator, whether the fit was shared, and the fit's seconds (for a member
    taken from a shared fit: the seconds that fit spent on it).
    """
    start = time.perf_counter()
    key = task.share
    shared = _FITTED.get(key) if key is not None else None
    if shared is not None and task.member is None:
        try:
            return _refit(shared, estimator, X, y), True, time.perf_counter() - start
        except InvalidParameterError:  # the stored fit cannot serve these combiner parameters
            pass
    elif shared is not None:
        found = _fitted_member(shared, task.member)
        if found is not None and _same_params(found[0], estimator):
            # predicting does not change a fitted estimator: the cell may use it as it is
            return found[0], True, found[1]
    estimator.fit(X, y)
    seconds = time.perf_counter() - start
    if key is not None and task.member is None:
        # kept as it is: this cell only predicts with it, and a refit works on a deep copy
        _FITTED.pop(key, None)
        if len(_FITTED) >= _FITTED_MAX:
            _FITTED.pop(next(iter(_FITTED)))
        _FITTED[key] = estimator
    return estimator, False, seconds


# --- running ------------------------------------------------------------------------------------


def _config(task: CellTask) -> Any:
    from ._config import ExperimentConfig

    # the insights section is not part of the hash, but changes what an explained cell computes
    key = f"{task.config_hash}|{json.dumps(task.config.get('insights'), sort_keys=True)}"
    if key not in _CONFIGS:
        _CONFIGS.clear()
        _FITTED.clear()
        _CONFIGS[key] = ExperimentConfig.model_validate({**task.config, "base_dir": task.base_dir})
    return _CONFIGS[key]


def _scores(metrics: list[str], y_true, y_pred, y_proba, classes) -> dict[str, float]:
    from ..metrics import get_metric

    out = {}
    for name in metrics:
        metric = get_metric(name)
        if metric.response == "predict":
            value = metric.from_predictions(y_true, y_pred=y_pred, classes=classes)
        else:
            if y_proba is None:
                raise InvalidParameterError(
                    f"Metric {name!r} needs predicted probabilities but the pipeline has no "
                    "predict_proba; choose a metric of predictions (e.g. accuracy)."
                )
            value = metric.from_predictions(y_true, y_proba=y_proba, classes=classes)
        out[metric.name] = float(value)
    return out


def _insights(estimator, config, dataset, data, train, test, y_train, task: CellTask) -> dict:
    """The cell's insights document; a failure becomes a note, never a failed cell."""
    from ._data import take_rows
    from ._insights import compute_insights, failed_insights

    started = time.perf_counter()
    try:
        sensitive = None if data.sensitive is None else data.sensitive.iloc[test]
        return compute_insights(
            estimator, config, dataset, X_test=take_rows(data.X, test), y_test=data.y[test],
            y_train=y_train, sensitive=sensitive, task=data.task, seed=task.cell.seed,
        )
    except Exception:  # noqa: BLE001 - the scores stand; the report shows why insights are missing
        return failed_insights(config, dataset.name, started)


def _where(task: CellTask, data, test: np.ndarray) -> str:
    """``pipeline 'p' on group 'valve1/0.csv' (fold 3) of dataset 'skab'``: where a cell failed."""
    group = ""
    if data.groups is not None and len(test):
        g = int(data.groups[test[0]])
        name = data.group_names[g] if data.group_names is not None and g < len(data.group_names) else g
        group = f" on series {name!r}"
    return f"pipeline {task.cell.pipeline!r}{group} (fold {task.cell.fold}) of dataset {task.cell.dataset!r}"


def _located(exc: Exception, where: str) -> Exception:
    """The same fuselearn error with where it happened in front (other errors as they are)."""
    from ..exceptions import FuselearnError

    if not isinstance(exc, FuselearnError):
        return exc
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    try:  # one line: a run's progress and the report show the traceback's last line
        located = type(exc)(f"{where}: {text}")
    except TypeError:  # an error class with a constructor of its own
        return exc
    located.__cause__ = exc
    return located


def _run_anomaly(estimator, task: CellTask, config, data, train, test, result: CellResult) -> None:
    """An anomaly cell: fit the detector on the training rows WITHOUT labels, label and score the
    test rows, store the metrics and the confusion counts (:mod:`._detection`).

    When the training rows are the rows just before the test rows (``group_head``,
    ``time_series``), the detector scores them all in time order and the test rows' outputs are
    kept, so that windows and filters of the first test rows see the rows before them (the past
    only), as SKAB's benchmark does.
    """
    from ._data import take_rows
    from ._detection import anomaly_scores, detector_outputs

    where = _where(task, data, test)
    try:
        # y=None: the labels never reach the detector
        estimator, result.shared_fit, result.fit_time = _fit(estimator, task, take_rows(data.X, train), None)
    except Exception as exc:  # re-raised with the series it failed on
        located = _located(exc, f"fitting {where} on its first {len(train)} rows")
        if located is exc:
            raise
        raise located from exc
    rows = np.concatenate([train, test])
    in_order = len(train) > 0 and np.array_equal(rows, np.arange(rows[0], rows[0] + len(rows)))
    t0 = time.perf_counter()
    try:
        if in_order:
            labels, score = detector_outputs(estimator, take_rows(data.X, rows))
            labels, score = labels[len(train):], None if score is None else score[len(train):]
        else:
            labels, score = detector_outputs(estimator, take_rows(data.X, test))
    except Exception as exc:  # re-raised with the series it failed on
        located = _located(exc, f"scoring {where}")
        if located is exc:
            raise
        raise located from exc
    result.predict_time = time.perf_counter() - t0
    y_test = data.y[test]
    result.scores = anomaly_scores(config.metrics, y_test, labels, score)
    result.predictions = {"index": test, "y_true": y_test, "y_pred": labels, "y_score": score,
                          "classes": np.array([0, 1])}


def run_cell(task: CellTask) -> CellResult:
    """Fit and score one cell.

    Parameters
    ----------
    task : CellTask

    Returns
    -------
    CellResult
        ``status="failed"`` with the traceback in ``error`` when anything raised.
    """
    from ._data import cached_data, take_rows

    started = time.perf_counter()
    result = CellResult.failed(task, "")
    result.worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        from ._build import build_pipeline

        config = _config(task)
        dataset = next(d for d in config.datasets if d.name == task.cell.dataset)
        data = cached_data(dataset, config, task.config_hash)
        train, test = np.asarray(task.train), np.asarray(task.test)
        pipe_cfg = next(p for p in config.pipelines if p.name == task.cell.pipeline)
        estimator = build_pipeline(pipe_cfg, config.pipelines, seed=task.cell.seed)
        if data.task == "anomaly":
            result.setup_time = time.perf_counter() - started
            _run_anomaly(estimator, task, config, data, train, test, result)
            result.status, result.error = "ok", None
            result.total_time = time.perf_counter() - started
            return result
        X_train, X_test = take_rows(data.X, train), take_rows(data.X, test)
        y_train, y_test = data.y[train], data.y[test]
        result.setup_time = time.perf_counter() - started

        estimator, result.shared_fit, result.fit_time = _fit(estimator, task, X_train, y_train)

        t0 = time.perf_counter()
        y_pred = np.asarray(estimator.predict(X_test))
        y_proba = None
        if hasattr(estimator, "predict_proba") and data.task != "regression":
            try:
                y_proba = np.asarray(estimator.predict_proba(X_test), dtype=np.float64)
            except (AttributeError, NotImplementedError):
                y_proba = None
        result.predict_time = time.perf_counter() - t0

        classes = getattr(estimator, "classes_", None)
        result.scores = _scores(config.metrics, y_test, y_pred, y_proba, classes)
        result.predictions = {
            "index": test,
            "y_true": y_test,
            "y_pred": y_pred,
            "y_proba": y_proba,
            "classes": None if classes is None else np.asarray(classes),
        }
        if task.explain:
            result.insights = _insights(estimator, config, dataset, data, train, test, y_train, task)
        result.status, result.error = "ok", None
    except Exception:  # noqa: BLE001 - a failing cell is stored, the run goes on
        result.error = traceback.format_exc()
    result.total_time = time.perf_counter() - started
    return result
