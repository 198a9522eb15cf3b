"""One generic registry: names, aliases, normalisation, closest-match suggestions, duplicate warnings.

Ground layer: imports only :mod:`fuselearn.exceptions` and the standard library. The dataset,
metric, network-module and fusion-layer registries are each one :class:`Registry`, and the
experiment config checks its names through the same objects, so a name (or alias) that a lookup
accepts is accepted by the config too.

Written by hand after checking timm's ``timm.models._registry`` (warns on a name registered twice,
the later wins) and PyTorch Geometric's resolver (lists the valid choices on an unknown name); neither
is a small dependency-free class we could import.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Generic, TypeVar

from .exceptions import InvalidParameterError, UnknownNameError

__all__ = ["Registry", "did_you_mean", "normalize_name", "resolve_name", "unknown_name_error"]

T = TypeVar("T")

_ON_DUPLICATE = ("warn", "raise")


def normalize_name(name: object) -> str:
    """Lower-case a registry name and turn spaces and dashes into underscores.

    Examples
    --------
    >>> normalize_name(" F1-Macro ")
    'f1_macro'
    """
    if not isinstance(name, str):
        raise UnknownNameError(f"A name must be a string. Got {type(name).__name__} {name!r} instead.")
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def did_you_mean(name: object, choices: Iterable[str], *, normalize: bool = True) -> str:
    """`` Did you mean 'x'?`` for the closest of ``choices``, or an empty string.

    ``normalize=False`` compares ``name`` as written (column names and config keys keep their case).
    """
    key = normalize_name(name) if normalize and isinstance(name, str) else str(name)
    close = difflib.get_close_matches(key, sorted(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def unknown_name_error(kind: str, name: object, choices: Iterable[str], where: str = "") -> UnknownNameError:
    """The error for an unknown ``name`` of ``kind``: lists the valid names and the closest one."""
    choices = sorted(choices)
    place = f" in {where}" if where else ""
    return UnknownNameError(
        f"Unknown {kind} {name!r}{place}. Valid names are: {', '.join(choices)}.{did_you_mean(name, choices)}"
    )


def resolve_name(kind: str, name: object, choices: Mapping[str, T] | Iterable[str], where: str = ""):
    """Look a normalised ``name`` up among fixed ``choices`` (a dict: its value; else the name itself).

    For the options of one parameter (``method="bca"``), where a whole :class:`Registry` is more
    than needed; an unknown name lists the choices and the closest one.
    """
    key = normalize_name(name) if isinstance(name, str) else name
    if key not in choices:
        raise unknown_name_error(kind, name, choices, where)
    return choices[key] if isinstance(choices, Mapping) else key


class Registry(Generic[T]):
    """Named entries, looked up by normalised name or alias.

    Parameters
    ----------
    kind : str
        What the entries are, for messages (``"metric"``, ``"dataset"``...).
    on_duplicate : {"warn", "raise"}, default="warn"
        What a second registration of a name does without ``overwrite=True``: warn and replace
        (timm's rule), or raise :class:`InvalidParameterError`.

    Examples
    --------
    >>> reg = Registry("colour")
    >>> _ = reg.register("dark-red", "#8b0000", aliases=("maroonish",))
    >>> reg.get("Dark Red"), reg.get("maroonish")
    ('#8b0000', '#8b0000')
    >>> "DARK_RED" in reg, sorted(reg)
    (True, ['dark_red'])
    >>> reg.get("dark_rd")
    Traceback (most recent call last):
    ...
    fuselearn.exceptions.UnknownNameError: Unknown colour 'dark_rd'. Valid names are: dark_red, maroonish. Did you mean 'dark_red'?
    """

    def __init__(self, kind: str, *, on_duplicate: str = "warn") -> None:
        if on_duplicate not in _ON_DUPLICATE:
            raise InvalidParameterError(
                f"The 'on_duplicate' parameter of Registry must be one of {_ON_DUPLICATE}. "
                f"Got {on_duplicate!r} instead."
            )
        self.kind = kind
        self.on_duplicate = on_duplicate
        self._entries: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    # -- registration ------------------------------------------------------------------------------
    def register(self, name: str, entry: T, *, aliases: Iterable[str] = (), overwrite: bool = False) -> T:
        """Add ``entry`` under ``name`` (and ``aliases``); returns ``entry``."""
        key = normalize_name(name)
        if (key in self._entries or key in self._aliases) and not overwrite:
            message = f"A {self.kind} named {key!r} is already registered"
            if self.on_duplicate == "raise":
                raise InvalidParameterError(
                    f"{message}; pass overwrite=True to replace it, or choose another name."
                )
            warnings.warn(f"{message} (registered twice); the later one wins (pass overwrite=True to silence this).",
                          UserWarning, stacklevel=3)
        self._aliases.pop(key, None)
        self._entries[key] = entry
        for alias in aliases:
            self.add_alias(alias, key)
        return entry

    def decorator(self, name: str, *, aliases: Iterable[str] = (), overwrite: bool = False):
        """``@registry.decorator("name")``: register the decorated object under ``name``."""

        def wrap(obj: T) -> T:
            return self.register(name, obj, aliases=aliases, overwrite=overwrite)

        return wrap

    def add_alias(self, alias: str, target: str) -> None:
        """Make ``alias`` resolve to the entry registered as ``target``."""
        key, target_key = normalize_name(alias), self.canonical(target)
        if key in self._entries:
            raise InvalidParameterError(
                f"The alias {key!r} is already the name of a registered {self.kind}; choose another alias."
            )
        self._aliases[key] = target_key

    def unregister(self, name: str) -> None:
        """Remove an entry and its aliases (no error when absent)."""
        key = normalize_name(name)
        self._entries.pop(key, None)
        self._aliases.pop(key, None)
        for alias in [a for a, t in self._aliases.items() if t == key]:
            del self._aliases[alias]

    # -- lookup ------------------------------------------------------------------------------------
    def canonical(self, name: object, where: str = "") -> str:
        """The registered name that ``name`` (any case, an alias) stands for; unknown names list the choices."""
        if not isinstance(name, str):
            place = f" in {where}" if where else ""
            raise UnknownNameError(
                f"A {self.kind} name{place} must be a string. Got {type(name).__name__} {name!r} instead. "
                f"Valid names are: {', '.join(self.choices())}."
            )
        key = normalize_name(name)
        if key in self._entries:
            return key
        if key in self._aliases:
            return self._aliases[key]
        raise unknown_name_error(self.kind, name, self.choices(), where)

    def get(self, name: object, where: str = "") -> T:
        """The entry of ``name`` (any case, an alias); unknown names list the choices."""
        return self._entries[self.canonical(name, where)]

    def choices(self) -> list[str]:
        """Every accepted name: registered names and aliases, sorted."""
        return sorted([*self._entries, *self._aliases])

    def aliases(self) -> dict[str, str]:
        """A copy of ``alias -> registered name``."""
        return dict(self._aliases)

    def mapping(self) -> Mapping[str, T]:
        """A live, read-only ``name -> entry`` view (aliases left out)."""
        return MappingProxyType(self._entries)

    def snapshot(self) -> tuple[dict[str, T], dict[str, str]]:
        """The current entries and aliases, for :meth:`restore` (tests that register temporarily)."""
        return dict(self._entries), dict(self._aliases)

    def restore(self, snapshot: tuple[dict[str, T], dict[str, str]]) -> None:
        """Put back the entries and aliases of an earlier :meth:`snapshot`."""
        entries, aliases = snapshot
        self._entries.clear()
        self._entries.update(entries)
        self._aliases.clear()
        self._aliases.update(aliases)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = normalize_name(name)
        return key in self._entries or key in self._aliases

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self)} entries)"
