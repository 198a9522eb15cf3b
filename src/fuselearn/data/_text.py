"""Text readers: the aclImdb folder layout and ``text,label`` CSV files."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ._dataset import Dataset
from ._files import checksums_of, require_dir
from ._tables import read_csv_checked

__all__ = ["load_aclimdb", "load_text_csv"]

_REVIEW = re.compile(r"^(\d+)_(\d+)\.txt$")


def load_aclimdb(path: str | os.PathLike, *, parts: tuple[str, ...] = ("train", "test")) -> Dataset:
    """Read the Large Movie Review Dataset in its original ``aclImdb`` folder layout.

    Reviews are ``PART/{pos,neg}/ID_RATING.txt``; ``unsup`` is ignored. Within a part, positive
    reviews come first, then negative ones, each by ascending numeric id (the order of the packed
    CSV files in the datasets folder).

    Parameters
    ----------
    path : str or path-like
        The ``aclImdb`` folder.
    parts : tuple of str, default=("train", "test")
        Which parts of the official split to read.

    Returns
    -------
    dataset : Dataset
        ``inputs={"text": list[str]}``, target 1 = positive, 0 = negative, ``split`` with one
        entry per part, ``metadata["rating"]`` (stars from the file name) and ``metadata["id"]``.
    """
    root = require_dir(path, "aclImdb folder")
    texts: list[str] = []
    target, ratings, ids = [], [], []
    split: dict[str, np.ndarray] = {}
    digests: dict[str, str] = {}
    for part in parts:
        start = len(texts)
        for sentiment, label in (("pos", 1), ("neg", 0)):
            folder = root / part / sentiment
            if not folder.is_dir():
                raise DataError(
                    f"aclImdb folder {str(root)!r} lacks {part}/{sentiment}/; expected the original "
                    "layout aclImdb/{train,test}/{pos,neg}/ID_RATING.txt."
                )
            files = []
            for f in folder.iterdir():
                m = _REVIEW.match(f.name)
                if m is None:
                    continue
                files.append((int(m.group(1)), int(m.group(2)), f))
            files.sort()
            for rid, rating, f in files:
                data = f.read_bytes()
                digests[f"{part}/{sentiment}/{f.name}"] = hashlib.sha256(data).hexdigest()
                try:
                    texts.append(data.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    raise DataError(f"Review {str(f)!r} is not valid UTF-8: {exc}") from exc
                target.append(label)
                ratings.append(rating)
                ids.append(rid)
        split[part] = np.arange(start, len(texts))
    if not texts:
        raise DataError(f"No reviews found under {str(root)!r}.")
    return Dataset(
        inputs={"text": texts},
        target=np.array(target, dtype=np.int64),
        task="binary",
        name="aclImdb",
        modality_spec={"text": {"language": "en"}},
        description="IMDb movie reviews (aclImdb layout); 1 = positive, 0 = negative.",
        checksums=digests,
        label_mapping={"neg": 0, "pos": 1},
        split=split,
        metadata={"rating": np.array(ratings), "id": np.array(ids)},
    )


def load_text_csv(
    path: str | os.PathLike,
    *,
    text_column: str = "text",
    label_column: str = "label",
) -> Dataset:
    """Read a CSV (optionally ``.gz``) with a text column and a label column.

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    text_column, label_column : str, default="text", "label"
        Column names.

    Returns
    -------
    dataset : Dataset
        ``inputs={"text": list[str]}``; labels mapped to ``0..K-1`` in sorted order when they
        are not already.
    """
    path = require_dir(path, "Text CSV")
    df = read_csv_checked(path, keep_default_na=False, dtype={text_column: str})
    missing = [c for c in (text_column, label_column) if c not in df.columns]
    if missing:
        raise DataError(
            f"{str(path)!r} lacks column(s) {missing}; it has {list(df.columns)}."
        )
    # keep_default_na=False keeps empty texts as ""; an empty label is still a missing label
    target, mapping = encode_labels(df[label_column].replace("", None), str(path))
    return Dataset(
        inputs={"text": df[text_column].astype(str).tolist()},
        target=target,
        task="binary" if len(np.unique(target)) <= 2 else "multiclass",
        name=Path(path).name,
        modality_spec={"text": {}},
        description=f"Texts from {Path(path).name}.",
        checksums=checksums_of([path], path.parent),
        label_mapping=mapping,
    )


def encode_labels(values: pd.Series, where: str) -> tuple[np.ndarray, dict | None]:
    """Map labels to ``0..K-1`` in sorted order; return the mapping when it changed any value."""
    if values.isna().any():
        row = int(np.argmax(values.isna().to_numpy()))
        raise DataError(f"{where}: the label of data row {row + 1} is missing.")
    classes, codes = np.unique(values.to_numpy(), return_inverse=True)
    mapping = {(c.item() if hasattr(c, "item") else c): i for i, c in enumerate(classes)}
    if all(k == v for k, v in mapping.items()):
        mapping = None
    return codes.astype(np.int64), mapping
