"""The registry of fusion layers: ``make_fusion(name, in_dims, out_dim, **options)`` and ``FUSIONS``."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Sequence

from torch import nn

from ..._naming import normalize_name, unknown_name_error
from ...exceptions import InvalidParameterError

__all__ = ["FUSIONS", "get_fusion_class", "make_fusion", "register_fusion"]

_FUSIONS: dict[str, Callable[..., nn.Module]] = {}


class _Names:
    """A live, read-only view of the registered fusion names (``"aff" in FUSIONS``)."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_name(name) in _FUSIONS

    def __iter__(self):
        return iter(sorted(_FUSIONS))

    def __len__(self) -> int:
        return len(_FUSIONS)

    def __repr__(self) -> str:
        return f"FUSIONS({', '.join(sorted(_FUSIONS))})"


FUSIONS = _Names()


def register_fusion(name: str, *, overwrite: bool = False):
    """Register a fusion layer class (or builder) under ``name`` (decorator).

    The builder is called as ``builder(in_dims, out_dim, **options)``. A name registered twice warns
    unless ``overwrite=True``; the later one wins.
    """
    key = normalize_name(name)

    def decorator(builder):
        if key in _FUSIONS and not overwrite:
            warnings.warn(f"Fusion {key!r} is registered twice; the later one wins.", stacklevel=2)
        _FUSIONS[key] = builder
        return builder

    return decorator


def get_fusion_class(name: str, where: str = "make_fusion"):
    """The class (builder) registered as ``name``; unknown names list the valid ones."""
    key = normalize_name(name)
    if key not in _FUSIONS:
        raise unknown_name_error("fusion", name, _FUSIONS, where)
    return _FUSIONS[key]


def make_fusion(name: str, in_dims: Sequence[int], out_dim: int, **options) -> nn.Module:
    """Build the fusion layer registered as ``name``.

    Parameters
    ----------
    name : str
        A name in :data:`FUSIONS` (normalised: ``"AFF"`` and ``"aff"`` are the same).
    in_dims : sequence of int
        Width of each source.
    out_dim : int
        Width of the output.
    **options
        Options of that layer, e.g. ``spatial=True`` for feature maps, ``rank=4`` for ``lowrank``.

    Returns
    -------
    torch.nn.Module
        A module whose ``forward`` takes a list of tensors, one per source.

    Examples
    --------
    >>> import torch
    >>> from fuselearn.nn import make_fusion
    >>> layer = make_fusion("aff", [16, 32], 64)
    >>> layer([torch.zeros(3, 16), torch.zeros(3, 32)]).shape
    torch.Size([3, 64])
    """
    builder = get_fusion_class(name)
    try:
        inspect.signature(builder).bind(in_dims, out_dim, **options)
    except TypeError as exc:
        raise InvalidParameterError(
            f"Fusion {normalize_name(name)!r} does not take options {sorted(options)}: {exc}."
        ) from exc
    return builder(in_dims, out_dim, **options)
