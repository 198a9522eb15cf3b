"""Sensitivity studies: a search space over one pipeline's parameters, each trial a pipeline variant.

A trial sets ``name__param`` paths (scikit-learn's ``set_params``) on the study's pipeline; the
variant is added to the config as a pipeline named ``pipeline[path=value,...]`` and runs as ordinary
cells of :func:`run_experiment` (same store, resumable, parallel, local or Dask). Every trial's
parameters are recorded in the store's ``trials`` table before its cells run, so a resumed run
replays them: a ``grid`` is fixed anyway, and an optuna sampler (asked in batches the size of the
worker pool with ``ask``/``tell``) is given the recorded trials again with ``enqueue_trial``.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Callable

from ..exceptions import ConfigError
from ._build import _Builder, parameter_paths, unknown_path
from ._config import ExperimentConfig, PipelineConfig, SensitivityConfig, config_hash
from ._runner import RunResult, run_experiment
from ._store import Store

__all__ = ["check_sensitivity", "run_sensitivity", "trial_pipeline", "value_label"]

_RANGE_KEYS = {"low", "high", "log", "step"}


def _is_range(value: Any) -> bool:
    return isinstance(value, dict) and "low" in value and "high" in value


def value_label(value: Any) -> Any:
    """How a value appears in a variant's name and to optuna: primitives as they are, a component
    mapping by its ``ref`` or the class name of its ``estimator``."""
    if isinstance(value, dict):
        if value.get("ref"):
            return str(value["ref"])
        return str(value.get("estimator", "component")).rpartition(".")[2].rpartition(":")[2]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _name(pipeline: str, labels: dict[str, Any]) -> str:
    parts = ",".join(f"{k}={v}" for k, v in labels.items())
    return f"{pipeline}[{parts}]"


def check_sensitivity(config: ExperimentConfig) -> list[str]:
    """Problems of the ``sensitivity`` section, each naming its key path (empty when fine)."""
    sens = config.sensitivity
    if sens is None:
        return []
    pipes = {p.name: p for p in config.pipelines}
    from ._config import did_you_mean

    if sens.pipeline not in pipes:
        return [
            f"sensitivity.pipeline: no pipeline named {sens.pipeline!r}."
            f"{did_you_mean(sens.pipeline, pipes)}"
        ]
    builder = _Builder(pipes, collect=True)
    estimator = builder.build(pipes[sens.pipeline], sens.pipeline)
    if estimator is None:
        return []  # the pipeline's own problems are reported under pipelines[...]
    valid = parameter_paths(estimator)
    problems = []
    for path, values in sens.space.items():
        where = f"sensitivity.space.{path}"
        if path not in valid:
            problems.append(f"{where}: {unknown_path(estimator, path, valid)}")
            continue
        if _is_range(values):
            extra = set(values) - _RANGE_KEYS
            if extra:
                problems.append(
                    f"{where}: unknown range key(s) {sorted(extra)}; a range takes low, high, log, step."
                )
            elif not all(isinstance(values[k], (int, float)) for k in ("low", "high")):
                problems.append(f"{where}: low and high must be numbers (got {values}).")
            elif values["low"] >= values["high"]:
                problems.append(f"{where}: low must be below high (got {values}).")
            elif sens.sampler == "grid":
                problems.append(
                    f"{where}: the grid sampler needs a list of values; list them, or use "
                    "sampler 'tpe' or 'random' for a range."
                )
        elif not isinstance(values, list) or not values:
            problems.append(
                f"{where}: give a non-empty list of values or a range {{low, high}} "
                f"(got {values!r})."
            )
        else:
            labels = [value_label(v) for v in values]
            if len(set(map(str, labels))) != len(labels):
                problems.append(f"{where}: values repeat (as named: {labels}).")
    if problems:
        return problems
    # Every value must build and be accepted by set_params: one trial per value is checked.
    for path, values in sens.space.items():
        for value in values if isinstance(values, list) else [values["low"]]:
            probe = trial_pipeline(config, {path: value})
            builder = _Builder(pipes, collect=True)
            builder.build(probe, f"sensitivity.space.{path}")
            problems += builder.problems
    return problems


def trial_pipeline(config: ExperimentConfig, values: dict[str, Any]) -> PipelineConfig:
    """The variant of the study's pipeline with ``values`` set (``name__param`` paths)."""
    sens = config.sensitivity
    base = next(p for p in config.pipelines if p.name == sens.pipeline)
    labels = {k: value_label(v) for k, v in values.items()}
    data = base.model_dump()
    data["name"] = _name(base.name, labels)
    data["set_params"] = {**base.set_params, **values}
    return PipelineConfig.model_validate(data)


def _with_variants(config: ExperimentConfig, variants: list[PipelineConfig]) -> ExperimentConfig:
    have = {p.name for p in config.pipelines}
    extra = []
    for v in variants:
        if v.name not in have:
            have.add(v.name)
            extra.append(v)
    return config.model_copy(update={"pipelines": list(config.pipelines) + extra})


def _grid(sens: SensitivityConfig) -> list[dict[str, Any]]:
    keys = list(sens.space)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(sens.space[k] for k in keys))]


def distributions(sens: SensitivityConfig) -> dict[str, Any]:
    """optuna distributions of the space (lists are categorical over their labels)."""
    import optuna

    out = {}
    for path, values in sens.space.items():
        if _is_range(values):
            integer = all(isinstance(values.get(k), int) for k in ("low", "high")) and not isinstance(
                values.get("step", 1), float
            )
            if integer:
                out[path] = optuna.distributions.IntDistribution(
                    values["low"], values["high"], log=bool(values.get("log", False)),
                    step=int(values.get("step", 1)),
                )
            else:
                out[path] = optuna.distributions.FloatDistribution(
                    float(values["low"]), float(values["high"]), log=bool(values.get("log", False)),
                    step=values.get("step"),
                )
        else:
            out[path] = optuna.distributions.CategoricalDistribution(
                [value_label(v) for v in values]
            )
    return out


