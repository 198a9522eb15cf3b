"""Data fusion: one classifier over several modalities of a record (text, numbers, categories...).

Three strategies, the classic taxonomy of multimodal learning (Baltrušaitis et al. 2019):

- ``"early"``: each modality's extractor turns its columns into features; the blocks are
  concatenated (scikit-learn's ``ColumnTransformer``) and one estimator learns on all of them;
- ``"late"``: one estimator per modality on its own features; their decisions are fused by a
  :class:`~fuselearn.FusionClassifier` method (stacking by default), each member seeing its columns;
- ``"intermediate"``: per-modality MLP encoders on the extracted features, a fusion layer from
  :mod:`fuselearn.nn` joining the encodings, and a classification head, trained end to end with
  :func:`fuselearn.nn.train_module`. Sparse features (TF-IDF) stay sparse: their encoder's first
  layer is a sparse-dense product.
"""

from __future__ import annotations

import numbers
from typing import ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.base import ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import _safe_indexing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets

from .._registry import normalize_name, unknown_name_error
from .._validation import check_classes, check_columns, check_fitted, check_y
from ..exceptions import InvalidInputError, InvalidParameterError, UnknownNameError
from ..extract._torch import TorchEstimator
from ..nn import make_fusion, predict_module
from ._fusion import FusionClassifier

__all__ = ["ModalityFusion"]

_OWN_PARAMS = ("modalities", "strategy", "estimator", "fusion", "method", "cv", "hidden_size",
               "dropout", "max_epochs", "batch_size", "lr", "weight_decay", "validation_fraction",
               "patience", "device", "random_state", "verbose")


# --- the intermediate-fusion network ---------------------------------------------------------------


