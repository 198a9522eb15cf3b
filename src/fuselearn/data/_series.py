"""Reader for SKAB-style multivariate series: a folder of ``;`` CSVs indexed by ``datetime``."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ._dataset import Dataset
from ._files import checksums_of, require_dir
from ._tables import read_csv_checked

__all__ = ["load_skab_folder"]

LABELS = ("anomaly", "changepoint")


def _natural_key(p: Path, root: Path) -> tuple:
    rel = p.relative_to(root)
    return tuple(int(s) if s.isdigit() else s for s in (*rel.parent.parts, rel.stem))


def _read_one(path: Path) -> pd.DataFrame:
    df = read_csv_checked(path, sep=";", index_col="datetime", parse_dates=True)
    bad = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        col = bad[0]
        values = pd.to_numeric(df[col], errors="coerce")
        row = int(np.argmax(values.isna().to_numpy() & df[col].notna().to_numpy()))
        raise DataError(
            f"Malformed row in {str(path)!r}, line {row + 2}: column {col!r} must be a number, "
            f"got {df[col].iloc[row]!r}."
        )
    return df


def load_skab_folder(
    path: str | os.PathLike, *, n_fit: int = 400, include_anomaly_free: bool = False,
    experiments: list[str] | None = None,
) -> Dataset:
    """Read every SKAB-style CSV under ``path`` (recursively) as one series per experiment.

    The benchmark protocol of SKAB: files without ``anomaly``/``changepoint`` columns (the
    anomaly-free recording) are left out unless ``include_anomaly_free``; in each file the first
    ``n_fit`` rows are for fitting (treated as normal) and the rest is scored.

    Parameters
    ----------
    path : str or path-like
        The folder (for example ``SKAB/data``) holding ``*.csv`` files, ``;``-separated, with a
        ``datetime`` column.
    n_fit : int, default=400
        Rows at the start of each file used for fitting.
    include_anomaly_free : bool, default=False
        Also return files without labels (their labels are all 0, and they are not in the split).
    experiments : list of str, optional
        Read only these files (names relative to ``path``, e.g. ``"valve1/0.csv"``), in the
        folder's order (a quick look at a few experiments).

    Returns
    -------
    dataset : Dataset
        ``inputs={"series": list[DataFrame]}``: one frame of sensor columns per experiment,
        indexed by ``datetime``. ``target``: the ``anomaly`` label of every point, concatenated in
        experiment order. ``metadata``: ``"experiments"`` (file names relative to ``path``),
        ``"changepoint"`` (concatenated like ``target``), ``"offsets"`` (start of each experiment in
        ``target``; ``np.split(target, offsets[1:-1])`` gives per-experiment labels), ``"groups"``
        (experiment index of every point) and ``"labelled"`` (whether each file had labels).
        ``split``: ``"fit"`` (first ``n_fit`` points of each labelled file) and ``"score"`` (the rest),
        as positions into ``target``.
    """
    root = require_dir(path, "SKAB folder")
    files = sorted(root.rglob("*.csv"), key=lambda p: _natural_key(p, root))
    if not files:
        raise DataError(f"No *.csv files found under {str(root)!r}.")
    if experiments is not None:
        from .._registry import did_you_mean

        if isinstance(experiments, str) or not experiments:
            raise DataError(f"experiments must be a non-empty list of file names under {str(root)!r} "
                            f"(e.g. ['valve1/0.csv']); got {experiments!r}.")
        available = [f.relative_to(root).as_posix() for f in files]
        for name in experiments:
            if name not in available:
                raise DataError(
                    f"No experiment {name!r} under {str(root)!r}.{did_you_mean(str(name), available)} "
                    f"Names are paths relative to that folder, e.g. {available[0]!r}."
                )
        files = [f for f, name in zip(files, available) if name in set(experiments)]
    frames, names, anomaly, changepoint, labelled, read = [], [], [], [], [], []
    fit, score = [], []
    offset = 0
    offsets = [0]
    for f in files:
        df = _read_one(f)
        has = [c in df.columns for c in LABELS]
        if any(has) and not all(has):
            raise DataError(f"{str(f)!r} has only one of the label columns {LABELS}.")
        if not all(has) and not include_anomaly_free:
            continue
        read.append(f)
        n = len(df)
        if all(has):
            a = df["anomaly"].to_numpy(dtype=np.int64)
            c = df["changepoint"].to_numpy(dtype=np.int64)
            k = min(n_fit, n)
            fit.append(np.arange(offset, offset + k))
            score.append(np.arange(offset + k, offset + n))
        else:
            a = c = np.zeros(n, dtype=np.int64)
        frames.append(df.drop(columns=[x for x in LABELS if x in df.columns]))
        names.append(f.relative_to(root).as_posix())
        anomaly.append(a)
        changepoint.append(c)
        labelled.append(all(has))
        offset += n
        offsets.append(offset)
    if not frames:
        raise DataError(f"No labelled SKAB files (with 'anomaly' and 'changepoint') under {str(root)!r}.")
    target = np.concatenate(anomaly)
    groups = np.repeat(np.arange(len(frames)), np.diff(offsets))
    return Dataset(
        inputs={"series": frames},
        target=target,
        task="anomaly",
        name=root.name,
        modality_spec={"series": {"columns": list(frames[0].columns), "freq": "1s"}},
        description=(
            f"{len(frames)} multivariate series; per labelled file the first {n_fit} points are for "
            "fitting and the rest is scored."
        ),
        checksums=checksums_of(read, root),
        split={"fit": np.concatenate(fit) if fit else np.empty(0, np.int64),
               "score": np.concatenate(score) if score else np.empty(0, np.int64)},
        metadata={
            "experiments": names,
            "changepoint": np.concatenate(changepoint),
            "offsets": np.array(offsets),
            "groups": groups,
            "labelled": np.array(labelled),
            "n_fit": n_fit,
        },
    )
