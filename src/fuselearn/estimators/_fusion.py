"""Decision fusion: combine the outputs of several fitted models.

``FusionClassifier`` and ``FusionRegressor`` go beyond scikit-learn's ``StackingClassifier`` and
``VotingClassifier`` (which we checked first and which have no per-member columns, no prefit members
for every method, no out-of-fold predictions kept, and no fitted member weights):

- members are ``(name, estimator)`` or ``(name, estimator, columns)``; a member sees only its columns;
  ``'drop'`` removes one; nested parameters reach members as ``name__param``;
- one CV splitter, seeded once, gives the same folds to every member;
- methods ``"mean"``, ``"vote"``, ``"weighted"`` (Caruana et al. 2004 greedy ensemble selection with
  replacement on out-of-fold log-loss or squared error), ``"stacking"`` (a meta-learner on out-of-fold
  predictions, optional passthrough) and ``"bayes"`` (Bayesian model averaging weights fitted by EM
  on the out-of-fold predictive densities, Raftery et al. 2005, with Bayesian-bootstrap spreads);
- ``oof_predictions_`` and ``weights_`` after fit; ``predict_uncertainty`` for the mixture methods.
"""

from __future__ import annotations

import numbers
import time
from typing import NamedTuple

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.metaestimators import _BaseComposition, available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._naming import normalize_name, unknown_name_error
from .._validation import check_classes, check_fitted, check_y
from ..exceptions import InvalidInputError, InvalidParameterError, NotFittedError

__all__ = ["FusionClassifier", "FusionRegressor", "Uncertainty"]

_EPS = 1e-12


class Uncertainty(NamedTuple):
    """Per-row predictive uncertainty of a fused model.

    For classifiers, entropies in nats: ``total`` = entropy of the fused distribution, ``aleatoric`` =
    the weighted mean of the members' entropies, ``epistemic`` = ``total - aleatoric`` (the members'
    disagreement, a mutual information). For regressors, standard deviations: ``aleatoric`` from the
    members' out-of-fold residual variance, ``epistemic`` from the spread of the members' predictions.
    """

    total: np.ndarray
    aleatoric: np.ndarray
    epistemic: np.ndarray


# ---------------------------------------------------------------------------------------------------
# member handling


def _fit_member(estimator, X, y, columns, train_idx=None):
    """A fitted clone of ``estimator`` and the seconds its ``fit`` took."""
    est = clone(estimator)
    Xs = _select(X, columns)
    if train_idx is not None:
        Xs, y = _safe_indexing(Xs, train_idx), _safe_indexing(y, train_idx)
    start = time.perf_counter()
    est.fit(Xs, y)
    return est, time.perf_counter() - start


def _select(X, columns):
    if columns is None:
        return X
    return _safe_indexing(X, columns, axis=1)


def _caruana(oof: np.ndarray, loss, n_iter: int) -> np.ndarray:
    """Greedy ensemble selection with replacement (Caruana et al. 2004); returns member weights.

    ``oof`` has shape ``(n_members, n_samples, ...)``; ``loss(pred) -> float`` scores an average.
    We checked scikit-learn and scipy: neither has it (AutoGluon uses the same algorithm).
    """
    m = oof.shape[0]
    counts = np.zeros(m, dtype=np.int64)
    running = np.zeros_like(oof[0])
    for step in range(1, n_iter + 1):
        losses = [loss((running * (step - 1) + oof[j]) / step) for j in range(m)]
        best = int(np.argmin(losses))
        counts[best] += 1
        running = (running * (step - 1) + oof[best]) / step
    return counts / counts.sum()


def _temper(proba: np.ndarray, temperature) -> np.ndarray:
    """``softmax(log(proba) / T)`` along the last axis; ``temperature`` broadcasts from the left."""
    t = np.asarray(temperature, dtype=float)
    t = t.reshape(t.shape + (1,) * (proba.ndim - t.ndim))
    logits = np.log(np.clip(proba, _EPS, 1.0)) / t
    logits -= logits.max(axis=-1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=-1, keepdims=True)


