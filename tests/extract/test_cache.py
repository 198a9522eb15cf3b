"""The feature cache: content hashes, atomic pickle-free storage, damaged blocks recomputed."""

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


def test_blocks_round_trip_dense_and_sparse_without_temp_files_or_pickles(tmp_path):
    cache = FeatureCache(tmp_path)
    dense = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    sparse = sp.random(5, 7, density=0.3, format="csr", random_state=0)
    cache.lookup_rows("d", ["a", "b", "c"], lambda idx: dense[idx])
    cache.lookup_rows("s", list("vwxyz"), lambda idx: sparse[idx])
    again = FeatureCache(tmp_path)
    np.testing.assert_array_equal(again.lookup_rows("d", ["c", "a"], lambda idx: pytest.fail("recomputed")),
                                  dense[[2, 0]])
    assert (again.lookup_rows("s", list("vwxyz"), lambda idx: pytest.fail("recomputed")) != sparse).nnz == 0
    assert again.hits == 7 and again.misses == 0
    names = sorted(p.name.split(".", 1)[1] for p in tmp_path.rglob("*") if p.is_file())
    assert names == ["keys.npy", "keys.npy", "npy", "npz"]  # no temp files left behind


def test_a_block_holding_pickled_objects_is_refused_and_recomputed(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.lookup_rows("s", ["a"], lambda idx: np.zeros((1, 2)))
    block = next(p for p in tmp_path.rglob("*.npy") if ".keys" not in p.name)
    np.save(block, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.warns(RuntimeWarning, match="unreadable"):
        out = FeatureCache(tmp_path).lookup_rows("s", ["a"], lambda idx: np.ones((1, 2)))
    np.testing.assert_array_equal(out, np.ones((1, 2)))


def test_a_block_with_the_wrong_row_count_counts_as_damaged(tmp_path):
    cache = FeatureCache(tmp_path)
    cache.lookup_rows("s", ["a", "b"], lambda idx: np.zeros((2, 2)))
    block = next(p for p in tmp_path.rglob("*.npy") if ".keys" not in p.name)
    np.save(block, np.zeros((3, 2)))
    with pytest.warns(RuntimeWarning, match="rows"):
        out = FeatureCache(tmp_path).lookup_rows("s", ["a", "b"], lambda idx: np.ones((len(idx), 2)))
    np.testing.assert_array_equal(out, np.ones((2, 2)))


def test_resolve_cache(tmp_path, monkeypatch):
    assert resolve_cache(None) is None and resolve_cache(False) is None
    assert resolve_cache(tmp_path).folder == tmp_path
    monkeypatch.setattr("platformdirs.user_cache_dir", lambda name: str(tmp_path / name))
    assert resolve_cache(True).folder == tmp_path / "fuselearn" / "features"
    with pytest.raises(InvalidParameterError, match="'cache' parameter"):
        resolve_cache(3)


def test_has_rows_says_what_is_stored_without_computing(tmp_path):
    cache = FeatureCache(tmp_path)
    assert not cache.has_rows("s", ["a", "b"]).any()
    cache.lookup_rows("s", ["a"], lambda idx: np.zeros((len(idx), 2)))
    np.testing.assert_array_equal(FeatureCache(tmp_path).has_rows("s", ["a", "b"]), [True, False])
    assert not cache.has_rows("other", ["a"]).any()  # another state: nothing shared
