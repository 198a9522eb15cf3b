"""Image readers: class-named folders or tars of them, and CIFAR-10 python batches (safely)."""

from __future__ import annotations

import hashlib
import io
import numbers
import os
import pickle
import tarfile
from pathlib import Path, PurePosixPath

import numpy as np

from ..exceptions import DataError, InvalidParameterError
from ._dataset import Dataset
from ._files import checksums_of, require_dir

__all__ = ["SafeUnpickler", "load_cifar10_batches", "load_image_folder", "safe_unpickle"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm")
_MODES = {"RGB": 3, "L": 1}


def _decode(data: bytes, label: str, mode: str, size: tuple[int, int] | None) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img = img.convert(mode)
            if size is not None and img.size != (size[1], size[0]):
                img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            arr = np.asarray(img, dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"Image {label} cannot be decoded: {exc}") from exc
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return arr.transpose(2, 0, 1)


def _iter_members(path: Path):
    """Yield (class name, file name, label, bytes) for every image under ``path``."""
    if path.is_dir():
        for cls_dir in sorted(p for p in path.iterdir() if p.is_dir()):
            for f in sorted(cls_dir.iterdir()):
                if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES:
                    yield cls_dir.name, f.name, str(f), f.read_bytes()
        return
    if not tarfile.is_tarfile(path):
        raise DataError(
            f"Image dataset {str(path)!r} must be a folder of class-named subfolders or a tar of them."
        )
    with tarfile.open(path) as tar:
        members = []
        for m in tar.getmembers():
            parts = PurePosixPath(m.name).parts
            if not m.isfile() or len(parts) < 2 or PurePosixPath(m.name).suffix.lower() not in IMAGE_SUFFIXES:
                continue
            members.append((parts[-2], parts[-1], m))
        members.sort(key=lambda t: (t[0], t[1]))
        for cls, fname, m in members:
            fh = tar.extractfile(m)
            yield cls, fname, f"{path}:{m.name}", fh.read()


def load_image_folder(
    path: str | os.PathLike,
    *,
    mode: str = "RGB",
    size: tuple[int, int] | None = None,
    classes: list[str] | None = None,
) -> Dataset:
    """Read images stored as ``CLASS/FILE`` in a folder or in a tar (plain or compressed).

    The class of an image is the name of its parent folder. Classes are numbered in sorted
    order (or in the order of ``classes``); files are read in sorted order within a class.

    Parameters
    ----------
    path : str or path-like
        A folder with one subfolder per class, or a ``.tar``/``.tar.gz`` whose members are
        ``CLASS/FILE`` (a leading folder, as in ``train/cat/1.jpg``, is allowed).
    mode : {"RGB", "L"}, default="RGB"
        Pillow mode every image is converted to (3 or 1 channels).
    size : (height, width), optional
        Resize every image to this size. Without it all images must have the same size.
    classes : list of str, optional
        The class names and their order; images of other classes are an error.

    Returns
    -------
    dataset : Dataset
        ``inputs={"image": ndarray (n, C, H, W) uint8}``, class indices as ``target``,
        ``label_mapping`` from class name to index, ``checksums`` of the tar or of every image
        file (``CLASS/FILE``).
    """
    if mode not in _MODES:
        raise DataError(
            f"The 'mode' parameter of load_image_folder must be one of {', '.join(_MODES)}. "
            f"Got {mode!r} instead."
        )
    if size is not None and not (
        isinstance(size, (tuple, list)) and len(size) == 2
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in size)
    ):
        raise InvalidParameterError(
            f"The 'size' parameter of load_image_folder must be (height, width), two integers >= 1, "
            f"or None. Got {size!r} instead."
        )
    path = require_dir(path, "Image dataset path")
    images, names, first_shape, first_label = [], [], None, None
    digests: dict[str, str] = {}
    for cls, fname, label, data in _iter_members(path):
        if path.is_dir():
            digests[f"{cls}/{fname}"] = hashlib.sha256(data).hexdigest()
        arr = _decode(data, label, mode, size)
        if first_shape is None:
            first_shape, first_label = arr.shape, label
        elif arr.shape != first_shape:
            raise DataError(
                f"Image {label} has shape {arr.shape} (C, H, W) but {first_label} has {first_shape}; "
                "pass size=(height, width) to resize them all."
            )
        images.append(arr)
        names.append(cls)
    if not images:
        raise DataError(f"No images found in {str(path)!r}; expected CLASS/FILE entries.")
    found = sorted(set(names))
    if classes is None:
        classes = found
    else:
        unknown = sorted(set(found) - set(classes))
        if unknown:
            raise DataError(f"{str(path)!r} holds images of classes not in 'classes': {unknown}.")
    mapping = {c: i for i, c in enumerate(classes)}
    target = np.array([mapping[c] for c in names], dtype=np.int64)
    checksums = checksums_of([path], path.parent) if path.is_file() else digests
    return Dataset(
        inputs={"image": np.stack(images)},
        target=target,
        task="binary" if len(classes) == 2 else "multiclass",
        name=path.name,
        modality_spec={"image": {"shape": tuple(int(s) for s in first_shape), "mode": mode}},
        description=f"{len(images)} images of {len(classes)} classes read from {path.name}.",
        checksums=checksums,
        label_mapping=mapping,
    )


# --- CIFAR-10 python batches: a pickle format, read without running arbitrary code --------------


