"""Reader for the TU Dortmund graph-benchmark format (folder or zip)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ._dataset import Dataset, Graph
from ._files import checksums_of, require_dir

__all__ = ["load_tu"]

_FEATURELESS = ("degree", "constant")


class _TUSource:
    """The files of one TU dataset, in a folder or inside a zip."""

    def __init__(self, path: Path, name: str | None):
        self.path = path
        if path.is_file() and zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            members = [m for m in self.zip.namelist() if m.endswith("_A.txt")]
            self.where = f"{path}"
        elif path.is_dir():
            self.zip = None
            members = sorted(str(p.relative_to(path).as_posix()) for p in path.rglob("*_A.txt"))
            self.where = f"{path}"
        else:
            raise DataError(
                f"TU dataset {str(path)!r} must be a folder or a .zip holding NAME_A.txt, "
                "NAME_graph_indicator.txt and NAME_graph_labels.txt."
            )
        if name is not None:
            members = [m for m in members if m.rsplit("/", 1)[-1] == f"{name}_A.txt"]
        if len(members) != 1:
            found = ", ".join(members) or "none"
            want = f"{name}_A.txt" if name else "exactly one *_A.txt"
            raise DataError(
                f"TU dataset {str(path)!r}: expected {want}; found {found}. Pass name=... to choose."
            )
        self.prefix = members[0][: -len("A.txt")]  # e.g. "IMDB-BINARY/IMDB-BINARY_"
        self.name = self.prefix.rsplit("/", 1)[-1][:-1]
        self.read_files: list[Path] = []

    def label(self, suffix: str) -> str:
        inner = self.prefix + suffix
        return f"{self.path}:{inner}" if self.zip is not None else str(self.path / inner)

    def read(self, suffix: str, required: bool) -> str | None:
        inner = self.prefix + suffix
        if self.zip is not None:
            try:
                data = self.zip.read(inner)
            except KeyError:
                data = None
        else:
            p = self.path / inner
            data = p.read_bytes() if p.is_file() else None
            if data is not None:
                self.read_files.append(p)
        if data is None:
            if required:
                raise DataError(
                    f"TU dataset {self.name!r} is missing its file {self.label(suffix)!r}. A TU dataset "
                    "needs NAME_A.txt, NAME_graph_indicator.txt and NAME_graph_labels.txt."
                )
            return None
        return data.decode("utf-8")


def _scan_bad_line(text: str, label: str, ncols: int | None, integer: bool) -> None:
    """Find the first malformed line and raise a DataError naming the file and line number."""
    for lineno, line in enumerate(text.split("\n"), start=1):
        parts = [p.strip() for p in line.split(",")]
        if ncols is not None and len(parts) != ncols:
            raise DataError(
                f"Malformed row in {label}, line {lineno}: expected {ncols} comma-separated "
                f"values, got {len(parts)} ({line.strip()!r})."
            )
        for p in parts:
            try:
                int(p) if integer else float(p)
            except ValueError:
                kind = "an integer" if integer else "a number"
                raise DataError(
                    f"Malformed row in {label}, line {lineno}: {p!r} is not {kind} ({line.strip()!r})."
                ) from None


def _parse(text: str, label: str, *, ncols: int | None, integer: bool) -> np.ndarray:
    """Parse comma-separated numbers fast, falling back to a line scan to report a bad line."""
    text = text.rstrip()
    if not text:
        return np.empty((0, ncols or 1), dtype=np.int64 if integer else np.float64)
    try:
        df = pd.read_csv(
            io.StringIO(text), header=None, sep=",", skipinitialspace=True,
            skip_blank_lines=False, dtype=np.float64,
        )
        arr = df.to_numpy()
        ok = (ncols is None or arr.shape[1] == ncols) and not np.isnan(arr).any()
        if ok and integer:
            ok = bool(np.all(arr == np.round(arr)))
    except (ValueError, pd.errors.ParserError):
        ok = False
    if not ok:
        _scan_bad_line(text, label, ncols, integer)
        raise DataError(f"Could not parse {label}: not a table of numbers.")  # pragma: no cover
    return arr.astype(np.int64) if integer else arr


def _check_lines(arr: np.ndarray, n: int, label: str, what: str) -> None:
    if len(arr) != n:
        raise DataError(f"{label} has {len(arr)} lines but the dataset has {n} {what}; one line per {what[:-1]}.")


def load_tu(
    path: str | os.PathLike,
    *,
    name: str | None = None,
    featureless: str = "degree",
    task: str | None = None,
) -> Dataset:
    """Read a graph dataset in the TU Dortmund format from a folder or a zip.

    Files (``NAME_`` prefix, 1-based node ids): ``A.txt`` (one ``u, v`` edge per line),
    ``graph_indicator.txt`` (graph id of each node), ``graph_labels.txt`` (one label per graph), and
    optionally ``node_labels.txt``, ``node_attributes.txt``, ``edge_labels.txt``.

    Node features ``x`` are built as follows:

    * node attributes, when present, come first (float columns);
    * node labels, when present, are appended one-hot (one column per distinct label value in the
      whole dataset, in sorted order);
    * with neither (for example IMDB-BINARY), ``featureless="degree"`` one-hot encodes each node's
      degree (``max degree + 1`` columns over the whole dataset), and ``featureless="constant"``
      gives every node the single feature 1.0.

    Graph labels are mapped to ``0..K-1`` in sorted order of the original values (MUTAG's -1/1
    become 0/1); ``label_mapping`` keeps the original values when they changed.

    Parameters
    ----------
    path : str or path-like
        A folder holding the files (they may sit in a subfolder) or a ``.zip`` of them.
    name : str, optional
        The file prefix (``"MUTAG"``); needed only when the folder holds several datasets.
    featureless : {"degree", "constant"}, default="degree"
        Node features of datasets without node labels or attributes.
    task : str, optional
        ``"binary"`` or ``"multiclass"``; inferred from the number of classes when omitted.

    Returns
    -------
    dataset : Dataset
        ``inputs={"graph": list[Graph]}``, ``target`` of class indices, ``checksums`` of the
        files read (or of the zip).

    Raises
    ------
    DataError
        A file is missing, a line is malformed (file and line number given), or the files disagree
        (counts, edges between graphs).
    """
    if featureless not in _FEATURELESS:
        raise DataError(
            f"The 'featureless' parameter of load_tu must be one of {', '.join(_FEATURELESS)}. "
            f"Got {featureless!r} instead."
        )
    path = require_dir(path, "TU dataset path")
    src = _TUSource(path, name)

    edges = _parse(src.read("A.txt", True), src.label("A.txt"), ncols=2, integer=True)
    indicator = _parse(
        src.read("graph_indicator.txt", True), src.label("graph_indicator.txt"), ncols=1, integer=True
    )[:, 0]
    glabels = _parse(
        src.read("graph_labels.txt", True), src.label("graph_labels.txt"), ncols=1, integer=True
    )[:, 0]
    n_nodes = len(indicator)
    n_graphs = len(glabels)

    if n_nodes == 0 or n_graphs == 0:
        raise DataError(f"TU dataset {src.name!r} at {src.where} holds no nodes or no graphs.")
    if indicator.min() != 1 or np.any(np.diff(indicator) < 0):
        raise DataError(
            f"{src.label('graph_indicator.txt')}: graph ids must be sorted and start at 1."
        )
    if indicator.max() != n_graphs:
        raise DataError(
            f"{src.label('graph_indicator.txt')} names {indicator.max()} graphs but "
            f"{src.label('graph_labels.txt')} has {n_graphs} labels."
        )
    if len(edges) and (edges.min() < 1 or edges.max() > n_nodes):
        bad = int(np.argmax((edges < 1).any(axis=1) | (edges > n_nodes).any(axis=1))) + 1
        raise DataError(
            f"Malformed row in {src.label('A.txt')}, line {bad}: node id outside 1..{n_nodes}."
        )
    src_g = indicator[edges[:, 0] - 1] if len(edges) else np.empty(0, dtype=np.int64)
    if len(edges):
        cross = src_g != indicator[edges[:, 1] - 1]
        if cross.any():
            bad = int(np.argmax(cross)) + 1
            raise DataError(
                f"Malformed row in {src.label('A.txt')}, line {bad}: the edge joins two graphs."
            )

    node_labels = node_attr = edge_labels = None
    text = src.read("node_labels.txt", False)
    if text is not None:
        node_labels = _parse(text, src.label("node_labels.txt"), ncols=None, integer=True)[:, 0]
        _check_lines(node_labels, n_nodes, src.label("node_labels.txt"), "nodes")
    text = src.read("node_attributes.txt", False)
    if text is not None:
        node_attr = _parse(text, src.label("node_attributes.txt"), ncols=None, integer=False)
        _check_lines(node_attr, n_nodes, src.label("node_attributes.txt"), "nodes")
    text = src.read("edge_labels.txt", False)
    if text is not None:
        edge_labels = _parse(text, src.label("edge_labels.txt"), ncols=None, integer=True)[:, 0]
        _check_lines(edge_labels, len(edges), src.label("edge_labels.txt"), "edges")

    # node features, built for all nodes at once
    blocks = []
    spec: dict = {"num_node_labels": 0, "num_node_attributes": 0, "featureless": None}
    if node_attr is not None:
        blocks.append(node_attr.astype(np.float32))
        spec["num_node_attributes"] = node_attr.shape[1]
    if node_labels is not None:
        values, codes = np.unique(node_labels, return_inverse=True)
        onehot = np.zeros((n_nodes, len(values)), dtype=np.float32)
        onehot[np.arange(n_nodes), codes] = 1.0
        blocks.append(onehot)
        spec["num_node_labels"] = len(values)
    if not blocks:
        spec["featureless"] = featureless
        if featureless == "constant":
            blocks.append(np.ones((n_nodes, 1), dtype=np.float32))
        else:
            degree = np.bincount(edges[:, 0] - 1, minlength=n_nodes) if len(edges) else np.zeros(
                n_nodes, dtype=np.int64
            )
            onehot = np.zeros((n_nodes, int(degree.max()) + 1), dtype=np.float32)
            onehot[np.arange(n_nodes), degree] = 1.0
            blocks.append(onehot)
    x_all = np.concatenate(blocks, axis=1)
    spec["num_node_features"] = x_all.shape[1]

    classes, target = np.unique(glabels, return_inverse=True)
    target = target.astype(np.int64)
    mapping = {int(c): i for i, c in enumerate(classes)}
    if all(k == v for k, v in mapping.items()):
        mapping = None
    if task is None:
        task = "binary" if len(classes) == 2 else "multiclass"

    # split nodes and edges per graph (nodes are contiguous because the indicator is sorted)
    node_start = np.searchsorted(indicator, np.arange(1, n_graphs + 2))
    order = np.argsort(src_g, kind="stable")
    edges_sorted = edges[order] - 1
    edge_start = np.searchsorted(src_g[order], np.arange(1, n_graphs + 2))
    el_sorted = edge_labels[order] if edge_labels is not None else None
    graphs = []
    for g in range(n_graphs):
        a, b = node_start[g], node_start[g + 1]
        ea, eb = edge_start[g], edge_start[g + 1]
        graphs.append(
            Graph(
                edge_index=(edges_sorted[ea:eb] - a).T,
                num_nodes=int(b - a),
                x=x_all[a:b],
                node_labels=None if node_labels is None else node_labels[a:b],
                edge_labels=None if el_sorted is None else el_sorted[ea:eb],
                y=int(target[g]),
            )
        )

    if src.zip is not None:
        checksums = checksums_of([path], path.parent)
    else:
        checksums = checksums_of(src.read_files, path)
    note = ""
    if spec["featureless"]:
        note = (
            f" No node labels or attributes: x is the {spec['featureless']} encoding "
            "(featureless=...)."
        )
    return Dataset(
        inputs={"graph": graphs},
        target=target,
        task=task,
        name=src.name,
        modality_spec={"graph": spec},
        description=f"TU graph dataset {src.name}: {n_graphs} graphs, {n_nodes} nodes.{note}",
        checksums=checksums,
        label_mapping=mapping,
    )
