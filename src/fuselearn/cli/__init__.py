"""The ``fuselearn`` command line (Typer): demo, run, report, datasets, predict, explain."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="fuselearn",
    help="Fuse deep learning with classical machine learning, and prove whether the fusion helped.",
    no_args_is_help=True,
    add_completion=False,
)


def main() -> None:
    """Entry point of the ``fuselearn`` console script."""
    app()
