"""Table readers: headerless UCI-style files with exact line numbers in errors, and CSVs."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ._dataset import Dataset
from ._files import checksums_of, open_text, require_dir

__all__ = ["load_table", "make_target", "read_csv_checked", "read_uci_table", "table_spec"]


def read_uci_table(
    path: str | os.PathLike,
    columns: Sequence[str],
    *,
    sep: str | None = ",",
    numeric: Sequence[str] = (),
    na_values: Sequence[str] = ("?",),
    skip_lines: int = 0,
    strip_suffix: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Read a headerless delimited file (optionally ``.gz``) with known column names and types.

    Leading and trailing spaces of every field are removed (Adult's ``", "`` separator), blank
    lines are skipped, and every value in ``na_values`` becomes missing.

    Parameters
    ----------
    path : str or path-like
        The file.
    columns : sequence of str
        Column names, in file order.
    sep : str or None, default=","
        Field separator; ``None`` splits on runs of whitespace (German credit).
    numeric : sequence of str, default=()
        Columns parsed as numbers (float, or int when whole and never missing).
    na_values : sequence of str, default=("?",)
        Markers of a missing value.
    skip_lines : int, default=0
        Lines to skip at the top (Adult's test file starts with ``|1x3 Cross validator``).
    strip_suffix : dict of str to str, optional
        Per column, a suffix removed from its values (Adult's test labels end in ``"."``).

    Returns
    -------
    frame : DataFrame

    Raises
    ------
    DataError
        A row has the wrong number of fields or a non-number in a numeric column; the message
        names the file, the line number and the column.
    """
    path = Path(path)
    ncol = len(columns)
    numeric_pos = [columns.index(c) for c in numeric]
    na = set(na_values)
    strip = {columns.index(c): s for c, s in (strip_suffix or {}).items()}
    rows: list[list[Any]] = []
    with open_text(path) as fh:
        if sep is None:
            reader = (line.split() for line in fh)
        else:
            reader = csv.reader(fh, delimiter=sep, skipinitialspace=True)
        for lineno, fields in enumerate(reader, start=1):
            if lineno <= skip_lines or not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) != ncol:
                raise DataError(
                    f"Malformed row in {str(path)!r}, line {lineno}: expected {ncol} fields, "
                    f"got {len(fields)}."
                )
            row: list[Any] = []
            for i, f in enumerate(fields):
                f = f.strip()
                if i in strip and f.endswith(strip[i]):
                    f = f[: -len(strip[i])]
                row.append(None if f in na else f)
            for i in numeric_pos:
                if row[i] is not None:
                    try:
                        row[i] = float(row[i])
                    except ValueError:
                        raise DataError(
                            f"Malformed row in {str(path)!r}, line {lineno}: column "
                            f"{columns[i]!r} must be a number, got {row[i]!r}."
                        ) from None
            rows.append(row)
    if not rows:
        raise DataError(f"{str(path)!r} holds no data rows.")
    df = pd.DataFrame(rows, columns=list(columns))
    for c in numeric:
        col = df[c].astype(np.float64)
        if not col.isna().any() and np.all(col == np.round(col)):
            col = col.astype(np.int64)
        df[c] = col
    return df


_LINE = re.compile(r"line (\d+)")


