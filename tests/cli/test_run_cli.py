"""``fuselearn run`` and ``fuselearn report`` at the command line: the report at the end, and
clear errors (never a traceback) for a damaged store, an ``--out`` that is a file and bad options."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from fuselearn.cli import app
from fuselearn.exceptions import ConfigError, DataError
from fuselearn.experiment import Store, StoreDamagedError, write_report

CONFIG = {
    "name": "cli",
    "datasets": [{"name": "iris", "max_rows": 30}],
    "pipelines": [
        {"name": "lr", "estimator": "sklearn.linear_model.LogisticRegression",
         "params": {"max_iter": 500}},
        {"name": "tree", "estimator": "sklearn.tree.DecisionTreeClassifier",
         "params": {"max_depth": 2}},
    ],
    "cv": {"n_splits": 2},
    "jobs": 1,
}


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "cli.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    return path


def _invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def run_dir(tmp_path) -> Path:
    out = tmp_path / "run"
    result = _invoke("run", str(_config(tmp_path)), "--out", str(out), "-q", "--no-report")
    assert result.exit_code == 0, result.output
    assert not (out / "report.html").exists()  # --no-report
    return out


def test_run_writes_the_report_at_the_end_by_default(tmp_path):
    out = tmp_path / "run"
    result = _invoke("run", str(_config(tmp_path)), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    report = out / "report.html"
    assert report.is_file() and "<html" in report.read_text()[:500].lower()
    assert f"Report: {report}" in result.output


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _scribble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:100] = b"not a database " * 6 + b"x" * 10  # the SQLite header is gone
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_truncate, _scribble], ids=["truncated", "corrupted"])
def test_damaged_store_is_named_with_how_to_start_over(run_dir, tmp_path, damage):
    store = run_dir / "store.sqlite"
    assert store.stat().st_size > 8192  # several pages, so that half of it is missing pages
    damage(store)

    with pytest.raises(StoreDamagedError, match="is damaged") as info:
        Store(run_dir, readonly=True)
    assert isinstance(info.value, DataError) and info.value.path == store
    assert "--" not in str(info.value)  # the library names no command-line flag

    result = _invoke("report", str(run_dir))
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "is damaged" in text and "store.sqlite" in text and "start over" in text

    result = _invoke("run", str(_config(tmp_path)), "--out", str(run_dir), "-q")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "is damaged" in text and "--out NEW_FOLDER" in text


def test_out_naming_a_file_is_refused(tmp_path):
    file = tmp_path / "results.txt"
    file.write_text("keep me")
    result = _invoke("run", str(_config(tmp_path)), "--out", str(file), "-q")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "is a file, not a folder" in text and "Give --out a folder" in text
    assert file.read_text() == "keep me"


def test_report_out_naming_a_folder_and_run_dir_naming_a_file(run_dir, tmp_path):
    with pytest.raises(ConfigError, match="is a folder; name the HTML file"):
        write_report(run_dir, tmp_path)
    result = _invoke("report", str(run_dir / "store.sqlite-nope"))
    assert result.exit_code == 2 and "not a run folder" in " ".join(result.output.split())
    (tmp_path / "plain.txt").write_text("x")
    result = _invoke("report", str(tmp_path / "plain.txt"))
    assert result.exit_code == 2 and "is a file, not a run folder" in " ".join(result.output.split())


def test_backend_rule_is_checked_once_and_named_in_cli_terms(tmp_path):
    result = _invoke("run", str(_config(tmp_path)), "--out", str(tmp_path / "r"), "--backend", "slurm")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "--backend: must be one of 'local', 'dask'; got 'slurm'" in text


def test_run_refuses_another_config_with_the_flag_to_force(run_dir, tmp_path):
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump({**CONFIG, "seeds": [3]}))
    result = _invoke("run", str(changed), "--out", str(run_dir), "-q")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "holds a run of another config" in text and "--force" in text


def test_exact_tie_with_best_member_reads_tied():
    from fuselearn.experiment._report import _fusion_vs_members

    # the same fold scores in another order: the means differ in the last bits only
    fusion, member = [0.1, 0.2, 0.3], [0.2, 0.3, 0.1]
    assert pd.Series(fusion).mean() != pd.Series(member).mean()
    ok = pd.DataFrame({
        "dataset": "d", "seed": 0, "fold": [0, 1, 2] * 2,
        "pipeline": ["fusion"] * 3 + ["member"] * 3, "accuracy": fusion + member,
        "n_train": 20, "n_test": 10,
    })
    row = _fusion_vs_members(ok, {"fusion": ["member"]}, "accuracy")[0]
    assert row["verdict"] == "tied with" and row["difference"] == 0.0
