"""``fuselearn sensitivity CONFIG``: run (or resume) a config's sensitivity study into a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .run import BackendOption, ForceOption, OutOption, QuietOption, ReportOption, SchedulerOption


def sensitivity(
    config: Annotated[Path, typer.Argument(help="YAML config with a 'sensitivity' section.")],
    out: OutOption = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1,
            help="Parallel worker processes; an optuna sampler is asked this many trials at a time.",
        ),
    ] = None,
    backend: BackendOption = None,
    scheduler: SchedulerOption = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
    report: ReportOption = True,
) -> None:
    """Run every trial of the config's search space as pipeline variants (ordinary cells).

    Trials already in the run folder's store are replayed, not rerun. The report shows response
    curves, fANOVA and PED-ANOVA importances and the on/off ablation. Exit code 0 when every cell
    is ok, 1 when some failed, 2 for a bad config or usage.
    """
    from ..experiment import run_sensitivity
    from .run import execute

    execute(run_sensitivity, config, out, jobs=jobs, backend=backend, scheduler=scheduler, force=force,
            quiet=quiet, report=report)
