"""Checks of a parsed config that pydantic cannot do: names, files, estimators, metrics."""

from __future__ import annotations

from ._config import ExperimentConfig, did_you_mean

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
    from ..metrics import METRICS
    from ._build import validate_pipelines
    from ._data import check_dataset

    problems = _duplicates([d.name for d in config.datasets], "datasets")
    problems += _duplicates([p.name for p in config.pipelines], "pipelines")
    for i, name in enumerate(config.metrics):
        key = name.strip().lower().replace("-", "_")
        if key not in METRICS:
            problems.append(
                f"metrics[{i}]: unknown metric {name!r}.{did_you_mean(key, METRICS)} "
                f"Valid names: {', '.join(sorted(METRICS))}."
            )
    for i, ds in enumerate(config.datasets):
        problems += check_dataset(ds, config, f"datasets[{i}]")
    problems += validate_pipelines(config.pipelines)
    if config.scheduler and config.backend != "dask":
        problems.append("scheduler: only used with backend 'dask'; set backend: dask.")
    return problems
