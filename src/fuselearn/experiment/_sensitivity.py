"""Sensitivity studies: a search space over one pipeline's parameters, each trial a pipeline variant.

A trial sets ``name__param`` paths (scikit-learn's ``set_params``) on the study's pipeline; the
variant is added to the config as a pipeline named ``pipeline[path=value,...]`` and runs as ordinary
cells of :func:`run_experiment` (same store, resumable, parallel, local or Dask). Every trial's
parameters are recorded in the store's ``trials`` table before its cells run, so a resumed run
replays them: a ``grid`` is fixed anyway, and an optuna sampler (asked in batches the size of the
worker pool with ``ask``/``tell``) is given the recorded trials again with ``enqueue_trial``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..exceptions import ConfigError
from ._config import ExperimentConfig, PipelineConfig, config_hash
from ._runner import RunResult, _lock, run_experiment, run_folder
from ._space import (
    distributions,
    grid_points,
    trial_pipeline,
    value_label,
    values_from_labels,
    with_variants,
)
from ._store import Store

__all__ = ["run_sensitivity", "trial_value"]

def trial_value(cells, pipeline: str, metric: str) -> float | None:
    """Mean of ``metric`` over a variant's ok cells (all datasets, seeds, folds), or None when
    any of its cells failed or none is stored. ``cells`` is the run's ``Store.cells`` frame."""
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
    run_hash = config_hash(config)
    out = run_folder(out)

    def write(action):
        # under the run folder's lock, as run_experiment writes: a second run is refused
        lock = _lock(out)
        try:
            with Store(out) as store:
                return action(store)
        finally:
            lock.close()

    def start(store: Store):
        run_id, _ = store.open_run(run_hash, config.to_dict(), force=force)
        return run_id, store.trials(run_id), store.done_cells(run_id)

    run_id, recorded, done_before = write(start)

    kwargs = {
        "jobs": jobs, "backend": backend, "scheduler": scheduler, "quiet": quiet, "progress": progress,
        "command": command, "log": log, "run_hash": run_hash,
    }
    totals = {"n_cells": 0, "n_ok": 0, "n_failed": 0}

    def add(res: RunResult) -> None:
        # each batch runs only cells not stored yet: ok and failed counts add up
        totals["n_cells"] = res.n_cells
        totals["n_ok"] += res.n_ok
        totals["n_failed"] += res.n_failed

    if sens.sampler == "grid":
        points = grid_points(sens)[: max_trials or None]
        trials, pipes = [], [trial_pipeline(config, v) for v in points]
        for number, (values, pipe) in enumerate(zip(points, pipes)):
            labels = {k: value_label(v) for k, v in values.items()}
            trials.append((number, pipe.name, {"values": values, "labels": labels}))
        write(lambda store: store.record_trials(run_id, trials))
        expanded = with_variants(config, pipes)
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
                values = values_from_labels(sens, labels)
                pipe = trial_pipeline(config, values)
                variants.append(pipe)
                batch.append((trial, pipe.name))
                if n >= len(recorded):
                    new.append((n, pipe.name, {"values": values, "labels": labels}))
            write(lambda store, new=new: store.record_trials(run_id, new))
            res = run_experiment(with_variants(config, variants), out, **kwargs)
            add(res)
            with Store(out, readonly=True) as store:
                cells = store.cells(run_id)  # once per batch, not once per trial
            for trial, name in batch:
                value = trial_value(cells, name, config.primary_metric)
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

