"""Where predict time goes: the stacking teacher of benchmarks/distill.py against its students.

One fold (the first of BENCHMARKS.md's ``StratifiedKFold(5, shuffle=True, random_state=0)``) of
one table. Times, best of 3, one thread, for each batch size: the teacher's ``predict_proba`` and
each member's preprocessing (``default_preprocessor``: impute, scale, one-hot) and model apart;
the distilled students (the fixed 150 trees of 31 leaves, ``tolerance=None``, and the sized
default) with their table encoding (category codes) and LightGBM apart, and LightGBM's own pandas
path (``astype("category")`` per call) for comparison.

    FUSELEARN_DATA=/path/to/datasets OMP_NUM_THREADS=1 PYTHONPATH=src \\
        python benchmarks/distill_profile.py --dataset german-credit [--batches 1000 20000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).parent))
import distill as bench  # the teacher and data of benchmarks/distill.py

import fuselearn
from fuselearn.estimators import FusionClassifier
from fuselearn.estimators._distill import _codes_transform


def best_of(fn, *args, reps=3):
    best = np.inf
    for _ in range(reps):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="german-credit")
    parser.add_argument("--batches", type=int, nargs="+", default=[1_000, 20_000])
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    X, y = bench.load(args.dataset, os.environ.get("FUSELEARN_DATA"))
    tr, te = next(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    Xtr, Xte, ytr = X.iloc[tr], X.iloc[te], y[tr]
    members = bench.teacher_members(args.dataset, Xtr)
    teacher = FusionClassifier(members, method="stacking", cv=5, random_state=0).fit(Xtr, ytr)
    students = {"fixed 150x31": fuselearn.distill(teacher, Xtr, ytr, tolerance=None, random_state=0),
                "sized (tolerance=0.005)": fuselearn.distill(teacher, Xtr, ytr, random_state=0)}
    for n in args.batches:
        big = pd.concat([Xte] * int(np.ceil(n / len(Xte))), ignore_index=True).iloc[:n]
        t_teacher = best_of(teacher.predict_proba, big)
        print(f"--- batch {n} rows: teacher {t_teacher * 1e3:.1f} ms ({n / t_teacher:,.0f} rows/s)")
        for (mname, _, _), est in zip(members, teacher.estimators_):
            Z = est[:-1].transform(big)
            print(f"    member {mname}: preprocessing {best_of(est[:-1].transform, big) * 1e3:.1f} ms, "
                  f"model {best_of(est[-1].predict_proba, Z) * 1e3:.1f} ms")
        for label, st in students.items():
            t_student = best_of(st.predict_proba, big)
            codes = _codes_transform(st._codes, big)
            booster = st.students_[0].booster_
            cats = big.copy()
            for c in st._codes["categories"]:
                cats[c] = cats[c].astype("category")
            size = st.student_size_ or {"n_estimators": 150, "num_leaves": 31}
            print(f"  student {label} ({size['n_estimators']} trees of {size['num_leaves']} leaves): "
                  f"{t_student * 1e3:.1f} ms ({n / t_student:,.0f} rows/s, {t_teacher / t_student:.1f}x); "
                  f"codes {best_of(_codes_transform, st._codes, big) * 1e3:.1f} ms, "
                  f"LightGBM {best_of(booster.predict, codes) * 1e3:.1f} ms; LightGBM's pandas "
                  f"path would cost {best_of(st.students_[0].predict, cats) * 1e3:.1f} ms "
                  f"+ astype('category')")


if __name__ == "__main__":
    main()
