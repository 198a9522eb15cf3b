"""``fuselearn demo``: the main job on built-in data."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer


def demo(
    jobs: int = typer.Option(None, "--jobs", "-j", help="Parallel worker processes (default: all cores)."),
    seed: int = typer.Option(0, help="Seed of the splitter and every model."),
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Run folder (default: runs/demo-seed<SEED>); run again to resume."),
    ] = None,
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Every fusion level on breast cancer, digits and wine (5-fold CV), with a leaderboard.

    The demo's built-in config runs through the same runner as ``fuselearn run`` (stored in a run
    folder, resumable) and ends with the HTML report of ``fuselearn report``.
    """
    from rich.console import Console

    from ..experiment._demo import print_report
    from ..experiment._demo_run import run_demo_experiment

    console = Console()
    start = time.perf_counter()
    out = out or Path("runs") / f"demo-seed{seed}"
    results, report = run_demo_experiment(out, jobs=jobs, seed=seed, quiet=quiet,
                                          progress=not quiet)
    print_report(results, console)
    console.print(f"Done in {time.perf_counter() - start:.1f} s. Store: {out / 'store.sqlite'}")
    console.print(f"HTML report: {report}")
