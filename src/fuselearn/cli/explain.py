"""``fuselearn explain``: explain a saved model on the rows of a CSV file, as one HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def explain(
    model: Annotated[Path, typer.Argument(help="A model folder written by fuselearn.save.")],
    data: Annotated[Path, typer.Argument(help="CSV file with the model's input columns and the target.")],
    target: Annotated[str, typer.Option("--target", "-t", help="The target column of DATA.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Write the HTML page here.")] = Path("explain.html"),
    sensitive: Annotated[
        list[str] | None, typer.Option("--sensitive", "-s", help="A sensitive column for the fairness audit "
                                                                "(repeat for several).")
    ] = None,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Rows given SHAP values (a seeded sample).")] = 1000,
    robust: Annotated[bool, typer.Option("--robustness/--no-robustness", help="Add robustness curves.")] = True,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the explanation as JSON.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
) -> None:
    """Explain a saved model (members, column groups, features; fairness with --sensitive) into an HTML page."""
    import pandas as pd

    from .._persistence import load
    from ..evaluate import explain as explain_model
    from ..evaluate import fairness, robustness
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
    missing = [c for c in [target, *(sensitive or [])] if c not in frame.columns]
    if missing:
        typer.echo(f"error: {data} has no column(s) {missing}; its columns are {list(frame.columns)[:30]}.", err=True)
        raise typer.Exit(2)
    y = frame[target].to_numpy()
    X = frame.drop(columns=[target])
    if hasattr(estimator, "feature_names_in_"):
        names = [str(c) for c in estimator.feature_names_in_]
        absent = [c for c in names if c not in X.columns]
        if absent:
            typer.echo(f"error: {data} lacks the model's input column(s) {absent[:10]}.", err=True)
            raise typer.Exit(2)
        sens_frame = X[[c for c in (sensitive or [])]]
        X = X[names]
    else:
        sens_frame = X[[c for c in (sensitive or [])]]
        X = X.drop(columns=[c for c in (sensitive or [])]).to_numpy()
    try:
        result = explain_model(estimator, X, y, max_rows=max_rows, random_state=seed)
        if robust:
            result = result.merge(robustness(estimator, X, y, random_state=seed))
        if sensitive:
            result = result.merge(fairness(estimator, X, y, {c: sens_frame[c].to_numpy() for c in sensitive},
                                           random_state=seed))
    except FuselearnError as exc:
        typer.echo(f"error: {data}: {exc}", err=True)
        raise typer.Exit(2) from exc
    result.info["data"] = str(data)
    result.to_html(out)
    if json_out is not None:
        result.to_json(json_out)
    typer.echo(f"wrote {out} ({', '.join(t for t in result.tables if t != 'shap_values')})")
