"""The experiment configuration's models: what a YAML config may hold, validated with pydantic.

This module is the bottom of the experiment package (it imports nothing of it);
:mod:`._check` reads and checks whole configs (:func:`load_config`, :func:`parse_config`).

Every problem is reported as one :class:`~fuselearn.exceptions.ConfigError` whose lines each name
the key path (``pipelines[2].params.max_epochs``) and, for a misspelt key, the closest valid one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer

from .._registry import did_you_mean as _did_you_mean
from ..exceptions import ConfigError

__all__ = [
    "BUILTIN_DATASETS",
    "CVConfig",
    "ComponentConfig",
    "DatasetConfig",
    "ExperimentConfig",
    "PipelineConfig",
    "SensitivityConfig",
    "config_error",
    "config_hash",
    "describe_error",
    "did_you_mean",
]

#: scikit-learn's bundled toy datasets, loaded without any download.
BUILTIN_DATASETS = ("breast_cancer", "digits", "iris", "wine")

CV_SCHEMES = ("kfold", "stratified_kfold", "repeated_kfold", "5x2", "holdout", "time_series", "predefined")


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
    """A top-level pipeline: a component with a unique ``name``.

    Parameters
    ----------
    set_params : dict, default={}
        ``name__param`` paths set with ``set_params`` on the built estimator (what a sensitivity
        trial changes: ``method``, ``lr__C``, a member name to ``'drop'``). A value that is a
        component mapping is built first. Left out of the stored config when empty.
    """

    name: str
    set_params: dict[str, Any] = Field(default_factory=dict)

    @model_serializer(mode="wrap")
    def _drop_empty(self, handler):
        # Configs without overrides keep the hash they had before this key existed.
        data = handler(self)
        if isinstance(data, dict) and not data.get("set_params"):
            data.pop("set_params", None)
        return data


class SensitivityConfig(_Strict):
    """A sensitivity study: a search space over one pipeline's parameters.

    Parameters
    ----------
    pipeline : str
        The pipeline whose parameters vary (its variants are added as pipelines named
        ``pipeline[param=value,...]``).
    space : dict
        ``name__param`` path (as in scikit-learn's ``set_params``) to either a list of values
        (categorical; a component mapping is built) or a range ``{low, high, log, step}``
        (numbers; optuna samplers only).
    sampler : {"grid", "tpe", "random"}, default="grid"
        ``grid`` runs every combination of the lists; ``tpe`` and ``random`` are optuna samplers
        asked in batches the size of the worker pool.
    n_trials : int, default=20
        Trials of an optuna sampler (ignored by ``grid``).
    seed : int, default=0
        Seed of the optuna sampler.
    """

    pipeline: str
    space: dict[str, Any] = Field(min_length=1)
    sampler: Literal["grid", "tpe", "random"] = "grid"
    n_trials: int = Field(default=20, ge=1)
    seed: int = 0


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
    scheme : {"kfold", "stratified_kfold", "repeated_kfold", "5x2", "holdout", "time_series", "predefined"}
        ``repeated_kfold`` is stratified; ``5x2`` is 5 repetitions of stratified 2-fold;
        ``time_series`` keeps the row order (training rows always precede test rows);
        ``predefined`` is the dataset's own split (its ``train`` and ``test`` parts, e.g. IMDb's
        official 25,000 / 25,000), one fold, the same for every seed.
    n_splits : int, default=5
    n_repeats : int, default=1
        Repetitions of ``repeated_kfold``.
    test_size : float, default=0.25
        Test fraction of ``holdout``.
    shuffle : bool, default=True
        Shuffle before splitting (``kfold``, ``stratified_kfold``).
    """

    scheme: Literal["kfold", "stratified_kfold", "repeated_kfold", "5x2", "holdout", "time_series",
                    "predefined"] = (
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
    sensitivity: SensitivityConfig | None = None

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
        data = self.model_dump(mode="json", exclude={"base_dir"})
        if data.get("sensitivity") is None:  # configs without it keep their hash
            data.pop("sensitivity", None)
        return data


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
        elif "SensitivityConfig" in annotation:
            model = SensitivityConfig
        else:
            return None
    return model


def did_you_mean(name: str, choices) -> str:
    """`` Did you mean 'x'?`` for the closest choice, or an empty string."""
    return _did_you_mean(name, choices, normalize=False)


def describe_error(error: dict) -> str:
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


def config_hash(config: ExperimentConfig) -> str:
    """A short, stable hash of everything in the config that affects results."""
    data = config.to_dict()
    # How cells are executed does not change their results.
    for key in ("backend", "scheduler", "jobs"):
        data.pop(key, None)
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
