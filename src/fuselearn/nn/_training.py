"""The torch training loop shared by every neural estimator and backbone.

It knows nothing of scikit-learn: it takes a module, inputs that ``collate`` turns into batches, a
target tensor and a loss, and trains with AdamW, mini-batches, optional early stopping on a given
validation set (restoring the best weights), auxiliary losses that modules expose as ``aux_loss``
after their forward pass (modules with ``set_aux_targets(target)`` get the batch targets before each
training forward, so auxiliary heads can be supervised), and a rich progress bar. All randomness (shuffling, dropout, initialisation
done inside :func:`seeded`) comes from the seed, so the same seed gives the same weights.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .._validation import Integral, Interval, Real, check_params
from ..exceptions import InvalidParameterError, TrainingError

__all__ = [
    "History",
    "TrainConfig",
    "collect_aux_loss",
    "default_collate",
    "predict_module",
    "resolve_device",
    "seeded",
    "train_module",
]

Collate = Callable[[Any, np.ndarray], Any]


#: Constraints of the training settings, shared by :class:`TrainConfig` and the estimators that take
#: the same settings as constructor parameters (``check_params(self, TRAIN_CONSTRAINTS, params)``).
TRAIN_CONSTRAINTS = {
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "patience": [Interval(Integral, 1, None, closed="left"), None],
    "aux_loss_weight": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
}


@dataclass(frozen=True)
class TrainConfig:
    """Settings of :func:`train_module`.

    ``patience=None`` trains for ``max_epochs`` without early stopping (also when no validation set is
    given). ``aux_loss_weight`` multiplies the sum of the ``aux_loss`` attributes that submodules set in
    their forward pass.
    """

    max_epochs: int = 100
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    patience: int | None = 10
    aux_loss_weight: float = 0.1
    grad_clip: float | None = 10.0
    device: str = "cpu"
    verbose: int = 0

    def __post_init__(self) -> None:
        check_params("TrainConfig", TRAIN_CONSTRAINTS, vars(self))


@dataclass
class History:
    """What happened during training: per-epoch losses and where the best weights came from."""

    train_loss: list[float] = field(default_factory=list)
    valid_loss: list[float] = field(default_factory=list)
    best_epoch: int = -1
    stopped_early: bool = False

    @property
    def n_epochs(self) -> int:
        return len(self.train_loss)


def resolve_device(device: str | torch.device) -> torch.device:
    """Return a ``torch.device``; ``"cuda"`` when no GPU is present raises a clear error."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InvalidParameterError(
            f"device must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}."
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError(
            f"device={device!r} was asked for but no CUDA GPU is available; use device='cpu'."
        )
    return dev


@contextlib.contextmanager
def seeded(seed: int, device: torch.device | None = None) -> Iterator[None]:
    """Run a block with torch's global RNG seeded, restoring the caller's RNG state afterwards."""
    devices = [device.index or 0] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed))
        yield


def default_collate(X: Any, idx: np.ndarray) -> Any:
    """Batch rows ``idx`` of a tensor, array, or tuple of them."""
    if isinstance(X, tuple):
        return tuple(default_collate(part, idx) for part in X)
    if isinstance(X, torch.Tensor):
        return X[torch.as_tensor(idx)]
    return torch.as_tensor(np.asarray(X)[idx])


def _to_device(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, tuple):
        return tuple(_to_device(b, device) for b in batch)
    if hasattr(batch, "to"):
        return batch.to(device)
    return batch


def _forward(module: torch.nn.Module, batch: Any, method: str | None = None) -> torch.Tensor:
    fn = module if method is None else getattr(module, method)
    return fn(*batch) if isinstance(batch, tuple) else fn(batch)


def collect_aux_loss(module: torch.nn.Module) -> torch.Tensor | None:
    """Sum the ``aux_loss`` tensors that submodules set during the last forward pass."""
    total = None
    for sub in module.modules():
        aux = getattr(sub, "aux_loss", None)
        if isinstance(aux, torch.Tensor):
            total = aux if total is None else total + aux
    return total


def _set_aux_targets(module: torch.nn.Module, target: torch.Tensor) -> None:
    """Hand the batch targets to a module with auxiliary heads (``set_aux_targets``) before its forward."""
    setter = getattr(module, "set_aux_targets", None)
    if callable(setter):
        setter(target)


def _n_rows(X: Any) -> int:
    if isinstance(X, tuple):
        return _n_rows(X[0])
    return len(X)


