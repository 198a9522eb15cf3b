"""Dask backend: a LocalCluster with 2 workers against 1 worker on CPU-bound cells.

Each cell fits a 300-tree random forest (n_jobs=1) on breast cancer; ``--seeds`` x 10 folds
cells (60 by default: about 25 s of compute, so that the one-off start of a worker process, 2-4 s,
does not decide the result). Reported: wall time of ``run_experiment`` with the cluster start included, and the time
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
    "seeds": [0],
    "metrics": ["accuracy"],
}


def _run(workers: int, seeds: int) -> tuple[float, float, float]:
    cfg = parse_config({**CONFIG, "seeds": list(range(seeds))})
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
    parser.add_argument("--seeds", type=int, default=6, help="seeds of the 10-fold grid (cells = 10 x seeds)")
    args = parser.parse_args()
    results = {}
    for workers in (1, 2):
        runs = [_run(workers, args.seeds) for _ in range(args.repeats)]
        best = min(runs)
        results[workers] = best
        print(f"{workers} worker(s): wall {best[0]:.2f} s (cluster start included), "
              f"first-to-last cell {best[1]:.2f} s, sum of fit times {best[2]:.2f} s "
              f"[best of {args.repeats}]")
    print(f"speed-up 2 vs 1 workers: wall {results[1][0] / results[2][0]:.2f}x, "
          f"first-to-last cell {results[1][1] / results[2][1]:.2f}x ({10 * args.seeds} cells)")


if __name__ == "__main__":
    main()
