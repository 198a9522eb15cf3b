"""Attention fusion: a per-sample (and, for maps, per-position) softmax over the sources."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ._base import FusionLayer, channel_linear, per_sample, stack_sources
from ._registry import register_fusion

__all__ = ["AttentionFusion"]


@register_fusion("attention")
class AttentionFusion(FusionLayer):
    """Weighted sum of the projected sources with softmax weights scored from each source.

    ``h_i = P_i x_i``; ``s_i = v^T tanh(W h_i)``; ``w = softmax_i(s)``; output ``sum_i w_i h_i``
    (additive attention as in Bahdanau et al. 2015, over sources instead of time steps).

    Parameters
    ----------
    in_dims, out_dim, spatial, size
        See :class:`~fuselearn.nn.fusion.FusionLayer`.
    hidden : int or None
        Width of the scoring layer (default ``max(out_dim // 4, 8)``).

    Attributes
    ----------
    last_weights : Tensor ``(batch, n_sources)``
        Softmax weights of the last forward (maps: averaged over positions).

    Shapes:
        - input: list of ``(batch, d_i)`` (maps: ``(batch, C_i, H_i, W_i)``)
        - output: ``(batch, out_dim)`` (maps: ``(batch, out_dim, H, W)``)
    """

    def __init__(self, in_dims: Sequence[int], out_dim: int, *, spatial: bool = False,
                 size: str | tuple[int, int] = "smallest", hidden: int | None = None) -> None:
        super().__init__(in_dims, out_dim, spatial=spatial, size=size)
        self.hidden = int(hidden) if hidden is not None else max(self.out_dim // 4, 8)
        self.projs = nn.ModuleList(channel_linear(d, self.out_dim, self.spatial) for d in self.in_dims)
        self.score = nn.Sequential(
            channel_linear(self.out_dim, self.hidden, self.spatial), nn.Tanh(),
            channel_linear(self.hidden, 1, self.spatial, bias=False),
        )
        self.reset_parameters()

    def forward(self, xs: Sequence[torch.Tensor]) -> torch.Tensor:
        hs = [p(x) for p, x in zip(self.projs, self.align(xs))]
        h = stack_sources(hs)  # (B, S, D, ...)
        scores = torch.stack([self.score(x).squeeze(1) for x in hs], dim=1)  # (B, S, ...)
        w = torch.softmax(scores, dim=1)
        self.last_weights = per_sample(w).detach()
        return (w.unsqueeze(2) * h).sum(1)
