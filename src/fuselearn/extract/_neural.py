"""The neural estimators' shared class :class:`BaseNeuralEstimator` and :class:`NeuralExtractor`.

``BaseNeuralEstimator`` is :class:`~fuselearn.extract._torch.TorchEstimator` (the training set-up of
every torch estimator) plus what a network built by name needs: the module registry of
:mod:`fuselearn.nn`, the input kind of the module (:mod:`fuselearn.extract._inputs`), targets for
classification or regression. It lives here, in ``extract``, because ``NeuralExtractor`` needs it and
``extract`` sits below ``estimators`` (where ``NeuralClassifier``/``NeuralRegressor`` subclass it).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array

from .. import _torch_state
from .._validation import check_classes, check_int_tuple, check_params, check_y
from ..exceptions import FuselearnError, InvalidInputError, InvalidParameterError
from ..nn import get_module_spec, predict_module
from ..nn._training import TRAIN_CONSTRAINTS
from ._cache import cacheable_params, cached_rows, resolve_cache, state_key
from ._inputs import INPUT_HANDLERS, InputKind, get_input_kind
from ._torch import TorchEstimator, _validate, module_device, take_rows, weights_fingerprint

__all__ = ["INPUT_HANDLERS", "BaseNeuralEstimator", "NeuralExtractor"]

# Kept importable from here for the extractors that validated through this module before.
_ = _validate


class BaseNeuralEstimator(TorchEstimator):
    """Shared machinery of the neural estimators. Not for direct use.

    Subclasses set ``_task`` ("classification", "regression" or "auto").
    """

    _task = "auto"

    def __init__(
        self,
        module: str | Callable[..., torch.nn.Module] = "mlp",
        *,
        module_params: dict | None = None,
        hidden_sizes: tuple[int, ...] = (100,),
        max_epochs: int = 100,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        validation_fraction: float = 0.1,
        patience: int | None = 10,
        aux_loss_weight: float = 0.1,
        device: str = "cpu",
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        self.module = module
        self.module_params = module_params
        self.hidden_sizes = hidden_sizes
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.aux_loss_weight = aux_loss_weight
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- parameters -------------------------------------------------------------------------------
    def _check_params(self) -> None:
        name = type(self).__name__
        if isinstance(self.module, torch.nn.Module):
            raise InvalidParameterError(
                f"The 'module' parameter of {name} must be a registry name or a callable "
                "(n_inputs, n_outputs) -> torch.nn.Module, not a module instance (clone() must be able "
                "to build a fresh network). Wrap it: module=lambda n_in, n_out: MyNet(n_in, n_out)."
                + (" To embed with a fixed pretrained module use NeuralExtractor(module=net)."
                   if not isinstance(self, NeuralExtractor) else "")
            )
        if isinstance(self.module, str):
            get_module_spec(self.module, where=f"the 'module' parameter of {name}")
        elif not callable(self.module):
            raise InvalidParameterError(
                f"The 'module' parameter of {name} must be a registry name or a callable; "
                f"got {type(self.module).__name__}."
            )
        if self.module_params is not None and not isinstance(self.module_params, dict):
            raise InvalidParameterError(
                f"The 'module_params' parameter of {name} must be a dict or None. "
                f"Got {type(self.module_params).__name__} instead."
            )
        check_int_tuple(self.hidden_sizes, "hidden_sizes", name)
        check_params(self, TRAIN_CONSTRAINTS, self.get_params(deep=False))

    def _input_kind(self) -> InputKind:
        """The :class:`InputKind` of the module: the registry entry's, tabular for a callable."""
        if isinstance(self.module, str):
            name = get_module_spec(self.module).input_kind
            return get_input_kind(name, where=f"the input kind of module {self.module!r}")
        return get_input_kind("tabular")

    def _handler(self):
        """``(validate, collate)`` of the input kind: the former name of :meth:`_input_kind`, kept for
        callers written against it (e.g. per-source explanations); new code uses ``_input_kind()``."""
        kind = self._fitted_input_kind()
        return kind.validate, kind.collate

    def _fitted_input_kind(self) -> InputKind:
        """After fit, the kind the network was trained on, whatever ``set_params`` did since."""
        name = self.__dict__.get("input_kind_")
        if name is None:
            return self._input_kind()
        try:
            current = self._input_kind()
        except FuselearnError:  # a module set after fit that does not resolve: the fitted kind decides
            current = None
        # The current kind keeps a subclass's refinement (ImageEmbedder decodes files first) as long
        # as it is the kind the network was trained on.
        return current if current is not None and current.name == name else get_input_kind(name)

    def _predict_batch_size(self) -> int:
        # Fixed at fit (float32 batches round differently by size); older saved models lack it.
        return self.__dict__.get("predict_batch_size_") or max(self.batch_size, 256)

    def _build_module(self) -> torch.nn.Module:
        params = dict(self.module_params or {})
        if isinstance(self.module, str):
            builder = get_module_spec(self.module).builder
            params = self._input_kind().module_params(self, params)
        else:
            builder = self.module
        try:
            net = builder(self.n_inputs_, self.n_outputs_, **params)
        except TypeError as exc:
            raise InvalidParameterError(
                f"Building module {self.module!r} with module_params={params} failed: {exc}. "
                "Check the names in module_params."
            ) from exc
        if not isinstance(net, torch.nn.Module):
            raise InvalidParameterError(
                f"The 'module' callable of {type(self).__name__} must return a torch.nn.Module; "
                f"got {type(net).__name__}."
            )
        return net

    # -- fitting -------------------------------------------------------------------------------------
    def _resolve_task(self, y) -> str:
        if self._task != "auto":
            return self._task
        kind = type_of_target(y, input_name="y")
        return "classification" if kind in ("binary", "multiclass") else "regression"

    def _prepare_targets(self, y, task):
        if task == "classification":
            y = np.asarray(check_y(y, type(self).__name__, stacklevel=4))
            check_classification_targets(y)
            self._label_encoder = LabelEncoder().fit(y)
            self.classes_ = check_classes(self._label_encoder.classes_, type(self).__name__)
            self.n_outputs_ = len(self.classes_)
            return torch.as_tensor(self._label_encoder.transform(y), dtype=torch.long)
        try:
            y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"{type(self).__name__}.fit: a regression target y must be numbers ({exc}). "
                "Use a classifier for class labels, or convert y to numbers."
            ) from exc
        if not np.all(np.isfinite(y)):
            raise InvalidInputError(
                f"{type(self).__name__}.fit: y contains NaN or infinity; drop or impute those rows."
            )
        self._y_ndim = y.ndim
        y2 = y.reshape(len(y), -1)
        self._y_mean = y2.mean(axis=0)
        std = y2.std(axis=0)
        self._y_scale = np.where(std > 0, std, 1.0)
        self.n_outputs_ = y2.shape[1]
        return torch.as_tensor((y2 - self._y_mean) / self._y_scale, dtype=torch.float32)

    def _fit_network(self, X, y):
        self._check_params()
        kind = self._input_kind()
        check_y(y, type(self).__name__, ravel=False)
        data, self.n_inputs_ = kind.validate(self, X, reset=True)
        y = _check_y(self, y, len(data) if not isinstance(data, tuple) else len(data[0]))
        self._task_ = self._resolve_task(y)
        target = self._prepare_targets(y, self._task_)
        loss_fn = torch.nn.functional.cross_entropy if self._task_ == "classification" else _mse
        try:
            self._train_network(data, target, loss_fn=loss_fn, collate=kind.collate,
                                labels=y if self._task_ == "classification" else None)
        except RuntimeError as exc:
            if "shape" in str(exc) or "size" in str(exc):
                raise InvalidInputError(
                    f"{type(self).__name__}.fit: the module {self.module!r} could not process X of "
                    f"shape {getattr(X, 'shape', '?')}: {exc}"
                ) from exc
            raise
        self.input_kind_ = kind.name
        self.predict_batch_size_ = max(int(self.batch_size), 256)
        return data

    # -- prediction ------------------------------------------------------------------------------------
    def _forward(self, X, method=None) -> torch.Tensor:
        kind = self._fitted_input_kind()
        data, _ = kind.validate(self, X, reset=False)
        out = self._predict_network(data, collate=kind.collate, method=method,
                                    batch_size=self._predict_batch_size())
        _check_finite_output(self, out)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return self._input_kind().apply_tags(tags)


