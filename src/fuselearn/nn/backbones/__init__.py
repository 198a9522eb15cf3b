"""Backbones with a fusion point: CNN stages, RNN / transformer layers, text-CNN widths and GNN layers fused by any registry layer."""

from .cnn import FusionCNN
from .gnn import FusionGNN
from .rnn import FusionRNN
from .textcnn import TextCNN
from .transformer import FusionTransformer

__all__ = ["FusionCNN", "FusionGNN", "FusionRNN", "FusionTransformer", "TextCNN"]
