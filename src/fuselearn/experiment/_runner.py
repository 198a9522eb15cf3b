"""The runner: expand the grid into cells, skip the finished ones, run the rest, store each result.

Backends
--------
``local``
    With one job and no time budget the cells run in this process. Otherwise each of ``jobs``
    long-lived worker processes takes one cell at a time through a pipe; a cell that runs past
    ``time_budget`` has its worker killed (SIGKILL) and replaced, and is stored as failed. (joblib
    cannot stop one running task, which is why the pool is our own.) The first workers are forked
    from this process where that is safe (Linux, no other thread, CUDA not initialised: see
    :func:`_start_method`), so they start with everything already imported and every dataset
    already loaded; otherwise, and for replacements, they are spawned.
``dask``
    Each cell is one task on a ``distributed`` cluster: ``scheduler`` names one, otherwise a
    ``LocalCluster`` of ``jobs`` single-threaded worker processes on 127.0.0.1 is started. A cell
    past its budget exits its worker process (the nanny restarts it) and is stored as failed.

Only this process writes the store, one transaction per cell, so a killed run loses at most the
cells that were running.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import platform
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from ..exceptions import ConfigError
from ._build import build_pipeline
from ._cell import Cell, CellResult, CellTask, plan_sharing, run_cell, share_key
from ._check import check_backend
from ._config import ExperimentConfig, config_error, config_hash
from ._data import cached_data, forget_data, iter_splits
from ._detection import check_task
from ._insights import explains, insights_key
from ._store import RunFolderError, Store

__all__ = ["RunResult", "expand_grid", "run_experiment"]


@dataclass
class RunResult:
    """What a call to :func:`run_experiment` did.

    Attributes
    ----------
    run_id : str
    out : pathlib.Path
        The run folder.
    n_cells : int
        Cells in the grid.
    n_skipped : int
        Cells already finished in the store (resume).
    n_ok, n_failed : int
        Cells run now that succeeded or failed.
    resumed : bool
        Whether an existing run was continued.
    """

    run_id: str
    out: Path
    n_cells: int
    n_skipped: int
    n_ok: int
    n_failed: int
    resumed: bool

    @property
    def exit_code(self) -> int:
        """0 when every cell of the grid is ok, 1 when some failed."""
        return 0 if self.n_failed == 0 else 1


def expand_grid(config: ExperimentConfig, data: dict[str, Any]) -> list[tuple[Cell, Any, Any]]:
    """Every cell of the grid with its (train, test) indices, in a stable order.

    Parameters
    ----------
    config : ExperimentConfig
    data : dict of str to LoadedData
        The loaded datasets by name.

    Returns
    -------
    list of (Cell, ndarray, ndarray)
    """
    cells = []
    for ds in config.datasets:
        loaded = data[ds.name]
        for seed in config.seeds:
            splits = iter_splits(config.cv, loaded.y, seed, loaded.task, split=loaded.split, dataset=ds.name,
                                 groups=loaded.groups, group_names=loaded.group_names)
            for pipe in config.pipelines:
                for fold, (train, test) in enumerate(splits):
                    cells.append((Cell(ds.name, pipe.name, seed, fold), train, test))
    return cells


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in (
        "fuselearn", "numpy", "scipy", "scikit-learn", "pandas", "torch", "joblib", "dask",
        "distributed", "lightgbm", "xgboost", "matplotlib",
    ):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def _machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or "",
        "cpu_count": os.cpu_count(),
        "hostname": platform.node(),
    }
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import torch

        info["gpu"] = (
            torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (CPU only)"
        )
    except Exception:  # noqa: BLE001 - no torch, or a broken driver: still write the manifest
        info["gpu"] = "unknown"
    return info


def run_folder(out: str | os.PathLike) -> Path:
    """``out`` as a run folder, created if new; a path naming a file is a :class:`RunFolderError`."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunFolderError(
            f"The run folder {str(out)!r} is a file, not a folder; name a folder (new or holding "
            "a run) instead.",
            reason="not_a_folder",
        )
    out.mkdir(parents=True, exist_ok=True)
    return out


def _lock(out: Path):
    fh = open(out / ".lock", "w")  # noqa: SIM115 - held open for the whole run
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise RunFolderError(
            f"The run folder {str(out)!r} is in use by another run; wait for it to finish or "
            "run into another folder.",
            reason="in_use",
        ) from None
    return fh