class _SparseLinear(torch.nn.Module):
    """``nn.Linear`` that also takes a sparse COO input (a sparse-dense matrix product)."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.inner = torch.nn.Linear(in_features, out_features)

    def reset_parameters(self) -> None:
        self.inner.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_sparse:
            return torch.sparse.mm(x, self.inner.weight.t()) + self.inner.bias
        return self.inner(x)


class _ModalityNet(torch.nn.Module):
    """Per-modality encoders -> fusion layer -> head.

    Shapes:
        - input: one ``(batch, in_dims[i])`` tensor per modality (dense or sparse COO)
        - output: ``(batch, n_classes)`` logits; ``embed`` gives the fused ``(batch, hidden)``.
    """

    def __init__(self, in_dims: list[int], n_classes: int, hidden: int, dropout: float, fusion: str) -> None:
        super().__init__()
        self.in_dims, self.n_classes, self.hidden = list(in_dims), int(n_classes), int(hidden)
        self.encoders = torch.nn.ModuleList(
            torch.nn.Sequential(_SparseLinear(d, hidden), torch.nn.ReLU(), torch.nn.Dropout(dropout))
            for d in in_dims
        )
        self.fusion = make_fusion(fusion, [hidden] * len(in_dims), hidden)
        self.head = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Dropout(dropout),
                                        torch.nn.Linear(hidden, n_classes))

    def reset_parameters(self) -> None:
        for m in self.modules():
            if m is not self and hasattr(m, "reset_parameters"):
                m.reset_parameters()

    def embed(self, *xs: torch.Tensor) -> torch.Tensor:
        return self.fusion([enc(x) for enc, x in zip(self.encoders, xs)])

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(*xs))

    def __repr__(self) -> str:
        return f"_ModalityNet({self.in_dims}, {self.n_classes}, hidden={self.hidden})"


class _Blocks:
    """Per-modality feature blocks (dense arrays or CSR matrices) indexed by row together."""

    def __init__(self, blocks: list) -> None:
        self.blocks = [b.tocsr().astype(np.float32) if sp.issparse(b) else np.asarray(b, dtype=np.float32)
                       for b in blocks]

    def __len__(self) -> int:
        return self.blocks[0].shape[0]

    def subset(self, idx) -> _Blocks:
        return _Blocks([b[idx] for b in self.blocks])


def _collate_blocks(data: _Blocks, idx) -> tuple[torch.Tensor, ...]:
    out = []
    for b in data.blocks:
        part = b[idx]
        if sp.issparse(part):
            coo = part.tocoo()
            indices = torch.as_tensor(np.vstack([coo.row, coo.col]).astype(np.int64))
            out.append(torch.sparse_coo_tensor(indices, torch.as_tensor(coo.data), coo.shape,
                                                check_invariants=False).coalesce())
        else:
            out.append(torch.as_tensor(part))
    return tuple(out)


# --- the strategies ---------------------------------------------------------------------------------
# One small object per strategy, resolved once in ``fit`` (``ModalityFusion._strategy``): a fitted
# model predicts through it and its fitted attributes, never through the ``strategy`` parameter.


class _Strategy:
    """Where the modalities meet. The fitted state lives on the estimator (``pipeline_``...)."""

    name: ClassVar[str] = ""

    def check_params(self, model: ModalityFusion) -> None:
        """Check the parameters only this strategy reads."""

    def fit(self, model: ModalityFusion, X, y, mods) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict_proba(self, model: ModalityFusion, X) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, model: ModalityFusion, X) -> np.ndarray:
        return model.classes_[np.argmax(self.predict_proba(model, X), axis=1)]

    def has_proba(self, model: ModalityFusion) -> bool:
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _EarlyStrategy(_Strategy):
    """Features of every modality concatenated, one estimator on all of them."""

    name = "early"

    def fit(self, model, X, y, mods) -> None:
        model.pipeline_ = Pipeline([("features", model._column_transformer(X, mods)),
                                    ("estimator", clone(model._default_estimator()))]).fit(X, y)
        ct = model.pipeline_.named_steps["features"]
        model.extractors_ = dict(ct.named_transformers_)
        model.feature_dims_ = {name: int(sl.stop - sl.start) for name, sl in ct.output_indices_.items()
                               if name in {m[0] for m in mods}}

    def predict_proba(self, model, X) -> np.ndarray:
        return model.pipeline_.predict_proba(X)

    def predict(self, model, X) -> np.ndarray:
        return model.pipeline_.predict(X)

    def has_proba(self, model) -> bool:
        if "pipeline_" in model.__dict__:
            return hasattr(model.pipeline_, "predict_proba")
        return hasattr(model._default_estimator(), "predict_proba")


class _LateStrategy(_Strategy):
    """One estimator per modality; their decisions fused by a FusionClassifier method."""

    name = "late"

    def fit(self, model, X, y, mods) -> None:
        members = [
            (name, Pipeline([("extract", model._extractor(ext, X, cols)),
                             ("estimator", clone(model._default_estimator()))]), cols)
            for name, cols, ext in mods
        ]
        model.fusion_ = FusionClassifier(members, method=model.method, cv=model.cv,
                                         random_state=model.random_state).fit(X, y)

    def predict_proba(self, model, X) -> np.ndarray:
        return model.fusion_.predict_proba(X)

    def predict(self, model, X) -> np.ndarray:
        return model.fusion_.predict(X)

    def has_proba(self, model) -> bool:
        if "fusion_" in model.__dict__:
            return True  # a fitted FusionClassifier always gives probabilities (vote shares for "vote")
        return hasattr(model._default_estimator(), "predict_proba") or model.method == "vote"


class _IntermediateStrategy(_Strategy):
    """Per-modality encoders, a fusion layer and a head, trained end to end."""

    name = "intermediate"

    def check_params(self, model) -> None:
        for pname, low in (("hidden_size", 1), ("max_epochs", 1), ("batch_size", 1)):
            v = getattr(model, pname)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
                raise InvalidParameterError(
                    f"The '{pname}' parameter of ModalityFusion must be an integer >= {low}. Got {v!r} instead."
                )
        if not (isinstance(model.dropout, numbers.Real) and 0 <= model.dropout < 1):
            raise InvalidParameterError(
                f"The 'dropout' parameter of ModalityFusion must be in [0, 1). Got {model.dropout!r} instead."
            )

    def fit(self, model, X, y, mods) -> None:
        model._fit_intermediate(X, y, mods)

    def predict_proba(self, model, X) -> np.ndarray:
        return model._predict_proba_intermediate(X)


_STRATEGY_CLASSES: dict[str, type[_Strategy]] = {
    cls.name: cls for cls in (_EarlyStrategy, _LateStrategy, _IntermediateStrategy)
}
STRATEGIES = tuple(_STRATEGY_CLASSES)


def strategy_classes() -> tuple[type[_Strategy], ...]:
    """Every strategy class (for the persistence trust list)."""
    return tuple(_STRATEGY_CLASSES.values())


# --- the estimator ------------------------------------------------------------------------------------


class ModalityFusion(ClassifierMixin, TorchEstimator):
    """Classify records made of several modalities by early, late or intermediate fusion.

    Parameters
    ----------
    modalities : dict of str -> (columns, extractor)
        Each modality's input columns (a name, a list of names, or positions) and the transformer
        that turns them into features (``TfidfExtractor``, ``TextEmbedder``, a ``ColumnTransformer``,
        ``"passthrough"``). ``None`` as the extractor means ``fuselearn.data.default_preprocessor``
        on those columns (imputation, scaling, one-hot encoding). Extractors are cloned before fitting.
    strategy : {"early", "late", "intermediate"}, default="early"
        Where the modalities meet: features, decisions, or learned encodings (see the module notes).
    estimator : classifier, default=None
        The learner of ``"early"`` (on all features) and of ``"late"`` (one clone per modality);
        ``LogisticRegression(max_iter=1000)`` when None. Unused by ``"intermediate"``.
    fusion : str, default="concat"
        Fusion layer of ``"intermediate"`` (a name known to ``fuselearn.nn.make_fusion``).
    method : {"mean", "vote", "weighted", "stacking", "bayes"}, default="stacking"
        Decision fusion of ``"late"`` (a :class:`~fuselearn.FusionClassifier` method).
    cv : int or CV splitter, default=5
        Folds for the out-of-fold predictions of ``"late"`` with an out-of-fold method.
    hidden_size : int, default=64
        Width of each modality encoding and of the fused representation (``"intermediate"``).
    dropout : float, default=0.2
        Dropout in the encoders and the head (``"intermediate"``).
    max_epochs, batch_size, lr, weight_decay, validation_fraction, patience, device, verbose
        Training settings of ``"intermediate"``, as in :class:`~fuselearn.NeuralClassifier`.
    random_state : int, RandomState or None, default=None
        Seeds the network, its validation split and the late-fusion folds.

    Attributes
    ----------
    classes_ : ndarray
        Class labels.
    extractors_ : dict of str -> fitted transformer
        Fitted extractors (``"early"`` and ``"intermediate"``).
    pipeline_ : Pipeline
        Features then estimator (``"early"``).
    fusion_ : FusionClassifier
        The fitted decision fusion (``"late"``); ``fusion_.weights_`` gives each modality's weight.
    module_ : torch.nn.Module
        The trained network (``"intermediate"``).
    feature_dims_ : dict of str -> int
        Width of each modality's features.
    strategy_ : str
        The fitted strategy; prediction goes through the strategy object resolved at fit, so
        ``set_params`` after ``fit`` changes nothing until the next ``fit``.

    See Also
    --------
    fuselearn.FusionClassifier : decision fusion of any classifiers.

    Examples
    --------
    >>> import pandas as pd
    >>> from fuselearn.extract import TfidfExtractor
    >>> X = pd.DataFrame({"review": ["love it", "too small", "great fit", "poor fabric"] * 5,
    ...                   "age": [30, 40, None, 50] * 5})
    >>> y = [1, 0, 1, 0] * 5
    >>> clf = ModalityFusion({"text": ("review", TfidfExtractor()), "table": (["age"], None)},
    ...                      strategy="early").fit(X, y)
    >>> clf.predict(X.head(2)).tolist()
    [1, 0]
    """

    def __init__(
        self,
        modalities,
        *,
        strategy: str = "early",
        estimator=None,
        fusion: str = "concat",
        method: str = "stacking",
        cv=5,
        hidden_size: int = 64,
        dropout: float = 0.2,
        max_epochs: int = 30,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        validation_fraction: float = 0.1,
        patience: int | None = 5,
        device: str = "cpu",
        random_state=None,
        verbose: int = 0,
    ) -> None:
        self.modalities = modalities
        self.strategy = strategy
        self.estimator = estimator
        self.fusion = fusion
        self.method = method
        self.cv = cv
        self.hidden_size = hidden_size
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

    # -- nested parameters: <modality>__<param> reaches that modality's extractor ------------------
    def get_params(self, deep: bool = True) -> dict:
        params = super().get_params(deep=deep)
        if deep and isinstance(self.modalities, dict):
            for name, entry in self.modalities.items():
                if isinstance(entry, (tuple, list)) and len(entry) == 2:
                    ext = entry[1]
                    params[name] = ext
                    if hasattr(ext, "get_params") and not isinstance(ext, type):
                        for key, value in ext.get_params(deep=True).items():
                            params[f"{name}__{key}"] = value
        return params

    def set_params(self, **params):
        if "modalities" in params:
            self.modalities = params.pop("modalities")
        modal = self.modalities if isinstance(self.modalities, dict) else {}
        own, nested = {}, {}
        for key, value in params.items():
            head, _, rest = key.partition("__")
            if head in modal and head not in _OWN_PARAMS:
                if rest:
                    nested.setdefault(head, {})[rest] = value
                else:  # a new extractor: a new dict, the caller's stays as it was
                    modal = {**modal, head: (modal[head][0], value)}
                    self.modalities = modal
            else:
                own[key] = value
        for head, sub in nested.items():
            modal[head][1].set_params(**sub)
        super().set_params(**own)
        return self

    # -- validation --------------------------------------------------------------------------------
    def _check_params(self):
        if not isinstance(self.modalities, dict) or not self.modalities:
            raise InvalidParameterError(
                "The 'modalities' parameter of ModalityFusion must be a non-empty dict "
                "{name: (columns, extractor)}. Got "
                f"{type(self.modalities).__name__ if not isinstance(self.modalities, dict) else '{}'} instead."
            )
        mods = []
        for name, entry in self.modalities.items():
            if not isinstance(name, str) or "__" in name or name in _OWN_PARAMS:
                raise InvalidParameterError(
                    f"ModalityFusion: modality name {name!r} must be a string without '__' and not one of "
                    f"the parameter names {list(_OWN_PARAMS)}."
                )
            if not isinstance(entry, (tuple, list)) or len(entry) != 2:
                raise InvalidParameterError(
                    f"ModalityFusion: modality {name!r} must be a (columns, extractor) pair; got {entry!r}."
                )
            columns, ext = entry
            if ext is not None and ext != "passthrough" and not (hasattr(ext, "fit") and hasattr(ext, "transform")):
                raise InvalidParameterError(
                    f"ModalityFusion: the extractor of modality {name!r} must be a transformer (fit and "
                    f"transform), 'passthrough' or None; got {type(ext).__name__}."
                )
            mods.append((name, columns, ext))
        strategy = self._resolve_strategy()
        if self.estimator is not None and not hasattr(self.estimator, "fit"):
            raise InvalidParameterError(
                f"The 'estimator' parameter of ModalityFusion must be a classifier or None. "
                f"Got {type(self.estimator).__name__} instead."
            )
        strategy.check_params(self)
        return mods, strategy

    def _resolve_strategy(self) -> _Strategy:
        if not isinstance(self.strategy, str) or normalize_name(self.strategy) not in _STRATEGY_CLASSES:
            raise unknown_name_error("strategy", self.strategy, STRATEGIES, "the 'strategy' parameter of ModalityFusion")
        return _STRATEGY_CLASSES[normalize_name(self.strategy)]()

    def _check_columns(self, X, mods) -> None:
        """Every modality's columns exist in ``X``: names in a DataFrame, positions in range."""
        for name, columns, _ in mods:
            check_columns(X, columns, "ModalityFusion", f"modality {name!r}",
                          "Fix the columns of that modality.")

    def _extractor(self, ext, X, columns):
        if ext is None:
            from ..data import default_preprocessor

            sample = _safe_indexing(X, columns, axis=1)
            if not isinstance(sample, pd.DataFrame):
                sample = pd.DataFrame(sample)
            return default_preprocessor(sample)
        return "passthrough" if ext == "passthrough" else clone(ext)

    def _column_transformer(self, X, mods):
        # Single-name columns stay a name, so a text extractor receives a 1-D column.
        return ColumnTransformer(
            [(name, self._extractor(ext, X, cols), cols) for name, cols, ext in mods],
            sparse_threshold=0.3,
        )

    def _default_estimator(self):
        return LogisticRegression(max_iter=1000) if self.estimator is None else self.estimator

    # -- fitting -----------------------------------------------------------------------------------
    def fit(self, X, y):
        """Fit the extractors and the fused model on a table ``X`` (DataFrame or array) and labels ``y``."""
        mods, strategy = self._check_params()
        y = np.asarray(check_y(y, "ModalityFusion"))
        if _n_rows(X) == 0:
            raise InvalidInputError(
                "ModalityFusion.fit: X has no rows (an empty table); pass the training rows."
            )
        if y.ndim != 1 or len(y) != _n_rows(X):
            raise InvalidInputError(
                f"ModalityFusion.fit: y must be 1-D with one label per row of X ({_n_rows(X)}); got shape {y.shape}."
            )
        check_classification_targets(y)
        self._le = LabelEncoder().fit(y)
        self.classes_ = check_classes(self._le.classes_, "ModalityFusion")
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1] if hasattr(X, "shape") and len(X.shape) == 2 else None
        self._check_columns(X, mods)
        for attr in ("pipeline_", "fusion_", "module_", "extractors_", "strategy_"):
            self.__dict__.pop(attr, None)
        strategy.fit(self, X, y, mods)
        self._strategy = strategy
        self._modality_columns = [(name, cols) for name, cols, _ in mods]
        self.strategy_ = strategy.name
        return self

    def _fit_intermediate(self, X, y, mods):
        self.extractors_, blocks = {}, []
        for name, cols, ext in mods:
            extractor = self._extractor(ext, X, cols)
            part = _safe_indexing(X, cols, axis=1)
            if extractor == "passthrough":
                extractor = _Passthrough()
            out = extractor.fit_transform(part, y)
            self.extractors_[name] = extractor
            blocks.append(out)
        data = _Blocks(blocks)
        self.feature_dims_ = {name: int(b.shape[1]) for (name, _, _), b in zip(mods, data.blocks)}
        target = torch.as_tensor(self._le.transform(y), dtype=torch.long)
        self._check_training_params()
        # A validation set needs one row per class here.
        self._train_network(data, target, loss_fn=torch.nn.functional.cross_entropy, collate=_collate_blocks,
                            labels=y, min_valid=len(self.classes_), patience=self.patience or None)
        self.module_.cpu()  # predict_proba runs it on the CPU

    _min_patience = 0  # patience=0 has always meant "no early stopping" here

    def _build_module(self) -> _ModalityNet:
        return _ModalityNet(list(self.feature_dims_.values()), len(self.classes_), self.hidden_size,
                            float(self.dropout), self.fusion)

    # -- prediction --------------------------------------------------------------------------------
    def _check_fitted(self, method):
        check_fitted(self, "strategy_", method)

    def _has_proba(self):
        if "strategy_" in self.__dict__:
            return self._strategy.has_proba(self)
        try:
            return self._resolve_strategy().has_proba(self)
        except UnknownNameError:
            return False

    @available_if(_has_proba)
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order."""
        self._check_fitted("predict_proba")
        return self._strategy.predict_proba(self, X)

    def predict(self, X) -> np.ndarray:
        """The predicted class per row."""
        self._check_fitted("predict")
        return self._strategy.predict(self, X)

    def _predict_proba_intermediate(self, X) -> np.ndarray:
        blocks = []
        for name, cols in self._modality_columns:
            blocks.append(self.extractors_[name].transform(_safe_indexing(X, cols, axis=1)))
        logits = predict_module(self.module_, _Blocks(blocks), batch_size=1024, collate=_collate_blocks)
        return torch.softmax(logits, dim=1).numpy().astype(np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = True
        tags.non_deterministic = self.random_state is None
        return tags


class _Passthrough:
    """Dense float features of the given columns, unchanged (``"passthrough"`` for intermediate fusion)."""

    def fit_transform(self, X, y=None):
        return self.transform(X)

    def transform(self, X):
        arr = np.asarray(X, dtype=np.float64)
        return arr.reshape(len(arr), -1)


def _n_rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)
