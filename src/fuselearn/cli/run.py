"""``fuselearn run CONFIG``: run (or resume) an experiment grid into a run folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def run(
    config: Annotated[Path, typer.Argument(help="The experiment's YAML config.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Run folder (default: runs/<config file name>)."),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Parallel worker processes (default: config)."),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option("--backend", help="local or dask (default: config, else local)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Start a new run in a folder that holds another config."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Plain log lines, no progress bar.")] = False,
) -> None:
    """Run every (dataset, pipeline, fold, seed) cell not yet in the run folder's store.

    Exit code 0 when every cell is ok, 1 when some failed (their tracebacks are stored), 2 for a
    bad config or usage. Run it again on the same folder to retry failed and missing cells.
    """
    from rich.console import Console
    from rich.markup import escape

    from ..exceptions import ConfigError, DataError
    from ..experiment import load_config, run_experiment

    err = Console(stderr=True)
    if backend is not None and backend not in ("local", "dask"):
        err.print(f"[red]Error:[/] --backend must be 'local' or 'dask'; got {backend!r}.")
        raise typer.Exit(2)
    if scheduler and backend not in (None, "dask"):
        err.print("[red]Error:[/] --scheduler needs --backend dask.")
        raise typer.Exit(2)
    if scheduler and backend is None:
        backend = "dask"
    try:
        cfg = load_config(config)
        out = out or Path("runs") / config.stem
        result = run_experiment(
            cfg, out, jobs=jobs, backend=backend, scheduler=scheduler, force=force, quiet=quiet,
            command=["fuselearn", *sys.argv[1:]],
        )
    except (ConfigError, DataError) as exc:
        err.print(f"[red]Error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    failed = f", {result.n_failed} failed" if result.n_failed else ""
    err.print(
        f"{result.n_cells} cells: {result.n_skipped} already done, {result.n_ok} ok now{failed}. "
        f"Store: {result.out / 'store.sqlite'}. Report: fuselearn report {result.out}"
    )
    raise typer.Exit(result.exit_code)
