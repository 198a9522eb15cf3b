"""Model fusion: a deep feature extractor feeding a classical learner, cross-fitted.

The head must never train on features made by a network that saw the same rows: a network that has
memorised its training rows embeds them far more separably than new rows, and a head fitted on those
embeddings learns to trust them too much. With ``cross_fit=k`` each training row is embedded by an
extractor fitted on the other folds (the cross-fitting of double machine learning, Chernozhukov et al.
2018; scikit-learn's ``cross_val_predict`` does the fold loop for predictions, not for transformers).

Then there are two ways to predict:

- ``refit=False`` (default): one head per fold, fitted on the embeddings that fold's extractor made of
  the rows it did not see; prediction averages the k (extractor, head) pairs. Each head only ever sees
  coordinates of its own extractor.
- ``refit=True``: one head on all out-of-fold embeddings, and the extractor refitted on all rows for
  prediction. Cheaper to predict, but two networks trained from the same seed on different rows do
  not share embedding coordinates, so the head is applied in a space it was not fitted in. We measured
  it losing 1.5 points of test accuracy on digits and 0.4 on breast cancer against ``refit=False``
  (``tests/estimators/test_hybrid.py::test_fold_pairs_beat_refit_on_digits`` keeps that honest).

"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .._validation import (
    HasMethods,
    Integral,
    Interval,
    check_classes,
    check_fitted,
    check_params,
    check_y,
)
from ..exceptions import InvalidInputError
from ..extract import NeuralExtractor

__all__ = ["HybridClassifier", "HybridRegressor"]


def _fit_transform_fold(extractor, X, y, train, test):
    ext = clone(extractor).fit(_safe_indexing(X, train), _safe_indexing(y, train))
    return ext, test, _dense(ext.transform(_safe_indexing(X, test)))


def _dense(Z):
    return np.asarray(Z.toarray() if hasattr(Z, "toarray") else Z, dtype=float)


def _head_has(name):
    def check(self):
        heads = getattr(self, "heads_", None)
        head = heads[0] if heads else None
        if head is None:
            head = self.head if self.head is not None else self._default_head()
        return hasattr(head, name)

    return check


class _BaseHybrid(BaseEstimator):
    _parameter_constraints: ClassVar[dict] = {
        "extractor": [HasMethods(["fit", "transform"]), None],
        "head": [HasMethods(["fit", "predict"]), None],
        "cross_fit": [Interval(Integral, 2, None, closed="left"), HasMethods(["split"]), None],
        "refit": ["boolean"],
    }

    def __init__(self, extractor=None, head=None, *, cross_fit=5, refit=False, n_jobs=None,
                 random_state=None):
        self.extractor = extractor
        self.head = head
        self.cross_fit = cross_fit
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _default_extractor(self):
        return NeuralExtractor(hidden_sizes=(64, 32), random_state=self.random_state)

    def _check_params(self):
        check_params(self, self._parameter_constraints, self.get_params(deep=False))
        ext = self.extractor if self.extractor is not None else self._default_extractor()
        head = self.head if self.head is not None else self._default_head()
        return ext, head

    def _splits(self, X, y, rng):
        cf = self.cross_fit
        if hasattr(cf, "split"):
            cv = check_cv(cf, y, classifier=is_classifier(self))
        else:
            seed = rng.randint(np.iinfo(np.int32).max)
            cls = StratifiedKFold if is_classifier(self) else KFold
            cv = cls(cf, shuffle=True, random_state=seed)
        try:
            return list(cv.split(X, y))
        except ValueError as exc:
            raise InvalidInputError(
                f"{type(self).__name__}: cross-fitting could not split y ({exc}). Use fewer folds "
                "(cross_fit) or more rows per class."
            ) from exc

    def fit(self, X, y):
        """Cross-fit the extractor, fit the head on out-of-fold embeddings, refit the extractor."""
        ext, head = self._check_params()
        check_y(y, type(self).__name__, ravel=False)
        try:
            X, y = validate_data(self, X, y, dtype=None, ensure_all_finite=False, allow_nd=True,
                                 skip_check_array=hasattr(X, "iloc") or isinstance(X, list))
        except ValueError as exc:
            raise InvalidInputError(f"{type(self).__name__}.fit: {exc}") from exc
        y = self._check_target(y)
        rng = check_random_state(self.random_state)
        if self.cross_fit is None:
            ext_full = clone(ext).fit(X, y)
            self.oof_embeddings_ = None
            self.extractors_ = [ext_full]
            self.heads_ = [clone(head).fit(_dense(ext_full.transform(X)), y)]
            return self
        splits = self._splits(X, y, rng)
        parts = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_transform_fold)(ext, X, y, tr, te) for tr, te in splits
        )
        width = parts[0][2].shape[1]
        Z = np.zeros((len(y), width))
        for _, test, z in parts:
            Z[test] = z
        self.oof_embeddings_ = Z
        if self.refit:
            self.extractors_ = [clone(ext).fit(X, y)]
            self.heads_ = [clone(head).fit(Z, y)]
        else:
            self.extractors_ = [p[0] for p in parts]
            self.heads_ = [clone(head).fit(z, _safe_indexing(y, test)) for _, test, z in parts]
        return self

    def _check_target(self, y):
        return y

    def _check_fitted(self, what):
        check_fitted(self, "heads_", what)

    def _pairs(self, X, what, method):
        """``method`` of every (extractor, head) pair on ``X``, stacked: ``(n_pairs, n_samples, ...)``."""
        self._check_fitted(what)
        try:
            X = validate_data(self, X, reset=False, dtype=None, ensure_all_finite=False, allow_nd=True,
                              skip_check_array=hasattr(X, "iloc") or isinstance(X, list))
        except ValueError as exc:
            raise InvalidInputError(f"{type(self).__name__}.{what}: {exc}") from exc
        return np.stack([np.asarray(getattr(h, method)(_dense(e.transform(X))), dtype=float)
                         for e, h in zip(self.extractors_, self.heads_)])

    def embed(self, X):
        """The features each head sees for ``X``: ``(n_pairs, n_samples, n_features_out)``."""
        self._check_fitted("embed")
        return np.stack([_dense(e.transform(X)) for e in self.extractors_])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


class HybridClassifier(ClassifierMixin, _BaseHybrid):
    """A deep extractor feeding a classical classifier (SVM, forest, gradient boosting...), cross-fitted.

    Parameters
    ----------
    extractor : transformer, default=None
        Turns ``X`` into features; ``NeuralExtractor(hidden_sizes=(64, 32))`` when None. Any
        scikit-learn transformer trained with ``y`` works.
    head : classifier, default=None
        Trained on the (cross-fitted) embeddings; ``LogisticRegression(max_iter=1000)`` when None.
    cross_fit : int, CV splitter or None, default=5
        Folds for cross-fitting (``StratifiedKFold`` seeded from ``random_state``). None fits the head
        on embeddings of the rows the extractor was trained on, which is over-optimistic.
    refit : bool, default=False
        False: one head per fold, each paired with that fold's extractor; predictions average the
        pairs. True: one head on all out-of-fold embeddings and the extractor refitted on all rows
        (measured worse: see the module docstring).
    n_jobs : int, default=None
        Folds fitted in parallel (joblib).
    random_state : int, RandomState or None, default=None
        Seeds the folds (and the default extractor).

    Attributes
    ----------
    extractors_ : list of transformers
        The fitted extractors used at prediction time (one per fold, or one refitted on all rows).
    heads_ : list of classifiers
        The heads, each paired with ``extractors_[i]``.
    oof_embeddings_ : ndarray of shape (n_samples, n_features_out) or None
        Each training row embedded by an extractor that did not see it.
    classes_ : ndarray
        Class labels.

    See Also
    --------
    fuselearn.NeuralExtractor, HybridRegressor

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from fuselearn import HybridClassifier, NeuralExtractor
    >>> X, y = load_iris(return_X_y=True)
    >>> hybrid = HybridClassifier(NeuralExtractor(hidden_sizes=(16,), max_epochs=5, random_state=0),
    ...                           SVC(), cross_fit=3, random_state=0).fit(X, y)
    >>> hybrid.oof_embeddings_.shape
    (150, 16)
    """

    def _default_head(self):
        return LogisticRegression(max_iter=1000)

    def _check_target(self, y):
        y = np.asarray(y)
        check_classification_targets(y)
        self.classes_ = check_classes(np.unique(y), "HybridClassifier")
        return y

    def predict(self, X):
        """The class with the highest mean probability (or mean decision value, or most votes)."""
        self._check_fitted("predict")
        head = self.heads_[0]
        if hasattr(head, "predict_proba"):
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        if hasattr(head, "decision_function"):
            d = self.decision_function(X)
            return self.classes_[(d > 0).astype(int)] if d.ndim == 1 else self.classes_[np.argmax(d, axis=1)]
        votes = np.stack([h.predict(_dense(e.transform(X))) for e, h in zip(self.extractors_, self.heads_)])
        idx = np.searchsorted(self.classes_, votes)
        counts = np.apply_along_axis(np.bincount, 0, idx, minlength=len(self.classes_))
        return self.classes_[np.argmax(counts, axis=0)]

    @available_if(_head_has("predict_proba"))
    def predict_proba(self, X):
        """The heads' class probabilities, averaged over the (extractor, head) pairs."""
        out = self._pairs(X, "predict_proba", "predict_proba")
        if any(len(h.classes_) != len(self.classes_) for h in self.heads_):
            raise InvalidInputError(
                "A cross-fitting fold lacked a class, so its head cannot give all probabilities; "
                "use fewer folds (cross_fit) or refit=True."
            )
        return out.mean(axis=0)

    @available_if(_head_has("decision_function"))
    def decision_function(self, X):
        """Decision values consistent with :meth:`predict`.

        With a probabilistic head, the log of the pair-averaged probabilities (binary: the log-odds);
        otherwise the heads' decision functions averaged over the pairs.
        """
        self._check_fitted("decision_function")
        if hasattr(self.heads_[0], "predict_proba"):
            logp = np.log(np.clip(self.predict_proba(X), 1e-300, None))
            return logp[:, 1] - logp[:, 0] if logp.shape[1] == 2 else logp
        return self._pairs(X, "decision_function", "decision_function").mean(axis=0)


class HybridRegressor(RegressorMixin, _BaseHybrid):
    """A deep extractor feeding a classical regressor, cross-fitted. See :class:`HybridClassifier`.

    The default head is ``RidgeCV()`` and the folds are ``KFold``.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from fuselearn import HybridRegressor, NeuralExtractor
    >>> X, y = make_regression(n_samples=60, n_features=4, random_state=0)
    >>> HybridRegressor(NeuralExtractor(max_epochs=3, random_state=0), cross_fit=3,
    ...                 random_state=0).fit(X, y).predict(X[:2]).shape
    (2,)
    """

    def _default_head(self):
        return RidgeCV()

    def predict(self, X):
        """The heads' predictions averaged over the (extractor, head) pairs."""
        return self._pairs(X, "predict", "predict").mean(axis=0)
