"""WLFeatures (hand-checked WL relabelling, invariance, unseen labels) and GraphEmbedder with a tiny GNN."""

import importlib.util
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)
from torch_geometric.data import Data

from fuselearn.data import Graph
from fuselearn.exceptions import InvalidInputError, InvalidParameterError, NotFittedError
from fuselearn.extract import GraphEmbedder, GraphStatistics, WLFeatures


def _undirected(edges):
    e = np.array(edges).T
    return np.hstack([e, e[::-1]])


def cycle(n, labels=None):
    return SimpleNamespace(edge_index=_undirected([(i, (i + 1) % n) for i in range(n)]),
                           node_labels=np.zeros(n, int) if labels is None else np.asarray(labels))


def path(n, labels=None):
    return SimpleNamespace(edge_index=_undirected([(i, i + 1) for i in range(n - 1)]),
                           node_labels=np.zeros(n, int) if labels is None else np.asarray(labels))


def test_grakel_absent_so_wl_is_ours():
    assert importlib.util.find_spec("grakel") is None


def test_wl_counts_by_hand():
    wl = WLFeatures(n_iter=2).fit([path(4)])
    out = wl.transform([path(4)]).toarray()[0]
    # round 0: four nodes labelled 0; round 1: two ends (1 neighbour), two middles (2 neighbours);
    # round 2: ends see a middle, middles see an end and a middle -> again 2 + 2.
    assert out.tolist() == [4, 2, 2, 2, 2, 0]  # the last column: norm of the unseen labels' counts
    names = wl.get_feature_names_out()
    assert names[0].startswith("wl0_") and names[-1] == "wl_unseen_norm"
    dropped = WLFeatures(n_iter=2, unseen="drop").fit([path(4)])
    assert dropped.transform([path(4)]).toarray()[0].tolist() == [4, 2, 2, 2, 2]
    assert len(dropped.get_feature_names_out()) == dropped.n_features_out_ == 5


def test_wl_is_permutation_invariant_and_input_types_agree():
    rng = np.random.default_rng(0)
    g = path(6, labels=[0, 1, 2, 0, 1, 2])
    perm = rng.permutation(6)
    inv = np.argsort(perm)
    permuted = SimpleNamespace(edge_index=inv[g.edge_index], node_labels=g.node_labels[perm])
    onehot = Data(x=torch.eye(3)[torch.as_tensor(g.node_labels)], edge_index=torch.as_tensor(g.edge_index))
    fg = Graph(edge_index=g.edge_index, num_nodes=6, node_labels=g.node_labels)
    wl = WLFeatures(n_iter=3).fit([g])
    rows = [wl.transform([h]).toarray() for h in (g, permuted, onehot, fg)]
    for r in rows[1:]:
        np.testing.assert_array_equal(r, rows[0])


def test_wl_unseen_labels_are_dropped_and_kernel_separates():
    graphs = [cycle(n) for n in range(4, 9)] + [path(n) for n in range(4, 9)]
    y = [1] * 5 + [0] * 5
    wl = WLFeatures(n_iter=2).fit(graphs)
    X = wl.transform(graphs)
    assert X.shape == (10, wl.n_features_out_)
    assert SVC(kernel="linear").fit(X, y).score(X, y) == 1.0
    new = wl.transform([path(3, labels=[7, 7, 7])])  # label 7 never seen: every WL label unseen
    assert new[:, :-1].nnz == 0
    # its 9 labels: round 0 three 7s, rounds 1 and 2 two ends and one middle each -> 9 + 4 + 1 + 4 + 1
    assert new[0, -1] == pytest.approx(np.sqrt(19.0))
    assert WLFeatures(n_iter=2, unseen="drop").fit(graphs).transform([path(3, labels=[7, 7, 7])]).nnz == 0
    again = clone(wl).fit(graphs)
    assert again.vocabulary_ == wl.vocabulary_  # stable hashes, no per-process salt