# --- local backend -----------------------------------------------------------------------------


def _limit_threads() -> None:
    """One thread per worker. The environment variables reach libraries loaded from now on; the
    BLAS that NumPy already loaded (this module imports it) is limited through threadpoolctl, else
    two workers each spinning two OpenBLAS threads on two cores run 50x slower."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass


def _worker_main(conn, single_thread: bool) -> None:
    if single_thread:
        _limit_threads()
    conn.send("ready")  # imports are done: the time budget starts with the first cell
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if task is None:
            return
        result = run_cell(task)
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, ctx, single_thread: bool) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, single_thread), daemon=True)
        self.proc.start()
        child.close()
        self.task: CellTask | None = None
        self.started = 0.0
        self.ready = False
        self.group: str | None = None

    def send(self, task: CellTask) -> None:
        self.task = task
        self.started = time.monotonic()
        self.conn.send(task)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.proc.join(2)
        if self.proc.is_alive():
            self.kill()


def _next_task(pending: deque, group: str | None, busy_groups: set[str] | None = None) -> CellTask:
    """The next cell for a worker: one of the group it just ran (its fit is cached), else the
    first waiting one whose group no other worker is on (so two workers never fit the same
    members at once), else the first waiting one."""
    if group is not None:
        for i, task in enumerate(pending):
            if task.share == group:
                del pending[i]
                return task
    busy_groups = busy_groups or set()
    for i, task in enumerate(pending):
        if task.share is None or task.share not in busy_groups:
            del pending[i]
            return task
    return pending.popleft()


def _start_method() -> str:
    """``"fork"`` where forking this process is safe, else ``"spawn"``.

    Forking saves each worker the imports (torch, scikit-learn: seconds of CPU) and the loading of
    the data. It is safe on Linux while this process runs no other thread (a lock held by one at
    the fork stays held in the child) and has not initialised CUDA (which a forked child cannot
    use). macOS and Windows always spawn. (Checked against multiprocessing's own rules and
    torch.multiprocessing's notes on CUDA and fork.)
    """
    if sys.platform != "linux" or threading.active_count() > 1:
        return "spawn"
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            if torch.cuda.is_initialized():
                return "spawn"
        except Exception:  # noqa: BLE001 - a broken CUDA set-up: do not fork
            return "spawn"
    return "fork"


def _run_local(
    tasks: list[CellTask], jobs: int, budget: float | None, on_start: Callable[[CellTask], None]
) -> Iterator[CellResult]:
    """Start the workers now (before any progress thread runs) and return the results' iterator."""
    if jobs == 1 and budget is None:
        return (_in_process(task, on_start) for task in tasks)
    first = multiprocessing.get_context(_start_method())
    workers = [_Worker(first, jobs > 1) for _ in range(min(jobs, len(tasks)))]
    return _pool(tasks, workers, jobs, budget, on_start)


def _in_process(task: CellTask, on_start: Callable[[CellTask], None]) -> CellResult:
    on_start(task)
    return run_cell(task)


def _pool(
    tasks: list[CellTask],
    workers: list[_Worker],
    jobs: int,
    budget: float | None,
    on_start: Callable[[CellTask], None],
) -> Iterator[CellResult]:
    ctx = multiprocessing.get_context("spawn")  # replacements start while threads may run
    pending = deque(tasks)
    try:
        while pending or any(w.task is not None for w in workers):
            for w in workers:
                if w.ready and w.task is None and pending:
                    others = {o.group for o in workers if o is not w and o.group is not None}
                    task = _next_task(pending, w.group, others)
                    w.group = task.share
                    on_start(task)
                    w.send(task)
            busy = [w for w in workers if w.task is not None]
            starting = [w for w in workers if not w.ready]
            timeout = 0.5
            if budget is not None:
                now = time.monotonic()
                timeout = max(0.0, min([timeout] + [w.started + budget - now for w in busy]))
            watched = busy + starting
            ready = wait([w.conn for w in watched] + [w.proc.sentinel for w in watched], timeout)
            for i, w in enumerate(list(workers)):
                if not w.ready and w.task is None:
                    if w.conn in ready:
                        try:
                            w.ready = w.conn.recv() == "ready"
                        except (EOFError, OSError):
                            w.ready = False
                    if not w.ready and not w.proc.is_alive():
                        raise RuntimeError(
                            f"A worker process failed to start (exit code {w.proc.exitcode})."
                        )
                    continue
                if w.task is None:
                    continue
                result = None
                if w.conn in ready:
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        result = None
                if result is None and (w.proc.sentinel in ready or w.conn in ready):
                    w.proc.join(1)
                    result = CellResult.failed(
                        w.task,
                        f"The worker process running this cell died (exit code "
                        f"{w.proc.exitcode}); it may have run out of memory or crashed.",
                    )
                    workers[i] = _Worker(ctx, jobs > 1) if pending else None
                elif (
                    result is None
                    and budget is not None
                    and time.monotonic() - w.started >= budget
                ):
                    w.kill()
                    result = CellResult.failed(
                        w.task,
                        f"TimeoutError: the cell ran past its time budget of {budget:g} s "
                        "and its worker process was killed.",
                    )
                    workers[i] = _Worker(ctx, jobs > 1) if pending else None
                if result is not None:
                    w.task = None
                    yield result
            workers = [w for w in workers if w is not None]
    finally:
        for w in workers:
            if w.task is not None:
                w.kill()
            else:
                w.stop()


# --- dask backend ------------------------------------------------------------------------------


def _run_cell_with_deadline(task: CellTask, budget: float | None) -> CellResult:
    """Run a cell on a Dask worker; past ``budget`` seconds, exit the worker process."""
    timer = None
    if budget is not None:
        def expire() -> None:  # pragma: no cover - runs in a killed process
            os._exit(70)

        timer = threading.Timer(budget, expire)
        timer.daemon = True
        timer.start()
    try:
        return run_cell(task)
    finally:
        if timer is not None:
            timer.cancel()


def _run_dask(
    tasks: list[CellTask],
    jobs: int,
    budget: float | None,
    scheduler: str | None,
    on_start: Callable[[CellTask], None],
) -> Iterator[CellResult]:
    try:
        import dask
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "backend 'dask' needs dask and distributed: pip install 'fuselearn[dask]'."
        ) from exc
    cluster = None
    # A cell that kills its worker must not be retried on the next one.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        if scheduler:
            try:
                client = Client(scheduler, timeout="20s")
            except OSError as exc:
                raise ConfigError(f"Cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
        else:
            cluster = LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
            )
            client = Client(cluster)
    try:
        futures = {}
        for task in tasks:
            fut = client.submit(
                _run_cell_with_deadline, task, budget, pure=False, key=f"cell-{os.getpid()}-"
                f"{task.cell_id}"
            )
            futures[fut] = task
        if tasks:
            on_start(tasks[0])
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker and friends
                extra = f" (time budget {budget:g} s)" if budget is not None else ""
                result = CellResult.failed(
                    task,
                    f"{type(exc).__name__}: the Dask worker running this cell died or was "
                    f"stopped for running past its time budget{extra}: {exc}",
                )
            yield result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- the run -----------------------------------------------------------------------------------


