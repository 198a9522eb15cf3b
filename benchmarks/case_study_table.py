"""The table of a `fuselearn run` case study: each pipeline's metric (mean ± sd over the folds), its
difference from the best of the single-modality (or single-member) pipelines with the corrected
resampled t-test (Nadeau & Bengio, ``fuselearn.evaluate.stats.corrected_ttest``, uncorrected for
multiple comparisons; the HTML report's heatmap shows all pairs Holm-adjusted), folds won, and the
summed fit + predict seconds of its cells.

    PYTHONPATH=src python benchmarks/case_study_table.py runs/womens_clothing_quick \
        --single text_tfidf text_minilm table [--metric roc_auc] [--out results.json]
"""

from __future__ import annotations

import argparse
import json

from fuselearn.evaluate.stats import corrected_ttest
from fuselearn.experiment import Store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir")
    ap.add_argument("--single", nargs="+", required=True, help="the pipelines that are one modality / member alone")
    ap.add_argument("--metric", default="roc_auc")
    ap.add_argument("--out", default=None, help="write the per-fold cells as JSON")
    args = ap.parse_args()
    store = Store(args.run_dir, readonly=True)
    run = store.runs()[-1]
    cells = store.cells(run["run_id"])
    ok = cells[cells.status == "ok"].sort_values(["pipeline", "seed", "fold"])
    names = list(dict.fromkeys(p["name"] for p in run["config"]["pipelines"]))
    score = {p: ok[ok.pipeline == p][args.metric].to_numpy() for p in names}
    seconds = {p: float(ok[ok.pipeline == p].total_time.sum()) for p in names}
    best = max(args.single, key=lambda p: score[p].mean())
    n_train, n_test = round(ok.n_train.mean()), round(ok.n_test.mean())
    print(f"run {run['run_id']}: {len(ok)} of {len(cells)} cells ok; n_train {n_train}, n_test {n_test}; "
          f"best single: {best}")
    print(f"\n| pipeline | {args.metric} (mean ± sd) | vs {best} | p | folds won | seconds |\n|---|---|---|---|---|---|")
    for p in names:
        s = score[p]
        cells_txt = f"| {p} | {s.mean():.4f} ± {s.std(ddof=1):.4f} |"
        if p == best or len(s) != len(score[best]):
            cells_txt += " | | |"
        else:
            r = corrected_ttest(s, score[best], n_train=n_train, n_test=n_test)
            cells_txt += f" {r.mean_difference:+.4f} | {r.p_value:.3g} | {int((s > score[best]).sum())}/{len(s)} |"
        print(cells_txt + f" {seconds[p]:.0f} |")
    if args.out:
        cols = ["pipeline", "seed", "fold", "n_train", "n_test", args.metric, "fit_time", "predict_time", "total_time"]
        with open(args.out, "w") as fh:
            json.dump({"run_id": run["run_id"], "config": run["config"].get("name"),
                       "cells": ok[cols].to_dict(orient="records")}, fh, indent=1, default=float)


if __name__ == "__main__":
    main()
