"""An embedding + stacked LSTM/GRU whose layers' pooled states are fused by a registry fusion layer."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..._validation import check_choice, check_int, check_real
from ...exceptions import InvalidInputError
from .._registry import register_module
from ._common import FusionBackbone, build_fusion, reset_all

__all__ = ["FusionRNN"]

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}
_POOLING = ("mean", "max", "last")


class FusionRNN(FusionBackbone):
    """Token embedding, a stack of recurrent layers, and a fusion of every layer's pooled states.

    Sequences are padded with 0; a sequence's length is the position of its last non-zero token, so
    padding may only trail. Each recurrent layer runs on packed sequences (padding never enters the
    state), its outputs are pooled over the valid positions, and the pooled vectors of all layers
    (and of the embeddings, with ``include_embedding``) are the fusion sources.

    Parameters
    ----------
    vocab_size : int
        Number of token ids (``0`` is padding).
    n_classes : int
        Outputs of the head.
    embed_dim : int
        Embedding width.
    hidden_size : int
        Hidden width of each recurrent layer (per direction).
    num_layers : int
        Recurrent layers (each one a fusion source).
    cell : {"lstm", "gru"}
        Recurrent cell.
    bidirectional : bool
        Run each layer in both directions.
    pooling : {"mean", "max", "last"}
        How each layer's outputs become one vector (``last``: the final hidden state).
    include_embedding : bool
        Also fuse the mean-pooled embeddings.
    fusion, fusion_dim, fusion_params, dropout, aux_tasks
        As in :class:`FusionCNN`.

    Shapes:
        - input: ``(batch, L)`` integer token ids, 0 = padding
        - output: ``(batch, n_classes)``; ``embed`` gives ``(batch, fusion_dim)``

    Examples
    --------
    >>> import torch
    >>> net = FusionRNN(100, 2, embed_dim=8, hidden_size=8)
    >>> net
    FusionRNN(100, 2, cell='lstm', num_layers=2, fusion='aff')
    >>> net(torch.tensor([[5, 6, 7, 0], [9, 0, 0, 0]])).shape
    torch.Size([2, 2])
    """

    def __init__(
        self,
        vocab_size: int,
        n_classes: int,
        embed_dim: int = 64,
        hidden_size: int = 64,
        num_layers: int = 2,
        cell: str = "lstm",
        bidirectional: bool = False,
        pooling: str = "mean",
        include_embedding: bool = True,
        fusion: str = "aff",
        fusion_dim: int = 64,
        fusion_params: dict | None = None,
        dropout: float = 0.0,
        aux_tasks: bool = False,
    ) -> None:
        super().__init__()
        owner = "FusionRNN"
        self.vocab_size = check_int(vocab_size, "vocab_size", owner)
        self.n_classes = check_int(n_classes, "n_classes", owner)
        self.embed_dim = check_int(embed_dim, "embed_dim", owner)
        self.hidden_size = check_int(hidden_size, "hidden_size", owner)
        self.num_layers = check_int(num_layers, "num_layers", owner)
        self.cell = check_choice(cell, "cell", owner, tuple(_CELLS))
        self.pooling = check_choice(pooling, "pooling", owner, _POOLING)
        self.bidirectional = bool(bidirectional)
        self.include_embedding = bool(include_embedding)
        self.fusion_dim = check_int(fusion_dim, "fusion_dim", owner)
        self.dropout = check_real(dropout, "dropout", owner, low=0.0, high=1.0, closed="left")
        self.fusion_name = fusion
        self.embedding = nn.Embedding(self.vocab_size, self.embed_dim, padding_idx=0)
        n_dir = 2 if self.bidirectional else 1
        rnn = _CELLS[self.cell]
        self.layers = nn.ModuleList(
            rnn(self.embed_dim if i == 0 else self.hidden_size * n_dir, self.hidden_size, batch_first=True,
                bidirectional=self.bidirectional)
            for i in range(self.num_layers)
        )
        in_dims = ([self.embed_dim] if self.include_embedding else []) + [self.hidden_size * n_dir] * self.num_layers
        self.fusion = build_fusion(owner, fusion, in_dims, self.fusion_dim, fusion_params,
                                   self.n_classes if aux_tasks else None)
        self.drop = nn.Dropout(self.dropout)
        self.head = nn.Linear(self.fusion_dim, self.n_classes)
        self.embedding_dim = self.fusion_dim
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every weight (the padding embedding stays zero)."""
        reset_all(self)
        with torch.no_grad():
            self.embedding.weight[0].zero_()

    @staticmethod
    def lengths(tokens: torch.Tensor) -> torch.Tensor:
        """Length of each padded sequence: the position of its last non-zero token (at least 1)."""
        pos = torch.arange(1, tokens.shape[1] + 1, device=tokens.device)
        return ((tokens != 0).long() * pos).amax(1).clamp(min=1)

    def _pool(self, out: torch.Tensor, mask: torch.Tensor, last: torch.Tensor | None) -> torch.Tensor:
        if self.pooling == "last" and last is not None:
            return last
        if self.pooling == "max":
            return out.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(1)
        m = mask.unsqueeze(-1).to(out.dtype)
        return (out * m).sum(1) / m.sum(1)

    def layer_features(self, tokens: torch.Tensor) -> list[torch.Tensor]:
        """The pooled vector of every source: ``[(batch, embed_dim)?] + num_layers x (batch, hidden)``."""
        if tokens.dim() != 2:
            raise InvalidInputError(f"FusionRNN expects token ids of shape (batch, L); got {tuple(tokens.shape)}.")
        tokens = tokens.long()
        lengths = self.lengths(tokens)
        total = tokens.shape[1]
        mask = torch.arange(total, device=tokens.device).unsqueeze(0) < lengths.unsqueeze(1)
        x = self.embedding(tokens)
        feats = []
        if self.include_embedding:
            m = mask.unsqueeze(-1).to(x.dtype)
            feats.append((x * m).sum(1) / m.sum(1))
        for rnn in self.layers:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, state = rnn(packed)
            x, _ = pad_packed_sequence(out, batch_first=True, total_length=total)
            h_n = state[0] if isinstance(state, tuple) else state  # (n_dir, B, H)
            last = h_n.transpose(0, 1).reshape(x.shape[0], -1)
            feats.append(self._pool(x, mask, last))
        return feats

    def __repr__(self) -> str:
        return (f"FusionRNN({self.vocab_size}, {self.n_classes}, cell={self.cell!r}, "
                f"num_layers={self.num_layers}, fusion={self.fusion_name!r})")


@register_module("rnn", input_kind="sequence")
def _build_rnn(n_inputs: int, n_outputs: int, **params) -> FusionRNN:
    return FusionRNN(n_inputs, n_outputs, **params)