def _tasks(
    config: ExperimentConfig, chash: str, grid: list[tuple[Cell, Any, Any]], done: set[str]
) -> list[CellTask]:
    """The tasks of the cells not done yet, with their sharing keys, members after their owner."""
    base = {"config": config.to_dict(), "base_dir": str(config.base_dir), "config_hash": chash}
    plans: dict[int, tuple[dict[str, Any], dict[str, tuple[str, str | None]]]] = {}
    tasks = []
    for cell, train, test in grid:
        if cell.cell_id in done:
            continue
        if cell.seed not in plans:
            built = {
                p.name: build_pipeline(p, config.pipelines, seed=cell.seed) for p in config.pipelines
            }
            plans[cell.seed] = built, plan_sharing(built)
        built, plan = plans[cell.seed]
        share = member = None
        if cell.pipeline in plan:
            owner, member = plan[cell.pipeline]
            share = share_key(built[owner], (chash, cell.dataset, cell.seed, cell.fold))
            member = member if share is not None else None
        explain = explains(config, cell.dataset, cell.pipeline, cell.seed, cell.fold)
        tasks.append(CellTask(cell, train=train, test=test, share=share, member=member,
                              explain=explain, **base))
    # A member runs after the estimator it belongs to, so that it takes its fit (stable sort).
    tasks.sort(key=lambda t: t.member is not None)
    return tasks


