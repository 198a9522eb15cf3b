"""scikit-learn estimators around a torch module: the shared base and :class:`NeuralExtractor`.

The base lives here, in ``extract``, because ``NeuralExtractor`` needs it and ``extract`` sits below
``estimators`` (where ``NeuralClassifier``/``NeuralRegressor`` subclass it). The training loop itself
is :func:`fuselearn.nn.train_module`.

We checked skorch (1.4) as the base: its ``NeuralNet`` stores ``module__*`` settings through
``**kwargs`` and builds the network in ``initialize()``. We keep its good ideas (network built in
``fit``, ``module_params`` reaching the module, ``NotFittedError`` subclassing scikit-learn's) but write
our own thin wrapper: the loop must live in ``fuselearn.nn`` without scikit-learn, add modules'
auxiliary losses and take graph batches, and the estimators must pass ``parametrize_with_checks``
without a ``**kwargs`` constructor.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .. import _torch_state
from ..exceptions import (
    InvalidInputError,
    InvalidParameterError,
    NotFittedError,
)
from ..nn import TrainConfig, get_module_spec, predict_module, seeded, train_module
from ..nn._training import default_collate

__all__ = ["INPUT_HANDLERS", "BaseNeuralEstimator", "NeuralExtractor"]


# --- input handling per input kind -------------------------------------------------------------
# Each handler: validate(estimator, X, reset) -> (data, n_inputs); collate(data, idx) -> batch.
# Backbones for images, token sequences and graphs add or refine entries here.


def _validate_tabular(est, X, reset):
    X = _validate(est, X, reset=reset, dtype=[np.float32, np.float64])
    return torch.as_tensor(np.ascontiguousarray(X, dtype=np.float32)), X.shape[1]


def _validate_image(est, X, reset):
    X = _validate(est, X, reset=reset, dtype=[np.float32, np.float64], allow_nd=True)
    shape = (getattr(est, "module_params", None) or {}).get("image_shape")
    if X.ndim == 2 and shape is not None:  # images stored as flat rows (pixel columns)
        shape = tuple(int(s) for s in shape)
        if len(shape) != 3 or int(np.prod(shape)) != X.shape[1]:
            raise InvalidInputError(
                f"{type(est).__name__}: module_params['image_shape']={shape} must be (C, H, W) with "
                f"C*H*W equal to the {X.shape[1]} columns of X."
            )
        X = X.reshape((len(X),) + shape)
    if X.ndim != 4:
        raise InvalidInputError(
            f"{type(est).__name__} with an image module expects X of shape (n, C, H, W), or flat rows "
            f"with module_params['image_shape']=(C, H, W); got shape {X.shape}."
        )
    return torch.as_tensor(np.ascontiguousarray(X, dtype=np.float32)), X.shape[1]


def _validate_sequence(est, X, reset):
    X = _validate(est, X, reset=reset, dtype=None)
    if not np.issubdtype(X.dtype, np.integer) and not np.all(np.equal(np.mod(X, 1), 0)):
        raise InvalidInputError(
            f"{type(est).__name__} with a sequence module expects integer token ids (0 = padding); "
            f"got dtype {X.dtype}."
        )
    X = X.astype(np.int64)
    if X.min(initial=0) < 0:
        raise InvalidInputError("Token ids must be >= 0 (0 is padding); found a negative id in X.")
    if reset:
        est.vocab_size_ = int(X.max(initial=0)) + 1
    return torch.as_tensor(X), est.vocab_size_


INPUT_HANDLERS: dict[str, tuple[Callable, Callable]] = {
    "tabular": (_validate_tabular, default_collate),
    "image": (_validate_image, default_collate),
    "sequence": (_validate_sequence, default_collate),
}


def _validate(est, X, *, reset, y=None, **kwargs):
    """``validate_data`` with its ValueErrors turned into InvalidInputError naming the estimator."""
    try:
        if y is None:
            return validate_data(est, X, reset=reset, **kwargs)
        return validate_data(est, X, y, reset=reset, **kwargs)
    except InvalidInputError:
        raise
    except ValueError as exc:
        raise InvalidInputError(f"{type(est).__name__}: {exc}") from exc


def _check_int(name: str, value: Any, minimum: int = 1, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InvalidParameterError(
            f"The '{name}' parameter must be an integer >= {minimum}"
            f"{' or None' if allow_none else ''}. Got {value!r} instead."
        )


def _check_float(name: str, value: Any, low: float, high: float, *, low_open=False, high_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:
        lb = "(" if low_open else "["
        rb = ")" if high_open else "]"
        raise InvalidParameterError(
            f"The '{name}' parameter must be a number in {lb}{low}, {high}{rb}. Got {value!r} instead."
        )


class BaseNeuralEstimator(BaseEstimator):
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
        hs = self.hidden_sizes
        if isinstance(hs, numbers.Integral) and not isinstance(hs, bool):
            hs = (hs,)
        if not isinstance(hs, (tuple, list)) or any(
            isinstance(h, bool) or not isinstance(h, numbers.Integral) or h < 1 for h in hs
        ):
            raise InvalidParameterError(
                f"The 'hidden_sizes' parameter of {name} must be a tuple of positive integers. "
                f"Got {self.hidden_sizes!r} instead."
            )
        _check_int("max_epochs", self.max_epochs)
        _check_int("batch_size", self.batch_size)
        _check_int("patience", self.patience, allow_none=True)
        _check_int("verbose", self.verbose, minimum=0)
        _check_float("lr", self.lr, 0, math.inf, low_open=True, high_open=True)
        _check_float("weight_decay", self.weight_decay, 0, math.inf, high_open=True)
        _check_float("validation_fraction", self.validation_fraction, 0, 1, high_open=True)
        _check_float("aux_loss_weight", self.aux_loss_weight, 0, math.inf, high_open=True)

    def _input_kind(self) -> str:
        if isinstance(self.module, str):
            return get_module_spec(self.module).input_kind
        return "tabular"

    def _handler(self):
        # After fit, the kind the network was trained on, whatever set_params did since.
        kind = self.__dict__.get("input_kind_") or self._input_kind()
        if kind not in INPUT_HANDLERS:
            raise InvalidParameterError(
                f"Input kind {kind!r} of module {self.module!r} has no input handler yet."
            )
        return INPUT_HANDLERS[kind]

    def _build_module(self) -> torch.nn.Module:
        params = dict(self.module_params or {})
        if isinstance(self.module, str):
            builder = get_module_spec(self.module).builder
            if self._input_kind() == "tabular":
                params.setdefault("hidden_sizes", tuple(np.atleast_1d(self.hidden_sizes).tolist()))
            elif self._input_kind() == "image":
                params.pop("image_shape", None)  # read by the image input handler, not the module
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
            y = np.asarray(y)
            if y.ndim == 2 and y.shape[1] == 1:
                import warnings

                from sklearn.exceptions import DataConversionWarning

                warnings.warn(
                    "A column-vector y was passed when a 1d array was expected; use y.ravel().",
                    DataConversionWarning, stacklevel=3,
                )
                y = y.ravel()
            check_classification_targets(y)
            self._label_encoder = LabelEncoder().fit(y)
            self.classes_ = self._label_encoder.classes_
            if len(self.classes_) < 2:
                raise InvalidInputError(
                    f"{type(self).__name__}.fit: y has one class only ({self.classes_[0]!r}); "
                    "classification needs at least 2 classes. Check the target column or the split."
                )
            self.n_outputs_ = len(self.classes_)
            return torch.as_tensor(self._label_encoder.transform(y), dtype=torch.long)
        y = np.asarray(y, dtype=np.float64)
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
        validate, collate = self._handler()
        # validate_data on X and y together gives scikit-learn's consistent-length messages.
        if y is None:
            raise InvalidInputError(
                f"{type(self).__name__}.fit requires y to be passed, but the target y is None. "
                "Pass the target values."
            )
        data, self.n_inputs_ = validate(self, X, reset=True)
        y = _check_y(self, y, len(data) if not isinstance(data, tuple) else len(data[0]))
        self._task_ = self._resolve_task(y)
        target = self._prepare_targets(y, self._task_)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        train_idx, valid_idx = self._split(len(target), y, rng)
        device = torch.device(self.device) if self.device else torch.device("cpu")
        with seeded(seed):
            self.module_ = self._build_module()
        loss_fn = torch.nn.functional.cross_entropy if self._task_ == "classification" else _mse
        config = TrainConfig(
            max_epochs=self.max_epochs, batch_size=self.batch_size, lr=self.lr,
            weight_decay=self.weight_decay,
            patience=self.patience if valid_idx is not None else None,
            aux_loss_weight=self.aux_loss_weight, device=self.device, verbose=self.verbose,
        )
        X_tr, y_tr = (data, target) if valid_idx is None else (collate_subset(data, train_idx), target[train_idx])
        X_va, y_va = (None, None) if valid_idx is None else (collate_subset(data, valid_idx), target[valid_idx])
        try:
            self.history_ = train_module(
                self.module_, X_tr, y_tr, loss_fn=loss_fn, config=config, seed=seed,
                collate=collate, X_valid=X_va, y_valid=y_va,
            )
        except RuntimeError as exc:
            if "shape" in str(exc) or "size" in str(exc):
                raise InvalidInputError(
                    f"{type(self).__name__}.fit: the module {self.module!r} could not process X of "
                    f"shape {getattr(X, 'shape', '?')}: {exc}"
                ) from exc
            raise
        self.module_.to(device).eval()
        self.n_epochs_ = self.history_.n_epochs
        self.input_kind_ = self._input_kind()
        self.predict_batch_size_ = max(int(self.batch_size), 256)
        return data

    def _split(self, n, y, rng):
        """Indices of the training and early-stopping rows (None when no validation is used)."""
        if not self.validation_fraction or self.patience is None:
            return None, None
        n_valid = math.ceil(self.validation_fraction * n)
        if n < 10 or n_valid < 1 or n - n_valid < 2:
            return None, None
        idx = np.arange(n)
        stratify = None
        if self._task_ == "classification":
            _, counts = np.unique(y, return_counts=True)
            if counts.min() >= 2 and n_valid >= len(counts):
                stratify = y
        train_idx, valid_idx = train_test_split(
            idx, test_size=n_valid, random_state=rng.randint(np.iinfo(np.int32).max), stratify=stratify
        )
        return np.sort(train_idx), np.sort(valid_idx)

    # -- prediction ------------------------------------------------------------------------------------
    def _check_fitted(self, method: str) -> None:
        try:
            check_is_fitted(self, "module_")
        except Exception as exc:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with training data "
                f"before '{method}'."
            ) from exc

    def _forward(self, X, method=None) -> torch.Tensor:
        validate, collate = self._handler()
        data, _ = validate(self, X, reset=False)
        return predict_module(
            self.module_, data, batch_size=self._predict_batch_size(), device=_module_device(self.module_),
            collate=collate, method=method,
        )

    def _predict_batch_size(self) -> int:
        # Fixed at fit (float32 batches round differently by size); older saved models lack it.
        return self.__dict__.get("predict_batch_size_") or max(self.batch_size, 256)

    # -- persistence (see fuselearn._torch_state) --------------------------------------------------
    def __getstate__(self):
        state = super().__getstate__()
        module = state.get("module_")
        if isinstance(module, torch.nn.Module):
            key = _torch_state.stash(module)
            if key is not None:
                state = dict(state)
                state["module_"] = None
                state["_torch_key"] = key
        return state

    def __setstate__(self, state):
        key = state.pop("_torch_key", None) if isinstance(state, dict) else None
        super().__setstate__(state)
        if key is not None:
            with seeded(0):
                module = self._build_module()
            module.load_state_dict(_torch_state.fetch(key))
            # Weights load on the CPU; move them to the saved device only where it exists.
            wanted = torch.device(self.device or "cpu")
            if wanted.type == "cuda" and torch.cuda.is_available():
                module.to(wanted)
            self.module_ = module.eval()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.target_tags.required = True
        if self._input_kind() != "tabular":
            tags.input_tags.two_d_array = False
        return tags


def _module_device(module: torch.nn.Module) -> torch.device:
    """Where ``module``'s weights live (CPU for a module without parameters)."""
    for p in module.parameters():
        return p.device
    return torch.device("cpu")


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


def collate_subset(data, idx):
    """Rows ``idx`` of prepared inputs (tensor, tuple, or a list such as graphs)."""
    if isinstance(data, (torch.Tensor, tuple)):
        return default_collate(data, idx)
    return [data[i] for i in idx]


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

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained (or wrapped) network.
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

    def _wraps_instance(self) -> bool:
        return isinstance(self.module, torch.nn.Module)

    def _check_params(self) -> None:
        if self._wraps_instance():
            return
        super()._check_params()

    def fit(self, X, y=None):
        """Train the network on ``(X, y)`` (or only validate ``X`` for a wrapped module)."""
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
        _, collate = self._handler()
        sample = predict_module(self.module_, collate_subset(data, np.arange(1)), device=_module_device(self.module_),
                                collate=collate, method=self._embed_method())
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
        if self._wraps_instance():
            X = _validate(self, X, reset=False, dtype=[np.float32, np.float64], allow_nd=True)
            out = predict_module(self.module_, torch.as_tensor(X, dtype=torch.float32),
                                 batch_size=self._predict_batch_size(), device=_module_device(self.module_),
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
