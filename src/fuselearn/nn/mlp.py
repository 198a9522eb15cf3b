"""A multi-layer perceptron for 2-D tabular input, the default module of the neural estimators."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._validation import Interval, Real, StrOptions, check_int, check_params
from ..exceptions import InvalidParameterError
from ._registry import register_module

__all__ = ["MLP"]

_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "silu": nn.SiLU, "elu": nn.ELU}
_MLP_CONSTRAINTS = {
    "dropout": [Interval(Real, 0.0, 1.0, closed="left")],
    "activation": [StrOptions(set(_ACTIVATIONS))],
}


class MLP(nn.Module):
    """Fully connected network ``in -> hidden... -> out`` with an ``embed`` method for the penultimate layer.

    Parameters
    ----------
    in_features : int
        Number of input features.
    out_features : int
        Number of outputs (classes, or regression targets).
    hidden_sizes : sequence of int
        Widths of the hidden layers; empty for a linear model.
    dropout : float
        Dropout probability after each hidden activation.
    activation : {"relu", "gelu", "tanh", "silu", "elu"}
        Hidden activation.
    batch_norm : bool
        Batch normalisation before each activation.

    Shapes:
        - input: ``(batch, in_features)``
        - output: ``(batch, out_features)``; ``embed`` gives ``(batch, hidden_sizes[-1])``
          (or ``in_features`` when there is no hidden layer).

    Examples
    --------
    >>> import torch
    >>> net = MLP(4, 3, hidden_sizes=(8,))
    >>> net
    MLP(4, 3, hidden_sizes=(8,))
    >>> net(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        hidden_sizes: Sequence[int] = (100,),
        dropout: float = 0.0,
        activation: str = "relu",
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        check_params("MLP", _MLP_CONSTRAINTS, {"dropout": dropout, "activation": activation})
        self.in_features = check_int(in_features, "in_features", "MLP")
        self.out_features = check_int(out_features, "out_features", "MLP")
        try:
            self.hidden_sizes = tuple(check_int(h, f"hidden_sizes[{i}]", "MLP") for i, h in enumerate(hidden_sizes))
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{exc} Use an empty tuple for a linear model.") from None
        self.dropout = float(dropout)
        self.activation = activation
        self.batch_norm = bool(batch_norm)
        layers: list[nn.Module] = []
        width = self.in_features
        for h in hidden_sizes:
            layers.append(nn.Linear(width, h))
            if batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(_ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        self.body = nn.Sequential(*layers)
        self.embedding_dim = width
        self.head = nn.Linear(width, self.out_features)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every weight (PyTorch's default Linear/BatchNorm initialisation)."""
        for module in self.modules():
            if module is not self and hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features ``(batch, embedding_dim)``."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_features}, {self.out_features}, hidden_sizes={self.hidden_sizes})"


@register_module("mlp", input_kind="tabular")
def _build_mlp(n_inputs: int, n_outputs: int, **params) -> MLP:
    return MLP(n_inputs, n_outputs, **params)
