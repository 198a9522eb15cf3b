"""``fuselearn sensitivity CONFIG``: run (or resume) a config's sensitivity study into a run folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def sensitivity(
    config: Annotated[Path, typer.Argument(help="YAML config with a 'sensitivity' section.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Run folder (default: runs/<config file name>)."),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1,
            help="Parallel worker processes; an optuna sampler is asked this many trials at a time.",
        ),
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
    report: Annotated[
        bool,
        typer.Option("--report/--no-report", help="Write RUN/report.html at the end (default: on)."),
    ] = True,
) -> None:
    """Run every trial of the config's search space as pipeline variants (ordinary cells).

    Trials already in the run folder's store are replayed, not rerun. The report shows response
    curves, fANOVA and PED-ANOVA importances and the on/off ablation. Exit code 0 when every cell
    is ok, 1 when some failed, 2 for a bad config or usage.
    """
    from rich.console import Console
    from rich.markup import escape

    from ..exceptions import FuselearnError
    from ..experiment import load_config, run_sensitivity, write_report
    from .run import explain

    err = Console(stderr=True)
    path = None
    try:
        cfg = load_config(config)
        out = out or Path("runs") / config.stem
        result = run_sensitivity(
            cfg, out, jobs=jobs, backend=backend, scheduler=scheduler, force=force, quiet=quiet,
            command=["fuselearn", *sys.argv[1:]],
        )
        if report:
            path = write_report(result.out)
    except FuselearnError as exc:
        err.print(f"[red]Error:[/] {escape(explain(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    failed = f", {result.n_failed} failed" if result.n_failed else ""
    where = f"Report: {path}" if path else f"Report: fuselearn report {result.out}"
    err.print(
        f"{result.n_cells} cells: {result.n_skipped} already done, {result.n_ok} ok now{failed}. "
        f"Store: {result.out / 'store.sqlite'}. {where}",
        highlight=False, soft_wrap=True,
    )
    raise typer.Exit(result.exit_code)
