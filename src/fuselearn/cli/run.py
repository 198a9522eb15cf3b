"""``fuselearn run CONFIG``: run (or resume) an experiment grid into a run folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the exception tree imports scikit-learn: only inside the commands
    from ..exceptions import FuselearnError


def explain(exc: FuselearnError) -> str:
    """The library's message, plus what to type: the command-line flag that fixes it.

    The library names its own parameters (``force=True``, "another folder"); the command line's
    words for them (``--force``, ``--out``) are added here, the one place that knows them.
    """
    from ..experiment import RunFolderError, StoreDamagedError

    text = str(exc)
    if isinstance(exc, StoreDamagedError):
        return f"{text}\nOr keep it and write a new run elsewhere: fuselearn run CONFIG --out NEW_FOLDER."
    if isinstance(exc, RunFolderError):
        hint = {
            "other_config": "Use --out NEW_FOLDER, or --force to start a new run in this folder.",
            "in_use": "Wait for that run, or use --out NEW_FOLDER.",
            "not_a_folder": "Give --out a folder, new or holding a run.",
        }.get(exc.reason)
        return f"{text}\n{hint}" if hint else text
    if "(run options)" in text:  # the backend rule, checked by the library in its own terms
        return text.replace("backend:", "--backend:").replace("scheduler:", "--scheduler:")
    return text


# The options `run` and `sensitivity` share (a run folder, workers, backend, report).
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Run folder (default: runs/<config file name>).")]
BackendOption = Annotated[str | None, typer.Option("--backend", help="local or dask (default: config, else local).")]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786.")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Start a new run in a folder that holds another config.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Plain log lines, no progress bar.")]
ReportOption = Annotated[
    bool, typer.Option("--report/--no-report", help="Write RUN/report.html at the end (default: on).")
]


def run(
    config: Annotated[Path, typer.Argument(help="The experiment's YAML config.")],
    out: OutOption = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Parallel worker processes (default: config)."),
    ] = None,
    backend: BackendOption = None,
    scheduler: SchedulerOption = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
    report: ReportOption = True,
) -> None:
    """Run every (dataset, pipeline, fold, seed) cell not yet in the run folder's store.

    Exit code 0 when every cell is ok, 1 when some failed (their tracebacks are stored), 2 for a
    bad config or usage. Run it again on the same folder to retry failed and missing cells.
    """
    from ..experiment import run_experiment

    execute(run_experiment, config, out, jobs=jobs, backend=backend, scheduler=scheduler, force=force,
            quiet=quiet, report=report)


def execute(runner, config: Path, out: Path | None, *, report: bool, **options) -> None:
    """Load ``config``, call ``runner(cfg, out, **options)``, write the report, and exit.

    Shared by ``fuselearn run`` and ``fuselearn sensitivity``: a library error becomes a message with
    the command-line flag that fixes it (exit code 2); otherwise the exit code is the run's.
    """
    from rich.console import Console
    from rich.markup import escape

    from ..exceptions import FuselearnError
    from ..experiment import load_config, write_report
    from ..experiment._report import anomaly_summary

    err = Console(stderr=True)
    path = None
    try:
        cfg = load_config(config)
        out = out or Path("runs") / config.stem
        result = runner(cfg, out, command=["fuselearn", *sys.argv[1:]], **options)
        if report:
            path = write_report(result.out)
        summary = anomaly_summary(result.out)
        if summary:  # anomaly datasets: the pooled table (SKAB's protocol) is the result to read
            print(summary, flush=True)
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
