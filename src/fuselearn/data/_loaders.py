"""The named dataset loaders (``load_mutag`` ... ``load_cifar10``) with the column lists of their files.

Each finds its files through the registry (:mod:`fuselearn.data._registry`), verifies them, reads them
with the generic loader of their format and fills in the description, citation and checksums from
its catalogue entry (:mod:`fuselearn.data._catalogue`).
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ._dataset import Dataset
from ._files import sha256_file, verify_file
from ._graphs import load_tu
from ._images import load_cifar10_batches, load_image_folder
from ._registry import find_dataset_files, get_dataset_info
from ._series import load_skab_folder
from ._tables import make_target, read_csv_checked, read_uci_table, table_spec
from ._text import load_text_csv

__all__ = [
    "load_adult",
    "load_bank_marketing",
    "load_cifar10",
    "load_cifar10_images",
    "load_german_credit",
    "load_heart_disease",
    "load_imdb_binary",
    "load_imdb_reviews",
    "load_mutag",
    "load_nci1",
    "load_pima_diabetes",
    "load_proteins",
    "load_skab",
    "load_womens_clothing_reviews",
]

# --- helpers shared by the named loaders --------------------------------------------------------


def _files(name: str, data_dir, verify: bool) -> tuple[dict[str, Path], dict[str, str]]:
    info = get_dataset_info(name)
    paths = find_dataset_files(name, data_dir)
    if verify:
        sums = {rel: verify_file(p, info.files[rel]) for rel, p in paths.items()}
    else:
        sums = {rel: sha256_file(p) for rel, p in paths.items()}
    return paths, sums


def _finish(ds: Dataset, name: str, sums: dict[str, str], **changes) -> Dataset:
    info = get_dataset_info(name)
    return replace(
        ds,
        name=name,
        description=changes.pop("description", info.description),
        citation=info.citation,
        checksums=sums,
        **changes,
    )


def _check_subset(subset: str | None, where: str) -> None:
    if subset not in (None, "train", "test"):
        raise DataError(
            f"The 'subset' parameter of {where} must be None, 'train' or 'test'. Got {subset!r} instead."
        )


def _concat(parts: list[Dataset], names: list[str]) -> Dataset:
    """Stack datasets of one modality and record where each part went in ``split``."""
    first = parts[0]
    modality = first.modalities[0]
    values = [p.inputs[modality] for p in parts]
    if isinstance(values[0], np.ndarray):
        merged = np.concatenate(values)
    elif isinstance(values[0], pd.DataFrame):
        merged = pd.concat(values, ignore_index=True)
    else:
        merged = [v for vs in values for v in vs]
    split, start = {}, 0
    for name, p in zip(names, parts):
        split[name] = np.arange(start, start + len(p))
        start += len(p)
    return replace(
        first,
        inputs={modality: merged},
        target=np.concatenate([p.target for p in parts]),
        split=split,
    )


def _subset_or_all(parts: dict[str, Dataset], subset: str | None) -> Dataset:
    if subset is not None:
        ds = parts[subset]
        return replace(ds, split=None)
    return _concat(list(parts.values()), list(parts))


# --- graphs ------------------------------------------------------------------------------------

def _tu_loader(name: str, prefix: str):
    def loader(data_dir=None, *, verify: bool = True, featureless: str = "degree") -> Dataset:
        paths, sums = _files(name, data_dir, verify)
        first = next(iter(paths.values()))
        src = first if first.suffix == ".zip" else first.parent
        ds = load_tu(src, name=prefix, featureless=featureless)
        return _finish(ds, name, sums, description=get_dataset_info(name).description + " " +
                       ds.description)

    loader.__name__ = f"load_{name}"
    loader.__doc__ = f"""Load {prefix} (TU graph format) as a list of :class:`Graph`.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``{prefix}/`` (default: ``$FUSELEARN_DATA``, then the per-user
        data folder), or that folder itself.
    verify : bool, default=True
        Check the files' sha256 against the registry first.
    featureless : {{"degree", "constant"}}, default="degree"
        Node features when the dataset has no node labels or attributes (see :func:`load_tu`).

    Returns
    -------
    dataset : Dataset
        ``inputs={{"graph": list[Graph]}}``, labels mapped to ``0..K-1`` (``label_mapping`` keeps
        the original values where they changed).
    """
    return loader


load_mutag = _tu_loader("mutag", "MUTAG")
load_proteins = _tu_loader("proteins", "PROTEINS")
load_nci1 = _tu_loader("nci1", "NCI1")
load_imdb_binary = _tu_loader("imdb_binary", "IMDB-BINARY")


# --- text --------------------------------------------------------------------------------------


def load_imdb_reviews(data_dir=None, *, verify: bool = True, subset: str | None = None) -> Dataset:
    """Load the IMDb Large Movie Review Dataset (official 25,000 / 25,000 split) from its CSVs.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``IMDB-reviews/`` (``train.csv.gz``, ``test.csv.gz``).
    verify : bool, default=True
        Check the files' sha256 first.
    subset : {None, "train", "test"}, default=None
        One part only; by default both, with ``split={"train", "test"}``.

    Returns
    -------
    dataset : Dataset
        ``inputs={"text": list[str]}``, target 1 = positive, 0 = negative.
    """
    _check_subset(subset, "load_imdb_reviews")
    paths, sums = _files("imdb_reviews", data_dir, verify)
    parts = {}
    for part in ("train", "test"):
        if subset in (None, part):
            parts[part] = load_text_csv(paths[f"IMDB-reviews/{part}.csv.gz"])
    ds = _subset_or_all(parts, subset)
    return _finish(ds, "imdb_reviews", sums, label_mapping={"neg": 0, "pos": 1})


# --- tables ------------------------------------------------------------------------------------

ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
    "native-country", "income",
]
ADULT_NUMERIC = ["age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"]


def _table_dataset(df: pd.DataFrame, target: str, where: str, *, positive=None, text=(),
                   task=None) -> Dataset:
    y, mapping, task = make_target(df[target], where, positive=positive, task=task)
    X = df.drop(columns=[target])
    return Dataset(
        inputs={"table": X}, target=y, task=task,
        modality_spec={"table": table_spec(X, text)}, label_mapping=mapping,
    )


def load_adult(data_dir=None, *, verify: bool = True, subset: str | None = None) -> Dataset:
    """Load Adult (census income > 50K) with its official train/test split.

    The files are headerless with ``", "`` separators; ``?`` marks a missing value; the test
    file's first line is skipped and its labels lose their trailing ``"."`` (``">50K."``).

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``adult/`` (``adult.data.gz``, ``adult.test.gz``).
    verify : bool, default=True
        Check the files' sha256 first.
    subset : {None, "train", "test"}, default=None
        One part only; by default both (32,561 + 16,281 rows) with ``split``.

    Returns
    -------
    dataset : Dataset
        ``inputs={"table": DataFrame}`` with 14 columns; target 1 = ``">50K"``.
    """
    _check_subset(subset, "load_adult")
    paths, sums = _files("adult", data_dir, verify)
    parts = {}
    for part, fname, skip in (("train", "adult.data.gz", 0), ("test", "adult.test.gz", 1)):
        if subset in (None, part):
            df = read_uci_table(
                paths[f"adult/{fname}"], ADULT_COLUMNS, numeric=ADULT_NUMERIC, skip_lines=skip,
                strip_suffix={"income": "."},
            )
            parts[part] = _table_dataset(df, "income", fname, positive=">50K")
    return _finish(_subset_or_all(parts, subset), "adult", sums)


GERMAN_COLUMNS = [
    "checking_status", "duration", "credit_history", "purpose", "credit_amount", "savings_status",
    "employment", "installment_commitment", "personal_status", "other_parties", "residence_since",
    "property_magnitude", "age", "other_payment_plans", "housing", "existing_credits", "job",
    "num_dependents", "own_telephone", "foreign_worker", "class",
]
GERMAN_NUMERIC = [
    "duration", "credit_amount", "installment_commitment", "residence_since", "age",
    "existing_credits", "num_dependents",
]


def load_german_credit(data_dir=None, *, verify: bool = True) -> Dataset:
    """Load Statlog German Credit (UCI ``german.data``: 1,000 applicants, coded categories).

    Columns take the OpenML ``credit-g`` names; categorical values stay in their UCI codes
    (``A11`` ... ``A202``, explained in ``german.doc``). Class 2 (bad credit) is the positive class.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``german-credit/german.data``.
    verify : bool, default=True
        Check the file's sha256 first.

    Returns
    -------
    dataset : Dataset
        ``inputs={"table": DataFrame}`` (7 numeric, 13 categorical columns); target 1 = bad.
    """
    paths, sums = _files("german_credit", data_dir, verify)
    df = read_uci_table(paths["german-credit/german.data"], GERMAN_COLUMNS, sep=None,
                        numeric=GERMAN_NUMERIC + ["class"])
    ds = _table_dataset(df, "class", "german.data", positive=2)
    return _finish(ds, "german_credit", sums)


PIMA_COLUMNS = [
    "Pregnancies", "Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI",
    "DiabetesPedigreeFunction", "Age", "Outcome",
]
PIMA_ZERO_MEANS_MISSING = ["Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI"]


def load_pima_diabetes(data_dir=None, *, verify: bool = True, zeros_as_missing: bool = False) -> Dataset:
    """Load Pima Indians Diabetes (768 patients, 8 numeric features; 1 = tested positive).

    In the original file a zero stands for a missing value in Glucose, BloodPressure,
    SkinThickness, Insulin and BMI; ``zeros_as_missing=True`` turns those zeros into NaN.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``pima-diabetes/pima-indians-diabetes.data.csv``.
    verify : bool, default=True
        Check the file's sha256 first.
    zeros_as_missing : bool, default=False
        Replace the zero placeholders by NaN.

    Returns
    -------
    dataset : Dataset
        ``inputs={"table": DataFrame}`` with the Kaggle column names.
    """
    paths, sums = _files("pima_diabetes", data_dir, verify)
    df = read_uci_table(paths["pima-diabetes/pima-indians-diabetes.data.csv"], PIMA_COLUMNS,
                        numeric=PIMA_COLUMNS)
    if zeros_as_missing:
        for c in PIMA_ZERO_MEANS_MISSING:
            df[c] = df[c].astype(np.float64).where(df[c] != 0)
    ds = _table_dataset(df, "Outcome", "pima-indians-diabetes.data.csv")
    return _finish(ds, "pima_diabetes", sums)


HEART_COLUMNS = [
    "age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak",
    "slope", "ca", "thal", "num",
]
HEART_CODED = ["cp", "restecg", "slope", "thal"]


def load_heart_disease(data_dir=None, *, verify: bool = True, binary: bool = True) -> Dataset:
    """Load Heart Disease (Cleveland, processed 14-attribute version; 303 patients).

    ``?`` marks a missing value (4 in ``ca``, 2 in ``thal``). The coded categories ``cp``,
    ``restecg``, ``slope`` and ``thal`` become strings (``"1"``, ``"4"`` ...) so that they are
    one-hot encoded rather than scaled; ``sex``, ``fbs`` and ``exang`` stay 0/1 numbers.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``heart-disease-cleveland/processed.cleveland.data``.
    verify : bool, default=True
        Check the file's sha256 first.
    binary : bool, default=True
        Target 1 when ``num > 0`` (disease present); ``False`` keeps ``num`` 0-4 (multiclass).

    Returns
    -------
    dataset : Dataset
        ``inputs={"table": DataFrame}`` with 13 columns.
    """
    paths, sums = _files("heart_disease_cleveland", data_dir, verify)
    df = read_uci_table(paths["heart-disease-cleveland/processed.cleveland.data"], HEART_COLUMNS,
                        numeric=HEART_COLUMNS)
    for c in HEART_CODED:
        df[c] = df[c].map(lambda v: v if pd.isna(v) else str(int(v))).astype("str")
    df["num"] = df["num"].astype(np.int64)
    ds = _table_dataset(df, "num", "processed.cleveland.data",
                        positive=(lambda v: v > 0) if binary else None,
                        task="binary" if binary else "multiclass")
    return _finish(ds, "heart_disease_cleveland", sums)


def load_bank_marketing(
    data_dir=None, *, verify: bool = True, full: bool = True, drop_leaky: bool = False
) -> Dataset:
    """Load Bank Marketing (term-deposit subscription) from the original UCI ``bank.zip``.

    The ``duration`` column (length of the call) is only known after the call and leaks the
    target; it is kept by default for comparability and listed in
    ``metadata["leaky_columns"]``. Drop it (``drop_leaky=True``) for realistic models.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``bank-marketing/bank.zip``.
    verify : bool, default=True
        Check the file's sha256 first.
    full : bool, default=True
        ``bank-full.csv`` (45,211 rows); ``False`` reads the 10 % sample ``bank.csv`` (4,521).
    drop_leaky : bool, default=False
        Remove ``duration``.

    Returns
    -------
    dataset : Dataset
        ``inputs={"table": DataFrame}``; target 1 = ``"yes"``.
    """
    paths, sums = _files("bank_marketing", data_dir, verify)
    zpath = paths["bank-marketing/bank.zip"]
    member = "bank-full.csv" if full else "bank.csv"
    try:
        with zipfile.ZipFile(zpath) as zf, zf.open(member) as fh:
            df = read_csv_checked(fh, f"{zpath}:{member}", sep=";")
    except (KeyError, zipfile.BadZipFile) as exc:
        raise DataError(f"Cannot read {member} from {str(zpath)!r}: {exc}") from exc
    if drop_leaky:
        df = df.drop(columns=["duration"])
    ds = _table_dataset(df, "y", f"{zpath}:{member}", positive="yes")
    return _finish(ds, "bank_marketing", sums,
                   metadata={"leaky_columns": [] if drop_leaky else ["duration"]})


WOMENS_TEXT = ["Title", "Review Text"]
WOMENS_CATEGORICAL = ["Clothing ID", "Division Name", "Department Name", "Class Name"]
WOMENS_NUMERIC = ["Age", "Rating", "Positive Feedback Count"]


def load_womens_clothing_reviews(
    data_dir=None, *, verify: bool = True, drop_leaky: bool = False
) -> Dataset:
    """Load Women's E-Commerce Clothing Reviews: a table with text columns -> ``Recommended IND``.

    ``Title`` and ``Review Text`` are free text (missing texts stay NaN); ``Clothing ID``,
    ``Division Name``, ``Department Name`` and ``Class Name`` are categorical (the ID as a string);
    ``Age``, ``Rating`` and ``Positive Feedback Count`` are numeric. The unnamed index column is
    dropped. ``Rating`` leaks the target (a 5-star review is nearly always recommended): it is
    kept by default, listed in ``metadata["leaky_columns"]``, and removed with ``drop_leaky=True``.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``womens-clothing-reviews/``.
    verify : bool, default=True
        Check the file's sha256 first.
    drop_leaky : bool, default=False
        Remove ``Rating``.

    Returns
    -------
    dataset : Dataset
        ``inputs={"table": DataFrame}`` and the spec ``{"table": {"numeric", "categorical",
        "text"}}``.
    """
    rel = "womens-clothing-reviews/Womens Clothing E-Commerce Reviews.csv.gz"
    paths, sums = _files("womens_clothing_reviews", data_dir, verify)
    df = read_csv_checked(paths[rel], index_col=0)
    df["Clothing ID"] = df["Clothing ID"].astype("str")
    cols = WOMENS_CATEGORICAL + WOMENS_TEXT + WOMENS_NUMERIC
    if drop_leaky:
        cols.remove("Rating")
    df = df[cols + ["Recommended IND"]]
    ds = _table_dataset(df, "Recommended IND", rel, text=WOMENS_TEXT)
    return _finish(ds, "womens_clothing_reviews", sums,
                   metadata={"leaky_columns": [] if drop_leaky else ["Rating"]})


# --- series and images -------------------------------------------------------------------------


def load_skab(data_dir=None, *, verify: bool = True, include_anomaly_free: bool = False,
              experiments: list[str] | None = None) -> Dataset:
    """Load SKAB (Skoltech Anomaly Benchmark) with its benchmark split.

    The 34 labelled experiments (the anomaly-free recording is left out, as the protocol says);
    in each, the first 400 points are for fitting and the rest (23,801 points in all) is scored.
    See :func:`load_skab_folder` for the layout of the result.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``SKAB/data/``.
    verify : bool, default=True
        Check the files' sha256 first.
    include_anomaly_free : bool, default=False
        Also return the anomaly-free recording (never part of the split).
    experiments : list of str, optional
        Only these files, named relative to ``SKAB/data`` (``["valve1/0.csv", "other/4.csv"]``).

    Returns
    -------
    dataset : Dataset
    """
    paths, sums = _files("skab", data_dir, verify)
    folder = paths["SKAB/data/valve1/0.csv"].parents[1]
    ds = load_skab_folder(folder, include_anomaly_free=include_anomaly_free, experiments=experiments)
    read = {f"SKAB/data/{e}" for e in ds.metadata["experiments"]}
    return _finish(ds, "skab", {k: v for k, v in sums.items() if k in read})


def load_cifar10_images(
    data_dir=None, *, verify: bool = True, subset: str | None = None
) -> Dataset:
    """Load the CIFAR-10 JPEG subset (10,000 training + the full 10,000 test images).

    The JPEGs are lossy (quality 75), so the pixels differ slightly from the original CIFAR-10.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``CIFAR-10-images/`` (``train.tar``, ``test.tar``).
    verify : bool, default=True
        Check the files' sha256 first.
    subset : {None, "train", "test"}, default=None
        One part only; by default both with ``split``.

    Returns
    -------
    dataset : Dataset
        ``inputs={"image": ndarray (n, 3, 32, 32) uint8}``; ``label_mapping`` from class name.
    """
    _check_subset(subset, "load_cifar10_images")
    paths, sums = _files("cifar10_images", data_dir, verify)
    parts = {}
    for part in ("train", "test"):
        if subset in (None, part):
            parts[part] = load_image_folder(paths[f"CIFAR-10-images/{part}.tar"])
    return _finish(_subset_or_all(parts, subset), "cifar10_images", sums)


def load_cifar10(data_dir=None, *, verify: bool = True) -> Dataset:
    """Load the official CIFAR-10 python archive (50,000 + 10,000 images), read safely.

    The batches are unpickled with :class:`SafeUnpickler`, which refuses everything but plain
    data and NumPy arrays. The archive is not in the benchmark collection; fetch it with
    ``fuselearn datasets fetch cifar10 --url https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz``.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Data root holding ``cifar10/cifar-10-python.tar.gz``.
    verify : bool, default=True
        Check the archive's sha256 first.

    Returns
    -------
    dataset : Dataset
    """
    paths, sums = _files("cifar10", data_dir, verify)
    ds = load_cifar10_batches(paths["cifar10/cifar-10-python.tar.gz"])
    return _finish(ds, "cifar10", sums)
