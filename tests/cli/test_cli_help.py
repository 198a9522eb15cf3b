"""The help screens of `fuselearn`: fast to start, and free of placeholder clutter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fuselearn.cli import app

SRC = str(Path(__file__).resolve().parents[2] / "src")
HEAVY = ("torch", "sklearn", "scipy", "pandas", "fuselearn.estimators", "fuselearn.experiment")


def _modules_after(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, env=env, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_import_cli_imports_neither_torch_nor_sklearn():
    loaded = _modules_after("import fuselearn.cli")
    assert not [m for m in HEAVY if m in loaded]


@pytest.mark.parametrize("argv", [["--help"], ["predict", "--help"], ["datasets", "verify", "--help"]])
def test_help_imports_neither_torch_nor_sklearn(argv):
    code = ("import sys\nfrom fuselearn.cli import app\n"
            f"try:\n    app({argv!r})\nexcept SystemExit:\n    pass")
    loaded = _modules_after(code)
    assert not [m for m in HEAVY if m in loaded]


def test_lazy_package_still_exports_the_public_names():
    import fuselearn

    assert fuselearn.NeuralClassifier.__name__ == "NeuralClassifier"
    assert callable(fuselearn.load) and callable(fuselearn.save)
    assert set(fuselearn.__all__) <= set(dir(fuselearn))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fuselearn.nope  # noqa: B018


@pytest.mark.parametrize("argv", [[], ["predict"], ["run"], ["report"], ["demo"], ["datasets"],
                                  ["datasets", "verify"], ["datasets", "fetch"], ["datasets", "list"]])
def test_help_shows_no_type_after_flags_and_no_brace_placeholders(argv):
    result = CliRunner().invoke(app, [*argv, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "{" not in result.output and "}" not in result.output
    assert "--help" in result.output


def test_usage_line_names_arguments_in_capitals():
    result = CliRunner().invoke(app, ["predict", "--help"], terminal_width=200)
    assert "[OPTIONS] MODEL DATA" in result.output


def test_cli_docstring_lists_only_commands_that_exist():
    import typer.main

    from fuselearn import cli

    group = typer.main.get_command(app)
    listed = cli.__doc__.split(":", 1)[1].split(".")[0]
    names = {n.strip() for n in listed.split(",")}
    assert names == set(group.commands)
