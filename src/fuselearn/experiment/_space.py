"""The search space of a sensitivity study: its checks, its variant pipelines, its optuna distributions.

Before :mod:`._check` in the package's import order (it checks the ``sensitivity`` section with the
pipeline builder); the study's runner is :mod:`._sensitivity`.
"""

from __future__ import annotations

import itertools
from typing import Any

from ._build import _Builder, parameter_paths, unknown_path
from ._config import ExperimentConfig, PipelineConfig, SensitivityConfig, did_you_mean

__all__ = [
    "check_sensitivity", "distributions", "grid_points", "trial_pipeline", "value_label",
    "values_from_labels", "with_variants",
]

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
    if sens.pipeline not in pipes:
        return [
            (f"sensitivity.pipeline: no pipeline named {sens.pipeline!r}."
            f"{did_you_mean(sens.pipeline, pipes)}")
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


def with_variants(config: ExperimentConfig, variants: list[PipelineConfig]) -> ExperimentConfig:
    have = {p.name for p in config.pipelines}
    extra = []
    for v in variants:
        if v.name not in have:
            have.add(v.name)
            extra.append(v)
    return config.model_copy(update={"pipelines": list(config.pipelines) + extra})


def grid_points(sens: SensitivityConfig) -> list[dict[str, Any]]:
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


def values_from_labels(sens: SensitivityConfig, labels: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for path, label in labels.items():
        choices = sens.space[path]
        if _is_range(choices):
            values[path] = label
        else:
            values[path] = next(v for v in choices if value_label(v) == label)
    return values
