"""Graph fusion: the sources are the nodes of a small complete graph that exchange messages."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from ..._validation import check_int
from ._base import FusionLayer, channel_linear, per_sample
from ._registry import register_fusion

__all__ = ["GraphFusion"]


@register_fusion("graph")
class GraphFusion(FusionLayer):
    """Sources as nodes exchanging messages with attention, then mean-pooled.

    Each source is projected to ``out_dim`` and gets a learned source embedding. In each of ``rounds``
    rounds, node ``s`` receives ``sum_t a_st h_t`` with ``a = softmax_t(q_s . k_t / sqrt(D))`` computed
    per sample (for maps, from the globally pooled nodes) and updates ``h_s += relu(U m_s)``; the
    output is the mean over nodes (graph-attention fusion in the spirit of GAT, Velickovic et al. 2018,
    over a complete graph of sources).

    Parameters
    ----------
    in_dims, out_dim, spatial, size
        See :class:`~fuselearn.nn.fusion.FusionLayer`.
    rounds : int
        Message-passing rounds.

    Attributes
    ----------
    last_weights : Tensor ``(batch, n_sources)``
        Attention each source receives from the others in the last round, averaged over receivers.

    Shapes:
        - input: list of ``(batch, d_i)`` (maps: ``(batch, C_i, H_i, W_i)``)
        - output: ``(batch, out_dim)`` (maps: ``(batch, out_dim, H, W)``)
    """

    def __init__(self, in_dims: Sequence[int], out_dim: int, *, spatial: bool = False,
                 size: str | tuple[int, int] = "smallest", rounds: int = 1) -> None:
        super().__init__(in_dims, out_dim, spatial=spatial, size=size)
        self.rounds = check_int(rounds, "rounds", "GraphFusion")
        d = self.out_dim
        self.projs = nn.ModuleList(channel_linear(di, d, self.spatial) for di in self.in_dims)
        self.node_embedding = nn.Parameter(torch.empty(self.n_sources, d))
        self.query = nn.ModuleList(nn.Linear(d, d, bias=False) for _ in range(rounds))
        self.key = nn.ModuleList(nn.Linear(d, d, bias=False) for _ in range(rounds))
        self.update = nn.ModuleList(channel_linear(d, d, self.spatial) for _ in range(rounds))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        nn.init.normal_(self.node_embedding, std=0.02)

    def extra_repr_args(self) -> str:
        return f"rounds={self.rounds}" if self.rounds != 1 else ""

    def forward(self, xs: Sequence[torch.Tensor]) -> torch.Tensor:
        xs = self.align(xs)
        extra = (1,) * (xs[0].dim() - 2)
        hs = [p(x) + self.node_embedding[i].view(1, -1, *extra) for i, (p, x) in enumerate(zip(self.projs, xs))]
        h = torch.stack(hs, dim=1)  # (B, S, D, ...)
        a = None
        for q, k, u in zip(self.query, self.key, self.update):
            summary = h.flatten(3).mean(-1) if h.dim() > 3 else h  # (B, S, D)
            a = torch.softmax(q(summary) @ k(summary).transpose(1, 2) / math.sqrt(self.out_dim), dim=-1)
            m = torch.einsum("bst,btd...->bsd...", a, h)
            upd = u(m.flatten(0, 1)).view_as(h)
            h = h + torch.relu(upd)
        self.last_weights = per_sample(a.mean(1)).detach()
        return h.mean(1)
