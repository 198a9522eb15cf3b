"""The Dask backend: a LocalCluster on 127.0.0.1 gives the same cells and scores as local."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import tiny_config
from fuselearn.experiment import Store, parse_config, run_experiment

pytest.importorskip("distributed")


def _scores(out):
    with Store(out, readonly=True) as store:
        cells = store.cells()
    return cells.set_index("cell_id")[["status", "accuracy", "log_loss"]].sort_index()


def test_dask_local_cluster_matches_local(tmp_path):
    config = tiny_config()
    config["pipelines"].append({"name": "bad", "estimator": "helpers.FailingClassifier"})
    cfg = parse_config(config)
    local = run_experiment(cfg, tmp_path / "local", progress=False)
    dask = run_experiment(cfg, tmp_path / "dask", backend="dask", jobs=2, progress=False)
    assert (dask.n_ok, dask.n_failed) == (local.n_ok, local.n_failed) == (12, 4)
    pd.testing.assert_frame_equal(_scores(tmp_path / "local"), _scores(tmp_path / "dask"))
    with Store(tmp_path / "dask", readonly=True) as store:
        cells = store.cells()
        manifest = store.latest_run()["manifest"]
    assert manifest["backend"] == "dask"
    assert cells[cells.pipeline == "bad"].error.str.contains("deliberate failure").all()


def test_dask_external_scheduler_and_time_budget(tmp_path):
    import dask
    from distributed import LocalCluster

    config = tiny_config(datasets=[{"name": "iris", "max_rows": 30}], time_budget=2)
    config["pipelines"] = [
        config["pipelines"][1],
        {"name": "hang", "estimator": "helpers.HangingClassifier"},
    ]
    cfg = parse_config(config)
    # As documented: a scheduler that retries a killed task would rerun a runaway cell.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        result = run_experiment(cfg, tmp_path / "run", backend="dask",
                                scheduler=cluster.scheduler_address, progress=False)
    assert (result.n_ok, result.n_failed) == (2, 2)
    with Store(tmp_path / "run", readonly=True) as store:
        cells = store.cells()
    assert cells[cells.pipeline == "hang"].error.str.contains("time budget").all()