def _fit_temperature(proba: np.ndarray, y: np.ndarray) -> float:
    """The temperature that maximises the likelihood of ``y`` under ``proba`` (Guo et al. 2017).

    scikit-learn 1.8+ has temperature scaling inside ``CalibratedClassifierCV`` (an estimator and
    its own CV); here the probabilities are the fusion's out-of-fold ones, so we fit the single
    parameter directly, on log T in [-3, 3].
    """
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(y))

    def nll(log_t):
        return -np.log(np.clip(_temper(proba, np.exp(log_t))[rows, y], _EPS, 1.0)).mean()

    return float(np.exp(minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x))


def _bma_em(loglik: np.ndarray, n_boot: int, rng, *, max_iter: int = 1000, tol: float = 1e-7):
    """Bayesian model averaging weights from per-row out-of-fold log predictive densities.

    ``loglik`` has shape ``(n_members, n)``. The weights maximise the out-of-fold likelihood of the
    mixture ``sum_k w_k p_k(y_i | x_i)`` over the simplex, found by EM as in Raftery, Gneiting,
    Balabdaoui & Polakowski (2005), "Using Bayesian model averaging to calibrate forecast
    ensembles"; this is also the "stacking of predictive distributions" of Yao, Vehtari, Simpson &
    Gelman (2018), which they recommend over pseudo-BMA because it does not collapse onto the single
    best member when the members complement each other. The spread of the weights comes from the
    same EM on ``n_boot`` Bayesian-bootstrap replicates of the rows (all replicates at once).
    ArviZ has stacking weights for posterior samples of Bayesian models, not for point predictions
    of fitted ones; scikit-learn has no mixture-weight EM over fixed densities.

    Returns
    -------
    weights : ndarray of shape (n_members,)
    weights_std : ndarray of shape (n_members,)
    """
    k, n = loglik.shape
    # Densities scaled per row: the scale cancels in the responsibilities.
    dens = np.exp(loglik - loglik.max(axis=0, keepdims=True))  # (k, n)

    def em(rows):  # rows: (b, n) row weights summing to 1 -> (b, k) mixture weights
        w = np.full((len(rows), k), 1.0 / k)
        for _ in range(max_iter):
            mix = np.maximum(w @ dens, _EPS)  # (b, n)
            new = w * np.einsum("kn,bn->bk", dens, rows / mix)
            new /= new.sum(axis=1, keepdims=True)
            done = np.abs(new - w).max() < tol
            w = new
            if done:
                break
        return w

    weights = em(np.full((1, n), 1.0 / n))[0]
    if n_boot < 2:
        return weights, np.zeros(k)
    chunk = max(1, 2_000_000 // n)  # bounded memory on large n
    boot = np.vstack([em(rng.dirichlet(np.ones(n), size=min(chunk, n_boot - i)))
                      for i in range(0, n_boot, chunk)])
    return weights, boot.std(axis=0)


class _BaseFusion(_BaseComposition):
    _methods: tuple[str, ...] = ()
    _oof_methods = ("weighted", "stacking", "bayes")

    def __init__(
        self,
        estimators,
        *,
        method="mean",
        weights=None,
        meta_learner=None,
        passthrough=False,
        cv=5,
        prefit=False,
        metric=None,
        n_iter=50,
        n_bootstrap=100,
        n_jobs=None,
        random_state=None,
    ):
        self.estimators = estimators
        self.method = method
        self.weights = weights
        self.meta_learner = meta_learner
        self.passthrough = passthrough
        self.cv = cv
        self.prefit = prefit
        self.metric = metric
        self.n_iter = n_iter
        self.n_bootstrap = n_bootstrap
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- nested parameters: (name, est) or (name, est, columns), like ColumnTransformer ----------
    @property
    def _estimators(self):
        # Tolerant of invalid values: get_params must work before fit validates them.
        if not isinstance(self.estimators, (list, tuple)):
            return []
        return [(e[0], e[1]) for e in self.estimators if isinstance(e, (list, tuple)) and len(e) >= 2]

    @_estimators.setter
    def _estimators(self, value):
        self.estimators = [
            (name, est, *entry[2:]) for (name, est), entry in zip(value, self.estimators)
        ]

    def get_params(self, deep=True):
        return self._get_params("_estimators", deep=deep)

    def set_params(self, **params):
        self._set_params("_estimators", **params)
        return self

    @property
    def named_estimators(self):
        from sklearn.utils import Bunch

        return Bunch(**dict(self._estimators))

    # -- validation ------------------------------------------------------------------------------
    def _check_method(self) -> str:
        name = type(self).__name__
        if not isinstance(self.method, str):
            raise InvalidParameterError(
                f"The 'method' parameter of {name} must be a string among {list(self._methods)}. "
                f"Got {self.method!r} instead."
            )
        method = normalize_name(self.method)
        if method not in self._methods:
            raise unknown_name_error("fusion method", self.method, self._methods,
                                     f"the 'method' parameter of {name}")
        return method

    def _members(self):
        """Validated ``[(name, estimator, columns)]`` without dropped members."""
        name = type(self).__name__
        if not isinstance(self.estimators, (list, tuple)) or len(self.estimators) == 0:
            raise InvalidParameterError(
                f"The 'estimators' parameter of {name} must be a non-empty list of (name, estimator) "
                f"or (name, estimator, columns) tuples. Got {self.estimators!r} instead."
            )
        members, names = [], set()
        for i, entry in enumerate(self.estimators):
            if not isinstance(entry, (tuple, list)) or len(entry) not in (2, 3):
                raise InvalidParameterError(
                    f"{name}.estimators[{i}] must be (name, estimator) or (name, estimator, columns); "
                    f"got {entry!r}."
                )
            mname, est = entry[0], entry[1]
            columns = entry[2] if len(entry) == 3 else None
            if not isinstance(mname, str) or "__" in mname:
                raise InvalidParameterError(
                    f"{name}.estimators[{i}]: the member name must be a string without '__'; got {mname!r}."
                )
            if mname in names:
                raise InvalidParameterError(f"{name}: member name {mname!r} is used twice; names must be unique.")
            names.add(mname)
            if isinstance(est, str) and est == "drop":
                continue
            if not hasattr(est, "fit"):
                raise InvalidParameterError(
                    f"{name}.estimators[{i}] ({mname!r}) must be an estimator with fit or 'drop'; "
                    f"got {type(est).__name__}."
                )
            members.append((mname, est, columns))
        if not members:
            raise InvalidParameterError(f"All members of {name} are 'drop'; keep at least one.")
        return members

    def _check_common_params(self):
        name = type(self).__name__
        cv = self.cv
        if not hasattr(cv, "split") and not hasattr(cv, "__iter__") and (
            isinstance(cv, bool) or not isinstance(cv, numbers.Integral) or cv < 2
        ):
            raise InvalidParameterError(
                f"The 'cv' parameter of {name} must be an int >= 2 or a CV splitter. Got {cv!r} instead."
            )
        if not isinstance(self.n_iter, numbers.Integral) or isinstance(self.n_iter, bool) or self.n_iter < 1:
            raise InvalidParameterError(
                f"The 'n_iter' parameter of {name} must be an integer >= 1. Got {self.n_iter!r} instead."
            )
        if not isinstance(self.n_bootstrap, numbers.Integral) or self.n_bootstrap < 1:
            raise InvalidParameterError(
                f"The 'n_bootstrap' parameter of {name} must be an integer >= 1. Got {self.n_bootstrap!r}."
            )

    def _user_weights(self, n_members):
        if self.weights is None:
            return np.full(n_members, 1.0 / n_members)
        w = np.asarray(self.weights, dtype=float)
        if w.shape != (n_members,) or np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
            raise InvalidParameterError(
                f"The 'weights' parameter of {type(self).__name__} must be {n_members} non-negative "
                f"numbers (one per non-dropped member) with a positive sum. Got {self.weights!r} instead."
            )
        return w / w.sum()

    # -- fitting ---------------------------------------------------------------------------------
    def _fit_members(self, X, y, members, splits):
        """Fit members on all rows (unless prefit) and, when ``splits`` is given, on every fold."""
        jobs = []
        if not self.prefit:
            jobs += [(i, None, est, cols) for i, (_, est, cols) in enumerate(members)]
        if splits is not None:
            jobs += [(i, k, est, cols) for k, (tr, _) in enumerate(splits)
                     for i, (_, est, cols) in enumerate(members)]
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_member)(est, X, y, cols, None if k is None else splits[k][0])
            for i, k, est, cols in jobs
        )
        full, per_fold = {}, {}
        self.member_fit_seconds_ = {}
        for (i, k, _, _), (est, seconds) in zip(jobs, fitted):
            if k is None:
                full[i] = est
                self.member_fit_seconds_[members[i][0]] = seconds
            else:
                per_fold[(i, k)] = est
        if self.prefit:
            for i, (mname, est, _) in enumerate(members):
                try:
                    check_is_fitted(est)
                except Exception as exc:
                    raise NotFittedError(
                        f"{type(self).__name__}(prefit=True): member {mname!r} is not fitted. Fit it "
                        "first, or use prefit=False."
                    ) from exc
                full[i] = est
        return [full[i] for i in range(len(members))], per_fold

    def _make_splits(self, X, y, rng):
        cv = self.cv
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            if cv < 2:
                raise InvalidParameterError(
                    f"The 'cv' parameter of {type(self).__name__} must be an int >= 2 or a CV splitter. "
                    f"Got {cv!r} instead."
                )
            seed = rng.randint(np.iinfo(np.int32).max)
            if is_classifier(self):
                cv = StratifiedKFold(cv, shuffle=True, random_state=seed)
            else:
                cv = KFold(cv, shuffle=True, random_state=seed)
        else:
            cv = check_cv(cv, y, classifier=is_classifier(self))
        # The splits are computed once, so every member sees exactly the same folds.
        try:
            return list(cv.split(X, y))
        except ValueError as exc:
            raise InvalidInputError(f"{type(self).__name__}: the CV splitter failed on y: {exc}") from exc

    def _fit(self, X, y):
        method = self._check_method()
        self._check_common_params()
        members = self._members()
        rng = check_random_state(self.random_state)
        needs_oof = method in self._oof_methods
        splits = None
        if needs_oof and not self.prefit:
            splits = self._make_splits(X, y, rng)
        fitted, per_fold = self._fit_members(X, y, members, splits)
        self.estimators_ = fitted
        self.named_estimators_ = dict(zip([m[0] for m in members], fitted))
        self._member_columns = [m[2] for m in members]
        self.member_names_ = [m[0] for m in members]
        self.method_ = method
        self.oof_predictions_ = None
        if needs_oof:
            if self.prefit:  # the rows given to fit are a hold-out set the members never saw
                oof = np.stack([self._member_output(est, X, cols) for est, cols in zip(fitted, self._member_columns)])
            else:
                oof = None
                for k, (_, test) in enumerate(splits):
                    for i, cols in enumerate(self._member_columns):
                        out = self._member_output(per_fold[(i, k)], _safe_indexing(X, test), cols)
                        if oof is None:
                            oof = np.zeros((len(members), _num_samples(X)) + out.shape[1:])
                        oof[i, test] = out
            self.oof_predictions_ = oof
        # A fresh generator from the same seed, so refit_combiner reproduces fit exactly.
        self._fit_combiner(method, X, y, check_random_state(self.random_state))
        return self

    def refit_combiner(self, X, y, method=None):
        """Refit only the combiner, reusing the fitted members and their out-of-fold predictions.

        Compares fusion methods without refitting any member: ``fusion.refit_combiner(X, y,
        method="bayes")`` gives what ``fit`` with that method and the same ``random_state`` would, as
        long as the first fit computed out-of-fold predictions (methods ``"weighted"``,
        ``"stacking"`` or ``"bayes"``) when the new method needs them.

        Parameters
        ----------
        X, y : the rows given to :meth:`fit`
        method : str, default=None
            The new method (sets the ``method`` parameter); None keeps the current one.

        Returns
        -------
        self
        """
        self._check_fitted("refit_combiner")
        if method is not None:
            self.set_params(method=method)
        new = self._check_method()
        if new in self._oof_methods and self.oof_predictions_ is None:
            raise InvalidParameterError(
                f"refit_combiner(method={new!r}) needs out-of-fold predictions, but the first fit used "
                f"method={self.method_!r}. Fit once with 'stacking', 'weighted' or 'bayes'."
            )
        X = self._validate_x(X)
        if is_classifier(self):
            y = np.asarray(y)
        self.method_ = new
        self._fit_combiner(new, X, y, check_random_state(self.random_state))
        return self

    def _check_fitted(self, what):
        check_fitted(self, "estimators_", what)

    def _member_outputs(self, X):
        return np.stack([self._member_output(est, X, cols)
                         for est, cols in zip(self.estimators_, self._member_columns)])

    def _stack_features(self, outputs, X):
        feats = outputs.transpose(1, 0, *range(2, outputs.ndim)).reshape(outputs.shape[1], -1)
        if self.passthrough:
            Xp = np.asarray(X, dtype=float)
            feats = np.hstack([feats, Xp.reshape(len(Xp), -1)])
        return feats

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        members = [e[1] for e in self.estimators if not (isinstance(e[1], str) and e[1] == "drop")]
        if members:
            tags.input_tags.allow_nan = all(
                getattr(m.__sklearn_tags__().input_tags, "allow_nan", False) for m in members
                if hasattr(m, "__sklearn_tags__")
            )
        tags.non_deterministic = self.random_state is None
        return tags


