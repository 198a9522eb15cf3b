"""Distil a stacking fusion into one fast student: student vs teacher vs best member.

Protocol (BENCHMARKS.md, "Tabular" and "Multimodal"): ``StratifiedKFold(5, shuffle=True,
random_state=0)``, ROC-AUC per test fold; ``--folds N`` runs only the first N of those 5 folds
(the same splits, fewer of them) when CPU time is short. Every model sees the training fold only:
the teacher is fitted on it, the student is distilled from it (its out-of-fold soft labels and
MUNGE rows built from the training fold), and all three are scored on the test fold.

- Teacher (tables): ``default_preprocessor`` (dense) -> ``FusionClassifier`` stacking of LightGBM,
  logistic regression and a small ``NeuralClassifier`` (MLP 64), 5-fold out-of-fold predictions.
- Teacher (women's clothing): stacking of TF-IDF (word 1-2 grams) + logistic regression on the
  text and LightGBM on the table (``Rating`` dropped).
- Student: ``fuselearn.distill(teacher, X_train, y_train)``: soft labels from the teacher's own
  out-of-fold fused probabilities (``soft_label_source_ == "fusion_oof"``) plus MUNGE rows
  labelled by the teacher; default student LightGBM (cross-entropy on the probabilities) on the
  raw table; for women's clothing a TF-IDF + logistic-regression student (soft labels through
  weighted rows), since a tree student cannot read text.
  The default student's size is chosen by ``distill(tolerance=0.002)``: the smallest LightGBM
  (trees x log2 leaves) within 0.002 held-out soft-label AUC of the most faithful size tried.
- Best member: the member with the best test AUC (an optimistic choice, as a reference), as a
  pipeline with the same preprocessing.
- Predict speed: rows per second of ``predict_proba`` on the test fold tiled to each batch size of
  ``--batches`` (default 1,000 and 20,000 rows), one call per batch, best of 3, single thread
  (OMP_NUM_THREADS=1, torch 1 thread, LightGBM n_jobs=1).

Run: FUSELEARN_DATA=/path/to/datasets OMP_NUM_THREADS=1 PYTHONPATH=src \\
        python benchmarks/distill.py [--datasets adult,german-credit,...] [--folds 5] [--batches 1000 20000]
        [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline

import fuselearn
from fuselearn.data import (
    default_preprocessor,
    load_adult,
    load_german_credit,
    load_heart_disease,
    load_pima_diabetes,
    load_womens_clothing_reviews,
)
from fuselearn.estimators import FusionClassifier, NeuralClassifier

TABLE = ["Age", "Positive Feedback Count", "Division Name", "Department Name", "Class Name", "Clothing ID"]


def _frame(ds):
    X = ds.inputs["table"] if isinstance(getattr(ds, "inputs", None), dict) else ds.X
    return X.reset_index(drop=True), np.asarray(ds.y)


def load(name, data_dir):
    if name == "adult":
        return _frame(load_adult(data_dir, subset="train"))
    if name == "german-credit":
        return _frame(load_german_credit(data_dir))
    if name == "pima-diabetes":
        return _frame(load_pima_diabetes(data_dir))
    if name == "heart-disease":
        return _frame(load_heart_disease(data_dir))
    if name == "womens-clothing":
        ds = load_womens_clothing_reviews(data_dir, drop_leaky=True)
        df, y = _frame(ds)
        text = (df["Title"].fillna("").astype(str) + " " + df["Review Text"].fillna("").astype(str)).str.strip()
        X = df[TABLE].copy()
        X.insert(0, "text", text)
        return X, y
    raise SystemExit(f"unknown dataset {name!r}")


def lgbm():
    from lightgbm import LGBMClassifier

    return LGBMClassifier(n_estimators=200, learning_rate=0.05, num_leaves=31, random_state=0, n_jobs=1, verbose=-1)


def teacher_members(name, X):
    """(name, estimator, columns) members of the teacher; each a full pipeline from raw columns."""
    if name == "womens-clothing":
        table = X[TABLE]
        pre = default_preprocessor(table).set_params(sparse_threshold=0)
        return [
            ("tfidf_lr", make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                                       LogisticRegression(C=4.0, max_iter=2000)), "text"),
            ("table_lgbm", make_pipeline(pre, lgbm()), TABLE),
        ]
    pre = default_preprocessor(X).set_params(sparse_threshold=0)
    mlp = NeuralClassifier(hidden_sizes=(64,), max_epochs=40, batch_size=128, lr=1e-3, weight_decay=1e-4,
                           patience=5, random_state=0)
    return [
        ("lgbm", make_pipeline(clone(pre), lgbm()), None),
        ("logreg", make_pipeline(clone(pre), LogisticRegression(max_iter=2000)), None),
        ("mlp", make_pipeline(clone(pre), mlp), None),
    ]


def student_for(name):
    if name == "womens-clothing":
        text = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        return Pipeline([("features", ColumnTransformer([("text", text, "text")])),
                         ("model", LogisticRegression(C=4.0, max_iter=2000))])
    return None  # the default: LightGBM on the probabilities


def rows_per_second(model, X, n_rows):
    reps = int(np.ceil(n_rows / len(X)))
    if isinstance(X, (pd.DataFrame, pd.Series)):
        big = pd.concat([X] * reps, ignore_index=True).iloc[:n_rows]
    else:
        big = np.tile(X, (reps, 1))[:n_rows]
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        model.predict_proba(big)
        best = min(best, time.perf_counter() - start)
    return n_rows / best


def run_fold(name, X, y, tr, te, args):
    Xtr, Xte, ytr, yte = X.iloc[tr], X.iloc[te], y[tr], y[te]
    members = teacher_members(name, Xtr)
    teacher = FusionClassifier(members, method="stacking", cv=5, random_state=0)
    t0 = time.perf_counter()
    teacher.fit(Xtr, ytr)
    fit_teacher = time.perf_counter() - t0
    t0 = time.perf_counter()
    student = fuselearn.distill(teacher, Xtr, ytr, student=student_for(name), n_augment=args.n_augment,
                                tolerance=args.tolerance, random_state=0)
    fit_student = time.perf_counter() - t0
    pos = list(teacher.classes_).index(1) if 1 in teacher.classes_ else 1

    def speed(model, Xm):  # rows/s per batch size; teacher and student timed back to back
        return {str(b): rows_per_second(model, Xm, b) for b in args.batches}

    out = {"teacher": {"auc": roc_auc_score(yte, teacher.predict_proba(Xte)[:, pos]),
                       "fit_s": fit_teacher, "rows_per_s": speed(teacher, Xte)},
           "student": {"auc": roc_auc_score(yte, student.predict_proba(Xte)[:, pos]),
                       "fit_s": fit_student, "rows_per_s": speed(student, Xte),
                       "soft_label_source": student.soft_label_source_,
                       "n_synthetic": student.n_synthetic_,
                       "size": student.student_size_}}
    agree = float((student.predict(Xte) == teacher.predict(Xte)).mean())
    out["student"]["agreement"] = agree
    for (mname, _, cols), est in zip(members, teacher.estimators_):
        Xm = Xte if cols is None else Xte[cols]
        out[f"member:{mname}"] = {"auc": roc_auc_score(yte, est.predict_proba(Xm)[:, pos]),
                                  "rows_per_s": speed(est, Xm)}
    return out


def report(paths) -> str:
    """The results table of docs/benchmarks/distill.md from the JSON files of earlier runs."""
    results = {}
    for p in paths:
        with open(p) as fh:
            results.update(json.load(fh))
    header = ("| dataset | folds | teacher AUC | student AUC | gap | student sizes (trees x leaves) | agreement "
              "| rows/s teacher / student, batch 1,000 | speed-up | rows/s teacher / student, batch 20,000 "
              "| speed-up | best member AUC | goal (1,000 / 20,000) |")
    lines = [header, "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    met = {"1000": 0, "20000": 0}
    for name, r in results.items():
        t, s = np.mean(r["teacher"]["auc"]), np.mean(r["student"]["auc"])
        sizes = ", ".join(f"{z['n_estimators']}x{z['num_leaves']}" for z in r["student"]["size"] if z) or "TF-IDF + LR"
        speed = {}
        for b in ("1000", "20000"):
            tr = np.mean([x[b] for x in r["teacher"]["rows_per_s"]])
            sr = np.mean([x[b] for x in r["student"]["rows_per_s"]])
            speed[b] = (tr, sr, sr / tr)
        v = r["verdict"]
        best = v["best_member"]
        for b in met:
            met[b] += bool(v[f"goal_met_{b}"])
        lines.append(
            f"| {name} | {len(r['teacher']['auc'])} | {t:.4f} | {s:.4f} | {t - s:+.4f} | {sizes} | "
            f"{np.mean(r['student']['agreement']):.3f} | {speed['1000'][0]:,.0f} / {speed['1000'][1]:,.0f} | "
            f"{speed['1000'][2]:.1f}x | {speed['20000'][0]:,.0f} / {speed['20000'][1]:,.0f} | {speed['20000'][2]:.1f}x | "
            f"{best[7:]} {np.mean(r[best]['auc']):.4f} | "
            f"{'met' if v['goal_met_1000'] else 'missed'} / {'met' if v['goal_met_20000'] else 'missed'} |")
    lines.append("")
    lines.append(f"Goal met (within 0.005 and >= 10x) on {met['1000']} of {len(results)} at batch 1,000, "
                 f"{met['20000']} of {len(results)} at batch 20,000.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("FUSELEARN_DATA"))
    parser.add_argument("--datasets", default="adult,german-credit,pima-diabetes,heart-disease,womens-clothing")
    parser.add_argument("--folds", type=int, default=5, help="run the first N of the 5 protocol folds")
    parser.add_argument("--n-augment", type=int, default=None, help="synthetic rows (default: distill's)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1_000, 20_000],
                        help="batch sizes (rows per predict_proba call) for the rows/s measurement")
    parser.add_argument("--tolerance", type=float, default=0.002,
                        help="distill's tolerance (the default student's size); a negative value: None")
    parser.add_argument("--out", default="")
    parser.add_argument("--report", nargs="+", metavar="JSON", help="print the results table of these files")
    args = parser.parse_args()
    if args.tolerance < 0:
        args.tolerance = None
    if args.report:
        print(report(args.report))
        return
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    print(f"python {platform.python_version()}, cores {os.cpu_count()}, folds {args.folds} of 5", flush=True)
    results = {}
    for name in args.datasets.split(","):
        X, y = load(name, args.data_dir)
        folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))[: args.folds]
        per_fold = []
        for k, (tr, te) in enumerate(folds):
            t0 = time.perf_counter()
            per_fold.append(run_fold(name, X, y, tr, te, args))
            print(f"  {name} fold {k}: teacher {per_fold[-1]['teacher']['auc']:.4f} student "
                  f"{per_fold[-1]['student']['auc']:.4f} size {per_fold[-1]['student']['size']} "
                  f"rows/s teacher {per_fold[-1]['teacher']['rows_per_s']} student "
                  f"{per_fold[-1]['student']['rows_per_s']} ({time.perf_counter() - t0:.0f} s)", flush=True)
        summary = {}
        for model in per_fold[0]:
            summary[model] = {key: [f[model][key] for f in per_fold] for key in per_fold[0][model]}
        results[name] = summary
        members = [m for m in summary if m.startswith("member:")]
        best = max(members, key=lambda m: np.mean(summary[m]["auc"]))
        t_auc, s_auc = np.mean(summary["teacher"]["auc"]), np.mean(summary["student"]["auc"])
        verdict = {"best_member": best, "auc_gap": t_auc - s_auc}
        for b in map(str, args.batches):
            speedup = (np.mean([r[b] for r in summary["student"]["rows_per_s"]])
                       / np.mean([r[b] for r in summary["teacher"]["rows_per_s"]]))
            verdict[f"speedup_{b}"] = speedup
            verdict[f"goal_met_{b}"] = bool((t_auc - s_auc <= 0.005) and speedup >= 10)
        summary["verdict"] = verdict
        sizes = [f"{s['n_estimators']}x{s['num_leaves']}" for s in summary["student"]["size"] if s]
        print(f"{name:16s} teacher {t_auc:.4f} | student {s_auc:.4f} (sizes {sizes or 'user'}, agreement "
              f"{np.mean(summary['student']['agreement']):.3f}) | best member {best[7:]} "
              f"{np.mean(summary[best]['auc']):.4f} | gap {t_auc - s_auc:+.4f} | "
              + ", ".join(f"batch {b}: {verdict[f'speedup_{b}']:.1f}x "
                          f"({'MET' if verdict[f'goal_met_{b}'] else 'MISSED'})" for b in map(str, args.batches)),
              flush=True)
        if args.out:
            with open(args.out, "w") as fh:
                json.dump(results, fh, indent=1, default=float)


if __name__ == "__main__":
    main()
