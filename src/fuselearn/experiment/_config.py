"""The experiment configuration: a YAML file validated with pydantic before any work starts.

Every problem is reported as one :class:`~fuselearn.exceptions.ConfigError` whose lines each name
the key path (``pipelines[2].params.max_epochs``) and, for a misspelt key, the closest valid one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .._registry import did_you_mean as _did_you_mean
from ..exceptions import ConfigError

__all__ = [
    "BUILTIN_DATASETS",
    "CVConfig",
    "ComponentConfig",
    "DatasetConfig",
    "ExperimentConfig",
    "PipelineConfig",
    "config_hash",
    "load_config",
    "parse_config",
]

#: scikit-learn's bundled toy datasets, loaded without any download.
BUILTIN_DATASETS = ("breast_cancer", "digits", "iris", "wine")

CV_SCHEMES = ("kfold", "stratified_kfold", "repeated_kfold", "5x2", "holdout", "time_series")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class ComponentConfig(_Strict):
    """One estimator: an import path plus its parameters and nested components.

    Parameters
    ----------
    name : str, optional
        Name of the step (``steps``) or member (``estimators``); required there.
    estimator : str, optional
        Import path of a scikit-learn-compatible class, e.g. ``sklearn.linear_model.LogisticRegression``
        or ``fuselearn.NeuralClassifier``.
    ref : str, optional
        Instead of ``estimator``: the name of a top-level pipeline to reuse here. The pipeline that
        contains the reference counts it as a member in the report's "fusion vs best member".
    params : dict, default={}
        Constructor arguments. A value that is a mapping with an ``estimator`` or ``ref`` key is
        built as a nested component (for example ``head`` of ``fuselearn.HybridClassifier``).
    steps : list of ComponentConfig, optional
        Steps of a ``sklearn.pipeline.Pipeline`` (passed as ``steps=[(name, est), ...]``).
    estimators : list of ComponentConfig, optional
        Members of a fusion estimator (passed as ``estimators=[(name, est), ...]``).
    """

    name: str | None = None
    estimator: str | None = None
    ref: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    steps: list[ComponentConfig] | None = None
    estimators: list[ComponentConfig] | None = None


class PipelineConfig(ComponentConfig):
    """A top-level pipeline: a component with a unique ``name``."""

    name: str


class DatasetConfig(_Strict):
    """One dataset of the grid.

    Parameters
    ----------
    name : str
        Unique name used in the store and report.
    source : str, optional
        ``breast_cancer``, ``digits``, ``iris``, ``wine`` (scikit-learn), ``csv``, or the name of a
        :mod:`fuselearn.data` registered dataset. Defaults to ``name``.
    path : str, optional
        The CSV file (``source: csv``), relative to the config file.
    target : str, optional
        The label column of the CSV file.
    data_dir : str, optional
        Data root for :mod:`fuselearn.data` loaders.
    max_rows : int, optional
        Keep a stratified random subset of this many rows (tiny smoke runs).
    options : dict, default={}
        Extra keyword arguments of the loader.
    """

    name: str
    source: str | None = None
    path: str | None = None
    target: str | None = None
    data_dir: str | None = None
    max_rows: int | None = Field(default=None, ge=4)
    options: dict[str, Any] = Field(default_factory=dict)


class CVConfig(_Strict):
    """The resampling scheme.

    Parameters
    ----------
    scheme : {"kfold", "stratified_kfold", "repeated_kfold", "5x2", "holdout", "time_series"}
        ``repeated_kfold`` is stratified; ``5x2`` is 5 repetitions of stratified 2-fold;
        ``time_series`` keeps the row order (training rows always precede test rows).
    n_splits : int, default=5
    n_repeats : int, default=1
        Repetitions of ``repeated_kfold``.
    test_size : float, default=0.25
        Test fraction of ``holdout``.
    shuffle : bool, default=True
        Shuffle before splitting (``kfold``, ``stratified_kfold``).
    """

    scheme: Literal["kfold", "stratified_kfold", "repeated_kfold", "5x2", "holdout", "time_series"] = (
        "stratified_kfold"
    )
    n_splits: int = Field(default=5, ge=2)
    n_repeats: int = Field(default=1, ge=1)
    test_size: float = Field(default=0.25, gt=0, lt=1)
    shuffle: bool = True


class ExperimentConfig(_Strict):
    """A whole run: datasets x pipelines x folds x seeds.

    Parameters
    ----------
    name : str, default="experiment"
    datasets : list of DatasetConfig
    pipelines : list of PipelineConfig
    cv : CVConfig
    seeds : list of int, default=[0]
        Each seed gives its own splits (where the scheme shuffles) and sets every ``random_state``
        left unset in the pipelines.
    metrics : list of str, default=["accuracy"]
        Names from :data:`fuselearn.metrics.METRICS`; the first ranks the leaderboard.
    time_budget : float, optional
        Seconds one cell may run before it is stopped and stored as failed.
    backend : {"local", "dask"}, default="local"
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); without it a LocalCluster is started.
    jobs : int, default=1
        Parallel local workers (or LocalCluster workers).
    """

    name: str = "experiment"
    datasets: list[DatasetConfig] = Field(min_length=1)
    pipelines: list[PipelineConfig] = Field(min_length=1)
    cv: CVConfig = Field(default_factory=CVConfig)
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    metrics: list[str] = Field(default_factory=lambda: ["accuracy"], min_length=1)
    time_budget: float | None = Field(default=None, gt=0)
    backend: Literal["local", "dask"] = "local"
    scheduler: str | None = None
    jobs: int = Field(default=1, ge=1)

    #: The folder of the config file, to resolve relative paths (not part of the YAML).
    base_dir: str = Field(default=".", exclude=True)

    @field_validator("seeds")
    @classmethod
    def _unique_seeds(cls, seeds: list[int]) -> list[int]:
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must not repeat; got {seeds}")
        return seeds

    def resolve_path(self, path: str) -> Path:
        """A path of the config made absolute relative to the config file's folder."""
        p = Path(os.path.expanduser(path))
        return p if p.is_absolute() else Path(self.base_dir) / p

    @property
    def primary_metric(self) -> str:
        """The metric that ranks the leaderboard (the first one)."""
        return self.metrics[0]

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (what is hashed and stored)."""
        return self.model_dump(mode="json", exclude={"base_dir"})


# --- error formatting ----------------------------------------------------------------------------


def format_loc(loc: tuple | list) -> str:
    """``("pipelines", 2, "params", "x")`` -> ``pipelines[2].params.x``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that holds the last key of ``loc`` (for "did you mean")."""
    model: Any = ExperimentConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if model is None or part not in model.model_fields:
            return None
        annotation = str(model.model_fields[part].annotation)
        if "PipelineConfig" in annotation:
            model = PipelineConfig
        elif "ComponentConfig" in annotation:
            model = ComponentConfig
        elif "DatasetConfig" in annotation:
            model = DatasetConfig
        elif "CVConfig" in annotation:
            model = CVConfig
        else:
            return None
    return model


def did_you_mean(name: str, choices) -> str:
    """`` Did you mean 'x'?`` for the closest choice, or an empty string."""
    return _did_you_mean(name, choices, normalize=False)


def _describe(error: dict) -> str:
    loc = tuple(error["loc"])
    where = format_loc(loc)
    if error["type"] == "extra_forbidden":
        model = _model_at(loc)
        hint = ""
        if model is not None:
            fields = [f for f in model.model_fields if f != "base_dir"]
            hint = did_you_mean(str(loc[-1]), fields) or f" Valid keys: {', '.join(fields)}."
        return f"{where}: unknown key.{hint}"
    if error["type"] == "missing":
        return f"{where}: required key is missing."
    value = error.get("input")
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{where}: {error['msg']} (got {shown})."


def config_error(source: str, lines: list[str]) -> ConfigError:
    """One ConfigError listing every problem, one per line."""
    body = "\n".join(f"  {line}" for line in lines)
    return ConfigError(f"Invalid experiment config {source}:\n{body}")


# --- loading -------------------------------------------------------------------------------------


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
        raise config_error(source, [_describe(e) for e in exc.errors()]) from None
    from ._check import check_config  # imports estimators lazily

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


def config_hash(config: ExperimentConfig) -> str:
    """A short, stable hash of everything in the config that affects results."""
    data = config.to_dict()
    # How cells are executed does not change their results.
    for key in ("backend", "scheduler", "jobs"):
        data.pop(key, None)
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
