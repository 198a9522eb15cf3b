"""``fuselearn demo`` through the experiment runner: the demo's grid as a config, stored and reported.

The config mirrors :mod:`._demo` (same members, fusions, hybrid, seeds and splitter). The five
fusions differ only in ``method``, so per fold their members are fitted once (by the stacking
cell, which runs first) and the others refit only their combiner; each member is also a pipeline
of its own, so the report tests every fusion against its best member.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from ._demo import DATASETS, INNER_SPLITS, N_SPLITS

__all__ = ["demo_config", "run_demo_experiment"]

_SCALE = {"name": "scale", "estimator": "sklearn.preprocessing.StandardScaler"}
# Sized for a cold run of about 30 s on 2 cores (docs/benchmarks/demo.md): 3-fold calibration of
# the SVM, 100 trees, 50 boosting rounds at twice the rate; each scores as the larger version did.
_SVC = {
    "estimator": "sklearn.calibration.CalibratedClassifierCV",
    "params": {"estimator": {"estimator": "sklearn.svm.SVC"}, "ensemble": False, "cv": 3},
}
# stacking first: it computes the members' out-of-fold predictions the other methods reuse
FUSION_ORDER = ("stacking", "weighted", "bayes", "mean", "vote")


#: The pipelines whose fold-0 cells explain their members in the demo (the mean fusion: its member
#: game needs no combiner fits, a fraction of a second per dataset).
DEMO_INSIGHTS = ("fusion:mean",)


def demo_config(
    datasets=DATASETS, *, seed: int = 0, insight_pipelines=DEMO_INSIGHTS
) -> dict[str, Any]:
    """The demo's grid as an experiment config (plain data, as it would be read from YAML).

    Parameters
    ----------
    datasets : sequence of str
        Built-in dataset names.
    seed : int, default=0
        Seed of the splitter and of every model.
    insight_pipelines : sequence of str, default=("fusion:mean",)
        Pipelines whose fold-0 cells explain their members (``insights`` section).

    Returns
    -------
    dict
    """
    members = [
        {"name": "neural", "estimator": "sklearn.pipeline.Pipeline", "steps": [
            _SCALE,
            {"name": "net", "estimator": "fuselearn.NeuralClassifier", "params": {
                "hidden_sizes": [64], "max_epochs": 100, "lr": 3e-3, "batch_size": 128,
                "patience": 10}},
        ]},
        {"name": "logreg", "estimator": "sklearn.pipeline.Pipeline", "steps": [
            _SCALE,
            {"name": "clf", "estimator": "sklearn.linear_model.LogisticRegression",
             "params": {"max_iter": 2000}},
        ]},
        {"name": "forest", "estimator": "sklearn.ensemble.RandomForestClassifier",
         "params": {"n_estimators": 100, "n_jobs": 1}},
        {"name": "lightgbm", "estimator": "lightgbm.LGBMClassifier",
         "params": {"n_estimators": 50, "learning_rate": 0.2, "n_jobs": 1, "verbose": -1}},
        {"name": "svc", "estimator": "sklearn.pipeline.Pipeline",
         "steps": [_SCALE, {"name": "clf", **_SVC}]},
    ]
    refs = [{"ref": m["name"]} for m in members]
    fusions = [
        {"name": f"fusion:{method}", "estimator": "fuselearn.FusionClassifier",
         "estimators": refs,
         # "weighted" selects members for accuracy, the metric the leaderboard ranks by
         "params": {"method": method, "cv": INNER_SPLITS, "metric": "accuracy"}}
        for method in FUSION_ORDER
    ]
    hybrid = {
        "name": "hybrid:neural->svc",
        "estimator": "fuselearn.HybridClassifier",
        "params": {
            "extractor": {"estimator": "sklearn.pipeline.Pipeline", "steps": [
                _SCALE,
                {"name": "embed", "estimator": "fuselearn.NeuralExtractor", "params": {
                    "hidden_sizes": [64, 32], "max_epochs": 100, "lr": 3e-3,
                    "batch_size": 128}},
            ]},
            "head": _SVC,
            "cross_fit": INNER_SPLITS,
        },
    }
    return {
        "name": "demo",
        "datasets": [{"name": name} for name in datasets],
        "pipelines": members + fusions + [hybrid],
        "cv": {"scheme": "stratified_kfold", "n_splits": N_SPLITS, "shuffle": True},
        "seeds": [seed],
        "metrics": ["accuracy", "roc_auc_ovr"],
        # The cells of fold 0 explain one fusion: its members' Shapley values and leave-one-out
        # on its out-of-fold outputs (no refit; docs/benchmarks/evaluate.md has the cost).
        "insights": {"pipelines": list(insight_pipelines), "members": True, "groups": False},
    }


def _kind(name: str) -> str:
    return "fusion" if name.startswith("fusion:") else "hybrid" if ":" in name else "member"


def run_demo_experiment(
    out: str | os.PathLike,
    datasets=DATASETS,
    *,
    jobs: int | None = None,
    seed: int = 0,
    quiet: bool = False,
    progress: bool = True,
) -> tuple[pd.DataFrame, Path]:
    """Run the demo grid with :func:`run_experiment` and write its HTML report.

    Returns
    -------
    results : pandas.DataFrame
        One row per (dataset, fold, pipeline) with ``accuracy``, ``roc_auc``, ``fit_seconds`` and ``kind``
        (``roc_auc`` is one-vs-rest ROC-AUC, which equals ROC-AUC on two classes).
    report : pathlib.Path
        The HTML report.
    """
    from ._check import parse_config
    from ._report import write_report
    from ._runner import run_experiment
    from ._store import Store

    cfg = parse_config(demo_config(datasets, seed=seed), source="(built-in demo config)")
    result = run_experiment(
        cfg, out, jobs=jobs or os.cpu_count() or 1, quiet=quiet, progress=progress,
        command=["fuselearn", "demo"],
    )
    with Store(out, readonly=True) as store:
        cells = store.cells(result.run_id)
    ok = cells[cells.status == "ok"]
    results = pd.DataFrame({
        "dataset": ok.dataset,
        "fold": ok.fold,
        "pipeline": ok.pipeline,
        "kind": ok.pipeline.map(_kind),
        "accuracy": ok.accuracy,
        "roc_auc": ok.roc_auc_ovr,
        "fit_seconds": ok.fit_time,
    })
    report = write_report(out)
    return results.sort_values(["dataset", "pipeline", "fold"]).reset_index(drop=True), report
