"""Runner overhead per cell, beyond the pipeline's own fit and predict.

A grid of DummyClassifier cells on iris (fit and predict take microseconds) is run twice, with
few and with many cells; the marginal overhead per cell is

    ((T_many - T_few) - (FP_many - FP_few)) / (N_many - N_few)

where T is the wall time of ``run_experiment`` and FP the stored fit + predict seconds. This
removes the one-off costs (config, data, worker start-up) and leaves what each cell adds:
building the pipeline, scoring, pickling to and from the worker, and the SQLite transaction.

Run: PYTHONPATH=src .venv/bin/python benchmarks/runner_overhead.py
"""

from __future__ import annotations

import argparse
import tempfile
import time

from fuselearn.experiment import Store, parse_config, run_experiment


def _config(n_seeds: int, **extra) -> dict:
    return {
        "datasets": [{"name": "iris"}],
        "pipelines": [{"name": "dummy", "estimator": "sklearn.dummy.DummyClassifier",
                       "params": {"strategy": "prior"}}],
        "cv": {"scheme": "stratified_kfold", "n_splits": 10},
        "seeds": list(range(n_seeds)),
        "metrics": ["accuracy", "log_loss", "roc_auc_ovr"],
        **extra,
    }


def _measure(n_seeds: int, **extra) -> tuple[int, float, float]:
    cfg = parse_config(_config(n_seeds, **extra))
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = run_experiment(cfg, out, progress=False)
        wall = time.perf_counter() - start
        with Store(out, readonly=True) as store:
            cells = store.cells()
    fit_predict = float((cells.fit_time + cells.predict_time).sum())
    assert result.n_ok == result.n_cells
    return result.n_cells, wall, fit_predict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--few", type=int, default=2, help="seeds of the small grid (x10 cells)")
    parser.add_argument("--many", type=int, default=42, help="seeds of the large grid (x10 cells)")
    args = parser.parse_args()
    modes = {
        "in-process (jobs=1, no time budget)": {},
        "worker process (jobs=1, time_budget set)": {"time_budget": 60},
        "2 worker processes (jobs=2)": {"jobs": 2},
    }
    for label, extra in modes.items():
        n1, t1, fp1 = _measure(args.few, **extra)
        n2, t2, fp2 = _measure(args.many, **extra)
        per_cell = ((t2 - t1) - (fp2 - fp1)) / (n2 - n1)
        print(f"{label}: {n1} cells {t1:.2f} s, {n2} cells {t2:.2f} s, "
              f"fit+predict {fp2:.3f} s -> overhead {1000 * per_cell:.1f} ms per cell")


if __name__ == "__main__":
    main()
