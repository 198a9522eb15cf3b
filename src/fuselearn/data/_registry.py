"""The dataset registry's mechanics: :class:`DatasetInfo`, registration, lookup, file checks, ``load_dataset``.

The catalogue of known datasets (one keyword entry each) is :mod:`fuselearn.data._catalogue`, and
their named loaders (``load_mutag`` ... ``load_skab``) are :mod:`fuselearn.data._loaders`. Every named
loader finds its files under ``data_dir`` (or ``$FUSELEARN_DATA``, or the per-user data folder),
verifies their sha256 against the registry when ``verify=True``, reads them with the generic loader
of their format and fills in the description, citation and checksums.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .._registry import Registry, normalize_name
from ..exceptions import DataError
from ._dataset import Dataset
from ._files import find_file, verify_file

__all__ = [
    "DatasetInfo",
    "find_dataset_files",
    "get_dataset_info",
    "list_datasets",
    "load_dataset",
    "register_dataset",
    "unregister_dataset",
    "verify_dataset",
]

@dataclass(frozen=True)
class DatasetInfo:
    """What the registry knows about one dataset.

    Parameters
    ----------
    name : str
        Registry name (lower case, underscores).
    folder : str
        Folder under the data root that holds the files.
    files : dict of str to str
        Files the loader reads, relative to the data root, to their sha256.
    loader : callable
        ``loader(data_dir=None, verify=True, **kwargs) -> Dataset``.
    task : str
        ``"binary"``, ``"multiclass"``, ``"regression"`` or ``"anomaly"``.
    modality : str
        Main modality (``"table"``, ``"text"``, ``"image"``, ``"graph"``, ``"series"``); a table
        with free-text columns is ``"text+table"``.
    n_samples : int
        Number of samples the loader returns by default.
    size : int
        Total bytes of ``files`` and ``extra_files``.
    description, citation, licence : str
        What the data are, how to cite them, and their terms as far as the source states.
    extra_files : dict of str to str, default={}
        Documentation files (README, .names) verified by :func:`verify_dataset` when present.
    url : str, optional
        Official download address of a single-file dataset.
    """

    name: str
    folder: str
    files: dict[str, str]
    loader: Callable[..., Dataset]
    task: str
    modality: str
    n_samples: int
    size: int
    description: str
    citation: str
    licence: str
    extra_files: dict[str, str] = field(default_factory=dict)
    url: str | None = None


#: The registered datasets; the catalogue (``_catalogue.py``) fills it when ``fuselearn.data`` is imported.
_DATASETS: Registry[DatasetInfo] = Registry("dataset", on_duplicate="raise")


def register_dataset(info: DatasetInfo, *, overwrite: bool = False) -> DatasetInfo:
    """Add a dataset to the registry (``overwrite=True`` to replace one of the same name).

    Parameters
    ----------
    info : DatasetInfo
        The entry; its name is normalised (lower case, underscores).
    overwrite : bool, default=False
        Replace an existing entry instead of raising.

    Returns
    -------
    info : DatasetInfo
    """
    key = normalize_name(info.name)
    if key in _DATASETS and not overwrite:
        raise DataError(f"Dataset {key!r} is already registered; pass overwrite=True to replace it.")
    return _DATASETS.register(key, replace(info, name=key), overwrite=True)


def unregister_dataset(name: str) -> None:
    """Remove a dataset from the registry (no error when absent).

    Parameters
    ----------
    name : str
        Registry name.
    """
    _DATASETS.unregister(name)


def get_dataset_info(name: str) -> DatasetInfo:
    """Return the registry entry of ``name``; an unknown name lists the valid ones.

    Parameters
    ----------
    name : str
        Registry name; case, dashes and spaces do not matter (``"IMDB-BINARY"`` works).

    Returns
    -------
    info : DatasetInfo
    """
    return _DATASETS.get(name)


def list_datasets() -> list[str]:
    """Return the registry names of all known datasets.

    Returns
    -------
    names : list of str
        Sorted names, usable with :func:`load_dataset`.
    """
    return list(_DATASETS)


def find_dataset_files(name: str, data_dir: str | os.PathLike | None = None) -> dict[str, Path]:
    """Locate every file the loader of ``name`` reads (no hashing).

    Parameters
    ----------
    name : str
        Registry name.
    data_dir : str or path-like, optional
        Data root (default: ``$FUSELEARN_DATA``, then the per-user data folder).

    Returns
    -------
    paths : dict of str to Path
        File relative to the data root to where it was found.

    Raises
    ------
    DataError
        A file is missing; the message lists every place looked at.
    """
    info = get_dataset_info(name)
    return {rel: find_file(rel, data_dir, folder=info.folder) for rel in info.files}


def verify_dataset(name: str, data_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """Check the sha256 of every file of ``name`` (documentation files too, where present).

    Parameters
    ----------
    name : str
        Registry name.
    data_dir : str or path-like, optional
        Data root (default: ``$FUSELEARN_DATA``, then the per-user data folder).

    Returns
    -------
    digests : dict of str to str
        File (relative to the data root) to its verified sha256.

    Raises
    ------
    DataError
        A required file is missing (the message lists where it was looked for).
    ChecksumError
        A file's digest differs (the message names the file, expected and actual digests).
    """
    info = get_dataset_info(name)
    out = {}
    for rel, path in find_dataset_files(name, data_dir).items():
        out[rel] = verify_file(path, info.files[rel])
    for rel, expected in info.extra_files.items():
        try:
            path = find_file(rel, data_dir, folder=info.folder)
        except DataError:
            continue
        out[rel] = verify_file(path, expected)
    return out


def load_dataset(
    name: str, data_dir: str | os.PathLike | None = None, *, verify: bool = True, **kwargs
) -> Dataset:
    """Load a registered dataset by name.

    Parameters
    ----------
    name : str
        Registry name (see :func:`list_datasets`).
    data_dir : str or path-like, optional
        Data root (default: ``$FUSELEARN_DATA``, then the per-user data folder).
    verify : bool, default=True
        Check every file's sha256 first (cached per path, mtime and size within the process).
    **kwargs
        Options of the dataset's own loader (for example ``subset="train"``).

    Returns
    -------
    dataset : Dataset
    """
    return get_dataset_info(name).loader(data_dir=data_dir, verify=verify, **kwargs)