def _num_samples(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


# ---------------------------------------------------------------------------------------------------


def _mixture_method(self):
    method = getattr(self, "method_", None) or normalize_name(str(self.method))
    return method in ("mean", "weighted", "bayes")


class FusionClassifier(ClassifierMixin, _BaseFusion):
    """Fuse the decisions of several classifiers.

    Parameters
    ----------
    estimators : list of (str, estimator) or (str, estimator, columns)
        The members. ``columns`` (indices, names, a slice or a boolean mask) restricts what a member
        sees. ``'drop'`` in place of an estimator removes that member. Members are cloned before
        fitting (unless ``prefit``).
    method : {"mean", "vote", "weighted", "stacking", "bayes"}, default="mean"
        - ``"mean"``: soft voting, the (weighted) mean of the members' probabilities;
        - ``"vote"``: hard voting; ``predict_proba`` gives the weighted vote shares;
        - ``"weighted"``: weights fitted on out-of-fold probabilities by Caruana's greedy ensemble
          selection with replacement (``n_iter`` rounds), minimising log-loss or ``metric``;
        - ``"stacking"``: ``meta_learner`` trained on out-of-fold probabilities (plus ``X`` when
          ``passthrough``);
        - ``"bayes"``: Bayesian model averaging (Raftery et al. 2005): each member's probabilities
          are tempered to their maximum-likelihood temperature on the out-of-fold rows
          (``temperatures_``), then the mixture weights with the highest out-of-fold likelihood
          are fitted by EM, with Bayesian-bootstrap spreads in ``weights_std_``;
          ``predict_uncertainty`` splits predictive entropy into aleatoric and epistemic parts.
    weights : array-like of shape (n_members,), default=None
        Fixed member weights for ``"mean"`` and ``"vote"`` (uniform when None).
    meta_learner : classifier, default=None
        Meta-learner for ``"stacking"``; ``LogisticRegression(max_iter=1000)`` when None.
    passthrough : bool, default=False
        Stacking also sees the original features.
    cv : int or CV splitter, default=5
        Folds for the out-of-fold predictions (``StratifiedKFold`` seeded from ``random_state``).
        The splits are drawn once and shared by every member.
    prefit : bool, default=False
        Members are already fitted and are not refitted; ``fit(X, y)`` then fits only the combiner,
        treating ``X`` as a hold-out set the members did not see.
    metric : str, default=None
        What ``"weighted"`` selects members for: a name from ``fuselearn.metrics`` (e.g.
        ``"accuracy"``, ``"roc_auc"``), with log-loss breaking ties; None means log-loss, a proper
        scoring rule. Optimise the metric you will be judged on: log-loss weights follow the best
        calibrated members, which need not be the most accurate ones.
    n_iter : int, default=50
        Rounds of Caruana selection for ``"weighted"``.
    n_bootstrap : int, default=100
        Bayesian-bootstrap replicates of the out-of-fold rows for ``weights_std_`` (``"bayes"``).
    n_jobs : int, default=None
        Parallel member fits (joblib).
    random_state : int, RandomState or None, default=None
        Seeds the CV splits and the Bayesian bootstrap. Members keep their own ``random_state``.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members (dropped ones excluded), in order.
    named_estimators_ : dict
        Fitted members by name.
    member_names_ : list of str
        Names of the fitted members.
    member_fit_seconds_ : dict
        Seconds each member's fit on all rows took, by name (empty with ``prefit=True``).
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    weights_ : ndarray of shape (n_members,) or None
        The weight of each member in the fused decision, for every method (for stacking, the share of
        the meta-learner's absolute coefficients or feature importances per member; None when the
        meta-learner exposes neither).
    oof_predictions_ : ndarray of shape (n_members, n_samples, n_classes) or None
        Out-of-fold probabilities the combiner was fitted on (None for ``"mean"``/``"vote"``).
    meta_learner_ : estimator
        The fitted meta-learner (stacking only).
    temperatures_ : ndarray of shape (n_members,)
        Per-member temperature applied to the members' probabilities (``"bayes"`` only).
    weights_std_ : ndarray of shape (n_members,)
        Bayesian-bootstrap standard deviation of ``weights_`` (``"bayes"`` only).

    See Also
    --------
    sklearn.ensemble.StackingClassifier, sklearn.ensemble.VotingClassifier
    FusionRegressor : the regression twin.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from fuselearn import FusionClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> fusion = FusionClassifier(
    ...     [("lr", LogisticRegression(max_iter=500)), ("tree", DecisionTreeClassifier(random_state=0))],
    ...     method="weighted", random_state=0).fit(X, y)
    >>> fusion.weights_.round(2).tolist()  # doctest: +SKIP
    [0.8, 0.2]
    >>> fusion.predict(X[:3]).tolist()
    [0, 0, 0]
    """

    _methods = ("mean", "vote", "weighted", "stacking", "bayes")

    def fit(self, X, y):
        """Fit the members (unless prefit) and the combiner."""
        X, y = self._validate_xy(X, y)
        check_classification_targets(y)
        self._le = LabelEncoder().fit(y)
        self.classes_ = check_classes(self._le.classes_, "FusionClassifier")
        method = self._check_method()
        if method in ("mean", "weighted", "bayes", "stacking"):
            for mname, est, _ in self._members():
                if not hasattr(est, "predict_proba"):
                    raise InvalidParameterError(
                        f"FusionClassifier(method={method!r}) needs predict_proba, but member {mname!r} "
                        f"({type(est).__name__}) has none. Use method='vote', or give it probabilities "
                        "(e.g. SVC(probability=True) or CalibratedClassifierCV)."
                    )
        return self._fit(X, y)

    def _validate_xy(self, X, y):
        y = check_y(y, type(self).__name__, stacklevel=4)
        # Members validate their own features; here we only check what every member needs.
        try:
            X, y = validate_data(self, X, y, dtype=None, ensure_all_finite=False,
                                 skip_check_array=_is_dataframe(X) or self._has_columns())
        except ValueError as exc:
            raise InvalidInputError(f"{type(self).__name__}.fit: {exc}") from exc
        return X, y

    def _has_columns(self):
        return any(len(e) == 3 and e[2] is not None for e in self.estimators if isinstance(e, (tuple, list)))

    def _member_output(self, est, X, columns):
        """A member's probabilities aligned to ``classes_`` (one-hot votes for ``"vote"``)."""
        Xs = _select(X, columns)
        n_classes = len(self.classes_)
        if normalize_name(self.method) == "vote":
            pred = est.predict(Xs)
            idx = np.searchsorted(self.classes_, pred)
            out = np.zeros((len(pred), n_classes))
            out[np.arange(len(pred)), idx] = 1.0
            return out
        proba = est.predict_proba(Xs)
        cls = np.asarray(est.classes_)
        if len(cls) == n_classes and np.array_equal(cls, self.classes_):
            return proba
        out = np.zeros((proba.shape[0], n_classes))  # a member that saw a subset of the classes
        out[:, np.searchsorted(self.classes_, cls)] = proba
        return out

    def _fit_combiner(self, method, X, y, rng):
        y_enc = self._le.transform(y)
        m = len(self.estimators_)
        if method in ("mean", "vote"):
            self.weights_ = self._user_weights(m)
        elif method == "weighted":
            oof = self.oof_predictions_
            onehot = np.eye(len(self.classes_))[y_enc]

            def logloss(p):
                return -np.mean(np.log(np.clip((p * onehot).sum(axis=1), _EPS, 1)))

            objective = logloss
            if self.metric is not None and normalize_name(self.metric) != "log_loss":
                from ..metrics import get_metric

                metric = get_metric(self.metric)
                sign = -1.0 if metric.greater_is_better else 1.0

                def objective(p):  # the metric, with log-loss breaking its ties
                    return sign * metric.from_predictions(y_enc, y_pred=p.argmax(axis=1), y_proba=p,
                                                          classes=np.arange(p.shape[1])) + 1e-4 * logloss(p)

            self.weights_ = _caruana(oof, objective, self.n_iter)
        elif method == "bayes":
            # Each member's distribution is first tempered to its maximum-likelihood temperature,
            # so that BMA weighs what a member knows, not how sharp its probabilities happen to
            # be (a random forest's or a calibrated SVM's are far too soft on digits).
            oof = self.oof_predictions_
            self.temperatures_ = np.array([_fit_temperature(o, y_enc) for o in oof])
            tempered = _temper(oof, self.temperatures_)
            ll = np.log(np.clip(tempered[:, np.arange(len(y_enc)), y_enc], _EPS, 1.0))
            self.weights_, self.weights_std_ = _bma_em(ll, self.n_bootstrap, rng)
        elif method == "stacking":
            meta = clone(self.meta_learner) if self.meta_learner is not None else LogisticRegression(max_iter=1000)
            feats = self._stack_features(self.oof_predictions_, X)
            self.meta_learner_ = meta.fit(feats, y_enc)
            self.weights_ = _meta_weights(self.meta_learner_, m, len(self.classes_))

    def _proba(self, X):
        outputs = self._member_outputs(X)
        if self.method_ == "bayes":
            outputs = _temper(outputs, self.temperatures_)
        if self.method_ == "stacking":
            feats = self._stack_features(outputs, X)
            proba = np.zeros((len(feats), len(self.classes_)))
            proba[:, self.meta_learner_.classes_] = self.meta_learner_.predict_proba(feats)
            return proba, outputs
        proba = np.tensordot(self.weights_, outputs, axes=1)
        return proba, outputs

    def predict_proba(self, X):
        """Fused class probabilities, columns in ``classes_`` order."""
        self._check_fitted("predict_proba")
        X = self._validate_x(X)
        proba, _ = self._proba(X)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The fused class decision per row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _validate_x(self, X):
        try:
            return validate_data(self, X, reset=False, dtype=None, ensure_all_finite=False,
                                 skip_check_array=_is_dataframe(X) or self._has_columns())
        except ValueError as exc:
            raise InvalidInputError(f"{type(self).__name__}: {exc}") from exc

    @available_if(_mixture_method)
    def predict_uncertainty(self, X) -> Uncertainty:
        """Per-row predictive uncertainty (entropies in nats) of the mixture methods.

        Returns
        -------
        Uncertainty
            ``total``, ``aleatoric`` and ``epistemic`` arrays of shape ``(n_samples,)``.
        """
        self._check_fitted("predict_uncertainty")
        X = self._validate_x(X)
        proba, outputs = self._proba(X)
        total = -(proba * np.log(np.clip(proba, _EPS, 1))).sum(axis=1)
        member_h = -(outputs * np.log(np.clip(outputs, _EPS, 1))).sum(axis=2)
        aleatoric = self.weights_ @ member_h
        return Uncertainty(total, aleatoric, np.clip(total - aleatoric, 0, None))


def _meta_weights(meta, n_members, width):
    """Share of the meta-learner's |coef_| (or feature_importances_) falling on each member's columns."""
    if hasattr(meta, "coef_"):
        imp = np.abs(np.atleast_2d(meta.coef_)).sum(axis=0)
    elif hasattr(meta, "feature_importances_"):
        imp = np.asarray(meta.feature_importances_, dtype=float)
    else:
        return None
    per = imp[: n_members * width].reshape(n_members, width).sum(axis=1)
    total = per.sum()
    return per / total if total > 0 else np.full(n_members, 1.0 / n_members)


def _is_dataframe(X):
    return hasattr(X, "iloc") and hasattr(X, "columns")


class FusionRegressor(RegressorMixin, _BaseFusion):
    """Fuse the predictions of several regressors.

    Parameters
    ----------
    estimators : list of (str, estimator) or (str, estimator, columns)
        The members, as in :class:`FusionClassifier`.
    method : {"mean", "median", "weighted", "stacking", "bayes"}, default="mean"
        ``"mean"`` (weighted by ``weights``), ``"median"``, ``"weighted"`` (Caruana selection on
        out-of-fold squared error), ``"stacking"`` (``meta_learner``, ``RidgeCV`` when None, on
        out-of-fold predictions) or ``"bayes"`` (Bayesian model averaging weights fitted by EM on
        the out-of-fold Gaussian densities with each member's out-of-fold residual variance, as in
        Raftery et al. 2005).
    weights, meta_learner, passthrough, cv, prefit, n_iter, n_bootstrap, n_jobs, random_state
        As in :class:`FusionClassifier` (``KFold`` instead of ``StratifiedKFold``).
    metric : None
        Not used yet: ``"weighted"`` minimises squared error.

    Attributes
    ----------
    estimators_, named_estimators_, member_names_, member_fit_seconds_, weights_, oof_predictions_, meta_learner_
        As in :class:`FusionClassifier`; ``oof_predictions_`` has shape ``(n_members, n_samples)``.
    residual_std_ : ndarray of shape (n_members,)
        Out-of-fold residual standard deviation per member (``"bayes"`` only).
    weights_std_ : ndarray of shape (n_members,)
        Bayesian-bootstrap standard deviation of ``weights_`` (``"bayes"`` only).

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.neighbors import KNeighborsRegressor
    >>> from fuselearn import FusionRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> fusion = FusionRegressor([("ridge", Ridge()), ("knn", KNeighborsRegressor())],
    ...                          method="bayes", random_state=0).fit(X, y)
    >>> fusion.predict_uncertainty(X[:2]).total.shape
    (2,)
    """

    _methods = ("mean", "median", "weighted", "stacking", "bayes")

    def fit(self, X, y):
        """Fit the members (unless prefit) and the combiner."""
        y = check_y(y, "FusionRegressor")
        try:
            X, y = validate_data(self, X, y, dtype=None, ensure_all_finite=False, y_numeric=True,
                                 skip_check_array=_is_dataframe(X) or self._has_columns())
        except ValueError as exc:
            raise InvalidInputError(f"FusionRegressor.fit: {exc}") from exc
        y = np.asarray(y, dtype=float)
        if y.ndim != 1:
            raise InvalidInputError("FusionRegressor supports a single target; y must be 1-D.")
        return self._fit(X, y)

    _has_columns = FusionClassifier._has_columns
    _validate_x = FusionClassifier._validate_x

    def _member_output(self, est, X, columns):
        return np.asarray(est.predict(_select(X, columns)), dtype=float).reshape(-1)

    def _fit_combiner(self, method, X, y, rng):
        m = len(self.estimators_)
        if method in ("mean", "median"):
            self.weights_ = self._user_weights(m)
        elif method == "weighted":
            self.weights_ = _caruana(self.oof_predictions_, lambda p: np.mean((p - y) ** 2), self.n_iter)
        elif method == "bayes":
            resid = self.oof_predictions_ - y
            var = np.maximum(resid.var(axis=1) + np.mean(resid, axis=1) ** 2, _EPS)
            self.residual_std_ = np.sqrt(var)
            ll = -0.5 * (np.log(2 * np.pi * var)[:, None] + resid**2 / var[:, None])
            self.weights_, self.weights_std_ = _bma_em(ll, self.n_bootstrap, rng)
        elif method == "stacking":
            meta = clone(self.meta_learner) if self.meta_learner is not None else RidgeCV()
            feats = self._stack_features(self.oof_predictions_[..., None], X)
            self.meta_learner_ = meta.fit(feats, y)
            self.weights_ = _meta_weights(self.meta_learner_, m, 1)

    def predict(self, X):
        """The fused prediction per row."""
        self._check_fitted("predict")
        X = self._validate_x(X)
        outputs = self._member_outputs(X)
        if self.method_ == "stacking":
            return self.meta_learner_.predict(self._stack_features(outputs[..., None], X))
        if self.method_ == "median":
            return np.median(outputs, axis=0)
        return self.weights_ @ outputs

    @available_if(lambda self: (getattr(self, "method_", None) or normalize_name(str(self.method))) == "bayes")
    def predict_uncertainty(self, X) -> Uncertainty:
        """Predictive standard deviation of the Bayesian mixture (``method="bayes"``)."""
        self._check_fitted("predict_uncertainty")
        X = self._validate_x(X)
        outputs = self._member_outputs(X)
        mean = self.weights_ @ outputs
        aleatoric = np.sqrt(self.weights_ @ np.broadcast_to(self.residual_std_[:, None] ** 2, outputs.shape))
        epistemic = np.sqrt(np.clip(self.weights_ @ (outputs - mean) ** 2, 0, None))
        total = np.sqrt(aleatoric**2 + epistemic**2)
        return Uncertainty(total, np.broadcast_to(aleatoric, total.shape).copy(), epistemic)