def test_wl_normalised_rows_give_the_cosine_kernel_with_each_graphs_own_norm():
    # The cosine-normalised WL kernel divides k(G, G') by sqrt(k(G, G) k(G', G')), k(G, G) over all of
    # G's labels. Before the fix transform dropped the labels unseen in fit and a Normalizer then
    # divided a new graph by the norm of its seen labels only: this test failed (ratio != 1).
    from sklearn.preprocessing import normalize

    train = _random_graphs(1, 30)
    new = _random_graphs(2, 12)
    wl = WLFeatures(n_iter=3).fit(train)
    K = (normalize(wl.transform(new)) @ normalize(wl.transform(train)).T).toarray()
    for i, g in enumerate(new):
        own = WLFeatures(n_iter=3).fit([g]).transform([g]).toarray()[0, :-1]  # every label of g seen
        for j, h in enumerate(train[:5]):
            both = WLFeatures(n_iter=3).fit([g, h]).transform([g, h]).toarray()[:, :-1]
            want = both[0] @ both[1] / np.sqrt((own @ own) * (both[1] @ both[1]))
            assert K[i, j] == pytest.approx(want)
    unseen = wl.transform(new).toarray()[:, -1]
    assert (unseen > 0).any()  # the check above met graphs with unseen labels
    old = normalize(WLFeatures(n_iter=3, unseen="drop").fit(train).transform(new))
    assert not np.allclose((old @ normalize(wl.transform(train)[:, :-1]).T).toarray(), K)


def test_wl_errors():
    with pytest.raises(NotFittedError):
        WLFeatures().transform([path(3)])
    with pytest.raises(InvalidParameterError, match="n_iter"):
        WLFeatures(n_iter=-1).fit([path(3)])
    with pytest.raises(InvalidParameterError, match="unseen"):
        WLFeatures(unseen="keep").fit([path(3)])
    with pytest.raises(InvalidInputError, match="list of graphs"):
        WLFeatures().fit(np.zeros((3, 3)))
    with pytest.raises(InvalidInputError, match="edge_index"):
        WLFeatures().fit([object()])
    with pytest.raises(InvalidInputError, match="outside"):
        WLFeatures().fit([SimpleNamespace(edge_index=np.array([[0], [5]]), node_labels=np.zeros(2))])


def test_graph_statistics_by_hand():
    # a path of 4 and a triangle with a pendant node: degrees (1, 2, 2, 1) and (2, 2, 3, 1)
    tri = SimpleNamespace(edge_index=_undirected([(0, 1), (1, 2), (2, 0), (2, 3)]), node_labels=np.zeros(4, int))
    gs = GraphStatistics(degree_bins=(0, 2, 3)).fit([path(4)])
    out = gs.transform([path(4), tri])
    np.testing.assert_allclose(out[0], [4, 3, 0.5, 1.5, 2, 0.5, 2, 2, 0])
    np.testing.assert_allclose(out[1], [4, 4, 4 / 6, 2, 3, np.sqrt(0.5), 1, 2, 1])
    assert gs.get_feature_names_out().tolist()[-3:] == ["degree_0_1", "degree_2_2", "degree_3_up"]
    assert out.shape[1] == gs.n_features_out_ == len(gs.get_feature_names_out())
    gs.set_params(degree_bins=(0, 1))
    np.testing.assert_array_equal(gs.transform([tri]), out[1:])  # transform follows what fit saw
    with pytest.raises(InvalidParameterError, match="degree_bins"):
        GraphStatistics(degree_bins=(1, 2)).fit([path(3)])
    with pytest.raises(InvalidParameterError, match="degree_bins"):
        GraphStatistics(degree_bins=(0, 3, 2)).fit([path(3)])
    with pytest.raises(NotFittedError):
        GraphStatistics().transform([path(3)])
    with pytest.raises(InvalidInputError, match="edge_index"):
        GraphStatistics().fit([object()])


