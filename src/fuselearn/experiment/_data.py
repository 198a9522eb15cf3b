"""Load the datasets of a config and split them into the folds of its CV scheme."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import (
    KFold,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    TimeSeriesSplit,
    train_test_split,
)

from ..data._dataset import take_rows
from ..exceptions import ConfigError
from ._config import BUILTIN_DATASETS, CVConfig, DatasetConfig, ExperimentConfig, did_you_mean

__all__ = [
    "LoadedData", "cached_data", "forget_data", "iter_splits", "load_data", "n_folds",
    "split_sensitive", "take_rows",
]


@dataclass
class LoadedData:
    """The inputs and target of one dataset, with what is known of its origin.

    ``sensitive`` holds the dataset's sensitive columns (taken out of ``X``) as group labels
    (strings), one column each, or is None. ``groups`` gives the group (series) index of every row
    and ``group_names`` the name of each group (a SKAB file), or both are None; the rows of a group
    are contiguous and in time order.
    """

    name: str
    X: Any
    y: np.ndarray
    task: str
    checksums: dict[str, str] = field(default_factory=dict)
    sensitive: pd.DataFrame | None = None
    split: dict[str, np.ndarray] | None = None  # the dataset's own parts (row positions), when it has them
    groups: np.ndarray | None = None
    group_names: list[str] | None = None

    def __len__(self) -> int:
        return len(self.y)


def _task(y: np.ndarray) -> str:
    if y.dtype.kind == "f" and len(np.unique(y)) > 20:
        return "regression"
    return "binary" if len(np.unique(y)) == 2 else "multiclass"


def _array_digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a))
        h.update(str(a.dtype).encode() + str(a.shape).encode())
        h.update(a.tobytes() if a.dtype.kind != "O" else repr(a.tolist()).encode())
    return h.hexdigest()


def _source(ds: DatasetConfig) -> str:
    return ds.source or ds.name


def _fuselearn_registry() -> list[str]:
    try:
        from ..data import list_datasets
    except ImportError:  # pragma: no cover - data layer absent
        return []
    try:
        return [getattr(d, "name", d) for d in list_datasets()]
    except Exception:  # noqa: BLE001 - a broken registry must not hide the real error
        return []


def check_dataset(ds: DatasetConfig, config: ExperimentConfig, where: str) -> list[str]:
    """Problems with one dataset entry that can be found without loading it."""
    source = _source(ds)
    if ds.group is not None and source != "csv":
        return [(f"{where}.group: names a column of a CSV (source: csv); dataset {ds.name!r} is "
                 f"{source!r}, whose loader gives its own series. Remove 'group'.")]
    if source in BUILTIN_DATASETS:
        return []
    if source == "csv":
        problems = []
        if not ds.path:
            problems.append(f"{where}.path: required for source 'csv'.")
        if not ds.target:
            problems.append(f"{where}.target: required for source 'csv'.")
        if ds.path:
            path = config.resolve_path(ds.path)
            if not path.is_file():
                problems.append(f"{where}.path: file {str(path)!r} does not exist.")
            elif ds.target:
                header = pd.read_csv(path, nrows=0).columns.tolist()
                if ds.target not in header:
                    problems.append(
                        f"{where}.target: column {ds.target!r} is not in {path.name}."
                        f"{did_you_mean(ds.target, header)}"
                    )
                problems += _sensitive_problems(ds, where, [c for c in header if c != ds.target],
                                                path.name)
                if ds.group is not None and ds.group not in header:
                    problems.append(f"{where}.group: column {ds.group!r} is not in {path.name}."
                                    f"{did_you_mean(ds.group, header)}")
        return problems
    registry = _fuselearn_registry()
    if source in registry:
        return []
    choices = list(BUILTIN_DATASETS) + ["csv"] + registry
    key = "source" if ds.source else "name"
    message = (
        f"{where}.{key}: unknown dataset {source!r}.{did_you_mean(source, choices)} "
        f"Valid sources: {', '.join(choices)}."
    )
    return [message]


def _sensitive_problems(ds: DatasetConfig, where: str, columns: list, source: str) -> list[str]:
    """Sensitive columns of ``ds`` that are not among ``columns`` (the features), with the closest."""
    problems = []
    names = ds.sensitive_columns()
    for i, name in enumerate(names):
        if name == ds.target:
            problems.append(f"{where}.sensitive[{i}]: {name!r} is the target; name a feature column.")
        elif name in names[:i]:
            problems.append(f"{where}.sensitive[{i}]: {name!r} is named twice.")
        elif name not in columns:
            shown = ", ".join(map(str, columns[:30])) + (", ..." if len(columns) > 30 else "")
            problems.append(
                f"{where}.sensitive[{i}]: column {name!r} is not in {source}."
                f"{did_you_mean(name, [str(c) for c in columns])} Its columns: {shown}."
            )
    return problems


def split_sensitive(ds: DatasetConfig, X: Any, where: str = "datasets[?]") -> tuple[Any, pd.DataFrame | None]:
    """Take the sensitive columns of ``ds`` out of ``X``: (features, group labels or None).

    Each sensitive column becomes string group labels (missing values: ``"(missing)"``); a
    :class:`~._config.SensitiveColumn` with ``bins`` groups a numeric column by its cut points.

    Raises
    ------
    ConfigError
        ``X`` has no named columns, a column is missing (naming the closest), a binned column is not
        numeric, or a column has one group only.
    """
    if not ds.sensitive:
        return X, None
    key = where
    where = f"{key}.sensitive (dataset {ds.name!r})"
    if not isinstance(X, pd.DataFrame):
        raise ConfigError(
            f"{where}: sensitive columns need a table with named columns, but its inputs are "
            f"{type(X).__name__}; remove 'sensitive' from this dataset."
        )
    problems = _sensitive_problems(ds, key, list(X.columns), f"dataset {ds.name!r}")
    if problems:
        raise ConfigError("Invalid sensitive columns:\n" + "\n".join(f"  {p}" for p in problems))
    groups = {}
    for spec in ds.sensitive:
        name = spec if isinstance(spec, str) else spec.column
        values = X[name]
        if isinstance(spec, str):
            labels = values.astype(object).where(values.notna(), "(missing)").astype(str)
        else:
            if not pd.api.types.is_numeric_dtype(values):
                raise ConfigError(
                    f"{where}: sensitive column {name!r} has bins but is not numeric "
                    f"({values.dtype}); name it without bins to group by its values."
                )
            labels = _bin_labels(values.to_numpy(dtype=float), spec.bins)
        found = pd.unique(labels)
        if len(found) < 2:
            raise ConfigError(
                f"{where}: sensitive column {name!r} has one group only ({found[0]!r}) in "
                f"{len(X)} rows; a fairness audit compares at least two groups. Name another column"
                + (", or bins that split it." if isinstance(spec, str) else ", or other bins.")
            )
        groups[name] = labels.to_numpy() if hasattr(labels, "to_numpy") else labels
    return X.drop(columns=list(groups)), pd.DataFrame(groups, index=X.index)


def _bin_labels(values: np.ndarray, bins: list[float]) -> pd.Series:
    """``<25``, ``[25, 40)``, ``>=40`` style labels of ``values`` cut at ``bins``."""
    def fmt(v: float) -> str:
        return f"{v:g}"

    names = [f"<{fmt(bins[0])}"]
    names += [f"[{fmt(a)}, {fmt(b)})" for a, b in itertools.pairwise(bins)]
    names.append(f">={fmt(bins[-1])}")
    pos = np.searchsorted(np.asarray(bins, dtype=float), values, side="right")
    labels = np.asarray(names, dtype=object)[pos]
    labels[np.isnan(values)] = "(missing)"
    return pd.Series(labels)


def load_data(ds: DatasetConfig, config: ExperimentConfig) -> LoadedData:
    """Load one dataset of the config (subsampled to ``max_rows`` when set).

    Parameters
    ----------
    ds : DatasetConfig
    config : ExperimentConfig
        For paths relative to the config file.

    Returns
    -------
    LoadedData
    """
    source = _source(ds)
    index = next((i for i, d in enumerate(config.datasets) if d.name == ds.name), "?")
    where = f"datasets[{index}]"
    split = None
    task = ds.task
    groups = group_names = None
    if source in BUILTIN_DATASETS:
        import sklearn.datasets as skd

        bunch = getattr(skd, f"load_{source}")(**ds.options)
        X, y = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target)
        checksums = {f"sklearn:{source}": _array_digest(X, y)}
    elif source == "csv":
        path = config.resolve_path(ds.path)
        frame = pd.read_csv(path, **ds.options)
        y = frame.pop(ds.target).to_numpy()
        if ds.group is not None:
            groups, group_names = _group_column(frame, ds, where, path.name)
            frame = frame.drop(columns=[ds.group])
        X = frame
        with open(path, "rb") as fh:
            checksums = {path.name: hashlib.sha256(fh.read()).hexdigest()}
    else:
        from ..data import load_dataset

        data = load_dataset(source, ds.data_dir, **ds.options)
        if data.task == "anomaly":
            task = "anomaly"
        X, y, checksums = data.X, np.asarray(data.target), dict(data.checksums)
        if isinstance(X, list) and X and all(isinstance(f, pd.DataFrame) for f in X):
            # one series per experiment (SKAB): the rows of every series, one after the other
            groups = np.repeat(np.arange(len(X)), [len(f) for f in X])
            group_names = [str(n) for n in data.metadata.get("experiments", range(len(X)))]
            X = pd.concat(X, ignore_index=True)
        if data.split:
            split = {part: np.asarray(idx, dtype=np.int64) for part, idx in data.split.items()}
    if ds.max_rows is not None and (groups is not None or task == "anomaly"):
        raise ConfigError(
            f"{where}.max_rows: dataset {ds.name!r} is a set of series (an anomaly task or groups), "
            "which a random subset of rows would cut apart; remove max_rows and choose fewer series "
            "instead (for SKAB: options: {experiments: [valve1/0.csv, ...]})."
        )
    if ds.max_rows is not None and ds.max_rows < len(y):
        n_all = len(y)
        rng = np.random.RandomState(0)
        task = _task(y)
        stratify = y if task != "regression" else None
        try:
            keep, _ = train_test_split(
                np.arange(len(y)), train_size=ds.max_rows, stratify=stratify, random_state=rng
            )
        except ValueError:
            keep = rng.choice(len(y), ds.max_rows, replace=False)
        keep = np.sort(keep)
        X = take_rows(X, keep)
        y = y[keep]
        if split is not None:  # each part keeps its sampled rows, renumbered
            position = np.full(n_all, -1, dtype=np.int64)
            position[keep] = np.arange(len(keep))
            split = {part: np.sort(position[idx][position[idx] >= 0]) for part, idx in split.items()}
    if isinstance(X, pd.DataFrame):
        X = X.reset_index(drop=True)
    X, sensitive = split_sensitive(ds, X, where)
    if task == "anomaly":
        _check_anomaly_target(y, ds, where)
    return LoadedData(name=ds.name, X=X, y=y, task=task or _task(y), checksums=checksums,
                      sensitive=sensitive, split=split, groups=groups, group_names=group_names)


def _group_column(frame: pd.DataFrame, ds: DatasetConfig, where: str, source: str):
    """The group index of every row and the group names, from the ``group`` column of a CSV."""
    if ds.group not in frame.columns:
        raise ConfigError(
            f"{where}.group: column {ds.group!r} is not in {source}."
            f"{did_you_mean(ds.group, [str(c) for c in frame.columns])}"
        )
    values = frame[ds.group].astype(str).to_numpy()
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    names = values[starts].tolist()
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(
            f"{where}.group: the rows of group {repeated[0]!r} (column {ds.group!r} of {source}) are "
            "not contiguous; a group is one series, its rows one after the other in time order. "
            "Sort the file by group (keeping each group's row order)."
        )
    return np.repeat(np.arange(len(names)), np.diff(np.r_[starts, len(values)])), names


def _check_anomaly_target(y: np.ndarray, ds: DatasetConfig, where: str) -> None:
    """An anomaly target is 0/1 point labels (1 = anomaly)."""
    if not np.isin(np.asarray(y, dtype=object), [0, 1]).all():
        shown = sorted({str(v) for v in np.asarray(y, dtype=object).tolist()})[:6]
        raise ConfigError(
            f"{where}: dataset {ds.name!r} is an anomaly task, whose target holds 0 (normal) and 1 "
            f"(anomaly) for every row; its target holds {shown}. Map the labels to 0/1, or remove "
            "task: anomaly."
        )


# The datasets this process loaded, by (config hash, dataset name): each is loaded once per process
# (the runner's process needs the target for the folds; each worker process needs the rows).
_LOADED: dict[tuple[str, str], LoadedData] = {}


def cached_data(ds: DatasetConfig, config: ExperimentConfig, config_hash: str) -> LoadedData:
    """:func:`load_data`, once per process for each (config, dataset); keeps one config's data.

    Parameters
    ----------
    ds : DatasetConfig
    config : ExperimentConfig
    config_hash : str
        The config's :func:`~._config.config_hash` (data of another config is dropped).

    Returns
    -------
    LoadedData
    """
    key = (config_hash, ds.name)
    if key not in _LOADED:
        for old in [k for k in _LOADED if k[0] != config_hash]:
            del _LOADED[old]
        _LOADED[key] = load_data(ds, config)
    return _LOADED[key]


def forget_data() -> None:
    """Drop every dataset this process loaded (a new run reads the files again)."""
    _LOADED.clear()


def n_folds(cv: CVConfig, n_groups: int | None = None) -> int:
    """Number of (train, test) splits one seed gives (``group_head``: ``n_groups``, else 1)."""
    if cv.scheme == "group_head":
        return n_groups or 1
    if cv.scheme in ("holdout", "predefined"):
        return 1
    if cv.scheme == "5x2":
        return 10
    if cv.scheme == "repeated_kfold":
        return cv.n_splits * cv.n_repeats
    return cv.n_splits


def iter_splits(cv: CVConfig, y: np.ndarray, seed: int, task: str, *,
                split: dict[str, np.ndarray] | None = None,
                dataset: str = "", groups: np.ndarray | None = None,
                group_names: list[str] | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) index pairs of one seed, in fold order.

    Parameters
    ----------
    cv : CVConfig
    y : ndarray
        The target (stratification).
    seed : int
    task : str
        ``"regression"`` turns stratified schemes into plain ones.
    split : dict of str to ndarray, optional
        The dataset's own parts (``LoadedData.split``), for ``scheme: predefined``.
    dataset : str, default=""
        The dataset's name, for the error message.
    groups : ndarray, optional
        The group of every row (``LoadedData.groups``), for ``scheme: group_head``.
    group_names : list of str, optional
        The name of each group, for the error message.

    Returns
    -------
    list of (ndarray, ndarray)
    """
    n = len(y)
    if cv.scheme == "group_head":
        return _group_head(cv, n, groups, group_names, dataset)
    if cv.scheme == "predefined":
        if not split or "train" not in split or "test" not in split:
            have = sorted(split) if split else "none"
            raise ConfigError(
                f"cv: scheme 'predefined' uses the dataset's own train/test split, but dataset "
                f"{dataset!r} has {'parts ' + str(have) if split else 'no predefined split'}. Use a "
                "dataset loaded with both parts (no 'subset' option), or another scheme."
            )
        train, test = np.sort(split["train"]), np.sort(split["test"])
        if len(train) == 0 or len(test) == 0:
            raise ConfigError(f"cv: the predefined split of dataset {dataset!r} has an empty train or test part "
                              f"({len(train)} / {len(test)} rows); raise max_rows.")
        return [(train, test)]
    X = np.zeros((n, 1))
    stratified = task not in ("regression", "anomaly")
    if cv.scheme == "holdout":
        train, test = train_test_split(
            np.arange(n), test_size=cv.test_size, random_state=seed,
            stratify=y if stratified else None,
        )
        return [(np.sort(train), np.sort(test))]
    if cv.scheme == "time_series":
        splitter: Any = TimeSeriesSplit(n_splits=cv.n_splits)
    elif cv.scheme == "kfold":
        splitter = KFold(cv.n_splits, shuffle=cv.shuffle, random_state=seed if cv.shuffle else None)
    elif cv.scheme in ("repeated_kfold", "5x2"):
        k, r = (2, 5) if cv.scheme == "5x2" else (cv.n_splits, cv.n_repeats)
        if stratified:
            splitter = RepeatedStratifiedKFold(n_splits=k, n_repeats=r, random_state=seed)
        else:
            from sklearn.model_selection import RepeatedKFold

            splitter = RepeatedKFold(n_splits=k, n_repeats=r, random_state=seed)
    else:  # stratified_kfold
        if stratified:
            splitter = StratifiedKFold(
                cv.n_splits, shuffle=cv.shuffle, random_state=seed if cv.shuffle else None
            )
        else:
            splitter = KFold(cv.n_splits, shuffle=cv.shuffle, random_state=seed if cv.shuffle else None)
    try:
        return [(tr, te) for tr, te in splitter.split(X, y if stratified else None)]
    except ValueError as exc:
        raise ConfigError(f"cv: cannot split {n} rows with scheme {cv.scheme!r}: {exc}") from None


