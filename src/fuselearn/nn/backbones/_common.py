"""What the backbones share: their base class, building the fusion point, resetting parameters.

Their argument checks are :mod:`fuselearn._validation`'s ``check_int``/``check_real``/``check_choice``.
"""

from __future__ import annotations

import torch
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


class FusionBackbone(nn.Module):
    """Base of the backbones with a fusion point (PyG's template-class pattern).

    A subclass builds ``fusion``, ``drop`` and ``head`` and implements ``layer_features(x)``, the list of
    per-source tensors the fusion layer takes; ``embed`` (the fused representation) and ``forward``
    (logits ``(batch, n_classes)``) follow, and a subclass overrides them only where it fuses or
    reads out differently.
    """

    fusion: nn.Module
    drop: nn.Module
    head: nn.Module

    def layer_features(self, x) -> list[torch.Tensor]:  # pragma: no cover - each backbone defines it
        raise NotImplementedError

    def set_aux_targets(self, target: torch.Tensor | None) -> None:
        """Pass the batch targets to the fusion layer's auxiliary heads (if it has them)."""
        setter = getattr(self.fusion, "set_aux_targets", None)
        if setter is not None:
            setter(target)

    def embed(self, x) -> torch.Tensor:
        """The fused representation ``(batch, fusion_dim)``."""
        return self.fusion(self.layer_features(x))

    def forward(self, x) -> torch.Tensor:
        return self.head(self.drop(self.embed(x)))
