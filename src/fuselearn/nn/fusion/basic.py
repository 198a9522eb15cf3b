"""Parameter-light baselines: concatenation, sum and element-wise product of the sources."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ._base import FusionLayer, channel_linear
from ._registry import register_fusion

__all__ = ["ConcatFusion", "ProductFusion", "SumFusion"]


@register_fusion("concat")
class ConcatFusion(FusionLayer):
    """Concatenate the sources and project to ``out_dim`` (skipped when the widths already add up).

    Parameters
    ----------
    in_dims, out_dim, spatial, size
        See :class:`~fuselearn.nn.fusion.FusionLayer`.

    Shapes:
        - input: list of ``(batch, d_i)`` (maps: ``(batch, C_i, H_i, W_i)``)
        - output: ``(batch, out_dim)`` (maps: ``(batch, out_dim, H, W)``)

    Examples
    --------
    >>> ConcatFusion([16, 32], 64)
    ConcatFusion([16, 32], 64)
    """

    def __init__(self, in_dims: Sequence[int], out_dim: int, *, spatial: bool = False,
                 size: str | tuple[int, int] = "smallest") -> None:
        super().__init__(in_dims, out_dim, spatial=spatial, size=size)
        total = sum(self.in_dims)
        self.proj = nn.Identity() if total == self.out_dim else channel_linear(total, self.out_dim, self.spatial)
        self.reset_parameters()

    def forward(self, xs: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.proj(torch.cat(self.align(xs), dim=1))


class _Projected(FusionLayer):
    """Sources projected to ``out_dim`` where their width differs, then combined element-wise."""

    def __init__(self, in_dims: Sequence[int], out_dim: int, *, spatial: bool = False,
                 size: str | tuple[int, int] = "smallest") -> None:
        super().__init__(in_dims, out_dim, spatial=spatial, size=size)
        self.projs = nn.ModuleList(
            nn.Identity() if d == self.out_dim else channel_linear(d, self.out_dim, self.spatial)
            for d in self.in_dims
        )
        self.reset_parameters()

    def projected(self, xs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        return [p(x) for p, x in zip(self.projs, self.align(xs))]


@register_fusion("sum")
class SumFusion(_Projected):
    """Sum of the sources, each projected to ``out_dim`` when its width differs.

    Shapes:
        - input: list of ``(batch, d_i)`` (maps: ``(batch, C_i, H_i, W_i)``)
        - output: ``(batch, out_dim)`` (maps: ``(batch, out_dim, H, W)``)
    """

    def forward(self, xs: Sequence[torch.Tensor]) -> torch.Tensor:
        hs = self.projected(xs)
        out = hs[0]
        for h in hs[1:]:
            out = out + h
        return out


@register_fusion("product")
class ProductFusion(_Projected):
    """Element-wise (Hadamard) product of the sources, each projected to ``out_dim`` when needed.

    Shapes:
        - input: list of ``(batch, d_i)`` (maps: ``(batch, C_i, H_i, W_i)``)
        - output: ``(batch, out_dim)`` (maps: ``(batch, out_dim, H, W)``)
    """

    def forward(self, xs: Sequence[torch.Tensor]) -> torch.Tensor:
        hs = self.projected(xs)
        out = hs[0]
        for h in hs[1:]:
            out = out * h
        return out