def train_module(
    module: torch.nn.Module,
    X: Any,
    y: torch.Tensor,
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    config: TrainConfig,
    seed: int,
    collate: Collate = default_collate,
    X_valid: Any = None,
    y_valid: torch.Tensor | None = None,
) -> History:
    """Train ``module`` in place and return its :class:`History`.

    Parameters
    ----------
    module : torch.nn.Module
        The network; its ``forward`` takes what ``collate`` returns (a tuple is unpacked).
    X : tensor, array, tuple of them, or any sequence ``collate`` understands
        Training inputs, indexed by ``collate(X, idx)``.
    y : torch.Tensor
        Targets ``(n,)`` or ``(n, k)``, indexed like ``X``.
    loss_fn : callable
        ``loss_fn(output, target) -> scalar``.
    config : TrainConfig
        Epochs, batch size, optimiser settings, patience, device, verbosity.
    seed : int
        Seeds shuffling and dropout.
    X_valid, y_valid : optional
        A validation set for early stopping; the weights of the best validation epoch are restored.
    """
    device = resolve_device(config.device)
    module.to(device)
    n = _n_rows(X)
    optimizer = torch.optim.AdamW(module.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    generator = np.random.default_rng(seed)
    history = History()
    use_valid = X_valid is not None and y_valid is not None and config.patience is not None
    best_state, best_loss, bad_epochs = None, math.inf, 0
    progress = _progress(config.verbose, config.max_epochs)
    with seeded(seed, device), progress as bar:
        task = bar.add_task("training", total=config.max_epochs) if bar is not None else None
        for epoch in range(config.max_epochs):
            module.train()
            order = generator.permutation(n)
            total, seen = 0.0, 0
            for start in range(0, n, config.batch_size):
                idx = order[start : start + config.batch_size]
                if len(idx) < 2 and n >= 2 and _has_batch_norm(module):
                    continue  # batch norm cannot train on a single row
                batch = _to_device(collate(X, idx), device)
                target = y[torch.as_tensor(idx)].to(device)
                optimizer.zero_grad(set_to_none=True)
                _set_aux_targets(module, target)
                out = _forward(module, batch)
                loss = loss_fn(out, target)
                aux = collect_aux_loss(module)
                if aux is not None and config.aux_loss_weight:
                    loss = loss + config.aux_loss_weight * aux
                if not torch.isfinite(loss):
                    raise TrainingError(
                        f"The training loss became {loss.item()} at epoch {epoch + 1}. "
                        "Scale the inputs (e.g. StandardScaler), lower lr, or check X for extreme values."
                    )
                loss.backward()
                if config.grad_clip:
                    torch.nn.utils.clip_grad_norm_(module.parameters(), config.grad_clip)
                optimizer.step()
                total += float(loss.detach()) * len(idx)
                seen += len(idx)
            history.train_loss.append(total / max(seen, 1))
            if use_valid:
                v = _evaluate(module, X_valid, y_valid, loss_fn, config.batch_size, device, collate)
                history.valid_loss.append(v)
                if v < best_loss - 1e-7:
                    best_loss, bad_epochs, history.best_epoch = v, 0, epoch
                    best_state = copy.deepcopy(module.state_dict())
                else:
                    bad_epochs += 1
            else:
                history.best_epoch = epoch
            if bar is not None:
                extra = f" valid {history.valid_loss[-1]:.4f}" if use_valid else ""
                bar.update(task, advance=1, description=f"loss {history.train_loss[-1]:.4f}{extra}")
            if use_valid and bad_epochs >= config.patience:
                history.stopped_early = True
                break
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return history


def _has_batch_norm(module: torch.nn.Module) -> bool:
    return any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules())


@torch.no_grad()
def _evaluate(module, X, y, loss_fn, batch_size, device, collate) -> float:
    module.eval()
    out = predict_module(module, X, batch_size=batch_size, device=device, collate=collate)
    return float(loss_fn(out, y.to(out.device)))


@torch.no_grad()
def predict_module(
    module: torch.nn.Module,
    X: Any,
    *,
    batch_size: int = 256,
    device: str | torch.device = "cpu",
    collate: Collate = default_collate,
    method: str | None = None,
) -> torch.Tensor:
    """Run ``module`` (or ``module.<method>``, e.g. ``"embed"``) over ``X`` in eval mode, batch by batch."""
    device = resolve_device(device) if not isinstance(device, torch.device) else device
    was_training = module.training
    module.eval()
    outs = []
    n = _n_rows(X)
    for start in range(0, n, batch_size):
        idx = np.arange(start, min(start + batch_size, n))
        outs.append(_forward(module, _to_device(collate(X, idx), device), method))
    module.train(was_training)
    if not outs:
        raise TrainingError("predict_module got zero rows.")
    return torch.cat(outs).cpu()


class _NullProgress:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _progress(verbose: int, total: int):
    if not verbose:
        return _NullProgress()
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("epoch"), MofNCompleteColumn(), BarColumn(), TextColumn("{task.description}"),
        TimeRemainingColumn(), transient=verbose < 2,
    )
