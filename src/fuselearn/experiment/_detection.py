"""The anomaly task of the runner: unsupervised detectors in a cell, and results pooled over series.

A dataset is an anomaly task when its config says ``task: anomaly`` or its loader says so (SKAB).
Its pipelines are outlier detectors: fitted on the training rows without labels, they label each
test row 0 (normal) or 1 (anomaly) and give it an anomaly score (higher = more anomalous). A cell
stores, beside the config's metrics, the four counts of its confusion matrix (``tp``, ``fp``,
``fn``, ``tn``), so that F1, FAR and MAR pooled over all the scored points of all series (SKAB's
protocol) are exact sums, not averages of per-series rates; :func:`pooled_table` computes them and
:func:`fusion_vs_members_by_group` pairs a fusion with its best member series by series (Wilcoxon
signed-rank test, scipy).

How a detector's outputs are read (scikit-learn and pyod disagree on the labels):

- ``detect(X)`` (0/1) and ``anomaly_score(X)`` where the estimator has them (FusionAnomalyDetector);
- a pyod detector (also as the last step of a Pipeline): ``predict`` is 0/1 and
  ``decision_function`` is the anomaly score;
- a scikit-learn outlier detector: ``predict`` is -1 (anomaly) / +1, and the anomaly score is
  ``-score_samples`` (else ``-decision_function``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._outliers import final_estimator, read_anomaly_score, score_method
from .._outliers import is_pyod as _is_pyod
from ..exceptions import InvalidInputError, InvalidParameterError

__all__ = [
    "COUNTS", "anomaly_scores", "check_task", "detector_outputs", "fusion_vs_members_by_group",
    "is_detector", "pooled_table", "rates", "verdict",
]

#: The counts every anomaly cell stores with its scores.
COUNTS = ("tp", "fp", "fn", "tn")
#: Metrics computed exactly from the pooled counts; the others are averaged over series.
_POOLED = ("f1", "far", "mar", "precision", "recall", "accuracy")


def is_detector(estimator: Any) -> bool:
    """Whether ``estimator`` is an unsupervised outlier detector (scikit-learn's, pyod's, fuselearn's)."""
    from sklearn.base import is_outlier_detector

    final = final_estimator(estimator)
    try:
        tagged = is_outlier_detector(estimator) or is_outlier_detector(final)
    except Exception:  # noqa: BLE001 - an estimator without tags is simply not tagged
        tagged = False
    return bool(tagged or hasattr(estimator, "detect") or _is_pyod(final))


def _member_reason(name: str, member: Any) -> str | None:
    """Why a member of a fusion detector cannot score new data, or None."""
    if isinstance(member, str):  # "drop"
        return None
    if score_method(member) is not None:
        return None
    final = final_estimator(member)
    hint = " (for LocalOutlierFactor set novelty=True)" if type(final).__name__ == "LocalOutlierFactor" else ""
    return (f"its member {name!r} ({type(member).__name__}) cannot score new data: it has neither "
            f"score_samples nor decision_function{hint}")


def cannot_score(estimator: Any) -> str | None:
    """Why ``estimator`` cannot label new rows as a detector (or a member of it cannot), or None."""
    final = final_estimator(estimator)
    if not (hasattr(estimator, "detect") or hasattr(estimator, "predict")):
        hint = " (for LocalOutlierFactor set novelty=True)" if type(final).__name__ == "LocalOutlierFactor" else ""
        return f"{type(estimator).__name__} cannot label new data: it has no predict{hint}"
    try:
        members = estimator.get_params(deep=False).get("members")
    except Exception:  # noqa: BLE001 - not a scikit-learn estimator: nothing more to check
        members = None
    if isinstance(members, (list, tuple)):
        for pair in members:
            if isinstance(pair, tuple) and len(pair) == 2:
                reason = _member_reason(str(pair[0]), pair[1])
                if reason:
                    return reason
    return None


def detector_outputs(estimator: Any, X: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """0/1 labels (1 = anomaly) and the anomaly score (higher = more anomalous; None if it has none).

    Raises
    ------
    InvalidInputError
        ``predict`` gave labels other than scikit-learn's -1/+1 (or pyod's 0/1).
    """
    final = final_estimator(estimator)
    if hasattr(estimator, "detect"):
        labels = np.asarray(estimator.detect(X))
    else:
        pred = np.asarray(estimator.predict(X))
        expected = {0, 1} if _is_pyod(final) else {-1, 1}
        found = set(np.unique(pred).tolist())
        if not found <= expected:
            raise InvalidInputError(
                f"{type(estimator).__name__}.predict gave labels {sorted(found)[:5]}, but an outlier "
                f"detector gives {sorted(expected)} ({'pyod: 1 = anomaly' if _is_pyod(final) else 'scikit-learn: -1 = anomaly'}). "
                "Use a detector (score_samples / predict), not a classifier, in an anomaly experiment."
            )
        labels = pred == 1 if _is_pyod(final) else pred == -1
    labels = labels.astype(np.int64).ravel()
    if hasattr(estimator, "anomaly_score"):
        score = estimator.anomaly_score(X)
    else:
        how = score_method(estimator)  # the rule FusionAnomalyDetector reads its members by
        score = None if how is None else read_anomaly_score(estimator, how, X)
    return labels, None if score is None else np.asarray(score, dtype=np.float64).ravel()


def counts(y_true: np.ndarray, labels: np.ndarray) -> dict[str, int]:
    """``tp, fp, fn, tn`` of 0/1 labels (1 = anomaly)."""
    y_true, labels = np.asarray(y_true) == 1, np.asarray(labels) == 1
    return {
        "tp": int((labels & y_true).sum()), "fp": int((labels & ~y_true).sum()),
        "fn": int((~labels & y_true).sum()), "tn": int((~labels & ~y_true).sum()),
    }


def rates(c: dict[str, float]) -> dict[str, float]:
    """F1, FAR, MAR, precision, recall and accuracy from ``tp, fp, fn, tn`` (0 where undefined, as
    SKAB's scripts and scikit-learn's ``zero_division=0``)."""
    tp, fp, fn, tn = (float(c[k]) for k in COUNTS)
    return {
        "f1": 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0,
        "far": fp / (fp + tn) if fp + tn else 0.0,
        "mar": fn / (fn + tp) if fn + tp else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "accuracy": (tp + tn) / (tp + fp + fn + tn) if tp + fp + fn + tn else 0.0,
    }


def anomaly_scores(metrics: list[str], y_true: np.ndarray, labels: np.ndarray,
                   score: np.ndarray | None) -> dict[str, float]:
    """The config's metrics of one cell, plus its counts.

    A metric of labels is computed on the 0/1 labels; a metric of scores (``roc_auc``,
    ``average_precision``) on the anomaly score, NaN where the test rows hold one class only.
    """
    from ..metrics import get_metric

    out: dict[str, float] = {}
    y_true = np.asarray(y_true).astype(np.int64)
    for name in metrics:
        metric = get_metric(name)
        if metric.response == "predict":
            value = metric.from_predictions(y_true, y_pred=labels, classes=np.array([0, 1]))
        elif metric.response == "decision":
            if score is None:
                raise InvalidParameterError(
                    f"Metric {name!r} ranks anomaly scores, but the detector has neither "
                    "score_samples nor decision_function; choose a metric of labels (f1, far, mar)."
                )
            value = np.nan if len(np.unique(y_true)) < 2 else metric.from_predictions(
                y_true, y_proba=score, classes=np.array([0, 1]))
        else:
            raise InvalidParameterError(
                f"Metric {name!r} needs class probabilities, which a detector does not give; use "
                "roc_auc or average_precision (on the anomaly score) or f1, far, mar (on the labels)."
            )
        out[metric.name] = float(value)
    out.update({k: float(v) for k, v in counts(y_true, labels).items()})
    return out


def _windows(estimator: Any) -> list[tuple[str, int]]:
    """``(parameter path, rows)`` of every ``window`` parameter inside ``estimator`` (WindowFeatures,
    ConvAutoencoderDetector, ...)."""
    try:
        params = estimator.get_params(deep=True)
    except Exception:  # noqa: BLE001 - not a scikit-learn estimator
        return []
    return [(k, int(v)) for k, v in params.items()
            if (k == "window" or k.endswith("__window")) and isinstance(v, (int, np.integer))
            and not isinstance(v, bool)]


def check_task(pipelines: dict[str, Any], tasks: dict[str, str], metrics: list[str],
               fit_rows: int | None = None) -> list[str]:
    """Problems of pipelines and metrics against the datasets' tasks, found before any cell runs.

    Parameters
    ----------
    pipelines : dict of str to estimator
        Every pipeline's built estimator, by name, in config order.
    tasks : dict of str to str
        Each dataset's task (``"anomaly"``, ``"binary"``, ...), by name.
    metrics : list of str
        The config's metrics.
    fit_rows : int, optional
        The training rows of each series (``cv.fit_rows``): a ``window`` longer than that leaves
        no full window to fit on.

    Returns
    -------
    list of str
        Each names the pipeline or metric, the dataset, and what to do.
    """
    from ..metrics import get_metric

    problems: list[str] = []
    anomaly = [d for d, t in tasks.items() if t == "anomaly"]
    other = [d for d, t in tasks.items() if t != "anomaly"]
    names = list(pipelines)
    for i, (name, est) in enumerate(pipelines.items()):
        where = f"pipelines[{names.index(name)}] ({name!r})"
        detector = is_detector(est)
        if anomaly and not detector:
            problems.append(
                f"{where}: {type(est).__name__} is not an outlier detector, but dataset {anomaly[0]!r} is an "
                "anomaly task (detectors fitted without labels). Use a detector (FusionAnomalyDetector, "
                "PCADetector, IsolationForest, a pyod model) or move the pipeline to a classification config."
            )
        elif anomaly:
            reason = cannot_score(est)
            if reason:
                problems.append(f"{where}: {reason}; every test row of dataset {anomaly[0]!r} must be scored.")
            for path, rows in _windows(est):
                if fit_rows is not None and rows >= fit_rows:
                    problems.append(
                        f"{where}: its window {path} = {rows} rows is not shorter than the {fit_rows} fit "
                        "rows of each series (cv.fit_rows), so it is never fitted on a full window. Use a "
                        "shorter window or raise fit_rows."
                    )
        if other and detector:
            problems.append(
                f"{where}: {type(est).__name__} is an outlier detector, but dataset {other[0]!r} is a "
                f"{tasks[other[0]]} task trained on labels. Put detectors in a config whose datasets are "
                "anomaly tasks (task: anomaly), or use a classifier here."
            )
    if anomaly:
        for i, name in enumerate(metrics):
            if get_metric(name).response == "predict_proba":
                problems.append(
                    f"metrics[{i}]: {name!r} needs class probabilities, which a detector does not give "
                    f"(dataset {anomaly[0]!r} is an anomaly task); use f1, far, mar (labels) or roc_auc, "
                    "average_precision (anomaly score)."
                )
    return problems


def _metric_of(name: str) -> str:
    try:
        from ..metrics import get_metric

        return get_metric(name).name
    except Exception:  # noqa: BLE001 - an unknown column: kept as it is
        return name


def verdict(diff: float, higher_is_better: bool, p_value: float | None, alpha: float = 0.05) -> str:
    """How a fusion did against its best member: ``"beat"``, ``"lost to"`` (each with " (not
    significant)" where ``p_value`` is missing or at least ``alpha``) or ``"tied with"`` (``diff`` 0).
    One wording for the report's k-fold table and the anomaly task's per-series table."""
    if np.isclose(diff, 0.0, atol=1e-12):
        return "tied with"
    significant = p_value is not None and p_value < alpha
    better = diff > 0 if higher_is_better else diff < 0
    word = "beat" if better else "lost to"
    return word if significant else f"{word} (not significant)"


def pooled_table(ok: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """One row per (dataset, pipeline): metrics pooled over the series (groups) of each seed.

    F1, FAR, MAR, precision, recall and accuracy come from the summed counts; other metrics
    (``roc_auc``) are the mean over series. With several seeds, the mean over seeds.

    Parameters
    ----------
    ok : DataFrame
        The ok cells of anomaly datasets (:meth:`Store.cells`), with the count columns.
    metrics : list of str
        The config's metrics.

    Returns
    -------
    DataFrame
        ``dataset, pipeline, n_groups, scored, fit_time`` (summed over series), one column per
        metric, ``f1_per_group`` (the mean of per-series F1) and the counts.
    """
    names = [_metric_of(m) for m in metrics]
    rows = []
    for (dataset, pipeline), part in ok.groupby(["dataset", "pipeline"], sort=False):
        per_seed = []
        for _, seed_part in part.groupby("seed"):
            c = {k: float(seed_part[k].sum()) for k in COUNTS}
            pooled = rates(c)
            row = {"n_groups": len(seed_part), "scored": int(sum(c.values())),
                   "fit_time": float(seed_part["fit_time"].sum()), **c}
            for m in names:
                row[m] = pooled[m] if m in _POOLED else (
                    float(seed_part[m].mean()) if m in seed_part else np.nan)
            per_file_f1 = [rates(r)["f1"] for r in seed_part[list(COUNTS)].to_dict("records")]
            row["f1_per_group"] = float(np.mean(per_file_f1))
            per_seed.append(row)
        frame = pd.DataFrame(per_seed)
        rows.append({"dataset": dataset, "pipeline": pipeline, **frame.mean(numeric_only=True).to_dict(),
                     "n_seeds": len(per_seed)})
    return pd.DataFrame(rows)


def _greater(metric: str) -> bool:
    try:
        from ..metrics import get_metric

        return bool(get_metric(metric).greater_is_better)
    except Exception:  # noqa: BLE001
        return True


def fusion_vs_members_by_group(ok: pd.DataFrame, members: dict[str, list[str]], primary: str,
                               metrics: list[str]) -> list[dict[str, Any]]:
    """Each fusion against its best member (by the pooled primary metric), paired series by series.

    The test is scipy's Wilcoxon signed-rank test on the per-series values of the primary metric
    (per-series F1 for F1, as SKAB's benchmark script does), over the (seed, series) pairs both
    finished; ties (equal series) are dropped by scipy's default ``zero_method="wilcox"``.

    Returns
    -------
    list of dict
        The keys of the report's "fusion vs best member" rows: ``dataset, pipeline, best_member,
        mean, member_mean`` (pooled), ``n_folds`` (paired series), ``p_value, note, difference,
        verdict``.
    """
    from scipy.stats import wilcoxon

    primary = _metric_of(primary)
    higher = _greater(primary)
    table = pooled_table(ok, metrics if primary in [_metric_of(m) for m in metrics] else [primary, *metrics])
    rows = []
    for dataset, part in ok.groupby("dataset", sort=False):
        pooled = table[table.dataset == dataset].set_index("pipeline")[primary]
        for pipe, parts in members.items():
            parts = [p for p in parts if p in pooled.index]
            if pipe not in pooled.index or not parts:
                continue
            best = max(parts, key=lambda p: pooled[p] if higher else -pooled[p])

            def per_group(name: str, part: pd.DataFrame = part) -> pd.Series:
                sub = part[part.pipeline == name].set_index(["seed", "fold"])
                if primary in _POOLED:
                    values = [rates(r)[primary] for r in sub[list(COUNTS)].to_dict("records")]
                    return pd.Series(values, index=sub.index).sort_index()
                return sub[primary].sort_index()

            a, b = per_group(pipe), per_group(best)
            common = a.index.intersection(b.index)
            a, b = a[common].to_numpy(float), b[common].to_numpy(float)
            keep = ~(np.isnan(a) | np.isnan(b))
            a, b = a[keep], b[keep]
            diff = float(pooled[pipe] - pooled[best])
            row = {"dataset": dataset, "pipeline": pipe, "best_member": best, "mean": float(pooled[pipe]),
                   "member_mean": float(pooled[best]), "n_folds": len(a), "p_value": None,
                   "difference": diff}
            wins = int((a > b).sum() if higher else (a < b).sum())
            if len(a) >= 2 and np.any(a != b):
                row["p_value"] = float(wilcoxon(a, b).pvalue)
                row["note"] = (f"pooled over series; Wilcoxon signed-rank over {len(a)} series' {primary} "
                               f"(means {a.mean():.3f} vs {b.mean():.3f}; better on {wins} of {len(a)})")
            else:
                row["note"] = "fewer than 2 series, or equal on every series: no test"
            row["verdict"] = verdict(diff, higher, row["p_value"])
            rows.append(row)
    return rows
