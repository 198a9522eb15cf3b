"""The HTML report of a run: built from the store alone, one self-contained file.

Leaderboard per dataset, "fusion vs best member" (Nadeau-Bengio corrected t-test), a
critical-difference diagram across datasets, pairwise p-value heatmaps, ROC / precision-recall
curves and the confusion matrix of each dataset's best pipeline, the insights of the best-ranked
explained pipeline (member Shapley values and leave-one-out, modality importance, SHAP summary,
robustness curves, the fairness audit: computed by the cells, see :mod:`._insights`), fold-level
scores, failed cells and the manifest. Plots are matplotlib figures inlined as base64 PNG.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import ConfigError
from ._detection import verdict
from ._store import Store

__all__ = ["anomaly_summary", "build_report_context", "fairness_verdicts", "insights_entry", "write_report"]


# --- plots --------------------------------------------------------------------------------------


def _figure(width: float = 5.0, height: float = 3.6):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _cd_diagram(ranks: pd.Series, cd: float | None, title: str) -> str:
    """A critical-difference diagram: average ranks on an axis, the CD bar, cliques joined."""
    k = len(ranks)
    fig = _figure(7.0, 1.2 + 0.32 * k)
    ax = fig.add_subplot()
    lo, hi = 1, max(k, 2)
    ax.set_xlim(lo - 0.3, hi + 0.3)
    ax.set_ylim(-k - 1, 1.6)
    ax.axhline(0, color="black", lw=1)
    for r in range(lo, hi + 1):
        ax.plot([r, r], [0, 0.15], color="black", lw=1)
        ax.text(r, 0.3, str(r), ha="center", va="bottom", fontsize=9)
    order = ranks.sort_values()
    for i, (name, rank) in enumerate(order.items()):
        y = -(i + 1) * 0.8
        ax.plot([rank, rank], [0, y], color="tab:blue", lw=1)
        ax.plot(rank, 0, "o", color="tab:blue", ms=4)
        ax.text(rank + 0.05, y, f"{name} ({rank:.2f})", va="center", fontsize=9)
    if cd is not None and np.isfinite(cd):
        ax.plot([lo, lo + cd], [1.2, 1.2], color="tab:red", lw=2)
        ax.text(lo + cd / 2, 1.3, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=9)
        # Groups of methods whose ranks are within CD of each other (not significantly different).
        values = order.to_numpy()
        y = -0.25
        drawn = []
        for i in range(len(values)):
            j = max(j for j in range(i, len(values)) if values[j] - values[i] <= cd)
            if j > i and not any(a <= i and j <= b for a, b in drawn):
                ax.plot([values[i] - 0.03, values[j] + 0.03], [y, y], color="black", lw=3)
                drawn.append((i, j))
                y -= 0.18
    ax.set_title(title, fontsize=10)
    ax.axis("off")
    return _png(fig)


def _heatmap(matrix: pd.DataFrame, title: str) -> str:
    n = len(matrix)
    fig = _figure(1.6 + 0.7 * n, 1.2 + 0.55 * n)
    ax = fig.add_subplot()
    im = ax.imshow(matrix.to_numpy(dtype=float), vmin=0, vmax=1, cmap="viridis_r")
    ax.set_xticks(range(n), matrix.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), matrix.index, fontsize=8)
    for i in range(n):
        for j in range(n):
            v = matrix.iat[i, j]
            if np.isfinite(v) and i != j:
                ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=7,
                        color="white" if v >= 0.5 else "black")
    fig.colorbar(im, ax=ax, label="Holm-adjusted p")
    ax.set_title(title, fontsize=10)
    return _png(fig)


def _curves(y_true: np.ndarray, proba: np.ndarray, classes: np.ndarray, title: str) -> str:
    from sklearn.metrics import auc, precision_recall_curve, roc_curve
    from sklearn.preprocessing import label_binarize

    fig = _figure(8.0, 3.6)
    ax_roc, ax_pr = fig.subplots(1, 2)
    if len(classes) == 2:
        series = [(str(classes[1]), (y_true == classes[1]).astype(int), proba[:, 1])]
    else:
        onehot = label_binarize(y_true, classes=classes)
        series = [(str(c), onehot[:, i], proba[:, i]) for i, c in enumerate(classes)][:10]
    for label, truth, score in series:
        if truth.min() == truth.max():
            continue
        fpr, tpr, _ = roc_curve(truth, score)
        ax_roc.plot(fpr, tpr, lw=1.2, label=f"{label} (AUC {auc(fpr, tpr):.3f})")
        prec, rec, _ = precision_recall_curve(truth, score)
        ax_pr.plot(rec, prec, lw=1.2, label=label)
    ax_roc.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
    ax_roc.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax_pr.set(xlabel="recall", ylabel="precision", title="precision-recall")
    ax_roc.legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=10)
    return _png(fig)


def _confusion(y_true: np.ndarray, y_pred: np.ndarray, title: str) -> str:
    from sklearn.metrics import confusion_matrix

    labels = np.unique(np.concatenate([y_true, y_pred]))
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    n = len(labels)
    fig = _figure(1.8 + 0.45 * n, 1.4 + 0.45 * n)
    ax = fig.add_subplot()
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(n), [str(x) for x in labels], fontsize=8)
    ax.set_yticks(range(n), [str(x) for x in labels], fontsize=8)
    ax.set(xlabel="predicted", ylabel="true")
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_title(title, fontsize=10)
    return _png(fig)


# --- tables -------------------------------------------------------------------------------------


def _greater_is_better(metric: str) -> bool:
    try:
        from ..metrics import get_metric

        return bool(get_metric(metric).greater_is_better)
    except Exception:  # noqa: BLE001 - a metric registered only at run time: assume a score
        return True


def _leaderboard(ok: pd.DataFrame, metrics: list[str], primary: str) -> pd.DataFrame:
    agg: dict[str, Any] = {"n": ("fold", "size"), "fit_time": ("fit_time", "mean")}
    for m in metrics:
        if m in ok:
            agg[f"{m}_mean"] = (m, "mean")
            agg[f"{m}_std"] = (m, "std")
    board = ok.groupby("pipeline").agg(**agg).reset_index()
    higher = _greater_is_better(primary)
    board["rank"] = board[f"{primary}_mean"].rank(ascending=not higher, method="min").astype(int)
    return board.sort_values(["rank", "pipeline"]).reset_index(drop=True)


def _paired(ok: pd.DataFrame, pipeline: str, metric: str) -> pd.Series:
    sub = ok[ok.pipeline == pipeline].set_index(["seed", "fold"])[metric]
    return sub.sort_index()


def _fusion_vs_members(
    ok: pd.DataFrame, members: dict[str, list[str]], primary: str
) -> list[dict[str, Any]]:
    from ..evaluate.stats import corrected_ttest

    higher = _greater_is_better(primary)
    rows = []
    for dataset, df in ok.groupby("dataset"):
        means = df.groupby("pipeline")[primary].mean()
        for pipe, parts in members.items():
            parts = [p for p in parts if p in means.index]
            if pipe not in means.index or not parts:
                continue
            best = max(parts, key=lambda p: means[p] if higher else -means[p])
            a, b = _paired(df, pipe, primary), _paired(df, best, primary)
            common = a.index.intersection(b.index)
            row = {
                "dataset": dataset,
                "pipeline": pipe,
                "best_member": best,
                "mean": float(a[common].mean()) if len(common) else float("nan"),
                "member_mean": float(b[common].mean()) if len(common) else float("nan"),
                "n_folds": len(common),
                "p_value": None,
                "note": "",
            }
            diff = row["mean"] - row["member_mean"]
            # Equal fold scores summed in another order differ in the last bits: an exact tie,
            # which must read "tied", not "lost".
            if math.isclose(row["mean"], row["member_mean"], rel_tol=1e-12, abs_tol=1e-12):
                diff = 0.0
            row["difference"] = diff
            if len(common) >= 2:
                n_train = round(df.n_train.mean())
                n_test = round(df.n_test.mean())
                test = corrected_ttest(
                    a[common].to_numpy(), b[common].to_numpy(), n_train=n_train, n_test=n_test
                )
                row["p_value"] = float(test.p_value)
                row["note"] = test.note
            else:
                row["note"] = "fewer than 2 paired folds: no test"
            row["verdict"] = verdict(diff, higher, row["p_value"])
            rows.append(row)
    return rows


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def _fmt_p(p: Any) -> str:
    if p is None or not np.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


# --- the report ---------------------------------------------------------------------------------


def _dataset_entry(
    store_path: str, run_id: str, dataset: str, df: pd.DataFrame, metrics: list[str],
    primary: str, rows_info: dict, insights_info: dict | None = None,
) -> dict[str, Any]:
    """One dataset's section: leaderboard, fold scores, pairwise heatmap, best pipeline's plots."""
    board = _leaderboard(df, metrics, primary)
    anomaly = rows_info.get("task") == "anomaly" and all(c in df for c in ("tp", "fp", "fn", "tn"))
    entry: dict[str, Any] = {
        "name": dataset,
        "rows_info": rows_info,
        "n_train": round(df.n_train.mean()),
        "n_test": round(df.n_test.mean()),
        "leaderboard": [
            {
                "rank": int(r["rank"]),
                "pipeline": r["pipeline"],
                "n": int(r["n"]),
                "fit_time": _fmt(r["fit_time"], 3),
                "scores": [
                    f"{_fmt(r.get(f'{m}_mean'))} ± {_fmt(r.get(f'{m}_std'))}" for m in metrics
                ],
            }
            for _, r in board.iterrows()
        ],
        "folds": df[["pipeline", "seed", "fold", *[m for m in metrics if m in df]]]
        .sort_values(["pipeline", "seed", "fold"])
        .to_dict("records"),
    }
    best = board.iloc[0]["pipeline"]
    if anomaly:
        # SKAB's protocol: rates over all scored points of all series (exact sums of the counts)
        pooled = _anomaly_rows(df, metrics, primary)
        entry["pooled"] = pooled
        best = pooled[0]["pipeline"]
        entry["heatmap"] = None
        entry["heatmap_note"] = (f"{dataset}: an anomaly task's folds are series, not resamples of one "
                                 "dataset; see the per-series Wilcoxon test under Fusion vs best member.")
        names = rows_info.get("groups") or []
        for record in entry["folds"]:
            f = int(record["fold"])
            record["fold"] = f"{f} ({names[f]})" if f < len(names) else f
    else:
        entry["heatmap"] = _pairwise(df, dataset, primary)
    entry["best"] = best
    with Store(store_path, readonly=True) as store:
        entry["curves"], entry["confusion"] = _best_plots(store, run_id, dataset, best)
        entry["insights"] = insights_entry(
            store.insights(run_id, dataset), list(board["pipeline"]), dataset, insights_info
        )
    return entry


def _map(func, jobs: list[tuple]) -> list:
    """``[func(*job) for job in jobs]``, over forked processes when there are cores to spare.

    Each dataset's plots take a second or more of matplotlib; a fork of this process (everything
    imported) renders them side by side. Where forking is not safe (see
    :func:`._runner._start_method`) or one core is all there is, they run here, one by one.
    """
    from ._runner import _start_method

    n = min(len(jobs), os.cpu_count() or 1)
    if n < 2 or _start_method() != "fork":
        return [func(*job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(func, *zip(*jobs)))


def build_report_context(run_dir: str | os.PathLike, *, run_id: str | None = None) -> dict:
    """Everything the template shows, computed from the store of ``run_dir``.

    Parameters
    ----------
    run_dir : path-like
        The run folder.
    run_id : str, optional
        Which run of the store (default: the latest).

    Returns
    -------
    dict
    """
    from ._build import pipeline_members
    from ._config import PipelineConfig

    store = Store(run_dir, readonly=True)
    try:
        runs = store.runs()
        if not runs:
            raise ConfigError(f"The store of {str(run_dir)!r} holds no run yet.")
        run = next((r for r in runs if r["run_id"] == run_id), None) if run_id else runs[-1]
        if run is None:
            ids = ", ".join(r["run_id"] for r in runs)
            raise ConfigError(f"No run {run_id!r} in {str(run_dir)!r}; runs: {ids}.")
        cells = store.cells(run["run_id"])
        config = run["config"]
        metrics = [m for m in config.get("metrics", ["accuracy"])]
        primary = metrics[0]
        pipelines = [PipelineConfig.model_validate(p) for p in config.get("pipelines", [])]
        members = {k: v for k, v in pipeline_members(pipelines).items() if v}
        ok = cells[cells.status == "ok"] if len(cells) else cells
        failed = cells[cells.status != "ok"] if len(cells) else cells
        ctx: dict[str, Any] = {
            "title": f"fuselearn report: {config.get('name', 'experiment')}",
            "run": run,
            "generated": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "primary": primary,
            "higher_is_better": _greater_is_better(primary),
            "metrics": metrics,
            "n_cells": len(cells),
            "n_ok": len(ok),
            "n_failed": len(failed),
            "datasets": [],
            "fusion_rows": [],
            "any_anomaly": False,
            "cd": None,
            "failed": [
                {
                    "cell_id": r.cell_id,
                    "summary": (r.error or "").strip().splitlines()[-1] if r.error else "",
                    "error": r.error or "",
                    "attempts": int(r.attempts),
                }
                for r in failed.itertuples()
            ],
            "manifest_json": json.dumps(run["manifest"], indent=2, sort_keys=True, default=str),
            "config_json": json.dumps(config, indent=2, sort_keys=True),
            "members": members,
            "sensitivity": None,
            "insights": run["manifest"].get("insights"),
        }
        if not len(ok):
            return ctx
        dataset_order = [d["name"] for d in config.get("datasets", [])]
        dataset_order += [d for d in ok.dataset.unique() if d not in dataset_order]
        frames = [(d, ok[ok.dataset == d]) for d in dataset_order]
        jobs = [
            (str(store.path), run["run_id"], d, df, metrics, primary,
             run["manifest"].get("datasets", {}).get(d, {}), run["manifest"].get("insights"))
            for d, df in frames if len(df)
        ]
        ctx["datasets"] = _map(_dataset_entry, jobs)
        tasks = {d: run["manifest"].get("datasets", {}).get(d, {}).get("task") for d in dataset_order}
        is_anomaly = ok.dataset.map(tasks).eq("anomaly") & all(c in ok for c in ("tp", "fp", "fn", "tn"))
        fusion_rows = _fusion_vs_members(ok[~is_anomaly], members, primary)
        if is_anomaly.any():
            from ._detection import fusion_vs_members_by_group

            fusion_rows += fusion_vs_members_by_group(ok[is_anomaly], members, primary, metrics)
        ctx["fusion_rows"] = [
            {**r, "p": _fmt_p(r["p_value"]), "diff": _fmt(r["difference"]),
             "mean_s": _fmt(r["mean"]), "member_s": _fmt(r["member_mean"])}
            for r in fusion_rows
        ]
        ctx["any_anomaly"] = bool(is_anomaly.any())
        ctx["cd"] = _critical_difference(ok, primary)
        ctx["sensitivity"] = _sensitivity(run_dir, run, store)
        return ctx
    finally:
        store.close()


def _anomaly_rows(df: pd.DataFrame, metrics: list[str], primary: str) -> list[dict[str, Any]]:
    """The pooled table of one anomaly dataset, ranked by the pooled primary metric."""
    from ._detection import pooled_table

    table = pooled_table(df, metrics)
    names = [c for c in table.columns if c in {_metric_name(m) for m in metrics}]
    key = _metric_name(primary)
    table["rank"] = table[key].rank(ascending=not _greater_is_better(primary), method="min").astype(int)
    table = table.sort_values(["rank", "pipeline"])
    return [
        {"rank": int(r["rank"]), "pipeline": r["pipeline"], "n_groups": int(r["n_groups"]),
         "scored": int(r["scored"]), "fit_time": _fmt(r["fit_time"], 1),
         "scores": [_fmt(r[m]) for m in names], "f1_per_group": _fmt(r["f1_per_group"]),
         "values": {m: float(r[m]) for m in names}}
        for _, r in table.iterrows()
    ]


def _metric_name(name: str) -> str:
    try:
        from ..metrics import get_metric

        return get_metric(name).name
    except Exception:  # noqa: BLE001
        return name


def anomaly_summary(run_dir: str | os.PathLike, *, run_id: str | None = None) -> str:
    """Markdown tables of a run's anomaly datasets: pooled metrics per pipeline, fusion vs best member.

    Empty when the run has no anomaly dataset (what ``fuselearn run`` prints after such a run).
    """
    from ._build import pipeline_members
    from ._config import PipelineConfig
    from ._detection import fusion_vs_members_by_group

    with Store(run_dir, readonly=True) as store:
        runs = store.runs()
        run = next((r for r in runs if r["run_id"] == run_id), None) if run_id else (runs[-1] if runs else None)
        if run is None:
            return ""
        cells = store.cells(run["run_id"])
    info = run["manifest"].get("datasets", {})
    config = run["config"]
    metrics, primary = list(config.get("metrics", ["accuracy"])), config.get("metrics", ["accuracy"])[0]
    if not len(cells) or not all(c in cells for c in ("tp", "fp", "fn", "tn")):
        return ""
    ok = cells[cells.status == "ok"]
    members = {k: v for k, v in pipeline_members(
        [PipelineConfig.model_validate(p) for p in config.get("pipelines", [])]).items() if v}
    percent = {"far", "mar"}
    lines = []
    for dataset, df in ok.groupby("dataset", sort=False):
        if info.get(dataset, {}).get("task") != "anomaly":
            continue
        rows = _anomaly_rows(df, metrics, primary)
        names = list(rows[0]["values"]) if rows else []
        lines.append(f"{dataset}: {rows[0]['n_groups'] if rows else 0} series, {rows[0]['scored'] if rows else 0} "
                     "scored points; F1, FAR, MAR pooled over all of them (other metrics: mean over series)")
        lines.append("")
        heads = [f"{m.upper()} %" if m in percent else ("F1" if m == "f1" else m) for m in names]
        lines.append("| pipeline | " + " | ".join(heads) + " | F1 per series (mean) | fit s |")
        lines.append("|---|" + "---|" * (len(heads) + 2))
        for r in rows:
            cells_txt = [f"{100 * r['values'][m]:.2f}" if m in percent else f"{r['values'][m]:.3f}" for m in names]
            lines.append(f"| {r['pipeline']} | " + " | ".join(cells_txt) + f" | {r['f1_per_group']} | {r['fit_time']} |")
        for f in fusion_vs_members_by_group(df, members, primary, metrics):
            lines.append("")
            lines.append(f"{f['pipeline']} {f['verdict']} its best member {f['best_member']} "
                         f"({f['mean']:.3f} vs {f['member_mean']:.3f}, pooled {_metric_name(primary)}); "
                         f"p = {_fmt_p(f['p_value'])}; {f['note']}")
        lines.append("")
    failed = cells[cells.status != "ok"]
    if len(failed) and lines:
        lines.append(f"{len(failed)} cell(s) failed and are left out; see the report.")
    return "\n".join(lines).rstrip()


def _pairwise(df: pd.DataFrame, dataset: str, primary: str) -> str | None:
    from ..evaluate.stats import compare_pipelines

    names = sorted(df.pipeline.unique())
    if len(names) < 2:
        return None
    long = df[["dataset", "pipeline", "seed", "fold", primary]].rename(columns={primary: "score"})
    # Pair only the folds every pipeline finished.
    counts = long.groupby(["seed", "fold"]).pipeline.nunique()
    complete = counts[counts == len(names)].index
    long = long.set_index(["seed", "fold"]).loc[complete].reset_index()
    if long[["seed", "fold"]].drop_duplicates().shape[0] < 2:
        return None
    try:
        table = compare_pipelines(
            long, n_train=round(df.n_train.mean()), n_test=round(df.n_test.mean())
        )
    except Exception:  # noqa: BLE001 - a report without one heatmap beats no report
        return None
    matrix = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for r in table.itertuples():
        matrix.loc[r.pipeline_a, r.pipeline_b] = r.p_holm
        matrix.loc[r.pipeline_b, r.pipeline_a] = r.p_holm
    return _heatmap(matrix, f"{dataset}: pairwise corrected t-tests ({primary})")


def _best_plots(store: Store, run_id: str, dataset: str, pipeline: str):
    preds = store.predictions(run_id, dataset, pipeline)
    if not preds:
        return None, None
    first_seed = preds[0]["seed"]
    preds = [p for p in preds if p["seed"] == first_seed and "y_true" in p]
    if not preds:
        return None, None
    y_true = np.concatenate([p["y_true"] for p in preds])
    y_pred = np.concatenate([p["y_pred"] for p in preds])
    confusion = None
    if y_true.dtype.kind not in "f" or len(np.unique(y_true)) <= 20:
        confusion = _confusion(
            y_true, y_pred, f"{dataset}: {pipeline}, all test folds of seed {first_seed}"
        )
    curves = None
    if all("y_proba" in p and "classes" in p for p in preds):
        classes = preds[0]["classes"]
        if all(np.array_equal(p["classes"], classes) for p in preds):
            proba = np.concatenate([p["y_proba"] for p in preds])
            if proba.ndim == 2 and proba.shape[1] == len(classes) and len(classes) >= 2:
                curves = _curves(
                    y_true, proba, classes, f"{dataset}: {pipeline} (test folds of seed {first_seed})"
                )
    return curves, confusion


def _sensitivity(run_dir, run: dict, store: Store) -> dict[str, Any] | None:
    """The sensitivity section (curves, importances, ablation), or None without trials."""
    if not run["config"].get("sensitivity") or not store.trials(run["run_id"]):
        return None
    from ._analysis import sensitivity_from_store

    res = sensitivity_from_store(run_dir, run_id=run["run_id"])
    datasets = list(dict.fromkeys(res.curves["dataset"])) if len(res.curves) else []
    curves = []
    for dataset in datasets:
        fig = res.plot_curves(dataset)
        curves.append({"dataset": dataset, "image": _png(fig)})

    def rows(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, str]]:
        return [{c: _fmt(r[c]) if c not in ("dataset", "parameter") else str(r[c]) for c in columns}
                for _, r in frame.iterrows()]

    ablation = [
        {**r, "p": _fmt_p(a)} for r, a in zip(
            rows(res.ablation, ["dataset", "parameter", "on", "off", "difference", "ci_low", "ci_high"]),
            res.ablation["p_value"],
        )
    ]
    return {
        "pipeline": run["config"]["sensitivity"]["pipeline"],
        "sampler": run["config"]["sensitivity"].get("sampler", "grid"),
        "n_trials": int(res.trials["number"].nunique()),
        "metric": res.metric,
        "curves": curves,
        "importance": rows(res.importance, ["dataset", "parameter", "fanova", "ped_anova"]),
        "ablation": ablation,
        "notes": res.notes,
    }


# --- insights -----------------------------------------------------------------------------------


def _records(frame: pd.DataFrame, columns: list[str], digits: int = 4) -> list[dict[str, str]]:
    """Rows of ``frame`` as display strings (numbers formatted, the rest as text)."""
    out = []
    for _, r in frame.iterrows():
        row = {}
        for c in columns:
            v = r.get(c)
            if isinstance(v, (bool, np.bool_)):
                row[c] = "yes" if v else ""
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                row[c] = _fmt(float(v), digits) if isinstance(v, (float, np.floating)) else str(v)
            else:
                row[c] = "–" if v is None else str(v)
        out.append(row)
    return out


def _plot(explanation, kind: str) -> str | None:
    try:
        return _png(explanation.plot(kind))
    except Exception:  # noqa: BLE001 - a report without one plot beats no report
        return None


def fairness_verdicts(
    gaps: pd.DataFrame, groups: pd.DataFrame, ranking: list[str] | None = None
) -> list[dict[str, str]]:
    """Does fusion widen or narrow the gap? One row per (sensitive column, gap metric).

    Parameters
    ----------
    gaps : DataFrame
        ``fairness_gaps`` of :func:`fuselearn.evaluate.fairness`: model, sensitive, metric,
        difference, ci_low, ci_high (``fusion`` and each member).
    groups : DataFrame
        ``fairness_groups``: per model and group, with an ``(all)`` row holding the accuracy on
        all rows.
    ranking : list of str, optional
        The leaderboard's pipelines, best first. The best member is the highest-ranked member
        that is a pipeline of the run (as in "fusion vs best member"); without one, the member
        most accurate on the audited rows.

    Returns
    -------
    list of dict
        ``sensitive, metric, fusion, best_member, best_member_gap, members_range, verdict``;
        empty when the table has no ``fusion`` row (a plain model: nothing to compare).
    """
    if gaps is None or not len(gaps) or "fusion" not in set(gaps["model"]):
        return []
    overall = groups[groups["group"] == "(all)"] if groups is not None and len(groups) else None
    rows = []
    for (sens, metric), part in gaps.groupby(["sensitive", "metric"], sort=False):
        fused = part[part["model"] == "fusion"]
        members = part[part["model"] != "fusion"]
        if fused.empty or members.empty:
            continue
        f = float(fused["difference"].iloc[0])
        m = members.set_index("model")["difference"].astype(float)
        best = next((p for p in ranking or [] if p in m.index), None)
        if best is None and overall is not None:
            acc = overall[(overall["sensitive"] == sens) & (overall["model"] != "fusion")]
            if len(acc):
                best = str(acc.set_index("model")["accuracy"].astype(float).idxmax())
        best = best if best in m.index else str(m.idxmin())
        b = float(m[best])
        tol = 1e-9
        if f < m.min() - tol:
            verdict = "narrower than every member"
        elif f > m.max() + tol:
            verdict = "wider than every member"
        else:
            verdict = f"between its members ({int((m > f + tol).sum())} of {len(m)} wider)"
        diff = f - b
        than_best = ("equal to" if abs(diff) <= tol else "narrows" if diff < 0 else "widens")
        rows.append({
            "sensitive": str(sens), "metric": str(metric).replace("_difference", "").replace("_", " "),
            "fusion": _fmt(f, 3),
            "fusion_ci": f"[{_fmt(float(fused['ci_low'].iloc[0]), 3)}, {_fmt(float(fused['ci_high'].iloc[0]), 3)}]",
            "best_member": best, "best_member_gap": _fmt(b, 3),
            "members_range": f"{_fmt(float(m.min()), 3)} – {_fmt(float(m.max()), 3)}",
            "verdict": f"{than_best} the best member's gap by {abs(diff):.3f}; {verdict}"
            if than_best != "equal to" else f"equal to the best member's gap; {verdict}",
        })
    return rows


def insights_entry(
    stored: list[dict[str, Any]], ranking: list[str], dataset: str, info: dict | None
) -> dict[str, Any] | None:
    """The insights section of one dataset: the best-ranked explained pipeline's tables and plots.

    Parameters
    ----------
    stored : list of dict
        :meth:`Store.insights` of the dataset.
    ranking : list of str
        The dataset's pipelines, best first (the leaderboard).
    dataset : str
    info : dict or None
        The run manifest's ``insights`` entry (settings, seed, per-dataset keys); None when the
        run explains nothing.

    Returns
    -------
    dict or None
        None when the run explains nothing; ``{"missing": reason}`` when no explained cell of the
        current settings is stored; else the pipeline, where its model was fitted and explained,
        notes, and the tables and plots of each part it has.
    """
    from ._insights import read_insights

    if not info:
        return None
    settings = info.get("settings", {})
    fold, seed = settings.get("fold", 0), info.get("seed")
    key = info.get("keys", {}).get(dataset)
    docs = {
        r["pipeline"]: r["insights"] for r in stored
        if r["fold"] == fold and r["seed"] == seed and r["insights"].get("key") == key
    }
    ranked = [p for p in ranking if p in docs] + sorted(p for p in docs if p not in ranking)
    if not ranked:
        return {"missing": f"no explained cell (fold {fold} of seed {seed}) finished for this dataset."}
    name = ranked[0]
    doc = docs[name]
    e = read_insights(doc)
    entry: dict[str, Any] = {
        "pipeline": name, "rank": ranking.index(name) + 1 if name in ranking else None,
        "fold": fold, "seed": seed, "n_rows": doc.get("n_rows"), "n_test": doc.get("n_test"),
        "seconds": _fmt(doc.get("seconds"), 2), "notes": list(doc.get("notes", [])),
        "scoring": None, "sections": [], "others": [],
    }
    if e is None:
        return entry
    entry["scoring"] = e.info.get("scoring")
    t = e.tables

    def section(sid: str, title: str, note: str | None, plot: str | None, columns: list[str],
                rows: list[dict[str, str]], **extra: Any) -> None:
        entry["sections"].append({"id": sid, "title": title, "note": note, "image": plot,
                                  "columns": columns, "rows": rows, **extra})

    if "members_shapley" in t:
        table = t["members_shapley"].merge(
            t["members_leave_one_out"][["member", "score_change", "ci_low", "ci_high"]]
            .rename(columns={"ci_low": "loo_low", "ci_high": "loo_high"}), on="member", how="left",
        )
        if "members_weights" in t:
            table = table.merge(t["members_weights"], on="member", how="left")
        rows = _records(table, ["member", "shapley", "ci_low", "ci_high", "share", "score_change",
                                "loo_low", "loo_high", "weight"])
        for r in rows:
            r["shapley_ci"] = f"[{r.pop('ci_low')}, {r.pop('ci_high')}]"
            r["loo_ci"] = f"[{r.pop('loo_low')}, {r.pop('loo_high')}]"
        m = e.info.get("members", {})
        direction = "higher" if m.get("greater_is_better", True) else "lower"
        note = (
            f"Each member's Shapley value to the fused {m.get('scoring', entry['scoring'])} "
            f"({direction} is better) "
            f"({m.get('n_coalitions', '?')} coalitions of {m.get('n_members', '?')} members, "
            f"{'exact' if m.get('exact') else 'sampled permutations'}; the {m.get('combiner', '')} "
            f"combiner refitted per coalition on the fusion's out-of-fold outputs of the "
            f"{m.get('n_rows', '?')} training rows, members never refitted). Fused score "
            f"{_fmt(m.get('fused_score'))}, prior {_fmt(m.get('prior_score'))}: the values sum to "
            "the difference. Leave one out: the score change when the member is dropped "
            f"({'negative' if direction == 'higher' else 'positive'} = worse without it: the fusion "
            "needs it). 95% bootstrap intervals over rows."
        )
        section("members", "Members: Shapley values and leave-one-out", note,
                _plot(e, "members"),
                ["member", "shapley", "shapley_ci", "share", "score_change", "loo_ci", "weight"], rows)
    if "groups" in t:
        section("groups", "Modality / column-group importance", e.info.get("groups_note"),
                _plot(e, "groups"), ["group", "n_columns", "importance", "ci_low", "ci_high"],
                _records(t["groups"], ["group", "n_columns", "importance", "ci_low", "ci_high"]))
    if "shap_values" in t:
        feats = t.get("features")
        cols = [] if feats is None else [c for c in feats.columns]
        section("shap", "SHAP summary", e.info.get("features_note"), _plot(e, "summary"), cols,
                [] if feats is None else _records(feats.head(15), cols, 3))
    if "robustness" in t:
        rob = t["robustness"]
        models = list(dict.fromkeys(rob["model"]))
        # one row per (perturbation, strength) in the order measured, one column per model
        wide = pd.DataFrame([
            {"perturbation": pert, "strength": f"{st:g}" if isinstance(st, (int, float)) else str(st),
             **dict(zip(part["model"], part["score"]))}
            for (pert, st), part in rob.groupby(["perturbation", "strength"], sort=False)
        ])
        cant = [
            {"model": str(mdl), "perturbation": str(pert),
             "strength": ", ".join(f"{v:g}" if isinstance(v, (int, float)) else str(v)
                                   for v in part["strength"]),
             "message": str(part["message"].iloc[0])}
            for (mdl, pert), part in rob[rob["status"] != "ok"].groupby(["model", "perturbation"],
                                                                           sort=False)
        ]
        section("robustness", "Robustness: fusion and members on the same curves",
                e.info.get("robustness_note"), _plot(e, "robustness"),
                ["perturbation", "strength", *models],
                _records(wide, ["perturbation", "strength", *models]),
                cannot=cant)
    if "fairness_gaps" in t:
        gaps, groups = t["fairness_gaps"], t.get("fairness_groups")
        by_group = [] if groups is None else _records(groups, list(groups.columns), 3)
        verdicts = fairness_verdicts(gaps, groups, ranking)
        gap_rows = _records(gaps, list(gaps.columns), 3)
        common = {"group_columns": [] if groups is None else list(groups.columns), "by_group": by_group}
        if verdicts:
            note = (f"{e.info.get('fairness_note', '')} The verdict compares point estimates on one "
                    "held-out fold: read it with the intervals (under 'Gaps of every model'), which "
                    "are wide for small groups; it states a direction, not a significant difference.")
            section("fairness", "Fairness: does fusion widen or narrow the gap?", note, _plot(e, "fairness"),
                    ["sensitive", "metric", "fusion", "fusion_ci", "best_member", "best_member_gap",
                     "members_range", "verdict"], verdicts, gaps=gap_rows, **common)
        else:  # a plain model: its gaps are the table
            section("fairness", "Fairness: gaps between groups", e.info.get("fairness_note"),
                    _plot(e, "fairness"), list(gaps.columns), gap_rows, **common)
    for other in ranked[1:]:
        oe = read_insights(docs[other])
        if oe is not None and "members_shapley" in oe.tables:
            sh = oe.tables["members_shapley"]
            entry["others"].append({
                "pipeline": other,
                "values": ", ".join(f"{r.member} {r.shapley:+.3f}" for r in sh.itertuples()),
            })
    return entry


def _critical_difference(ok: pd.DataFrame, primary: str) -> dict[str, Any] | None:
    from ..evaluate.stats import critical_difference, friedman, rank_table

    means = ok.groupby(["dataset", "pipeline"])[primary].mean().unstack()
    means = means.dropna(axis=1)  # pipelines with a score on every dataset
    n_datasets, k = means.shape
    if n_datasets < 2 or k < 2:
        return {
            "image": None,
            "note": (
                f"A critical-difference diagram needs at least 2 datasets and 2 pipelines scored "
                f"on all of them; this run has {n_datasets} and {k}."
            ),
        }
    higher = _greater_is_better(primary)
    long = means.stack().rename("score").reset_index()
    ranks = rank_table(long, higher_is_better=higher)["average_rank"]
    cd = critical_difference(k, n_datasets)
    note = f"Nemenyi critical difference at alpha 0.05 for {k} pipelines over {n_datasets} datasets."
    if k >= 3:
        try:
            fr = friedman(long, higher_is_better=higher)
            note += f" {fr.summary()}"
        except Exception as exc:  # noqa: BLE001
            note += f" Friedman test not computed: {exc}"
    return {
        "image": _cd_diagram(ranks, cd, f"average rank by {primary} (1 = best)"),
        "note": note,
        "ranks": [{"pipeline": p, "rank": f"{r:.2f}"} for p, r in ranks.sort_values().items()],
    }


def write_report(
    run_dir: str | os.PathLike, out: str | os.PathLike | None = None, *, run_id: str | None = None
) -> Path:
    """Render the HTML report of a run folder.

    Parameters
    ----------
    run_dir : path-like
        The run folder (it holds ``store.sqlite``); only the store is read.
    out : path-like, optional
        The HTML file to write (default: ``run_dir/report.html``).
    run_id : str, optional
        Which run of the store (default: the latest).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ConfigError
        ``run_dir`` is not a run folder or holds no run, or ``out`` is a folder.
    StoreDamagedError
        The run's store is corrupted or truncated.
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    path = Path(out) if out is not None else Path(run_dir) / "report.html"
    if path.is_dir():
        raise ConfigError(
            f"The report path {str(path)!r} is a folder; name the HTML file to write, e.g. "
            f"{str(path / 'report.html')!r}."
        )
    ctx = build_report_context(run_dir, run_id=run_id)
    env = Environment(
        loader=PackageLoader("fuselearn.experiment", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    env.filters["fmt"] = _fmt
    html_text = env.get_template("report.html.j2").render(**ctx, escape=html.escape)
    path.write_text(html_text, encoding="utf-8")
    return path
