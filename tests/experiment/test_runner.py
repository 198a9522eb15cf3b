"""The runner and its store: resume, failures, time budget, parallel workers, SIGKILL mid-run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import subprocess_env, tiny_config
from fuselearn.cli import app
from fuselearn.exceptions import ConfigError
from fuselearn.experiment import Store, parse_config, run_experiment
from fuselearn.experiment._store import decode_arrays


def _scores(out) -> pd.DataFrame:
    with Store(out, readonly=True) as store:
        cells = store.cells()
    return cells.set_index("cell_id")[["status", "accuracy", "log_loss"]].sort_index()


def test_run_stores_every_cell_in_one_row(tmp_path):
    cfg = parse_config(tiny_config())
    result = run_experiment(cfg, tmp_path / "run", progress=False)
    assert (result.n_cells, result.n_ok, result.n_failed, result.exit_code) == (12, 12, 0, 0)
    with Store(tmp_path / "run", readonly=True) as store:
        cells = store.cells()
        assert len(cells) == 12 and cells.cell_id.is_unique
        assert set(cells.status) == {"ok"}
        assert cells.fit_time.notna().all() and cells.predict_time.notna().all()
        assert (cells.n_train + cells.n_test).groupby(cells.dataset).first().to_dict() == {
            "bc": 40, "iris": 30}
        preds = store.predictions(result.run_id, "iris", "lr")
        assert len(preds) == 2
        assert preds[0]["y_proba"].shape == (15, 3) and preds[0]["y_true"].shape == (15,)
        # The stored predictions reproduce the stored score.
        acc = np.mean(preds[0]["y_true"] == preds[0]["y_pred"])
        stored = cells.set_index("cell_id").loc["iris|lr|seed=0|fold=0", "accuracy"]
        assert acc == pytest.approx(stored)
    db = sqlite3.connect(tmp_path / "run" / "store.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_resume_runs_only_missing_or_failed_cells(tmp_path):
    cfg = parse_config(tiny_config())
    first = run_experiment(cfg, tmp_path / "run", progress=False)
    again = run_experiment(cfg, tmp_path / "run", progress=False)
    assert again.resumed and again.run_id == first.run_id
    assert (again.n_skipped, again.n_ok) == (12, 0)


def test_failing_cell_is_stored_with_traceback_and_retried(tmp_path):
    config = tiny_config()
    config["pipelines"].append(
        {"name": "bad", "estimator": "helpers.FailingClassifier", "params": {"max_rows": 0}}
    )
    result = run_experiment(parse_config(config), tmp_path / "run", progress=False)
    assert (result.n_ok, result.n_failed, result.exit_code) == (12, 4, 1)
    with Store(tmp_path / "run", readonly=True) as store:
        cells = store.cells()
    bad = cells[cells.pipeline == "bad"]
    assert set(bad.status) == {"failed"}
    assert bad.error.str.contains("Traceback").all()
    assert bad.error.str.contains("RuntimeError: deliberate failure").all()
    again = run_experiment(parse_config(config), tmp_path / "run", progress=False)
    assert (again.n_skipped, again.n_failed) == (12, 4)
    with Store(tmp_path / "run", readonly=True) as store:
        assert set(store.cells().query("pipeline == 'bad'").attempts) == {2}


def test_changed_config_is_refused_unless_forced(tmp_path):
    run_experiment(parse_config(tiny_config()), tmp_path / "run", progress=False)
    changed = parse_config(tiny_config(seeds=[1]))
    with pytest.raises(ConfigError, match="holds a run of another config.*force=True"):
        run_experiment(changed, tmp_path / "run", progress=False)
    result = run_experiment(changed, tmp_path / "run", force=True, progress=False)
    assert not result.resumed and result.n_ok == 12
    with Store(tmp_path / "run", readonly=True) as store:
        runs = store.runs()
        assert len(runs) == 2
        # Rows of the two runs are kept apart.
        assert set(store.cells(runs[0]["run_id"]).seed) == {0}
        assert set(store.cells(runs[1]["run_id"]).seed) == {1}


def test_time_budget_kills_a_runaway_cell(tmp_path):
    config = tiny_config(datasets=[{"name": "iris", "max_rows": 30}], time_budget=1.5)
    config["pipelines"] = [
        config["pipelines"][1],
        {"name": "hang", "estimator": "helpers.HangingClassifier"},
    ]
    start = time.monotonic()
    result = run_experiment(parse_config(config), tmp_path / "run", progress=False)
    assert time.monotonic() - start < 40
    assert (result.n_ok, result.n_failed) == (2, 2)
    with Store(tmp_path / "run", readonly=True) as store:
        cells = store.cells()
    hang = cells[cells.pipeline == "hang"]
    assert hang.error.str.contains("time budget of 1.5 s").all()


def test_parallel_workers_give_the_same_scores(tmp_path):
    cfg = parse_config(tiny_config())
    run_experiment(cfg, tmp_path / "one", progress=False)
    run_experiment(cfg, tmp_path / "two", jobs=2, progress=False)
    pd.testing.assert_frame_equal(_scores(tmp_path / "one"), _scores(tmp_path / "two"))


def test_predictions_blob_round_trip():
    from fuselearn.experiment._store import encode_arrays

    blob = encode_arrays({"y": np.array(["a", "b"], dtype=object), "p": np.eye(2), "n": None})
    out = decode_arrays(blob)
    assert out["y"].tolist() == ["a", "b"] and np.array_equal(out["p"], np.eye(2))
    assert "n" not in out


def test_cli_run_exit_codes_and_quiet_log(write_config, tmp_path):
    path = write_config(tiny_config(datasets=[{"name": "iris", "max_rows": 30}]))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "[6/6] ok" in result.output
    bad = tiny_config(datasets=[{"name": "iris", "max_rows": 30}])
    bad["pipelines"].append({"name": "bad", "estimator": "helpers.FailingClassifier"})
    path = write_config(bad, "bad.yaml")
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "b"), "-q"])
    assert result.exit_code == 1
    assert "failed" in result.output
    result = CliRunner().invoke(app, ["run", str(path), "--backend", "spark"])
    assert result.exit_code == 2


def _slow_config() -> dict:
    config = tiny_config(seeds=[0, 1])
    config["pipelines"].append(
        {"name": "slow", "estimator": "helpers.SlowClassifier", "params": {"delay": 0.25}}
    )
    return config  # 2 datasets x 4 pipelines x 2 folds x 2 seeds = 32 cells


def test_sigkill_mid_run_then_resume_loses_and_doubles_nothing(write_config, tmp_path):
    path = write_config(_slow_config())
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "fuselearn.cli", "run", str(path), "--out", str(out), "-q"]
    proc = subprocess.Popen(cmd, env=subprocess_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    store_file = out / "store.sqlite"
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline:
        if store_file.exists():
            try:
                db = sqlite3.connect(f"file:{store_file}?mode=ro", uri=True)
                done = db.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
                db.close()
            except sqlite3.OperationalError:
                done = 0
            if done >= 6:
                break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    db = sqlite3.connect(f"file:{store_file}?mode=ro", uri=True)
    killed_at = db.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
    db.close()
    assert 6 <= killed_at < 32, "the run must be killed mid-way"

    resumed = subprocess.run(
        cmd, env=subprocess_env(), capture_output=True, text=True, timeout=120, check=False
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{killed_at} already done" in resumed.stderr

    fresh = tmp_path / "fresh"
    cmd_fresh = [sys.executable, "-m", "fuselearn.cli", "run", str(path), "--out", str(fresh), "-q"]
    subprocess.run(cmd_fresh, env=subprocess_env(), check=True, capture_output=True, timeout=120)

    with Store(out, readonly=True) as store:
        cells = store.cells()
        assert len(store.runs()) == 1
    assert len(cells) == 32 and cells.cell_id.is_unique
    assert set(cells.status) == {"ok"} and set(cells.attempts) == {1}
    pd.testing.assert_frame_equal(_scores(out), _scores(fresh))


def test_fusions_share_members_fit_with_identical_scores(tmp_path, monkeypatch):
    import fuselearn.experiment._cell as cell_module
    import fuselearn.experiment._runner as runner_module

    config = tiny_config(datasets=[{"name": "bc", "source": "breast_cancer", "max_rows": 40}])
    members = [{"ref": "lr"}, {"ref": "tree"}]
    config["pipelines"][2] = {"name": "stack", "estimator": "fuselearn.FusionClassifier",
                              "estimators": members, "params": {"method": "stacking", "cv": 2}}
    for method in ("weighted", "mean", "vote"):
        config["pipelines"].append({"name": method, "estimator": "fuselearn.FusionClassifier",
                                    "estimators": members, "params": {"method": method, "cv": 2}})
    cfg = parse_config(config)
    run_experiment(cfg, tmp_path / "shared", progress=False)
    with Store(tmp_path / "shared", readonly=True) as store:
        cells = store.cells()
    assert len(cells) == 12 and set(cells.status) == {"ok"}
    shared = cells[cells.shared_fit == 1]
    # lr and tree on both folds take the fusion's member; weighted, mean and vote refit the combiner
    assert sorted(shared.pipeline.unique()) == ["lr", "mean", "tree", "vote", "weighted"]
    assert len(shared) == 10
    monkeypatch.setattr(runner_module, "plan_sharing", lambda estimators: {})
    cell_module._FITTED.clear()
    run_experiment(cfg, tmp_path / "separate", progress=False)
    with Store(tmp_path / "separate", readonly=True) as store:
        assert not store.cells().shared_fit.any()
    pd.testing.assert_frame_equal(_scores(tmp_path / "shared"), _scores(tmp_path / "separate"))