# Graph input is not a 2-D array: scikit-learn's data-driven common checks do not apply; these do.
@pytest.mark.parametrize("est", [WLFeatures(), GraphStatistics(), GraphEmbedder()], ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("check", [check_parameters_default_constructible, check_no_attributes_set_in_init,
                                   check_get_params_invariance, check_set_params], ids=lambda c: c.__name__)
def test_input_free_common_checks(est, check):
    check(type(est).__name__, est)


class TinyGNN(torch.nn.Module):
    def __init__(self, n_in, n_out, hidden=16):
        super().__init__()
        from torch_geometric.nn import GCNConv, global_add_pool

        self.conv, self.pool = GCNConv(n_in, hidden), global_add_pool
        self.head = torch.nn.Linear(hidden, n_out)

    def embed(self, batch):
        return self.pool(torch.relu(self.conv(batch.x, batch.edge_index)), batch.batch)

    def forward(self, batch):
        return self.head(self.embed(batch))


def test_graph_embedder_trains_a_gnn_on_labels():
    graphs = [cycle(n, labels=[i % 2 for i in range(n)]) for n in range(4, 12)] + \
             [path(n, labels=[i % 3 for i in range(n)]) for n in range(4, 12)]
    y = np.array([1] * 8 + [0] * 8)
    emb = GraphEmbedder(module=TinyGNN, max_epochs=40, lr=1e-2, random_state=0).fit(graphs, y)
    Z = emb.transform(graphs)
    assert Z.shape == (16, 16) and emb.n_features_in_ == 3
    assert SVC().fit(Z, y).score(Z, y) >= 0.9
    np.testing.assert_allclose(clone(emb).fit(graphs, y).transform(graphs), Z, atol=1e-5)


def test_graph_embedder_default_gnn_on_plain_graphs():
    """The registered "gnn" backbone takes fuselearn.data.Graph and plain objects with node labels."""
    sizes = range(3, 15)
    graphs = [cycle(n) if n % 2 else path(n) for n in sizes]
    y = [n % 2 for n in sizes]  # 1 = cycle, 0 = path
    graphs += [Graph(edge_index=g.edge_index, num_nodes=len(g.node_labels), node_labels=g.node_labels)
               for g in graphs[:4]]
    y += y[:4]
    emb = GraphEmbedder(module_params={"hidden": 8, "num_layers": 2}, max_epochs=3, random_state=0)
    Z = emb.fit(graphs, y).transform(graphs)
    assert Z.shape[0] == len(graphs) and np.isfinite(Z).all()


def _reference_wl_keys(graphs, n_iter):
    """The node-by-node WL relabelling WLFeatures used before it was vectorised (kept as the oracle)."""
    from fuselearn.extract._graph import _hash64, graph_parts

    out = []
    for i, g in enumerate(graphs):
        edge_index, n, labels = graph_parts(g, i)
        keys = [(0, _hash64(repr(v).encode())) for v in labels.tolist()]
        current = np.array([k[1] for k in keys], dtype=np.int64)
        order = np.argsort(edge_index[1], kind="stable")
        src, dst = edge_index[0][order], edge_index[1][order]
        bounds = np.searchsorted(dst, np.arange(n + 1))
        for it in range(1, n_iter + 1):
            new = np.empty(n, dtype=np.int64)
            for v in range(n):
                neigh = np.sort(current[src[bounds[v]:bounds[v + 1]]])
                new[v] = _hash64(current[v].tobytes() + b"|" + neigh.tobytes())
            current = new
            keys.extend((it, int(lab)) for lab in current)
        out.append(keys)
    return out


def _random_graphs(seed, count):
    rng = np.random.default_rng(seed)
    graphs = []
    for _ in range(count):
        n = int(rng.integers(1, 12))
        m = int(rng.integers(0, 2 * n))
        edges = [(int(a), int(b)) for a, b in rng.integers(0, n, size=(m, 2)) if a != b]
        e = _undirected(edges) if edges else np.zeros((2, 0), int)
        graphs.append(SimpleNamespace(edge_index=e, node_labels=rng.integers(0, 4, size=n)))
    return graphs


@pytest.mark.parametrize("n_iter", [0, 1, 3])
def test_wl_vectorised_matches_node_by_node_reference(n_iter):
    graphs = _random_graphs(n_iter, 40)  # isolated nodes, one-node graphs, high and zero degrees
    wl = WLFeatures(n_iter=n_iter).fit(graphs)
    reference = _reference_wl_keys(graphs, n_iter)
    vocab = {}
    for keys in reference:
        for key in keys:
            vocab.setdefault(key, len(vocab))
    assert wl.vocabulary_ == vocab  # same labels, same columns in the same order
    expected = np.zeros((len(graphs), len(vocab)))
    for r, keys in enumerate(reference):
        for key in keys:
            expected[r, vocab[key]] += 1
    np.testing.assert_array_equal(wl.transform(graphs).toarray(), np.column_stack([expected, np.zeros(len(graphs))]))
    new = _random_graphs(100 + n_iter, 10)  # new graphs: labels unseen in fit only count in the norm column
    want = np.zeros((len(new), len(vocab) + 1))
    for r, keys in enumerate(_reference_wl_keys(new, n_iter)):
        missed = {}
        for key in keys:
            if key in vocab:
                want[r, vocab[key]] += 1
            else:
                missed[key] = missed.get(key, 0) + 1
        want[r, -1] = np.sqrt(sum(c * c for c in missed.values()))
    np.testing.assert_allclose(wl.transform(new).toarray(), want)
    dropped = WLFeatures(n_iter=n_iter, unseen="drop").fit(graphs).transform(new).toarray()
    np.testing.assert_array_equal(dropped, want[:, :-1])
