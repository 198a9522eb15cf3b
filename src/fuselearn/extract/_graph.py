"""Graph extractors: Weisfeiler-Lehman subtree features (:class:`WLFeatures`) and a GNN embedder (:class:`GraphEmbedder`).

``WLFeatures`` is written by hand: we checked GraKeL (the reference graph-kernel library), which is
not installed here and computes kernel matrices rather than an explicit sparse feature map with a
vocabulary that can be reused on new graphs; torch-geometric's ``WLConv`` relabels a single batch
with a Python loop over the nodes and ids in order of first appearance, so its colours are neither
faster nor stable across calls (a vocabulary needs the same colour for the same subtree in every
call). Ours is vectorised with NumPy: all graphs are relabelled together, one round at a time, and
only the distinct (label, sorted neighbour labels) signatures of a round are hashed.
"""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import check_fitted, check_int
from ..exceptions import InvalidInputError, InvalidParameterError
from ._cache import cached_rows, resolve_cache, state_key
from ._inputs import InputKind, get_input_kind
from ._neural import NeuralExtractor

__all__ = ["GraphEmbedder", "GraphStatistics", "WLFeatures", "graph_parts"]


def _hash64(data: bytes) -> int:
    # Python's hash() of str/bytes is salted per process; WL labels must be stable across runs.
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)


def _to_numpy(value) -> np.ndarray | None:
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def graph_parts(g, i: int = 0) -> tuple[np.ndarray, int, np.ndarray]:
    """``(edge_index (2, E), num_nodes, discrete node labels (N,))`` of one graph.

    Accepts ``torch_geometric.data.Data``, :class:`fuselearn.data.Graph` and any object with
    ``edge_index`` and ``node_labels`` (or ``x``). Labels come from ``node_labels`` when present, else
    from ``x``: a one-hot ``x`` gives the hot column, a single column its integer value, other rows a
    hash of the row. Without either every node has label 0.
    """
    edge_index = _to_numpy(getattr(g, "edge_index", None))
    if edge_index is None:
        raise InvalidInputError(
            f"Graph {i} has no 'edge_index'; expected torch_geometric Data, fuselearn.data.Graph or an "
            f"object with edge_index and node_labels. Got {type(g).__name__}."
        )
    edge_index = np.asarray(edge_index, dtype=np.int64).reshape(2, -1)
    labels = _to_numpy(getattr(g, "node_labels", None))
    x = _to_numpy(getattr(g, "x", None))
    num_nodes = getattr(g, "num_nodes", None)
    if num_nodes is None:
        num_nodes = len(labels) if labels is not None else (len(x) if x is not None else
                                                             int(edge_index.max(initial=-1)) + 1)
    num_nodes = int(num_nodes)
    if labels is None and x is not None:
        x = x.reshape(len(x), -1)
        if x.shape[1] == 1:
            labels = x[:, 0]
        elif x.size and np.isin(x, (0, 1)).all() and (x.sum(axis=1) == 1).all():
            labels = x.argmax(axis=1)
        else:
            labels = np.array([_hash64(np.ascontiguousarray(row).tobytes()) for row in x])
    if labels is None:
        labels = np.zeros(num_nodes, dtype=np.int64)
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != num_nodes:
        raise InvalidInputError(f"Graph {i} has {num_nodes} nodes but {len(labels)} node labels.")
    if edge_index.size and (edge_index.min() < 0 or edge_index.max() >= num_nodes):
        raise InvalidInputError(f"Graph {i}: edge_index refers to a node outside 0..{num_nodes - 1}.")
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
            raise InvalidInputError(f"Graph {i}: node labels must be discrete (integers); got floats.")
        labels = labels.astype(np.int64)
    return edge_index, num_nodes, labels