def _allowed_globals() -> dict[tuple[str, str], object]:
    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - numpy < 2
        from numpy.core.multiarray import _reconstruct
    return {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that builds only plain containers and NumPy arrays.

    ``find_class`` allows exactly ``numpy.core.multiarray._reconstruct`` (also spelled
    ``numpy._core``), ``numpy.ndarray`` and ``numpy.dtype``, which the CIFAR batches need for their
    pixel array; every other global (``os.system``, ``builtins.eval`` ...) is refused with a
    ``DataError`` that names it, before anything runs.
    """

    source = "<pickle>"

    def find_class(self, module: str, name: str):
        allowed = _allowed_globals()
        if (module, name) not in allowed:
            raise DataError(
                f"Refused to load {self.source}: the pickle asks for {module}.{name}, which is not "
                "a NumPy array type. Only plain data and NumPy arrays are allowed; nothing was run."
            )
        return allowed[(module, name)]


def safe_unpickle(data: bytes, source: str = "<pickle>") -> object:
    """Unpickle ``data`` with :class:`SafeUnpickler` (Python 2 strings read as bytes).

    Parameters
    ----------
    data : bytes
        The pickle.
    source : str, default="<pickle>"
        Name used in error messages (the file).

    Returns
    -------
    obj : object
        Plain containers, bytes, numbers and NumPy arrays only.

    Raises
    ------
    DataError
        The pickle asks for any other global (named in the message; nothing is executed), or it is
        truncated or corrupt.
    """
    up = SafeUnpickler(io.BytesIO(data), encoding="bytes")
    up.source = source
    try:
        return up.load()
    except DataError:
        raise
    except Exception as exc:  # a truncated or corrupt pickle raises many different types
        raise DataError(f"{source} is not a readable pickle: {type(exc).__name__}: {exc}") from exc


def _as_str_keys(d: object, source: str) -> dict:
    if not isinstance(d, dict):
        raise DataError(f"{source} does not hold a dict of arrays (got {type(d).__name__}).")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in d.items()}


_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))


def load_cifar10_batches(path: str | os.PathLike) -> Dataset:
    """Read the official CIFAR-10 python batches without unpickling arbitrary objects.

    Parameters
    ----------
    path : str or path-like
        The ``cifar-10-batches-py`` folder (``data_batch_1`` ... ``data_batch_5``, ``test_batch``,
        ``batches.meta``) or the official ``cifar-10-python.tar.gz``.

    Returns
    -------
    dataset : Dataset
        ``inputs={"image": ndarray (n, 3, 32, 32) uint8}``, class indices, ``split`` with
        ``"train"`` (the data batches found) and ``"test"`` (``test_batch``) positions, and
        ``label_mapping`` from class name to index when ``batches.meta`` is present.

    Raises
    ------
    DataError
        A batch holds anything but plain data and NumPy arrays (the offending class is named and
        nothing is executed), or a batch is missing or malformed.
    """
    path = require_dir(path, "CIFAR-10 batches path")
    blobs: dict[str, tuple[str, bytes]] = {}
    if path.is_dir():
        for f in path.iterdir():
            if f.is_file():
                blobs[f.name] = (str(f), f.read_bytes())
        checksums = checksums_of([path / n for n in blobs], path)
    else:
        if not tarfile.is_tarfile(path):
            raise DataError(f"{str(path)!r} is neither a folder nor a tar of CIFAR-10 batches.")
        with tarfile.open(path) as tar:
            for m in tar.getmembers():
                if m.isfile():
                    blobs[PurePosixPath(m.name).name] = (f"{path}:{m.name}", tar.extractfile(m).read())
        checksums = checksums_of([path], path.parent)
    parts = [n for n in _TRAIN if n in blobs] + (["test_batch"] if "test_batch" in blobs else [])
    if not parts:
        raise DataError(
            f"No CIFAR-10 batches (data_batch_1..5, test_batch) found in {str(path)!r}."
        )
    images, labels, split = [], [], {"train": [], "test": []}
    start = 0
    for part in parts:
        label, data = blobs[part]
        batch = _as_str_keys(safe_unpickle(data, label), label)
        try:
            pixels = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            y = np.asarray(batch["labels"], dtype=np.int64)
        except (KeyError, ValueError) as exc:
            raise DataError(f"{label} is not a CIFAR-10 batch (needs 'data' (n, 3072) and 'labels').") from exc
        if len(y) != len(pixels):
            raise DataError(f"{label} has {len(pixels)} images but {len(y)} labels.")
        images.append(pixels)
        labels.append(y)
        split["test" if part == "test_batch" else "train"].append(np.arange(start, start + len(y)))
        start += len(y)
    mapping = None
    if "batches.meta" in blobs:
        label, data = blobs["batches.meta"]
        meta = _as_str_keys(safe_unpickle(data, label), label)
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta.get("label_names", [])]
        mapping = {n: i for i, n in enumerate(names)} or None
    target = np.concatenate(labels)
    return Dataset(
        inputs={"image": np.concatenate(images)},
        target=target,
        task="multiclass",
        name="cifar10",
        modality_spec={"image": {"shape": (3, 32, 32), "mode": "RGB"}},
        description="CIFAR-10 (official python batches): 32x32 RGB images of 10 classes.",
        citation='Krizhevsky, A., "Learning Multiple Layers of Features from Tiny Images", '
        "technical report, University of Toronto, 2009.",
        checksums=checksums,
        label_mapping=mapping,
        split={k: np.concatenate(v) if v else np.empty(0, dtype=np.int64) for k, v in split.items()},
    )