def _from_labels(sens: SensitivityConfig, labels: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for path, label in labels.items():
        choices = sens.space[path]
        if _is_range(choices):
            values[path] = label
        else:
            values[path] = next(v for v in choices if value_label(v) == label)
    return values


def trial_value(store: Store, run_id: str, pipeline: str, metric: str) -> float | None:
    """Mean of ``metric`` over a variant's ok cells (all datasets, seeds, folds), or None when
    any of its cells failed or none is stored."""
    cells = store.cells(run_id)
    if cells.empty:
        return None
    mine = cells[cells["pipeline"] == pipeline]
    if mine.empty or (mine["status"] != "ok").any() or metric not in mine:
        return None
    return float(mine[metric].mean())


def run_sensitivity(
    config: ExperimentConfig,
    out: str | os.PathLike,
    *,
    jobs: int | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    force: bool = False,
    quiet: bool = False,
    progress: bool = True,
    max_trials: int | None = None,
    command: list[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> RunResult:
    """Run (or resume) the config's sensitivity study; every trial is a pipeline variant's cells.

    Parameters
    ----------
    config : ExperimentConfig
        A validated config with a ``sensitivity`` section.
    out : path-like
        The run folder; a folder of the same config is resumed (only missing cells run, recorded
        trials are replayed).
    jobs, backend, scheduler, force, quiet, progress, command, log
        As :func:`run_experiment`. An optuna sampler is asked ``jobs`` trials at a time.
    max_trials : int, optional
        Stop after this many trials in all (the rest run when the study is resumed).

    Returns
    -------
    RunResult
        Totals over every batch of the study.

    Raises
    ------
    ConfigError
        The config has no ``sensitivity`` section.
    """
    sens = config.sensitivity
    if sens is None:
        raise ConfigError(
            "The config has no 'sensitivity' section; add one (pipeline, space, sampler) or use "
            "'fuselearn run' for a plain experiment."
        )
    jobs = jobs or config.jobs
    out = Path(out)
    run_hash = config_hash(config)
    if out.exists() and not out.is_dir():
        from ._store import RunFolderError

        raise RunFolderError(
            f"The run folder {str(out)!r} is a file, not a folder; name a folder instead.",
            reason="not_a_folder",
        )
    with Store(out) as store:
        run_id, _ = store.open_run(run_hash, config.to_dict(), force=force)
        recorded = store.trials(run_id)
        done_before = store.done_cells(run_id)

    kwargs = dict(
        jobs=jobs, backend=backend, scheduler=scheduler, quiet=quiet, progress=progress,
        command=command, log=log, run_hash=run_hash,
    )
    totals = {"n_cells": 0, "n_ok": 0, "n_failed": 0}

    def add(res: RunResult) -> None:
        # each batch runs only cells not stored yet: ok and failed counts add up
        totals["n_cells"] = res.n_cells
        totals["n_ok"] += res.n_ok
        totals["n_failed"] += res.n_failed

    if sens.sampler == "grid":
        points = _grid(sens)[: max_trials or None]
        trials = []
        for number, values in enumerate(points):
            pipe = trial_pipeline(config, values)
            labels = {k: value_label(v) for k, v in values.items()}
            trials.append((number, pipe.name, {"values": values, "labels": labels}))
        with Store(out) as store:
            store.record_trials(run_id, trials)
        expanded = _with_variants(config, [trial_pipeline(config, v) for v in points])
        add(run_experiment(expanded, out, **kwargs))
    else:
        import optuna

        from ..metrics import get_metric

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        def sampler(number: int):
            # Seeded per trial number, so that a resumed study (its recorded trials replayed, the
            # same history) asks the same new trials as an uninterrupted one would.
            seed = sens.seed + number
            if sens.sampler == "tpe":
                return optuna.samplers.TPESampler(seed=seed)
            return optuna.samplers.RandomSampler(seed=seed)

        greater = bool(get_metric(config.primary_metric).greater_is_better)
        study = optuna.create_study(
            direction="maximize" if greater else "minimize", sampler=sampler(0)
        )
        dists = distributions(sens)
        total = min(sens.n_trials, max_trials or sens.n_trials)
        variants: list[PipelineConfig] = []
        number = 0
        while number < total:
            batch = []
            new = []
            for n in range(number, min(number + jobs, total)):
                if n < len(recorded):
                    study.enqueue_trial(recorded[n]["labels"])
                study.sampler = sampler(n)
                trial = study.ask(dists)
                labels = {k: trial.params[k] for k in dists}
                values = _from_labels(sens, labels)
                pipe = trial_pipeline(config, values)
                variants.append(pipe)
                batch.append((trial, pipe.name))
                if n >= len(recorded):
                    new.append((n, pipe.name, {"values": values, "labels": labels}))
            with Store(out) as store:
                store.record_trials(run_id, new)
            res = run_experiment(_with_variants(config, variants), out, **kwargs)
            add(res)
            with Store(out, readonly=True) as store:
                for trial, name in batch:
                    value = trial_value(store, run_id, name, config.primary_metric)
                    if value is None:
                        study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    else:
                        study.tell(trial, value)
            number += len(batch)
    return RunResult(
        run_id=run_id,
        out=out,
        n_cells=totals["n_cells"],
        n_skipped=min(len(done_before), totals["n_cells"]),
        n_ok=totals["n_ok"],
        n_failed=totals["n_failed"],
        resumed=bool(recorded) or bool(done_before),
    )

