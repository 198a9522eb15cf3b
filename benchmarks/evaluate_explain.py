"""Explain, audit and stress a stacking of LightGBM + logistic regression + NeuralClassifier.

adult (sensitive: sex, race) and german credit (sensitive: age group, sex from personal status):
member Shapley values and leave-one-out on the out-of-fold predictions, SHAP features of the fusion
and its members, fairness table for the fusion and every member, robustness curves. Times the
``explain`` call (goal on adult: 1,000 explained rows within 2 minutes on 2 cores), wall and CPU.

Run: FUSELEARN_DATA=/path/to/datasets OMP_NUM_THREADS=1 PYTHONPATH=src \
     python benchmarks/evaluate_explain.py --dataset adult --n-train 10000 --n-test 5000
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _evaluate_common import fusion, load

from fuselearn.evaluate import explain, fairness, robustness


def timed(fn, *a, **k):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*a, **k)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", choices=["adult", "german"], default="adult")
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--max-rows", type=int, default=1000)
    parser.add_argument("--label-noise", action="store_true", help="also refit under label noise (slow)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--cache", default=None,
                        help="pickle file for the fitted fusion: written on the first run, read on the next")
    parser.add_argument("--explain-only", action="store_true", help="time explain only; no fairness/robustness")
    args = parser.parse_args()
    torch.set_num_threads(1)
    Xtr, ytr, Xte, yte, sens = load(args.dataset, args.n_train, args.n_test)
    if args.cache and Path(args.cache).exists():
        with open(args.cache, "rb") as fh:
            f, fit_wall = pickle.load(fh), 0.0
    else:
        f, fit_wall, _ = timed(fusion, Xtr, ytr)
        if args.cache:
            with open(args.cache, "wb") as fh:
                pickle.dump(f, fh)
    print(f"{args.dataset}: {len(ytr)} train / {len(yte)} test rows; fusion fit {fit_wall:.1f} s")
    e, wall, cpu = timed(explain, f, Xte, yte, y_train=ytr, max_rows=args.max_rows, random_state=0)
    print(f"explain: {wall:.1f} s wall, {cpu:.1f} s CPU; parts: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in e.info["timings_s"].items()))
    print(e.to_frame("members_shapley").round(4).to_string(index=False))
    print(e.to_frame("members_leave_one_out").round(4).to_string(index=False))
    print(e.to_frame("members_weights").round(4).to_string(index=False))
    print(e.to_frame("interpretability").round(3).to_string(index=False))
    print(e.to_frame("features").head(8).round(3).to_string(index=False))
    print("explainers:", e.info.get("explainers"))
    if args.explain_only:
        e.info.update({"dataset": args.dataset, "n_train": len(ytr), "n_test": len(yte), "explain_wall_s": wall,
                       "explain_cpu_s": cpu, "cpu_count": os.cpu_count(), "load_avg_after": list(os.getloadavg())})
        e.tables.pop("shap_values", None)
        out = Path(args.out or f"benchmarks/results/evaluate_{args.dataset}_explain.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        e.to_json(out)
        print(f"wrote {out}")
        return
    fa, fwall, _ = timed(fairness, f, Xte, yte, sens, random_state=0)
    gaps = fa.to_frame("fairness_gaps")
    print(f"fairness: {fwall:.1f} s")
    print(gaps.round(3).to_string(index=False))
    groups = fa.to_frame("fairness_groups")
    print(groups[groups.model == "fusion"].round(3).to_string(index=False))
    perts = {"gaussian_noise": [0.0, 0.25, 0.5, 1.0], "missing": [0.0, 0.1, 0.3]}
    kw = {}
    if args.label_noise:
        perts["label_noise"] = [0.0, 0.2]
        kw = {"X_train": Xtr, "y_train": ytr}
    r, rwall, _ = timed(robustness, f, Xte, yte, perts, random_state=0, **kw)
    print(f"robustness: {rwall:.1f} s")
    rob = r.to_frame("robustness")
    print(rob.pivot_table(index=["perturbation", "strength"], columns="model", values="score", sort=False)
          .round(4).to_string())
    result = e.merge(fa).merge(r)
    result.info.update({"dataset": args.dataset, "n_train": len(ytr), "n_test": len(yte),
                        "explain_wall_s": wall, "explain_cpu_s": cpu, "fusion_fit_s": fit_wall,
                        "cpu_count": os.cpu_count(), "load_avg_after": list(os.getloadavg())})
    out = Path(args.out or f"benchmarks/results/evaluate_{args.dataset}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    result.tables.pop("shap_values", None)  # per-row values: large, and not needed to read the results
    result.to_json(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
