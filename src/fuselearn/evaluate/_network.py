"""Inside a network with a fusion layer: per-source attributions (captum) next to the layer's gate weights.

The sources a fusion layer receives (CNN stages, modality encoders) are intermediate tensors. We
record them with a forward pre-hook, then let captum's ``IntegratedGradients`` vary *them* (from a
zero baseline) while another pre-hook injects the scaled tensors into the layer, so the attribution
is that of the network output to each source at the fusion input. captum's ``LayerIntegratedGradients``
does the same for a layer's own input or output tensors; our fusion layers take their sources as one
Python list, so we inject the list ourselves and use captum's ``IntegratedGradients`` on it.

A gate weight (``last_weights`` of AFF, gated, attention layers) says how the layer mixed the sources
for a row; it is not an attribution of the output and both are reported, labelled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import InvalidParameterError


def _fusion_layer(module):
    from ..nn.fusion._base import FusionLayer

    for sub in module.modules():
        if isinstance(sub, FusionLayer):
            return sub
    return None


def has_fusion_layer(est) -> bool:
    module = getattr(est, "module_", None)
    return module is not None and hasattr(est, "_handler") and _fusion_layer(module) is not None


def _run(module, batch):
    return module(*batch) if isinstance(batch, (tuple, list)) else module(batch)


def _repeat(batch, k):
    import torch

    if isinstance(batch, (tuple, list)):
        return type(batch)(_repeat(b, k) for b in batch)
    if isinstance(batch, torch.Tensor):
        return torch.cat([batch] * k) if k > 1 else batch
    return batch


def network_sources(est, X, y=None, *, max_rows: int = 200, n_steps: int = 32) -> pd.DataFrame:
    """Per source and class: integrated-gradients attribution share and mean gate weight.

    Parameters
    ----------
    est : fitted NeuralClassifier whose module contains a fuselearn fusion layer
    X : inputs the estimator takes (first ``max_rows`` rows are used)
    y : array-like, default=None
        True labels: rows are grouped per class by them; by the network's predictions when None.
    max_rows : int, default=200
    n_steps : int, default=32
        Integration steps of integrated gradients.

    Returns
    -------
    DataFrame with columns source, class, n_rows, attribution_share, gate_weight
    """
    import torch
    from captum.attr import IntegratedGradients

    if not has_fusion_layer(est):
        raise InvalidParameterError(
            f"explain: {type(est).__name__} has no fuselearn fusion layer in its network; per-source attributions "
            "need one (FusionCNN/FusionRNN/FusionGNN or a module using fuselearn.nn.make_fusion)."
        )
    module = est.module_.eval()
    layer = _fusion_layer(module)
    validate, collate = est._handler()
    data, _ = validate(est, X, reset=False)
    n_all = len(data) if hasattr(data, "__len__") else int(data.shape[0])
    n = min(max_rows, n_all)
    batch = collate(data, np.arange(n))
    if isinstance(batch, (tuple, list)) and len(batch) == 2 and not isinstance(batch[1], torch.Tensor):
        batch = batch[0]
    captured = {}

    def grab(_mod, args):
        captured["xs"] = [t.detach() for t in args[0]]

    handle = layer.register_forward_pre_hook(grab)
    with torch.no_grad():
        logits = _run(module, batch)
    handle.remove()
    sources = tuple(captured["xs"])
    gate = getattr(layer, "last_weights", None)
    gate = None if gate is None else gate.detach().cpu().numpy()
    pred = logits.argmax(dim=1).cpu().numpy()

    def forward(*srcs):
        k = max(1, srcs[0].shape[0] // n)

        def inject(_mod, _args):
            return (list(srcs),)

        h = layer.register_forward_pre_hook(inject)
        try:
            return _run(module, _repeat(batch, k))
        finally:
            h.remove()

    ig = IntegratedGradients(forward)
    classes = np.asarray(getattr(est, "classes_", np.arange(logits.shape[1])))
    if y is not None:
        pred = np.searchsorted(classes, np.asarray(y)[:n])
    rows = []
    for c in range(logits.shape[1]):
        attr = ig.attribute(sources, baselines=tuple(torch.zeros_like(s) for s in sources), target=c,
                            n_steps=n_steps, internal_batch_size=n * 8)
        per = np.stack([a.abs().reshape(n, -1).sum(1).detach().cpu().numpy() for a in attr], axis=1)  # (n, S)
        mask = pred == c
        use = per[mask] if mask.any() else per
        share = use.mean(0) / max(use.mean(0).sum(), 1e-12)
        for s in range(len(sources)):
            rows.append({
                "source": f"source {s}", "class": classes[c].item() if hasattr(classes[c], "item") else classes[c],
                "n_rows": int(mask.sum()),
                "attribution_share": float(share[s]),
                "gate_weight": float(gate[mask, s].mean()) if gate is not None and mask.any() else np.nan,
            })
    return pd.DataFrame(rows)
