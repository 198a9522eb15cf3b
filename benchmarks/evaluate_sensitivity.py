"""Sensitivity of FusionClassifier to its fusion method and member set on three datasets (issue 9 §6).

Reads the study of ``examples/case_studies/sensitivity_tabular.yaml`` (German credit, Pima, Cleveland heart; 5
methods x 4 member sets, 5 outer folds) from its run folder and writes the tables: per-trial scores,
response curves (spread over folds), fANOVA and PED-ANOVA importances (optuna), the on/off member
ablation with corrected t-tests, and the best method against each other method (corrected t-test on
the per-fold means over member sets, Nadeau & Bengio).

Run:
  FUSELEARN_DATA=/path/to/datasets OMP_NUM_THREADS=1 PYTHONPATH=src nice -n 10 \
    python -m fuselearn.cli sensitivity examples/case_studies/sensitivity_tabular.yaml --out runs/sensitivity_tabular --jobs 2
  PYTHONPATH=src python benchmarks/evaluate_sensitivity.py runs/sensitivity_tabular
  # -> benchmarks/results/evaluate_sensitivity.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from fuselearn.evaluate.stats import corrected_ttest_1samp
from fuselearn.experiment import Store, sensitivity_from_store


def method_tests(run_dir: str, metric: str) -> pd.DataFrame:
    """Per dataset: the best method (mean over member sets) against every other, fold by fold."""
    with Store(run_dir, readonly=True) as store:
        run = store.runs()[-1]
        cells = store.cells(run["run_id"])
        trials = store.trials(run["run_id"])
    meta = pd.DataFrame([{"pipeline": t["pipeline"], "method": t["labels"]["method"]} for t in trials])
    folds = meta.merge(cells[cells["status"] == "ok"], on="pipeline")
    per = folds.groupby(["dataset", "method", "seed", "fold"])[metric].mean().unstack("method")
    sizes = folds.groupby("dataset")[["n_train", "n_test"]].median()
    rows = []
    for dataset, part in per.groupby(level="dataset"):
        means = part.mean()
        best = means.idxmax()
        for other in means.index:
            if other == best:
                continue
            diff = (part[best] - part[other]).dropna().to_numpy(float)
            t = corrected_ttest_1samp(diff, n_train=int(sizes.loc[dataset, "n_train"]),
                                      n_test=int(sizes.loc[dataset, "n_test"]))
            ci = t.ci or (np.nan, np.nan)
            rows.append({"dataset": dataset, "best": best, "other": other, "best_mean": means[best],
                         "other_mean": means[other], "difference": float(diff.mean()), "ci_low": ci[0],
                         "ci_high": ci[1], "p_value": t.p_value, "n_folds": len(diff)})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("--metric", default=None)
    parser.add_argument("--out", default="benchmarks/results/evaluate_sensitivity.json")
    args = parser.parse_args()
    res = sensitivity_from_store(args.run_dir, metric=args.metric)
    pd.set_option("display.width", 200)
    trials = res.trials
    print(f"metric: {res.metric}; {trials['number'].nunique()} trials; status: "
          f"{trials['status'].value_counts().to_dict()}")
    for dataset, part in trials.groupby("dataset"):
        print(f"\n== {dataset}: trials, best first")
        print(part.sort_values("mean", ascending=not res.greater_is_better)
              .drop(columns=["number", "pipeline"]).round(4).to_string(index=False))
    print("\n== response curves (mean over the other parameters, std over folds)")
    print(res.curves.round(4).to_string(index=False))
    # How far each parameter moves the score: the range of its response curve.
    spans = (res.curves.groupby(["dataset", "parameter"])["mean"].agg(lambda s: s.max() - s.min())
             .rename("curve_range").reset_index())
    importance = res.importance.merge(spans, on=["dataset", "parameter"], how="left")
    print("\n== importances (fANOVA, PED-ANOVA) and response-curve range")
    print(importance.round(4).to_string(index=False))
    print("\n== member on/off ablation (corrected t-test over paired folds)")
    print(res.ablation.round(4).to_string(index=False))
    tests = method_tests(args.run_dir, res.metric)
    print("\n== best method against each other method (corrected t-test)")
    print(tests.round(4).to_string(index=False))
    for note in res.notes:
        print("note:", note)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "metric": res.metric, "parameters": res.parameters,
        "trials": trials.round(5).to_dict(orient="records"),
        "curves": res.curves.round(5).to_dict(orient="records"),
        "importance": importance.round(5).to_dict(orient="records"),
        "ablation": res.ablation.round(5).to_dict(orient="records"),
        "method_tests": tests.round(5).to_dict(orient="records"),
        "notes": res.notes,
    }, indent=1, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
