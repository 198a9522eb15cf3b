"""``fuselearn demo``: every fusion level on data that ships inside scikit-learn, with a leaderboard.

Five members (a neural network, logistic regression, a random forest, LightGBM, an SVM), a
HybridClassifier (neural embeddings -> SVM, cross-fitted) and every FusionClassifier method over the
five members, scored by 5-fold CV with one seeded splitter on breast cancer, digits and wine.

Per outer fold the members are fitted once inside a stacking FusionClassifier (which also makes their
out-of-fold predictions); the other fusion methods reuse those fits through ``refit_combiner``, and
the members' own scores come from the same fitted members. This is exactly what fitting each fusion
separately with the same seeds would give, at a fifth of the cost.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

DATASETS = ("breast_cancer", "digits", "wine")
MEMBERS = ("neural", "logreg", "forest", "lightgbm", "svc")
FUSIONS = ("mean", "vote", "weighted", "stacking", "bayes")
N_SPLITS = 5


def load_builtin(name: str):
    """One of scikit-learn's bundled datasets as ``(X, y)``."""
    from sklearn import datasets

    loaders = {"breast_cancer": datasets.load_breast_cancer, "digits": datasets.load_digits,
               "wine": datasets.load_wine, "iris": datasets.load_iris}
    from .._naming import resolve_name

    return resolve_name("built-in dataset", name, loaders)(return_X_y=True)


def make_members(seed: int = 0) -> list[tuple[str, object]]:
    """The demo's five members, each with its own preprocessing."""
    from lightgbm import LGBMClassifier
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from ..estimators import NeuralClassifier

    return [
        ("neural", make_pipeline(StandardScaler(), NeuralClassifier(
            hidden_sizes=(64,), max_epochs=100, lr=3e-3, batch_size=128, patience=10,
            random_state=seed))),
        ("logreg", make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))),
        ("forest", RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1)),
        ("lightgbm", LGBMClassifier(n_estimators=100, learning_rate=0.1, random_state=seed,
                                    n_jobs=1, verbose=-1)),
        ("svc", make_pipeline(StandardScaler(), CalibratedClassifierCV(SVC(), ensemble=False))),
    ]


def make_hybrid(seed: int = 0):
    """Neural embeddings into an SVM head, cross-fitted."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from ..estimators import HybridClassifier
    from ..extract import NeuralExtractor

    extractor = make_pipeline(StandardScaler(), NeuralExtractor(
        hidden_sizes=(64, 32), max_epochs=100, lr=3e-3, batch_size=128, random_state=seed))
    return HybridClassifier(extractor, CalibratedClassifierCV(SVC(), ensemble=False), cross_fit=5,
                            random_state=seed)


@dataclass
class FoldResult:
    dataset: str
    fold: int
    rows: list[dict]


def _score(name, kind, y_true, proba, classes, fit_seconds):
    from ..metrics import get_metric

    auc = get_metric("roc_auc" if len(classes) == 2 else "roc_auc_ovr")
    y_pred = classes[np.argmax(proba, axis=1)]
    return {
        "pipeline": name, "kind": kind,
        "accuracy": float(np.mean(y_pred == y_true)),
        "roc_auc": float(auc.from_predictions(y_true, y_proba=proba, classes=classes)),
        "fit_seconds": fit_seconds,
    }


def run_fold(dataset: str, fold: int, train, test, seed: int = 0) -> FoldResult:
    """Fit and score every pipeline on one outer fold."""
    import torch

    from ..estimators import FusionClassifier

    torch.set_num_threads(1)
    X, y = load_builtin(dataset)
    X_tr, X_te, y_tr, y_te = X[train], X[test], y[train], y[test]
    rows = []
    t0 = time.perf_counter()
    # "weighted" selects members for accuracy, the metric the leaderboard ranks by
    fusion = FusionClassifier(make_members(seed), method="stacking", cv=N_SPLITS, metric="accuracy",
                              random_state=seed).fit(X_tr, y_tr)
    members_seconds = time.perf_counter() - t0
    classes = fusion.classes_
    for name, est in fusion.named_estimators_.items():
        # members_seconds covers all six fits of every member; a single fit is about a sixth of it
        rows.append(_score(name, "member", y_te, est.predict_proba(X_te), classes, np.nan))
    for method in FUSIONS:
        t1 = time.perf_counter()
        fusion.refit_combiner(X_tr, y_tr, method=method)
        combiner_seconds = time.perf_counter() - t1
        rows.append(_score(f"fusion:{method}", "fusion", y_te, fusion.predict_proba(X_te), classes,
                           members_seconds + combiner_seconds))
    t2 = time.perf_counter()
    hybrid = make_hybrid(seed).fit(X_tr, y_tr)
    rows.append(_score("hybrid:neural->svc", "hybrid", y_te, hybrid.predict_proba(X_te), classes,
                       time.perf_counter() - t2))
    return FoldResult(dataset, fold, rows)


def run_demo(datasets=DATASETS, *, n_jobs: int | None = None, seed: int = 0, progress: bool = True):
    """Run the demo grid and return one row per (dataset, fold, pipeline) as a DataFrame."""
    from joblib import Parallel, delayed
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(N_SPLITS, shuffle=True, random_state=seed)  # one seeded splitter
    tasks = []
    for name in datasets:
        X, y = load_builtin(name)
        for fold, (train, test) in enumerate(splitter.split(X, y)):
            tasks.append((name, fold, train, test))
    n_jobs = n_jobs or min(len(tasks), os.cpu_count() or 1)
    results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(run_fold)(name, fold, train, test, seed) for name, fold, train, test in tasks
    )
    rows = []
    bar = _progress(progress)
    with bar:
        task = bar.add_task("demo", total=len(tasks)) if progress else None
        for res in results:
            for row in res.rows:
                rows.append({"dataset": res.dataset, "fold": res.fold, **row})
            if progress:
                bar.update(task, advance=1, description=f"{res.dataset} fold {res.fold + 1}")
    return pd.DataFrame(rows).sort_values(["dataset", "pipeline", "fold"]).reset_index(drop=True)


def _progress(enabled):
    from contextlib import nullcontext

    if not enabled:
        return nullcontext()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=True)


def leaderboard(results: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Mean and std per pipeline on one dataset, best accuracy first."""
    df = results[results.dataset == dataset]
    agg = df.groupby(["pipeline", "kind"]).agg(
        accuracy_mean=("accuracy", "mean"), accuracy_std=("accuracy", "std"),
        roc_auc_mean=("roc_auc", "mean"), roc_auc_std=("roc_auc", "std"),
        fit_seconds=("fit_seconds", "mean"),
    ).reset_index()
    return agg.sort_values(["accuracy_mean", "roc_auc_mean"], ascending=False).reset_index(drop=True)


