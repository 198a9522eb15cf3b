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
was shaped for it. The trunk is ``"mlp"`` (``fuselearn.nn.MLP``) or a callable ``(n_inputs,
n_outputs) -> Module`` with an ``embed`` method, on 2-D tabular input.

We checked skorch (custom criteria, no classical heads) and scikit-learn (``RBFSampler`` is the
same random Fourier map, in numpy, not differentiable through the trunk); the heads are written here.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.preprocessing import LabelEncoder
from sklearn.svm import SVC, LinearSVC
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from .._registry import normalize_name, resolve_name
from .._torch_state import TorchWeightsState
from ..exceptions import InvalidInputError, InvalidParameterError, NotFittedError, UnknownNameError
from ..nn import MLP, TrainConfig, predict_module, seeded, train_module
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
    """Trunk ``embed`` followed by a differentiable head; ``embed`` exposes the trunk's embedding."""

    def __init__(self, trunk: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.trunk, self.head = trunk, head

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.trunk.embed(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


class JointExtractor(TorchWeightsState, TransformerMixin, BaseEstimator):
    """A trunk trained end to end through a differentiable classical head; ``transform`` embeds.

    Parameters
    ----------
    head : {"svm", "rff", "tree"}, default="svm"
        The differentiable head the trunk is trained through (see the module docstring).
    trunk : "mlp" or callable, default="mlp"
        ``"mlp"``: :class:`fuselearn.nn.MLP` with ``hidden_sizes``; or a callable
        ``(n_inputs, n_outputs) -> Module`` whose module has an ``embed`` method giving a vector per row.
    hidden_sizes : tuple of int, default=(64, 32)
        Hidden widths of the MLP trunk; the embedding is the last one.
    n_components : int, default=256
        Random Fourier features of the ``"rff"`` head.
    depth : int, default=4
        Depth of the ``"tree"`` head.
    max_epochs, batch_size, lr, weight_decay, patience :
        As in :class:`fuselearn.NeuralClassifier` (AdamW; early stopping on ``validation_fraction``).
    validation_fraction : float, default=0.1
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    module_ : torch.nn.Module
        Trunk and differentiable head.
    classes_ : ndarray
    embedding_dim_ : int
    history_ : fuselearn.nn.History
    n_features_in_ : int
    """

    def __init__(self, head="svm", *, trunk="mlp", hidden_sizes=(64, 32), n_components=256, depth=4,
                 max_epochs=100, batch_size=64, lr=1e-3, weight_decay=0.0, validation_fraction=0.1,
                 patience=10, random_state=None):
        self.head = head
        self.trunk = trunk
        self.hidden_sizes = hidden_sizes
        self.n_components = n_components
        self.depth = depth
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state

    def _build(self, n_in: int, n_classes: int) -> nn.Module:
        head_cls = resolve_name("joint head", self.head, _HEADS, f"{type(self).__name__}(head=...)")
        if isinstance(self.trunk, str) and self.trunk == "mlp":
            trunk = MLP(n_in, 1, hidden_sizes=tuple(self.hidden_sizes))
        elif callable(self.trunk) and not isinstance(self.trunk, nn.Module):
            trunk = self.trunk(n_in, n_classes)
        else:
            raise InvalidParameterError(
                f"The 'trunk' parameter of {type(self).__name__} must be 'mlp' or a callable "
                f"(n_inputs, n_outputs) -> torch.nn.Module. Got {self.trunk!r} instead."
            )
        if not hasattr(trunk, "embed"):
            raise InvalidParameterError(
                f"The trunk {type(trunk).__name__} has no 'embed' method; a joint head needs the trunk's "
                "embedding (a vector per row). Give the module an embed(x) -> (batch, d) method."
            )
        with torch.no_grad():
            trunk.eval()
            probe = trunk.embed(torch.zeros(2, n_in))
            trunk.train()
        if probe.ndim != 2:
            raise InvalidParameterError(
                f"The trunk's embed returns shape {tuple(probe.shape)}; a joint head needs a vector per row "
                "(batch, d). Pool or flatten inside embed."
            )
        dim = int(probe.shape[1])
        if head_cls is RFFHead:
            head = RFFHead(dim, n_classes, n_components=self.n_components)
        elif head_cls is SoftTreeHead:
            head = SoftTreeHead(dim, n_classes, depth=self.depth)
        else:
            head = L2SVMHead(dim, n_classes)
        self.embedding_dim_ = dim
        return _JointNet(trunk, head)

    def fit(self, X, y):
        """Train trunk and differentiable head together on ``(X, y)``."""
        for name, value, low in (("n_components", self.n_components, 1), ("depth", self.depth, 1)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise InvalidParameterError(
                    f"The '{name}' parameter of {type(self).__name__} must be an int >= {low}. Got {value!r} instead."
                )
        if y is None:
            raise InvalidInputError(f"{type(self).__name__}.fit requires y to be passed, but the target y is None.")
        try:
            X, y = validate_data(self, X, y, dtype=np.float32)
        except ValueError as exc:
            raise InvalidInputError(f"{type(self).__name__}.fit: {exc}") from exc
        check_classification_targets(y)
        le = LabelEncoder().fit(y)
        self.classes_ = le.classes_
        if len(self.classes_) < 2:
            raise InvalidInputError(f"{type(self).__name__}.fit: y has one class only ({self.classes_[0]!r}).")
        target = torch.as_tensor(le.transform(y), dtype=torch.long)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        with seeded(seed):
            self.module_ = self._build(X.shape[1], len(self.classes_))
        config = TrainConfig(max_epochs=self.max_epochs, batch_size=self.batch_size, lr=self.lr,
                             weight_decay=self.weight_decay, patience=self.patience)
        data = torch.as_tensor(X)
        n = len(data)
        n_valid = round(self.validation_fraction * n) if self.patience is not None else 0
        if n >= 10 and n_valid >= 1:
            perm = rng.permutation(n)
            va, tr = perm[:n_valid], perm[n_valid:]
            args = {"X_valid": data[va], "y_valid": target[va]}
            data, target = data[tr], target[tr]
        else:
            args = {}
        self.history_ = train_module(self.module_, data, target, loss_fn=self.module_.head.loss,
                                     config=config, seed=seed, **args)
        self.module_.eval()
        return self

    def transform(self, X):
        """The trunk's embedding, ``(n_samples, embedding_dim_)`` float32."""
        try:
            check_is_fitted(self, "module_")
        except Exception as exc:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' before 'transform'."
            ) from exc
        try:
            X = validate_data(self, X, reset=False, dtype=np.float32)
        except ValueError as exc:
            raise InvalidInputError(f"{type(self).__name__}.transform: {exc}") from exc
        out = predict_module(self.module_, torch.as_tensor(X), batch_size=max(self.batch_size, 256),
                             method="embed")
        return out.numpy()

    # -- persistence: weights through safetensors, as the neural estimators (TorchWeightsState) --
    def _rebuild_module(self):
        return self._build(self.n_features_in_, len(self.classes_))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.target_tags.required = True
        tags.non_deterministic = self.random_state is None
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
        Further :class:`JointExtractor` parameters (``hidden_sizes``, ``max_epochs``, ``lr`` ...).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    hybrid_ : HybridClassifier
    classes_ : ndarray
    n_features_in_ : int

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
        self.n_features_in_ = self.hybrid_.n_features_in_
        return self

    def _check(self, what):
        try:
            check_is_fitted(self, "hybrid_")
        except Exception as exc:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' before '{what}'."
            ) from exc

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
        return tags
