"""Build scikit-learn estimators from the components of a config, and find a pipeline's members."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from sklearn.base import BaseEstimator

from ..exceptions import ConfigError
from ._config import ComponentConfig, PipelineConfig, did_you_mean

__all__ = [
    "build_pipeline", "import_object", "parameter_paths", "pipeline_members", "set_seed",
    "unknown_path",
]


def import_object(path: str) -> Any:
    """Import ``package.module.Name`` (or ``package.module:Name``) and return the object.

    Raises
    ------
    ConfigError
        The module or the name cannot be imported; the message says which part failed.
    """
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(f"An estimator must be an import path string; got {path!r}.")
    if ":" in path:
        module_name, _, attr = path.partition(":")
    else:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ConfigError(
            f"{path!r} is not an import path; write it as package.module.ClassName, "
            "e.g. sklearn.linear_model.LogisticRegression."
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"Cannot import module {module_name!r} of {path!r}: {exc}.") from None
    try:
        obj = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        names = [n for n in dir(module) if not n.startswith("_")]
        raise ConfigError(
            f"Module {module_name!r} has no attribute {attr!r}.{did_you_mean(attr, names)}"
        ) from None
    return obj


def _is_component(value: Any) -> bool:
    return isinstance(value, dict) and ("estimator" in value or "ref" in value)


def _constructor_params(cls: type) -> dict[str, inspect.Parameter] | None:
    """Named constructor parameters, or None when the constructor takes ``**kwargs``."""
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    return {
        n: p
        for n, p in sig.parameters.items()
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    }


def _check_type(where: str, name: str, value: Any, default: Any) -> str | None:
    """A message when ``value`` is plainly of the wrong type for a parameter with ``default``."""
    if default is inspect.Parameter.empty or default is None or value is None:
        return None
    if isinstance(default, bool):
        if not isinstance(value, bool) and isinstance(value, str):
            return f"{where}: expected a boolean, got {value!r}."
    elif isinstance(default, (int, float)) and isinstance(value, str):
        return f"{where}: expected a number, got {value!r}."
    return None


class _Builder:
    """Builds components, collecting every problem with its key path (validation mode)."""

    def __init__(self, pipelines: dict[str, PipelineConfig], *, collect: bool) -> None:
        self.pipelines = pipelines
        self.collect = collect
        self.problems: list[str] = []

    def fail(self, message: str) -> None:
        if not self.collect:
            raise ConfigError(message)
        self.problems.append(message)

    def build(self, comp: ComponentConfig, where: str, stack: tuple[str, ...] = ()) -> Any:
        if comp.ref is not None:
            if comp.estimator is not None or comp.params or comp.steps or comp.estimators:
                self.fail(f"{where}: 'ref' reuses a pipeline as it is; remove the other keys.")
                return None
            if comp.ref not in self.pipelines:
                self.fail(
                    f"{where}.ref: no pipeline named {comp.ref!r}."
                    f"{did_you_mean(comp.ref, self.pipelines)}"
                )
                return None
            if comp.ref in stack:
                self.fail(f"{where}.ref: pipeline {comp.ref!r} refers to itself.")
                return None
            target = self.pipelines[comp.ref]
            return self.build(target, where, stack + (comp.ref,))
        if comp.estimator is None:
            self.fail(f"{where}: needs 'estimator' (an import path) or 'ref' (a pipeline name).")
            return None
        try:
            cls = import_object(comp.estimator)
        except ConfigError as exc:
            self.fail(f"{where}.estimator: {exc}")
            return None
        if not callable(cls):
            self.fail(f"{where}.estimator: {comp.estimator!r} is not a class.")
            return None
        signature = _constructor_params(cls)
        kwargs: dict[str, Any] = {}
        for key, value in comp.params.items():
            place = f"{where}.params.{key}"
            if signature is not None and key not in signature:
                self.fail(
                    f"{place}: unknown parameter of {getattr(cls, '__name__', cls)}."
                    f"{did_you_mean(key, signature)}"
                )
                continue
            if signature is not None:
                message = _check_type(place, key, value, signature[key].default)
                if message:
                    self.fail(message)
                    continue
            kwargs[key] = self.value(value, place, stack)
        for key, members in (("steps", comp.steps), ("estimators", comp.estimators)):
            if members is None:
                continue
            # the members of a fusion: `estimators=`, or `members=` for a class that names them so
            # (FusionAnomalyDetector)
            param = "members" if (key == "estimators" and signature is not None and key not in signature
                                  and "members" in signature) else key
            if signature is not None and param not in signature:
                self.fail(f"{where}.{key}: {getattr(cls, '__name__', cls)} takes no {key!r}.")
                continue
            if key in comp.params or param in comp.params:
                self.fail(f"{where}.{key}: given both as a key and in params; keep one.")
                continue
            pairs = []
            seen: set[str] = set()
            for i, member in enumerate(members):
                place = f"{where}.{key}[{i}]"
                name = member.name or member.ref
                if not name:
                    self.fail(f"{place}.name: required key is missing.")
                    continue
                if name in seen:
                    self.fail(f"{place}.name: {name!r} is used twice.")
                    continue
                seen.add(name)
                pairs.append((name, self.build(member, place, stack)))
            kwargs[param] = pairs
        if self.collect and self.problems:
            return None
        try:
            estimator = cls(**kwargs)
        except Exception as exc:  # noqa: BLE001 - any constructor error is a config error here
            self.fail(f"{where}: {getattr(cls, '__name__', cls)}(...) raised {exc!r}.")
            return None
        if self.collect and isinstance(getattr(type(estimator), "_parameter_constraints", None), dict):
            # A bad value (C: -1) is found now, before any cell runs, in the estimator's own words
            # ("The 'C' parameter of LogisticRegression must be ... Got -1 instead.").
            try:
                estimator._validate_params()
            except (ValueError, TypeError) as exc:
                self.fail(f"{where}.params: {exc}")
                return None
        overrides = getattr(comp, "set_params", None)
        if overrides:
            estimator = self.apply(estimator, overrides, f"{where}.set_params", stack)
        return estimator

    def apply(self, estimator: Any, overrides: dict[str, Any], where: str, stack) -> Any:
        """``estimator.set_params(**overrides)``, each path checked against ``get_params``."""
        valid = parameter_paths(estimator)
        values = {}
        for path, value in overrides.items():
            if path not in valid:
                self.fail(f"{where}.{path}: {unknown_path(estimator, path, valid)}")
                continue
            values[path] = self.value(value, f"{where}.{path}", stack)
        if self.collect and self.problems:
            return None
        try:
            estimator.set_params(**values)
        except Exception as exc:  # noqa: BLE001 - any set_params error is a config error here
            self.fail(f"{where}: {type(estimator).__name__}.set_params(...) raised {exc!r}.")
            return None
        if self.collect and isinstance(getattr(type(estimator), "_parameter_constraints", None), dict):
            try:  # a bad value is found before any cell runs, in the estimator's own words
                estimator._validate_params()
            except (ValueError, TypeError) as exc:
                self.fail(f"{where}: {exc}")
                return None
        return estimator

    def value(self, value: Any, where: str, stack: tuple[str, ...]) -> Any:
        if _is_component(value):
            try:
                comp = ComponentConfig.model_validate(value)
            except Exception as exc:  # noqa: BLE001
                self.fail(f"{where}: invalid component: {exc}")
                return None
            return self.build(comp, where, stack)
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]", stack) for i, v in enumerate(value)]
        if isinstance(value, dict):  # e.g. ModalityFusion's modalities: {name: [columns, {estimator: ...}]}
            return {k: self.value(v, f"{where}.{k}", stack) for k, v in value.items()}
        return value


def parameter_paths(estimator: Any) -> list[str]:
    """Every ``name__param`` path ``set_params`` accepts on ``estimator`` (deep)."""
    if not hasattr(estimator, "get_params"):
        return []
    return sorted(estimator.get_params(deep=True))


def unknown_path(estimator: Any, path: str, valid: list[str]) -> str:
    """The message for a ``name__param`` path the estimator does not have, with the closest one."""
    # difflib via fuselearn._registry.did_you_mean (the helper every config message uses).
    hint = did_you_mean(path, valid)
    if not hint:
        tops = sorted({p.split("__")[0] for p in valid})
        hint = f" Its parameters: {', '.join(tops)}."
    return f"{type(estimator).__name__} has no parameter path {path!r}.{hint}"


def build_pipeline(
    pipeline: PipelineConfig,
    pipelines: list[PipelineConfig] | dict[str, PipelineConfig],
    *,
    seed: int | None = None,
) -> Any:
    """Build the estimator of one pipeline, ready to fit.

    Parameters
    ----------
    pipeline : PipelineConfig
        The pipeline to build.
    pipelines : list or dict of PipelineConfig
        All pipelines of the config (``ref`` components resolve against them).
    seed : int, optional
        Set every ``random_state`` parameter (nested ones too) that is still None.

    Returns
    -------
    estimator
    """
    if not isinstance(pipelines, dict):
        pipelines = {p.name: p for p in pipelines}
    estimator = _Builder(pipelines, collect=False).build(pipeline, pipeline.name)
    if seed is not None:
        set_seed(estimator, seed)
    return estimator


def validate_pipelines(pipelines: list[PipelineConfig]) -> list[str]:
    """Build every pipeline once and return the problems, each naming its key path."""
    by_name = {p.name: p for p in pipelines}
    problems = []
    for i, pipe in enumerate(pipelines):
        builder = _Builder(by_name, collect=True)
        builder.build(pipe, f"pipelines[{i}]")
        problems.extend(builder.problems)
    return problems


def set_seed(estimator: Any, seed: int) -> Any:
    """Set every ``random_state`` parameter that is None (at any depth) to ``seed``."""
    if not isinstance(estimator, BaseEstimator):
        return estimator
    params = estimator.get_params(deep=True)
    updates = {
        key: seed
        for key, value in params.items()
        if (key == "random_state" or key.endswith("__random_state")) and value is None
    }
    if updates:
        estimator.set_params(**updates)
    return estimator


def pipeline_members(pipelines: list[PipelineConfig]) -> dict[str, list[str]]:
    """For each pipeline, the other top-level pipelines it is built from.

    A member is a pipeline named in its ``member_pipelines``, one referenced with ``ref`` anywhere
    inside, or one whose component (estimator, params, steps, estimators) equals a nested component.
    """
    specs = {p.name: _spec_key(p) for p in pipelines}
    out: dict[str, list[str]] = {}
    for pipe in pipelines:
        found: list[str] = [n for n in (pipe.member_pipelines or []) if n != pipe.name]
        for comp in _nested(pipe):
            if comp.get("ref"):
                name = comp["ref"]
            else:
                key = _spec_key(comp)
                name = next((n for n, s in specs.items() if s == key and n != pipe.name), None)
            if name and name != pipe.name and name not in found:
                found.append(name)
        out[pipe.name] = found
    return out


def _spec_key(comp: Any) -> str:
    import json

    data = comp.model_dump(exclude={"name"}) if hasattr(comp, "model_dump") else dict(comp)
    data.pop("name", None)
    data.pop("member_pipelines", None)
    data = {k: v for k, v in data.items() if v not in (None, {}, [])}
    return json.dumps(data, sort_keys=True, default=str)


def _nested(pipe: PipelineConfig) -> list[dict]:
    """Every nested component of a pipeline as a plain dict (not the pipeline itself)."""
    out: list[dict] = []

    def walk_value(value: Any) -> None:
        if _is_component(value):
            out.append(value)
            walk(value)
        elif isinstance(value, list):
            for v in value:
                walk_value(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk_value(v)

    def walk(comp: dict) -> None:
        for v in (comp.get("params") or {}).values():
            walk_value(v)
        for key in ("steps", "estimators"):
            for member in comp.get(key) or []:
                out.append(member)
                walk(member)

    walk(pipe.model_dump())
    return out
