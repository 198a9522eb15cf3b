"""The one base of every scikit-learn estimator that trains a torch module: :class:`TorchEstimator`.

It holds what each of them needs once: the training settings' checks, the seed drawn from
``random_state``, the early-stopping split, the :class:`~fuselearn.nn.TrainConfig`, the call to
:func:`fuselearn.nn.train_module`, batched prediction on the module's device, the fitted check and the
pickling that sends weights to safetensors through :mod:`fuselearn._torch_state`. Subclasses say what
network they build (:meth:`TorchEstimator._build_module`) and what data and loss they train on.

It lives in ``extract`` (not ``nn``, which knows nothing of scikit-learn estimators, and not
``estimators``, which sits above ``extract``): ``NeuralExtractor``, ``ImageEmbedder``,
``GraphEmbedder`` and ``AutoencoderEmbedder`` here, ``NeuralClassifier``/``NeuralRegressor`` and
``ModalityFusion``'s intermediate strategy in ``estimators`` all derive from it.

We checked skorch (1.4) as the base: its ``NeuralNet`` stores ``module__*`` settings through
``**kwargs`` and builds the network in ``initialize()``. We keep its good ideas (network built in
``fit``, ``NotFittedError`` subclassing scikit-learn's) but keep our own thin base: the loop must live
in ``fuselearn.nn`` without scikit-learn, add modules' auxiliary losses and take graph batches, and
the estimators must pass ``parametrize_with_checks`` without a ``**kwargs`` constructor.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from .._torch_state import TorchWeightsState
from .._validation import Integral, Interval, check_fitted, check_params
from ..exceptions import InvalidInputError
from ..nn import TrainConfig, predict_module, resolve_device, seeded, train_module
from ..nn._training import TRAIN_CONSTRAINTS, default_collate

__all__ = ["TorchEstimator", "early_stopping_split", "module_device", "take_rows", "weights_fingerprint"]


# --- input validation shared by the extractors ----------------------------------------------------------


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


# --- helpers of the training set-up ------------------------------------------------------------------


def early_stopping_split(
    n: int,
    rng: np.random.RandomState,
    *,
    fraction: float,
    patience: int | None,
    labels: np.ndarray | None = None,
    min_valid: int = 1,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Sorted (train, valid) row indices for early stopping, or None when no validation is used.

    No split when ``fraction`` is 0, ``patience`` is None, there are under 10 rows, fewer than
    ``min_valid`` validation rows or fewer than 2 training rows. ``labels`` stratify the split when
    every class has 2 rows and the validation share can hold one of each. Draws one integer from
    ``rng`` only when it splits.
    """
    if not fraction or patience is None:
        return None
    n_valid = math.ceil(fraction * n)
    if n < 10 or n_valid < max(1, min_valid) or n - n_valid < 2:
        return None
    stratify = None
    if labels is not None:
        _, counts = np.unique(labels, return_counts=True)
        if counts.min() >= 2 and n_valid >= len(counts):
            stratify = labels
    train_idx, valid_idx = train_test_split(
        np.arange(n), test_size=n_valid, random_state=rng.randint(np.iinfo(np.int32).max), stratify=stratify
    )
    return np.sort(train_idx), np.sort(valid_idx)


def take_rows(data: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of prepared inputs: a tensor, a tuple of them, an object with ``subset`` or a list."""
    if hasattr(data, "subset"):
        return data.subset(idx)
    if isinstance(data, (torch.Tensor, tuple)):
        return default_collate(data, idx)
    return [data[i] for i in idx]


def module_device(module: torch.nn.Module) -> torch.device:
    """Where ``module``'s weights live (CPU for a module without parameters)."""
    for p in module.parameters():
        return p.device
    return torch.device("cpu")


def weights_fingerprint(module: torch.nn.Module) -> str:
    """sha256 of a module's ``state_dict`` (names, dtypes, shapes and values)."""
    h = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}".encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return h.hexdigest()


# --- the base class ------------------------------------------------------------------------------------


