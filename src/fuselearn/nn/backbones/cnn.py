"""A small convolutional network whose stages are fused by any registry fusion layer."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..._validation import check_int, check_real, param_error
from .._registry import register_module
from ._common import FusionBackbone, build_fusion, reset_all

__all__ = ["FusionCNN"]


class FusionCNN(FusionBackbone):
    """CNN whose stage outputs (multi-scale features) meet in one fusion layer before the head.

    Each stage is ``depth`` x (3x3 conv, batch norm, ReLU) followed by 2x2 max pooling. With
    ``spatial=True`` (default) the stage maps go to the spatial fusion layer (resized to the smallest
    map, channels projected by 1x1 convolutions; AFF then weights sources per position) and the fused
    map is average-pooled; otherwise each stage is average-pooled first and the vectors are fused.

    Parameters
    ----------
    in_channels : int
        Image channels.
    n_classes : int
        Outputs of the head.
    channels : sequence of int
        Channels of each stage (also the number of stages, i.e. of fusion sources).
    depth : int
        Convolutions per stage.
    fusion : str
        Any name in :data:`fuselearn.nn.FUSIONS`.
    fusion_dim : int
        Width of the fused representation (the embedding).
    fusion_params : dict or None
        Options for the fusion layer (e.g. AFF ablation switches).
    spatial : bool
        Fuse the maps (True) or their pooled vectors (False).
    dropout : float
        Dropout before the head.
    aux_tasks : bool
        Give the fusion layer per-source auxiliary heads (``aux_classes=n_classes``; AFF only).

    Shapes:
        - input: ``(batch, in_channels, H, W)`` with ``H, W >= 2 ** len(channels)``
        - output: ``(batch, n_classes)``; ``embed`` gives ``(batch, fusion_dim)``

    Examples
    --------
    >>> import torch
    >>> net = FusionCNN(3, 10, channels=(8, 16))
    >>> net
    FusionCNN(3, 10, channels=(8, 16), fusion='aff')
    >>> net(torch.zeros(2, 3, 16, 16)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        channels: Sequence[int] = (32, 64, 128),
        depth: int = 1,
        fusion: str = "aff",
        fusion_dim: int = 128,
        fusion_params: dict | None = None,
        spatial: bool = True,
        dropout: float = 0.0,
        aux_tasks: bool = False,
    ) -> None:
        super().__init__()
        owner = "FusionCNN"
        self.in_channels = check_int(in_channels, "in_channels", owner)
        self.n_classes = check_int(n_classes, "n_classes", owner)
        if isinstance(channels, (str, bytes)) or not isinstance(channels, Sequence) or len(channels) == 0:
            raise param_error("channels", owner, "a non-empty sequence of ints", channels)
        self.channels = tuple(check_int(c, f"channels[{i}]", owner) for i, c in enumerate(channels))
        self.depth = check_int(depth, "depth", owner)
        self.fusion_dim = check_int(fusion_dim, "fusion_dim", owner)
        self.spatial = bool(spatial)
        self.dropout = check_real(dropout, "dropout", owner, low=0.0, high=1.0, closed="left")
        self.fusion_name = fusion
        stages = []
        width = self.in_channels
        for c in self.channels:
            layers: list[nn.Module] = []
            for _ in range(self.depth):
                layers += [nn.Conv2d(width, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
                width = c
            layers.append(nn.MaxPool2d(2))
            stages.append(nn.Sequential(*layers))
        self.stages = nn.ModuleList(stages)
        extra = {"spatial": True} if self.spatial else {}
        self.fusion = build_fusion(owner, fusion, list(self.channels), self.fusion_dim, fusion_params,
                                   self.n_classes if aux_tasks else None, **extra)
        self.drop = nn.Dropout(self.dropout)
        self.head = nn.Linear(self.fusion_dim, self.n_classes)
        self.embedding_dim = self.fusion_dim
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every weight."""
        reset_all(self)

    def stage_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The output map of every stage: a list of ``(batch, channels[i], H / 2**(i+1), W / 2**(i+1))``."""
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The fused representation ``(batch, fusion_dim)``."""
        feats = self.stage_features(x)
        if self.spatial:
            return F.adaptive_avg_pool2d(self.fusion(feats), 1).flatten(1)
        return self.fusion([f.mean((2, 3)) for f in feats])

    def __repr__(self) -> str:
        return f"FusionCNN({self.in_channels}, {self.n_classes}, channels={self.channels}, fusion={self.fusion_name!r})"


@register_module("cnn", input_kind="image")
def _build_cnn(n_inputs: int, n_outputs: int, **params) -> FusionCNN:
    return FusionCNN(n_inputs, n_outputs, **params)