def fusion_verdicts(results: pd.DataFrame, dataset: str, n_train: int, n_test: int) -> pd.DataFrame:
    """For each fusion: its best member, the accuracy difference and the corrected t-test p-value."""
    from ..evaluate import stats

    df = results[results.dataset == dataset]
    board = leaderboard(results, dataset)
    members = board[board.kind == "member"]
    best = members.iloc[0].pipeline
    best_scores = df[df.pipeline == best].sort_values("fold").accuracy.to_numpy()
    rows = []
    for name in sorted(df[df.kind == "fusion"].pipeline.unique()):
        scores = df[df.pipeline == name].sort_values("fold").accuracy.to_numpy()
        test = stats.corrected_ttest(scores, best_scores, n_train=n_train, n_test=n_test)
        diff = scores.mean() - best_scores.mean()
        rows.append({
            "fusion": name, "best_member": best, "difference": diff, "p_value": test.p_value,
            "std_error": scores.std(ddof=1) / np.sqrt(len(scores)),
            "verdict": ("tied" if abs(diff) < 1e-9 else "beat" if diff > 0 else "lost to"),
        })
    return pd.DataFrame(rows)


def print_report(results: pd.DataFrame, console=None) -> None:
    """Print a leaderboard per dataset and, for each fusion, whether it beat its best member."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    for dataset in results.dataset.unique():
        X, _ = load_builtin(dataset)
        n = len(X)
        board = leaderboard(results, dataset)
        table = Table(title=f"{dataset} ({n} rows, {N_SPLITS}-fold CV)", title_justify="left")
        for col in ("rank", "pipeline", "accuracy", "ROC-AUC", "fit s"):
            table.add_column(col, justify="right" if col != "pipeline" else "left")
        for i, row in board.iterrows():
            fit = "-" if np.isnan(row.fit_seconds) else f"{row.fit_seconds:.2f}"
            table.add_row(str(i + 1), row.pipeline,
                          f"{row.accuracy_mean:.4f} ± {row.accuracy_std:.4f}",
                          f"{row.roc_auc_mean:.4f} ± {row.roc_auc_std:.4f}", fit)
        console.print(table)
        verdicts = fusion_verdicts(results, dataset, n_train=n * (N_SPLITS - 1) // N_SPLITS,
                                   n_test=n // N_SPLITS)
        for v in verdicts.itertuples():
            sign = "+" if v.difference >= 0 else ""
            console.print(
                f"  {v.fusion:<18} {v.verdict} its best member {v.best_member} "
                f"({sign}{100 * v.difference:.2f} accuracy points, corrected t-test p = {v.p_value:.3f})"
            )
        console.print()
    console.print(
        "fit s: mean seconds per outer fold. Fusions share one fit of the members (6 fits each: "
        "5 out-of-fold + 1 on all rows); members' own fit time is inside it."
    )