class TorchEstimator(TorchWeightsState, BaseEstimator):
    """Shared training set-up of the scikit-learn estimators that train a torch module. Not for direct use.

    A subclass stores the usual training settings as parameters (``max_epochs``, ``batch_size``,
    ``lr``, ``weight_decay``, ``validation_fraction``, ``patience``, ``device``, ``random_state``,
    ``verbose`` and optionally ``aux_loss_weight``), implements :meth:`_build_module` (called inside
    a seeded block in ``fit`` and again, with the same fitted attributes, when unpickling), and calls
    :meth:`_train_network` in ``fit`` and :meth:`_predict_network` to predict.

    Sets ``module_``, ``history_`` and ``n_epochs_``.
    """

    _min_patience = 1  # ModalityFusion reads patience=0 as "no early stopping"

    def _build_module(self) -> torch.nn.Module:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _check_training_params(self) -> None:
        """The training settings against :data:`fuselearn.nn._training.TRAIN_CONSTRAINTS`."""
        constraints = dict(TRAIN_CONSTRAINTS)
        if self._min_patience != 1:
            constraints["patience"] = [Interval(Integral, self._min_patience, None, closed="left"), None]
        check_params(self, constraints, {k: getattr(self, k) for k in constraints if hasattr(self, k)})

    def _train_network(
        self,
        data: Any,
        target: torch.Tensor,
        *,
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        collate: Callable[[Any, np.ndarray], Any] = default_collate,
        labels: np.ndarray | None = None,
        min_valid: int = 1,
        patience: int | None | str = "param",
    ) -> None:
        """Seed, split off the early-stopping rows, build the module seeded, train it, keep it in eval mode.

        One seed is drawn from ``random_state`` first (initialisation, shuffling, dropout), then one
        more for the split: the order every estimator here has always used, so seeds give the same
        networks as before. ``labels`` stratify the split (classification).
        """
        patience = self.patience if patience == "param" else patience
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        split = early_stopping_split(len(target), rng, fraction=self.validation_fraction, patience=patience,
                                     labels=labels, min_valid=min_valid)
        with seeded(seed):
            self.module_ = self._build_module()
        config = TrainConfig(
            max_epochs=self.max_epochs, batch_size=self.batch_size, lr=self.lr,
            weight_decay=self.weight_decay, patience=patience if split is not None else None,
            aux_loss_weight=getattr(self, "aux_loss_weight", TrainConfig.aux_loss_weight),
            device=self.device or "cpu", verbose=self.verbose,
        )
        if split is None:
            X_tr, y_tr, X_va, y_va = data, target, None, None
        else:
            tr, va = split
            X_tr, y_tr, X_va, y_va = take_rows(data, tr), target[tr], take_rows(data, va), target[va]
        self.history_ = train_module(self.module_, X_tr, y_tr, loss_fn=loss_fn, config=config, seed=seed,
                                     collate=collate, X_valid=X_va, y_valid=y_va)
        self.module_.eval()
        self.n_epochs_ = self.history_.n_epochs

    def _predict_network(self, data: Any, *, collate=default_collate, method: str | None = None,
                         batch_size: int = 1024) -> torch.Tensor:
        """The module's output (or ``module_.<method>``) over prepared inputs, on the module's device."""
        return predict_module(self.module_, data, batch_size=batch_size, device=module_device(self.module_),
                              collate=collate, method=method)

    def _check_fitted(self, method: str) -> None:
        check_fitted(self, "module_", method)

    # -- persistence through fuselearn.save: weights go to safetensors (TorchWeightsState) --
    def _rebuild_module(self) -> torch.nn.Module:
        return self._build_module()

    def _place_module(self, module: torch.nn.Module) -> torch.nn.Module:
        # Weights load on the CPU; move them to the saved device only where it exists.
        wanted = torch.device(getattr(self, "device", None) or "cpu")
        if wanted.type == "cuda" and torch.cuda.is_available():
            module.to(resolve_device(wanted))
        return module

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags
