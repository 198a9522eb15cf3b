"""The tabular preset (``FusionClassifier.auto``) on credit, diagnosis, census and marketing tables.

Protocol (BENCHMARKS.md, "Tabular"): ``StratifiedKFold(5, shuffle=True, random_state=0)``, ROC-AUC on
each test fold. German credit: class "bad" positive (the loader's target 1); heart: ``num > 0``;
bank marketing without ``duration``; adult: the training file (32,561 rows). Per fold the preset is
fitted with ``time_limit`` seconds (its whole fit plus a reserve to predict one held-out fold's worth
of rows; see ``FusionClassifier``), then scored; each kept member is scored alone
from the same fit (its bagged fold models), so "best member" is the member with the highest mean
AUC over the folds. The preset is compared with it by the corrected resampled t-test (Nadeau &
Bengio, ``fuselearn.evaluate.stats.corrected_ttest``). AutoGluon cannot be installed next to
fuselearn's environment (its pinned torch/scikit-learn differ): its numbers are quoted from
BENCHMARKS.md, measured there on a machine like this one.

    FUSELEARN_DATA=/path/to/datasets PYTHONPATH=src OMP_NUM_THREADS=1 nice -n 10 \\
        python benchmarks/tabular_preset.py --datasets german_credit pima heart \\
        [--folds 0 1 2 3 4] [--time-limit 50] [--out benchmarks/results/tabular_preset.json]
    python benchmarks/tabular_preset.py --report benchmarks/results/tabular_preset_*.json  # the table

Results and the exact commands: docs/benchmarks/case_studies.md ("Credit and diagnosis").
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from fuselearn import FusionClassifier
from fuselearn.evaluate.stats import corrected_ttest
from fuselearn.exceptions import TrainingError

# AutoGluon 1.6 medium_quality, 60 s per fold, 5-fold means (BENCHMARKS.md, "Tabular").
AUTOGLUON = {"adult": 0.9291, "german_credit": 0.7923, "pima": 0.8298, "heart": 0.9123,
             "bank_marketing": 0.8037, "bank_marketing_duration": 0.9389}
AUTOGLUON_SECONDS = {"adult": 62, "german_credit": 17, "pima": 12, "heart": 13, "bank_marketing": 63,
                     "bank_marketing_duration": 63}


def load(name: str):
    from fuselearn import data

    if name == "adult":
        ds = data.load_adult(subset="train")
    elif name == "german_credit":
        ds = data.load_german_credit()
    elif name == "pima":
        ds = data.load_pima_diabetes()
    elif name == "heart":
        ds = data.load_heart_disease(binary=True)
    elif name == "bank_marketing":
        ds = data.load_bank_marketing(drop_leaky=True)
    elif name == "bank_marketing_duration":  # the footnote setting: `duration` kept
        ds = data.load_bank_marketing(drop_leaky=False)
    else:
        raise SystemExit(f"unknown dataset {name!r}")
    return ds.inputs["table"].reset_index(drop=True), np.asarray(ds.target)


def run(name: str, folds: list[int], time_limit: float, partial=None) -> dict:
    X, y = load(name)
    splits = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    out = {"dataset": name, "rows": len(y), "folds": folds, "time_limit": time_limit, "per_fold": [],
           "failed": []}
    for k in folds:
        tr, te = splits[k]
        start = time.perf_counter()
        fusion = FusionClassifier.auto(time_limit=time_limit, random_state=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fusion.fit(X.iloc[tr], y[tr])
            except TrainingError as exc:  # no member fitted in the budget: recorded, not hidden
                wall = time.perf_counter() - start
                out["failed"].append({"fold": k, "wall_s": wall, "error": str(exc)})
                print(f"{name} fold {k}: FAILED after {wall:.1f} s: {exc}", flush=True)
                if partial is not None:
                    partial(out)
                continue
        fit_s = time.perf_counter() - start
        proba = fusion.predict_proba(X.iloc[te])[:, 1]
        wall = time.perf_counter() - start
        row = {"fold": k, "auc": float(roc_auc_score(y[te], proba)), "wall_s": wall, "fit_s": fit_s,
               "predict_s": wall - fit_s, "test_rows": len(te), "budget": fusion.budget_,
               "weights": dict(zip(fusion.member_names_, map(float, fusion.weights_))),
               "skipped": fusion.skipped_members_,
               "members": {n: float(roc_auc_score(y[te], e.predict_proba(X.iloc[te])[:, 1]))
                           for n, e in fusion.named_estimators_.items()},
               "warnings": [str(w.message) for w in caught if "skipped" in str(w.message)]}
        out["per_fold"].append(row)
        if partial is not None:  # written as it goes, so a run cut short still gives its folds
            partial(out)
        print(f"{name} fold {k}: preset {row['auc']:.4f} in {wall:.1f} s (fit {fit_s:.1f}, predict "
              f"{wall - fit_s:.1f} of {len(te)} rows, reserved {fusion.budget_['predict_reserve_s']:.1f} for "
              f"{fusion.budget_['predict_rows']}); members "
              + ", ".join(f"{n} {a:.4f}" for n, a in row["members"].items())
              + (f"; skipped {list(row['skipped'])}" if row["skipped"] else ""), flush=True)
    if not out["per_fold"]:
        return out
    aucs = np.array([r["auc"] for r in out["per_fold"]])
    complete = [n for n in out["per_fold"][0]["members"] if all(n in r["members"] for r in out["per_fold"])]
    means = {n: float(np.mean([r["members"][n] for r in out["per_fold"]])) for n in complete}
    best = max(means, key=means.get)
    best_scores = np.array([r["members"][best] for r in out["per_fold"]])
    out.update(auc_mean=float(aucs.mean()), auc_std=float(aucs.std(ddof=1)) if len(aucs) > 1 else 0.0,
               member_means=means, best_member=best, best_member_mean=means[best],
               best_member_std=float(best_scores.std(ddof=1)) if len(aucs) > 1 else 0.0,
               wall_s_mean=float(np.mean([r["wall_s"] for r in out["per_fold"]])),
               wall_s_max=float(np.max([r["wall_s"] for r in out["per_fold"]])),
               autogluon=AUTOGLUON[name], autogluon_s=AUTOGLUON_SECONDS[name])
    if len(aucs) > 1:
        n_test = len(y) // 5
        t = corrected_ttest(aucs, best_scores, n_train=len(y) - n_test, n_test=n_test)
        out["ttest_vs_best"] = {"t": float(t.statistic), "p": float(t.p_value),
                                "mean_difference": float(t.mean_difference)}
    return out


def markdown(paths: list[str]) -> str:
    """The results table of docs/benchmarks/case_studies.md from the JSON files of earlier runs."""
    results = {}
    for p in paths:
        results.update(json.loads(Path(p).read_text()))
    header = ("| dataset | folds | preset ROC-AUC | best member | preset - best, corrected t-test | "
              "s/fold: fit + predict = wall (mean); max wall | members kept (folds) | "
              "AutoGluon 60 s/fold (5-fold mean) | better of the two |")
    lines = [header, "|---|---|---|---|---|---|---|---|---|"]
    ranks = []
    for name in ["german_credit", "pima", "heart", "adult", "bank_marketing", "bank_marketing_duration"]:
        if name not in results or not results[name]["per_fold"]:
            continue
        r = results[name]
        tt = r.get("ttest_vs_best")
        test = f"{tt['mean_difference']:+.4f}, t={tt['t']:.2f}, p={tt['p']:.3f}" if tt else "n/a"
        kept: dict[str, int] = {}
        for f in r["per_fold"]:
            for n in f["members"]:
                kept[n] = kept.get(n, 0) + 1
        rank = 1.0 if r["auc_mean"] > r["autogluon"] else (1.5 if r["auc_mean"] == r["autogluon"] else 2.0)
        ranks.append(rank)
        folds = ",".join(str(f["fold"]) for f in r["per_fold"])
        if r.get("failed"):
            folds += f" ({len(r['failed'])} failed: no member fitted)"
        fit = np.mean([f.get("fit_s", np.nan) for f in r["per_fold"]])
        pred = np.mean([f.get("predict_s", np.nan) for f in r["per_fold"]])
        lines.append(
            f"| {name} | {folds} | {r['auc_mean']:.4f} ± {r['auc_std']:.4f} | "
            f"{r['best_member']} {r['best_member_mean']:.4f} ± {r['best_member_std']:.4f} | {test} | "
            f"{fit:.0f} + {pred:.1f} = {r['wall_s_mean']:.0f}; {r['wall_s_max']:.0f} | "
            + ", ".join(f"{n} ({c})" for n, c in kept.items())
            + f" | {r['autogluon']:.4f} ({r['autogluon_s']} s) | {'preset' if rank == 1 else 'AutoGluon'} |")
        if name == "bank_marketing_duration":
            ranks.pop()  # a footnote, not one of the five
    lines.append("")
    lines.append(f"Mean rank over {len(ranks)} datasets (1 = better of the two): preset "
                 f"{np.mean(ranks):.2f}, AutoGluon {3 - np.mean(ranks):.2f}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["german_credit", "pima", "heart", "adult",
                                                           "bank_marketing"])
    parser.add_argument("--folds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--time-limit", type=float, default=60.0,
                        help="FusionClassifier.auto's time_limit: seconds for the whole fit and a reserve "
                             "for predicting one held-out fold's worth of rows")
    parser.add_argument("--out", default="benchmarks/results/tabular_preset.json")
    parser.add_argument("--report", nargs="+", metavar="JSON",
                        help="print the markdown table of these result files and exit")
    args = parser.parse_args()
    if args.report:
        print(markdown(args.report))
        return
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    path = Path(args.out)
    results = json.loads(path.read_text()) if path.is_file() else {}
    path.parent.mkdir(parents=True, exist_ok=True)

    def save(res):
        results[res["dataset"]] = res
        path.write_text(json.dumps(results, indent=1))

    for name in args.datasets:
        res = run(name, args.folds, args.time_limit, partial=save)
        save(res)
        tt = res.get("ttest_vs_best")
        print(f"== {name}: preset {res['auc_mean']:.4f} ± {res['auc_std']:.4f} | best member "
              f"{res['best_member']} {res['best_member_mean']:.4f} ± {res['best_member_std']:.4f} | "
              + (f"t={tt['t']:.2f} p={tt['p']:.3f} | " if tt else "")
              + f"wall {res['wall_s_mean']:.1f} s/fold (max {res['wall_s_max']:.1f}) | AutoGluon "
              f"{res['autogluon']:.4f} ({res['autogluon_s']} s/fold)", flush=True)


if __name__ == "__main__":
    main()