def _group_head(cv: CVConfig, n: int, groups: np.ndarray | None, names: list[str] | None,
                dataset: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """One fold per group, in group order: its first ``fit_rows`` rows train, the rest test."""
    if cv.fit_rows is None:
        raise ConfigError("cv.fit_rows: required for scheme 'group_head' (the rows at the start of each "
                          "group that train, e.g. 400 for SKAB).")
    if groups is None:
        raise ConfigError(
            f"cv: scheme 'group_head' fits on the first rows of each group (series), but dataset "
            f"{dataset!r} has no groups. Name its series column with 'group' (a CSV), use a dataset "
            "of series (skab), or another scheme."
        )
    groups = np.asarray(groups)
    folds = []
    for g in range(int(groups.max()) + 1 if len(groups) else 0):
        rows = np.flatnonzero(groups == g)
        if len(rows) == 0:
            continue
        name = names[g] if names is not None and g < len(names) else str(g)
        if len(rows) <= cv.fit_rows:
            raise ConfigError(
                f"cv.fit_rows: {cv.fit_rows} is not less than the {len(rows)} rows of group {name!r} of "
                f"dataset {dataset!r}, which leaves no row to test. Lower fit_rows below the shortest "
                "group's length, or leave that group out."
            )
        folds.append((rows[: cv.fit_rows], rows[cv.fit_rows:]))
    return folds
