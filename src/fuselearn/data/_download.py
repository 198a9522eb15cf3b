"""A verified, resumable downloader built on the standard library only."""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ..exceptions import ChecksumError, DataError, InvalidParameterError
from ._files import sha256_file

__all__ = ["download"]

_SCHEMES = ("http://", "https://", "file://")
_CHUNK = 1 << 16


def _hash_existing(path: Path) -> tuple[hashlib._Hash, int]:
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            n += len(chunk)
    return h, n


def download(
    url: str,
    dest: str | os.PathLike,
    sha256: str,
    *,
    resume: bool = True,
    timeout: float = 60.0,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Download ``url`` to ``dest`` and verify its sha256; never leave a bad file under ``dest``.

    The bytes stream into ``dest`` + ``".part"`` beside the destination. When that file exists and
    ``resume`` is true, only the rest is asked for with an HTTP ``Range`` request; a server that
    ignores ``Range`` (answers 200 with the whole file) is handled by starting over. When all bytes
    are there and their sha256 matches, the ``.part`` file is flushed to disk and moved into place
    with ``os.replace`` (atomic on one file system).

    What is left behind on failure:

    * the connection breaks or the body is shorter than announced: the ``.part`` file is **kept**,
      so the next call resumes, and ``DataError`` is raised;
    * all bytes arrived but the digest differs: the ``.part`` file is **removed** (resuming a
      corrupt file cannot repair it) and ``ChecksumError`` is raised naming the expected and
      actual digests. ``dest`` itself is never touched in either case.

    Parameters
    ----------
    url : str
        ``http://``, ``https://`` or ``file://`` address.
    dest : str or path-like
        Final file name; its folder is created when missing.
    sha256 : str
        Expected hex digest.
    resume : bool, default=True
        Continue an existing ``.part`` file instead of starting over.
    timeout : float, default=60.0
        Seconds to wait for the server on connect and on each read.
    progress : callable, optional
        Called as ``progress(bytes_done, bytes_total_or_None)`` after each chunk.

    Returns
    -------
    path : Path
        ``dest``. When ``dest`` already exists with the right digest nothing is downloaded.

    Raises
    ------
    InvalidParameterError
        ``sha256`` is not 64 hexadecimal digits.
    ChecksumError
        The downloaded bytes have another sha256.
    DataError
        The URL is not http(s)/file, the server answers with an error, or the download stops early.
    """
    if not isinstance(url, str) or not url.lower().startswith(_SCHEMES):
        raise DataError(f"Cannot download {url!r}: only http://, https:// and file:// URLs are supported.")
    expected = sha256.strip().lower() if isinstance(sha256, str) else ""
    if not re.fullmatch(r"[0-9a-f]{64}", expected):
        raise InvalidParameterError(
            f"The 'sha256' parameter of download must be 64 hexadecimal digits. Got {sha256!r} instead."
        )
    dest = Path(dest).expanduser()
    if dest.is_dir():
        raise DataError(f"Cannot download {url!r} to {str(dest)!r}: it is a folder; give the file's path.")
    if dest.is_file() and sha256_file(dest) == expected:
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"Cannot create the folder of {str(dest)!r} for the download: {exc}") from exc
    part = dest.with_name(dest.name + ".part")

    offset = part.stat().st_size if (resume and part.is_file()) else 0
    if offset == 0 and part.exists():
        part.unlink()
    request = urllib.request.Request(url, headers={"User-Agent": "fuselearn-downloader"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        try:
            response = urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and offset:
                # the .part file may already be complete
                return _finish(part, dest, expected, url)
            raise
        with response:
            status = getattr(response, "status", 200)
            if offset and status != 206:
                offset = 0  # the server ignored Range: start over
            total = response.headers.get("Content-Length")
            total = int(total) + offset if total is not None else None
            h, done = _hash_existing(part) if offset else (hashlib.sha256(), 0)
            with open(part, "ab" if offset else "wb") as fh:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    fh.write(chunk)
                    h.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
                fh.flush()
                os.fsync(fh.fileno())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(
            f"Download of {url} failed: {reason}. The partial file {str(part)!r} was kept; run the "
            "same command again to resume."
        ) from exc
    if total is not None and done < total:
        raise DataError(
            f"Download of {url} stopped early: got {done} of {total} bytes. The partial file "
            f"{str(part)!r} was kept; run the same command again to resume."
        )
    return _finish(part, dest, expected, url, h.hexdigest())


def _finish(part: Path, dest: Path, expected: str, url: str, actual: str | None = None) -> Path:
    if actual is None:
        actual = _hash_existing(part)[0].hexdigest()
    if actual != expected:
        part.unlink(missing_ok=True)
        raise ChecksumError(
            f"Checksum mismatch for {str(dest)!r} downloaded from {url}: expected sha256 {expected}, "
            f"got {actual}. The corrupt download was deleted and {str(dest)!r} was left unchanged."
        )
    os.replace(part, dest)
    return dest
