"""Read and check a whole experiment config: pydantic's validation, then what it cannot do
(names, files, estimators, metrics, the backend rule).

Import order of the package (each module imports only those before it): ``_config`` (models),
``_data`` and ``_build`` (load datasets, build estimators), ``_detection`` (the anomaly task), ``_space`` (sensitivity search spaces),
``_check`` (this module), ``_store``,
``_cell``, ``_runner``, ``_sensitivity``, ``_analysis`` (reading a study back), ``_report``, ``_demo``, ``_demo_run``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..exceptions import ConfigError
from ._build import validate_pipelines
from ._config import ExperimentConfig, config_error, describe_errors, did_you_mean
from ._data import check_dataset, n_folds
from ._space import check_sensitivity

__all__ = ["check_backend", "check_config", "check_insights", "load_config", "parse_config"]

BACKENDS = ("local", "dask")


def check_backend(backend: str, scheduler: str | None) -> list[str]:
    """Problems with a backend and scheduler pair: the one place this rule is checked.

    Parameters
    ----------
    backend : str
    scheduler : str or None

    Returns
    -------
    list of str
        Each names the key (``backend``, ``scheduler``) and what to do; empty when fine.
    """
    problems = []
    if backend not in BACKENDS:
        problems.append(
            f"backend: must be one of {', '.join(map(repr, BACKENDS))}; got {backend!r}."
            f"{did_you_mean(backend, BACKENDS)}"
        )
    elif scheduler and backend != "dask":
        problems.append("scheduler: only used with backend 'dask'; set backend to 'dask'.")
    return problems


def _duplicates(names: list[str], where: str) -> list[str]:
    seen: set[str] = set()
    problems = []
    for i, name in enumerate(names):
        if name in seen:
            problems.append(f"{where}[{i}].name: {name!r} is used twice; names must be unique.")
        seen.add(name)
    return problems


def check_insights(config: ExperimentConfig) -> list[str]:
    """Problems of the ``insights`` section: unknown pipeline names, a fold the CV does not have."""
    ins = config.insights
    if ins is None:
        return []
    problems = []
    names = [p.name for p in config.pipelines]
    for i, name in enumerate(ins.pipelines or []):
        if name not in names:
            problems.append(
                f"insights.pipelines[{i}]: no pipeline named {name!r}.{did_you_mean(name, names)}"
            )
    folds = n_folds(config.cv)
    if ins.fold >= folds:
        problems.append(
            f"insights.fold: {ins.fold} is not a fold of cv scheme {config.cv.scheme!r}, which has "
            f"{folds} (0 to {folds - 1})."
        )
    return problems


def check_config(config: ExperimentConfig) -> list[str]:
    """Every problem of a validated config, each naming its key path (empty when fine)."""
    from ..metrics._registry import METRIC_REGISTRY

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
    names = [p.name for p in config.pipelines]
    for i, pipe in enumerate(config.pipelines):
        for j, name in enumerate(pipe.member_pipelines or []):
            if name == pipe.name:
                problems.append(f"pipelines[{i}].member_pipelines[{j}]: {name!r} is the pipeline itself.")
            elif name not in names:
                problems.append(f"pipelines[{i}].member_pipelines[{j}]: no pipeline named {name!r}."
                                f"{did_you_mean(name, names)}")
    if config.sensitivity is not None:
        problems += check_sensitivity(config)
    problems += check_insights(config)
    if config.cv.scheme == "group_head" and config.cv.fit_rows is None:
        problems.append("cv.fit_rows: required for scheme 'group_head' (the rows at the start of each "
                        "group that train, e.g. 400 for SKAB).")
    elif config.cv.scheme != "group_head" and config.cv.fit_rows is not None:
        problems.append(f"cv.fit_rows: only used by scheme 'group_head', not {config.cv.scheme!r}; "
                        "remove it or set scheme: group_head.")
    problems += check_backend(config.backend, config.scheduler)
    return problems


def parse_config(data: Any, *, base_dir: str | os.PathLike = ".", source: str = "<dict>"):
    """Validate plain data (as read from YAML) into an :class:`ExperimentConfig`.

    Parameters
    ----------
    data : dict
        The parsed YAML.
    base_dir : path-like, default="."
        Folder that relative paths in the config refer to.
    source : str
        How to name the config in error messages.

    Returns
    -------
    ExperimentConfig

    Raises
    ------
    ConfigError
        Unknown key, wrong type, missing file, unknown metric, estimator or parameter.
    """
    if not isinstance(data, dict):
        raise config_error(source, [f"(top level): expected a mapping, got {type(data).__name__}."])
    if "base_dir" in data:
        raise config_error(source, ["base_dir: unknown key."])
    try:
        config = ExperimentConfig.model_validate({**data, "base_dir": str(base_dir)})
    except ValidationError as exc:
        raise config_error(source, describe_errors(exc.errors())) from None
    problems = check_config(config)
    if problems:
        raise config_error(source, problems)
    return config


def load_config(path: str | os.PathLike) -> ExperimentConfig:
    """Read and validate a YAML experiment config.

    Parameters
    ----------
    path : path-like
        The YAML file.

    Returns
    -------
    ExperimentConfig

    Raises
    ------
    ConfigError
        The file is missing or unreadable YAML, or the config is invalid (see :func:`parse_config`).

    Examples
    --------
    >>> from fuselearn.experiment import parse_config
    >>> cfg = parse_config({"datasets": [{"name": "iris"}],
    ...                     "pipelines": [{"name": "lr",
    ...                                    "estimator": "sklearn.linear_model.LogisticRegression"}]})
    >>> cfg.cv.scheme, cfg.metrics
    ('stratified_kfold', ['accuracy'])
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file {str(path)!r} does not exist.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"Config file {str(path)!r} is not valid YAML: {exc}") from None
    return parse_config(data, base_dir=path.resolve().parent, source=repr(str(path)))
