"""The base of every fusion layer: argument checks, input checks naming the source, map alignment.

A fusion layer takes a list of tensors, one per source. Vector layers take ``(batch, d_i)`` and
return ``(batch, out_dim)``; with ``spatial=True`` they take CNN maps ``(batch, C_i, H_i, W_i)`` of
different sizes, resize them to one size and return ``(batch, out_dim, H, W)``. Every operation in
the layers acts on dimension 1 (features or channels), so one class serves both cases: projections
are ``Linear`` for vectors and 1x1 ``Conv2d`` for maps.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..._validation import check_int, param_error
from ...exceptions import InvalidInputError

__all__ = ["FusionLayer", "channel_linear"]

_SIZES = ("smallest", "largest", "first")


def channel_linear(d_in: int, d_out: int, spatial: bool, bias: bool = True) -> nn.Module:
    """A linear map over dimension 1: ``Linear`` for vectors, a 1x1 convolution for maps."""
    return nn.Conv2d(d_in, d_out, kernel_size=1, bias=bias) if spatial else nn.Linear(d_in, d_out, bias=bias)


class FusionLayer(nn.Module):
    """Base class of the fusion layers (not used directly).

    Parameters
    ----------
    in_dims : sequence of int
        Width (features, or channels for maps) of each source, in the order the tensors are given.
    out_dim : int
        Width of the fused output.
    spatial : bool
        Take feature maps ``(batch, C_i, H_i, W_i)`` instead of vectors.
    size : {"smallest", "largest", "first"} or (int, int)
        Spatial size the maps are resized to (maps only): the smallest or largest map (by area), the
        first source's, or a fixed ``(H, W)``. Shrinking uses adaptive average pooling, growing uses
        bilinear interpolation.

    Shapes:
        - input: list of ``(batch, in_dims[i])``, or ``(batch, in_dims[i], H_i, W_i)`` with ``spatial``
        - output: ``(batch, out_dim)``, or ``(batch, out_dim, H, W)`` with ``spatial``
    """

    def __init__(
        self,
        in_dims: Sequence[int],
        out_dim: int,
        *,
        spatial: bool = False,
        size: str | tuple[int, int] = "smallest",
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        if isinstance(in_dims, (str, bytes)) or not isinstance(in_dims, Sequence):
            raise param_error("in_dims", owner, "a sequence of positive ints, one per source", in_dims)
        if len(in_dims) == 0:
            raise param_error("in_dims", owner, "non-empty (a fusion layer needs at least one source)", in_dims)
        self.in_dims = tuple(check_int(d, f"in_dims[{i}]", owner) for i, d in enumerate(in_dims))
        self.out_dim = check_int(out_dim, "out_dim", owner)
        self.spatial = bool(spatial)
        if isinstance(size, str):
            key = size.strip().lower()
            if key not in _SIZES:
                raise param_error("size", owner, f"one of {_SIZES} or (H, W)", size)
            self.size: str | tuple[int, int] = key
        else:
            try:
                h, w = size
            except (TypeError, ValueError) as exc:
                raise param_error("size", owner, f"one of {_SIZES} or (H, W)", size) from exc
            self.size = (check_int(h, "size[0]", owner), check_int(w, "size[1]", owner))
        self.last_weights: torch.Tensor | None = None

    @property
    def n_sources(self) -> int:
        """Number of sources the layer was built for."""
        return len(self.in_dims)

    def reset_parameters(self) -> None:
        """Re-initialise every weight of the layer."""
        for module in self.modules():
            if module is not self and hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def check_inputs(self, xs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """Check the list of source tensors; errors name the source index and what was expected."""
        owner = type(self).__name__
        if isinstance(xs, torch.Tensor) or not isinstance(xs, (list, tuple)):
            raise InvalidInputError(
                f"{owner} takes a list of tensors, one per source; got {type(xs).__name__}."
            )
        if len(xs) == 0:
            raise InvalidInputError(f"{owner} got an empty list of sources; pass one tensor per source.")
        if len(xs) != self.n_sources:
            raise InvalidInputError(
                f"{owner} was built for {self.n_sources} sources (in_dims={list(self.in_dims)}) "
                f"but got {len(xs)} tensors."
            )
        rank, layout = (4, "(batch, C, H, W)") if self.spatial else (2, "(batch, d)")
        batch = None
        for i, x in enumerate(xs):
            if not isinstance(x, torch.Tensor):
                raise InvalidInputError(f"{owner}: source {i} is a {type(x).__name__}, not a tensor.")
            if x.dim() != rank:
                hint = "" if self.spatial else " (feature maps need spatial=True)"
                raise InvalidInputError(
                    f"{owner}: source {i} has shape {tuple(x.shape)}; expected {layout}{hint}."
                )
            if x.shape[1] != self.in_dims[i]:
                raise InvalidInputError(
                    f"{owner}: source {i} has width {x.shape[1]} but in_dims[{i}] = {self.in_dims[i]}."
                )
            if batch is None:
                batch = x.shape[0]
            elif x.shape[0] != batch:
                raise InvalidInputError(
                    f"{owner}: source {i} has batch size {x.shape[0]} but source 0 has {batch}; "
                    "all sources must describe the same rows."
                )
        return list(xs)

    def target_size(self, xs: Sequence[torch.Tensor]) -> tuple[int, int]:
        """The common ``(H, W)`` the maps are resized to."""
        if isinstance(self.size, tuple):
            return self.size
        sizes = [(int(x.shape[-2]), int(x.shape[-1])) for x in xs]
        if self.size == "first":
            return sizes[0]
        key = (lambda s: s[0] * s[1])
        return min(sizes, key=key) if self.size == "smallest" else max(sizes, key=key)

    def align(self, xs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """Check the inputs and, for maps, resize them to :meth:`target_size`."""
        xs = self.check_inputs(xs)
        if not self.spatial:
            return xs
        th, tw = self.target_size(xs)
        out = []
        for x in xs:
            h, w = x.shape[-2:]
            if (h, w) == (th, tw):
                out.append(x)
            elif h >= th and w >= tw:
                out.append(F.adaptive_avg_pool2d(x, (th, tw)))
            else:
                out.append(F.interpolate(x, size=(th, tw), mode="bilinear", align_corners=False))
        return out

    def extra_repr_args(self) -> str:
        """Extra ``key=value`` text for ``__repr__`` (subclasses add their options)."""
        return ""

    def __repr__(self) -> str:
        extra = ", spatial=True" if self.spatial else ""
        more = self.extra_repr_args()
        return f"{type(self).__name__}({list(self.in_dims)}, {self.out_dim}{extra}{', ' + more if more else ''})"


def stack_sources(hs: Sequence[torch.Tensor]) -> torch.Tensor:
    """Stack same-shaped source tensors into ``(batch, S, D, ...)``."""
    return torch.stack(list(hs), dim=1)


def per_sample(w: torch.Tensor) -> torch.Tensor:
    """Average per-position weights ``(batch, S, H, W)`` to per-sample ``(batch, S)``."""
    return w.flatten(2).mean(-1) if w.dim() > 2 else w
