"""Backbones with a fusion point: CNN stages, RNN layers and GNN layers fused by any registry layer."""

from .cnn import FusionCNN
from .gnn import FusionGNN
from .rnn import FusionRNN

__all__ = ["FusionCNN", "FusionGNN", "FusionRNN"]
