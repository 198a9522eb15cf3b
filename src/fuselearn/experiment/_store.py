"""The run store: one SQLite file (WAL mode) per run folder, one row per finished cell.

Each cell's status, scores, timings, predictions and error are written in ONE transaction, so a
killed run leaves every cell either complete or absent. Rows belong to a run id; a folder whose
config changed is refused unless forced, which starts a new run id instead of mixing rows.
"""

from __future__ import annotations

import functools
import io
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import ConfigError, DataError

if TYPE_CHECKING:
    from ._cell import CellResult

__all__ = [
    "STORE_NAME", "RunFolderError", "Store", "StoreDamagedError", "decode_arrays", "encode_arrays",
]

STORE_NAME = "store.sqlite"


class RunFolderError(ConfigError):
    """The run folder cannot be used as asked.

    Attributes
    ----------
    reason : {"other_config", "in_use", "not_a_folder", "not_a_run"}
        What is wrong, for a caller (the CLI) that adds how to fix it in its own terms.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class StoreDamagedError(DataError):
    """The run's ``store.sqlite`` is corrupted or truncated and cannot be read.

    Attributes
    ----------
    path : pathlib.Path
        The store file.
    """

    def __init__(self, path: Path, detail: str) -> None:
        self.path = Path(path)
        super().__init__(
            f"The run store {str(self.path)!r} is damaged ({detail}); its results cannot be read. "
            f"To start over, move it aside (with any {self.path.name}-wal and {self.path.name}-shm "
            "files beside it) or delete the run folder, then run the config again, or run into "
            "another folder."
        )


def _damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether an SQLite error means a damaged file (not a busy or locked database)."""
    text = str(exc).lower()
    return not any(word in text for word in ("locked", "busy", "unable to open"))


def _guarded(method):
    """Turn SQLite's errors about a damaged file into :class:`StoreDamagedError`."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if _damage(exc):
                raise StoreDamagedError(self.path, str(exc)) from None
            raise

    return wrapper

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    config_hash TEXT NOT NULL,
    config_json TEXT NOT NULL,
    created     REAL NOT NULL,
    manifest    TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS cells (
    run_id      TEXT NOT NULL REFERENCES runs(run_id),
    cell_id     TEXT NOT NULL,
    dataset     TEXT NOT NULL,
    pipeline    TEXT NOT NULL,
    seed        INTEGER NOT NULL,
    fold        INTEGER NOT NULL,
    status      TEXT NOT NULL,
    scores      TEXT NOT NULL DEFAULT '{}',
    fit_time    REAL,
    predict_time REAL,
    n_train     INTEGER,
    n_test      INTEGER,
    error       TEXT,
    predictions BLOB,
    worker      TEXT,
    attempts    INTEGER NOT NULL DEFAULT 1,
    finished    REAL NOT NULL,
    setup_time  REAL,
    total_time  REAL,
    shared_fit  INTEGER,
    insights    TEXT,
    PRIMARY KEY (run_id, cell_id)
);
CREATE TABLE IF NOT EXISTS trials (
    run_id   TEXT NOT NULL,
    number   INTEGER NOT NULL,
    pipeline TEXT NOT NULL,
    params   TEXT NOT NULL,
    PRIMARY KEY (run_id, number)
);
CREATE TABLE IF NOT EXISTS scores (
    run_id  TEXT NOT NULL,
    cell_id TEXT NOT NULL,
    metric  TEXT NOT NULL,
    value   REAL,
    PRIMARY KEY (run_id, cell_id, metric)
);
"""


# Columns added after the first stores were written (added to an old store when it is written to).
_ADDED_COLUMNS = {"setup_time": "REAL", "total_time": "REAL", "shared_fit": "INTEGER", "insights": "TEXT"}
# Of those, the ones Store.cells returns (insights documents are read by Store.insights).
_CELL_FRAME_COLUMNS = ("setup_time", "total_time", "shared_fit")


