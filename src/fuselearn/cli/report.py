"""``fuselearn report RUN``: one self-contained HTML report of a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report(
    run_dir: Annotated[Path, typer.Argument(help="The run folder (holds store.sqlite).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="The HTML file (default: RUN/report.html)."),
    ] = None,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Which run of the store (default: the latest).")
    ] = None,
) -> None:
    """Write a self-contained HTML report (leaderboards, significance tests, plots, manifest).

    The report reads only the run's store, never the data or the config file.
    """
    from rich.console import Console
    from rich.markup import escape

    from ..exceptions import FuselearnError
    from ..experiment import write_report

    err = Console(stderr=True)
    try:
        path = write_report(run_dir, out, run_id=run_id)
    except FuselearnError as exc:
        from ..experiment import StoreDamagedError

        text = str(exc)
        if isinstance(exc, StoreDamagedError):
            text += "\nThe run itself can start over: fuselearn run CONFIG --out NEW_FOLDER."
        err.print(f"[red]Error:[/] {escape(text)}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    err.print(f"Report written to {path}")
