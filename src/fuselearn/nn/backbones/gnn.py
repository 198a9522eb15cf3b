"""A GIN/GCN network that fuses its layer-wise embeddings, per node (JK-Net style, default) or per graph."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..._validation import check_choice, check_int, check_real
from ...exceptions import InvalidInputError
from .._registry import register_module
from ._common import FusionBackbone, build_fusion, reset_all

__all__ = ["FusionGNN"]

_CONVS = ("gin", "gcn")
_READOUTS = ("sum", "mean", "max")
_LEVELS = ("node", "graph")


class FusionGNN(FusionBackbone):
    """Graph network whose per-layer embeddings are fused, per node (default) or per graph.

    Like jumping-knowledge networks (Xu et al. 2018), every layer's node embeddings reach the output,
    but they are combined by any registry fusion layer (``concat`` is JK-concat; ``aff`` learns
    weights over the layers). ``fusion_level="node"`` (default) fuses per node, then reads out. With
    ``"graph"`` each layer's node embeddings are first read out per graph (as GIN's readout does per
    layer) and batch-normalised per source, and the fusion layer combines these graph vectors: it
    runs once per graph instead of once per node, so its cost no longer grows with the number of
    nodes (AFF: about concat's cost instead of 2-3x), but on MUTAG it was less accurate (see
    docs/benchmarks/fusion_layers.md), so it is not the default. Layers are GIN (Xu et al. 2019: ``MLP((1 + eps) h_v + sum
    h_u)``, batch norm, ReLU) or GCN convolutions from PyTorch Geometric.

    Parameters
    ----------
    in_dim : int
        Node feature width.
    n_classes : int
        Outputs of the head.
    hidden : int
        Node embedding width of every layer.
    num_layers : int
        Message-passing layers.
    conv : {"gin", "gcn"}
        Layer type.
    readout : {"sum", "mean", "max"}
        Graph pooling of the fused node embeddings.
    include_input : bool
        Also fuse the (linearly embedded) input features, as GIN's readout does.
    fusion : str
        Any name in :data:`fuselearn.nn.FUSIONS`.
    fusion_dim : int or None
        Width of the fused node representation (default ``hidden``).
    fusion_params : dict or None
        Options for the fusion layer.
    dropout : float
        Dropout in the head.
    aux_tasks : bool
        Per-source auxiliary heads in the fusion layer (AFF only), supervised with the graph's label
        (per node with ``fusion_level="node"``: deep supervision of every layer).
    fusion_level : {"node", "graph"}
        Fuse the per-layer node embeddings, or the per-layer graph read-outs (each batch-normalised).

    Shapes:
        - input: a ``torch_geometric.data.Batch`` (or ``Data``) with ``x (N, in_dim)`` and
          ``edge_index (2, E)``
        - output: ``(num_graphs, n_classes)``; ``embed`` gives ``(num_graphs, fusion_dim)``

    Examples
    --------
    >>> import torch
    >>> from torch_geometric.data import Data
    >>> g = Data(x=torch.ones(3, 4), edge_index=torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]))
    >>> net = FusionGNN(4, 2, hidden=8)
    >>> net
    FusionGNN(4, 2, hidden=8, num_layers=3, conv='gin', fusion='aff')
    >>> net.eval()(g).shape
    torch.Size([1, 2])
    """

    def __init__(
        self,
        in_dim: int,
        n_classes: int,
        hidden: int = 64,
        num_layers: int = 3,
        conv: str = "gin",
        readout: str = "sum",
        include_input: bool = True,
        fusion: str = "aff",
        fusion_dim: int | None = None,
        fusion_params: dict | None = None,
        dropout: float = 0.0,
        aux_tasks: bool = False,
        fusion_level: str = "node",
    ) -> None:
        super().__init__()
        from torch_geometric.nn import GCNConv, GINConv

        owner = "FusionGNN"
        self.in_dim = check_int(in_dim, "in_dim", owner)
        self.n_classes = check_int(n_classes, "n_classes", owner)
        self.hidden = check_int(hidden, "hidden", owner)
        self.num_layers = check_int(num_layers, "num_layers", owner)
        self.conv = check_choice(conv, "conv", owner, _CONVS)
        self.readout = check_choice(readout, "readout", owner, _READOUTS)
        self.include_input = bool(include_input)
        self.fusion_dim = check_int(fusion_dim if fusion_dim is not None else hidden, "fusion_dim", owner)
        self.dropout = check_real(dropout, "dropout", owner, low=0.0, high=1.0, closed="left")
        self.fusion_name = fusion
        self.fusion_level = check_choice(fusion_level, "fusion_level", owner, _LEVELS)
        convs, norms = [], []
        width = self.in_dim
        for _ in range(self.num_layers):
            if self.conv == "gin":
                mlp = nn.Sequential(nn.Linear(width, self.hidden), nn.BatchNorm1d(self.hidden), nn.ReLU(),
                                    nn.Linear(self.hidden, self.hidden))
                convs.append(GINConv(mlp, train_eps=False))
            else:
                convs.append(GCNConv(width, self.hidden))
            norms.append(nn.BatchNorm1d(self.hidden))
            width = self.hidden
        self.convs = nn.ModuleList(convs)
        self.norms = nn.ModuleList(norms)
        in_dims = ([self.in_dim] if self.include_input else []) + [self.hidden] * self.num_layers
        # graph level: each source's read-out is batch-normalised (sum read-outs grow with graph size,
        # which products of sources would amplify)
        self.source_norms = (nn.ModuleList(nn.BatchNorm1d(w) for w in in_dims)
                             if self.fusion_level == "graph" else None)
        self.fusion = build_fusion(owner, fusion, in_dims, self.fusion_dim, fusion_params,
                                   self.n_classes if aux_tasks else None)
        self.head = nn.Sequential(nn.Linear(self.fusion_dim, self.fusion_dim), nn.ReLU(), nn.Dropout(self.dropout),
                                  nn.Linear(self.fusion_dim, self.n_classes))
        self.embedding_dim = self.fusion_dim
        self._aux_target: torch.Tensor | None = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every weight."""
        reset_all(self)

    def set_aux_targets(self, target: torch.Tensor | None) -> None:
        """Keep the graph targets of the next forward; each node's auxiliary target is its graph's."""
        self._aux_target = target

    def layer_features(self, data) -> list[torch.Tensor]:
        """Node embeddings of every source: ``[(N, in_dim)?] + num_layers x (N, hidden)``."""
        x, edge_index = getattr(data, "x", None), getattr(data, "edge_index", None)
        if x is None or edge_index is None:
            raise InvalidInputError("FusionGNN expects a graph batch with node features x and edge_index.")
        x = x.float()
        feats = [x] if self.include_input else []
        for conv, norm in zip(self.convs, self.norms):
            x = torch.relu(norm(conv(x, edge_index)))
            feats.append(x)
        return feats

    def embed(self, data) -> torch.Tensor:
        """The read-out fused representation ``(num_graphs, fusion_dim)``."""
        from torch_geometric.nn import global_add_pool, global_max_pool, global_mean_pool

        feats = self.layer_features(data)
        batch = getattr(data, "batch", None)
        if batch is None:
            batch = torch.zeros(feats[0].shape[0], dtype=torch.long, device=feats[0].device)
        n_graphs = int(getattr(data, "num_graphs", 1) or 1)
        target, self._aux_target = self._aux_target, None
        setter = getattr(self.fusion, "set_aux_targets", None)
        pool = {"sum": global_add_pool, "mean": global_mean_pool, "max": global_max_pool}[self.readout]
        if self.fusion_level == "graph":
            if setter is not None and target is not None:
                setter(target)
            pooled = [_norm(norm, pool(f, batch, size=n_graphs)) for norm, f in zip(self.source_norms, feats)]
            return self.fusion(pooled)
        if setter is not None and target is not None:
            setter(target[batch])
        fused = self.fusion(feats)
        return pool(fused, batch, size=n_graphs)

    def forward(self, data) -> torch.Tensor:
        return self.head(self.embed(data))

    def __repr__(self) -> str:
        return (f"FusionGNN({self.in_dim}, {self.n_classes}, hidden={self.hidden}, num_layers={self.num_layers}, "
                f"conv={self.conv!r}, fusion={self.fusion_name!r}"
                + (f", fusion_level={self.fusion_level!r}" if self.fusion_level != "node" else "") + ")")


def _norm(norm: nn.BatchNorm1d, v: torch.Tensor) -> torch.Tensor:
    """Batch norm of graph vectors; a training batch of one graph uses the running statistics."""
    if norm.training and v.shape[0] == 1:
        return F.batch_norm(v, norm.running_mean, norm.running_var, norm.weight, norm.bias, False, 0.0, norm.eps)
    return norm(v)


@register_module("gnn", input_kind="graph")
def _build_gnn(n_inputs: int, n_outputs: int, **params) -> FusionGNN:
    return FusionGNN(n_inputs, n_outputs, **params)
