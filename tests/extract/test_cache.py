"""The feature cache: keys, atomic pickle-free storage, corrupt entries recomputed."""

import os

import numpy as np
import pytest
import scipy.sparse as sp

from fuselearn.exceptions import InvalidParameterError
from fuselearn.extract import FeatureCache, content_hash, resolve_cache


def test_content_hash_depends_on_values_dtype_and_shape():
    a = np.arange(6, dtype=np.float64)
    assert content_hash(a) == content_hash(a.copy())
    assert content_hash(a) != content_hash(a.astype(np.float32))
    assert content_hash(a) != content_hash(a.reshape(2, 3))
    assert content_hash(["ab", "c"]) != content_hash(["a", "bc"])
    assert content_hash(sp.csr_matrix(a)) == content_hash(sp.csr_matrix(a.copy()))


def test_roundtrip_dense_and_sparse(tmp_path):
    cache = FeatureCache(tmp_path)
    dense = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    sparse = sp.random(5, 7, density=0.3, format="csr", random_state=0)
    cache.put("aa1", dense)
    cache.put("bb2", sparse)
    np.testing.assert_array_equal(cache.get("aa1"), dense)
    assert (cache.get("bb2") != sparse).nnz == 0
    assert cache.hits == 2
    files = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["aa1.npy", "bb2.npz"]  # no temp files left behind, no pickles


def test_lookup_computes_once(tmp_path):
    cache = FeatureCache(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return np.ones((2, 2))

    for _ in range(3):
        out = cache.lookup("X", {"p": 1}, "w", content_hash([1, 2]), compute, n_rows=2)
    assert len(calls) == 1 and out.shape == (2, 2)
    cache.lookup("X", {"p": 2}, "w", content_hash([1, 2]), compute)  # other params: other key
    assert len(calls) == 2


@pytest.mark.parametrize("damage", [b"garbage", b""])
def test_corrupt_entry_is_recomputed_with_a_warning(tmp_path, damage):
    cache = FeatureCache(tmp_path)
    key = cache.key("X", {}, None, "c")
    cache.put(key, np.zeros((2, 2)))
    path = next(tmp_path.rglob("*.npy"))
    path.write_bytes(damage)
    with pytest.warns(RuntimeWarning, match="unreadable"):
        out = cache.lookup("X", {}, None, "c", lambda: np.ones((2, 2)))
    np.testing.assert_array_equal(out, np.ones((2, 2)))
    np.testing.assert_array_equal(cache.get(key), np.ones((2, 2)))


def test_pickled_object_array_is_refused(tmp_path):
    cache = FeatureCache(tmp_path)
    key = cache.key("X", {}, None, "c")
    path = tmp_path / key[:2] / f"{key}.npy"
    os.makedirs(path.parent)
    np.save(path, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.warns(RuntimeWarning):
        assert cache.get(key) is None


def test_wrong_row_count_counts_as_corrupt(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.put("k1", np.zeros((3, 2)))
    with pytest.warns(RuntimeWarning, match="rows"):
        assert cache.get("k1", n_rows=4) is None


def test_resolve_cache(tmp_path, monkeypatch):
    assert resolve_cache(None) is None and resolve_cache(False) is None
    assert resolve_cache(tmp_path).folder == tmp_path
    monkeypatch.setattr("platformdirs.user_cache_dir", lambda name: str(tmp_path / name))
    assert resolve_cache(True).folder == tmp_path / "fuselearn" / "features"
    with pytest.raises(InvalidParameterError, match="'cache' parameter"):
        resolve_cache(3)