def _check_finite_output(est, out: torch.Tensor) -> None:
    """A float32 network that overflowed returns NaN or inf: say so instead of NaN probabilities."""
    finite = torch.isfinite(out.reshape(len(out), -1)).all(dim=1)
    if not bool(finite.all()):
        rows = torch.nonzero(~finite).ravel()[:5].tolist()
        raise InvalidInputError(
            f"{type(est).__name__}: the network's output is NaN or infinite for {int((~finite).sum())} "
            f"row(s) of X (first: {rows}); their values are too large for a float32 network trained on "
            "this data. Scale the features the same way as in fit (e.g. a StandardScaler or "
            "fuselearn.data.default_preprocessor in a Pipeline) or drop the extreme rows."
        )


def _check_y(est, y, n_rows):
    """y as an array with one entry per row of X, or a clear error."""
    try:
        y = check_array(y, ensure_2d=False, dtype=None, ensure_all_finite=False, input_name="y")
    except ValueError as exc:
        raise InvalidInputError(f"{type(est).__name__}.fit: {exc}") from exc
    if len(y) != n_rows:
        raise InvalidInputError(
            f"{type(est).__name__}.fit: X has {n_rows} rows but y has {len(y)}; "
            "they must have one target per row."
        )
    return y


def _mse(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.mse_loss(out.reshape(target.shape), target)


class NeuralExtractor(TransformerMixin, BaseNeuralEstimator):
    """Deep features for classical learners: the penultimate-layer embedding of a network.

    ``fit(X, y)`` trains a network (any registry module or callable, with a temporary output head
    sized to the task: classification for discrete ``y``, regression otherwise); ``transform``
    returns the embedding given by the module's ``embed`` method. Given a ``torch.nn.Module``
    *instance* as ``module``, the extractor wraps it frozen: ``fit`` trains nothing and ``transform``
    calls its ``embed`` method (or ``forward`` when it has none).

    Parameters
    ----------
    module : str, callable or torch.nn.Module, default="mlp"
        Registry name (see ``fuselearn.nn.MODULES``), a callable ``(n_inputs, n_outputs) -> Module``,
        or a pretrained module instance used frozen.
    module_params, hidden_sizes, max_epochs, batch_size, lr, weight_decay, validation_fraction, \
patience, aux_loss_weight, device, random_state, verbose
        As in :class:`fuselearn.NeuralClassifier`.
    cache : None, bool or path, default=None
        Store ``transform`` embeddings on disk, one entry per row keyed by a hash of (parameters, the
        network's architecture and weights, the row). A frozen pretrained module keys on its weights
        only, so every fold shares its rows; a network trained per fold has one key per fold, and
        shares rows only where the trained weights are the same (a grid of heads over one fold's
        embedding). A folder, or True for ``platformdirs.user_cache_dir("fuselearn")``.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained (or wrapped) network.
    cache_ : FeatureCache or None
        The cache in use (``cache_.hits`` and ``cache_.misses`` count rows).
    n_features_in_ : int
        Number of input features.
    embedding_dim_ : int
        Width of the embedding ``transform`` returns.
    history_ : fuselearn.nn.History
        Training losses (absent for a wrapped module).

    See Also
    --------
    fuselearn.HybridClassifier : an extractor feeding a classical head, cross-fitted.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from fuselearn import NeuralExtractor
    >>> X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    >>> ext = NeuralExtractor(hidden_sizes=(8,), max_epochs=3, random_state=0).fit(X, y)
    >>> ext.transform(X).shape
    (60, 8)
    """

    def __init__(
        self,
        module: str | Callable[..., torch.nn.Module] | torch.nn.Module = "mlp",
        *,
        module_params: dict | None = None,
        hidden_sizes: tuple[int, ...] = (100,),
        max_epochs: int = 100,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        validation_fraction: float = 0.1,
        patience: int | None = 10,
        aux_loss_weight: float = 0.1,
        device: str = "cpu",
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        cache=None,
    ) -> None:
        super().__init__(module, module_params=module_params, hidden_sizes=hidden_sizes,
                         max_epochs=max_epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                         validation_fraction=validation_fraction, patience=patience,
                         aux_loss_weight=aux_loss_weight, device=device, random_state=random_state,
                         verbose=verbose)
        self.cache = cache

    def _wraps_instance(self) -> bool:
        return isinstance(self.module, torch.nn.Module)

    def _check_params(self) -> None:
        if self._wraps_instance():
            return
        super()._check_params()

    def fit(self, X, y=None):
        """Train the network on ``(X, y)`` (or only validate ``X`` for a wrapped module)."""
        self.cache_ = resolve_cache(self.cache, type(self).__name__)
        if self._wraps_instance():
            X = _validate(self, X, reset=True, dtype=[np.float32, np.float64], allow_nd=True)
            self.module_ = self.module.eval()
            for p in self.module_.parameters():
                p.requires_grad_(False)
            with torch.no_grad():
                out = self._embed_tensor(torch.as_tensor(X[:1], dtype=torch.float32))
            self.embedding_dim_ = int(out.reshape(1, -1).shape[1])
            return self
        data = self._fit_network(X, y)
        sample = self._predict_network(take_rows(data, np.arange(1)), collate=self._input_kind().collate,
                                       method=self._embed_method())
        self.embedding_dim_ = int(sample.reshape(1, -1).shape[1])
        return self

    def _embed_method(self):
        return "embed" if hasattr(self.module_, "embed") else None

    def _embed_tensor(self, x):
        fn = getattr(self.module_, "embed", None) or self.module_
        return fn(x)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # the network computes in float32
        return tags

    def transform(self, X):
        """Embed ``X``: a float32 array ``(n_samples, embedding_dim_)`` (the network's precision:
        rows embedded in batches of other sizes can differ in the last float32 digit)."""
        self._check_fitted("transform")
        return cached_rows(getattr(self, "cache_", None), self._state_key, X, self._embed_rows)

    def _state_key(self) -> str:
        # What a row's embedding depends on besides the row: the network and how X is read.
        fitted = [getattr(self, name, None) for name in ("n_features_in_", "feature_names_in_", "vocab_size_",
                                                          "_n_labels_")]
        return state_key(type(self).__qualname__, cacheable_params(self), repr(self.module_),
                         weights_fingerprint(self.module_), fitted)

    def _embed_rows(self, X) -> np.ndarray:
        if self._wraps_instance():
            X = _validate(self, X, reset=False, dtype=[np.float32, np.float64], allow_nd=True)
            out = predict_module(self.module_, torch.as_tensor(X, dtype=torch.float32),
                                 batch_size=self._predict_batch_size(), device=module_device(self.module_),
                                 method=self._embed_method())
        else:
            out = self._forward(X, method=self._embed_method())
        return out.reshape(len(out), -1).numpy()

    def get_feature_names_out(self, input_features=None):
        """Names ``neuralextractor0 ... neuralextractor{d-1}`` of the embedding columns."""
        self._check_fitted("get_feature_names_out")
        return np.asarray([f"neuralextractor{i}" for i in range(self.embedding_dim_)], dtype=object)

    def __getstate__(self):
        if self._wraps_instance() and _torch_state._SAVE.get() is not None:
            raise InvalidParameterError(
                "A NeuralExtractor that wraps a module instance cannot be saved with fuselearn.save: "
                "its architecture is not known to fuselearn. Register the module with "
                "fuselearn.nn.register_module and pass its name instead."
            )
        return super().__getstate__()
