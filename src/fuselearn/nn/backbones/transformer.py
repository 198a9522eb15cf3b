"""A small pre-norm transformer encoder over token ids whose layers' pooled states are fused."""

from __future__ import annotations

import torch
from torch import nn

from ..._validation import check_choice, check_int, check_real, param_error
from ...exceptions import InvalidInputError
from .._registry import register_module
from ._common import FusionBackbone, build_fusion, reset_all

__all__ = ["FusionTransformer"]

_POOLING = ("mean", "cls")


class FusionTransformer(FusionBackbone):
    """Token + learned position embeddings, pre-norm encoder blocks, and a fusion of every block's pooling.

    Each block is a ``torch.nn.TransformerEncoderLayer(norm_first=True)`` with a key padding mask
    (token id 0 is padding and is never attended to). The output of every block (and of the embeddings,
    with ``include_embedding``) is layer-normalised and pooled, by the mean over the real tokens or by
    a prepended ``[CLS]`` position, and the pooled vectors are the fusion sources, as the recurrent
    layers are in :class:`FusionRNN`. A text of padding only (an empty text) is pooled over its first
    position, so it gives a finite, constant output.

    Sequences longer than ``max_length`` are **truncated** to their first ``max_length`` tokens (the
    position table has ``max_length`` rows).

    Parameters
    ----------
    vocab_size : int
        Number of token ids (``0`` is padding).
    n_classes : int
        Outputs of the head.
    d_model : int, default=64
        Width of the embeddings and of every block.
    nhead : int, default=4
        Attention heads; must divide ``d_model``.
    num_layers : int, default=2
        Encoder blocks (each one a fusion source).
    dim_feedforward : int, default=128
        Hidden width of each block's feed-forward part.
    max_length : int, default=512
        Positions of the learned position table; longer inputs are truncated.
    pooling : {"mean", "cls"}, default="mean"
        Mean over the real tokens, or the state of a learned ``[CLS]`` position put first.
    include_embedding : bool, default=False
        Also fuse the pooled embeddings (token + position).
    fusion : str, default="aff"
        Registry name of the fusion over the blocks (:data:`fuselearn.nn.FUSIONS`).
    fusion_dim : int, default=64
        Width of the fused vector.
    fusion_params : dict or None
        Options of the fusion layer.
    dropout : float, default=0.1
        Dropout inside the blocks, on the embeddings and before the head.
    aux_tasks : bool, default=False
        Give the fusion layer auxiliary per-source heads (where it has them).

    Shapes:
        - input: ``(batch, L)`` integer token ids, 0 = padding
        - output: ``(batch, n_classes)``; ``embed`` gives ``(batch, fusion_dim)``

    Examples
    --------
    >>> import torch
    >>> net = FusionTransformer(100, 2, d_model=8, nhead=2, dim_feedforward=16)
    >>> net
    FusionTransformer(100, 2, d_model=8, num_layers=2, pooling='mean', fusion='aff')
    >>> net(torch.tensor([[5, 6, 7, 0], [0, 0, 0, 0]])).shape
    torch.Size([2, 2])
    """

    def __init__(
        self,
        vocab_size: int,
        n_classes: int,
        d_model: int = 64,
        nhead: int = 4,
        num_layers: int = 2,
        dim_feedforward: int = 128,
        max_length: int = 512,
        pooling: str = "mean",
        include_embedding: bool = False,
        fusion: str = "aff",
        fusion_dim: int = 64,
        fusion_params: dict | None = None,
        dropout: float = 0.1,
        aux_tasks: bool = False,
    ) -> None:
        super().__init__()
        owner = "FusionTransformer"
        self.vocab_size = check_int(vocab_size, "vocab_size", owner)
        self.n_classes = check_int(n_classes, "n_classes", owner)
        self.d_model = check_int(d_model, "d_model", owner)
        self.nhead = check_int(nhead, "nhead", owner)
        if self.d_model % self.nhead:
            raise param_error("nhead", owner, f"a divisor of d_model={self.d_model}", nhead)
        self.num_layers = check_int(num_layers, "num_layers", owner)
        self.dim_feedforward = check_int(dim_feedforward, "dim_feedforward", owner)
        self.max_length = check_int(max_length, "max_length", owner)
        self.pooling = check_choice(pooling, "pooling", owner, _POOLING)
        self.include_embedding = bool(include_embedding)
        self.fusion_dim = check_int(fusion_dim, "fusion_dim", owner)
        self.dropout = check_real(dropout, "dropout", owner, low=0.0, high=1.0, closed="left")
        self.fusion_name = fusion
        self.embedding = nn.Embedding(self.vocab_size, self.d_model, padding_idx=0)
        n_pos = self.max_length + (1 if self.pooling == "cls" else 0)
        self.position = nn.Embedding(n_pos, self.d_model)
        self.cls = nn.Parameter(torch.zeros(1, 1, self.d_model)) if self.pooling == "cls" else None
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(self.d_model, self.nhead, self.dim_feedforward, self.dropout,
                                       activation="gelu", batch_first=True, norm_first=True)
            for _ in range(self.num_layers)
        )
        n_sources = self.num_layers + (1 if self.include_embedding else 0)
        self.norms = nn.ModuleList(nn.LayerNorm(self.d_model) for _ in range(n_sources))
        self.fusion = build_fusion(owner, fusion, [self.d_model] * n_sources, self.fusion_dim,
                                   fusion_params, self.n_classes if aux_tasks else None)
        self.drop = nn.Dropout(self.dropout)
        self.head = nn.Linear(self.fusion_dim, self.n_classes)
        self.embedding_dim = self.fusion_dim
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every weight: embeddings N(0, 0.02) as in BERT, the padding row zero."""
        reset_all(self)
        for sub in self.modules():
            if isinstance(sub, nn.MultiheadAttention):
                sub._reset_parameters()  # torch's own initialisation of the attention projections
        with torch.no_grad():
            nn.init.normal_(self.embedding.weight, std=0.02)
            nn.init.normal_(self.position.weight, std=0.02)
            self.embedding.weight[0].zero_()
            if self.cls is not None:
                nn.init.normal_(self.cls, std=0.02)

    def _pool(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        if self.pooling == "cls":
            return x[:, 0]
        m = keep.unsqueeze(-1).to(x.dtype)
        return (x * m).sum(1) / m.sum(1)

    def layer_features(self, tokens: torch.Tensor) -> list[torch.Tensor]:
        """The pooled, normalised vector of every source: ``[(batch, d_model)?] + num_layers x (batch, d_model)``."""
        if tokens.dim() != 2:
            raise InvalidInputError(
                f"FusionTransformer expects token ids of shape (batch, L); got {tuple(tokens.shape)}."
            )
        tokens = tokens[:, : self.max_length].long()
        keep = tokens != 0
        keep[:, 0] |= ~keep.any(1)  # a text of padding only attends to (and is pooled over) position 0
        x = self.embedding(tokens)
        if self.cls is not None:
            x = torch.cat([self.cls.expand(len(x), -1, -1), x], dim=1)
            keep = torch.cat([keep.new_ones(len(x), 1), keep], dim=1)
        x = self.drop(x + self.position(torch.arange(x.shape[1], device=x.device)))
        sources = [x] if self.include_embedding else []
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=~keep)
            sources.append(x)
        return [self._pool(norm(s), keep) for norm, s in zip(self.norms, sources)]

    def __repr__(self) -> str:
        return (f"FusionTransformer({self.vocab_size}, {self.n_classes}, d_model={self.d_model}, "
                f"num_layers={self.num_layers}, pooling={self.pooling!r}, fusion={self.fusion_name!r})")


@register_module("transformer", input_kind="sequence")
def _build_transformer(n_inputs: int, n_outputs: int, **params) -> FusionTransformer:
    return FusionTransformer(n_inputs, n_outputs, **params)
