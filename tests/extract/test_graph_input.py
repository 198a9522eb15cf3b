"""The "graph" input handler and the estimators with the cnn/rnn/gnn backbones on tiny data."""

import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from fuselearn import NeuralClassifier
from fuselearn.exceptions import InvalidInputError


def _graph(n, width=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    src = torch.arange(max(n - 1, 0))
    edge_index = torch.stack([torch.cat([src, src + 1]), torch.cat([src + 1, src])])
    return Data(x=torch.randn(n, width, generator=g), edge_index=edge_index)


def _dataset(n=24):
    rng = np.random.default_rng(0)
    graphs = [_graph(int(k), seed=i) for i, k in enumerate(rng.integers(2, 7, n))]
    y = np.array([i % 2 for i in range(n)])
    for g, label in zip(graphs, y):
        g.x[:, 0] += 2.0 * label
    return graphs, y


def test_gnn_classifier_fits_and_predicts():
    graphs, y = _dataset()
    clf = NeuralClassifier(module="gnn", module_params={"hidden": 8, "num_layers": 2}, max_epochs=2,
                           random_state=0).fit(graphs, y)
    assert clf.n_features_in_ == 3
    assert clf.predict_proba(graphs[:5]).shape == (5, 2)
    again = NeuralClassifier(module="gnn", module_params={"hidden": 8, "num_layers": 2}, max_epochs=2,
                             random_state=0).fit(graphs, y)
    np.testing.assert_allclose(clf.predict_proba(graphs), again.predict_proba(graphs))


def test_cnn_classifier():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 3, 8, 8)).astype(np.float32)
    y = np.arange(24) % 3
    clf = NeuralClassifier(module="cnn", module_params={"channels": (4, 8), "fusion_dim": 8, "aux_tasks": True},
                           max_epochs=2, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (24,)


def test_cnn_classifier_on_flat_pixel_rows():
    """image_shape reads (n, C*H*W) rows as images: the same network as on (n, C, H, W)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 2, 4, 4)).astype(np.float32)
    y = np.arange(24) % 2
    params = {"channels": (4,), "fusion_dim": 4}
    images = NeuralClassifier(module="cnn", module_params=params, max_epochs=2, random_state=0).fit(X, y)
    flat = NeuralClassifier(module="cnn", module_params={**params, "image_shape": (2, 4, 4)},
                            max_epochs=2, random_state=0).fit(X.reshape(24, -1), y)
    np.testing.assert_allclose(flat.predict_proba(X.reshape(24, -1)), images.predict_proba(X), atol=1e-6)
    with pytest.raises(InvalidInputError, match=r"image_shape.*\(C, H, W\) with C\*H\*W equal to the 32"):
        NeuralClassifier(module="cnn", module_params={**params, "image_shape": (1, 4, 4)},
                         max_epochs=1).fit(X.reshape(24, -1), y)
    with pytest.raises(InvalidInputError, match="or flat rows with module_params"):
        NeuralClassifier(module="cnn", module_params=params, max_epochs=1).fit(X.reshape(24, -1), y)


def test_rnn_classifier():
    rng = np.random.default_rng(0)
    X = rng.integers(1, 30, size=(24, 10))
    X[::2, 6:] = 0
    y = np.arange(24) % 2
    clf = NeuralClassifier(module="rnn", module_params={"embed_dim": 4, "hidden_size": 4, "fusion": "gated"},
                           max_epochs=2, random_state=0).fit(X, y)
    assert clf.predict_proba(X).shape == (24, 2)


def test_graph_input_errors():
    graphs, y = _dataset(12)
    clf = NeuralClassifier(module="gnn", module_params={"hidden": 4}, max_epochs=1)
    with pytest.raises(InvalidInputError, match="empty list"):
        clf.fit([], [])
    with pytest.raises(InvalidInputError, match="graph 3 has no nodes"):
        clf.fit(graphs[:3] + [Data(x=torch.zeros(0, 3), edge_index=torch.zeros(2, 0, dtype=torch.long))]
                + graphs[4:], y)
    with pytest.raises(InvalidInputError, match="graph 2 has 5 node features but graph 0 has 3"):
        clf.fit(graphs[:2] + [_graph(3, width=5)] + graphs[3:], y)
    with pytest.raises(InvalidInputError, match="graph 1 has no x"):
        clf.fit([graphs[0], Data(edge_index=torch.zeros(2, 0, dtype=torch.long))], [0, 1])
    with pytest.raises(InvalidInputError, match="list of torch_geometric"):
        clf.fit(np.zeros((3, 3)), [0, 1, 0])
    with pytest.raises(InvalidInputError, match="outside"):
        bad = Data(x=torch.zeros(2, 3), edge_index=torch.tensor([[0], [5]]))
        clf.fit([graphs[0], bad], [0, 1])
    clf.fit(graphs, y)
    with pytest.raises(InvalidInputError, match="fitted with 3"):
        clf.predict([_graph(3, width=5)])
