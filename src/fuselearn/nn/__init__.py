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
from .backbones import FusionCNN, FusionGNN, FusionRNN, FusionTransformer, TextCNN
from .fusion import AFF, FUSIONS, AdaptiveFeatureFusion, FusionLayer, make_fusion, register_fusion
from .mlp import MLP

__all__ = [
    "AFF",
    "FUSIONS",
    "INPUT_KINDS",
    "MLP",
    "MODULES",
    "AdaptiveFeatureFusion",
    "FusionCNN",
    "FusionGNN",
    "FusionLayer",
    "FusionRNN",
    "FusionTransformer",
    "History",
    "ModuleSpec",
    "TextCNN",
    "TrainConfig",
    "collect_aux_loss",
    "default_collate",
    "get_module_spec",
    "make_fusion",
    "predict_module",
    "register_fusion",
    "register_module",
    "resolve_device",
    "seeded",
    "train_module",
]
