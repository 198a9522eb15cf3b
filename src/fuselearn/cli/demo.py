"""``fuselearn demo``: the main job on built-in data."""

from __future__ import annotations

import time

import typer


def demo(
    jobs: int = typer.Option(None, "--jobs", "-j", help="Parallel outer folds (default: all cores)."),
    seed: int = typer.Option(0, help="Seed of the splitter and every model."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Every fusion level on breast cancer, digits and wine (5-fold CV), with a leaderboard."""
    from rich.console import Console

    from ..experiment._demo import print_report, run_demo

    console = Console()
    start = time.perf_counter()
    results = run_demo(n_jobs=jobs, seed=seed, progress=not quiet)
    print_report(results, console)
    console.print(f"Done in {time.perf_counter() - start:.1f} s.")
