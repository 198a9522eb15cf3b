"""``fuselearn predict``: apply a saved model to a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _is_number(text: object) -> bool:
    try:
        float(str(text))
    except ValueError:
        return False
    return True


def _read_csv(data: Path, no_header: bool):
    """The CSV as a DataFrame of strings-or-numbers, or an Exit that says what is wrong with it."""
    import pandas as pd

    if not data.exists():
        raise _fail(f"input file {data} does not exist.")
    if data.is_dir():
        raise _fail(f"input {data} is a folder; give a CSV file.")
    try:
        frame = pd.read_csv(data, header=None if no_header else "infer")
    except pd.errors.EmptyDataError as exc:
        raise _fail(f"{data} is empty: expected a header line and one row per sample.") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise _fail(f"{data} cannot be read as a CSV file ({exc}).") from exc
    except OSError as exc:
        raise _fail(f"{data} cannot be read ({exc.strerror or exc}).") from exc
    if len(frame) == 0:
        raise _fail(f"{data} has a header line but no rows to predict.")
    return frame


def _looks_headerless(columns: list) -> bool:
    """True when every header cell is a number, other than pandas' own 0..n-1 column names."""
    names = [str(c) for c in columns]
    return all(_is_number(c) for c in names) and names != [str(i) for i in range(len(names))]


def _select_columns(frame, estimator, data: Path, *, drop: list[str], no_header: bool):
    """Match the CSV's columns to what the model was fitted on; refuse what cannot be matched."""
    import warnings

    from ..exceptions import FuselearnWarning

    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    absent = [c for c in drop if c not in columns]
    if absent:
        raise _fail(f"--drop names {', '.join(map(repr, absent))}, not a column of {data} "
                    f"(its columns: {', '.join(columns)}).")
    frame = frame.drop(columns=list(drop))
    names = getattr(estimator, "feature_names_in_", None)
    n_features = getattr(estimator, "n_features_in_", None)
    headerless_hint = (
        f" Its first line ({', '.join(columns[:6])}{', ...' if len(columns) > 6 else ''}) looks like data, "
        "not a header: add a header line, or pass --no-header to take the columns in the model's order."
    )
    if names is not None and not no_header:
        names = [str(n) for n in names]
        missing = [n for n in names if n not in frame.columns]
        if missing:
            hint = headerless_hint if _looks_headerless(list(frame.columns)) else ""
            raise _fail(
                f"{data} lacks the model's column(s) {', '.join(map(repr, missing[:10]))}"
                f"{' ...' if len(missing) > 10 else ''} (the model takes {len(names)} columns: "
                f"{', '.join(names[:10])}{', ...' if len(names) > 10 else ''}).{hint}"
            )
        extra = [c for c in frame.columns if c not in names]
        if extra:
            warnings.warn(
                f"{data}: ignoring column(s) the model was not fitted on: {', '.join(extra)} "
                "(pass --drop COLUMN to drop them without this warning).",
                FuselearnWarning, stacklevel=2,
            )
        return frame[names]
    if n_features is not None and frame.shape[1] != n_features:
        raise _fail(
            f"{data} has {frame.shape[1]} column(s){' after --drop' if drop else ''}; the model takes {n_features}, by position "
            "(it was fitted without column names). Drop the others with --drop COLUMN."
        )
    if not no_header and _looks_headerless(list(frame.columns)):
        raise _fail(f"{data}: refusing to read the first line as a header.{headerless_hint}")
    if names is not None:  # --no-header: the columns are the model's, in its order
        frame.columns = [str(n) for n in names]
        return frame
    return frame.to_numpy()


def predict(
    model: Annotated[Path, typer.Argument(help="A model folder written by fuselearn.save.")],
    data: Annotated[Path, typer.Argument(help="CSV file with the model's input columns.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write predictions here (CSV); default: stdout.")
    ] = None,
    proba: Annotated[bool, typer.Option("--proba", help="Also write class probabilities.")] = False,
    drop: Annotated[
        list[str] | None,
        typer.Option("--drop", help="A column of DATA to leave out (an id, the target); repeat for more."),
    ] = None,
    no_header: Annotated[
        bool,
        typer.Option("--no-header", help="DATA has no header line: its columns are the model's, in order."),
    ] = False,
) -> None:
    """Predict with a saved model on the rows of a CSV file.

    The CSV's header must name the model's columns (in any order); columns the model was not fitted
    on are ignored with a warning. A model fitted on an array takes the columns by position.
    """
    import warnings

    import numpy as np
    import pandas as pd

    from .._persistence import load
    from ..exceptions import FuselearnError

    frame = _read_csv(data, no_header)
    try:
        estimator = load(model)
    except FuselearnError as exc:
        raise _fail(str(exc)) from exc
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X = _select_columns(frame, estimator, data, drop=list(drop or ()), no_header=no_header)
    for w in caught:
        typer.echo(f"warning: {w.message}", err=True)
    try:
        result = pd.DataFrame({"prediction": estimator.predict(X)})
        if proba:
            if not hasattr(estimator, "predict_proba"):
                raise _fail(f"{type(estimator).__name__} has no predict_proba; drop --proba.")
            p = estimator.predict_proba(X)
            for j, cls in enumerate(getattr(estimator, "classes_", np.arange(p.shape[1]))):
                result[f"proba_{cls}"] = p[:, j]
    except (FuselearnError, ValueError, TypeError) as exc:
        raise _fail(f"{data}: {exc}") from exc
    if out is None:
        typer.echo(result.to_csv(index=False), nl=False)
        return
    if out.is_dir():
        raise _fail(f"--out {out} is a folder; give a file name such as {out / 'predictions.csv'}.")
    try:
        result.to_csv(out, index=False)
    except OSError as exc:
        raise _fail(f"cannot write --out {out} ({exc.strerror or exc}).") from exc
    typer.echo(f"wrote {len(result)} predictions to {out}")
