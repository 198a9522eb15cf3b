"""Knowledge distillation: one fast student trained on a slow teacher's soft labels.

:func:`distill` turns any fitted (or fittable) classifier, typically a fusion of several members,
into a :class:`DistilledClassifier`: one student model trained on

- the teacher's **out-of-fold** class probabilities for the training rows (a fuselearn fusion's own
  ``oof_predictions_`` passed through its fitted combiner; otherwise ``cross_val_predict`` of a
  clone of the teacher), so the student does not learn the teacher's in-sample overconfidence;
- **synthetic rows** labelled by the teacher, which show the student the teacher's function
  between and around the training rows: MUNGE (Bucila, Caruana & Niculescu-Mizil 2006, "Model
  compression"; AutoGluon's ``augment_method="munge"``) perturbs each row towards its nearest
  neighbour, SPUNGE (AutoGluon's ``"spunge"``) resamples each column from another random row.

The student learns the probabilities themselves. By default it is LightGBM with the
cross-entropy objective on probability targets (``objective="cross_entropy"``, which accepts
labels in [0, 1]; one model per class beyond binary, renormalised); any scikit-learn regressor
is used the same way; a classifier whose ``fit`` takes ``sample_weight`` learns the soft labels
exactly by the weighted-rows construction (each row once per class, weighted by that class's
probability: the weighted log-loss equals the cross-entropy to the soft labels). A classifier
without ``sample_weight`` cannot take soft labels: that is an error unless ``soft=False`` asks for
the teacher's hard labels.

We checked scikit-learn (no distillation), LightGBM (the cross-entropy objective, used here) and
AutoGluon (``TabularPredictor.distill``, tied to its own predictor and model zoo); the MUNGE and
SPUNGE samplers are written here after Bucila et al. and AutoGluon's ``distill_utils``.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier, is_regressor
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from .._registry import normalize_name, unknown_name_error
from ..exceptions import InvalidInputError, InvalidParameterError, NotFittedError

__all__ = ["DistilledClassifier", "distill"]

_AUGMENT = ("munge", "spunge", "none")
# A nominal column with more distinct values than this (free text, IDs) is still perturbed, but
# left out of MUNGE's nearest-neighbour distance, where it would only add noise.
_MAX_DISTANCE_LEVELS = 100
# MUNGE's neighbours are searched in at most this many dimensions (a truncated SVD beyond).
_MAX_DISTANCE_DIMS = 16


# The default student's sizes searched by ``tolerance``: leaves per tree, and the tree counts at
# which the held-out fidelity is read (one boosting run per leaf count, truncated).
_SIZE_LEAVES = (7, 15, 31)
_SIZE_TREES = (5, 10, 15, 20, 30, 40, 60, 80, 100, 150, 200)
# Learning rates tried, each with the most trees read at that rate. 0.1 only: adding 0.25 (to
# 100 trees) made the rule pick 20-40-tree students that fell 0.007 AUC below the teacher on heart
# (5 folds), against 0.004 at 0.1 only.
_SIZE_RATES = ((0.1, 200),)
# Share of the distillation rows held out to measure each size's fidelity.
_SIZE_HOLDOUT = 0.2


def _default_student(random_state, n_estimators=150, num_leaves=31, learning_rate=0.1) -> BaseEstimator:
    from lightgbm import LGBMRegressor

    return LGBMRegressor(objective="cross_entropy", n_estimators=n_estimators, learning_rate=learning_rate,
                         num_leaves=num_leaves, min_child_samples=10, subsample=0.8, subsample_freq=1,
                         colsample_bytree=0.8, random_state=random_state, n_jobs=1, verbose=-1)


def _soft_auc(P, scores) -> float:
    """ROC-AUC of ``scores`` against labels drawn from the probabilities ``P`` (its expectation).

    Each row counts as a positive with weight ``P[:, j]`` and as a negative with weight
    ``1 - P[:, j]``; one-vs-rest macro average over the classes (the positive class only for two).
    The teacher's own probabilities score the highest value a ranking can expect under them, so
    the gap between the teacher's and a student's value measures how faithfully the student ranks.
    """
    from sklearn.metrics import roc_auc_score

    cols = [1] if P.shape[1] == 2 else range(P.shape[1])
    n = P.shape[0]
    labels = np.r_[np.ones(n), np.zeros(n)]
    out = []
    for j in cols:
        w = np.r_[P[:, j], 1.0 - P[:, j]]
        out.append(roc_auc_score(labels, np.r_[scores[:, j], scores[:, j]], sample_weight=w))
    return float(np.mean(out))


def _nominal_columns(X: pd.DataFrame) -> list:
    return [c for c in X.columns
            if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])]


def _codes_fit(X) -> dict:
    """How to turn a table into one float array for LightGBM: numbers as they are, other columns
    as category codes; returned as plain values (``columns``, ``categories``) so the fitted
    student saves with :func:`fuselearn.save` with no new trusted type.

    The categories of each non-numeric column are recorded in order of appearance; at predict
    (:func:`_codes_transform`) a value maps to its code by a hash lookup and an unseen or missing
    value becomes NaN (LightGBM's missing value). LightGBM's own pandas path does the same through
    ``astype("category")`` and ``set_categories`` on every call, slower on a small batch;
    scikit-learn's ``OrdinalEncoder`` in a ``ColumnTransformer`` cost us more than 100 trees on
    adult at predict.
    """
    if not isinstance(X, pd.DataFrame):
        return {"columns": None, "categories": {}}
    categories = {}
    for c in _nominal_columns(X):
        col = X[c]
        values = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else pd.unique(col.dropna())
        categories[c] = list(values)
    return {"columns": list(X.columns), "categories": categories}


def _codes_categorical(state) -> list:
    return [] if state["columns"] is None else [state["columns"].index(c) for c in state["categories"]]


def _codes_transform(state, X) -> np.ndarray:
    if state["columns"] is None:
        return np.asarray(X, dtype=float)
    out = np.empty((len(X), len(state["columns"])), dtype=float)
    for j, c in enumerate(state["columns"]):
        col = X[c]
        cats = state["categories"].get(c)
        if cats is None:
            out[:, j] = col.to_numpy(dtype=float, na_value=np.nan)
        else:
            codes = pd.Index(cats, dtype=object).get_indexer(
                col.astype(object) if isinstance(col.dtype, pd.CategoricalDtype) else col)
            out[:, j] = np.where(codes < 0, np.nan, codes)
    return out


def _is_lightgbm(est) -> bool:
    try:
        from lightgbm import LGBMModel
    except ImportError:  # pragma: no cover - lightgbm is a core dependency
        return False
    return isinstance(est, LGBMModel)


def _last_step(est):
    return est.steps[-1][1] if isinstance(est, Pipeline) else est


class DistilledClassifier(ClassifierMixin, BaseEstimator):
    """A classifier trained on soft labels (class probabilities); what :func:`distill` returns.

    ``fit(X, y, soft_targets=P)`` trains the student on the probabilities ``P``; without
    ``soft_targets`` it trains on the one-hot labels of ``y`` (an ordinary classifier).

    Parameters
    ----------
    student : estimator, default=None
        - None: LightGBM (``LGBMRegressor(objective="cross_entropy")``), one model on the
          positive class's probability (binary) or one per class (multiclass, renormalised),
          sized by ``tolerance``. A DataFrame's non-numeric columns are given to
          it as category codes (LightGBM's native categorical splits; an unseen value is missing),
          with no encoder pipeline in front. The same holds for any LightGBM model given as the
          student (its size is then the user's).
        - a regressor (or a pipeline ending in one), e.g. a ``NeuralRegressor`` for a neural
          student: fitted the same way, on each class's probability; its predictions are clipped
          to [0, 1] and renormalised.
        - a classifier whose ``fit`` accepts ``sample_weight`` (or a pipeline ending in one): each
          row appears once per class with weight = that class's probability, so a log-loss
          classifier minimises the cross-entropy to the soft labels exactly.
        - a classifier without ``sample_weight`` (e.g. ``NeuralClassifier``): only with
          ``soft=False``; otherwise an :class:`~fuselearn.exceptions.InvalidParameterError`.
    soft : bool, default=True
        Learn the soft labels. ``False`` trains the student on their argmax (hard labels).
    tolerance : float or None, default=0.002
        With the default student only: its size (trees and leaves per tree) is the smallest, by
        trees x log2(leaves + 1) (the depth a row walks), whose fidelity on a random 20 % of the
        rows held out is within ``tolerance`` of the most faithful size tried. Fidelity is the
        ROC-AUC of the student's probabilities against labels drawn from the soft labels (each
        held-out row a positive with weight p and a negative with weight 1 - p; one-vs-rest macro
        average beyond two classes). Sizes tried: 7, 15 or 31 leaves at learning rate 0.1, each
        boosted once to 200 trees and read at 5 to 200 trees; the chosen size is refitted on all
        rows. None: a fixed 150 trees of 31 leaves at 0.1, no search.
    random_state : int, RandomState or None, default=None
        Seeds the student (its ``random_state`` parameter, when it has one) and the held-out rows.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    students_ : list of estimator
        The fitted student(s): one per modelled class for a regressor student, else one.
    student_size_ : dict or None
        The default student's ``n_estimators``, ``num_leaves``, ``learning_rate`` and held-out ``gap``: the
        teacher's own fidelity value (its probabilities scored against themselves, the most any
        ranking can expect) minus the student's. None for a student given by the user or
        ``tolerance=None``.
    size_search_ : list of dict
        Every size tried (``num_leaves``, ``n_estimators``, ``learning_rate``, ``gap``, ``cost``); empty without a
        search.
    n_features_in_ : int
    soft_label_source_ : str
        Set by :func:`distill`: where the training rows' soft labels came from.
    n_synthetic_ : int
        Set by :func:`distill`: how many synthetic rows the student saw.

    See Also
    --------
    distill : builds the soft labels from a teacher and fits this classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(300, random_state=0)
    >>> P = np.c_[1 - y, y] * 0.8 + 0.1
    >>> clf = DistilledClassifier(random_state=0).fit(X, y, soft_targets=P)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    def __init__(self, student=None, *, soft=True, tolerance=0.002, random_state=None):
        self.student = student
        self.soft = soft
        self.tolerance = tolerance
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------------------------------
    def _resolve_student(self, X):
        if self.student is None:
            return _default_student(self._seed())
        if not hasattr(self.student, "fit"):
            raise InvalidParameterError(
                f"The 'student' parameter of DistilledClassifier must be an estimator with fit; got "
                f"{type(self.student).__name__} {self.student!r}."
            )
        student = clone(self.student)
        if "random_state" in student.get_params() and student.get_params()["random_state"] is None:
            student.set_params(random_state=self._seed())
        return student

    def _seed(self):
        if self.random_state is None or isinstance(self.random_state, numbers.Integral):
            return self.random_state
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _check_params(self):
        if not isinstance(self.soft, (bool, np.bool_)):
            raise InvalidParameterError(
                f"The 'soft' parameter of DistilledClassifier must be a bool. Got {self.soft!r} instead."
            )
        tol = self.tolerance
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 <= tol < 1):
            raise InvalidParameterError(
                f"The 'tolerance' parameter of DistilledClassifier must be None or a float in [0, 1) "
                f"(an ROC-AUC difference, e.g. 0.005). Got {tol!r} instead."
            )

    def fit(self, X, y, *, soft_targets=None):
        """Train the student.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels; ``classes_`` are their sorted unique values.
        soft_targets : array-like of shape (n_samples, n_classes), default=None
            Class probabilities per row, columns in ``classes_`` order; rows are renormalised.
            None: the one-hot labels of ``y``.

        Returns
        -------
        self
        """
        self._check_params()
        X, y = self._validate(X, y, reset=True)
        check_classification_targets(y)
        le = LabelEncoder().fit(y)
        self.classes_ = le.classes_
        y_enc = le.transform(y)
        k = len(self.classes_)
        if k < 2:
            raise InvalidInputError(
                f"DistilledClassifier needs at least two classes in y; got only {self.classes_.tolist()}."
            )
        if soft_targets is None:
            P = np.eye(k)[y_enc]
        else:
            P = np.asarray(soft_targets, dtype=float)
            if P.shape != (len(y_enc), k):
                raise InvalidInputError(
                    f"soft_targets must have shape (n_samples, n_classes) = ({len(y_enc)}, {k}) with columns "
                    f"in classes_ order {self.classes_.tolist()}; got shape {P.shape}."
                )
            if not np.isfinite(P).all() or (P < 0).any():
                raise InvalidInputError("soft_targets must be finite and non-negative (class probabilities).")
            P = P / np.maximum(P.sum(axis=1, keepdims=True), 1e-12)
        if not self.soft:
            P = np.eye(k)[P.argmax(axis=1)]
        student = self._resolve_student(X)
        self._codes, fit_params = None, {}
        if _is_lightgbm(student):  # the raw table as one float array, categories as codes
            self._codes = _codes_fit(X)
            X = _codes_transform(self._codes, X)
            if _codes_categorical(self._codes):
                fit_params = {"categorical_feature": _codes_categorical(self._codes)}
        self.student_size_, self.size_search_ = None, []
        if self.student is None and self.tolerance is not None:
            size = self._choose_size(X, P, fit_params)
            student = _default_student(self._seed(), n_estimators=size["n_estimators"],
                                       num_leaves=size["num_leaves"], learning_rate=size["learning_rate"])
            self.student_size_ = {key: size[key] for key in ("n_estimators", "num_leaves", "learning_rate", "gap")}
        if is_regressor(student):
            self._mode = "regressor"
            cols = [1] if k == 2 else list(range(k))
            self.students_ = [clone(student).fit(X, P[:, j], **fit_params) for j in cols]
        elif is_classifier(student):
            self._mode = "classifier"
            self.students_ = [self._fit_classifier(student, X, P)]
        else:
            raise InvalidParameterError(
                f"The 'student' parameter of DistilledClassifier must be a classifier or a regressor; "
                f"{type(student).__name__} is neither (no _estimator_type)."
            )
        return self

    def _choose_size(self, Z, P, fit_params):
        """The smallest default student within ``tolerance`` (a ``size_search_`` entry)."""
        n, k = P.shape
        cols = [1] if k == 2 else list(range(k))
        order = check_random_state(self._seed() if self._seed() is not None else 0).permutation(n)
        n_hold = round(_SIZE_HOLDOUT * n)
        hold, train = order[:n_hold], order[n_hold:]
        try:
            if n_hold < 10 or len(train) < 10:
                raise ValueError("too few rows")
            reference = _soft_auc(P[hold], P[hold])
        except ValueError:  # too few rows, or held-out soft labels of a single class: no measure
            return {"num_leaves": 31, "n_estimators": 150, "learning_rate": 0.1, "gap": float("nan")}
        for rate, most in _SIZE_RATES:
            for leaves in _SIZE_LEAVES:
                models = [_default_student(self._seed(), n_estimators=most, num_leaves=leaves, learning_rate=rate)
                          .fit(Z[train], P[train, j], **fit_params) for j in cols]
                for trees in (t for t in _SIZE_TREES if t <= most):
                    out = np.column_stack([np.clip(m.predict(Z[hold], num_iteration=trees), 0.0, 1.0)
                                           for m in models])
                    gap = reference - _soft_auc(P[hold], self._regressor_proba(out, k))
                    self.size_search_.append({"num_leaves": leaves, "n_estimators": trees, "learning_rate": rate,
                                              "gap": float(gap), "cost": float(trees * np.log2(leaves + 1))})
        # Relative to the most faithful size tried, not to the teacher's own value: no student
        # reaches that from finite rows (on German credit the largest sizes stay 0.007-0.012 below
        # it), so an absolute rule would always pick the largest size.
        floor = min(r["gap"] for r in self.size_search_)
        within = [r for r in self.size_search_ if r["gap"] <= floor + self.tolerance]
        return min(within, key=lambda r: (r["cost"], r["gap"]))

    def _fit_classifier(self, student, X, P):
        hard = P.max(axis=1) == 1.0
        if hard.all():  # one-hot targets: ordinary fitting, any classifier can do it
            return student.fit(X, self.classes_[P.argmax(axis=1)])
        final = _last_step(student)
        if not has_fit_parameter(final, "sample_weight"):
            raise InvalidParameterError(
                f"The student {type(final).__name__} cannot take soft labels: it is a classifier whose fit "
                "has no sample_weight, so class probabilities cannot be given to it. Pass a regressor "
                "(e.g. LGBMRegressor(objective='cross_entropy'), the default, or fuselearn's "
                "NeuralRegressor for a neural student), a classifier that accepts sample_weight "
                "(LogisticRegression, LGBMClassifier), or soft=False to train it on the teacher's hard "
                "labels."
            )
        n, k = P.shape
        rows = np.tile(np.arange(n), k)
        labels = np.repeat(np.arange(k), n)
        weights = P.T.ravel()
        keep = weights > 1e-6
        rows, labels, weights = rows[keep], labels[keep], weights[keep]
        key = f"{student.steps[-1][0]}__sample_weight" if isinstance(student, Pipeline) else "sample_weight"
        return student.fit(_safe_indexing(X, rows), self.classes_[labels], **{key: weights})

    def _validate(self, X, y="no_validation", *, reset):
        try:
            if isinstance(X, pd.DataFrame):
                if reset:
                    self.n_features_in_ = X.shape[1]
                    self.feature_names_in_ = np.asarray(X.columns, dtype=object)
                elif X.shape[1] != self.n_features_in_:
                    raise ValueError(f"X has {X.shape[1]} features, but DistilledClassifier is expecting "
                                     f"{self.n_features_in_} features as input.")
                elif self.__dict__.get("_codes") is not None and self._codes["columns"] is not None:
                    missing = [c for c in self._codes["columns"] if c not in X.columns]
                    if missing:
                        raise ValueError(f"X lacks the column(s) {missing} seen in fit.")
                if isinstance(y, str) and y == "no_validation":
                    return X
                if y is None:
                    raise ValueError("DistilledClassifier requires y to be passed, but the target y is None.")
                y = np.asarray(y)
                if len(y) != len(X):
                    raise ValueError(f"X has {len(X)} rows but y has {len(y)}.")
                return X, y
            finite = "allow-nan" if self.__sklearn_tags__().input_tags.allow_nan else True
            if isinstance(y, str) and y == "no_validation":
                return validate_data(self, X, reset=reset, ensure_all_finite=finite)
            return validate_data(self, X, y, reset=reset, ensure_all_finite=finite, ensure_min_samples=2)
        except ValueError as exc:
            raise InvalidInputError(f"DistilledClassifier: {exc}") from exc

    # -- prediction --------------------------------------------------------------------------------
    @staticmethod
    def _regressor_proba(out, k):
        if k == 2:
            return np.column_stack([1.0 - out[:, 0], out[:, 0]])
        total = out.sum(axis=1, keepdims=True)
        return np.where(total > 0, out / np.where(total > 0, total, 1.0), 1.0 / k)

    def predict_proba(self, X):
        """Class probabilities, columns in ``classes_`` order."""
        try:
            check_is_fitted(self, "students_")
        except Exception as exc:
            raise NotFittedError(
                "This DistilledClassifier instance is not fitted yet. Call 'fit' (or fuselearn.distill) "
                "before 'predict_proba'."
            ) from exc
        X = self._validate(X, reset=False)
        if self._codes is not None:
            X = _codes_transform(self._codes, X)
        k = len(self.classes_)
        if self._mode == "regressor":
            out = np.column_stack([np.clip(np.asarray(s.predict(X), dtype=float), 0.0, 1.0)
                                   for s in self.students_])
            return self._regressor_proba(out, k)
        student = self.students_[0]
        proba = np.asarray(student.predict_proba(X), dtype=float)
        seen = np.asarray(student.classes_)
        if len(seen) == k and np.array_equal(seen, self.classes_):
            return proba
        full = np.zeros((proba.shape[0], k))
        full[:, np.searchsorted(self.classes_, seen)] = proba
        return full

    def predict(self, X):
        """The most probable class per row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.student is None:
            tags.input_tags.allow_nan = True  # LightGBM routes missing values itself
        elif hasattr(self.student, "__sklearn_tags__"):
            tags.input_tags.allow_nan = self.student.__sklearn_tags__().input_tags.allow_nan
        tags.non_deterministic = self.random_state is None
        return tags


# ---------------------------------------------------------------------------------------------------
# synthetic rows


def _split_columns(X):
    """(numeric, nominal) column keys of a DataFrame, or of a 2-D array (all numeric)."""
    if isinstance(X, pd.DataFrame):
        nominal = _nominal_columns(X)
        return [c for c in X.columns if c not in nominal], nominal
    return list(range(X.shape[1])), []


def _as_frame(X):
    return X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float))


def _munge_neighbours(X: pd.DataFrame, numeric, nominal, rng) -> np.ndarray:
    """Each row's nearest other row: Euclidean on standardised numeric columns, Hamming on the
    nominal ones of at most ``_MAX_DISTANCE_LEVELS`` levels (one-hot scaled by 1/sqrt(2), so a
    mismatch adds 1 to the squared distance), as Bucila et al. define MUNGE's distance; beyond
    ``_MAX_DISTANCE_DIMS`` dimensions, in a truncated-SVD projection of that space (approximate
    neighbours, for speed)."""
    from scipy import sparse
    from sklearn.preprocessing import OneHotEncoder

    parts = []
    if numeric:
        num = X[numeric].to_numpy(dtype=float)
        mean, std = np.nanmean(num, axis=0), np.nanstd(num, axis=0)
        z = (num - mean) / np.where(std > 0, std, 1.0)
        parts.append(sparse.csr_matrix(np.nan_to_num(z)))
    small = [c for c in nominal if X[c].nunique(dropna=False) <= _MAX_DISTANCE_LEVELS]
    if small:
        frame = X[small].astype(object).where(X[small].notna(), "<missing>").astype(str)
        parts.append(OneHotEncoder().fit_transform(frame) / np.sqrt(2.0))
    n = len(X)
    if not parts:  # nothing to measure distance on: a random other row
        return (np.arange(n) + rng.randint(1, n, size=n)) % n
    Z = sparse.hstack(parts).tocsr()
    if Z.shape[1] > _MAX_DISTANCE_DIMS:
        # Exact neighbours in ~100 one-hot dimensions cost O(n^2) (minutes for adult on one core);
        # in a truncated-SVD projection a KD-tree finds them in seconds.
        from sklearn.decomposition import TruncatedSVD

        Z = TruncatedSVD(_MAX_DISTANCE_DIMS, random_state=rng.randint(np.iinfo(np.int32).max)).fit_transform(Z)
    else:
        Z = Z.toarray()
    # Jitter breaks ties between duplicate rows at random, so duplicates are not always each
    # other's neighbours in index order.
    Z = np.hstack([Z, rng.normal(scale=1e-6, size=(n, 1))])
    nn = NearestNeighbors(n_neighbors=2, algorithm="kd_tree").fit(Z)
    idx = nn.kneighbors(Z, return_distance=False)
    return np.where(idx[:, 0] == np.arange(n), idx[:, 1], idx[:, 0])


def _augment(X, n_samples: int, method: str, perturb: float, scale: float, rng):
    """``n_samples`` synthetic rows built from the rows of ``X`` only (never any other data)."""
    frame = _as_frame(X).reset_index(drop=True)
    numeric, nominal = _split_columns(frame)
    n = len(frame)
    base = rng.randint(0, n, size=n_samples)
    if method == "munge":
        donor = _munge_neighbours(frame, numeric, nominal, rng)[base]
    else:  # spunge: every column from its own random row
        donor = None
    out = {}
    for c in frame.columns:
        col = frame[c].to_numpy()
        mask = rng.random_sample(n_samples) < perturb
        other = col[donor] if donor is not None else col[rng.randint(0, n, size=n_samples)]
        mine = col[base]
        if c in numeric and method == "munge":
            a, b = mine.astype(float), other.astype(float)
            sd = np.nan_to_num(np.abs(a - b) / scale)
            loc = np.where(np.isnan(b), a, b)
            drawn = rng.normal(size=n_samples) * sd + np.nan_to_num(loc)
            drawn = np.where(np.isnan(loc), np.nan, drawn)
            if pd.api.types.is_integer_dtype(frame[c]):  # integer columns stay integers
                drawn = np.round(drawn)
            new = np.where(mask, drawn, a)
        else:
            new = np.where(mask, other, mine)
        out[c] = new
    synth = pd.DataFrame(out, columns=frame.columns)
    for c in frame.columns:
        try:
            synth[c] = synth[c].astype(frame[c].dtype)
        except (TypeError, ValueError):  # e.g. rounded NaN in an integer column: keep float
            pass
    if isinstance(X, pd.DataFrame):
        return synth
    return synth.to_numpy(dtype=float)


# ---------------------------------------------------------------------------------------------------
# teacher soft labels


def _is_fitted(est) -> bool:
    from sklearn.exceptions import NotFittedError as SkNotFittedError

    try:
        check_is_fitted(est)
        return True
    except (SkNotFittedError, TypeError):
        return False


def _fusion_oof(teacher, X):
    """The fitted fusion's own out-of-fold fused probabilities, or None when it has none.

    ``teacher`` is a fitted ``FusionClassifier`` or a pipeline ending in one. The members'
    out-of-fold probabilities are combined by the fitted combiner; for ``"stacking"`` the
    meta-learner was itself fitted on those rows (a few parameters, not the members).
    """
    from ._fusion import FusionClassifier

    fusion, Xt = teacher, X
    if isinstance(teacher, Pipeline):
        fusion = teacher.steps[-1][1]
        if isinstance(fusion, FusionClassifier) and getattr(fusion, "oof_predictions_", None) is not None:
            Xt = teacher[:-1].transform(X)
    if not isinstance(fusion, FusionClassifier) or getattr(fusion, "oof_predictions_", None) is None:
        return None
    oof = fusion.oof_predictions_
    if oof.shape[1] != (X.shape[0] if hasattr(X, "shape") else len(X)):
        raise InvalidInputError(
            f"distill: the teacher fusion holds out-of-fold predictions for {oof.shape[1]} rows but X has "
            f"{len(X)}; pass the rows the teacher was fitted on (or an unfitted teacher and y)."
        )
    # The fitted combiner, as the fusion itself combines (temperatures, meta-learner, weights).
    proba = np.asarray(fusion.combiner_.combine(oof, X=fusion._validate_x(Xt)), dtype=float)
    return proba / proba.sum(axis=1, keepdims=True)


def distill(teacher, X, y=None, *, student=None, augment="munge", n_augment=None, perturb=None,
            soft=True, tolerance=0.002, cv=5, random_state=None) -> DistilledClassifier:
    """Distil a (slow) classifier into one fast student trained on its soft labels.

    Parameters
    ----------
    teacher : classifier with predict_proba
        Fitted or not. Unfitted, it is fitted on ``(X, y)`` first (a clone; the argument is not
        changed).
    X : array-like or DataFrame of shape (n_samples, n_features)
        The training rows, in the form the teacher takes. Nothing else (no test row) is used: the
        synthetic rows are built from these rows only.
    y : array-like of shape (n_samples,), default=None
        Their labels. The training rows' soft labels are, in this order of preference:

        1. ``"fusion_oof"``: the teacher is a fitted ``FusionClassifier`` (or a pipeline ending in
           one) with ``oof_predictions_`` (methods "weighted", "stacking", "bayes"): its members'
           out-of-fold probabilities through its fitted combiner; no refitting; ``X`` must be the
           rows it was fitted on;
        2. ``"cross_val_predict"``: ``y`` is given: out-of-fold probabilities of ``cv`` clones of the
           teacher (``StratifiedKFold``, shuffled, seeded from ``random_state``);
        3. ``"in_sample"``: no ``y`` and a fitted teacher: its predictions on ``X`` itself, the
           weakest choice (in-sample probabilities are overconfident).
    student : estimator, default=None
        See :class:`DistilledClassifier` (default: LightGBM on the probabilities, sized by
        ``tolerance``).
    augment : {"munge", "spunge", None}, default="munge"
        Synthetic rows labelled by the teacher. ``"munge"`` (Bucila et al. 2006): a random row,
        each column with probability ``perturb`` moved towards its nearest neighbour's value
        (numeric: drawn from N(neighbour, |row - neighbour|); nominal and text: the neighbour's
        value). ``"spunge"`` (AutoGluon): each column with probability ``perturb`` taken from
        another random row. None: the training rows only.
    n_augment : int, default=None
        Number of synthetic rows; None: ``min(5 * n_samples, 50_000)`` (AutoGluon's size factor
        of 5, a lower cap).
    perturb : float in (0, 1], default=None
        Per-column perturbation probability; None: 0.5 for MUNGE (Bucila et al.), 0.1 for SPUNGE
        (AutoGluon's default).
    soft : bool, default=True
        Train on the soft labels; ``False`` trains on the teacher's hard labels (argmax), the only
        way for a student that cannot take soft labels.
    tolerance : float or None, default=0.002
        The default student is the smallest LightGBM whose fidelity to the teacher on a held-out
        20 % of the distillation rows (training and synthetic) is within this ROC-AUC difference
        of the most faithful size tried (a fidelity measure, not the test AUC: 0.005 here let
        the test AUC fall 0.006-0.014 below the teacher's on heart, German credit and adult);
        see :class:`DistilledClassifier`. None: a fixed 150 trees
        of 31 leaves.
    cv : int, default=5
        Folds for ``"cross_val_predict"``.
    random_state : int, RandomState or None, default=None
        Seeds the folds, the synthetic rows and the student.

    Returns
    -------
    DistilledClassifier
        Fitted; ``soft_label_source_`` says where the training rows' soft labels came from and
        ``n_synthetic_`` how many synthetic rows were added. It holds the student only, not the
        teacher, and saves with :func:`fuselearn.save`.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> import fuselearn
    >>> X, y = make_classification(400, random_state=0)
    >>> student = fuselearn.distill(LogisticRegression(), X, y, n_augment=400, random_state=0)
    >>> student.soft_label_source_
    'cross_val_predict'
    """
    if not (hasattr(teacher, "fit") and hasattr(teacher, "predict_proba")):
        raise InvalidParameterError(
            f"The 'teacher' parameter of distill must be a classifier with fit and predict_proba; got "
            f"{type(teacher).__name__}."
        )
    method = "none" if augment is None else augment
    method = normalize_name(method) if isinstance(method, str) else method
    if method not in _AUGMENT:
        raise unknown_name_error("augmentation", augment, _AUGMENT, "distill(augment=...)")
    if perturb is None:
        perturb = 0.5 if method == "munge" else 0.1
    if not (isinstance(perturb, numbers.Real) and 0 < perturb <= 1):
        raise InvalidParameterError(f"The 'perturb' parameter of distill must be in (0, 1]. Got {perturb!r} instead.")
    if n_augment is not None and not (isinstance(n_augment, numbers.Integral) and n_augment >= 0):
        raise InvalidParameterError(
            f"The 'n_augment' parameter of distill must be a non-negative int or None. Got {n_augment!r} instead."
        )
    if not (isinstance(cv, numbers.Integral) and cv >= 2):
        raise InvalidParameterError(f"The 'cv' parameter of distill must be an int >= 2. Got {cv!r} instead.")
    rng = check_random_state(random_state)
    if not isinstance(X, pd.DataFrame):
        X = np.asarray(X)
        if X.ndim != 2:
            raise InvalidInputError(f"distill: X must be 2-D (n_samples, n_features); got shape {X.shape}.")
    n = X.shape[0]
    if n < 2:
        raise InvalidInputError(f"distill: X must have at least 2 rows; got {n}.")

    fitted = _is_fitted(teacher)
    if not fitted:
        if y is None:
            raise InvalidInputError(
                f"distill: the teacher {type(teacher).__name__} is not fitted and no y was given; pass y "
                "(the teacher is then fitted on X, y) or a fitted teacher."
            )
        teacher = clone(teacher).fit(X, y)
    P, source = _fusion_oof(teacher, X), "fusion_oof"
    if P is None and y is not None:
        folds = StratifiedKFold(cv, shuffle=True, random_state=rng.randint(np.iinfo(np.int32).max))
        P = cross_val_predict(clone(teacher), X, y, cv=folds, method="predict_proba")
        source = "cross_val_predict"
    elif P is None:
        P, source = np.asarray(teacher.predict_proba(X), dtype=float), "in_sample"
    classes = np.asarray(teacher.classes_)

    n_syn = 0 if method == "none" else (min(5 * n, 50_000) if n_augment is None else int(n_augment))
    X_all = X
    if n_syn:
        synth = _augment(X, n_syn, method, float(perturb), 1.0, rng)
        P_syn = np.asarray(teacher.predict_proba(synth), dtype=float)
        if isinstance(X, pd.DataFrame):
            X_all = pd.concat([X.reset_index(drop=True), synth], ignore_index=True)
        else:
            X_all = np.vstack([X.astype(float), synth])
        P = np.vstack([P, P_syn])
    y_all = classes[P.argmax(axis=1)]
    if y is not None:
        y_all = np.concatenate([np.asarray(y), y_all[n:]]).astype(classes.dtype, copy=False)
    missing = np.setdiff1d(classes, y_all)
    if missing.size:
        raise InvalidInputError(
            f"distill: the teacher never predicts class(es) {missing.tolist()} on these rows, so the student "
            "cannot learn them; pass y or more rows."
        )
    model = DistilledClassifier(student, soft=soft, tolerance=tolerance,
                                random_state=random_state if not hasattr(random_state, "randint")
                                else rng.randint(np.iinfo(np.int32).max))
    model.fit(X_all, y_all, soft_targets=P)
    model.soft_label_source_ = source
    model.n_synthetic_ = n_syn
    return model
