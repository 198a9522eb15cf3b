"""A small on-disk cache of extracted features, keyed by what produced them.

Deep features are expensive; a grid of classical heads over one embedding should compute it once.
An entry's key is the sha256 of (extractor class, its parameters, a fingerprint of its weights, the
input content). Values are dense arrays stored as ``.npy`` or scipy sparse matrices stored as
``.npz``, both read back with ``allow_pickle=False``: a cache folder never executes code. Writes go
to a temporary file in the same folder and are moved into place with :func:`os.replace`, so a
reader sees either the whole entry or none; a corrupt or truncated entry is recomputed with a
warning, never fatal.

We checked joblib.Memory first: it pickles outputs and keys on the function's arguments, which for
an extractor would mean hashing the whole estimator (a torch model included) on every call; here the
extractor names what matters and the storage stays pickle-free.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..exceptions import InvalidParameterError

__all__ = ["FeatureCache", "content_hash", "resolve_cache"]

_FORMAT = "fuselearn-feature-cache-v1"


def content_hash(*objects: Any) -> str:
    """sha256 hex digest of array-like content (arrays, sparse matrices, strings, lists, dicts).

    The digest depends on values, dtypes and shapes, not on object identity, so two equal inputs
    built separately hash the same.

    Examples
    --------
    >>> content_hash(["a", "b"]) == content_hash(["a", "b"])
    True
    >>> content_hash(["a", "b"]) == content_hash(["ab"])
    False
    """
    h = hashlib.sha256()
    for obj in objects:
        _feed(h, obj)
    return h.hexdigest()


def _feed(h, obj: Any) -> None:
    # Each item is tagged with its type and length so that concatenations cannot collide.
    if obj is None:
        h.update(b"N")
    elif isinstance(obj, (bool, int, float, np.generic)):
        h.update(b"S" + repr(obj.item() if isinstance(obj, np.generic) else obj).encode())
    elif isinstance(obj, str):
        data = obj.encode("utf-8", "surrogatepass")
        h.update(b"T" + len(data).to_bytes(8, "little") + data)
    elif isinstance(obj, bytes):
        h.update(b"B" + len(obj).to_bytes(8, "little") + obj)
    elif sp.issparse(obj):
        m = obj.tocsr()
        h.update(b"P" + repr(m.shape).encode())
        for part in (m.indptr, m.indices, m.data):
            _feed(h, np.ascontiguousarray(part))
    elif isinstance(obj, np.ndarray):
        if obj.dtype == object:
            h.update(b"O" + repr(obj.shape).encode())
            for item in obj.ravel():
                _feed(h, item)
        else:
            arr = np.ascontiguousarray(obj)
            h.update(b"A" + arr.dtype.str.encode() + repr(arr.shape).encode())
            h.update(memoryview(arr).cast("B"))
    elif isinstance(obj, dict):
        h.update(b"D" + len(obj).to_bytes(8, "little"))
        for key in sorted(obj, key=repr):
            _feed(h, repr(key))
            _feed(h, obj[key])
    elif isinstance(obj, (list, tuple)):
        h.update(b"L" + len(obj).to_bytes(8, "little"))
        for item in obj:
            _feed(h, item)
    elif hasattr(obj, "detach") and hasattr(obj, "cpu"):  # a torch tensor
        _feed(h, obj.detach().cpu().contiguous().numpy())
    else:
        _feed(h, repr(obj))


def params_key(params: dict) -> str:
    """A canonical text of estimator parameters (JSON, keys sorted, ``repr`` for other objects)."""
    return json.dumps(params, sort_keys=True, default=repr)


class FeatureCache:
    """Feature matrices on disk under ``folder``, one file per key.

    Parameters
    ----------
    folder : str or path-like
        Where entries live (created on first write).

    Attributes
    ----------
    hits, misses : int
        Lookups answered from disk and lookups that found nothing usable.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> cache = FeatureCache(tempfile.mkdtemp())
    >>> key = cache.key("Demo", {"a": 1}, None, content_hash(["x"]))
    >>> cache.get(key) is None
    True
    >>> cache.put(key, np.ones((1, 2)))
    >>> cache.get(key).tolist()
    [[1.0, 1.0]]
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"FeatureCache({str(self.folder)!r})"

    @staticmethod
    def key(owner: str, params: dict, weights: str | None, content: str) -> str:
        """sha256 of (owner class name, parameters, weights fingerprint, input content hash)."""
        text = "\n".join([_FORMAT, owner, params_key(params), weights or "-", content])
        return hashlib.sha256(text.encode()).hexdigest()

    def _paths(self, key: str) -> tuple[Path, Path]:
        base = self.folder / key[:2] / key
        return base.with_suffix(".npy"), base.with_suffix(".npz")

    def get(self, key: str, n_rows: int | None = None):
        """The stored array (or sparse matrix) for ``key``; None when absent or unreadable.

        ``n_rows`` guards against an entry of the wrong length (treated as corrupt).
        """
        dense, sparse = self._paths(key)
        for path, reader in ((dense, _read_dense), (sparse, sp.load_npz)):
            if not path.exists():
                continue
            try:
                value = reader(path)
                if n_rows is not None and value.shape[0] != n_rows:
                    raise ValueError(f"it has {value.shape[0]} rows, expected {n_rows}")
            except Exception as exc:  # noqa: BLE001 - any unreadable entry is recomputed
                warnings.warn(
                    f"Feature cache entry {path} is unreadable ({exc}); it is recomputed.",
                    RuntimeWarning, stacklevel=3,
                )
                _remove(path)
                continue
            self.hits += 1
            return value
        self.misses += 1
        return None

    def put(self, key: str, value) -> None:
        """Store ``value`` atomically (temporary file, then :func:`os.replace`)."""
        dense, sparse = self._paths(key)
        target = sparse if sp.issparse(value) else dense
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                if sp.issparse(value):
                    sp.save_npz(f, value.tocsr(), compressed=False)
                else:
                    np.save(f, np.asarray(value), allow_pickle=False)
            os.replace(tmp, target)
        except BaseException:
            _remove(Path(tmp))
            raise

    def lookup(self, owner: str, params: dict, weights: str | None, X_content: str, compute,
               n_rows: int | None = None):
        """Return the cached value for these inputs, or ``compute()`` and store it."""
        key = self.key(owner, params, weights, X_content)
        value = self.get(key, n_rows=n_rows)
        if value is None:
            value = compute()
            try:
                self.put(key, value)
            except OSError as exc:
                warnings.warn(f"Could not write to the feature cache {self.folder}: {exc}",
                              RuntimeWarning, stacklevel=2)
        return value


def _read_dense(path: Path) -> np.ndarray:
    return np.load(path, allow_pickle=False)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def resolve_cache(cache, owner: str = "extractor") -> FeatureCache | None:
    """Turn a ``cache=`` parameter into a :class:`FeatureCache` (or None when caching is off).

    ``None``/``False``: off; ``True``: ``platformdirs.user_cache_dir("fuselearn")/features``; a path:
    that folder.
    """
    if cache is None or cache is False:
        return None
    if cache is True:
        import platformdirs

        return FeatureCache(Path(platformdirs.user_cache_dir("fuselearn")) / "features")
    if isinstance(cache, (str, os.PathLike)):
        return FeatureCache(cache)
    raise InvalidParameterError(
        f"The 'cache' parameter of {owner} must be None, True, False or a folder path. "
        f"Got {cache!r} instead."
    )
