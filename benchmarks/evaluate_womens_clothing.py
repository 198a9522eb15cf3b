"""Women's clothing: modality importance (text vs table) of the late TF-IDF + table stacking fusion.

The known answer (docs/benchmarks, multimodal): the table adds almost nothing to the text. The
explanation must show it: grouped permutation importance of each modality and the members' Shapley
values to the fused ROC-AUC, on a held-out quarter of the rows.

Run: FUSELEARN_DATA=/path/to/datasets OMP_NUM_THREADS=1 PYTHONPATH=src \
     python benchmarks/evaluate_womens_clothing.py [--n-rows 12000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).parent))
from multimodal_womens_clothing import TABLE, load

from fuselearn.estimators import ModalityFusion
from fuselearn.evaluate import explain
from fuselearn.extract import TfidfExtractor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-rows", type=int, default=None, help="a stratified subsample (default: all rows)")
    parser.add_argument("--out", default="benchmarks/results/evaluate_womens_clothing.json")
    args = parser.parse_args()
    X, y = load(None)
    if args.n_rows and args.n_rows < len(y):
        X, _, y, _ = train_test_split(X, y, train_size=args.n_rows, stratify=y, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    mods = {"text": ("text", TfidfExtractor()), "table": (TABLE, None)}
    t0 = time.perf_counter()
    clf = ModalityFusion(mods, strategy="late", method="stacking", random_state=0).fit(Xtr, ytr)
    fit_s = time.perf_counter() - t0
    wall, cpu = time.perf_counter(), time.process_time()
    e = explain(clf, Xte, yte, y_train=ytr, features=False, n_repeats=5, random_state=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{len(ytr)} train / {len(yte)} test rows; fit {fit_s:.1f} s; explain {wall:.1f} s wall, {cpu:.1f} s CPU")
    for name in ("groups", "members_shapley", "members_leave_one_out", "members_weights", "members_coalitions"):
        print(e.to_frame(name).round(4).to_string(index=False))
    e.info.update({"n_train": len(ytr), "n_test": len(yte), "explain_wall_s": wall, "explain_cpu_s": cpu})
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    e.to_json(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
