"""Kim (2014)-style text CNN: parallel 1-D convolutions of several widths, max-over-time, fused."""

from __future__ import annotations

import torch
from torch import nn

from ..._validation import check_choice, check_int, check_real, param_error
from ...exceptions import InvalidInputError
from .._registry import register_module
from ._common import FusionBackbone, build_fusion, reset_all

__all__ = ["TextCNN"]

_POOLING = ("max", "mean", "max_mean")


class TextCNN(FusionBackbone):
    """Embedding, parallel convolutions of widths ``widths``, max-over-time pooling, dropout, a head.

    Kim, "Convolutional Neural Networks for Sentence Classification", EMNLP 2014: each width gives
    ``n_filters`` feature maps over the token positions, each map is max-pooled over time (padding
    positions excluded), and the pooled vectors of the widths are the fusion sources. With the
    default ``fusion="concat"`` and ``fusion_dim=None`` they are simply concatenated, as in the paper;
    any registry fusion (``"aff"``, ``"gated"``, ...) can combine them instead.

    Parameters
    ----------
    vocab_size : int
        Number of token ids (``0`` is padding).
    n_classes : int
        Outputs of the head.
    embed_dim : int, default=128
        Embedding width.
    widths : tuple of int, default=(3, 4, 5)
        Convolution widths (tokens), one branch (one fusion source) each.
    n_filters : int, default=100
        Feature maps per width.
    pooling : {"max", "mean", "max_mean"}, default="max"
        Over time: Kim's max (the strongest n-gram match), the mean over the text's real windows (a
        bag of n-gram detectors, steadier on long reviews), or both concatenated (``2 * n_filters``
        per width).
    fusion : str, default="concat"
        Registry name of the fusion over the branches (:data:`fuselearn.nn.FUSIONS`).
    fusion_dim : int or None, default=None
        Width of the fused vector; None: ``n_filters * len(widths)``.
    fusion_params : dict or None
        Options of the fusion layer.
    dropout : float, default=0.5
        Dropout on the fused vector, before the head (Kim used 0.5).
    aux_tasks : bool, default=False
        Give the fusion layer auxiliary per-source heads (where it has them).

    Shapes:
        - input: ``(batch, L)`` integer token ids, 0 = padding; ``L`` shorter than the widest
          convolution is padded
        - output: ``(batch, n_classes)``; ``embed`` gives ``(batch, fusion_dim)``

    Examples
    --------
    >>> import torch
    >>> net = TextCNN(100, 2, embed_dim=8, n_filters=4)
    >>> net
    TextCNN(100, 2, widths=(3, 4, 5), n_filters=4, fusion='concat')
    >>> net(torch.tensor([[5, 6, 7, 0], [9, 0, 0, 0]])).shape
    torch.Size([2, 2])
    """

    def __init__(
        self,
        vocab_size: int,
        n_classes: int,
        embed_dim: int = 128,
        widths: tuple[int, ...] = (3, 4, 5),
        n_filters: int = 100,
        pooling: str = "max",
        fusion: str = "concat",
        fusion_dim: int | None = None,
        fusion_params: dict | None = None,
        dropout: float = 0.5,
        aux_tasks: bool = False,
    ) -> None:
        super().__init__()
        owner = "TextCNN"
        self.vocab_size = check_int(vocab_size, "vocab_size", owner)
        self.n_classes = check_int(n_classes, "n_classes", owner)
        self.embed_dim = check_int(embed_dim, "embed_dim", owner)
        if not isinstance(widths, (tuple, list)) or not widths:
            raise param_error("widths", owner, "a non-empty tuple of ints >= 1", widths)
        self.widths = tuple(check_int(w, "widths", owner) for w in widths)
        self.n_filters = check_int(n_filters, "n_filters", owner)
        self.pooling = check_choice(pooling, "pooling", owner, _POOLING)
        source_dim = self.n_filters * (2 if self.pooling == "max_mean" else 1)
        self.fusion_dim = (source_dim * len(self.widths) if fusion_dim is None
                           else check_int(fusion_dim, "fusion_dim", owner))
        self.dropout = check_real(dropout, "dropout", owner, low=0.0, high=1.0, closed="left")
        self.fusion_name = fusion
        self.embedding = nn.Embedding(self.vocab_size, self.embed_dim, padding_idx=0)
        self.convs = nn.ModuleList(nn.Conv1d(self.embed_dim, self.n_filters, w) for w in self.widths)
        self.fusion = build_fusion(owner, fusion, [source_dim] * len(self.widths), self.fusion_dim,
                                   fusion_params, self.n_classes if aux_tasks else None)
        self.drop = nn.Dropout(self.dropout)
        self.head = nn.Linear(self.fusion_dim, self.n_classes)
        self.embedding_dim = self.fusion_dim
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every weight (the padding embedding stays zero)."""
        reset_all(self)
        with torch.no_grad():
            self.embedding.weight[0].zero_()

    def layer_features(self, tokens: torch.Tensor) -> list[torch.Tensor]:
        """The pooled-over-time vector of every width: ``len(widths) x (batch, n_filters)`` (x2 for ``max_mean``)."""
        if tokens.dim() != 2:
            raise InvalidInputError(f"TextCNN expects token ids of shape (batch, L); got {tuple(tokens.shape)}.")
        tokens = tokens.long()
        widest = max(self.widths)
        if tokens.shape[1] < widest:
            tokens = nn.functional.pad(tokens, (0, widest - tokens.shape[1]))
        valid = tokens != 0
        length = (valid.long() * torch.arange(1, tokens.shape[1] + 1, device=tokens.device)).amax(1)
        x = self.embedding(tokens).transpose(1, 2)  # (B, E, L)
        feats = []
        for w, conv in zip(self.widths, self.convs):
            h = torch.relu(conv(x))  # (B, F, L - w + 1)
            # windows that start at or after a text's end see padding only; a text shorter than w
            # keeps its first window
            starts = torch.arange(h.shape[2], device=h.device).unsqueeze(0)
            keep = starts < (length - w + 1).clamp(min=1).unsqueeze(1)
            h = h.masked_fill(~keep.unsqueeze(1), 0.0)  # after the ReLU, so 0 never wins the max
            pooled = []
            if self.pooling in ("max", "max_mean"):
                pooled.append(h.amax(2))
            if self.pooling in ("mean", "max_mean"):
                pooled.append(h.sum(2) / keep.sum(1, keepdim=True).to(h.dtype))
            feats.append(torch.cat(pooled, dim=1) if len(pooled) > 1 else pooled[0])
        return feats

    def __repr__(self) -> str:
        return (f"TextCNN({self.vocab_size}, {self.n_classes}, widths={self.widths}, "
                f"n_filters={self.n_filters}, fusion={self.fusion_name!r})")


@register_module("cnn1d", input_kind="sequence")
def _build_cnn1d(n_inputs: int, n_outputs: int, **params) -> TextCNN:
    return TextCNN(n_inputs, n_outputs, **params)
