"""Name resolution shared by every registry: normalise, then look up, and list choices when unknown."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .exceptions import UnknownNameError


def normalize_name(name: object) -> str:
    """Lower-case a registry name and turn spaces and dashes into underscores."""
    if not isinstance(name, str):
        raise UnknownNameError(f"A name must be a string; got {type(name).__name__} {name!r}.")
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def unknown_name_error(kind: str, name: object, choices: Iterable[str], where: str = "") -> UnknownNameError:
    """Build the error for an unknown ``name`` of ``kind`` that lists the valid choices."""
    choices = sorted(choices)
    close = difflib.get_close_matches(str(name).lower(), choices, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    place = f" in {where}" if where else ""
    return UnknownNameError(
        f"Unknown {kind} {name!r}{place}. Valid names are: {', '.join(choices)}.{hint}"
    )


def resolve_name(kind: str, name: object, registry: dict, where: str = ""):
    """Return ``registry[normalize_name(name)]`` or raise an error listing the valid names."""
    key = normalize_name(name) if isinstance(name, str) else name
    if key not in registry:
        raise unknown_name_error(kind, name, registry, where)
    return registry[key]
