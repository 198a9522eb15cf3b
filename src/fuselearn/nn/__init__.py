"""Fusion layers and their registry, backbones with fusion points, the torch training loop (no scikit-learn here)."""

from ._registry import INPUT_KINDS, MODULES, ModuleSpec, get_module_spec, register_module
from ._training import (
    History,
    TrainConfig,
    collect_aux_loss,
    default_collate,
    predict_module,
    resolve_device,
    seeded,
    train_module,
)
from .mlp import MLP

__all__ = [
    "INPUT_KINDS",
    "MLP",
    "MODULES",
    "History",
    "ModuleSpec",
    "TrainConfig",
    "collect_aux_loss",
    "default_collate",
    "get_module_spec",
    "predict_module",
    "register_module",
    "resolve_device",
    "seeded",
    "train_module",
]
