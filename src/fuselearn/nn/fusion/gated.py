"""The gated multimodal unit (Arevalo et al. 2017), generalised to any number of sources."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ._base import FusionLayer, channel_linear, per_sample
from ._registry import register_fusion

__all__ = ["GatedFusion"]


@register_fusion("gated")
class GatedFusion(FusionLayer):
    """Gated multimodal unit: ``h_i = tanh(W_i x_i)``, gates ``z = softmax_i(W_z [x_1; ...; x_S])``.

    The output is ``sum_i z_i * h_i`` with one gate per source *and feature*. For two sources the
    softmax over sources equals the sigmoid gate of Arevalo et al., "Gated Multimodal Units for
    Information Fusion" (ICLR workshop 2017).

    Attributes
    ----------
    last_weights : Tensor ``(batch, n_sources)``
        Gates of the last forward, averaged over features (and positions).

    Shapes:
        - input: list of ``(batch, d_i)`` (maps: ``(batch, C_i, H_i, W_i)``)
        - output: ``(batch, out_dim)`` (maps: ``(batch, out_dim, H, W)``)
    """

    def __init__(self, in_dims: Sequence[int], out_dim: int, *, spatial: bool = False,
                 size: str | tuple[int, int] = "smallest") -> None:
        super().__init__(in_dims, out_dim, spatial=spatial, size=size)
        self.projs = nn.ModuleList(channel_linear(d, self.out_dim, self.spatial) for d in self.in_dims)
        self.gate = channel_linear(sum(self.in_dims), self.n_sources * self.out_dim, self.spatial)
        self.reset_parameters()

    def forward(self, xs: Sequence[torch.Tensor]) -> torch.Tensor:
        xs = self.align(xs)
        h = torch.stack([torch.tanh(p(x)) for p, x in zip(self.projs, xs)], dim=1)  # (B, S, D, ...)
        z = self.gate(torch.cat(xs, dim=1))
        z = torch.softmax(z.view(z.shape[0], self.n_sources, self.out_dim, *z.shape[2:]), dim=1)
        self.last_weights = per_sample(z.mean(2)).detach()
        return (z * h).sum(1)
