"""Helpers shared by the backbones: argument checks and building the fusion point."""

from __future__ import annotations

import numbers

from torch import nn

from ...exceptions import InvalidParameterError
from ..fusion import get_fusion_class, make_fusion


def check_int(owner: str, label: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        raise InvalidParameterError(f"{owner} {label} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_dropout(owner: str, value: object) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0.0 <= float(value) < 1.0:
        raise InvalidParameterError(f"{owner} dropout must be in [0, 1); got {value!r}.")
    return float(value)


def check_choice(owner: str, label: str, value: object, choices: tuple[str, ...]) -> str:
    key = value.strip().lower() if isinstance(value, str) else value
    if key not in choices:
        raise InvalidParameterError(f"{owner} {label} must be one of {choices}; got {value!r}.")
    return key


def build_fusion(owner: str, fusion: str, in_dims: list[int], out_dim: int, fusion_params: dict | None,
                 aux_classes: int | None, **defaults) -> nn.Module:
    """The fusion point of a backbone: ``make_fusion`` with the backbone's defaults and options."""
    get_fusion_class(fusion, where=f"the 'fusion' parameter of {owner}")
    if fusion_params is not None and not isinstance(fusion_params, dict):
        raise InvalidParameterError(f"{owner} fusion_params must be a dict or None; got {fusion_params!r}.")
    params = {**defaults, **(fusion_params or {})}
    if aux_classes is not None:
        params.setdefault("aux_classes", aux_classes)
    return make_fusion(fusion, in_dims, out_dim, **params)


def reset_all(module: nn.Module) -> None:
    """Call ``reset_parameters`` on every submodule that has it."""
    for sub in module.modules():
        if sub is not module and hasattr(sub, "reset_parameters"):
            sub.reset_parameters()
