"""``fuselearn datasets``: list, verify and fetch the registered datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._help import Command, Group

# The data package (and through it scikit-learn) is imported inside each command, so that
# ``fuselearn datasets --help`` stays fast.

app = typer.Typer(
    help="List, verify and fetch the benchmark datasets (found under --data-dir or $FUSELEARN_DATA).",
    no_args_is_help=True,
    add_completion=False,
    cls=Group,
)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder that holds the datasets (default: $FUSELEARN_DATA, then the per-user data folder).",
    ),
]


def _human(nbytes: int) -> str:
    size = float(nbytes)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover


def _present(name: str, data_dir: Path | None) -> bool:
    from ..data import find_dataset_files
    from ..exceptions import DataError

    try:
        find_dataset_files(name, data_dir)
    except DataError:
        return False
    return True


def _where_hint(data_dir: Path | None) -> str:
    """What to do when no dataset is found, given where the user pointed fuselearn."""
    import os

    from ..data import DATA_ENV

    if data_dir is not None:
        return "Check that --data-dir is the folder that holds the dataset folders, or fetch one."
    if os.environ.get(DATA_ENV):
        return (f"{DATA_ENV} is set to {os.environ[DATA_ENV]!r}; check that it is the folder that holds "
                "the dataset folders (MUTAG/, adult/, ...), or fetch one with `fuselearn datasets fetch NAME`.")
    return (f"Set {DATA_ENV} (or pass --data-dir) to the folder that holds the datasets, or fetch one with "
            "`fuselearn datasets fetch NAME`.")


def _info_or_exit(name: str, err):
    from ..data import get_dataset_info
    from ..exceptions import UnknownNameError

    try:
        return get_dataset_info(name)
    except UnknownNameError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc


@app.command("list", cls=Command)
def list_command(data_dir: DataDirOption = None) -> None:
    """Show every registered dataset: task, size, and whether its files are present."""
    from rich.console import Console
    from rich.table import Table

    from ..data import data_roots, get_dataset_info, list_datasets

    table = Table(title="fuselearn datasets")
    for col in ("name", "task", "modality", "samples", "size", "status"):
        table.add_column(col, justify="right" if col in ("samples", "size") else "left")
    for name in list_datasets():
        info = get_dataset_info(name)
        status = "[green]present[/green]" if _present(name, data_dir) else "[yellow]missing[/yellow]"
        table.add_row(
            name, info.task, info.modality, f"{info.n_samples:,}", _human(info.size), status
        )
    console = Console(width=120)
    console.print(table)
    console.print("Looked in: " + ", ".join(str(p) for p in data_roots(data_dir)), highlight=False)


@app.command("verify", cls=Command)
def verify_command(
    name: Annotated[str | None, typer.Argument(help="Dataset to verify (default: all present).")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Check the sha256 of a dataset's files (exit 1 on a mismatch or a missing file)."""
    from rich.console import Console

    from ..data import data_roots, list_datasets, verify_dataset
    from ..exceptions import ChecksumError, DataError

    out, err = Console(width=120), Console(stderr=True, width=120)
    if name is not None:
        names = [_info_or_exit(name, err).name]
    else:
        names = [n for n in list_datasets() if _present(n, data_dir)]
        if not names:
            err.print("[yellow]No dataset found[/yellow] in: "
                      + ", ".join(str(p) for p in data_roots(data_dir)) + ". " + _where_hint(data_dir),
                      highlight=False, soft_wrap=True)
            raise typer.Exit(1)
    failed = 0
    for n in names:
        try:
            digests = verify_dataset(n, data_dir)
        except ChecksumError as exc:
            failed += 1
            err.print(f"[red]MISMATCH[/red] {n}: {exc}", highlight=False, soft_wrap=True, overflow="ignore")
        except DataError as exc:
            failed += 1
            err.print(f"[red]MISSING[/red] {n}: {exc}", highlight=False)
        else:
            out.print(f"[green]OK[/green] {n} ({len(digests)} files)", highlight=False)
    if failed:
        err.print(f"{failed} of {len(names)} dataset(s) failed verification.", highlight=False)
        raise typer.Exit(1)


@app.command("fetch", cls=Command)
def fetch_command(
    name: Annotated[str, typer.Argument(help="Registered dataset name.")],
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="Where to download from: the file itself for a one-file dataset, else a base URL "
            "to which each file's name is appended. Default: the registry's official URL.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the server.")] = 60.0,
) -> None:
    """Download a dataset's files into the data folder, resuming and verifying each one."""
    from rich.console import Console

    from ..data import data_roots, download
    from ..exceptions import DataError

    err = Console(stderr=True, width=120)
    info = _info_or_exit(name, err)
    url = url or info.url
    if not url:
        err.print(f"[red]error:[/red] dataset {info.name!r} has no known download address; "
                  "pass --url URL.", highlight=False)
        raise typer.Exit(2)
    root = data_roots(data_dir)[0]
    files = dict(info.files)
    for rel, sha in files.items():
        file_url = url if len(files) == 1 else url.rstrip("/") + "/" + rel[len(info.folder) + 1 :]
        dest = root / rel
        try:
            download(file_url, dest, sha, timeout=timeout)
        except DataError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(1) from exc
        Console(width=120).print(f"[green]OK[/green] {dest}", highlight=False)
