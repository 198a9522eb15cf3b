"""Adaptive Feature Fusion (AFF): every component of the fusion learned, and each one switchable.

Why these components: a fixed combination rule (concat, sum, attention) assumes one way of
combining sources suits every sample. AFF instead (1) maps every source into a common space with a
linear and a non-linear function, (2) lets the sources exchange information along a learned source
graph, (3) weights the sources per sample (and per position for maps) from the data, with (4) learned
per-source priors added to those weights, and (5) lets a meta gate decide, per sample, how to mix the
outputs of the fusion functions and of the combination strategies (weighted sum, maximum). Optional
(6) per-source auxiliary heads regularise training, and (7) source dropout keeps the layer from
leaning on one source. Turning a component off gives the ablations.

On top of that attention path ("attention" form), the layer mixes several *fusion forms* with learned,
input-dependent weights (the "linear or nonlinear fusion functions" of the AFF design): the sum of the
per-source projections (linear; it is also concatenation-projection, since a linear map of the
concatenated sources is the sum of per-source linear maps), their element-wise product
(multiplicative, the rank-1 case of low-rank bilinear fusion), the attention path above and, for
feature maps, MS-CAM attention (Dai et al. 2021, "Attentional feature fusion"). The mixing starts
as exactly one form (``init_form``, by default the product, which the CIFAR-10 benchmark found the
best simple baseline), so at initialisation the layer *is* that baseline and can only move away
from it when training says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..._validation import check_choice, check_int, check_real, param_error
from ...exceptions import InvalidInputError, InvalidParameterError
from ._base import FusionLayer, channel_linear
from ._registry import register_fusion

__all__ = ["AFF", "FORMS", "MAP_ATTENTIONS", "AdaptiveFeatureFusion"]

_FLAGS = ("linear", "nonlinear", "data_weights", "model_weights", "graph_mixing", "meta_gate")
#: The fusion forms AFF can mix (``forms=``); ``sum`` is also concatenation-projection.
FORMS = ("product", "sum", "attention")
_DEFAULT_FORMS = ("product", "sum", "attention")
#: Attention for feature maps (``map_attention=``), after MS-CAM (Dai et al. 2021).
MAP_ATTENTIONS = ("none", "channel", "spatial", "ms_cam")


@register_fusion("aff")
class AdaptiveFeatureFusion(FusionLayer):
    """Adaptive Feature Fusion of several sources into one ``out_dim`` representation.

    Parameters
    ----------
    in_dims : sequence of int
        Width of each source.
    out_dim : int
        Width of the fused output (the common space).
    spatial : bool
        Fuse feature maps ``(batch, C_i, H_i, W_i)``: maps are resized to a common size and projected
        with 1x1 convolutions; data-driven weights are then per sample *and* position.
    size : {"smallest", "largest", "first"} or (int, int)
        Common map size (maps only).
    linear, nonlinear : bool
        Fusion functions: map each source into the common space by ``W_i x`` and/or ``gelu(U_i x)``.
        At least one must be on.
    data_weights : bool
        Per-sample (per-position) attention over the sources, scored from their projections.
    model_weights : bool
        Learned per-source prior logits, independent of the input, added to the attention logits.
    graph_mixing : bool
        Before weighting, each source mixes in the others along a learned source graph
        ``A = softmax(E)`` (no self loops; fixed for two sources), ``h_s <- (1 - b) h_s + b sum_t A_st h_t``,
        ``b`` learned.
    meta_gate : bool
        A per-sample softmax gate, computed from the pooled projections, mixes the candidate outputs:
        the weighted sum for each fusion function and the element-wise maximum over sources. Off: the
        weighted sums are added.
    aux_classes : int or None
        Per-source auxiliary heads: ``aux_classes`` > 1 gives classification heads (cross-entropy
        against integer targets), 1 a regression head (MSE). The targets come from
        :meth:`set_aux_targets`, which :func:`fuselearn.nn.train_module` calls before each training
        forward pass; the mean loss over sources is then stored as ``aux_loss``.
    source_dropout : float
        During training, each source is dropped for a sample with this probability (at least one is
        always kept) and the weights renormalised over the rest.
    forms : sequence of {"product", "sum", "attention"}
        The fusion forms mixed into the output, computed from the same per-source projections
        ``p_s = W_s x_s + b_s`` (the first fusion function's; before graph mixing):
        ``"product"`` is ``prod_s p_s`` (:class:`ProductFusion`), ``"sum"`` is ``sum_s p_s``
        (:class:`SumFusion`, and :class:`ConcatFusion` with ``W = [W_1 ... W_S]``), ``"attention"`` the
        attention path configured by the switches above. ``("attention",)`` is the AFF of earlier
        versions. With ``map_attention`` the MS-CAM form is added.
    init_form : str or None
        The form the mixing starts as (None: ``"product"`` when it is in ``forms``, else the first): the output at initialisation is exactly that form's.
        The mixing weights are ``m(x) = onehot(init_form) + tanh(G mean_s(p_s))`` with ``G`` a linear
        map initialised to zero (``ReZero``-style, so gradients reach ``G`` from the first step).
    map_attention : {"none", "channel", "spatial", "ms_cam"}
        Adds an MS-CAM form (Dai et al. 2021): the initial integration ``u = sum_s p_s`` gives
        per-source, per-channel weights ``softmax_s(L(u) + G(u))`` over ``p_s``, where ``G`` is the
        global (average-pooled) bottleneck MLP, i.e. channel-wise attention, and ``L`` the same
        bottleneck as point-wise (1x1) convolutions, i.e. spatial attention. ``"channel"`` uses
        ``G``, ``"spatial"`` ``L`` and ``"ms_cam"`` both. For vectors only ``"channel"`` applies. No batch
        norm inside the bottleneck (the backbones normalise their features).
    cam_reduction : int
        Bottleneck reduction ratio ``r`` of the MS-CAM MLPs (width ``max(out_dim // r, 1)``).

    Attributes
    ----------
    last_weights : Tensor ``(batch, n_sources)``
        Source weights of the last forward pass (maps: averaged over positions), detached; None
        without the attention form.
    last_gate : Tensor ``(batch, n_candidates)`` or None
        Meta-gate mixture of the last forward pass (attention form).
    last_mix : Tensor ``(batch, n_forms)`` or None
        Weights of the fusion forms (in ``forms_`` order) in the last forward pass.
    aux_loss : Tensor or None
        Auxiliary loss of the last training forward pass (None otherwise).

    Shapes:
        - input: list of ``(batch, in_dims[i])`` (maps: ``(batch, in_dims[i], H_i, W_i)``)
        - output: ``(batch, out_dim)`` (maps: ``(batch, out_dim, H, W)``)

    Examples
    --------
    >>> import torch
    >>> aff = AdaptiveFeatureFusion([16, 32], 64)
    >>> aff
    AFF([16, 32], 64)
    >>> aff([torch.randn(5, 16), torch.randn(5, 32)]).shape
    torch.Size([5, 64])
    >>> aff.last_weights.shape
    torch.Size([5, 2])
    >>> AFF([16, 32], 64, spatial=True, map_attention="ms_cam")
    AFF([16, 32], 64, spatial=True, map_attention='ms_cam')
    """

    def __init__(
        self,
        in_dims: Sequence[int],
        out_dim: int,
        *,
        spatial: bool = False,
        size: str | tuple[int, int] = "smallest",
        linear: bool = True,
        nonlinear: bool = True,
        data_weights: bool = True,
        model_weights: bool = True,
        graph_mixing: bool = True,
        meta_gate: bool = True,
        aux_classes: int | None = None,
        source_dropout: float = 0.0,
        forms: Sequence[str] = _DEFAULT_FORMS,
        init_form: str | None = None,
        map_attention: str = "none",
        cam_reduction: int = 4,
    ) -> None:
        super().__init__(in_dims, out_dim, spatial=spatial, size=size)
        flags = {"linear": linear, "nonlinear": nonlinear, "data_weights": data_weights,
                     "model_weights": model_weights, "graph_mixing": graph_mixing, "meta_gate": meta_gate}
        for key, value in flags.items():
            if not isinstance(value, bool):
                raise param_error(key, "AFF", "True or False", value)
            setattr(self, key, value)
        if not (linear or nonlinear):
            raise InvalidParameterError("AFF needs at least one fusion function: set linear or nonlinear to True.")
        self.aux_classes = None if aux_classes is None else check_int(aux_classes, "aux_classes", "AFF")
        self.source_dropout = check_real(source_dropout, "source_dropout", "AFF", low=0.0, high=1.0, closed="left")
        self.n_functions = int(linear) + int(nonlinear)
        s, d = self.n_sources, self.out_dim
        if isinstance(forms, str) or not isinstance(forms, Sequence) or len(forms) == 0:
            raise param_error("forms", "AFF", f"a non-empty sequence of names from {FORMS}", forms)
        self.forms = tuple(dict.fromkeys(check_choice(f, "forms", "AFF", FORMS) for f in forms))
        self.map_attention = check_choice(map_attention, "map_attention", "AFF", MAP_ATTENTIONS)
        if self.map_attention in ("spatial", "ms_cam") and not self.spatial:
            raise InvalidParameterError(
                f"AFF map_attention={self.map_attention!r} attends over positions of feature maps and needs "
                "spatial=True; for vectors use map_attention='channel' (or 'none')."
            )
        self.cam_reduction = check_int(cam_reduction, "cam_reduction", "AFF")
        #: the forms actually mixed, in order (``forms`` plus ``"cam"`` with ``map_attention``)
        self.forms_ = self.forms + (("cam",) if self.map_attention != "none" else ())
        if init_form is None:
            init_form = "product" if "product" in self.forms_ else self.forms_[0]
        self.init_form = check_choice(init_form, "init_form", "AFF", self.forms_)
        self.has_attention = "attention" in self.forms
        att = self.has_attention  # the attention path's parameters exist only when that form is used
        # one matmul per source serves every fusion function (split afterwards): cheaper than two
        width = self.n_functions * d if att else d
        self.projs = nn.ModuleList(channel_linear(di, width, self.spatial) for di in self.in_dims)
        self.score = nn.Parameter(torch.empty(s, d)) if att and data_weights else None
        self.score_bias = nn.Parameter(torch.empty(s)) if att and data_weights else None
        self.prior = nn.Parameter(torch.empty(s)) if att and model_weights else None
        self.use_graph = att and graph_mixing and s > 1
        # with two sources each one's only neighbour is the other: nothing to learn in the edges
        self.edge_logits = nn.Parameter(torch.empty(s, s)) if self.use_graph and s > 2 else None
        self.mix_logit = nn.Parameter(torch.empty(())) if self.use_graph else None
        self.n_candidates = self.n_functions + 1 if meta_gate else self.n_functions
        self.gate = nn.Linear(d, self.n_candidates) if att and meta_gate else None
        if self.map_attention != "none":
            hid = max(d // self.cam_reduction, 1)
            self.cam_global = (nn.Sequential(nn.Linear(d, hid), nn.ReLU(), nn.Linear(hid, s * d))
                               if self.map_attention in ("channel", "ms_cam") else None)
            self.cam_local = (nn.Sequential(channel_linear(d, hid, True), nn.ReLU(), channel_linear(hid, s * d, True))
                              if self.map_attention in ("spatial", "ms_cam") else None)
        else:
            self.cam_global = self.cam_local = None
        self.mix = nn.Linear(d, len(self.forms_)) if len(self.forms_) > 1 else None
        self.register_buffer("mix_init", torch.zeros(len(self.forms_)), persistent=False)
        self.mix_init[self.forms_.index(self.init_form)] = 1.0
        self.last_mix: torch.Tensor | None = None
        if aux_classes is not None:
            self.aux_weight = nn.Parameter(torch.empty(s, d, aux_classes))
            self.aux_bias = nn.Parameter(torch.empty(s, aux_classes))
        else:
            self.aux_weight = self.aux_bias = None
        self.last_gate: torch.Tensor | None = None
        self.aux_loss: torch.Tensor | None = None
        self._aux_target: torch.Tensor | None = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for p in self.projs:
            p.reset_parameters()
        if self.score is not None:
            nn.init.normal_(self.score, std=1.0 / math.sqrt(self.out_dim))
            nn.init.zeros_(self.score_bias)
        if self.prior is not None:
            nn.init.zeros_(self.prior)
        if self.edge_logits is not None:
            nn.init.normal_(self.edge_logits, std=0.02)
        if self.mix_logit is not None:
            nn.init.zeros_(self.mix_logit)
        if self.gate is not None:
            self.gate.reset_parameters()
        if self.aux_weight is not None:
            nn.init.normal_(self.aux_weight, std=1.0 / math.sqrt(self.out_dim))
            nn.init.zeros_(self.aux_bias)
        for branch in (self.cam_global, self.cam_local):
            if branch is not None:
                for m in branch:
                    if hasattr(m, "reset_parameters"):
                        m.reset_parameters()
        if self.mix is not None:  # zero: the output starts as exactly ``init_form``
            nn.init.zeros_(self.mix.weight)
            nn.init.zeros_(self.mix.bias)

    def extra_repr_args(self) -> str:
        off = [k for k in _FLAGS if not getattr(self, k)]
        parts = [f"{k}=False" for k in off]
        if self.forms != _DEFAULT_FORMS:
            parts.append(f"forms={self.forms}")
        if self.init_form != ("product" if "product" in self.forms_ else self.forms_[0]):
            parts.append(f"init_form={self.init_form!r}")
        if self.map_attention != "none":
            parts.append(f"map_attention={self.map_attention!r}")
        if self.aux_classes is not None:
            parts.append(f"aux_classes={self.aux_classes}")
        if self.source_dropout:
            parts.append(f"source_dropout={self.source_dropout}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return "AFF" + super().__repr__()[len(type(self).__name__):]

    def set_aux_targets(self, target: torch.Tensor | None) -> None:
        """Give the targets of the next training forward pass to the auxiliary heads (None clears)."""
        self._aux_target = target

    def _source_mask(self, batch: int, device: torch.device) -> torch.Tensor | None:
        if not (self.training and self.source_dropout > 0 and self.n_sources > 1):
            return None
        keep = torch.rand(batch, self.n_sources, device=device) >= self.source_dropout
        none_kept = ~keep.any(dim=1, keepdim=True)
        return keep | none_kept  # a sample that lost every source keeps them all

    def forward(self, xs: Sequence[torch.Tensor]) -> torch.Tensor:
        xs = self.align(xs)
        self.aux_loss = None
        b, d = xs[0].shape[0], self.out_dim
        spatial_dims = tuple(xs[0].shape[2:])
        # work on (B, S, F*D, P) with P positions (1 for vectors): plain matmuls and reductions only,
        # which are several times faster on CPU than the equivalent einsums
        z = torch.stack([p(x) for p, x in zip(self.projs, xs)], dim=1)
        z = z.flatten(3) if spatial_dims else z.unsqueeze(-1)
        raw = z[:, :, :d]  # (B, S, D, P): p_s, the projections the simple forms share
        outs = []
        for form in self.forms_:
            if form == "product":
                outs.append(raw.prod(1))
            elif form == "sum":
                outs.append(raw.sum(1))
            elif form == "attention":
                outs.append(self._attention(z, b))
            else:
                outs.append(self._cam(raw))
        if self.mix is None:
            out = outs[0]
            self.last_mix = None
        else:
            m = self.mix_init + torch.tanh(self.mix(raw.mean((1, 3))))  # (B, K)
            self.last_mix = m.detach()
            out = outs[0] * m[:, 0, None, None]
            for k in range(1, len(outs)):
                out = out + outs[k] * m[:, k, None, None]
        if not self.has_attention:
            self.last_weights = self.last_gate = None
            if self.aux_weight is not None and self.training and self._aux_target is not None:
                self.aux_loss = self._aux(raw, self._aux_target)
                self._aux_target = None
        return out.view(b, d, *spatial_dims)

    def _cam(self, raw: torch.Tensor) -> torch.Tensor:
        """MS-CAM over the sources: ``sum_s softmax_s(L(u) + G(u)) * p_s`` with ``u = sum_s p_s``."""
        b, s, d, n_pos = raw.shape
        u = raw.sum(1)  # (B, D, P)
        logits = 0
        if self.cam_global is not None:
            logits = self.cam_global(u.mean(-1)).view(b, s, d, 1)
        if self.cam_local is not None:
            local = self.cam_local(u.unsqueeze(-1)).view(b, s, d, n_pos)
            logits = local + logits
        return (torch.softmax(logits, dim=1) * raw).sum(1)

    def _attention(self, z: torch.Tensor, b: int) -> torch.Tensor:
        """The attention form: graph mixing, data/model weights, meta gate over ``z (B, S, F*D, P)``."""
        s, d = self.n_sources, self.out_dim
        if self.use_graph:
            eye = torch.eye(s, dtype=torch.bool, device=z.device)
            if self.edge_logits is None:
                adj = (~eye).to(z.dtype)
            else:
                adj = torch.softmax(self.edge_logits.masked_fill(eye, float("-inf")), dim=1)
            beta = torch.sigmoid(self.mix_logit)
            z = z + beta * (torch.tensordot(adj, z, dims=([1], [1])).movedim(0, 1) - z)
        funcs = list(z.split(d, dim=2))  # each (B, S, D, P)
        if self.nonlinear:
            funcs[-1] = F.gelu(funcs[-1])
        joint = funcs[0] if len(funcs) == 1 else funcs[0] + funcs[1]
        logits = None
        if self.score is not None:
            logits = (torch.tanh(joint) * self.score.view(1, s, d, 1)).sum(2) + self.score_bias.view(1, s, 1)
        if self.prior is not None:
            prior = self.prior.view(1, s, 1)
            logits = prior.expand(b, s, joint.shape[-1]) if logits is None else logits + prior
        if logits is None:
            logits = joint.new_zeros(b, s, joint.shape[-1])
        mask = self._source_mask(b, z.device)
        if mask is not None:
            logits = logits.masked_fill(~mask.unsqueeze(-1), float("-inf"))
        w = torch.softmax(logits, dim=1)  # (B, S, P)
        self.last_weights = w.mean(-1).detach()
        wb = w.unsqueeze(2)
        candidates = [(wb * h).sum(1) for h in funcs]  # each (B, D, P)
        if self.gate is not None:
            pooled = joint if mask is None else joint.masked_fill(~mask.view(b, s, 1, 1), float("-inf"))
            candidates.append(pooled.amax(1))
            g = torch.softmax(self.gate(joint.mean((1, 3))), dim=1)  # (B, K)
            self.last_gate = g.detach()
            out = candidates[0] * g[:, 0, None, None]
            for k in range(1, len(candidates)):
                out = out + candidates[k] * g[:, k, None, None]
        else:
            out = candidates[0] if len(candidates) == 1 else candidates[0] + candidates[1]
        if self.aux_weight is not None and self.training and self._aux_target is not None:
            self.aux_loss = self._aux(joint, self._aux_target)
            self._aux_target = None
        return out

    def _aux(self, joint: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if target.shape[0] != joint.shape[0]:
            raise InvalidInputError(
                f"AFF auxiliary targets have {target.shape[0]} rows but the batch has {joint.shape[0]}."
            )
        feats = joint.mean(-1)  # (B, S, D)
        logits = torch.einsum("bsd,sdc->bsc", feats, self.aux_weight) + self.aux_bias
        if self.aux_classes > 1:
            t = target.long().view(-1, 1).expand(-1, self.n_sources)
            return F.cross_entropy(logits.reshape(-1, self.aux_classes), t.reshape(-1))
        t = target.to(logits.dtype).view(-1, 1, 1).expand_as(logits)
        return F.mse_loss(logits, t)


AFF = AdaptiveFeatureFusion
