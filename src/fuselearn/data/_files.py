"""Finding dataset files, hashing them (with an in-process cache) and opening them."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from ..exceptions import ChecksumError, DataError

__all__ = [
    "DATA_ENV",
    "data_roots",
    "default_data_dir",
    "find_file",
    "sha256_file",
    "verify_file",
]

DATA_ENV = "FUSELEARN_DATA"

_HASH_CACHE: dict[tuple[str, int, int], str] = {}
_HASH_LOCK = threading.Lock()


def default_data_dir() -> Path:
    """Return the per-user data folder, used when neither ``data_dir`` nor ``$FUSELEARN_DATA`` is set.

    Returns
    -------
    path : Path
        ``<platformdirs user_data_dir("fuselearn")>/datasets``; it may not exist yet.
    """
    from platformdirs import user_data_dir

    return Path(user_data_dir("fuselearn", appauthor=False)) / "datasets"


def data_roots(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Return the folders searched for dataset files, in order.

    Parameters
    ----------
    data_dir : str or path-like, optional
        When given, the only folder searched.

    Returns
    -------
    roots : list of Path
        ``[data_dir]``, or ``$FUSELEARN_DATA`` (when set) followed by :func:`default_data_dir`.
    """
    if data_dir is not None:
        return [Path(data_dir).expanduser()]
    roots = []
    env = os.environ.get(DATA_ENV)
    if env:
        roots.append(Path(env).expanduser())
    roots.append(default_data_dir())
    return roots


def _fix_hint(data_dir: str | os.PathLike | None = None) -> str:
    """What to do about a missing dataset file, given where fuselearn looked."""
    fetch = "or download it with `fuselearn datasets fetch NAME`."
    if data_dir is not None:
        return (
            f"data_dir (--data-dir on the command line) is {str(data_dir)!r}: point it at the folder "
            f"that holds the datasets, {fetch}"
        )
    env = os.environ.get(DATA_ENV)
    if env:
        return (
            f"{DATA_ENV} is set to {env!r} but the file is not there: copy the dataset into that "
            f"folder, point {DATA_ENV} at the folder that holds it, {fetch}"
        )
    return (
        f"Set the {DATA_ENV} environment variable to the folder that holds the datasets, or pass "
        f"data_dir=... (--data-dir on the command line), {fetch}"
    )


def find_file(
    relpath: str, data_dir: str | os.PathLike | None = None, *, folder: str | None = None
) -> Path:
    """Locate ``relpath`` under the data roots, or raise an error naming every place looked at.

    Parameters
    ----------
    relpath : str
        Path relative to the data root, for example ``"MUTAG/MUTAG_A.txt"``.
    data_dir : str or path-like, optional
        See :func:`data_roots`.
    folder : str, optional
        The dataset's folder (``"MUTAG"``): ``root/<relpath without folder>`` is tried as well,
        so ``data_dir`` may point at the dataset's own folder.

    Returns
    -------
    path : Path

    Raises
    ------
    DataError
        Not found; the message lists every candidate path and how to fix it.
    """
    tried: list[Path] = []
    for root in data_roots(data_dir):
        candidates = [root / relpath]
        if folder and relpath.startswith(folder + "/"):
            candidates.append(root / relpath[len(folder) + 1 :])
        for cand in candidates:
            tried.append(cand)
            if cand.is_file():
                return cand
    where = "\n  ".join(str(p) for p in tried)
    raise DataError(f"Dataset file {relpath!r} was not found. Looked in:\n  {where}\n{_fix_hint(data_dir)}")


def sha256_file(path: str | os.PathLike) -> str:
    """Return the sha256 hex digest of a file, cached in-process by (path, mtime, size).

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    digest : str
        64 lower-case hex digits. A file rewritten in place (new mtime or size) is hashed again.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise DataError(f"File {str(path)!r} does not exist.") from exc
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    with _HASH_LOCK:
        cached = _HASH_CACHE.get(key)
    if cached is not None:
        return cached
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    with _HASH_LOCK:
        _HASH_CACHE[key] = digest
    return digest


def verify_file(path: str | os.PathLike, expected: str) -> str:
    """Check a file's sha256 against ``expected``.

    Parameters
    ----------
    path : str or path-like
        The file.
    expected : str
        Expected hex digest.

    Returns
    -------
    digest : str
        The verified digest.

    Raises
    ------
    ChecksumError
        The digests differ; the message names the file, the expected and the actual digest.
    """
    actual = sha256_file(path)
    if actual != expected.lower():
        raise ChecksumError(
            f"Checksum mismatch for {str(path)!r}: expected sha256 {expected.lower()}, got {actual}. "
            "The file is corrupt, truncated or a different version; delete it and download it again."
        )
    return actual


def checksums_of(paths: Iterable[Path], base: Path) -> dict[str, str]:
    """Map each path (relative to ``base`` where possible) to its sha256."""
    out = {}
    for p in paths:
        try:
            key = p.relative_to(base).as_posix()
        except ValueError:
            key = p.name
        out[key] = sha256_file(p)
    return out


def open_text(path: Path, encoding: str = "utf-8") -> io.TextIOBase:
    """Open a text file, transparently decompressing ``.gz``."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


def require_dir(path: str | os.PathLike, what: str) -> Path:
    """Return ``path`` as a Path when it exists, else a DataError that says how to fix it."""
    p = Path(path).expanduser()
    if not p.exists():
        relative = "" if p.is_absolute() else f" (a relative path is read from {os.getcwd()!r})"
        raise DataError(
            f"{what} {str(p)!r} does not exist{relative}; check the path, or load a registered "
            "dataset by name with load_dataset(NAME)."
        )
    return p
