"""``fuselearn demo``: the leaderboard and the fusion-vs-best-member verdicts it prints.

The demo's grid itself is a config run by the experiment runner (:mod:`._demo_run`): five members (a
neural network, logistic regression, a random forest, LightGBM, an SVM), a HybridClassifier (neural
embeddings -> SVM, cross-fitted) and every FusionClassifier method over the five members, scored by
5-fold CV with one seeded splitter on breast cancer, digits and wine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DATASETS = ("breast_cancer", "digits", "wine")
MEMBERS = ("neural", "logreg", "forest", "lightgbm", "svc")
FUSIONS = ("mean", "vote", "weighted", "stacking", "bayes")
N_SPLITS = 5  # outer folds, scored
INNER_SPLITS = 3  # folds of the fusions' out-of-fold predictions and of the hybrid's cross-fitting


def load_builtin(name: str):
    """One of scikit-learn's bundled datasets as ``(X, y)``."""
    from sklearn import datasets

    loaders = {"breast_cancer": datasets.load_breast_cancer, "digits": datasets.load_digits,
               "wine": datasets.load_wine, "iris": datasets.load_iris}
    from .._registry import resolve_name

    return resolve_name("built-in dataset", name, loaders)(return_X_y=True)


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
        f"fit s: mean seconds per outer fold. Fusions share one fit of the members ({INNER_SPLITS + 1} "
        f"fits each: {INNER_SPLITS} out-of-fold + 1 on all rows); a member's own fit s is its fit on "
        "all rows inside that shared fit, which its cell reuses."
    )
