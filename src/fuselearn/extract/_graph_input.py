"""The ``"graph"`` input kind of the neural estimators: lists of ``torch_geometric.data.Data``.

Registers ``INPUT_HANDLERS["graph"]``: validation turns a list of graphs into a list of ``Data`` with
float node features (``n_inputs`` = node feature width), and the collate batches rows into a
``torch_geometric.data.Batch`` that a graph module (``FusionGNN``) takes whole.
"""

from __future__ import annotations

import numpy as np
import torch

from ..exceptions import InvalidInputError
from ._neural import INPUT_HANDLERS

__all__ = ["collate_graphs", "validate_graphs"]


def validate_graphs(est, X, reset: bool):
    """Check ``X`` is a non-empty list of graphs with ``x`` and ``edge_index`` of one feature width."""
    from torch_geometric.data import Data

    name = type(est).__name__
    if isinstance(X, Data) or not isinstance(X, (list, tuple)) or isinstance(X, (str, bytes)):
        raise InvalidInputError(
            f"{name} with a graph module expects X as a list of torch_geometric.data.Data; "
            f"got {type(X).__name__}."
        )
    if len(X) == 0:
        raise InvalidInputError(f"{name} got an empty list of graphs; pass at least one graph.")
    if not all(isinstance(g, Data) for g in X):
        # fuselearn.data.Graph or objects with edge_index and node_labels/x: convert them to Data
        # (discrete node labels become one-hot features over the label range seen in fit).
        from ._graph import _validate_graphs as _to_data

        X, _ = _to_data(est, X, reset)
    graphs, width = [], None
    for i, g in enumerate(X):
        if not isinstance(g, Data):
            raise InvalidInputError(f"{name}: graph {i} is a {type(g).__name__}, not torch_geometric.data.Data.")
        x, edge_index = getattr(g, "x", None), getattr(g, "edge_index", None)
        if x is None or edge_index is None:
            missing = "x" if x is None else "edge_index"
            raise InvalidInputError(f"{name}: graph {i} has no {missing}; every graph needs x and edge_index.")
        x = torch.as_tensor(x)
        if x.dim() != 2 or x.shape[0] == 0:
            raise InvalidInputError(
                f"{name}: graph {i} has no nodes (x of shape {tuple(x.shape)}); node features must be "
                "(n_nodes >= 1, n_features). Drop empty graphs or give them a node."
            )
        if not torch.isfinite(x.float()).all():
            raise InvalidInputError(f"{name}: graph {i} has NaN or infinite node features.")
        edge_index = torch.as_tensor(edge_index, dtype=torch.long)
        if edge_index.dim() != 2 or edge_index.shape[0] != 2:
            raise InvalidInputError(f"{name}: graph {i} has edge_index of shape {tuple(edge_index.shape)}; expected (2, E).")
        if edge_index.numel() and (edge_index.min() < 0 or edge_index.max() >= x.shape[0]):
            raise InvalidInputError(f"{name}: graph {i} has an edge to a node outside 0..{x.shape[0] - 1}.")
        if width is None:
            width = x.shape[1]
        elif x.shape[1] != width:
            raise InvalidInputError(
                f"{name}: graph {i} has {x.shape[1]} node features but graph 0 has {width}; "
                "all graphs need the same node feature width."
            )
        if x.dtype != torch.float32 or g.edge_index.dtype != torch.long:
            g = g.clone()
            g.x, g.edge_index = x.float(), edge_index
        graphs.append(g)
    if reset:
        est.n_features_in_ = int(width)
    elif getattr(est, "n_features_in_", width) != width:
        raise InvalidInputError(
            f"{name}: X has graphs with {width} node features, but {name} was fitted with "
            f"{est.n_features_in_}."
        )
    return graphs, int(width)


def collate_graphs(graphs, idx: np.ndarray):
    """Rows ``idx`` of a list of graphs as one ``torch_geometric.data.Batch``."""
    from torch_geometric.data import Batch

    return Batch.from_data_list([graphs[int(i)] for i in idx])


INPUT_HANDLERS["graph"] = (validate_graphs, collate_graphs)
