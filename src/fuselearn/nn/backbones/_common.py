"""Helpers shared by the backbones: building the fusion point and resetting parameters.

Their argument checks are :mod:`fuselearn._validation`'s ``check_int``/``check_real``/``check_choice``.
"""

from __future__ import annotations

from torch import nn

from ..._validation import param_error
from ..fusion import get_fusion_class, make_fusion


def build_fusion(owner: str, fusion: str, in_dims: list[int], out_dim: int, fusion_params: dict | None,
                 aux_classes: int | None, **defaults) -> nn.Module:
    """The fusion point of a backbone: ``make_fusion`` with the backbone's defaults and options."""
    get_fusion_class(fusion, where=f"the 'fusion' parameter of {owner}")
    if fusion_params is not None and not isinstance(fusion_params, dict):
        raise param_error("fusion_params", owner, "a dict or None", fusion_params)
    params = {**defaults, **(fusion_params or {})}
    if aux_classes is not None:
        params.setdefault("aux_classes", aux_classes)
    return make_fusion(fusion, in_dims, out_dim, **params)


def reset_all(module: nn.Module) -> None:
    """Call ``reset_parameters`` on every submodule that has it."""
    for sub in module.modules():
        if sub is not module and hasattr(sub, "reset_parameters"):
            sub.reset_parameters()
