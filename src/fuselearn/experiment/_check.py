"""Checks of a parsed config that pydantic cannot do: names, files, estimators, metrics."""

from __future__ import annotations

from .._registry import did_you_mean
from ._config import ExperimentConfig

__all__ = ["check_config"]


def _duplicates(names: list[str], where: str) -> list[str]:
    seen: set[str] = set()
    problems = []
    for i, name in enumerate(names):
        if name in seen:
            problems.append(f"{where}[{i}].name: {name!r} is used twice; names must be unique.")
        seen.add(name)
    return problems


def check_config(config: ExperimentConfig) -> list[str]:
    """Every problem of a validated config, each naming its key path (empty when fine)."""
    from ..metrics._registry import METRIC_REGISTRY
    from ._build import validate_pipelines
    from ._data import check_dataset

    problems = _duplicates([d.name for d in config.datasets], "datasets")
    problems += _duplicates([p.name for p in config.pipelines], "pipelines")
    for i, name in enumerate(config.metrics):
        # The registry get_metric uses: the same normalisation and aliases.
        if name not in METRIC_REGISTRY:
            problems.append(
                f"metrics[{i}]: unknown metric {name!r}.{did_you_mean(name, METRIC_REGISTRY.choices())} "
                f"Valid names: {', '.join(METRIC_REGISTRY.choices())}."
            )
    for i, ds in enumerate(config.datasets):
        problems += check_dataset(ds, config, f"datasets[{i}]")
    problems += validate_pipelines(config.pipelines)
    if config.scheduler and config.backend != "dask":
        problems.append("scheduler: only used with backend 'dask'; set backend: dask.")
    return problems
