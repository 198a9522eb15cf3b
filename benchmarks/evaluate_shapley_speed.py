"""Speed of member Shapley values: 5 members, 30,000 out-of-fold rows (goal: within 10 s).

Run: FUSELEARN_DATA=/path/to/datasets OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/evaluate_shapley_speed.py
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _evaluate_common import fusion, load

from fuselearn.evaluate import member_contributions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-rows", type=int, default=30000)
    parser.add_argument("--n-bootstrap", type=int, default=200)
    parser.add_argument("--methods", default="stacking,weighted,bayes")
    parser.add_argument("--out", default="benchmarks/results/evaluate_shapley_speed.json")
    parser.add_argument("--cache", default=None,
                        help="pickle file for the fitted fusion: written on the first run, read on the next "
                             "(the timing is of member_contributions only; fitting five members takes minutes)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    Xtr, ytr, _, _, _ = load("adult", args.n_rows, None)
    t0 = time.perf_counter()
    if args.cache and Path(args.cache).exists():
        with open(args.cache, "rb") as fh:
            f = pickle.load(fh)
    else:
        f = fusion(Xtr, ytr, extra=True, method="stacking")
        if args.cache:
            with open(args.cache, "wb") as fh:
                pickle.dump(f, fh)
    fit_s = time.perf_counter() - t0
    results = {"n_rows": len(ytr), "n_members": len(f.member_names_), "members": f.member_names_,
               "fusion_fit_s": fit_s, "cpu_count": os.cpu_count(), "load_avg": os.getloadavg(), "runs": []}
    for method in args.methods.split(","):
        if method != f.method_:
            f.refit_combiner(Xtr, ytr, method=method)
        wall, cpu = time.perf_counter(), time.process_time()
        mc = member_contributions(f, ytr, n_bootstrap=args.n_bootstrap, random_state=0)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        run = {"method": method, "wall_s": wall, "cpu_s": cpu, "fused_auc": mc.info["fused_score"],
               "n_coalitions": mc.info["n_coalitions"], "cv": mc.info["cv"],
               "shapley": mc.shapley.round(5).to_dict(orient="records"),
               "leave_one_out": mc.leave_one_out.round(5).to_dict(orient="records"),
               "weights": mc.weights.round(4).to_dict(orient="records")}
        results["runs"].append(run)
        print(f"{method}: {wall:.2f} s wall, {cpu:.2f} s CPU; fused ROC-AUC {mc.info['fused_score']:.4f}")
        print(mc.shapley.round(4).to_string(index=False))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
