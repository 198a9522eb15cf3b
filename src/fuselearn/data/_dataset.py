"""The one ``Dataset`` type every loader returns, and the plain ``Graph`` record."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError

__all__ = ["MODALITIES", "TASKS", "Dataset", "Graph"]

TASKS = ("binary", "multiclass", "regression", "anomaly")
MODALITIES = ("table", "text", "image", "graph", "series")


@dataclass
class Graph:
    """One graph as plain NumPy arrays, independent of any graph library.

    Parameters
    ----------
    edge_index : ndarray of shape (2, E), int64
        Directed edges as (source, target) node positions, 0-based within the graph. Undirected
        graphs list each edge in both directions, as the TU format does.
    num_nodes : int
        Number of nodes, so that isolated nodes are kept.
    x : ndarray of shape (N, F), float32, optional
        Node features.
    node_labels : ndarray of shape (N,), int64, optional
        Discrete node labels as in the source file (for example the atom type).
    edge_labels : ndarray of shape (E,), int64, optional
        Discrete edge labels as in the source file (for example the bond type).
    y : int or float, optional
        The graph's target (already mapped to ``0..K-1`` for classification).

    Examples
    --------
    >>> import numpy as np
    >>> g = Graph(edge_index=np.array([[0, 1], [1, 0]]), num_nodes=2, y=1)
    >>> g
    Graph(num_nodes=2, num_edges=2, num_features=0, y=1)
    """

    edge_index: np.ndarray
    num_nodes: int
    x: np.ndarray | None = None
    node_labels: np.ndarray | None = None
    edge_labels: np.ndarray | None = None
    y: int | float | None = None

    def __post_init__(self) -> None:
        self.edge_index = np.asarray(self.edge_index, dtype=np.int64).reshape(2, -1)
        self.num_nodes = int(self.num_nodes)

    @property
    def num_edges(self) -> int:
        """Number of directed edges (columns of ``edge_index``)."""
        return int(self.edge_index.shape[1])

    def __repr__(self) -> str:
        nf = 0 if self.x is None else int(self.x.shape[1])
        return (
            f"Graph(num_nodes={self.num_nodes}, num_edges={self.num_edges}, "
            f"num_features={nf}, y={self.y})"
        )

    def to_pyg(self):
        """Convert to a ``torch_geometric.data.Data`` object.

        PyTorch Geometric is imported only here, so the data layer does not need it.

        Returns
        -------
        data : torch_geometric.data.Data
            With ``edge_index`` (long), ``x`` (float), ``y`` (long tensor of shape (1,) for an int
            target, float otherwise), ``edge_attr`` holding the edge labels (long), ``num_nodes``.
        """
        try:
            import torch
            from torch_geometric.data import Data
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "Graph.to_pyg() needs torch-geometric; install it with `pip install fuselearn[graph]`."
            ) from exc
        kwargs: dict[str, Any] = {
            "edge_index": torch.as_tensor(self.edge_index, dtype=torch.long),
            "num_nodes": self.num_nodes,
        }
        if self.x is not None:
            kwargs["x"] = torch.as_tensor(np.asarray(self.x), dtype=torch.float)
        if self.edge_labels is not None:
            kwargs["edge_attr"] = torch.as_tensor(self.edge_labels, dtype=torch.long)
        if self.y is not None:
            is_int = isinstance(self.y, (int, np.integer))
            kwargs["y"] = torch.tensor([self.y], dtype=torch.long if is_int else torch.float)
        return Data(**kwargs)


def take_rows(value: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of a DataFrame / Series (by position), a NumPy array or a list."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.iloc[idx]
    if isinstance(value, np.ndarray):
        return value[idx]
    if isinstance(value, list):
        return [value[i] for i in idx]
    raise DataError(f"Cannot take a subset of inputs of type {type(value).__name__}.")


@dataclass
class Dataset:
    """Inputs of one or more modalities, a target, and what is known about where they came from.

    Parameters
    ----------
    inputs : dict of str to object
        One entry per modality: ``{"table": DataFrame}``, ``{"text": list[str]}``,
        ``{"image": ndarray (n, C, H, W) uint8}``, ``{"graph": list[Graph]}`` or
        ``{"series": list[DataFrame]}`` (one multivariate series per experiment).
    target : ndarray of shape (n,)
        Class indices ``0..K-1`` for classification, floats for regression, 0/1 point labels for
        anomaly detection (concatenated over the series, in order).
    task : {"binary", "multiclass", "regression", "anomaly"}
        What the target is.
    name : str, default=""
        Registry name of the dataset (empty for data read with a generic loader).
    modality_spec : dict, default={}
        Per modality, what its parts are, for example
        ``{"table": {"numeric": [...], "categorical": [...], "text": [...]}}``.
    description : str, default=""
        What the data are, including caveats such as columns that leak the target.
    citation : str, default=""
        How to cite the original publication.
    checksums : dict of str to str, default={}
        File (relative to the folder it was read from) to the sha256 of its bytes.
    label_mapping : dict, optional
        Original label value to class index, where labels were remapped.
    split : dict of str to ndarray, optional
        A predefined split as integer positions, for example ``{"train": ..., "test": ...}``.
    metadata : dict, default={}
        Anything else a loader knows (per-row ids, changepoint labels, leaking columns).

    Attributes
    ----------
    X : object
        The inputs of a single-modality dataset.
    y : ndarray
        Alias of ``target``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ds = Dataset(inputs={"table": pd.DataFrame({"a": [1, 2, 3]})},
    ...              target=np.array([0, 1, 0]), task="binary")
    >>> len(ds), ds.X.shape, ds.modalities
    (3, (3, 1), ['table'])
    """

    inputs: dict[str, Any]
    target: np.ndarray
    task: str
    name: str = ""
    modality_spec: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    citation: str = ""
    checksums: dict[str, str] = field(default_factory=dict)
    label_mapping: dict[Any, int] | None = None
    split: dict[str, np.ndarray] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError(
                f"The 'task' of a Dataset must be one of {', '.join(TASKS)}. Got {self.task!r} instead."
            )
        if not self.inputs:
            raise DataError("A Dataset needs at least one input modality.")
        unknown = [m for m in self.inputs if m not in MODALITIES]
        if unknown:
            raise DataError(
                f"Unknown modality {unknown[0]!r}; valid modalities are {', '.join(MODALITIES)}."
            )
        self.target = np.asarray(self.target)
        n = len(self.target)
        for modality, value in self.inputs.items():
            if modality == "series":
                continue  # series hold experiments; the target holds their points
            if len(value) != n:
                raise DataError(
                    f"Modality {modality!r} has {len(value)} samples but the target has {n}."
                )

    @property
    def modalities(self) -> list[str]:
        """The names of the input modalities, in order."""
        return list(self.inputs)

    @property
    def X(self) -> Any:
        """The inputs of a single-modality dataset (raises for several modalities)."""
        if len(self.inputs) != 1:
            raise DataError(
                f"Dataset {self.name or '(unnamed)'} has several modalities "
                f"({', '.join(self.inputs)}); use dataset.inputs[modality] instead of dataset.X."
            )
        return next(iter(self.inputs.values()))

    @property
    def y(self) -> np.ndarray:
        """Alias of ``target``."""
        return self.target

    @property
    def classes(self) -> list[Any] | None:
        """Original label values ordered by class index, where a mapping is known."""
        if self.label_mapping is None:
            return None
        return [k for k, _ in sorted(self.label_mapping.items(), key=lambda kv: kv[1])]

    def __len__(self) -> int:
        return len(self.target)

    def __repr__(self) -> str:
        split = "" if not self.split else f", split={sorted(self.split)}"
        return (
            f"Dataset(name={self.name!r}, task={self.task!r}, n={len(self)}, "
            f"modalities={self.modalities}{split})"
        )

    def subset(self, indices: Any) -> Dataset:
        """Return the rows at ``indices`` (integer positions) as a new ``Dataset``.

        The predefined ``split`` is dropped, since its positions refer to the full dataset.

        Parameters
        ----------
        indices : array-like of int
            Positions to keep.

        Returns
        -------
        dataset : Dataset
        """
        if "series" in self.inputs:
            raise DataError(
                "A series dataset cannot be subset by row; index its 'series' list and target "
                "offsets (metadata['offsets']) instead."
            )
        idx = np.asarray(indices, dtype=np.int64)
        inputs = {m: take_rows(v, idx) for m, v in self.inputs.items()}
        metadata = {
            k: (v[idx] if isinstance(v, np.ndarray) and len(v) == len(self) else v)
            for k, v in self.metadata.items()
        }
        return replace(self, inputs=inputs, target=self.target[idx], split=None, metadata=metadata)

    def get_split(self, part: str) -> Dataset:
        """Return one part of the predefined split, for example ``dataset.get_split("train")``.

        Parameters
        ----------
        part : str
            A key of ``split``.

        Returns
        -------
        dataset : Dataset
        """
        if not self.split or part not in self.split:
            have = ", ".join(self.split) if self.split else "none"
            raise DataError(
                f"Dataset {self.name or '(unnamed)'} has no split part {part!r}; parts: {have}."
            )
        return self.subset(self.split[part])
