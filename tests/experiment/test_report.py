"""The HTML report: built from the store only, self-contained, and clean in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import tiny_config
from fuselearn.cli import app
from fuselearn.exceptions import ConfigError
from fuselearn.experiment import build_report_context, parse_config, run_experiment, write_report

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    config = tiny_config(seeds=[0, 1])
    config["pipelines"].append({"name": "bad", "estimator": "helpers.FailingClassifier"})
    out = tmp_path_factory.mktemp("report") / "run"
    run_experiment(parse_config(config), out, progress=False)
    return out


def test_context_reads_only_the_store(run_dir, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(run_dir, moved)  # no config file, no data: the store is enough
    ctx = build_report_context(moved)
    assert [d["name"] for d in ctx["datasets"]] == ["iris", "bc"]
    board = ctx["datasets"][0]["leaderboard"]
    assert {r["pipeline"] for r in board} == {"lr", "tree", "fusion"}
    assert board[0]["rank"] == 1
    fusion = next(r for r in ctx["fusion_rows"] if r["dataset"] == "bc")
    assert fusion["pipeline"] == "fusion" and fusion["best_member"] in ("lr", "tree")
    assert fusion["n_folds"] == 4 and fusion["p_value"] is not None
    assert ctx["cd"]["image"].startswith("data:image/png;base64,")
    assert ctx["n_failed"] == 8 and "deliberate failure" in ctx["failed"][0]["summary"]


def test_html_is_self_contained(run_dir):
    path = write_report(run_dir)
    text = path.read_text()
    for section in ("leaderboard", "fusion", "cd", "pairwise", "best", "folds", "failed",
                    "manifest"):
        assert f'id="{section}"' in text
    assert text.count("data:image/png;base64,") >= 6
    assert not re.search(r'(src|href)="(https?:)?//', text), "no external resources"
    assert "scikit-learn" in text and "config_hash" in text


def test_report_cli(run_dir, tmp_path):
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", str(run_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    result = CliRunner().invoke(app, ["report", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "not a run folder" in result.output


def test_not_a_run_folder(tmp_path):
    with pytest.raises(ConfigError, match="not a run folder"):
        write_report(tmp_path)


def _chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
        "--v=0", *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


def test_report_renders_in_headless_chromium(run_dir, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install -y chromium; `make test` does it "
                    "where apt is available)")
    path = write_report(run_dir, tmp_path / "report.html")
    result = _chromium(["--window-size=1200,900", "--dump-dom", path.as_uri()], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    # The page's own script measured the leaderboard tables: rendered and visible.
    assert 'data-leaderboard-visible="yes"' in dom
    assert dom.count('class="leaderboard"') == 2
    # The report logs nothing, so any console message (error, warning, exception) fails.
    assert not _console_messages(result.stderr), _console_messages(result.stderr)


@pytest.fixture(scope="module")
def insights_run_dir(tmp_path_factory) -> Path:
    """A run whose cells explain their models: members, robustness and a fairness audit."""
    import numpy as np
    import pandas as pd

    tmp = tmp_path_factory.mktemp("insights-report")
    rng = np.random.RandomState(0)
    n = 100
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                          "group": rng.choice(["u", "v"], n)})
    frame["label"] = (frame.a + 0.5 * (frame.group == "u") + rng.normal(0, 0.5, n) > 0.2).astype(int)
    frame.to_csv(tmp / "t.csv", index=False)
    config = tiny_config(
        datasets=[{"name": "t", "source": "csv", "path": str(tmp / "t.csv"), "target": "label",
                   "sensitive": ["group"]}],
        insights={"pipelines": ["fusion"], "robustness": True, "n_rows": 30, "n_bootstrap": 20},
    )
    out = tmp / "run"
    run_experiment(parse_config(config), out, progress=False)
    return out


def test_insights_render_in_headless_chromium(insights_run_dir, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    path = write_report(insights_run_dir, tmp_path / "report.html")
    result = _chromium(["--window-size=1200,900", "--dump-dom", path.as_uri()], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    # The page's script measured every insights table and plot: laid out, images decoded.
    assert 'data-insights-visible="yes"' in dom
    assert 'data-leaderboard-visible="yes"' in dom
    for table in ("insights-members", "insights-robustness", "insights-fairness"):
        assert f'class="{table}"' in dom
    assert "Fairness: does fusion widen or narrow the gap?" in dom
    assert not _console_messages(result.stderr), _console_messages(result.stderr)


def test_insights_visibility_check_catches_a_broken_plot(insights_run_dir, tmp_path):
    """The check above is not vacuous: an insights image that cannot be decoded fails it."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    path = write_report(insights_run_dir, tmp_path / "report.html")
    text = path.read_text()
    start = text.index('<section id="insights">')
    at = text.index('src="data:image/png;base64,', start) + len('src="data:image/png;base64,')
    path.write_text(text[:at] + "broken" + text[at + 40:])
    result = _chromium(["--window-size=1200,900", "--dump-dom", path.as_uri()], tmp_path)
    assert 'data-insights-visible="no"' in result.stdout


def _console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def test_console_check_catches_errors(tmp_path):
    """The check above is not vacuous: a page with a console error and an exception fails it."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    page = tmp_path / "bad.html"
    page.write_text('<html><body><script>console.error("boom"); missing();</script></body></html>')
    result = _chromium(["--dump-dom", page.as_uri()], tmp_path)
    messages = _console_messages(result.stderr)
    assert any("boom" in m for m in messages) and any("Uncaught ReferenceError" in m
                                                        for m in messages)
