"""Experiments: validated config, runner, SQLite store, HTML report, the demo."""

from ._analysis import SensitivityResult, sensitivity_from_store
from ._build import build_pipeline, import_object, pipeline_members
from ._cell import Cell, CellResult, CellTask, run_cell
from ._check import load_config, parse_config
from ._config import (
    ComponentConfig,
    CVConfig,
    DatasetConfig,
    ExperimentConfig,
    PipelineConfig,
    SensitivityConfig,
    config_hash,
)
from ._report import build_report_context, write_report
from ._runner import RunResult, expand_grid, run_experiment
from ._sensitivity import run_sensitivity
from ._store import RunFolderError, Store, StoreDamagedError

__all__ = [
    "CVConfig",
    "Cell",
    "CellResult",
    "CellTask",
    "ComponentConfig",
    "DatasetConfig",
    "ExperimentConfig",
    "PipelineConfig",
    "RunFolderError",
    "RunResult",
    "SensitivityConfig",
    "SensitivityResult",
    "Store",
    "StoreDamagedError",
    "build_pipeline",
    "build_report_context",
    "config_hash",
    "expand_grid",
    "import_object",
    "load_config",
    "parse_config",
    "pipeline_members",
    "run_cell",
    "run_experiment",
    "run_sensitivity",
    "sensitivity_from_store",
    "write_report",
]
