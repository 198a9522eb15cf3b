"""An MLP autoencoder as a transformer: bottleneck codes and reconstruction-error anomaly scores."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import TransformerMixin

from .._validation import Integral, Interval, Real, check_fitted, check_int_tuple, check_params
from ..nn import MLP
from ..nn._training import TRAIN_CONSTRAINTS
from ._cache import cacheable_params, cached_rows, resolve_cache, state_key
from ._torch import TorchEstimator, _validate, weights_fingerprint

__all__ = ["AutoencoderEmbedder"]

_AUTOENCODER_CONSTRAINTS = {
    **TRAIN_CONSTRAINTS,
    "encoding_dim": [Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
}


class _Autoencoder(torch.nn.Module):
    """Encoder MLP ``in -> hidden... -> code`` and a mirrored decoder ``code -> ...hidden -> in``.

    Shapes:
        - input: ``(batch, in_features)``
        - output: ``(batch, in_features)``, the reconstruction; ``embed`` gives ``(batch, code_size)``.
    """

    def __init__(self, in_features: int, code_size: int, hidden_sizes=(64,), dropout: float = 0.0) -> None:
        super().__init__()
        hidden = tuple(int(h) for h in hidden_sizes)
        self.in_features, self.code_size, self.hidden_sizes = int(in_features), int(code_size), hidden
        # An MLP's body is its hidden stack and its head a linear map: encoder ends linear in the code.
        self.encoder = MLP(in_features, code_size, hidden_sizes=hidden, dropout=dropout)
        self.decoder = MLP(code_size, in_features, hidden_sizes=hidden[::-1], dropout=dropout)

    def reset_parameters(self) -> None:
        self.encoder.reset_parameters()
        self.decoder.reset_parameters()

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    def __repr__(self) -> str:
        return f"_Autoencoder({self.in_features}, {self.code_size}, hidden_sizes={self.hidden_sizes})"


class AutoencoderEmbedder(TransformerMixin, TorchEstimator):
    """An MLP autoencoder: ``transform`` gives the bottleneck code, ``score_samples`` an anomaly score.

    Trained without labels (``fit(X, y=None)``) to reconstruct standardised inputs with mean squared
    error, through :func:`fuselearn.nn.train_module` (AdamW, early stopping on a held-out share).
    Trained on normal data only, rows it reconstructs badly are unusual: ``reconstruction_error``
    gives the per-row mean squared error in standardised units (higher = more anomalous) and
    ``score_samples`` its negative, following scikit-learn's convention for outlier detectors
    (``IsolationForest.score_samples``: higher = more normal).

    Parameters
    ----------
    encoding_dim : int, default=8
        Width of the bottleneck code.
    hidden_sizes : tuple of int, default=(64,)
        Hidden widths of the encoder (the decoder mirrors them).
    dropout : float, default=0.0
        Dropout after each hidden layer.
    max_epochs, batch_size, lr, weight_decay, validation_fraction, patience, device, random_state, verbose
        Training settings, as in :class:`fuselearn.NeuralClassifier`.
    cache : None, bool or path, default=None
        Store ``transform`` codes on disk, one entry per row keyed by a hash of (parameters, the
        trained weights and the standardisation, the row): an autoencoder fitted per fold has one key
        per fold, so rows are shared only where the fitted network is the same (a grid of heads over
        one fold's codes). A folder, or True for ``platformdirs.user_cache_dir("fuselearn")``.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained autoencoder.
    mean_, scale_ : ndarray of shape (n_features_in_,)
        Standardisation learned in ``fit`` (a constant column gets scale 1).
    history_ : fuselearn.nn.History
        Training and validation losses.
    n_features_in_ : int
        Number of input features.
    cache_ : FeatureCache or None
        The cache in use.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(100, 5))
    >>> ae = AutoencoderEmbedder(encoding_dim=2, max_epochs=5, random_state=0).fit(X)
    >>> ae.transform(X).shape, ae.reconstruction_error(X).shape
    ((100, 2), (100,))
    """

    def __init__(
        self,
        *,
        encoding_dim: int = 8,
        hidden_sizes: tuple[int, ...] = (64,),
        dropout: float = 0.0,
        max_epochs: int = 100,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        validation_fraction: float = 0.1,
        patience: int | None = 10,
        device: str = "cpu",
        random_state=None,
        verbose: int = 0,
        cache=None,
    ) -> None:
        self.encoding_dim = encoding_dim
        self.hidden_sizes = hidden_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.cache = cache

    def _check_params(self) -> tuple[int, ...]:
        check_params(self, _AUTOENCODER_CONSTRAINTS, self.get_params(deep=False))
        return check_int_tuple(self.hidden_sizes, "hidden_sizes", "AutoencoderEmbedder")

    def _build_module(self) -> _Autoencoder:
        return _Autoencoder(self.n_features_in_, self.encoding_dim, self._hidden, self.dropout)

    def fit(self, X, y=None):
        """Train the autoencoder to reconstruct ``X`` (``y`` is ignored)."""
        self._hidden = self._check_params()
        X = _validate(self, X, reset=True, dtype=[np.float64, np.float32])
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        Z = torch.as_tensor((X - self.mean_) / self.scale_, dtype=torch.float32)
        self._train_network(Z, Z, loss_fn=torch.nn.functional.mse_loss)
        self.cache_ = resolve_cache(self.cache, "AutoencoderEmbedder")
        return self

    def _scaled(self, X, method: str) -> torch.Tensor:
        check_fitted(self, "module_", method)
        X = _validate(self, X, reset=False, dtype=[np.float64, np.float32])
        return torch.as_tensor((X - self.mean_) / self.scale_, dtype=torch.float32)

    def transform(self, X) -> np.ndarray:
        """Bottleneck codes ``(n_samples, encoding_dim)``, float32 (the network's precision)."""
        self._check_fitted("transform")
        X = _validate(self, X, reset=False, dtype=[np.float64, np.float32])

        def embed(rows):
            Z = torch.as_tensor((rows - self.mean_) / self.scale_, dtype=torch.float32)
            return self._predict_network(Z, method="embed").numpy()

        def state() -> str:  # the code of a row depends on the trained weights and the scaling
            return state_key(type(self).__qualname__, cacheable_params(self),
                             weights_fingerprint(self.module_), self.mean_, self.scale_)

        return cached_rows(getattr(self, "cache_", None), state, X, embed)

    def reconstruction_error(self, X) -> np.ndarray:
        """Per-row mean squared reconstruction error in standardised units (higher = more anomalous),
        float32 (the network's precision)."""
        Z = self._scaled(X, "reconstruction_error")
        recon = self._predict_network(Z)
        return ((recon - Z) ** 2).mean(dim=1).numpy()

    def score_samples(self, X) -> np.ndarray:
        """Negative reconstruction error: higher is more normal, as for scikit-learn outlier detectors."""
        return -self.reconstruction_error(X)

    def get_feature_names_out(self, input_features=None):
        """Names ``autoencoderembedder0 ... autoencoderembedder{encoding_dim-1}``."""
        check_fitted(self, "module_", "get_feature_names_out")
        return np.asarray([f"autoencoderembedder{i}" for i in range(self.encoding_dim)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # the network computes in float32
        return tags
