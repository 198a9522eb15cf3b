"""``fuselearn predict``: apply a saved model to a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def predict(
    model: Annotated[Path, typer.Argument(help="A model folder written by fuselearn.save.")],
    data: Annotated[Path, typer.Argument(help="CSV file with the model's input columns.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write predictions here (CSV); default: stdout.")
    ] = None,
    proba: Annotated[bool, typer.Option("--proba", help="Also write class probabilities.")] = False,
) -> None:
    """Predict with a saved model on the rows of a CSV file."""
    import numpy as np
    import pandas as pd

    from .._persistence import load
    from ..exceptions import FuselearnError

    try:
        estimator = load(model)
    except FuselearnError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not data.is_file():
        typer.echo(f"error: input file {data} does not exist.", err=True)
        raise typer.Exit(2)
    frame = pd.read_csv(data)
    X = frame if hasattr(estimator, "feature_names_in_") else frame.to_numpy()
    try:
        result = pd.DataFrame({"prediction": estimator.predict(X)})
        if proba:
            if not hasattr(estimator, "predict_proba"):
                typer.echo(f"error: {type(estimator).__name__} has no predict_proba; drop --proba.", err=True)
                raise typer.Exit(2)
            p = estimator.predict_proba(X)
            for j, cls in enumerate(getattr(estimator, "classes_", np.arange(p.shape[1]))):
                result[f"proba_{cls}"] = p[:, j]
    except (FuselearnError, ValueError) as exc:
        typer.echo(f"error: {data}: {exc}", err=True)
        raise typer.Exit(2) from exc
    if out is None:
        typer.echo(result.to_csv(index=False), nl=False)
    else:
        result.to_csv(out, index=False)
        typer.echo(f"wrote {len(result)} predictions to {out}")
