"""Insights: why a pipeline scored as it did, computed inside the cells of one fold and stored with them.

With an ``insights:`` section (or ``sensitive:`` columns) in the config, the cells of the first
seed's fold ``insights.fold`` explain the model they have just fitted, on that fold's held-out rows,
through :mod:`fuselearn.evaluate`: member weights, Shapley values and leave-one-out (from the
fusion's stored out-of-fold outputs: only combiners are refitted), modality / column-group
permutation importance, SHAP values, robustness curves and the fairness audit. The result is one
JSON document written in the same transaction as the cell's scores (:meth:`Store.write_cell`), so a
killed run leaves a cell either complete with its insights or absent, and a resumed run does not
recompute them. The report shows the best-ranked explained pipeline of each dataset.

Why in the cell and not after the run: the model is fitted there already. A step after the run
would refit the chosen pipeline (for the demo's stacking fusion, as long as the cell itself) or
have to keep fitted models on disk; explaining in the cell costs only the explanation.

The section is not part of the config's hash (it changes no score): changing it reruns only the
explained cells whose stored insights were computed with other settings (:func:`insights_key`).
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from typing import Any

import numpy as np
import pandas as pd

from ..data._dataset import take_rows
from ._config import DatasetConfig, ExperimentConfig, InsightsConfig

__all__ = ["FORMAT", "compute_insights", "explains", "failed_insights", "insights_key", "read_insights"]

#: The ``format`` of a stored insights document.
FORMAT = "fuselearn.insights/1"


def _names(settings: InsightsConfig, pipeline: str) -> bool:
    if settings.pipelines is None:
        return True
    # a sensitivity variant ``fusion[method=mean]`` is explained when ``fusion`` is named
    return any(pipeline == p or pipeline.startswith(f"{p}[") for p in settings.pipelines)


def explains(config: ExperimentConfig, dataset: str, pipeline: str, seed: int, fold: int) -> bool:
    """Whether the cell (dataset, pipeline, seed, fold) computes insights under ``config``."""
    settings = config.effective_insights()
    if settings is None or seed != config.seeds[0] or fold != settings.fold:
        return False
    return any(d.name == dataset for d in config.datasets) and _names(settings, pipeline)


def insights_key(config: ExperimentConfig, dataset: str) -> str | None:
    """A short hash of what an explained cell of ``dataset`` computes (None: nothing is explained).

    Stored cells whose insights carry another key are explained again on the next run.
    """
    settings = config.effective_insights()
    if settings is None:
        return None
    ds = next(d for d in config.datasets if d.name == dataset)
    what = settings.model_dump(mode="json", exclude={"pipelines", "fold"})
    what["sensitive"] = ds.model_dump(mode="json").get("sensitive", [])
    text = json.dumps(what, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _sample(n: int, k: int, seed: int) -> np.ndarray:
    rng = np.random.RandomState(seed)
    return np.sort(rng.choice(n, size=min(k, n), replace=False))


def _note(part: str, exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0][:400]
    return f"{part}: not computed ({type(exc).__name__}: {first})"


def compute_insights(
    estimator: Any,
    config: ExperimentConfig,
    dataset: DatasetConfig,
    *,
    X_test: Any,
    y_test: np.ndarray,
    y_train: np.ndarray,
    sensitive: pd.DataFrame | None,
    task: str,
    seed: int,
) -> dict[str, Any]:
    """Explain a cell's fitted ``estimator`` on its held-out rows; a JSON-serialisable document.

    Parameters
    ----------
    estimator : fitted estimator
        The cell's model, fitted on the fold's training rows.
    config : ExperimentConfig
    dataset : DatasetConfig
    X_test, y_test : the fold's held-out rows and targets
    y_train : ndarray
        The training targets (the member game is played on the fusion's out-of-fold outputs of
        these rows).
    sensitive : DataFrame or None
        Group labels of the held-out rows, one column per sensitive column.
    task : {"binary", "multiclass", "regression"}
    seed : int

    Returns
    -------
    dict
        ``format``, ``key``, ``seconds`` (wall), ``cpu_seconds``, ``n_rows`` (rows explained),
        ``n_test``, ``parts`` (part -> wall seconds), ``notes`` (what was skipped or failed, and why) and ``explanation`` (an
        :class:`~fuselearn.evaluate.Explanation` as its JSON payload). A part that raises leaves a
        note and the others still run; this function itself does not raise for a part's failure.
    """
    from ..evaluate import Explanation

    settings = config.effective_insights()
    started, cpu = time.perf_counter(), time.process_time()
    doc: dict[str, Any] = {
        "format": FORMAT, "key": insights_key(config, dataset.name), "parts": {}, "notes": [],
        "n_test": len(y_test),
    }
    rows = _sample(len(y_test), settings.n_rows, seed)
    X_s, y_s = take_rows(X_test, rows), np.asarray(y_test)[rows]
    doc["n_rows"] = len(rows)
    result = Explanation({}, {})

    def run(part: str, func) -> None:
        nonlocal result
        t0 = time.perf_counter()
        try:
            e = func()
        except Exception as exc:  # noqa: BLE001 - one part must not sink the others or the cell
            doc["notes"].append(_note(part, exc))
            return
        finally:
            doc["parts"][part] = round(time.perf_counter() - t0, 4)
        if e is not None:
            result = result.merge(e)

    if settings.members or settings.groups or settings.shap:
        from ..evaluate import explain

        def explained():
            return explain(
                estimator, X_s, y_s, y_train=y_train, members=settings.members,
                features=settings.shap, networks=False, groups=None if settings.groups else [],
                n_repeats=settings.n_repeats, n_bootstrap=settings.n_bootstrap,
                max_rows=settings.n_rows, random_state=seed,
            )

        run("explain", explained)
    if settings.robustness:
        from ..evaluate import robustness

        run("robustness", lambda: robustness(estimator, X_s, y_s, n_repeats=settings.n_repeats,
                                             random_state=seed))
    if settings.fairness and sensitive is not None:
        if task != "binary":
            doc["notes"].append(
                f"fairness: not computed (the audit's rates are defined for a binary target; "
                f"this one is {task})."
            )
        else:
            from ..evaluate import fairness

            groups = {c: sensitive[c].to_numpy() for c in sensitive.columns}
            run("fairness", lambda: fairness(estimator, X_test, y_test, groups,
                                             n_bootstrap=settings.n_bootstrap, random_state=seed))
    doc["explanation"] = json.loads(result.to_json())
    doc["seconds"] = round(time.perf_counter() - started, 4)
    # this process's CPU seconds: the cost on a machine shared with other work
    doc["cpu_seconds"] = round(time.process_time() - cpu, 4)
    return doc


def failed_insights(config: ExperimentConfig, dataset: str, started: float) -> dict[str, Any]:
    """The document of a cell whose insights raised outside any part (the traceback as a note)."""
    return {
        "format": FORMAT, "key": insights_key(config, dataset), "parts": {}, "n_rows": 0,
        "n_test": 0, "notes": [f"insights: not computed:\n{traceback.format_exc()[-2000:]}"],
        "explanation": None, "seconds": round(time.perf_counter() - started, 4),
    }


def read_insights(doc: dict[str, Any] | None):
    """The :class:`~fuselearn.evaluate.Explanation` of a stored document (None when it has none)."""
    from ..evaluate import Explanation

    if not doc or not doc.get("explanation"):
        return None
    return Explanation.from_json(json.dumps(doc["explanation"]))
