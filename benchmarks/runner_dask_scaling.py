"""Dask backend: a LocalCluster with 2 workers against 1 worker on CPU-bound cells.

Each cell fits a 300-tree random forest (n_jobs=1) on breast cancer; 2 seeds x 10 folds = 20
cells. Reported: wall time of ``run_experiment`` with the cluster start included, and the time
from the first to the last stored cell (the part parallelism can speed up).

Run: PYTHONPATH=src .venv/bin/python benchmarks/runner_dask_scaling.py
"""

from __future__ import annotations

import argparse
import tempfile
import time

from fuselearn.experiment import Store, parse_config, run_experiment

CONFIG = {
    "datasets": [{"name": "breast_cancer"}],
    "pipelines": [{"name": "forest", "estimator": "sklearn.ensemble.RandomForestClassifier",
                   "params": {"n_estimators": 300, "n_jobs": 1}}],
    "cv": {"scheme": "stratified_kfold", "n_splits": 10},
    "seeds": [0, 1],
    "metrics": ["accuracy"],
}


def _run(workers: int) -> tuple[float, float, float]:
    cfg = parse_config(CONFIG)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = run_experiment(cfg, out, backend="dask", jobs=workers, progress=False)
        wall = time.perf_counter() - start
        assert result.n_ok == result.n_cells
        with Store(out, readonly=True) as store:
            finished = store._db.execute("SELECT MIN(finished), MAX(finished) FROM cells").fetchone()
            fit = float(store.cells().fit_time.sum())
    return wall, finished[1] - finished[0], fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    results = {}
    for workers in (1, 2):
        runs = [_run(workers) for _ in range(args.repeats)]
        best = min(runs)
        results[workers] = best
        print(f"{workers} worker(s): wall {best[0]:.2f} s (cluster start included), "
              f"first-to-last cell {best[1]:.2f} s, sum of fit times {best[2]:.2f} s "
              f"[best of {args.repeats}]")
    print(f"speed-up 2 vs 1 workers: wall {results[1][0] / results[2][0]:.2f}x")


if __name__ == "__main__":
    main()