def _wl_rounds(parts, n_iter: int) -> np.ndarray:
    """WL label hashes ``(n_iter + 1, total nodes)`` of all graphs ``parts`` (from :func:`graph_parts`).

    Round 0 hashes ``repr`` of each original label; round ``i`` hashes the bytes of (the node's label,
    ``b"|"``, its neighbours' labels sorted), all int64 hashes of round ``i - 1``. The graphs are
    relabelled together as one disjoint union: per round the labels get dense ids (ordered as the
    hashes, so sorting ids sorts hashes), the nodes of each in-degree ``d`` form a ``(n_d, d + 1)``
    matrix of (own id, sorted neighbour ids), and only its distinct rows are hashed.
    """
    sizes = np.array([n for _, n, _ in parts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    total = int(sizes.sum())
    src = np.concatenate([e[0] + o for (e, _, _), o in zip(parts, offsets)]) if parts else np.empty(0, np.int64)
    dst = np.concatenate([e[1] + o for (e, _, _), o in zip(parts, offsets)]) if parts else np.empty(0, np.int64)
    values, inverse = np.unique(np.concatenate([lab for _, _, lab in parts]), return_inverse=True)
    current = np.array([_hash64(repr(v).encode()) for v in values.tolist()], dtype=np.int64)[inverse.reshape(-1)]
    rounds = np.empty((n_iter + 1, total), dtype=np.int64)
    rounds[0] = current
    degree = np.bincount(dst, minlength=total)
    starts = np.concatenate([[0], np.cumsum(degree)[:-1]])
    for it in range(1, n_iter + 1):
        hashes, ids = np.unique(current, return_inverse=True)
        ids = ids.reshape(-1)
        order = np.lexsort((ids[src], dst))  # incoming messages grouped by target, sorted by label
        neighbour_ids = ids[src][order]
        new = np.empty(total, dtype=np.int64)
        for d in np.unique(degree).tolist():
            nodes = np.flatnonzero(degree == d)
            sig = np.empty((len(nodes), d + 1), dtype=np.int64)
            sig[:, 0] = ids[nodes]
            if d:
                sig[:, 1:] = neighbour_ids[starts[nodes][:, None] + np.arange(d)]
            distinct, _, which = _unique_rows(sig)
            raw = np.ascontiguousarray(hashes[distinct]).tobytes()  # native int64 bytes, as ndarray.tobytes()
            width = 8 * (d + 1)
            labels = np.array([_hash64(raw[k:k + 8] + b"|" + raw[k + 8:k + width])
                               for k in range(0, len(raw), width)], dtype=np.int64)
            new[nodes] = labels[which]
        current = new
        rounds[it] = current
    return rounds


def _unique_rows(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(a, axis=0, return_index=True, return_inverse=True)`` of a 2-D int array, by lexsort.

    NumPy's ``axis=0`` path sorts a structured view and is about 10x slower on integer rows.
    Returns (distinct rows in lexicographic order, index of each one's first occurrence, inverse).
    """
    if len(a) == 0:
        return a[:0], np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.lexsort(a.T[::-1])  # stable: the first of each group is its first occurrence
    ordered = a[order]
    new = np.ones(len(a), dtype=bool)
    new[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    group = np.cumsum(new) - 1
    inverse = np.empty(len(a), dtype=np.int64)
    inverse[order] = group
    return ordered[new], order[new], inverse


def _sorted_vocabulary(vocabulary: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(keys (M, 2) sorted by (round, label), their columns (M,))`` of a WL vocabulary."""
    keys = np.array(list(vocabulary), dtype=np.int64).reshape(-1, 2)
    cols = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(keys))
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    return keys[order], cols[order]


def _as_graphs(X, owner: str) -> list:
    if isinstance(X, np.ndarray) and X.dtype != object:
        raise InvalidInputError(
            f"{owner} expects a list of graphs (torch_geometric Data, fuselearn.data.Graph, or objects "
            f"with edge_index and node_labels); got a numeric array of shape {X.shape}."
        )
    graphs = list(X)
    if not graphs:
        raise InvalidInputError(f"{owner}: X has 0 graphs; at least one is required.")
    return graphs


class WLFeatures(TransformerMixin, BaseEstimator):
    """Weisfeiler-Lehman subtree features: counts of WL labels over ``n_iter`` refinement rounds.

    The explicit feature map of the WL subtree kernel (Shervashidze et al. 2011): round 0 counts the
    original node labels; each round ``i`` relabels every node by a hash of (its label, the sorted
    labels of its neighbours) and counts the new labels. ``fit`` learns the vocabulary of (round,
    label) pairs seen in the training graphs; ``transform`` counts them in new graphs. Labels never
    seen in ``fit`` have no column; with ``unseen="norm"`` (the default) one last column keeps the
    L2 norm of their counts, so that a row's norm is the norm over all of its graph's labels. The dot
    product of two rows is the WL subtree kernel (that column is 0 in every row of the fitted graphs,
    so it adds nothing to a dot product with them), and ``Normalizer()`` after ``WLFeatures`` gives
    the cosine-normalised kernel ``k(G, G') / sqrt(k(G, G) k(G', G'))`` with each graph's own
    ``k(G, G)``, on new graphs as on the training ones.

    Parameters
    ----------
    n_iter : int, default=3
        Refinement rounds ``h``.
    unseen : {"norm", "drop"}, default="norm"
        What ``transform`` keeps of the labels not in the vocabulary. ``"norm"``: a last column
        ``wl_unseen_norm`` with ``sqrt(sum of their squared counts)`` per graph. ``"drop"``: nothing,
        which is how ``WLFeatures`` behaved before 0.1.0's fix: a ``Normalizer`` then divides a new
        graph by the norm of its seen labels only, a different scale from the training rows (whose
        labels are all seen), and a kernel tuned on the training rows is tested on other units.
    cache : None, bool or path, default=None
        Store each graph's WL labels on disk, keyed by a hash of (``n_iter``, the graph): they do not
        depend on the fitted vocabulary, so a cross-validated pipeline relabels each graph once, in
        ``fit`` and ``transform`` of every fold. A folder, or True for
        ``platformdirs.user_cache_dir("fuselearn")``.

    Attributes
    ----------
    vocabulary_ : dict of (int, int) -> int
        Column of each (round, label hash).
    n_features_out_ : int
        Width of the output: ``len(vocabulary_)``, plus 1 with ``unseen="norm"``.
    n_iter_, unseen_ : int, str
        The ``n_iter`` and ``unseen`` that ``fit`` saw, which ``transform`` follows.
    cache_ : FeatureCache or None
        The cache in use.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace as G
    >>> path = G(edge_index=np.array([[0, 1, 1, 2], [1, 0, 2, 1]]), node_labels=np.array([0, 0, 0]))
    >>> wl = WLFeatures(n_iter=1).fit([path])
    >>> wl.transform([path]).toarray().tolist()  # 3 nodes labelled 0; 2 ends and 1 middle after a round
    [[3.0, 2.0, 1.0, 0.0]]
    >>> star = G(edge_index=np.array([[0, 0, 0, 1, 2, 3], [1, 2, 3, 0, 0, 0]]), node_labels=np.zeros(4))
    >>> wl.transform([star]).toarray().tolist()  # 4 zeros, 3 ends; the centre (3 neighbours) is unseen
    [[4.0, 3.0, 0.0, 1.0]]
    """

    def __init__(self, *, n_iter: int = 3, unseen: str = "norm", cache=None) -> None:
        self.n_iter = n_iter
        self.unseen = unseen
        self.cache = cache

    def _cached_labels(self, graphs) -> list:
        """Per graph, its (round, label) keys; read from and written to the cache when there is one."""
        cache = getattr(self, "cache_", None)
        if cache is None:
            return self._labels(graphs)

        def compute(subset):
            return [np.asarray(keys, dtype=np.int64).reshape(-1, 2) for keys in self._labels(subset)]

        def state():  # a graph's labels depend on n_iter only, not on the fitted vocabulary
            return state_key("WLFeatures.labels", {"n_iter": self._rounds()})

        arrays = cached_rows(cache, state, graphs, compute, stack=False)
        return [np.asarray(arr, dtype=np.int64).reshape(-1, 2) for arr in arrays]

    def _rounds(self) -> int:
        """The ``n_iter`` that ``fit`` saw (a later ``set_params`` does not change ``transform``)."""
        return int(getattr(self, "n_iter_", self.n_iter))  # models pickled before n_iter_ existed

    def _labels(self, graphs) -> list[np.ndarray]:
        """Per graph, its (round, label) keys as an int64 array ``(n_nodes * (n_iter + 1), 2)``.

        Rows run round by round, the nodes in order within a round. A node's label in round ``i`` is
        the hash of (its label in round ``i - 1``, its neighbours' labels in round ``i - 1``, sorted).
        """
        n_iter = self._rounds()
        parts = [graph_parts(g, i) for i, g in enumerate(graphs)]
        rounds = _wl_rounds(parts, n_iter)  # (n_iter + 1, total nodes)
        out, lo = [], 0
        for _, n, _ in parts:
            keys = np.empty((n * (n_iter + 1), 2), dtype=np.int64)
            keys[:, 0] = np.repeat(np.arange(n_iter + 1), n)
            keys[:, 1] = rounds[:, lo:lo + n].ravel()
            out.append(keys)
            lo += n
        return out

    def fit(self, X, y=None):
        """Learn the vocabulary of WL labels of the graphs ``X``."""
        check_int(self.n_iter, "n_iter", "WLFeatures", minimum=0)
        if self.unseen not in ("norm", "drop"):
            raise InvalidParameterError(
                f"The 'unseen' parameter of WLFeatures must be 'norm' (keep the norm of the labels not in "
                f"the vocabulary as a last column) or 'drop'; got {self.unseen!r}."
            )
        self.n_iter_ = int(self.n_iter)
        self.cache_ = resolve_cache(self.cache, "WLFeatures")
        keys = np.concatenate(self._cached_labels(_as_graphs(X, "WLFeatures")))
        # columns in order of first appearance (graph by graph, round by round, node by node)
        uniq, first, _ = _unique_rows(keys)
        uniq = uniq[np.argsort(first, kind="stable")]
        self.vocabulary_ = {(int(r), int(lab)): j for j, (r, lab) in enumerate(uniq.tolist())}
        self.unseen_ = self.unseen  # transform follows the fitted choice, not a later set_params
        self.n_features_out_ = len(uniq) + (self.unseen_ == "norm")
        self._vocab_sorted_ = _sorted_vocabulary(self.vocabulary_)
        return self

    def _lookup(self) -> tuple[np.ndarray, np.ndarray]:
        """The vocabulary as (keys sorted by (round, label), their columns), for vectorised lookups."""
        stored = getattr(self, "_vocab_sorted_", None)  # absent in models pickled before it existed
        if stored is not None and len(stored[0]) == len(self.vocabulary_):
            return stored
        return _sorted_vocabulary(self.vocabulary_)

    def transform(self, X):
        """Sparse label counts ``(n_graphs, n_features_out_)``; unseen labels as ``unseen`` says."""
        check_fitted(self, "vocabulary_", "transform")
        graphs = _as_graphs(X, "WLFeatures")
        per_graph = self._cached_labels(graphs)
        keys = np.concatenate(per_graph)
        rows = np.repeat(np.arange(len(per_graph)), [len(k) for k in per_graph])
        vocab, cols = self._lookup()
        hit = np.zeros(len(keys), dtype=bool)
        col = np.zeros(len(keys), dtype=np.int64)
        for r in np.unique(keys[:, 0]):  # one sorted search per round
            lo, hi = np.searchsorted(vocab[:, 0], [r, r + 1])
            labels = vocab[lo:hi, 1]
            mask = keys[:, 0] == r
            pos = np.clip(np.searchsorted(labels, keys[mask, 1]), 0, max(len(labels) - 1, 0))
            found = (labels[pos] == keys[mask, 1]) if len(labels) else np.zeros(int(mask.sum()), bool)
            hit[mask] = found
            col[mask] = lo + pos
        data = np.ones(int(hit.sum()), dtype=np.float64)
        n_vocab = len(self.vocabulary_)
        out = sp.csr_matrix((data, (rows[hit], cols[col[hit]])), shape=(len(graphs), n_vocab))  # duplicates sum
        if getattr(self, "unseen_", "drop") == "norm":  # models pickled before the parameter existed: "drop"
            # count each distinct (graph, round, label) that missed the vocabulary, then per graph the
            # root of the sum of the squared counts: the part of the graph's norm the columns leave out
            miss = np.column_stack([rows[~hit], keys[~hit]])
            _, _, which = _unique_rows(miss)
            counts = np.bincount(which).astype(np.float64) if len(which) else np.empty(0)
            owner = np.empty(len(counts), dtype=np.int64)
            owner[which] = miss[:, 0]
            norm = np.sqrt(np.bincount(owner, weights=counts ** 2, minlength=len(graphs)))
            out = sp.hstack([out, sp.csr_matrix(norm.reshape(-1, 1))], format="csr")
        return out

    def get_feature_names_out(self, input_features=None):
        """Names ``wl<round>_<label hash>``, then ``wl_unseen_norm`` with ``unseen="norm"``."""
        check_fitted(self, "vocabulary_", "get_feature_names_out")
        names = [f"wl{it}_{lab & 0xFFFFFFFFFFFFFFFF:016x}" for it, lab in self.vocabulary_]
        if getattr(self, "unseen_", "drop") == "norm":
            names.append("wl_unseen_norm")
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags


class GraphStatistics(TransformerMixin, BaseEstimator):
    """Size and degree statistics of graphs: a cheap, structure-light feature set for tree models.

    Per graph: the number of nodes, the number of edges (``edge_index`` columns / 2: an undirected
    edge is stored both ways, as in the TU datasets), the density ``edges / (n (n - 1) / 2)``, the
    mean, largest and standard deviation of the in-degree, and the degree histogram (counts per bin of
    ``degree_bins``). Beside ``WLFeatures(n_iter=0)`` (the node-label histogram) this is the kind of
    baseline that Errica et al. (2020) found hard to beat on PROTEINS. Written with NumPy: networkx
    (checked) builds a graph object per row for the same numbers; torch-geometric has no such
    transformer.

    Parameters
    ----------
    degree_bins : sequence of int, default=(0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 100)
        Lower edges of the degree-histogram bins, increasing from 0; the last bin is open-ended.

    Attributes
    ----------
    n_features_out_ : int
        ``6 + len(degree_bins)``.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace as G
    >>> star = G(edge_index=np.array([[0, 0, 0, 1, 2, 3], [1, 2, 3, 0, 0, 0]]), node_labels=np.zeros(4))
    >>> GraphStatistics(degree_bins=(0, 1, 2)).fit_transform([star]).round(3).tolist()
    [[4.0, 3.0, 0.5, 1.5, 3.0, 0.866, 0.0, 3.0, 1.0]]
    """

    def __init__(self, *, degree_bins=(0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 100)) -> None:
        self.degree_bins = degree_bins

    def fit(self, X, y=None):
        """Check the parameters and the graphs; nothing is learned from them."""
        bins = np.asarray(self.degree_bins)
        if (bins.ndim != 1 or len(bins) == 0 or bins.dtype.kind not in "iu" or bins[0] != 0
                or np.any(np.diff(bins) <= 0)):
            raise InvalidParameterError(
                f"The 'degree_bins' parameter of GraphStatistics must be increasing integers starting at 0 "
                f"(the lower edges of the bins); got {self.degree_bins!r}."
            )
        self.bins_ = np.append(bins.astype(np.int64), np.iinfo(np.int64).max)
        self.n_features_out_ = 6 + len(bins)
        for i, g in enumerate(_as_graphs(X, "GraphStatistics")):
            graph_parts(g, i)  # fails early on what is not a graph
        return self

    def transform(self, X) -> np.ndarray:
        """Statistics ``(n_graphs, n_features_out_)``, float."""
        check_fitted(self, "bins_", "transform")
        rows = []
        for i, g in enumerate(_as_graphs(X, "GraphStatistics")):
            edge_index, n, _ = graph_parts(g, i)
            deg = np.bincount(edge_index[1], minlength=n).astype(float) if n else np.zeros(1)
            m = edge_index.shape[1] / 2
            hist = np.histogram(deg, bins=self.bins_)[0]
            rows.append([n, m, m / max(n * (n - 1) / 2, 1), deg.mean(), deg.max(), deg.std(), *hist])
        return np.asarray(rows, dtype=float)

    def get_feature_names_out(self, input_features=None):
        """``nodes, edges, density, degree_mean, degree_max, degree_std, degree_<lo>_<hi>...``."""
        check_fitted(self, "bins_", "get_feature_names_out")
        lo = self.bins_[:-1].tolist()
        hist = [f"degree_{a}_{b - 1}" for a, b in itertools.pairwise(lo)] + [f"degree_{lo[-1]}_up"]
        return np.asarray(["nodes", "edges", "density", "degree_mean", "degree_max", "degree_std", *hist],
                          dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags


# --- GraphEmbedder: a GNN trained on the task, embeddings for classical learners -----------------


def graphs_to_data(est, X, reset):
    """Graphs -> list of torch_geometric ``Data`` with float node features ``x``."""
    from torch_geometric.data import Data

    graphs = _as_graphs(X, type(est).__name__)
    parts = [graph_parts(g, i) for i, g in enumerate(graphs)]
    feats = [_to_numpy(getattr(g, "x", None)) for g in graphs]
    use_labels = any(f is None for f in feats)
    if use_labels:  # discrete labels become one-hot features over the label range seen in fit
        if reset:
            est._n_labels_ = max(int(labels.max(initial=0)) for _, _, labels in parts) + 1
        feats = []
        for _, n, labels in parts:
            onehot = np.zeros((n, est._n_labels_), dtype=np.float32)
            keep = (labels >= 0) & (labels < est._n_labels_)  # unseen labels: all-zero row
            onehot[np.arange(n)[keep], labels[keep]] = 1.0
            feats.append(onehot)
    out = [Data(x=torch.as_tensor(np.asarray(x, dtype=np.float32).reshape(n, -1)),
                edge_index=torch.as_tensor(edge_index), num_nodes=n)
           for x, (edge_index, n, _) in zip(feats, parts)]
    width = out[0].x.shape[1]
    if reset:
        est.n_features_in_ = width
    elif width != est.n_features_in_:
        raise InvalidInputError(
            f"{type(est).__name__}: graphs have {width} node features, but the estimator was fitted with "
            f"{est.n_features_in_}."
        )
    return out, width


class GraphEmbedder(NeuralExtractor):
    """Graph-level embeddings from a GNN trained on the task (``NeuralExtractor`` on graph input).

    ``fit(graphs, y)`` trains the registry module ``module`` (``"gnn"`` from :mod:`fuselearn.nn`, or a
    callable ``(n_node_features, n_outputs) -> Module`` whose ``forward`` takes a
    ``torch_geometric`` ``Batch``) with a temporary head; ``transform`` returns its ``embed`` output,
    one row per graph. Graphs are torch_geometric ``Data``, :class:`fuselearn.data.Graph` or objects
    with ``edge_index`` and ``node_labels``/``x``; discrete labels become one-hot node features.

    Parameters
    ----------
    module : str or callable, default="gnn"
        The graph network.
    module_params, hidden_sizes, max_epochs, batch_size, lr, weight_decay, validation_fraction, \
patience, aux_loss_weight, device, random_state, verbose, cache
        As in :class:`NeuralExtractor` (``cache`` keys each row on the trained weights).

    See Also
    --------
    WLFeatures : the classical graph-kernel features, no training needed.
    """

    def __init__(self, module="gnn", *, module_params=None, hidden_sizes=(64,), max_epochs=100,
                 batch_size=32, lr=1e-3, weight_decay=0.0, validation_fraction=0.1, patience=10,
                 aux_loss_weight=0.1, device="cpu", random_state=None, verbose=0, cache=None) -> None:
        super().__init__(module, module_params=module_params, hidden_sizes=hidden_sizes,
                         max_epochs=max_epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                         validation_fraction=validation_fraction, patience=patience,
                         aux_loss_weight=aux_loss_weight, device=device, random_state=random_state,
                         verbose=verbose, cache=cache)

    def _input_kind(self) -> InputKind:
        return get_input_kind("graph")

    def _wraps_instance(self) -> bool:
        return False

    def _check_params(self) -> None:
        if isinstance(self.module, torch.nn.Module):
            raise InvalidParameterError(
                "The 'module' parameter of GraphEmbedder must be a registry name or a callable "
                "(n_inputs, n_outputs) -> Module, not a module instance."
            )
        super()._check_params()

    def get_feature_names_out(self, input_features=None):
        """Names ``graphembedder0 ... graphembedder{d-1}``."""
        self._check_fitted("get_feature_names_out")
        return np.asarray([f"graphembedder{i}" for i in range(self.embedding_dim_)], dtype=object)
