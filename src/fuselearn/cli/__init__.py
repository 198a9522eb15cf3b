"""The ``fuselearn`` command line (Typer): demo, run, report, datasets, predict, explain."""

from __future__ import annotations

import typer

from .datasets import app as datasets_app
from .demo import demo
from .explain import explain
from .predict import predict
from .report import report
from .run import run

app = typer.Typer(
    name="fuselearn",
    help="Fuse deep learning with classical machine learning, and prove whether the fusion helped.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(datasets_app, name="datasets")
app.command("demo")(demo)
app.command("explain")(explain)
app.command("predict")(predict)
app.command("run")(run)
app.command("report")(report)


def main() -> None:
    """Entry point of the ``fuselearn`` console script."""
    app()
