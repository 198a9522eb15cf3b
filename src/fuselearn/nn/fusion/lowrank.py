"""Low-rank multimodal fusion (Liu et al. 2018, LMF): a rank-R factorised tensor product."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from ..._validation import check_int
from ._base import FusionLayer
from ._registry import register_fusion

__all__ = ["LowRankFusion"]


@register_fusion("lowrank")
class LowRankFusion(FusionLayer):
    """Low-rank bilinear (tensor) fusion.

    Each source gets a constant 1 appended (so unimodal and lower-order terms survive the product),
    is mapped by ``rank`` factors ``W_i^(r)``, the factors are multiplied element-wise across the
    sources, and the ``rank`` products are summed with learned weights: Liu et al., "Efficient
    Low-rank Multimodal Fusion with Modality-Specific Factors", ACL 2018.

    Parameters
    ----------
    in_dims, out_dim, spatial, size
        See :class:`~fuselearn.nn.fusion.FusionLayer`.
    rank : int
        Number of rank-one terms (the paper finds 4 enough).

    Shapes:
        - input: list of ``(batch, d_i)`` (maps: ``(batch, C_i, H_i, W_i)``)
        - output: ``(batch, out_dim)`` (maps: ``(batch, out_dim, H, W)``)
    """

    def __init__(self, in_dims: Sequence[int], out_dim: int, *, spatial: bool = False,
                 size: str | tuple[int, int] = "smallest", rank: int = 4) -> None:
        super().__init__(in_dims, out_dim, spatial=spatial, size=size)
        self.rank = rank = check_int(rank, "rank", "LowRankFusion")
        self.factors = nn.ParameterList(
            nn.Parameter(torch.empty(rank, d + 1, self.out_dim)) for d in self.in_dims
        )
        self.rank_weight = nn.Parameter(torch.empty(rank))
        self.bias = nn.Parameter(torch.empty(self.out_dim))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for f in self.factors:
            nn.init.xavier_normal_(f)
        nn.init.xavier_normal_(self.rank_weight.view(1, -1))
        nn.init.zeros_(self.bias)

    def extra_repr_args(self) -> str:
        return f"rank={self.rank}"

    def forward(self, xs: Sequence[torch.Tensor]) -> torch.Tensor:
        fused = None
        for x, f in zip(self.align(xs), self.factors):
            ones = torch.ones_like(x[:, :1])
            xh = torch.cat([x, ones], dim=1)
            z = torch.einsum("bd...,rde->bre...", xh, f) / math.sqrt(f.shape[1])  # (B, R, D, ...)
            fused = z if fused is None else fused * z
        out = torch.einsum("bre...,r->be...", fused, self.rank_weight)
        shape = (1, -1) + (1,) * (out.dim() - 2)
        return out + self.bias.view(shape)