def read_csv_checked(source: Any, label: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """``pandas.read_csv`` whose parse errors become a ``DataError`` naming the file and line.

    An empty file, or one with a header line and no rows, is a ``DataError`` as well.
    """
    label = label or str(source)
    try:
        df = pd.read_csv(source, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{label!r} is empty: expected a header line and one row per sample.") from exc
    except pd.errors.ParserError as exc:
        m = _LINE.search(str(exc))
        where = f", line {m.group(1)}" if m else ""
        raise DataError(f"Malformed row in {label!r}{where}: {exc}") from exc
    except (UnicodeDecodeError, EOFError, OSError) as exc:
        raise DataError(f"Cannot read {label!r}: {type(exc).__name__}: {exc}") from exc
    if len(df) == 0:
        raise DataError(f"{label!r} has no rows: only a header line ({', '.join(map(str, df.columns[:8]))}).")
    return df


def table_spec(df: pd.DataFrame, text: Sequence[str] = ()) -> dict[str, list[str]]:
    """Split columns into numeric, categorical and text (text only where named)."""
    text = [c for c in df.columns if c in set(text)]
    numeric = [
        c for c in df.columns
        if c not in text and pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ]
    categorical = [c for c in df.columns if c not in text and c not in numeric]
    return {"numeric": numeric, "categorical": categorical, "text": text}


def make_target(
    values: pd.Series,
    where: str,
    *,
    positive: Any = None,
    task: str | None = None,
) -> tuple[np.ndarray, dict | None, str]:
    """Turn a label column into ``(target, label_mapping, task)``.

    ``positive`` (a value, or a function of a value returning bool) makes a binary target with
    1 for the positive class; otherwise classes are numbered in sorted order. ``task="regression"``
    keeps the values as floats.
    """
    if values.isna().any():
        row = int(np.argmax(values.isna().to_numpy()))
        raise DataError(f"{where}: the target of data row {row + 1} is missing.")
    if task == "regression":
        return values.to_numpy(dtype=np.float64), None, "regression"
    originals = [v.item() if hasattr(v, "item") else v for v in pd.unique(values)]
    if positive is not None:
        rule: Callable[[Any], bool] = positive if callable(positive) else (lambda v: v == positive)
        mapping = {v: int(bool(rule(v))) for v in sorted(originals)}
        target = values.map(mapping).to_numpy(dtype=np.int64)
        return target, mapping, task or "binary"
    classes, codes = np.unique(values.to_numpy(), return_inverse=True)
    mapping = {(c.item() if hasattr(c, "item") else c): i for i, c in enumerate(classes)}
    if all(k == v for k, v in mapping.items()):
        mapping = None
    return codes.astype(np.int64), mapping, task or ("binary" if len(classes) == 2 else "multiclass")


def load_table(
    path: str | os.PathLike,
    *,
    target: str,
    columns: Sequence[str] | None = None,
    sep: str | None = ",",
    numeric: Sequence[str] | None = None,
    text: Sequence[str] = (),
    na_values: Sequence[str] = ("?",),
    skip_lines: int = 0,
    positive: Any = None,
    task: str | None = None,
) -> Dataset:
    """Read a delimited table (headerless with ``columns``, or with a header row) as a Dataset.

    Parameters
    ----------
    path : str or path-like
        The file (``.gz`` allowed).
    target : str
        The label column; it is removed from the inputs.
    columns : sequence of str, optional
        Column names of a headerless file. Without it the first row is the header.
    sep : str or None, default=","
        Field separator (``None``: whitespace, headerless files only).
    numeric : sequence of str, optional
        Numeric columns of a headerless file (others are categorical strings).
    text : sequence of str, default=()
        Free-text columns (reported in the modality spec).
    na_values : sequence of str, default=("?",)
        Missing-value markers.
    skip_lines : int, default=0
        Lines to skip at the top of a headerless file.
    positive : object or callable, optional
        The positive class value (or a predicate) for a binary target.
    task : str, optional
        ``"binary"``, ``"multiclass"`` or ``"regression"``; inferred when omitted.

    Returns
    -------
    dataset : Dataset
        ``inputs={"table": DataFrame}``, the spec ``{"table": {"numeric", "categorical", "text"}}``.
    """
    path = require_dir(path, "Table file")
    if columns is not None:
        df = read_uci_table(
            path, columns, sep=sep, numeric=numeric or (), na_values=na_values, skip_lines=skip_lines
        )
    else:
        df = read_csv_checked(path, sep=sep or ",", na_values=list(na_values))
    if target not in df.columns:
        raise DataError(f"{str(path)!r} has no target column {target!r}; columns: {list(df.columns)}.")
    y, mapping, task = make_target(df[target], str(path), positive=positive, task=task)
    X = df.drop(columns=[target])
    return Dataset(
        inputs={"table": X},
        target=y,
        task=task,
        name=path.name,
        modality_spec={"table": table_spec(X, text)},
        description=f"Table read from {path.name}.",
        checksums=checksums_of([path], path.parent),
        label_mapping=mapping,
    )
