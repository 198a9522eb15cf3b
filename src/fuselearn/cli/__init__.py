"""The ``fuselearn`` command line (Typer): demo, run, sensitivity, report, explain, datasets,
predict.

Each command imports what it needs (torch, scikit-learn, the experiment runner) inside its body, so
``fuselearn --help`` and ``fuselearn <command> --help`` start in well under a second.
"""

from __future__ import annotations

import typer

from ._help import Command, Group
from .datasets import app as datasets_app
from .demo import demo
from .explain import explain
from .predict import predict
from .report import report
from .run import run
from .sensitivity import sensitivity

app = typer.Typer(
    name="fuselearn",
    help="Fuse deep learning with classical machine learning, and prove whether the fusion helped.",
    no_args_is_help=True,
    add_completion=False,
    cls=Group,
)
app.add_typer(datasets_app, name="datasets")
app.command("demo", cls=Command)(demo)
app.command("explain", cls=Command)(explain)
app.command("predict", cls=Command)(predict)
app.command("run", cls=Command)(run)
app.command("report", cls=Command)(report)
app.command("sensitivity", cls=Command)(sensitivity)


def main() -> None:
    """Entry point of the ``fuselearn`` console script."""
    app()
