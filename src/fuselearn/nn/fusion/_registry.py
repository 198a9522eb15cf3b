"""The registry of fusion layers: ``make_fusion(name, in_dims, out_dim, **options)`` and ``FUSIONS``."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

from torch import nn

from ..._registry import Registry, normalize_name
from ...exceptions import InvalidParameterError

__all__ = ["FUSIONS", "get_fusion_class", "make_fusion", "register_fusion"]

#: Every registered fusion layer by name; ``"aff" in FUSIONS``, ``sorted(FUSIONS)``.
FUSIONS: Registry[Callable[..., nn.Module]] = Registry("fusion")


def register_fusion(name: str, *, overwrite: bool = False):
    """Register a fusion layer class (or builder) under ``name`` (decorator).

    The builder is called as ``builder(in_dims, out_dim, **options)``. A name registered twice warns
    unless ``overwrite=True``; the later one wins.
    """
    return FUSIONS.decorator(name, overwrite=overwrite)


def get_fusion_class(name: str, where: str = "make_fusion"):
    """The class (builder) registered as ``name``; unknown names list the valid ones."""
    return FUSIONS.get(name, where)


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
