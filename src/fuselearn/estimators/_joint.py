"""Joint hybrids: a trunk trained end to end through a differentiable form of its classical head.

A cross-fitted :class:`~fuselearn.HybridClassifier` trains its network with a softmax head and only
then fits the classical model on the embeddings, so the classical model never shapes the features.
Here the trunk is trained through a differentiable stand-in of the classical head:

- ``"svm"``: a linear layer trained with the one-vs-rest squared hinge loss (the L2-SVM of Tang
  2013, "Deep learning using linear support vector machines"); exact head ``LinearSVC``;
- ``"rff"``: the embedding (batch-normalised, no affine) mapped by fixed random Fourier features
  (Rahimi & Recht 2007) of an RBF kernel, then the same L2-SVM layer; exact head ``SVC(kernel="rbf")``;
- ``"tree"``: a soft decision tree (Frosst & Hinton 2017: sigmoid routing at every inner node, a
  class distribution per leaf, negative log-likelihood); exact head a random forest.

:class:`JointExtractor` is the trunk (``transform`` gives its embedding); :class:`JointHybridClassifier`
puts it in a cross-fitted ``HybridClassifier`` whose head is the exact classical model, so the final
head is the real classical model, fitted on embeddings of rows the trunk did not see, and the trunk
was shaped for it. The trunk is any network :class:`~fuselearn.NeuralClassifier` trains (a registry
name: ``"mlp"`` tables, ``"cnn"`` images, ``"rnn"`` token ids, ``"gnn"`` graphs; or a callable
``(n_inputs, n_outputs, **module_params) -> Module``) whose module has ``embed(batch) -> (batch, d)``;
:class:`JointExtractor` is a :class:`~fuselearn.extract._torch.TorchEstimator` like it, so the input
checks, early-stopping split, seeding and persistence are the same.

We checked skorch (custom criteria, no classical heads) and scikit-learn (``RBFSampler`` is the
same random Fourier map, in numpy, not differentiable through the trunk); the heads are written here.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.svm import SVC, LinearSVC
from sklearn.utils.metaestimators import available_if
from torch import nn

from .._registry import normalize_name, resolve_name
from .._validation import check_fitted, check_int
from ..exceptions import FuselearnError, InvalidParameterError, UnknownNameError
from ..extract._neural import BaseNeuralEstimator
from ..nn._training import default_collate
from ._hybrid import HybridClassifier

__all__ = ["JointExtractor", "JointHybridClassifier"]


class L2SVMHead(nn.Module):
    """A linear layer scored by the one-vs-rest squared hinge loss (Tang 2013).

    Shapes:
        - input: ``(batch, in_features)``
        - output: ``(batch, n_classes)`` decision values
    """

    def __init__(self, in_features: int, n_classes: int) -> None:
        super().__init__()
        self.in_features, self.n_classes = int(in_features), int(n_classes)
        self.linear = nn.Linear(self.in_features, self.n_classes)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.linear.reset_parameters()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.linear(z)

    @staticmethod
    def loss(scores: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        sign = 2.0 * torch.nn.functional.one_hot(target, scores.shape[1]).to(scores.dtype) - 1.0
        return torch.clamp(1.0 - sign * scores, min=0.0).pow(2).sum(dim=1).mean()

    def __repr__(self) -> str:
        return f"L2SVMHead({self.in_features}, {self.n_classes})"


class RFFHead(nn.Module):
    """Random Fourier features of an RBF kernel, then an L2-SVM layer.

    ``phi(z) = sqrt(2 / D) cos(z W + b)`` with ``W ~ N(0, 2 gamma)`` and ``b ~ U(0, 2 pi)``
    approximates ``exp(-gamma ||z - z'||^2)``; ``z`` is batch-normalised (no affine) first so that
    ``gamma = 1 / (2 in_features)`` suits any trunk scale. ``W`` and ``b`` are fixed buffers.

    Shapes:
        - input: ``(batch, in_features)``
        - output: ``(batch, n_classes)`` decision values
    """

    def __init__(self, in_features: int, n_classes: int, n_components: int = 256) -> None:
        super().__init__()
        self.in_features, self.n_classes, self.n_components = int(in_features), int(n_classes), int(n_components)
        self.gamma = 1.0 / (2.0 * self.in_features)
        self.norm = nn.BatchNorm1d(self.in_features, affine=False)
        self.register_buffer("weight", torch.empty(self.in_features, self.n_components))
        self.register_buffer("offset", torch.empty(self.n_components))
        self.svm = L2SVMHead(self.n_components, self.n_classes)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.norm.reset_parameters()
        nn.init.normal_(self.weight, std=math.sqrt(2.0 * self.gamma))
        nn.init.uniform_(self.offset, 0.0, 2.0 * math.pi)
        self.svm.reset_parameters()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        phi = math.sqrt(2.0 / self.n_components) * torch.cos(self.norm(z) @ self.weight + self.offset)
        return self.svm(phi)

    loss = staticmethod(L2SVMHead.loss)

    def __repr__(self) -> str:
        return f"RFFHead({self.in_features}, {self.n_classes}, n_components={self.n_components})"


class SoftTreeHead(nn.Module):
    """A soft decision tree (Frosst & Hinton 2017) of depth ``depth``; outputs log-probabilities.

    Every inner node routes right with probability ``sigmoid(w z + b)``; a leaf holds learned class
    logits; the output is ``log sum_leaf P(leaf | z) softmax(leaf logits)``.

    Shapes:
        - input: ``(batch, in_features)``
        - output: ``(batch, n_classes)`` log-probabilities
    """

    def __init__(self, in_features: int, n_classes: int, depth: int = 4) -> None:
        super().__init__()
        self.in_features, self.n_classes, self.depth = int(in_features), int(n_classes), int(depth)
        self.inner = nn.Linear(self.in_features, 2 ** self.depth - 1)
        self.leaves = nn.Parameter(torch.empty(2 ** self.depth, self.n_classes))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.inner.reset_parameters()
        nn.init.normal_(self.leaves, std=0.1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        right = torch.sigmoid(self.inner(z))  # (batch, n_inner), heap order
        path = z.new_ones(z.shape[0], 1)
        for level in range(self.depth):
            start = 2 ** level - 1
            r = right[:, start:start + 2 ** level]
            path = torch.stack([path * (1 - r), path * r], dim=2).reshape(z.shape[0], -1)
        probs = path @ torch.softmax(self.leaves, dim=1)
        return torch.log(probs.clamp_min(1e-12))

    @staticmethod
    def loss(logp: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.nll_loss(logp, target)

    def __repr__(self) -> str:
        return f"SoftTreeHead({self.in_features}, {self.n_classes}, depth={self.depth})"


_HEADS = {"svm": L2SVMHead, "rff": RFFHead, "tree": SoftTreeHead}


class _JointNet(nn.Module):
    """A trunk followed by a differentiable head; ``embed`` is the trunk's embedding.

    Shapes:
        - input: whatever the trunk's ``embed`` takes (a batch of rows, images, sequences or graphs)
        - ``embed``: ``(batch, embedding_dim)``
        - output: ``(batch, n_classes)``, the head's scores or log-probabilities
    """

    def __init__(self, trunk: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.trunk, self.head = trunk, head

    def reset_parameters(self) -> None:
        for module in (self.trunk, self.head):
            reset = getattr(module, "reset_parameters", None)
            if reset is not None:
                reset()

    def set_aux_targets(self, target: torch.Tensor | None) -> None:
        """Hand the batch targets on to a trunk with auxiliary heads (e.g. AFF fusion layers)."""
        setter = getattr(self.trunk, "set_aux_targets", None)
        if setter is not None:
            setter(target)

    def embed(self, x) -> torch.Tensor:
        return self.trunk.embed(x)

    def forward(self, x) -> torch.Tensor:
        return self.head(self.embed(x))

    def __repr__(self) -> str:
        return f"_JointNet(trunk={type(self.trunk).__name__}, head={self.head!r})"


class JointExtractor(TransformerMixin, BaseNeuralEstimator):
    """A trunk trained end to end through a differentiable classical head; ``transform`` embeds.

    The trunk is any network :class:`fuselearn.NeuralClassifier` can train (same ``module``,
    ``module_params`` and input handling: tables, images, token sequences, graphs); instead of its
    own softmax head it is trained through the head named by ``head``. ``transform`` returns the
    trunk's ``embed`` output, the features the classical head is then fitted on.

    The trunk contract: ``module`` is a registry name (:data:`fuselearn.nn.MODULES`, whose entry
    names the input kind: ``"mlp"`` tables, ``"cnn"`` images, ``"rnn"`` token ids, ``"gnn"``
    graphs) or a callable ``(n_inputs, n_outputs, **module_params) -> torch.nn.Module`` (tabular
    input), whose module has ``embed(batch) -> (batch, d)``: one vector per row. Its own output
    layer, if any, is not used.

    Parameters
    ----------
    head : {"svm", "rff", "tree"}, default="svm"
        The differentiable head the trunk is trained through (see the module docstring).
    module : str or callable, default="mlp"
        The trunk (see above).
    module_params : dict, default=None
        Extra keyword arguments for the trunk builder, e.g. ``{"channels": (16, 32)}`` for ``"cnn"``;
        ``{"image_shape": (C, H, W)}`` reads flat rows as images.
    hidden_sizes : tuple of int, default=(64, 32)
        Hidden widths of the MLP trunk; the embedding is the last one.
    n_components : int, default=256
        Random Fourier features of the ``"rff"`` head.
    depth : int, default=4
        Depth of the ``"tree"`` head.
    max_epochs, batch_size, lr, weight_decay, validation_fraction, patience, aux_loss_weight, \
device, random_state, verbose
        As in :class:`fuselearn.NeuralClassifier` (AdamW; early stopping on a stratified
        ``validation_fraction`` of the rows, scored by the head's loss).

    Attributes
    ----------
    module_ : torch.nn.Module
        Trunk (``module_.trunk``) and differentiable head (``module_.head``).
    classes_ : ndarray
    embedding_dim_ : int
        Width of the trunk's embedding, what ``transform`` returns.
    history_ : fuselearn.nn.History
    n_epochs_ : int
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from fuselearn.estimators import JointExtractor
    >>> X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    >>> JointExtractor("rff", hidden_sizes=(8,), max_epochs=3, random_state=0).fit(X, y).transform(X).shape
    (60, 8)
    """

    _task = "classification"

    def __init__(
        self,
        head: str = "svm",
        *,
        module: str | Callable[..., nn.Module] = "mlp",
        module_params: dict | None = None,
        hidden_sizes: tuple[int, ...] = (64, 32),
        n_components: int = 256,
        depth: int = 4,
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
        super().__init__(module, module_params=module_params, hidden_sizes=hidden_sizes, max_epochs=max_epochs,
                         batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                         validation_fraction=validation_fraction, patience=patience,
                         aux_loss_weight=aux_loss_weight, device=device, random_state=random_state,
                         verbose=verbose)
        self.head = head
        self.n_components = n_components
        self.depth = depth

    def _head_class(self) -> type[nn.Module]:
        return resolve_name("joint head", self.head, _HEADS, f"{type(self).__name__}(head=...)")

    def _check_params(self) -> None:
        super()._check_params()
        self._head_class()
        check_int(self.n_components, "n_components", type(self).__name__)
        check_int(self.depth, "depth", type(self).__name__)

    def _build_module(self) -> nn.Module:
        """The trunk (as NeuralClassifier builds it), its embedding width probed on training rows, the head."""
        trunk = super()._build_module()
        if not callable(getattr(trunk, "embed", None)):
            raise InvalidParameterError(
                f"The trunk {type(trunk).__name__} has no 'embed' method; a joint head needs the trunk's "
                "embedding (a vector per row). Give the module an embed(x) -> (batch, d) method."
            )
        probe = self.__dict__.get("_probe_batch")
        if probe is not None:  # in fit: run the untrained trunk on a few training rows
            n_rows = self.__dict__["_probe_rows"]
            was_training = trunk.training
            trunk.eval()
            with torch.no_grad():
                out = trunk.embed(probe)
            trunk.train(was_training)
            shape = tuple(getattr(out, "shape", ()))
            if not isinstance(out, torch.Tensor) or out.ndim != 2 or shape[0] != n_rows:
                raise InvalidParameterError(
                    f"The trunk {type(trunk).__name__}'s embed returns {type(out).__name__} of shape {shape} "
                    f"for {n_rows} rows; a joint head needs a vector per row, shape (batch, d). Pool or "
                    "flatten inside embed (e.g. mean over time steps or pixels)."
                )
            self.embedding_dim_ = int(shape[1])
        head_cls, dim, n_classes = self._head_class(), self.embedding_dim_, len(self.classes_)
        if head_cls is RFFHead:
            head = RFFHead(dim, n_classes, n_components=self.n_components)
        elif head_cls is SoftTreeHead:
            head = SoftTreeHead(dim, n_classes, depth=self.depth)
        else:
            head = L2SVMHead(dim, n_classes)
        return _JointNet(trunk, head)

    def _train_network(self, data: Any, target: torch.Tensor, *, loss_fn: Callable, collate: Callable = default_collate,
                       **kwargs: Any) -> None:
        # TorchEstimator's set-up unchanged (seed, stratified early-stopping split, seeded build,
        # train_module), with two differences: the loss is the head's (squared hinge or the tree's
        # log-likelihood) instead of the softmax cross-entropy NeuralClassifier passes, and
        # _build_module may look at a few training rows to learn the embedding width.
        n_rows = min(2, len(target))
        self._probe_batch, self._probe_rows = collate(data, np.arange(n_rows)), n_rows
        try:
            super()._train_network(data, target, loss_fn=self._head_class().loss, collate=collate, **kwargs)
        finally:
            del self._probe_batch, self._probe_rows

    def fit(self, X, y):
        """Train trunk and differentiable head together on ``(X, y)``."""
        self._fit_network(X, y)
        return self

    def transform(self, X):
        """The trunk's embedding, ``(n_samples, embedding_dim_)`` float32."""
        self._check_fitted("transform")
        return self._forward(X, method="embed").numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # the network computes in float32
        return tags


_EXACT = {"svm": LinearSVC(), "rff": SVC(kernel="rbf", gamma="scale"), "tree": RandomForestClassifier(n_estimators=200)}


def _exact_has(method):
    def check(self):
        head = self.classical_head
        if head is None:
            try:
                head = _EXACT.get(normalize_name(self.head))
            except UnknownNameError:
                return False
        return hasattr(head, method)

    return check


class JointHybridClassifier(ClassifierMixin, BaseEstimator):
    """A trunk trained through a differentiable classical head, then the exact classical head
    refitted on its cross-fitted embeddings.

    ``fit`` builds ``HybridClassifier(JointExtractor(head=...), head=exact, cross_fit=cross_fit)``:
    each fold's trunk is trained jointly with the differentiable head on the other folds, and the
    exact head (``LinearSVC`` for ``"svm"``, ``SVC(kernel="rbf")`` for ``"rff"``, a 200-tree random
    forest for ``"tree"``, or ``classical_head``) is fitted on the embeddings of the rows that trunk
    did not see; predictions average the fold pairs.

    Parameters
    ----------
    head : {"svm", "rff", "tree"}, default="svm"
    classical_head : classifier, default=None
        The exact head; None picks the one matching ``head``.
    cross_fit : int, default=5
    extractor_params : dict, default=None
        Further :class:`JointExtractor` parameters: the trunk (``module``, ``module_params``, e.g.
        ``{"module": "cnn"}`` on images or ``{"module": "gnn"}`` on a list of graphs),
        ``hidden_sizes``, ``max_epochs``, ``lr`` ...
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    hybrid_ : HybridClassifier
    classes_ : ndarray
    n_features_in_ : int
        Set when ``X`` is an array (not for a list of graphs).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from fuselearn.estimators import JointHybridClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = JointHybridClassifier("svm", cross_fit=3, extractor_params={"max_epochs": 5},
    ...                             random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    def __init__(self, head="svm", *, classical_head=None, cross_fit=5, extractor_params=None, random_state=None):
        self.head = head
        self.classical_head = classical_head
        self.cross_fit = cross_fit
        self.extractor_params = extractor_params
        self.random_state = random_state

    def fit(self, X, y):
        """Cross-fit joint trunks and the exact classical head."""
        key = resolve_name("joint head", self.head, _HEADS, f"{type(self).__name__}(head=...)")
        name = next(k for k, v in _HEADS.items() if v is key)
        if self.extractor_params is not None and not isinstance(self.extractor_params, dict):
            raise InvalidParameterError(
                f"The 'extractor_params' parameter of {type(self).__name__} must be a dict or None. "
                f"Got {type(self.extractor_params).__name__} instead."
            )
        ext = JointExtractor(name, random_state=self.random_state, **(self.extractor_params or {}))
        exact = clone(self.classical_head if self.classical_head is not None else _EXACT[name])
        if "random_state" in exact.get_params() and exact.get_params()["random_state"] is None:
            exact.set_params(random_state=self.random_state if isinstance(self.random_state, numbers.Integral) else None)
        self.hybrid_ = HybridClassifier(ext, exact, cross_fit=self.cross_fit, random_state=self.random_state)
        self.hybrid_.fit(X, y)
        self.classes_ = self.hybrid_.classes_
        if hasattr(self.hybrid_, "n_features_in_"):
            self.n_features_in_ = self.hybrid_.n_features_in_
        return self

    def _check(self, what):
        check_fitted(self, "hybrid_", what)

    def predict(self, X):
        """Class per row: the fold pairs' averaged decision."""
        self._check("predict")
        return self.hybrid_.predict(X)

    @available_if(_exact_has("predict_proba"))
    def predict_proba(self, X):
        """The exact heads' averaged probabilities (heads that have ``predict_proba``)."""
        self._check("predict_proba")
        return self.hybrid_.predict_proba(X)

    @available_if(_exact_has("decision_function"))
    def decision_function(self, X):
        """The exact heads' averaged decision values (heads that have ``decision_function``)."""
        self._check("decision_function")
        return self.hybrid_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        try:  # images, graphs ...: not a 2-D array (sparse input stays refused, as by HybridClassifier)
            params = self.extractor_params if isinstance(self.extractor_params, dict) else {}
            tags.input_tags.two_d_array = JointExtractor(**params)._input_kind().two_d_array
        except (FuselearnError, TypeError):
            pass  # bad parameters: fit says what is wrong
        return tags
