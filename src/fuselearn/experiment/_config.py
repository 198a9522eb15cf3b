"""The experiment configuration's models: what a YAML config may hold, validated with pydantic.

This module is the bottom of the experiment package (it imports nothing of it);
:mod:`._check` reads and checks whole configs (:func:`load_config`, :func:`parse_config`).

Every problem is reported as one :class:`~fuselearn.exceptions.ConfigError` whose lines each name
the key path (``pipelines[2].params.max_epochs``) and, for a misspelt key, the closest valid one.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer

from .._registry import did_you_mean as _did_you_mean
from ..exceptions import ConfigError

__all__ = [
    "BUILTIN_DATASETS",
    "CVConfig",
    "ComponentConfig",
    "DatasetConfig",
    "ExperimentConfig",
    "InsightsConfig",
    "PipelineConfig",
    "SensitiveColumn",
    "SensitivityConfig",
    "config_error",
    "config_hash",
    "describe_error",
    "describe_errors",
    "did_you_mean",
]

#: scikit-learn's bundled toy datasets, loaded without any download.
BUILTIN_DATASETS = ("breast_cancer", "digits", "iris", "wine")

CV_SCHEMES = ("kfold", "stratified_kfold", "repeated_kfold", "5x2", "holdout", "time_series", "predefined",
              "group_head")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)

    #: Keys left out of the stored config while unset (None, {} or []), so that a config written
    #: before a key existed keeps its hash (:func:`config_hash`).
    _omit_when_empty: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _drop_empty(self, handler):
        data = handler(self)
        if isinstance(data, dict):
            for key in self._omit_when_empty:
                if data.get(key) in (None, {}, []):
                    data.pop(key, None)
        return data


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
    member_pipelines : list of str, optional
        The top-level pipelines the report compares this one with as its members ("fusion vs best
        member"), when they are not found by ``ref`` or as an equal nested component: for example
        each member of a ``FusionAnomalyDetector`` run alone as a one-member detector with the same
        calibration and threshold. Left out of the stored config when unset.
    """

    name: str
    set_params: dict[str, Any] = Field(default_factory=dict)
    member_pipelines: list[str] | None = Field(default=None, min_length=1)

    _omit_when_empty = ("set_params", "member_pipelines")


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


class InsightsConfig(_Strict):
    """Why a pipeline scored as it did: explanations computed inside the cells of one fold.

    Each explained cell (the first seed's fold ``fold``, for the pipelines named) explains the model it
    has just fitted on that fold's held-out rows, and stores the result in the same transaction as
    its scores: resumable, nothing half-written. The report shows the best-ranked explained pipeline
    of each dataset. Changing this section reruns only the explained cells (it is not part of the
    config's hash, because it does not change any score).

    Parameters
    ----------
    pipelines : list of str, optional
        The pipelines to explain (default: every pipeline; each part applies where it can: member
        values to fusions, group importance to models with column groups, fairness to binary
        classifiers).
    fold : int, default=0
        Which fold of the first seed is explained.
    members : bool, default=True
        Member weights, Shapley values and leave-one-out on the fusion's stored out-of-fold outputs
        (only the combiner is refitted per coalition).
    groups : bool, default=True
        Modality / column-group permutation importance (ModalityFusion, per-member column lists).
    shap : bool, default=False
        SHAP values of the fused model and of each member (the costliest part).
    robustness : bool, default=False
        Score against Gaussian noise, missing values and a missing modality, fusion and members on
        the same curves.
    fairness : bool, default=True
        The fairness audit of the datasets that name ``sensitive`` columns (binary targets).
    n_rows : int, default=200
        Held-out rows explained (a seeded sample); the fairness audit uses the whole held-out fold.
    n_repeats : int, default=3
        Permutations per column group, draws per robustness strength.
    n_bootstrap : int, default=100
        Bootstrap replicates of the member and fairness intervals.
    """

    pipelines: list[str] | None = Field(default=None, min_length=1)
    fold: int = Field(default=0, ge=0)
    members: bool = True
    groups: bool = True
    shap: bool = False
    robustness: bool = False
    fairness: bool = True
    n_rows: int = Field(default=200, ge=10)
    n_repeats: int = Field(default=3, ge=1)
    n_bootstrap: int = Field(default=100, ge=10)


