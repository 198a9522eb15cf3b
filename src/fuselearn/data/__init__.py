"""Dataset loaders and downloader, modalities, preprocessing.

Every loader returns one :class:`Dataset`; registered datasets load by name with
:func:`load_dataset`, their files found under ``data_dir`` or ``$FUSELEARN_DATA`` and verified by sha256.
"""

from ._catalogue import CATALOGUE as _CATALOGUE  # noqa: F401  (registers the known datasets)
from ._dataset import MODALITIES, TASKS, Dataset, Graph
from ._download import download
from ._files import DATA_ENV, data_roots, default_data_dir, sha256_file, verify_file
from ._graphs import load_tu
from ._images import SafeUnpickler, load_cifar10_batches, load_image_folder, safe_unpickle
from ._loaders import (
    load_adult,
    load_bank_marketing,
    load_cifar10,
    load_cifar10_images,
    load_german_credit,
    load_heart_disease,
    load_imdb_binary,
    load_imdb_reviews,
    load_mutag,
    load_nci1,
    load_pima_diabetes,
    load_proteins,
    load_skab,
    load_womens_clothing_reviews,
)
from ._preprocess import default_preprocessor
from ._registry import (
    DatasetInfo,
    find_dataset_files,
    get_dataset_info,
    list_datasets,
    load_dataset,
    register_dataset,
    unregister_dataset,
    verify_dataset,
)
from ._series import load_skab_folder
from ._tables import load_table, read_uci_table
from ._text import load_aclimdb, load_text_csv

__all__ = [
    "DATA_ENV",
    "MODALITIES",
    "TASKS",
    "Dataset",
    "DatasetInfo",
    "Graph",
    "SafeUnpickler",
    "data_roots",
    "default_data_dir",
    "default_preprocessor",
    "download",
    "find_dataset_files",
    "get_dataset_info",
    "list_datasets",
    "load_aclimdb",
    "load_adult",
    "load_bank_marketing",
    "load_cifar10",
    "load_cifar10_batches",
    "load_cifar10_images",
    "load_dataset",
    "load_german_credit",
    "load_heart_disease",
    "load_image_folder",
    "load_imdb_binary",
    "load_imdb_reviews",
    "load_mutag",
    "load_nci1",
    "load_pima_diabetes",
    "load_proteins",
    "load_skab",
    "load_skab_folder",
    "load_table",
    "load_text_csv",
    "load_tu",
    "load_womens_clothing_reviews",
    "read_uci_table",
    "register_dataset",
    "safe_unpickle",
    "sha256_file",
    "unregister_dataset",
    "verify_dataset",
    "verify_file",
]
