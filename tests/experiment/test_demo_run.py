"""`fuselearn demo` through the runner: the built-in config is valid, the full run is slow."""

from __future__ import annotations

from typer.testing import CliRunner

from fuselearn.cli import app
from fuselearn.experiment import parse_config, pipeline_members
from fuselearn.experiment._demo import DATASETS, FUSIONS, MEMBERS
from fuselearn.experiment._demo_run import demo_config


def test_demo_config_is_valid_and_mirrors_the_demo():
    cfg = parse_config(demo_config())
    names = [p.name for p in cfg.pipelines]
    assert set(names) == set(MEMBERS) | {f"fusion:{m}" for m in FUSIONS} | {"hybrid:neural->svc"}
    assert names.index("fusion:stacking") < names.index("fusion:mean")  # stacking fits first
    members = pipeline_members(cfg.pipelines)
    assert all(members[f"fusion:{m}"] == list(MEMBERS) for m in FUSIONS)
    assert members["hybrid:neural->svc"] == []  # its head is not a pipeline of the grid
    assert [d.name for d in cfg.datasets] == list(DATASETS)


def test_demo_help():
    result = CliRunner().invoke(app, ["demo", "--help"])
    assert result.exit_code == 0 and "--out" in result.output