def _stale_insights(
    config: ExperimentConfig, store: Store, run_id: str, grid: list, done: set[str]
) -> set[str]:
    """Finished cells that must explain their model and have no insights of the current settings."""
    wanted = [
        cell for cell, _, _ in grid
        if cell.cell_id in done and explains(config, cell.dataset, cell.pipeline, cell.seed, cell.fold)
    ]
    if not wanted:
        return set()
    stored = store.insights_keys(run_id)
    keys = {ds.name: insights_key(config, ds.name) for ds in config.datasets}
    return {c.cell_id for c in wanted if stored.get(c.cell_id) != keys[c.dataset]}


def _insights_manifest(config: ExperimentConfig) -> dict[str, Any] | None:
    """What the report needs to pick the current insights: settings, seed and per-dataset keys."""
    settings = config.effective_insights()
    if settings is None:
        return None
    return {
        "settings": settings.model_dump(mode="json"),
        "seed": config.seeds[0],
        "keys": {ds.name: insights_key(config, ds.name) for ds in config.datasets},
        "sensitive": {ds.name: ds.sensitive_columns() for ds in config.datasets if ds.sensitive},
    }


def run_experiment(
    config: ExperimentConfig,
    out: str | os.PathLike,
    *,
    jobs: int | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    force: bool = False,
    quiet: bool = False,
    progress: bool = True,
    command: list[str] | None = None,
    log: Callable[[str], None] | None = None,
    run_hash: str | None = None,
) -> RunResult:
    """Run (or resume) every cell of a config and store each result in ``out/store.sqlite``.

    Parameters
    ----------
    config : ExperimentConfig
        A validated config (:func:`load_config`).
    out : path-like
        The run folder. An existing folder of the same config is resumed: only missing and failed
        cells run.
    jobs, backend, scheduler : optional
        Override the config's ``jobs``, ``backend`` and ``scheduler``.
    force : bool, default=False
        Start a new run in a folder that holds a run of a different config (old rows are kept
        under their own run id) instead of refusing.
    quiet : bool, default=False
        Plain log lines instead of a progress bar.
    progress : bool, default=True
        Show progress at all.
    command : list of str, optional
        The command line recorded in the manifest (default ``sys.argv``).
    log : callable, optional
        Where plain log lines go (default: print to stderr).
    run_hash : str, optional
        The hash that names the run in the store (default: the config's hash). A sensitivity
        study passes its own config's hash while its batches add variant pipelines.

    Returns
    -------
    RunResult

    Raises
    ------
    ConfigError
        A bad backend/scheduler pair (the one place this rule is checked).
    RunFolderError
        ``out`` is a file, holds another config (without ``force``) or is in use by another run
        (a :class:`ConfigError`; ``reason`` says which).
    StoreDamagedError
        ``out/store.sqlite`` is corrupted or truncated (a :class:`DataError`).

    Examples
    --------
    >>> import tempfile
    >>> from fuselearn.experiment import parse_config, run_experiment
    >>> cfg = parse_config({
    ...     "datasets": [{"name": "iris", "max_rows": 30}],
    ...     "pipelines": [{"name": "lr", "estimator": "sklearn.linear_model.LogisticRegression"}],
    ...     "cv": {"n_splits": 2}})
    >>> result = run_experiment(cfg, tempfile.mkdtemp(), progress=False)
    >>> result.n_ok, result.exit_code
    (2, 0)
    """
    jobs = jobs or config.jobs
    scheduler = scheduler or config.scheduler
    backend = backend or ("dask" if scheduler else config.backend)
    problems = check_backend(backend, scheduler)
    if problems:
        raise config_error("(run options)", problems)
    out = run_folder(out)
    emit = log or (lambda line: print(line, file=sys.stderr, flush=True))
    lock = _lock(out)
    try:
        chash = config_hash(config)
        # The datasets are loaded once in this process: the folds need the target, the manifest
        # the checksums, and cells run here (one job) take the rows from the same cache. They are
        # loaded before the store is written to, so a data error (a missing sensitive column)
        # leaves no run behind that a corrected config would be refused by.
        forget_data()
        data = {ds.name: cached_data(ds, config, chash) for ds in config.datasets}
        # detectors for anomaly datasets, the others for the rest: refused before anything is stored
        built = {p.name: build_pipeline(p, config.pipelines, seed=config.seeds[0]) for p in config.pipelines}
        problems = check_task(built, {name: d.task for name, d in data.items()}, list(config.metrics),
                              config.cv.fit_rows if config.cv.scheme == "group_head" else None)
        if problems:
            raise config_error("(pipelines against the datasets' tasks)", problems)
        grid = expand_grid(config, data)  # a bad split (fit_rows past a series) is refused here too
        store = Store(out)
        run_id, resumed = store.open_run(run_hash or chash, config.to_dict(), force=force)
        done = store.done_cells(run_id)
        # an anomaly cell explains nothing (the insights are for supervised models): never stale
        detectors = {name for name, d in data.items() if d.task == "anomaly"}
        done -= _stale_insights(config, store, run_id, [g for g in grid if g[0].dataset not in detectors], done)
        manifest = {
            "run_id": run_id,
            "config_name": config.name,
            "config_hash": chash,
            "command": command if command is not None else sys.argv,
            "cwd": os.getcwd(),
            "versions": _versions(),
            "machine": _machine(),
            "seeds": list(config.seeds),
            "cv": config.cv.model_dump(),
            "metrics": list(config.metrics),
            "backend": backend,
            "scheduler": scheduler,
            "jobs": jobs,
            "time_budget": config.time_budget,
            "insights": _insights_manifest(config),
            "datasets": {
                name: {"rows": len(d), "task": d.task, "checksums": d.checksums,
                       **({"groups": list(d.group_names)} if d.group_names is not None else {})}
                for name, d in data.items()
            },
            "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        }
        previous = store.latest_run()
        if resumed and previous and previous["manifest"].get("started"):
            manifest["first_started"] = previous["manifest"].get(
                "first_started", previous["manifest"]["started"]
            )
        store.set_manifest(run_id, manifest)
        tasks = _tasks(config, chash, grid, done)
        n_skipped = len(grid) - len(tasks)
        if progress and (quiet or n_skipped):
            emit(
                f"run {run_id}: {len(grid)} cells, {n_skipped} already done, "
                f"{len(tasks)} to run ({backend}, {jobs} job(s))"
            )
        n_ok = n_failed = 0
        reporter = _Progress(len(tasks), quiet=quiet or not progress, enabled=progress, emit=emit)
        if backend == "dask":
            results = _run_dask(tasks, jobs, config.time_budget, scheduler, reporter.started)
        else:
            results = _run_local(tasks, jobs, config.time_budget, reporter.started)
        with reporter:
            for result in results:
                store.write_cell(run_id, result)
                if result.ok:
                    n_ok += 1
                else:
                    n_failed += 1
                reporter.finished(result)
        manifest["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
        store.set_manifest(run_id, manifest)
        store.close()
        return RunResult(
            run_id=run_id,
            out=out,
            n_cells=len(grid),
            n_skipped=n_skipped,
            n_ok=n_ok,
            n_failed=n_failed,
            resumed=resumed,
        )
    finally:
        lock.close()


class _Progress:
    """A rich progress bar (current cell, ETA), or plain log lines when quiet."""

    def __init__(self, total: int, *, quiet: bool, enabled: bool, emit) -> None:
        self.total = total
        self.quiet = quiet
        self.enabled = enabled
        self.emit = emit
        self.count = 0
        self.failed = 0
        self._bar = None

    def __enter__(self):
        if self.enabled and not self.quiet and self.total:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("failed: {task.fields[failed]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("starting", total=self.total, failed=0)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def started(self, task: CellTask) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=task.cell_id)

    def finished(self, result: CellResult) -> None:
        self.count += 1
        if not result.ok:
            self.failed += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed)
        elif self.enabled:
            took = result.fit_time
            took = f" fit {took:.2f} s" if took is not None else ""
            first = (result.error or "").strip().splitlines()
            why = f": {first[-1]}" if not result.ok and first else ""
            self.emit(f"[{self.count}/{self.total}] {result.status:6} {result.cell_id}{took}{why}")
