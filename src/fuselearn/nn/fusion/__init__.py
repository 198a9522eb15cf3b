"""Fusion layers: one signature (a list of per-source tensors in, one tensor out) and one registry.

``make_fusion(name, in_dims, out_dim, **options)`` builds any of them; ``FUSIONS`` lists the names.
"""

from ._base import FusionLayer
from ._registry import FUSIONS, get_fusion_class, make_fusion, register_fusion
from .aff import AFF, AdaptiveFeatureFusion
from .attention import AttentionFusion
from .basic import ConcatFusion, ProductFusion, SumFusion
from .gated import GatedFusion
from .graph import GraphFusion
from .lowrank import LowRankFusion

__all__ = [
    "AFF",
    "FUSIONS",
    "AdaptiveFeatureFusion",
    "AttentionFusion",
    "ConcatFusion",
    "FusionLayer",
    "GatedFusion",
    "GraphFusion",
    "LowRankFusion",
    "ProductFusion",
    "SumFusion",
    "get_fusion_class",
    "make_fusion",
    "register_fusion",
]