class SensitiveColumn(_Strict):
    """A sensitive column whose numeric values are grouped by cut points (``age`` into age groups).

    Parameters
    ----------
    column : str
        The column of the dataset.
    bins : list of float
        Increasing cut points; ``[25]`` gives the groups ``<25`` and ``>=25``.
    """

    column: str
    bins: list[float] = Field(min_length=1)

    @field_validator("bins")
    @classmethod
    def _increasing(cls, bins: list[float]) -> list[float]:
        if any(a >= b for a, b in itertools.pairwise(bins)):
            raise ValueError("bins must be strictly increasing cut points")
        return bins


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
    sensitive : list of (str or SensitiveColumn), default=[]
        Columns audited for fairness (fairlearn's ``MetricFrame``, fusion and every member). They
        are taken out of the features (fairlearn's convention: the model does not see them; the
        audit does), so naming them changes what the pipelines are trained on. A column must have
        at least two groups. Left out of the stored config when empty.
    task : {"anomaly"}, optional
        ``anomaly``: the target is 0/1 point labels (1 = anomaly) and the pipelines are unsupervised
        outlier detectors, fitted without labels (see ``cv.scheme: group_head``). Datasets whose
        loader says so (``skab``) are anomaly tasks without it. Left out of the stored config when
        unset.
    group : str, optional
        A column (of a CSV) naming the series each row belongs to (for example the file it came
        from); it leaves the features and becomes the groups of ``cv.scheme: group_head``. The rows
        of a group must be contiguous and in time order. Left out of the stored config when unset.
    """

    name: str
    source: str | None = None
    path: str | None = None
    target: str | None = None
    data_dir: str | None = None
    max_rows: int | None = Field(default=None, ge=4)
    options: dict[str, Any] = Field(default_factory=dict)
    sensitive: list[str | SensitiveColumn] = Field(default_factory=list)
    task: Literal["anomaly"] | None = None
    group: str | None = None

    _omit_when_empty = ("sensitive", "task", "group")

    def sensitive_columns(self) -> list[str]:
        """The names of the sensitive columns, in order."""
        return [s if isinstance(s, str) else s.column for s in self.sensitive]


class CVConfig(_Strict):
    """The resampling scheme.

    Parameters
    ----------
    scheme : {"kfold", "stratified_kfold", "repeated_kfold", "5x2", "holdout", "time_series", "predefined", \
"group_head"}
        ``repeated_kfold`` is stratified; ``5x2`` is 5 repetitions of stratified 2-fold;
        ``time_series`` keeps the row order (training rows always precede test rows);
        ``predefined`` is the dataset's own split (its ``train`` and ``test`` parts, e.g. IMDb's
        official 25,000 / 25,000), one fold, the same for every seed; ``group_head`` is one fold
        per group of the dataset (a SKAB file, a ``group`` column), in group order: the group's
        first ``fit_rows`` rows train, the rest of the group is tested (SKAB's protocol: one
        detector per file, fitted on its first 400 rows).
    n_splits : int, default=5
    n_repeats : int, default=1
        Repetitions of ``repeated_kfold``.
    test_size : float, default=0.25
        Test fraction of ``holdout``.
    shuffle : bool, default=True
        Shuffle before splitting (``kfold``, ``stratified_kfold``).
    fit_rows : int, optional
        Rows at the start of each group that train (``group_head`` only, where it is required).
        Left out of the stored config when unset.
    """

    scheme: Literal["kfold", "stratified_kfold", "repeated_kfold", "5x2", "holdout", "time_series",
                    "predefined", "group_head"] = (
        "stratified_kfold"
    )
    n_splits: int = Field(default=5, ge=2)
    n_repeats: int = Field(default=1, ge=1)
    test_size: float = Field(default=0.25, gt=0, lt=1)
    shuffle: bool = True
    fit_rows: int | None = Field(default=None, ge=1)

    _omit_when_empty = ("fit_rows",)


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
    insights: InsightsConfig | None = None

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
        for key in ("sensitivity", "insights"):  # configs without them keep their hash
            if data.get(key) is None:
                data.pop(key, None)
        return data

    def effective_insights(self) -> InsightsConfig | None:
        """What the cells explain: the ``insights`` section; without it, the fairness audit alone
        when a dataset names ``sensitive`` columns; else None."""
        if self.insights is not None:
            return self.insights
        if any(ds.sensitive for ds in self.datasets):
            return InsightsConfig(members=False, groups=False)
        return None


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
        elif "InsightsConfig" in annotation:
            model = InsightsConfig
        elif "SensitiveColumn" in annotation:
            model = SensitiveColumn
        else:
            return None
    return model


def did_you_mean(name: str, choices) -> str:
    """`` Did you mean 'x'?`` for the closest choice, or an empty string."""
    return _did_you_mean(name, choices, normalize=False)


def describe_errors(errors: list[dict]) -> list[str]:
    """One line per pydantic error, the branches of ``str | SensitiveColumn`` unwrapped: a mapping
    is reported against SensitiveColumn's keys only, a string needs no other message."""
    lines = []
    for error in errors:
        loc = tuple(error["loc"])
        if "SensitiveColumn" in loc:
            if not isinstance(error.get("input"), dict) and error["type"] == "model_type":
                continue
            error = {**error, "loc": tuple(p for p in loc if p != "SensitiveColumn")}
        elif loc and loc[-1] == "str" and "sensitive" in loc:
            if isinstance(error.get("input"), dict):
                continue  # the mapping's own errors say what is wrong with it
            error = {**error, "loc": loc[:-1],
                     "msg": "expected a column name or a mapping {column, bins}"}
        lines.append(describe_error(error))
    return list(dict.fromkeys(lines))


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
    # How cells are executed, and what is explained after scoring, does not change their results.
    for key in ("backend", "scheduler", "jobs", "insights"):
        data.pop(key, None)
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
