"""SKAB benchmark of FusionAnomalyDetector: every member alone and every fusion, beside SKAB's T²+Q.

Protocol (BENCHMARKS.md, the SKAB repository's own): the 34 labelled files; per file the first 400 rows
fit the detector (one detector per file, treated as normal), the remaining rows are scored; F1, FAR and
MAR over all 23,801 scored points together (label = ``anomaly``). Nothing is tuned on the scored labels:
every detector runs with the settings printed at the top of the output.

Each member is fitted once per file; each single-member row and each fusion row reuses those fitted
members (wrapped in ``_Frozen``), so every row of the table sees the very same members.

    FUSELEARN_DATA=/path/to/datasets PYTHONPATH=src OMP_NUM_THREADS=1 nice -n 10 \
        python benchmarks/anomaly_skab.py [--exclude conv_ae] [--subset all|other|valve] [--no-deep]
        [--windows 10 30 60] [--difference-trends RHO] [--grid] [--calibration-cv K]
        [--out benchmarks/results/anomaly_skab.json]

``--windows``: one ``WindowFeatures`` -> ``PCADetector`` member per trailing-window length (10 s is
the member of the first runs, ``pca_window``; others are ``pca_window<w>``). ``--difference-trends
RHO``: per file, a ``TrendDifferencer(min_abs_rho=RHO)`` fitted on the 400 fit rows (no labels)
replaces the channels that trend there by their 10-row differences, before every member (SKAB's
T²+Q reference row always runs on the raw channels).

Results and the exact commands: docs/benchmarks/case_studies.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import wilcoxon
from sklearn.base import BaseEstimator
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline

from fuselearn.data import load_skab_folder
from fuselearn.estimators import (
    ConvAutoencoderDetector,
    ForecastResidualDetector,
    FusionAnomalyDetector,
    MahalanobisDetector,
    PCADetector,
    TrendDifferencer,
)
from fuselearn.extract import AutoencoderEmbedder, WindowFeatures

_CACHE: dict = {}


class _Box:
    """Holds a fitted member; clone deep-copies it instead of re-creating it unfitted. Scores are
    cached by (member, data) so that the rows of the table do not score the same data again."""

    def __init__(self, est, key):
        self.est, self.key = est, key

    def score(self, method, X):
        X = np.ascontiguousarray(X)
        k = (self.key, method, X.shape, hash(X.tobytes()))
        if k not in _CACHE:
            _CACHE[k] = getattr(self.est, method)(X)
        return _CACHE[k]


_PARTIAL: dict = {}


class _Frozen(BaseEstimator):
    """A member fitted once per file: ``fit`` on the file's fit rows does nothing, scoring delegates
    (benchmark only). ``fit`` on fewer rows (``threshold_holdout``'s refit on the first fit rows)
    fits a fresh clone once per (file, member, rows) and delegates to it."""

    def __init__(self, fitted=None, n_fit=400):
        self.fitted = fitted
        self.n_fit = n_fit

    def fit(self, X, y=None):
        if len(X) != self.n_fit:
            key = (*self.fitted.key, "part", len(X))
            if key not in _PARTIAL:
                from sklearn.base import clone

                _PARTIAL[key] = _Box(clone(self.fitted.est).fit(X), key)
            self.fitted = _PARTIAL[key]
        return self

    def score_samples(self, X):
        return self.fitted.score("score_samples", X)


class _PyodFrozen(_Frozen):
    __module__ = "pyod.frozen"  # the fusion reads pyod's decision_function as an anomaly score

    def decision_function(self, X):
        return self.fitted.score("decision_function", X)

    def __getattribute__(self, name):
        if name == "score_samples":
            raise AttributeError(name)
        return super().__getattribute__(name)


def _window(w: int, stats=("mean", "std")) -> WindowFeatures:
    return WindowFeatures(window=w, lags=0, stats=stats)


# Members that model dynamics or window statistics rather than instantaneous levels (``--extra``).
# Their settings are fixed a priori (no search): one-step VAR(1) / VAR(5) ridge forecasters with
# the default ridge penalty; the residuals raw or summarised over the 10-s window of the first
# window member and the 30-s one; window statistics (mean, std, slope) under a shrunk covariance.
EXTRA = {
    "resid": lambda seed: ForecastResidualDetector(),
    "resid_lag5": lambda seed: ForecastResidualDetector(lags=5),
    "resid_window10": lambda seed: ForecastResidualDetector(window=10),
    "resid_chmax": lambda seed: ForecastResidualDetector(aggregate="max"),
    "resid_chmax30": lambda seed: ForecastResidualDetector(window=30, stats=("mean",), aggregate="max"),
    "mahal_window10": lambda seed: make_pipeline(_window(10, ("mean", "std", "slope")), MahalanobisDetector()),
    "mahal_window30": lambda seed: make_pipeline(_window(30, ("mean", "std", "slope")), MahalanobisDetector()),
    "pyod_ecod": lambda seed: __import__("pyod.models.ecod", fromlist=["ECOD"]).ECOD(),
    "pyod_copod": lambda seed: __import__("pyod.models.copod", fromlist=["COPOD"]).COPOD(),
}
DYNAMICS = ["resid", "resid_lag5", "resid_window10", "resid_chmax", "resid_chmax30"]


def members(deep: bool, seed: int, windows=(10,), extra=()):
    from pyod.models.hbos import HBOS
    from pyod.models.knn import KNN

    out = [
        ("pca_t2q", PCADetector()),
        ("iforest", IsolationForest(random_state=seed)),
        ("lof", LocalOutlierFactor(novelty=True)),
        ("pyod_knn", KNN()),
        ("pyod_hbos", HBOS()),
    ]
    # window features: PCA T²/Q of each channel's trailing mean and standard deviation over w seconds
    out += [("pca_window" if w == 10 else f"pca_window{w}", make_pipeline(_window(w), PCADetector()))
            for w in windows]
    out += [(name, EXTRA[name](seed)) for name in extra]
    if deep:
        out += [
            ("ae", AutoencoderEmbedder(encoding_dim=3, hidden_sizes=(16,), max_epochs=100, random_state=seed)),
            ("conv_ae", ConvAutoencoderDetector(random_state=seed)),
        ]
    return out


def rates(pred: np.ndarray, label: np.ndarray) -> dict:
    tp = int(((pred == 1) & (label == 1)).sum())
    fp = int(((pred == 1) & (label == 0)).sum())
    fn = int(((pred == 0) & (label == 1)).sum())
    tn = int(((pred == 0) & (label == 0)).sum())
    return {"f1": 2 * tp / max(2 * tp + fp + fn, 1), "far": fp / max(fp + tn, 1), "mar": fn / max(fn + tp, 1)}


def t2q_skab(det: PCADetector, X: np.ndarray, window: int = 5) -> np.ndarray:
    """SKAB's T²+Q rule: rolling median (window 5, first rows undefined) of each statistic vs its limit."""
    t2, q = det.statistics(X)
    t2 = pd.Series(t2).rolling(window).median().to_numpy()
    q = pd.Series(q).rolling(window).median().to_numpy()
    with np.errstate(invalid="ignore"):
        return ((t2 > det.t2_limit_) | (q > det.q_limit_)).astype(int)


def evaluate(files, common: dict, vote_k=()) -> dict[str, list]:
    """Detections on the scored part of every file, for every member alone and every fusion."""
    preds: dict[str, list] = {}
    for X, frozen in files:
        rows = [(name, FusionAnomalyDetector([(name, est)], **common)) for name, est in frozen]
        rows += [(f"fusion_{f}", FusionAnomalyDetector(copy.deepcopy(frozen), fusion=f, **common))
                 for f in FUSIONS]
        rows += [(f"fusion_vote{k}", FusionAnomalyDetector(copy.deepcopy(frozen), fusion="vote", vote_k=k, **common))
                 for k in vote_k]
        for name, det in rows:
            # the whole file is scored and its first 400 rows cut off, so that windows and the median
            # filter of the first scored rows see the rows before them (the past only: all causal)
            preds.setdefault(name, []).append(det.fit(X[:400]).detect(X)[400:])
    return preds


def diagnose(files, labels, common: dict) -> None:
    """Levers on the thresholded sequence of the mean fusion, and an ORACLE frontier.

    Persistence: an alarm when at least k of the last n points pass the fit threshold (a median
    filter of 5 is 3 of 5). Hold: an alarm starts when the filtered score passes the threshold and
    lasts until it falls back below a quantile of the fit rows' fused scores (hysteresis). Oracle (uses the scored labels, so it is a diagnostic, never a result):
    one shift of every file's threshold, common to all files, swept over the whole range; the best
    pooled F1 with FAR <= 15 % says whether any threshold rule on this score could meet the goal."""
    raw = {k: v for k, v in common.items() if k != "smoothing"}
    seqs, shifted, holds = [], [], []
    for X, frozen in files:
        det = FusionAnomalyDetector(copy.deepcopy(frozen), fusion="mean", **raw).fit(X[:400])
        a = det.anomaly_score(X)
        seqs.append((a > det.threshold_).astype(float))
        sm = pd.Series(a).rolling(common.get("smoothing") or 1, min_periods=1).median().to_numpy()
        shifted.append((sm - det.threshold_)[400:])
        holds.append((sm, det.threshold_, a[:400]))
    label = np.concatenate(labels)
    print("\n| persistence of the mean fusion's alarms (k of n) | F1 | FAR % | MAR % |\n|---|---|---|---|")
    for k, n in [(1, 1), (3, 5), (5, 5), (8, 10), (10, 10), (20, 30), (30, 30)]:
        pred = np.concatenate([(pd.Series(q).rolling(n, min_periods=1).sum().to_numpy() >= k)[400:] for q in seqs])
        r = rates(pred.astype(int), label)
        print(f"| {k} of {n} | {r['f1']:.3f} | {100 * r['far']:.1f} | {100 * r['mar']:.1f} |")
    print("\n| hold: an alarm lasts until the score is back below the fit rows' quantile | F1 | FAR % | MAR % |"
          "\n|---|---|---|---|")
    for release in (0.5, 0.9, 0.99):
        pred = []
        for sm, thr, fit_scores in holds:
            low, on, out = np.quantile(fit_scores, release), False, np.zeros(len(sm), dtype=int)
            for t, v in enumerate(sm):
                on = v > thr or (on and v > low)
                out[t] = on
            pred.append(out[400:])
        r = rates(np.concatenate(pred), label)
        print(f"| release at the {release} quantile | {r['f1']:.3f} | {100 * r['far']:.1f} | {100 * r['mar']:.1f} |")
    s_all = np.concatenate(shifted)
    order = np.argsort(-s_all)
    tp, fp = np.cumsum(label[order]), np.cumsum(1 - label[order])
    pos, neg = label.sum(), label.size - label.sum()
    f1, far = 2 * tp / (tp + fp + pos), fp / neg
    best = int(np.argmax(np.where(far <= 0.15, f1, -1)))
    print(f"ORACLE (scored labels; diagnostic only): best F1 of the mean fusion with FAR <= 15 % over one "
          f"threshold shift common to all files: {f1[best]:.3f} (FAR {100 * far[best]:.1f} %, MAR "
          f"{100 * (1 - tp[best] / pos):.1f} %); best F1 at any FAR {f1.max():.3f}")


FUSIONS = ["mean", "max", "aom", "agreement", "vote"]
GRID = {"calibration": ["standard", "rank", "tail"], "threshold_quantile": [0.99, 0.999],
        "smoothing": [5, 31]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subset", choices=["all", "other", "valve"], default="all",
                    help="files to run: all 34, the 14 'other/' files or the 20 'valve1/', 'valve2/' files")
    ap.add_argument("--grid", action="store_true",
                    help="print F1/FAR of every fusion for each setting in GRID (to choose defaults on a subset)")
    ap.add_argument("--no-deep", action="store_true", help="leave out the two autoencoders")
    ap.add_argument("--exclude", nargs="*", default=[], help="member names to leave out (e.g. conv_ae)")
    ap.add_argument("--calibration", default="standard")
    ap.add_argument("--quantile", type=float, default=0.999)
    ap.add_argument("--smoothing", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--windows", type=int, nargs="+", default=[10],
                    help="trailing-window lengths (s) of the window-feature PCA members")
    ap.add_argument("--vote-k", type=int, nargs="*", default=[],
                    help="extra rows: decision-level vote needing k members (the 'vote' row is a majority)")
    ap.add_argument("--extra", nargs="*", default=[], choices=sorted(EXTRA) + ["dynamics"],
                    help="extra members (see EXTRA); 'dynamics' stands for the five forecast-residual members")
    ap.add_argument("--difference-trends", type=float, default=None, metavar="RHO",
                    help="difference the channels whose |Spearman rho| with time on the fit rows is above RHO")
    ap.add_argument("--calibration-cv", type=int, default=None,
                    help="out-of-block calibration with k blocks: members are refitted k times per file, "
                         "so only the mean fusion and its members' own rows are run (no shared fits)")
    ap.add_argument("--threshold-holdout", type=float, default=None, metavar="SHARE",
                    help="FusionAnomalyDetector(threshold_holdout=SHARE): members refitted on the first fit "
                         "rows score the last SHARE of them; thresholds rise to those held-out scores' quantile")
    ap.add_argument("--diagnose", action="store_true",
                    help="also print persistence (k of n) rows and the oracle threshold frontier of the mean fusion")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    args.extra = [n for e in args.extra for n in (DYNAMICS if e == "dynamics" else [e])]
    torch.set_num_threads(1)
    if not os.environ.get("FUSELEARN_DATA"):
        ap.error("set FUSELEARN_DATA to the benchmark datasets folder (it holds SKAB/data)")
    root = Path(os.environ["FUSELEARN_DATA"]) / "SKAB" / "data"
    ds = load_skab_folder(root, n_fit=400)
    frames, offsets, y = ds.inputs["series"], ds.metadata["offsets"], ds.target
    names = ds.metadata["experiments"]
    chosen = [i for i, n in enumerate(names)
              if args.subset == "all" or n.startswith("other/") == (args.subset == "other")]
    common = {"calibration": args.calibration, "threshold_quantile": args.quantile,
              "smoothing": args.smoothing or None, "random_state": args.seed}
    if args.threshold_holdout is not None:
        common["threshold_holdout"] = args.threshold_holdout
    print("settings:", common, "| subset:", args.subset, f"({len(chosen)} files)", "| windows:", args.windows,
          "| difference trends above |rho|:", args.difference_trends, "| excluded:", args.exclude, "| extra:", args.extra)

    labels, t2q_pred, files, firsts, n_trending = [], [], [], [], []
    fit_time: dict[str, float] = {}
    t0 = time.perf_counter()
    for k, i in enumerate(chosen):
        X = frames[i].to_numpy(dtype=np.float64)
        labels.append(y[offsets[i]:offsets[i + 1]][400:])
        t2q_pred.append(t2q_skab(PCADetector().fit(X[:400]), X[400:]))  # SKAB's rule scores the test part alone
        firsts.append(int(np.flatnonzero(labels[-1]).min()) if labels[-1].any() else len(labels[-1]))
        if args.difference_trends is not None:
            keep = np.ptp(X[:400], axis=0) > 0  # constant columns: the fusion drops them anyway
            diff = TrendDifferencer(min_abs_rho=args.difference_trends).fit(X[:400, keep])
            X = X.copy()
            X[:, keep] = diff.transform(X[:, keep])
            n_trending.append(int(diff.trending_.sum()))
        frozen = []
        for name, est in members(not args.no_deep, args.seed, args.windows, args.extra):
            if name in args.exclude:
                continue
            t = time.perf_counter()
            est.fit(X[:400])
            fit_time[name] = fit_time.get(name, 0.0) + time.perf_counter() - t
            wrap = _PyodFrozen if type(est).__module__.startswith("pyod") else _Frozen
            frozen.append((name, wrap(_Box(est, (i, name)))))
        files.append((X, frozen))
        print(f"file {k + 1}/{len(chosen)} {names[i]} fitted at {time.perf_counter() - t0:.0f} s", flush=True)
    label = np.concatenate(labels)
    if args.grid:
        import itertools

        print("\n| calibration | quantile | smoothing | " + " | ".join(FUSIONS) + " | best member |")
        for cal, q, sm in itertools.product(*GRID.values()):
            p = evaluate(files, {"calibration": cal, "threshold_quantile": q, "smoothing": sm,
                                 "random_state": args.seed})
            r = {n: rates(np.concatenate(v), label) for n, v in p.items()}
            bm = max((n for n in r if not n.startswith("fusion_")), key=lambda n: r[n]["f1"])
            cells = [f"{r['fusion_' + f]['f1']:.3f}/{100 * r['fusion_' + f]['far']:.0f}%" for f in FUSIONS]
            print(f"| {cal} | {q} | {sm} | " + " | ".join(cells)
                  + f" | {bm} {r[bm]['f1']:.3f}/{100 * r[bm]['far']:.0f}% |", flush=True)
        return
    if args.calibration_cv:
        common["calibration_cv"] = args.calibration_cv
        preds = {}
        for (X, _), i in zip(files, chosen):
            fresh = [(n, e) for n, e in members(not args.no_deep, args.seed, args.windows, args.extra) if n not in args.exclude]
            det = FusionAnomalyDetector(fresh, fusion="mean", **common).fit(X[:400])
            preds.setdefault("fusion_mean", []).append(det.detect(X)[400:])
            # each member alone, from the same fitted fusion: its calibrated score vs its own threshold
            C = det.member_scores(X)
            from fuselearn.estimators._anomaly import _median_filter
            for j, n in enumerate(det.names_):
                flag = _median_filter(C[n].to_numpy(), args.smoothing or 1) > det.member_thresholds_[j]
                preds.setdefault(n, []).append(flag[400:].astype(int))
    else:
        preds = evaluate(files, common, args.vote_k)
    wall = time.perf_counter() - t0
    if args.diagnose:
        diagnose(files, labels, common)
    print(f"\nscored points: {label.size}; wall time {wall:.0f} s; member fit times (s): "
          + ", ".join(f"{k} {v:.1f}" for k, v in fit_time.items()))
    table = {"T2+Q (SKAB rule, reproduced)": rates(np.concatenate(t2q_pred), label)}
    per_file = {}
    for name, p in preds.items():
        table[name] = rates(np.concatenate(p), label)
        per_file[name] = [rates(a, b)["f1"] for a, b in zip(p, labels)]
    is_other = np.array([names[i].startswith("other/") for i in chosen])
    all_preds = {"T2+Q (SKAB rule, reproduced)": t2q_pred, **preds}

    def sub(name, mask):
        if not mask.any():
            return "-"
        r = rates(np.concatenate([p for p, m in zip(all_preds[name], mask) if m]),
                  np.concatenate([lb for lb, m in zip(labels, mask) if m]))
        return f"{r['f1']:.3f} / {100 * r['far']:.1f}"

    # Where the false alarms are (evaluation only): scored normal points before the file's anomaly
    # segment, and after it (every file has one segment; the process has left the fit regime there).
    before = [np.arange(len(lb)) < f for lb, f in zip(labels, firsts)]

    def far_split(name):
        out = []
        for part in (True, False):
            fp = sum(int(((p == 1) & (lb == 0) & (b == part)).sum()) for p, lb, b in zip(all_preds[name], labels, before))
            neg = sum(int(((lb == 0) & (b == part)).sum()) for lb, b in zip(labels, before))
            out.append(f"{100 * fp / max(neg, 1):.1f}")
        return " / ".join(out)

    if n_trending:
        print(f"channels differenced per file (|rho| > {args.difference_trends}): {n_trending}")
    print("\n| detector | F1 | FAR % | MAR % | F1 / FAR % on other/ (14) | F1 / FAR % on valve1-2/ (20) "
          "| FAR % before / after the anomaly |")
    print("|---|---|---|---|---|---|---|")
    print("| T²+Q published (SKAB) | 0.76 | 26.62 | 24.92 | | | |\n"
          "| Conv-AE published (SKAB) | 0.78 | 13.55 | 28.02 | | | |")
    for name, r in table.items():
        print(f"| {name} | {r['f1']:.3f} | {100 * r['far']:.2f} | {100 * r['mar']:.2f} | "
              f"{sub(name, is_other)} | {sub(name, ~is_other)} | {far_split(name)} |")
    member_names = [n for n in preds if not n.startswith("fusion_")]
    best_fusion = max((n for n in preds if n.startswith("fusion_")), key=lambda n: table[n]["f1"])
    best_member = max(member_names, key=lambda n: table[n]["f1"])
    a, b = np.array(per_file[best_fusion]), np.array(per_file[best_member])
    p = wilcoxon(a, b).pvalue if np.any(a != b) else 1.0
    print(f"\nbest fusion {best_fusion} (F1 {table[best_fusion]['f1']:.3f}) vs best member {best_member} "
          f"(F1 {table[best_member]['f1']:.3f}): per-file F1 mean {a.mean():.3f} vs {b.mean():.3f}, "
          f"wins {int((a > b).sum())}/{len(a)}, Wilcoxon signed-rank p = {p:.4f}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"settings": common, "subset": args.subset, "excluded": args.exclude, "wall_s": wall,
                                              "windows": args.windows, "extra": args.extra, "difference_trends": args.difference_trends,
                                              "table": table, "per_file_f1": per_file,
                                              "best_fusion": best_fusion, "best_member": best_member,
                                              "wilcoxon_p": p}, indent=1))


if __name__ == "__main__":
    main()
