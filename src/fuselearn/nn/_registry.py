"""The registry of network modules that estimators build by name.

A registered builder is called as ``builder(n_inputs, n_outputs, **module_params)`` and returns a
``torch.nn.Module``. Each entry also says what input it takes (``input_kind``), so the estimator
knows how to validate and batch the data: ``"tabular"`` (2-D float), ``"image"`` (``(n, C, H, W)``),
``"sequence"`` (token ids) or ``"graph"`` (a list of graphs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .._registry import Registry, normalize_name, unknown_name_error

__all__ = ["INPUT_KINDS", "MODULES", "ModuleSpec", "get_module_spec", "register_module"]

INPUT_KINDS = ("tabular", "image", "sequence", "graph")


@dataclass(frozen=True)
class ModuleSpec:
    """A registered network: its builder and the kind of input it takes."""

    name: str
    builder: Callable[..., torch.nn.Module]
    input_kind: str = "tabular"


#: Every registered network module by name; ``"mlp" in MODULES``, ``sorted(MODULES)``.
MODULES: Registry[ModuleSpec] = Registry("module")


def register_module(name: str, *, input_kind: str = "tabular", overwrite: bool = False):
    """Register a module builder under ``name`` (decorator).

    Parameters
    ----------
    name : str
        Registry name; normalised (lower case, ``-`` -> ``_``).
    input_kind : {"tabular", "image", "sequence", "graph"}
        What the module's ``forward`` takes.
    overwrite : bool
        Replace an existing entry silently. Without it a second registration warns, like timm.
    """
    if input_kind not in INPUT_KINDS:
        raise unknown_name_error("input kind", input_kind, INPUT_KINDS, "register_module")
    key = normalize_name(name)

    def decorator(builder):
        MODULES.register(key, ModuleSpec(key, builder, input_kind), overwrite=overwrite)
        return builder

    return decorator


def get_module_spec(name: str, where: str = "module") -> ModuleSpec:
    """Return the :class:`ModuleSpec` registered as ``name``; unknown names list the choices."""
    return MODULES.get(name, where)
