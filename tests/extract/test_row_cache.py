"""Per-row feature cache shared by every costly extractor: hits and misses per row, reuse across row
subsets and folds, and a new key whenever the configuration or the fitted state changes."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from fuselearn.data import Graph
from fuselearn.exceptions import InvalidParameterError
from fuselearn.extract import (
    AutoencoderEmbedder,
    FeatureCache,
    GraphEmbedder,
    ImageEmbedder,
    NeuralExtractor,
    TfidfExtractor,
    WindowFeatures,
    WLFeatures,
)
from fuselearn.extract._cache import row_hashes, state_key

X, Y = make_classification(n_samples=40, n_features=5, random_state=0)
TEXTS = ["good fit", "bad fit", "great fabric", "awful fabric", "nice colour", "poor seams"] * 4
LABELS = [1, 0, 1, 0, 1, 0] * 4


def _path(n: int, shift: int) -> Graph:
    src = np.arange(n - 1)
    edges = np.vstack([np.concatenate([src, src + 1]), np.concatenate([src + 1, src])])
    return Graph(edge_index=edges, num_nodes=n, node_labels=(np.arange(n) + shift) % 7)


def _graphs(n=12):
    return [_path(2 + i % 4, i) for i in range(n)]  # all distinct up to n = 28


def test_lookup_rows_computes_only_the_missing_rows(tmp_path):
    cache = FeatureCache(tmp_path)
    asked = []

    def compute(idx):
        asked.append(idx.tolist())
        return np.asarray(idx, dtype=np.float32)[:, None] * np.ones((1, 3), dtype=np.float32)

    rows = [f"r{i}" for i in range(5)]
    first = cache.lookup_rows("s", rows, compute)
    assert (cache.hits, cache.misses) == (0, 5) and asked == [[0, 1, 2, 3, 4]]
    second = cache.lookup_rows("s", ["r3", "new", "r1"], compute)
    assert (cache.hits, cache.misses) == (2, 6) and asked[-1] == [1]
    np.testing.assert_array_equal(second[[0, 2]], first[[3, 1]])
    assert second.dtype == np.float32
    cache.lookup_rows("other state", rows[:2], compute)  # another state: nothing shared
    assert cache.misses == 8


def test_lookup_rows_keeps_sparse_rows_sparse(tmp_path):
    cache = FeatureCache(tmp_path)
    ext = TfidfExtractor(cache=tmp_path).fit(TEXTS)
    out = cache.lookup_rows("s", ["a", "b"], lambda idx: ext.transform(["good fit", "bad fit"])[idx])
    again = cache.lookup_rows("s", ["b", "a"], lambda idx: pytest.fail("recomputed"))
    assert (again[[1, 0]] != out).nnz == 0 and again.format == "csr"


def test_row_hashes_follow_content_not_identity(tmp_path):
    a = np.arange(6.0).reshape(3, 2)
    assert row_hashes(a) == row_hashes(a.copy())
    assert row_hashes(a)[0] != row_hashes(a)[1]
    g = _graphs(2)
    assert row_hashes(g) == row_hashes(_graphs(2))
    assert row_hashes(g)[0] != row_hashes(g)[1]
    image = tmp_path / "img.bin"
    image.write_bytes(b"one")
    before = row_hashes([str(image)])
    image.write_bytes(b"second")  # rewritten in place: size (and mtime) change the key
    assert row_hashes([str(image)]) != before


def test_state_key_changes_with_params_and_state():
    assert state_key("A", {"p": 1}, np.ones(2)) == state_key("A", {"p": 1}, np.ones(2))
    assert state_key("A", {"p": 1}, np.ones(2)) != state_key("A", {"p": 2}, np.ones(2))
    assert state_key("A", {"p": 1}, np.ones(2)) != state_key("A", {"p": 1}, np.zeros(2))
    assert state_key("A", {"p": 1}) != state_key("B", {"p": 1})


class _Frozen(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(5, 3)

    def embed(self, x):
        return torch.tanh(self.lin(x))


def test_cross_validated_pipeline_embeds_each_row_once(tmp_path, monkeypatch):
    torch.manual_seed(0)
    net = _Frozen()
    embedded = []
    original = NeuralExtractor._embed_rows
    monkeypatch.setattr(NeuralExtractor, "_embed_rows",
                        lambda self, rows: embedded.append(len(rows)) or original(self, rows))
    pipe = make_pipeline(NeuralExtractor(module=net, cache=tmp_path), LogisticRegression())
    cached = cross_val_score(pipe, X, Y, cv=5)
    assert sum(embedded) == len(X)  # 5 folds, every row embedded once (the first fold's fit)
    embedded.clear()
    plain = cross_val_score(make_pipeline(NeuralExtractor(module=net), LogisticRegression()), X, Y, cv=5)
    assert sum(embedded) == 5 * len(X)  # without a cache: once per fold
    np.testing.assert_allclose(cached, plain)


def test_wl_labels_are_computed_once_across_folds(tmp_path, monkeypatch):
    graphs = _graphs(20)
    y = np.arange(20) % 2
    relabelled = []
    original = WLFeatures._labels
    monkeypatch.setattr(WLFeatures, "_labels", lambda self, gs: relabelled.append(len(gs)) or original(self, gs))
    scores = cross_val_score(make_pipeline(WLFeatures(n_iter=2, cache=tmp_path), LogisticRegression()),
                             np.array(graphs, dtype=object), y, cv=4)
    assert sum(relabelled) == len(graphs)
    relabelled.clear()
    plain = cross_val_score(make_pipeline(WLFeatures(n_iter=2), LogisticRegression()),
                            np.array(graphs, dtype=object), y, cv=4)
    assert sum(relabelled) == 4 * (15 + 15 + 5)  # without a cache: fit, transform and test rows, per fold
    np.testing.assert_allclose(scores, plain)
    relabelled.clear()
    WLFeatures(n_iter=3, cache=tmp_path).fit(graphs)  # another n_iter: another key
    assert sum(relabelled) == len(graphs)


def test_fitted_state_is_part_of_the_key(tmp_path):
    """An extractor fitted per fold must not serve one fold's features to another."""
    a = TfidfExtractor(cache=tmp_path).fit(TEXTS[:12])
    b = TfidfExtractor(cache=tmp_path).fit(TEXTS[6:])
    a.transform(TEXTS)
    b.transform(TEXTS)
    assert b.cache_.hits == 0  # other vocabulary, other key
    c = TfidfExtractor(cache=tmp_path).fit(TEXTS[:12])
    out = c.transform(TEXTS)
    assert c.cache_.hits == len(TEXTS)  # the same fitted state: every row read back
    assert (out != TfidfExtractor().fit(TEXTS[:12]).transform(TEXTS)).nnz == 0

    ae = [AutoencoderEmbedder(encoding_dim=2, hidden_sizes=(4,), max_epochs=2, random_state=s, cache=tmp_path)
          .fit(X) for s in (0, 1, 0)]
    codes = [e.transform(X) for e in ae]
    assert [e.cache_.hits for e in ae] == [0, 0, len(X)]
    np.testing.assert_array_equal(codes[2], codes[0])
    assert not np.allclose(codes[0], codes[1])


