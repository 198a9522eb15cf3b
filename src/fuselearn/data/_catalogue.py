"""The catalogue of known datasets: one keyword :class:`CatalogueEntry` per dataset, registered on import.

The files of each entry (and their sha256 and sizes) come from :data:`KNOWN_FILES`; documentation
files (README, ``.names``, ``.doc``) are verified when present but not required.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import _loaders
from ._checksums import KNOWN_FILES
from ._dataset import Dataset
from ._registry import DatasetInfo, register_dataset

__all__ = ["CATALOGUE", "CatalogueEntry"]

_DOC_NAMES = ("README", "README.txt", "README.md", "LICENSE", "Index", "WARNING")
_DOC_SUFFIXES = (".names", ".doc")


def _is_doc(rel: str) -> bool:
    base = rel.rsplit("/", 1)[-1]
    return base in _DOC_NAMES or base.endswith(_DOC_SUFFIXES)


@dataclass(frozen=True, kw_only=True)
class CatalogueEntry:
    """What the catalogue says about one dataset; :meth:`info` adds its files from ``KNOWN_FILES``.

    Parameters
    ----------
    name, folder, loader, task, modality, n_samples, description, citation, licence, url
        As in :class:`DatasetInfo`.
    """

    name: str
    folder: str
    loader: Callable[..., Dataset]
    task: str
    modality: str
    n_samples: int
    description: str
    citation: str
    licence: str
    url: str | None = None

    def info(self) -> DatasetInfo:
        """The :class:`DatasetInfo` of this entry, with its data and documentation files and size."""
        files, extra, size = {}, {}, 0
        for rel, (sha, nbytes) in KNOWN_FILES.items():
            if not rel.startswith(self.folder + "/"):
                continue
            (extra if _is_doc(rel) else files)[rel] = sha
            size += nbytes
        return DatasetInfo(
            name=self.name, folder=self.folder, files=files, loader=self.loader, task=self.task,
            modality=self.modality, n_samples=self.n_samples, size=size, description=self.description,
            citation=self.citation, licence=self.licence, extra_files=extra, url=self.url,
        )


_NO_LICENCE = "No licence stated by the source; public benchmark, cite as given."
_UCI_CC_BY = "None stated by the source; UCI lists CC BY 4.0."
_TU_CITATION = (
    "Morris et al., \"TUDataset: A collection of benchmark datasets for learning with graphs\", "
    "ICML 2020 GRL+ Workshop (arXiv:2007.08663)."
)
_CIFAR_CITATION = (
    "Krizhevsky, \"Learning Multiple Layers of Features from Tiny Images\", University of Toronto, 2009."
)
_CIFAR_LICENCE = "No licence stated; the CIFAR page asks users to cite the report."

CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        name="mutag", folder="MUTAG", loader=_loaders.load_mutag, task="binary", modality="graph", n_samples=188,
        description="188 nitroaromatic compounds (graphs), mutagenic or not; 7 node labels, 4 edge labels.",
        citation="Debnath et al., J. Med. Chem. 34(2):786-797, 1991. " + _TU_CITATION,
        licence=_NO_LICENCE,
    ),
    CatalogueEntry(
        name="proteins", folder="PROTEINS", loader=_loaders.load_proteins, task="binary", modality="graph",
        n_samples=1113,
        description="1,113 protein graphs, enzyme or not; 3 node labels and a 1-dim node attribute.",
        citation="Borgwardt et al., Bioinformatics 21(Suppl 1):i47-i56, 2005; Dobson & Doig, J. Mol. Biol. "
        "330(4):771-783, 2003. " + _TU_CITATION,
        licence=_NO_LICENCE,
    ),
    CatalogueEntry(
        name="nci1", folder="NCI1", loader=_loaders.load_nci1, task="binary", modality="graph", n_samples=4110,
        description="4,110 chemical compounds screened against lung cancer; 37 node labels.",
        citation="Wale, Watson & Karypis, Knowledge and Information Systems 14(3):347-375, 2008. "
        + _TU_CITATION,
        licence=_NO_LICENCE,
    ),
    CatalogueEntry(
        name="imdb_binary", folder="IMDB-BINARY", loader=_loaders.load_imdb_binary, task="binary", modality="graph",
        n_samples=1000,
        description="1,000 actor ego-networks, Action vs Romance; no node labels (degree one-hot by default).",
        citation="Yanardag & Vishwanathan, \"Deep Graph Kernels\", KDD 2015. " + _TU_CITATION,
        licence=_NO_LICENCE,
    ),
    CatalogueEntry(
        name="imdb_reviews", folder="IMDB-reviews", loader=_loaders.load_imdb_reviews, task="binary", modality="text",
        n_samples=50000,
        description="IMDb movie reviews, official split 25,000 train / 25,000 test; 1 = positive.",
        citation="Maas et al., \"Learning Word Vectors for Sentiment Analysis\", ACL-HLT 2011, pp. 142-150.",
        licence="No licence stated; the aclImdb README asks users to cite the ACL 2011 paper.",
    ),
    CatalogueEntry(
        name="adult", folder="adult", loader=_loaders.load_adult, task="binary", modality="table", n_samples=48842,
        description="Census records, income > 50K; official split 32,561 train / 16,281 test.",
        citation="Kohavi, KDD 1996; Becker & Kohavi (1996), Adult, UCI ML Repository, doi:10.24432/C5XW20.",
        licence=_UCI_CC_BY,
    ),
    CatalogueEntry(
        name="german_credit", folder="german-credit", loader=_loaders.load_german_credit, task="binary",
        modality="table", n_samples=1000,
        description="1,000 loan applicants, 20 attributes with coded categories; class 2 (bad) is positive.",
        citation="Hofmann, H. (1994), Statlog (German Credit Data), UCI ML Repository, doi:10.24432/C5NC77.",
        licence=_UCI_CC_BY,
    ),
    CatalogueEntry(
        name="pima_diabetes", folder="pima-diabetes", loader=_loaders.load_pima_diabetes, task="binary",
        modality="table", n_samples=768,
        description="768 Pima Indian women, 8 numeric features; zeros stand for missing values.",
        citation="Smith et al., Proc. Symp. Computer Applications and Medical Care, IEEE, 1988, pp. 261-265.",
        licence="None stated; owner NIDDK.",
    ),
    CatalogueEntry(
        name="heart_disease_cleveland", folder="heart-disease-cleveland", loader=_loaders.load_heart_disease,
        task="binary", modality="table", n_samples=303,
        description="303 Cleveland Clinic patients, 13 features; num > 0 (disease) is positive.",
        citation="Detrano et al., Am. J. Cardiology 64:304-310, 1989; Janosi, Steinbrunn, Pfisterer & "
        "Detrano (1989), Heart Disease, UCI ML Repository, doi:10.24432/C52P4X.",
        licence="None stated by the source; UCI lists CC BY 4.0; name the principal investigators.",
    ),
    CatalogueEntry(
        name="bank_marketing", folder="bank-marketing", loader=_loaders.load_bank_marketing, task="binary",
        modality="table", n_samples=45211,
        description="45,211 bank marketing calls, term deposit yes/no. The 'duration' column leaks the target.",
        citation="Moro, Laureano & Cortez, ESM'2011, pp. 117-121; UCI doi:10.24432/C5K306.",
        licence="\"Public available for research\" (bank-names.txt); UCI lists CC BY 4.0.",
    ),
    CatalogueEntry(
        # A table with two free-text columns (Title, Review Text): listed as both.
        name="womens_clothing_reviews", folder="womens-clothing-reviews", loader=_loaders.load_womens_clothing_reviews,
        task="binary", modality="text+table", n_samples=23486,
        description="23,486 clothing reviews: text (Title, Review Text) + table -> Recommended IND. "
        "'Rating' leaks the target.",
        citation="Brooks, N. (2018), \"Women's E-Commerce Clothing Reviews\", Kaggle dataset.",
        licence="No data licence stated by the source; Kaggle is commonly cited as CC0.",
    ),
    CatalogueEntry(
        name="skab", folder="SKAB", loader=_loaders.load_skab, task="anomaly", modality="series", n_samples=37401,
        description="Skoltech Anomaly Benchmark: 34 labelled experiments, 8 sensors at 1 Hz; first 400 points "
        "of each for fitting, 23,801 scored points.",
        citation="Katser & Kozitsin (2020), \"Skoltech Anomaly Benchmark (SKAB)\", Kaggle, "
        "doi:10.34740/KAGGLE/DSV/1693952.",
        licence="GPL-3.0",
    ),
    CatalogueEntry(
        name="cifar10_images", folder="CIFAR-10-images", loader=_loaders.load_cifar10_images, task="multiclass",
        modality="image", n_samples=20000,
        description="CIFAR-10 JPEG subset: 10,000 training images (1,000 per class) and the full 10,000 test "
        "images; lossy JPEG, not bit-exact CIFAR-10.",
        citation=_CIFAR_CITATION,
        licence=_CIFAR_LICENCE,
    ),
    CatalogueEntry(
        name="cifar10", folder="cifar10", loader=_loaders.load_cifar10, task="multiclass", modality="image",
        n_samples=60000,
        description="CIFAR-10, official python batches (50,000 train / 10,000 test), read without unpickling "
        "arbitrary objects. Not in the benchmark collection: fetch it first.",
        citation=_CIFAR_CITATION,
        licence=_CIFAR_LICENCE,
        url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    ),
)

for _entry in CATALOGUE:
    register_dataset(_entry.info())
