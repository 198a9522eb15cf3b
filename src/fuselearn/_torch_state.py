"""Hand-off of torch weights between estimators and :mod:`fuselearn.persistence`.

While :func:`fuselearn.save` serialises an estimator, ``collecting()`` is active: an estimator's
``__getstate__`` moves each of its torch modules' ``state_dict`` into the collector (later written with
safetensors) and leaves a key in its state instead. While :func:`fuselearn.load` runs, ``providing()``
makes those tensors available to ``__setstate__``, which rebuilds the module from its parameters and
loads the weights. Plain pickling (joblib, ``copy.deepcopy``) sees neither and keeps modules as they are.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import torch

_SAVE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("fuselearn_torch_save", default=None)
_LOAD: contextvars.ContextVar[dict | None] = contextvars.ContextVar("fuselearn_torch_load", default=None)


class _Collector(dict):
    """Weights by key; the same module stashed twice (skops may ask for a state twice) gets one key."""

    def __init__(self) -> None:
        super().__init__()
        self.keys_by_id: dict[int, str] = {}
        self.alive: list[torch.nn.Module] = []  # keeps ids stable while saving


@contextlib.contextmanager
def collecting() -> Iterator[dict[str, dict[str, torch.Tensor]]]:
    store = _Collector()
    token = _SAVE.set(store)
    try:
        yield store
    finally:
        _SAVE.reset(token)


_FETCHED: contextvars.ContextVar[list | None] = contextvars.ContextVar("fuselearn_torch_fetched", default=None)


@contextlib.contextmanager
def providing(store: dict[str, dict[str, torch.Tensor]]) -> Iterator[list[str]]:
    """Offer ``store`` to :func:`fetch`; yields the keys fetched so far (so an error can name them)."""
    fetched: list[str] = []
    token, token_fetched = _LOAD.set(store), _FETCHED.set(fetched)
    try:
        yield fetched
    finally:
        _LOAD.reset(token)
        _FETCHED.reset(token_fetched)


def stash(module: torch.nn.Module) -> str | None:
    """Put ``module``'s weights into the active collector; return their key (None when not saving)."""
    store = _SAVE.get()
    if store is None:
        return None
    if id(module) in store.keys_by_id:
        return store.keys_by_id[id(module)]
    key = f"module{len(store)}"
    store.keys_by_id[id(module)] = key
    store.alive.append(module)
    store[key] = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    return key


def fetch(key: str) -> dict[str, torch.Tensor]:
    """Return the weights stored under ``key`` by the active :func:`providing` block."""
    store = _LOAD.get()
    if store is None or key not in store:
        from .exceptions import ModelFormatError

        raise ModelFormatError(
            f"Torch weights {key!r} are missing. Load fuselearn models with fuselearn.load(path)."
        )
    fetched = _FETCHED.get()
    if fetched is not None:
        fetched.append(key)
    return store[key]


class TorchWeightsState:
    """Mixin: pickling that hands ``module_``'s weights to :func:`fuselearn.save` (safetensors).

    Used by every estimator that holds a fitted torch module in ``module_`` (the torch estimator base,
    the Conv-AE detector, the joint extractor). A subclass implements ``_rebuild_module()``: a fresh
    module of the fitted shape, into which ``__setstate__`` loads the saved weights.
    """

    def _rebuild_module(self) -> torch.nn.Module:  # pragma: no cover - each subclass defines it
        raise NotImplementedError

    def _place_module(self, module: torch.nn.Module) -> torch.nn.Module:
        """Where the loaded module lives (weights load on the CPU); a subclass may move it."""
        return module

    def __getstate__(self):
        state = super().__getstate__()
        module = state.get("module_")
        if isinstance(module, torch.nn.Module):
            key = stash(module)
            if key is not None:
                state = dict(state)
                state["module_"] = None
                state["_torch_key"] = key
        return state

    def __setstate__(self, state):
        key = state.pop("_torch_key", None) if isinstance(state, dict) else None
        super().__setstate__(state)
        if key is not None:
            with torch.random.fork_rng(devices=[]):  # building draws initial weights: leave the RNG be
                torch.manual_seed(0)
                module = self._rebuild_module()
            module.load_state_dict(fetch(key))
            self.module_ = self._place_module(module).eval()