def encode_arrays(arrays: dict[str, np.ndarray | None]) -> bytes:
    """Compress named arrays into one ``.npz`` blob (None entries are left out)."""
    buf = io.BytesIO()
    clean = {}
    for k, v in arrays.items():
        if v is None:
            continue
        a = np.asarray(v)
        if a.dtype.kind == "O":  # string labels: stored as unicode, never pickled
            a = a.astype(str)
        clean[k] = a
    np.savez_compressed(buf, **clean)
    return buf.getvalue()


def _plain(obj: Any) -> Any:
    """Strict JSON data (insights documents): NumPy as Python values, NaN and infinities as None,
    anything else as its text (SQLite's JSON functions refuse NaN tokens)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    return str(obj)


def decode_arrays(blob: bytes | None) -> dict[str, np.ndarray]:
    """Inverse of :func:`encode_arrays` (no pickle is ever loaded)."""
    if not blob:
        return {}
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


class Store:
    """The SQLite file of a run folder.

    Parameters
    ----------
    path : path-like
        The run folder (created if needed) or the ``store.sqlite`` file itself.
    readonly : bool, default=False
        Open without writing (the report).

    Examples
    --------
    >>> import tempfile
    >>> from fuselearn.experiment import Store
    >>> store = Store(tempfile.mkdtemp())
    >>> store.runs()
    []
    """

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False) -> None:
        path = Path(path)
        if path.suffix != ".sqlite":
            if path.exists() and not path.is_dir():
                raise RunFolderError(
                    f"{str(path)!r} is a file, not a run folder; name a folder instead.",
                    reason="not_a_folder",
                )
            if readonly and not (path / STORE_NAME).is_file():
                raise RunFolderError(
                    f"{str(path)!r} is not a run folder: it has no {STORE_NAME}.",
                    reason="not_a_run",
                )
            if not readonly:
                path.mkdir(parents=True, exist_ok=True)
            path = path / STORE_NAME
        self.path = path
        self._db = None
        self._open(readonly)

    @_guarded
    def _open(self, readonly: bool) -> None:
        path = self.path
        if readonly:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        else:
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        # A truncated or overwritten file shows here, not halfway through a run or a report.
        check = self._db.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise sqlite3.DatabaseError("; ".join(str(row[0]) for row in check[:3]))
        if not readonly:
            self._db.executescript(_SCHEMA)
            have = {row[1] for row in self._db.execute("PRAGMA table_info(cells)")}
            for column, kind in _ADDED_COLUMNS.items():  # stores written before these columns
                if column not in have:
                    self._db.execute(f"ALTER TABLE cells ADD COLUMN {column} {kind}")
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if not {"runs", "cells", "scores"} <= tables:
            raise sqlite3.DatabaseError(f"tables missing: it has {sorted(tables) or 'none'}")
        self._columns = {row[1] for row in self._db.execute("PRAGMA table_info(cells)")}

    def close(self) -> None:
        """Close the connection."""
        if self._db is not None:
            self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- runs ---------------------------------------------------------------------------------

    @_guarded
    def runs(self) -> list[dict[str, Any]]:
        """Every run of this store, oldest first."""
        rows = self._db.execute(
            "SELECT run_id, config_hash, config_json, created, manifest FROM runs ORDER BY created"
        ).fetchall()
        return [
            {
                "run_id": r[0],
                "config_hash": r[1],
                "config": json.loads(r[2]),
                "created": r[3],
                "manifest": json.loads(r[4]),
            }
            for r in rows
        ]

    def latest_run(self) -> dict[str, Any] | None:
        """The newest run, or None for an empty store."""
        runs = self.runs()
        return runs[-1] if runs else None

    @_guarded
    def open_run(self, config_hash: str, config: dict, *, force: bool = False) -> tuple[str, bool]:
        """The run id to write into: the existing run when the config is unchanged.

        Returns
        -------
        run_id : str
        resumed : bool
            Whether an existing run is continued.

        Raises
        ------
        ConfigError
            The folder holds a run of a different config and ``force`` is False.
        """
        latest = self.latest_run()
        if latest is not None and latest["config_hash"] == config_hash:
            return latest["run_id"], True
        if latest is not None and not force:
            raise RunFolderError(
                f"The run folder {str(self.path.parent)!r} holds a run of another config "
                f"(hash {latest['config_hash']}, now {config_hash}). Run into another folder, or "
                "start a new run in this folder with force=True (old rows are kept apart).",
                reason="other_config",
            )
        run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{config_hash[:8]}-{os.getpid()}"
        self._db.execute(
            "INSERT INTO runs (run_id, config_hash, config_json, created) VALUES (?, ?, ?, ?)",
            (run_id, config_hash, json.dumps(config, sort_keys=True), time.time()),
        )
        return run_id, False

    @_guarded
    def set_manifest(self, run_id: str, manifest: dict) -> None:
        """Store the run's manifest (versions, command, machine, checksums)."""
        self._db.execute(
            "UPDATE runs SET manifest = ? WHERE run_id = ?",
            (json.dumps(manifest, sort_keys=True, default=str), run_id),
        )

    # --- cells --------------------------------------------------------------------------------

    @_guarded
    def done_cells(self, run_id: str) -> set[str]:
        """Ids of the cells of ``run_id`` that finished without error."""
        rows = self._db.execute(
            "SELECT cell_id FROM cells WHERE run_id = ? AND status = 'ok'", (run_id,)
        )
        return {r[0] for r in rows}

    @_guarded
    def write_cell(self, run_id: str, result: CellResult) -> None:
        """Write one cell's result (status, scores, timings, predictions, error) atomically.

        A failed cell that is retried replaces its earlier row; ``attempts`` counts the tries.
        """
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            prev = db.execute(
                "SELECT attempts FROM cells WHERE run_id = ? AND cell_id = ?",
                (run_id, result.cell_id),
            ).fetchone()
            attempts = 1 + (prev[0] if prev else 0)
            scores = result.scores or {}
            blob = None if result.predictions is None else encode_arrays(result.predictions)
            cell = result.cell
            db.execute(
                "INSERT OR REPLACE INTO cells (run_id, cell_id, dataset, pipeline, seed, fold, "
                "status, scores, fit_time, predict_time, n_train, n_test, error, predictions, "
                "worker, attempts, finished, setup_time, total_time, shared_fit, insights) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    result.cell_id,
                    cell.dataset,
                    cell.pipeline,
                    int(cell.seed),
                    int(cell.fold),
                    result.status,
                    json.dumps(scores),
                    result.fit_time,
                    result.predict_time,
                    result.n_train,
                    result.n_test,
                    result.error,
                    blob,
                    result.worker,
                    attempts,
                    time.time(),
                    result.setup_time,
                    result.total_time,
                    int(result.shared_fit),
                    None if result.insights is None else json.dumps(_plain(result.insights)),
                ),
            )
            db.execute(
                "DELETE FROM scores WHERE run_id = ? AND cell_id = ?", (run_id, result.cell_id)
            )
            db.executemany(
                "INSERT INTO scores (run_id, cell_id, metric, value) VALUES (?, ?, ?, ?)",
                [(run_id, result.cell_id, m, v) for m, v in scores.items()],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @_guarded
    def cells(self, run_id: str | None = None) -> pd.DataFrame:
        """One row per stored cell of a run (default: the latest), scores as columns.

        Returns
        -------
        pandas.DataFrame
            Columns ``cell_id, dataset, pipeline, seed, fold, status, fit_time, predict_time,
            n_train, n_test, error, attempts, finished``, where the store has them (stores
            written before these were added lack them) ``setup_time, total_time, shared_fit``,
            and one column per metric.
        """
        if run_id is None:
            latest = self.latest_run()
            if latest is None:
                return pd.DataFrame()
            run_id = latest["run_id"]
        extra = "".join(f", {c}" for c in _CELL_FRAME_COLUMNS if c in self._columns)
        frame = pd.read_sql_query(
            "SELECT cell_id, dataset, pipeline, seed, fold, status, scores, fit_time, "
            f"predict_time, n_train, n_test, error, attempts, finished{extra} FROM cells "
            "WHERE run_id = ? ORDER BY dataset, pipeline, seed, fold",
            self._db,
            params=(run_id,),
        )
        scores = pd.DataFrame([json.loads(s) for s in frame.pop("scores")], index=frame.index)
        return pd.concat([frame, scores], axis=1)

    @_guarded
    def insights(self, run_id: str, dataset: str | None = None) -> list[dict[str, Any]]:
        """The insights documents of the ok cells of a run (optionally one dataset's).

        Returns
        -------
        list of dict
            ``cell_id, dataset, pipeline, seed, fold`` and ``insights`` (the document, see
            :func:`fuselearn.experiment._insights.compute_insights`); empty for a store written
            before insights existed.
        """
        if "insights" not in self._columns:
            return []
        query = (
            "SELECT cell_id, dataset, pipeline, seed, fold, insights FROM cells WHERE run_id = ? "
            "AND status = 'ok' AND insights IS NOT NULL"
        )
        params: tuple = (run_id,)
        if dataset is not None:
            query += " AND dataset = ?"
            params += (dataset,)
        rows = self._db.execute(query + " ORDER BY dataset, pipeline, seed, fold", params).fetchall()
        return [
            {"cell_id": c, "dataset": d, "pipeline": p, "seed": s, "fold": f, "insights": json.loads(j)}
            for c, d, p, s, f, j in rows
        ]

    @_guarded
    def insights_keys(self, run_id: str) -> dict[str, str | None]:
        """``cell_id -> key`` of the stored insights of a run's ok cells (what a rerun compares)."""
        if "insights" not in self._columns:
            return {}
        rows = self._db.execute(
            "SELECT cell_id, json_extract(insights, '$.key') FROM cells WHERE run_id = ? AND "
            "status = 'ok' AND insights IS NOT NULL", (run_id,),
        ).fetchall()
        return {c: k for c, k in rows}

    # --- sensitivity trials ----------------------------------------------------------------------

    @_guarded
    def record_trials(self, run_id: str, trials: list[tuple[int, str, dict]]) -> None:
        """Record sensitivity trials ``(number, pipeline, params)`` in one transaction.

        ``params`` is JSON data: ``{"values": {path: value}, "labels": {path: label}}``. A number
        already recorded is kept as it was (a resumed run replays it).
        """
        if not trials:
            return
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT OR IGNORE INTO trials (run_id, number, pipeline, params) VALUES (?, ?, ?, ?)",
                [(run_id, int(n), name, json.dumps(p, sort_keys=True)) for n, name, p in trials],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @_guarded
    def trials(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """The recorded sensitivity trials of a run (default: the latest), by number."""
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if "trials" not in tables:  # a store written before sensitivity trials existed
            return []
        if run_id is None:
            latest = self.latest_run()
            if latest is None:
                return []
            run_id = latest["run_id"]
        rows = self._db.execute(
            "SELECT number, pipeline, params FROM trials WHERE run_id = ? ORDER BY number",
            (run_id,),
        ).fetchall()
        return [{"number": n, "pipeline": p, **json.loads(j)} for n, p, j in rows]

    @_guarded
    def predictions(self, run_id: str, dataset: str, pipeline: str) -> list[dict[str, Any]]:
        """The stored test-fold predictions of one (dataset, pipeline), one dict per ok cell."""
        rows = self._db.execute(
            "SELECT seed, fold, predictions FROM cells WHERE run_id = ? AND dataset = ? AND "
            "pipeline = ? AND status = 'ok' ORDER BY seed, fold",
            (run_id, dataset, pipeline),
        ).fetchall()
        return [{"seed": s, "fold": f, **decode_arrays(b)} for s, f, b in rows]
