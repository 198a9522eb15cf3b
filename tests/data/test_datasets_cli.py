from dataclasses import replace

import pytest
from typer.testing import CliRunner

import fuselearn.data._registry as reg
from fuselearn.cli.datasets import app
from fuselearn.data import get_dataset_info, sha256_file

runner = CliRunner()


@pytest.fixture
def tiny_mutag_registered(tiny_root):
    info = get_dataset_info("mutag")
    real = {rel: sha256_file(tiny_root / rel) for rel in info.files}
    reg.register_dataset(replace(info, files=real), overwrite=True)
    yield tiny_root
    reg.register_dataset(info, overwrite=True)


def test_list_shows_present_and_missing(tiny_root, tmp_path):
    res = runner.invoke(app, ["list", "--data-dir", str(tiny_root)])
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if " mutag " in ln)
    assert "present" in line and "binary" in line and "113.1 kB" in line
    empty = runner.invoke(app, ["list", "--data-dir", str(tmp_path)])
    rows = "\n".join(ln for ln in empty.output.splitlines() if not ln.startswith("Looked in"))
    assert "present" not in rows and rows.count("missing") == 14


def test_verify_ok(tiny_mutag_registered):
    res = runner.invoke(app, ["verify", "mutag", "--data-dir", str(tiny_mutag_registered)])
    assert res.exit_code == 0, res.output
    assert "OK mutag" in res.output


def test_verify_mismatch_exits_1(tiny_root):
    res = runner.invoke(app, ["verify", "MUTAG", "--data-dir", str(tiny_root)])
    assert res.exit_code == 1
    assert "MISMATCH mutag" in res.output and "expected sha256" in res.output


def test_verify_all_and_missing(tiny_mutag_registered, tmp_path):
    res = runner.invoke(app, ["verify", "--data-dir", str(tiny_mutag_registered)])
    assert res.exit_code == 1  # the other tiny datasets do not match the real digests
    assert "OK mutag" in res.output and "failed verification" in res.output
    res = runner.invoke(app, ["verify", "--data-dir", str(tmp_path)])
    assert res.exit_code == 1 and "No dataset found" in res.output
    res = runner.invoke(app, ["verify", "nci1", "--data-dir", str(tmp_path)])
    assert res.exit_code == 1 and "MISSING nci1" in res.output


def test_unknown_name(tmp_path):
    res = runner.invoke(app, ["verify", "mutagg", "--data-dir", str(tmp_path)])
    assert res.exit_code == 2 and "Did you mean 'mutag'" in res.output


def test_fetch_from_file_urls(tiny_mutag_registered, tmp_path):
    dest = tmp_path / "fetched"
    base = (tiny_mutag_registered / "MUTAG").as_uri()
    res = runner.invoke(app, ["fetch", "mutag", "--url", base, "--data-dir", str(dest)])
    assert res.exit_code == 0, res.output
    assert (dest / "MUTAG" / "MUTAG_A.txt").read_bytes() == (
        tiny_mutag_registered / "MUTAG" / "MUTAG_A.txt").read_bytes()
    assert runner.invoke(app, ["verify", "mutag", "--data-dir", str(dest)]).exit_code == 0


def test_fetch_bad_digest_exits_1(tiny_root, tmp_path):
    url = (tiny_root / "bank-marketing" / "bank.zip").as_uri()
    res = runner.invoke(app, ["fetch", "bank_marketing", "--url", url, "--data-dir", str(tmp_path)])
    assert res.exit_code == 1 and "Checksum mismatch" in res.output
    assert not (tmp_path / "bank-marketing" / "bank.zip").exists()


def test_fetch_needs_url(tmp_path):
    res = runner.invoke(app, ["fetch", "adult", "--data-dir", str(tmp_path)])
    assert res.exit_code == 2 and "pass --url URL" in res.output


def test_list_shows_womens_clothing_as_text_and_table():
    from typer.testing import CliRunner

    from fuselearn.cli import app

    result = CliRunner().invoke(app, ["datasets", "list"], terminal_width=200)
    row = next(line for line in result.output.splitlines() if "womens_clothing_reviews" in line)
    assert "text+table" in row


def test_verify_without_env_says_to_set_it(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from fuselearn.cli import app

    monkeypatch.delenv("FUSELEARN_DATA", raising=False)
    monkeypatch.setattr("fuselearn.data._files.default_data_dir", lambda: tmp_path / "none")
    result = CliRunner().invoke(app, ["datasets", "verify"], terminal_width=200)
    assert result.exit_code == 1
    assert "Set FUSELEARN_DATA (or pass --data-dir)" in " ".join(result.output.split())