def test_trained_embedders_share_rows_only_with_the_same_weights(tmp_path):
    imgs = np.random.default_rng(0).normal(size=(16, 1, 8, 8)).astype(np.float32)
    yi = np.arange(16) % 2
    params = {"max_epochs": 1, "module_params": {"channels": (4,)}, "cache": tmp_path}
    first = ImageEmbedder(random_state=0, **params).fit(imgs, yi)
    out = first.transform(imgs)
    again = ImageEmbedder(random_state=0, **params).fit(imgs, yi)
    np.testing.assert_array_equal(again.transform(imgs[:5]), out[:5])
    assert again.cache_.hits == 5
    other = ImageEmbedder(random_state=1, **params).fit(imgs, yi)
    other.transform(imgs)
    assert other.cache_.hits == 0
    graphs = _graphs(12)
    ge = GraphEmbedder(max_epochs=1, random_state=0, cache=tmp_path).fit(graphs, np.arange(12) % 2)
    np.testing.assert_allclose(ge.transform(graphs), ge.transform(graphs[::-1])[::-1], atol=1e-6)
    assert ge.cache_.hits == 12


def test_window_features_key_on_the_rows_a_window_reaches(tmp_path):
    series = np.cumsum(np.random.default_rng(0).normal(size=(30, 2)), axis=0)
    wf = WindowFeatures(window=4, lags=(1,), cache=tmp_path).fit(series)
    full = wf.transform(series)
    np.testing.assert_allclose(full, WindowFeatures(window=4, lags=(1,)).fit(series).transform(series))
    tail = wf.transform(series[10:])  # a new series: its first 3 rows have partial windows
    assert wf.cache_.hits == 30 - 10 - 3
    np.testing.assert_allclose(tail[3:], full[13:])
    np.testing.assert_allclose(tail, WindowFeatures(window=4, lags=(1,)).fit(series[10:]).transform(series[10:]))


def test_cache_parameter_is_checked_and_cloned():
    from sklearn.base import clone

    for est in (TfidfExtractor(cache=True), WLFeatures(cache=True), WindowFeatures(cache=True),
                AutoencoderEmbedder(cache=True), NeuralExtractor(cache=True), ImageEmbedder(cache=True),
                GraphEmbedder(cache=True)):
        assert clone(est).get_params()["cache"] is True
    with pytest.raises(InvalidParameterError, match="'cache' parameter of TfidfExtractor"):
        TfidfExtractor(cache=3).fit(TEXTS)


@pytest.mark.parametrize("damage", ["block", "index"])
def test_a_damaged_block_is_recomputed_with_a_warning(tmp_path, damage):
    cache = FeatureCache(tmp_path)
    rows = ["a", "b", "c"]
    first = cache.lookup_rows("s", rows, lambda idx: np.arange(9.0).reshape(3, 3)[idx])
    suffix = ".keys.npy" if damage == "index" else ".npy"
    path = next(p for p in tmp_path.rglob(f"*{suffix}") if damage == "index" or ".keys" not in p.name)
    path.write_bytes(b"garbage")
    fresh = FeatureCache(tmp_path)  # a new process: nothing remembered
    with pytest.warns(RuntimeWarning, match="unreadable"):
        again = fresh.lookup_rows("s", rows, lambda idx: np.arange(9.0).reshape(3, 3)[idx])
    np.testing.assert_array_equal(again, first)
    assert fresh.misses == 3
    assert FeatureCache(tmp_path).lookup_rows("s", rows, lambda idx: pytest.fail("recomputed")).shape == (3, 3)


def test_ragged_rows_round_trip(tmp_path):
    cache = FeatureCache(tmp_path)
    rows = [np.arange(2 * k, dtype=np.int64).reshape(k, 2) for k in (0, 1, 3)]
    out = cache.lookup_rows("s", ["x", "y", "z"], lambda idx: [rows[i] for i in idx], stack=False)
    back = FeatureCache(tmp_path).lookup_rows("s", ["z", "x"], lambda idx: pytest.fail("recomputed"), stack=False)
    np.testing.assert_array_equal(back[0], rows[2])
    assert back[1].shape == (0, 2) and len(out) == 3
