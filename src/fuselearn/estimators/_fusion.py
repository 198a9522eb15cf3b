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

Each method is a combiner object from :mod:`fuselearn.estimators._combiners`, resolved once in
``fit`` into ``combiner_``: a fitted estimator predicts from its fitted attributes only, whatever
``set_params`` did afterwards.

Member-fit sharing protocol (read by the experiment runner, duck-typed): ``_fuselearn_combiner_params``
names the parameters that change only how the fitted members are combined; ``refit_combiner(X, y,
**params)`` refits only the combiner; ``fitted_member(name)`` gives a member fitted on all rows and
its fit seconds.
"""

from __future__ import annotations

import functools
import numbers
import time
import warnings
from types import MethodType

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import ClassifierMixin, RegressorMixin, clone, is_classifier, is_regressor
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_classes, check_columns, check_fitted, check_int, check_y
from ..exceptions import (
    FuselearnError,
    FuselearnWarning,
    InvalidInputError,
    InvalidParameterError,
    MemberFitError,
    NotFittedError,
    TrainingError,
    UnavailableMethodError,
)
from ._combiners import (
    Combiner,
    Uncertainty,
    combiner_class,
    combiner_classes,
    combiner_names,
    get_combiner,
)

__all__ = ["FusionClassifier", "FusionRegressor", "Uncertainty"]

# Every fitted attribute a combiner may export onto the estimator (removed before a new combiner's).
_COMBINER_ATTRIBUTES = tuple(sorted({a for c in combiner_classes() for a in c.fitted_attributes}))
# Under ``time_limit``: the share of the budget kept for the combiner's fit (Caruana selection or a
# meta-learner on the out-of-fold rows took well under a second on the tables we measured), and the
# fewest rows of a member's pilot fit (see ``_BaseFusion._fit_members_on_budget``).
_BUDGET_COMBINER_SHARE = 0.05
# A member is not started (not even its pilot) with less than this share of the budget left.
_BUDGET_MIN_START_SHARE = 0.05
_PILOT_MIN_ROWS = 500


# ---------------------------------------------------------------------------------------------------
# member handling


def _fit_member(owner, mname, estimator, X, y, columns, train_idx=None, fold=None, n_folds=None):
    """A fitted clone of ``estimator`` and the seconds its ``fit`` took.

    A member that raises is named in the error, with the fold, and the original error chained.
    """
    est = clone(estimator)
    Xs = _select(X, columns)
    if train_idx is not None:
        Xs, y = _safe_indexing(Xs, train_idx), _safe_indexing(y, train_idx)
    start = time.perf_counter()
    try:
        est.fit(Xs, y)
    except Exception as exc:
        where = "all training rows" if fold is None else f"the training rows of fold {fold + 1} of {n_folds}"
        raise MemberFitError(
            f"{owner}: member {mname!r} ({type(estimator).__name__}) failed to fit on {where} "
            f"({len(y)} rows): {type(exc).__name__}: {exc}. Fit that member alone on these rows to "
            f"see why, fix its parameters or inputs, or leave it out with set_params({mname}='drop')."
        ) from exc
    return est, time.perf_counter() - start


def _select(X, columns):
    if columns is None:
        return X
    return _safe_indexing(X, columns, axis=1)


class _Bagged:
    """A member as the mean of its fold models (bagging, as AutoGluon predicts).

    ``models`` are the clones fitted on the training rows of each CV fold; ``predict_proba`` (or
    ``predict`` for regressors) averages them. Stratified folds put every class in each fold's
    training rows, so the fold models share ``classes_``.
    """

    def __init__(self, models):
        self.models = list(models)

    @property
    def classes_(self):
        return self.models[0].classes_

    def predict_proba(self, X):
        return np.mean([np.asarray(m.predict_proba(X), dtype=float) for m in self.models], axis=0)

    def predict(self, X):
        if hasattr(self.models[0], "classes_"):  # classifier: the class of the mean probabilities
            if hasattr(self.models[0], "predict_proba"):
                return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
            votes = np.stack([m.predict(X) for m in self.models])
            out = []
            for col in votes.T:
                values, counts = np.unique(col, return_counts=True)
                out.append(values[np.argmax(counts)])
            return np.asarray(out)
        return np.mean([np.asarray(m.predict(X), dtype=float) for m in self.models], axis=0)

    def __repr__(self) -> str:
        return f"_Bagged({len(self.models)} x {type(self.models[0]).__name__})"


def _is_dataframe(X):
    return hasattr(X, "iloc") and hasattr(X, "columns")


def _is_object_rows(X):
    """Rows the fusion leaves to its members to read, as it does a DataFrame: a list of non-tabular
    rows (graphs, texts...), or a 1-D object array / Series of strings (a text column, as a Pipeline takes)."""
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and not isinstance(X[0], (list, tuple, np.ndarray, numbers.Number))
    if (isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype == object) or (
            hasattr(X, "iloc") and not hasattr(X, "columns")):
        return len(X) > 0 and all(isinstance(v, str) for v in X)
    return False


def _num_samples(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _check_member_columns(owner: str, X, members) -> None:
    """Every member's columns exist in ``X``: names in a DataFrame, positions in range."""
    for mname, _, columns in members:
        check_columns(X, columns, owner, f"member {mname!r}",
                      "Fix the member's columns (the third entry of its tuple).")


class _offered_if:
    """Like scikit-learn's ``available_if``, but a refusal says why.

    ``check(obj)`` returns None when the method is offered, else the reason; the attribute access
    then raises :class:`~fuselearn.exceptions.UnavailableMethodError` (an ``AttributeError``, so
    ``hasattr`` is False). scikit-learn's ``available_if`` replaces any reason with a generic message.
    """

    def __init__(self, check):
        self.check = check

    def __call__(self, fn):
        self.fn = fn
        functools.update_wrapper(self, fn)
        return self

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.fn
        reason = self.check(obj)
        if reason is not None:
            raise UnavailableMethodError(reason)
        return MethodType(self.fn, obj)


def _uncertainty_reason(self) -> str | None:
    """None when ``predict_uncertainty`` is offered: by the fitted combiner, else by ``method``."""
    task = "classification" if is_classifier(self) else "regression"
    supporting = [n for n in combiner_names(task) if combiner_class(n, task).supports_uncertainty]
    combiner = self.__dict__.get("combiner_")
    if combiner is not None:
        if combiner.supports_uncertainty:
            return None
        method = combiner.name
    else:
        try:
            if combiner_class(self.method, task).supports_uncertainty:
                return None
        except FuselearnError:
            pass
        method = self.method
    todo = "Fit with one of them"
    if self.__dict__.get("oof_predictions_") is not None:
        todo += f", or call refit_combiner(X, y, method={supporting[-1]!r}) to reuse the fitted members"
    return (
        f"{type(self).__name__} with method={method!r} has no predict_uncertainty; the methods that "
        f"offer it are {supporting}. {todo}."
    )


class _BaseFusion(_BaseComposition):
    _task = "classification"
    # The member-fit sharing protocol: parameters that change only how fitted members are combined.
    _fuselearn_combiner_params: tuple[str, ...] = (
        "method", "weights", "meta_learner", "passthrough", "metric", "n_iter", "n_bootstrap",
    )

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
        bagging=False,
        time_limit=None,
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
        self.bagging = bagging
        self.time_limit = time_limit

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
        if deep and any(isinstance(est, type) for _, est in self._estimators):
            # A class given by mistake for an instance: list it, do not reach into it (fit says why).
            out = self._get_params("_estimators", deep=False)
            out.update(self._estimators)
            for name, est in self._estimators:
                if hasattr(est, "get_params") and not isinstance(est, type):
                    out.update({f"{name}__{k}": v for k, v in est.get_params(deep=True).items()})
            return out
        return self._get_params("_estimators", deep=deep)

    def set_params(self, **params):
        self._set_params("_estimators", **params)
        return self

    @property
    def named_estimators(self):
        from sklearn.utils import Bunch

        return Bunch(**dict(self._estimators))

    # -- validation ------------------------------------------------------------------------------
    def _make_combiner(self) -> Combiner:
        """The unfitted combiner of ``method`` with this estimator's combiner settings."""
        name = type(self).__name__
        cls = combiner_class(self.method, self._task, owner=name)
        params = {p: getattr(self, p) for p in self._fuselearn_combiner_params if p != "method"}
        try:
            return get_combiner(cls.name, self._task, **params)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{name}: {exc}") from exc

    def _check_method(self) -> str:
        return combiner_class(self.method, self._task, owner=type(self).__name__).name

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
            if isinstance(est, type):
                raise InvalidParameterError(
                    f"{name}.estimators[{i}] ({mname!r}) is the class {est.__name__}, not an estimator "
                    f"instance. Write {est.__name__}() (with its parameters) instead of {est.__name__}."
                )
            if not hasattr(est, "fit"):
                raise InvalidParameterError(
                    f"{name}.estimators[{i}] ({mname!r}) must be an estimator with fit or 'drop'; "
                    f"got {type(est).__name__}."
                )
            self._check_member_kind(i, mname, est)
            members.append((mname, est, columns))
        if not members:
            raise InvalidParameterError(f"All members of {name} are 'drop'; keep at least one.")
        return members

    def _check_member_kind(self, i, mname, est) -> None:
        name = type(self).__name__
        wrong = is_regressor(est) if is_classifier(self) else is_classifier(est)
        if wrong:
            kind, twin = ("a regressor", "FusionRegressor") if is_classifier(self) else \
                ("a classifier", "FusionClassifier")
            raise InvalidParameterError(
                f"{name}.estimators[{i}] ({mname!r}) is {kind} ({type(est).__name__}); {name} fuses "
                f"{'classifiers' if is_classifier(self) else 'regressors'}. Use {twin} for "
                f"{'regressors' if is_classifier(self) else 'classifiers'}, or replace that member."
            )

    def _check_common_params(self):
        name = type(self).__name__
        cv = self.cv
        if not hasattr(cv, "split") and not hasattr(cv, "__iter__") and (
            isinstance(cv, bool) or not isinstance(cv, numbers.Integral) or cv < 2
        ):
            raise InvalidParameterError(
                f"The 'cv' parameter of {name} must be an int >= 2 or a CV splitter. Got {cv!r} instead."
            )
        check_int(self.n_iter, "n_iter", name)
        check_int(self.n_bootstrap, "n_bootstrap", name)
        if not isinstance(self.bagging, (bool, np.bool_)):
            raise InvalidParameterError(
                f"The 'bagging' parameter of {name} must be True or False. Got {self.bagging!r} instead."
            )
        if self.bagging and self.prefit:
            raise InvalidParameterError(
                f"{name}: bagging=True predicts with the members fitted on the CV folds, but prefit=True "
                "fits no member. Use one or the other."
            )
        tl = self.time_limit
        if tl is not None and (isinstance(tl, bool) or not isinstance(tl, numbers.Real) or not tl > 0):
            raise InvalidParameterError(
                f"The 'time_limit' parameter of {name} must be None or a number of seconds > 0. "
                f"Got {tl!r} instead."
            )

    def _check_not_empty(self, X) -> None:
        if _is_dataframe(X) and (X.shape[0] == 0 or X.shape[1] == 0):
            raise InvalidInputError(
                f"{type(self).__name__}.fit: X is an empty DataFrame ({X.shape[0]} rows, {X.shape[1]} "
                "columns). Pass the training rows, at least one per fold and class."
            )

    # -- fitting ---------------------------------------------------------------------------------
    def _fit_members(self, X, y, members, splits):
        """Fit members on all rows (unless prefit) and, when ``splits`` is given, on every fold."""
        owner = type(self).__name__
        jobs = []
        if not self.prefit and not self.bagging:  # bagging predicts with the fold models only
            jobs += [(i, None, est, cols) for i, (_, est, cols) in enumerate(members)]
        if splits is not None:
            jobs += [(i, k, est, cols) for k, (tr, _) in enumerate(splits)
                     for i, (_, est, cols) in enumerate(members)]
        n_folds = None if splits is None else len(splits)
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_member)(owner, members[i][0], est, X, y, cols,
                                 None if k is None else splits[k][0], k, n_folds)
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
        return [full.get(i) for i in range(len(members))], per_fold

    def _fit_members_on_budget(self, X, y, members, splits, combiner):
        """Fit members one after another within ``time_limit`` seconds; skip or stop those that would overrun.

        The budget covers everything ``fit`` does and the first prediction after it:

        - ``_BUDGET_COMBINER_SHARE`` of it is kept for the combiner's fit, and no member is started
          with less than ``_BUDGET_MIN_START_SHARE`` of it left;
        - each member is first tried by two **pilot fits**, on a random ``1/32`` and ``1/8`` of its
          first fold's training rows (at least ``_PILOT_MIN_ROWS``; only when that fold has 4
          times as many; the second only if the first times the fits needed is still within
          what is left), the larger timed with a prediction of as many held-out rows; its fits
          (a line through the two pilots' seconds: a fixed cost plus a cost per row), its
          out-of-fold predictions and its prediction reserve (below; per row, times
          ``log n / log m``) are extrapolated from them, and a member whose estimate does not fit
          in what is left is skipped before its first real fit;
        - after each fold (its fit and the out-of-fold prediction of the fold's held-out rows, both
          counted) the estimate is redone from the measured seconds, and a member whose remaining
          folds (plus its refit on all rows without ``bagging``) would pass the budget is
          **stopped** there and left out;
        - every kept member **reserves** the time to predict one held-out fold's worth of rows
          (``ceil(n_samples / n_folds)``; with ``bagging``, by each of its fold models), measured
          per row on its out-of-fold predictions, so a later ``predict_proba`` of a batch that size
          is inside the budget too.

        Members are tried in the order given, so put the cheap, strong ones first. Returns ``(kept
        members, full fits, fold fits, out-of-fold outputs)`` re-indexed over the kept members.
        """
        owner = type(self).__name__
        budget = float(self.time_limit)
        start = time.perf_counter()
        deadline = start + budget * (1.0 - _BUDGET_COMBINER_SHARE)
        n = _num_samples(X)
        n_folds = 0 if splits is None else len(splits)
        predict_rows = int(np.ceil(n / (n_folds or 5)))  # one held-out fold (a fifth without folds)
        models_per_predict = n_folds if (self.bagging and n_folds) else 1
        rng = np.random.RandomState(0)  # the pilot rows; the fusion's own seed stays untouched
        kept, full, per_fold, oof_parts, skipped = [], [], {}, {}, {}
        reserved = 0.0  # prediction seconds reserved for the members kept so far
        self.member_fit_seconds_ = {}

        def over(extra):
            return time.perf_counter() + extra > deadline - reserved

        for mname, est, cols in members:
            left = deadline - reserved - time.perf_counter()
            if left <= _BUDGET_MIN_START_SHARE * budget:  # too little left to fit any fold and its pilots
                skipped[mname] = (f"not started: the {budget:g} s budget was spent "
                                  f"({time.perf_counter() - start:.1f} s, {reserved:.1f} s reserved to predict)")
                continue
            if splits is None:  # no folds: one fit on all rows, then its prediction timed
                t0 = time.perf_counter()
                model, seconds = _fit_member(owner, mname, est, X, y, cols)
                probe = np.arange(min(n, predict_rows))
                self._member_output(model, _safe_indexing(X, probe), cols, combiner.output)
                reserve = (time.perf_counter() - t0 - seconds) / max(len(probe), 1) * predict_rows
                if over(reserve):
                    skipped[mname] = (f"its fit on all rows took {seconds:.1f} s and, with {reserve:.1f} s "
                                      f"to predict, overran the {budget:g} s budget")
                    continue
                reserved += reserve
                kept.append((mname, est, cols))
                full.append(model)
                self.member_fit_seconds_[mname] = seconds
                continue
            n_fits = n_folds + (0 if self.bagging else 1)
            tr0, te0 = splits[0]
            if len(tr0) >= 4 * _PILOT_MIN_ROWS:
                m = max(_PILOT_MIN_ROWS, len(tr0) // 8)
                sub = rng.choice(tr0, m, replace=False)
                half = np.sort(sub[: m // 4])  # 4x apart: a slope that timing noise does not swamp
                held = te0[:m]
                growth = np.log(len(tr0)) / np.log(m)
                try:
                    t0 = time.perf_counter()
                    _, fit_half = _fit_member(owner, mname, est, X, y, cols, half, 0, n_folds)
                    if over(fit_half * n_fits):  # more rows cost at least as much: no second pilot
                        skipped[mname] = (
                            f"a pilot fit on {len(half)} rows took {fit_half:.2f} s: at least "
                            f"{fit_half * n_fits:.1f} s for {n_fits} fits, more than the "
                            f"{max(left - (time.perf_counter() - t0), 0):.1f} s left of the {budget:g} s budget")
                        continue
                    pilot, fit_s = _fit_member(owner, mname, est, X, y, cols, np.sort(sub), 0, n_folds)
                    t1 = time.perf_counter()
                    self._member_output(pilot, _safe_indexing(X, held), cols, combiner.output)
                    per_row = (time.perf_counter() - t1) / len(held) * growth
                except (FuselearnError, ValueError):  # e.g. a class missing from the pilot rows: judge by fold 1
                    pilot = None
                if pilot is not None:
                    # Fit seconds as a + b * rows through the two pilots: a learner's fixed cost
                    # (LightGBM's 100 trees whatever the rows) is not multiplied by 8. A pair
                    # showing no growth (the larger pilot as fast, as happens on a loaded machine)
                    # estimates the larger pilot's seconds; the check after each fold catches
                    # an estimate that was too low.
                    slope = max((fit_s - fit_half) / (m - len(half)), 0.0)
                    fit_est = fit_s + slope * (len(tr0) - m)
                    estimate = fit_est * n_fits + per_row * (n + predict_rows * models_per_predict)
                    if over(estimate):
                        skipped[mname] = (
                            f"pilot fits on {len(half)} and {m} rows took {fit_half:.2f} s and {fit_s:.2f} s: "
                            f"estimated {estimate:.1f} s for {n_fits} fits, out-of-fold and test predictions, "
                            f"more than the {max(left - (time.perf_counter() - t0), 0):.1f} s left of the "
                            f"{budget:g} s budget")
                        continue
            fold_models, fold_outputs, fit_seconds, row_seconds = {}, {}, [], []
            stopped = None
            for k, (tr, te) in enumerate(splits):
                model, seconds = _fit_member(owner, mname, est, X, y, cols, tr, k, n_folds)
                t1 = time.perf_counter()
                fold_outputs[k] = self._member_output(model, _safe_indexing(X, te), cols, combiner.output)
                row_seconds.append((time.perf_counter() - t1) / max(len(te), 1))
                fit_seconds.append(seconds)
                fold_models[k] = model
                rest_rows = sum(len(t) for _, t in splits[k + 1:])
                per_row = float(np.mean(row_seconds))
                rest = (float(np.mean(fit_seconds)) * (n_folds - 1 - k + (0 if self.bagging else n / len(tr)))
                        + per_row * (rest_rows + predict_rows * models_per_predict))
                if over(rest):
                    stopped = (f"stopped after fold {k + 1} of {n_folds} ({sum(fit_seconds):.1f} s of fits): "
                               f"{rest:.1f} s more would pass the {budget:g} s budget")
                    break
            if stopped is not None:
                skipped[mname] = stopped
                continue
            if not self.bagging:
                model, seconds = _fit_member(owner, mname, est, X, y, cols)
                full.append(model)
                self.member_fit_seconds_[mname] = seconds
            reserved += float(np.mean(row_seconds)) * predict_rows * models_per_predict
            i = len(kept)
            kept.append((mname, est, cols))
            for k in range(n_folds):
                per_fold[(i, k)] = fold_models[k]
                oof_parts[(i, k)] = fold_outputs[k]
        self.skipped_members_ = skipped
        self.budget_ = {"time_limit": budget, "members_s": time.perf_counter() - start,
                        "predict_reserve_s": reserved, "predict_rows": predict_rows}
        if not kept:
            reasons = "; ".join(f"{n!r}: {r}" for n, r in skipped.items())
            raise TrainingError(
                f"{owner}(time_limit={self.time_limit!r}): no member fits in the time budget, so there is "
                f"nothing to fuse ({reasons}). Raise time_limit, use fewer folds (cv), or give cheaper "
                "members first."
            )
        if skipped:
            warnings.warn(
                f"{owner}(time_limit={self.time_limit!r}) skipped {len(skipped)} member(s) to stay in "
                f"budget: " + "; ".join(f"{n!r} ({r})" for n, r in skipped.items())
                + f". Fused: {[m[0] for m in kept]}.",
                FuselearnWarning, stacklevel=4,
            )
        return kept, full, per_fold, oof_parts

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
            splits = list(cv.split(X, y))
        except ValueError as exc:
            raise InvalidInputError(f"{type(self).__name__}: the CV splitter failed on y: {exc}") from exc
        self._check_splits(y, splits)
        return splits

    def _check_splits(self, y, splits) -> None:
        """Hook: classifiers refuse folds whose training rows hold a single class."""

    def _fit(self, X, y, y_combiner):
        """Fit members and combiner; ``y_combiner`` is ``y`` as the combiner takes it."""
        combiner = self._make_combiner()
        self._check_common_params()
        members = self._members()
        _check_member_columns(type(self).__name__, X, members)
        rng = check_random_state(self.random_state)
        splits = None
        if (combiner.needs_oof or self.bagging) and not self.prefit:
            splits = self._make_splits(X, y, rng)
        self.skipped_members_ = {}
        oof_parts = {}
        fit_start = time.perf_counter()
        if self.time_limit is not None and not self.prefit:
            members, fitted, per_fold, oof_parts = self._fit_members_on_budget(X, y, members, splits, combiner)
        else:
            self.__dict__.pop("budget_", None)
            fitted, per_fold = self._fit_members(X, y, members, splits)
        if self.bagging:
            fitted = [_Bagged([per_fold[(i, k)] for k in range(len(splits))]) for i in range(len(members))]
        self.estimators_ = fitted
        self.named_estimators_ = dict(zip([m[0] for m in members], fitted))
        self._member_columns = [m[2] for m in members]
        self.member_names_ = [m[0] for m in members]
        self.oof_predictions_ = None
        if combiner.needs_oof:
            if self.prefit:  # the rows given to fit are a hold-out set the members never saw
                oof = np.stack([self._member_output(est, X, cols, combiner.output)
                                for est, cols in zip(fitted, self._member_columns)])
            else:
                oof = None
                for k, (_, test) in enumerate(splits):
                    for i, cols in enumerate(self._member_columns):
                        out = oof_parts.get((i, k))  # already predicted under the time budget
                        if out is None:
                            out = self._member_output(per_fold[(i, k)], _safe_indexing(X, test), cols,
                                                      combiner.output)
                        if oof is None:
                            oof = np.zeros((len(members), _num_samples(X)) + out.shape[1:])
                        oof[i, test] = out
            self.oof_predictions_ = oof
        # A fresh generator from the same seed, so refit_combiner reproduces fit exactly.
        t0 = time.perf_counter()
        self._fit_combiner(combiner, X, y_combiner)
        if "budget_" in self.__dict__:
            self.budget_["combiner_s"] = time.perf_counter() - t0
            self.budget_["fit_s"] = time.perf_counter() - fit_start
        return self

    def _fit_combiner(self, combiner: Combiner, X, y_combiner) -> None:
        combiner.fit(self.oof_predictions_, y_combiner if combiner.needs_oof else None, X=X,
                     random_state=self.random_state, n_members=len(self.estimators_))
        for attr in _COMBINER_ATTRIBUTES:
            self.__dict__.pop(attr, None)
        self.combiner_ = combiner
        self.method_ = combiner.name
        self.weights_ = combiner.weights_
        for attr in combiner.fitted_attributes:
            setattr(self, attr, getattr(combiner, attr))

    def refit_combiner(self, X, y, method=None, **params):
        """Refit only the combiner, reusing the fitted members and their out-of-fold predictions.

        Compares fusion methods without refitting any member: ``fusion.refit_combiner(X, y,
        method="bayes")`` gives what ``fit`` with that method and the same ``random_state`` would, as
        long as the first fit computed out-of-fold predictions (methods ``"weighted"``,
        ``"stacking"`` or ``"bayes"``) when the new method needs them. This is the member-fit sharing
        protocol: any parameter in ``_fuselearn_combiner_params`` may be given.

        Parameters
        ----------
        X, y : the rows given to :meth:`fit`
        method : str, default=None
            The new method (sets the ``method`` parameter); None keeps the current one.
        **params
            Other combiner parameters (``weights``, ``meta_learner``, ``passthrough``, ``metric``,
            ``n_iter``, ``n_bootstrap``) to set before refitting.

        Returns
        -------
        self

        Raises
        ------
        InvalidParameterError
            A parameter that is not a combiner parameter (members, ``cv``, ``random_state``... need a
            full fit), or a new method that needs out-of-fold predictions the first fit did not
            compute. The estimator's parameters are then left as they were.
        """
        self._check_fitted("refit_combiner")
        name = type(self).__name__
        if method is not None:
            params = {"method": method, **params}
        wrong = sorted(set(params) - set(self._fuselearn_combiner_params))
        if wrong:
            raise InvalidParameterError(
                f"{name}.refit_combiner: {wrong} {'is not a combiner parameter' if len(wrong) == 1 else 'are not combiner parameters'}"
                f"; only {list(self._fuselearn_combiner_params)} can change without refitting the members. "
                "Call fit for the others."
            )
        old = {k: getattr(self, k) for k in params}
        self.set_params(**params)
        try:
            combiner = self._make_combiner()
            if combiner.needs_oof and self.oof_predictions_ is None:
                raise InvalidParameterError(
                    f"refit_combiner(method={combiner.name!r}) needs out-of-fold predictions, but the first "
                    f"fit used method={self.method_!r}. Fit once with "
                    f"{[n for n in combiner_names(self._task) if combiner_class(n, self._task).needs_oof]}."
                )
            X = self._validate_x(X)
            y_combiner = self._combiner_target(y)
            if combiner.needs_oof and len(y_combiner) != self.oof_predictions_.shape[1]:
                raise InvalidInputError(
                    f"{name}.refit_combiner: y has {len(y_combiner)} rows but the fit had "
                    f"{self.oof_predictions_.shape[1]}; pass the rows given to fit."
                )
            self._fit_combiner(combiner, X, y_combiner)
        except Exception:
            self.set_params(**old)
            raise
        return self

    def fitted_member(self, name: str):
        """The member ``name`` fitted on all training rows and the seconds its fit took, or None.

        None when the estimator is not fitted, has no such member, or its members were prefit (no
        fit time of ours). Part of the member-fit sharing protocol: the experiment runner gives a
        member's own cell this fit instead of fitting it again.
        """
        if "estimators_" not in self.__dict__:
            return None
        fitted = self.named_estimators_.get(name)
        seconds = self.member_fit_seconds_.get(name)
        if fitted is None or seconds is None:
            return None
        return fitted, seconds

    def _check_fitted(self, what):
        check_fitted(self, "estimators_", what)

    def member_outputs(self, X) -> np.ndarray:
        """The members' outputs on ``X``, shape ``(n_members, n_rows, n_outputs)``.

        What the fitted combiner reads: probabilities in ``classes_`` order (one-hot votes for
        ``"vote"``) for classifiers, predictions (``n_outputs == 1``) for regressors.
        """
        self._check_fitted("member_outputs")
        return self._member_outputs(self._validate_x(X))

    def _member_outputs(self, X):
        kind = self.combiner_.output
        return np.stack([self._member_output(est, X, cols, kind)
                         for est, cols in zip(self.estimators_, self._member_columns)])

    def _validate_x(self, X):
        try:
            X = validate_data(self, X, reset=False, dtype=None, ensure_all_finite=False,
                              skip_check_array=_is_dataframe(X) or _is_object_rows(X) or self._has_columns())
        except ValueError as exc:
            raise InvalidInputError(f"{type(self).__name__}: {exc}") from exc
        if "estimators_" in self.__dict__ and self._member_columns and any(
                c is not None for c in self._member_columns):
            _check_member_columns(type(self).__name__, X, list(zip(self.member_names_, self.estimators_,
                                                                   self._member_columns)))
        return X

    def _has_columns(self):
        if "_member_columns" in self.__dict__:
            return any(c is not None for c in self._member_columns)
        return any(len(e) == 3 and e[2] is not None for e in self.estimators if isinstance(e, (tuple, list)))


    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        members = [e[1] for e in self.estimators
                   if isinstance(e, (tuple, list)) and len(e) >= 2
                   and not (isinstance(e[1], str) and e[1] == "drop") and not isinstance(e[1], type)]
        if members:
            tags.input_tags.allow_nan = all(
                getattr(m.__sklearn_tags__().input_tags, "allow_nan", False) for m in members
                if hasattr(m, "__sklearn_tags__")
            )
        tags.non_deterministic = self.random_state is None
        return tags


# ---------------------------------------------------------------------------------------------------


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
        The splits are drawn once and shared by every member. When the training rows of a fold
        would hold a single class (extreme imbalance), ``fit`` stops before fitting any member, with
        the class counts and what to do; it does not silently change the folds.
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
    bagging : bool, default=False
        Predict with each member's ``cv`` fold models (the mean of their probabilities, as AutoGluon
        bags) instead of refitting every member on all rows: one fit per fold and member, none
        more. ``estimators_`` then holds the bagged members; ``fitted_member`` gives None (no
        all-rows fit to share). Not with ``prefit``.
    time_limit : float, default=None
        Seconds for the whole ``fit`` (member fits on every fold, their out-of-fold predictions,
        the refit on all rows without ``bagging``, the combiner) **and** a reserve for predicting
        one held-out fold's worth of rows afterwards (``ceil(n_samples / cv)`` rows). Members are
        fitted one after another in the order given (``n_jobs`` is then not used). A member is
        first timed by pilot fits on 1/32 and 1/8 of its first fold's rows (tables of 2,000 rows
        and more) and skipped if the extrapolated cost does not fit; after each fold its cost is
        re-estimated from the measured seconds and it is stopped there if the rest would overrun.
        5 % of the budget is kept for the combiner, and no member is started with less than 5 %
        left. Skipped and stopped members are named in a
        warning and in ``skipped_members_``; ``budget_`` records the seconds spent. A budget in
        which no member fits raises :class:`~fuselearn.exceptions.TrainingError` (a
        ``FuselearnError``), never an empty fusion. Estimates, not guarantees: a member whose
        single fold runs far longer than its pilot said still finishes that fold.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members (dropped and skipped ones excluded), in order; with ``bagging``, each is
        the mean of its fold models.
    skipped_members_ : dict
        Members left out to keep within ``time_limit``, with the reason (empty without one).
    budget_ : dict
        With ``time_limit`` only: ``time_limit``, ``members_s`` (seconds spent on members),
        ``predict_reserve_s`` and ``predict_rows`` (the reserved prediction), ``combiner_s`` and
        ``fit_s`` (the whole fit).
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
    combiner_ : Combiner
        The fitted combiner of ``method`` (see :mod:`fuselearn.estimators._combiners`); predictions
        read it, never the ``method`` parameter, so ``set_params`` after ``fit`` changes nothing
        until the next ``fit`` or :meth:`refit_combiner`.
    method_ : str
        The canonical name of the fitted method.
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

    _task = "classification"
    _methods = combiner_names("classification")

    @classmethod
    def auto(cls, time_limit: float | None = 60.0, *, cv=5, random_state=None) -> FusionClassifier:
        """The tabular preset: diverse members, bagged, Caruana-weighted, within ``time_limit`` seconds.

        Returns an unfitted ``FusionClassifier`` (its parameters can be read and changed like any
        other's) with the members, in the order they are tried under the budget: LightGBM,
        logistic regression, extra trees, random forest, k-nearest neighbours and a small
        :class:`~fuselearn.NeuralClassifier`. Each member preprocesses the table with
        :func:`fuselearn.data.default_preprocessor`, built at fit from the columns it is given
        (numeric: median-imputed and scaled; others: one-hot), so a pandas DataFrame with mixed
        columns or a numeric array both work.

        The fusion uses ``bagging=True`` (predict with the ``cv`` fold models, no refit on all rows)
        and ``method="weighted"``: Caruana's greedy selection on out-of-fold log-loss, whose first
        pick is the best single member, so on the out-of-fold rows the fusion starts from that
        member and only adds others that improve it. Stacking was not chosen because on adult it
        fell below its own best member (issue 11).

        Parameters
        ----------
        time_limit : float or None, default=60.0
            Seconds for the whole fit and a reserve for predicting one held-out fold's worth of
            rows (see the ``time_limit`` parameter); None for no limit.
        cv : int or CV splitter, default=5
            Folds for the out-of-fold predictions and the bagged models.
        random_state : int, RandomState or None, default=None
            Seeds the folds and every member that takes a seed.

        Returns
        -------
        FusionClassifier

        Examples
        --------
        >>> from sklearn.datasets import load_breast_cancer
        >>> from fuselearn import FusionClassifier
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> fusion = FusionClassifier.auto(time_limit=60, random_state=0)
        >>> fusion.method, fusion.bagging
        ('weighted', True)
        """
        from ._preset import tabular_members

        seed = random_state if isinstance(random_state, numbers.Integral) else None
        return cls(tabular_members(random_state=seed), method="weighted", cv=cv, bagging=True,
                   time_limit=time_limit, random_state=random_state)

    def fit(self, X, y):
        """Fit the members (unless prefit) and the combiner."""
        X, y = self._validate_xy(X, y)
        check_classification_targets(y)
        self._le = LabelEncoder().fit(y)
        self.classes_ = check_classes(self._le.classes_, "FusionClassifier")
        combiner = self._make_combiner()
        if combiner.output == "proba":
            for mname, est, _ in self._members():
                if not hasattr(est, "predict_proba"):
                    raise InvalidParameterError(
                        f"FusionClassifier(method={combiner.name!r}) needs predict_proba, but member "
                        f"{mname!r} ({type(est).__name__}) has none. Use method='vote', or give it "
                        "probabilities (e.g. SVC(probability=True) or CalibratedClassifierCV)."
                    )
        return self._fit(X, y, self._le.transform(y))

    def _combiner_target(self, y):
        return self._le.transform(np.asarray(y))

    def _validate_xy(self, X, y):
        y = check_y(y, type(self).__name__, stacklevel=4)
        self._check_not_empty(X)
        # Members validate their own features; here we only check what every member needs.
        try:
            X, y = validate_data(self, X, y, dtype=None, ensure_all_finite=False,
                                 skip_check_array=_is_dataframe(X) or _is_object_rows(X) or self._has_columns())
        except ValueError as exc:
            raise InvalidInputError(f"{type(self).__name__}.fit: {exc}") from exc
        return X, y

    def _check_splits(self, y, splits) -> None:
        # Fail before any member is fitted: a member cannot learn from a single class.
        for k, (train, _) in enumerate(splits):
            present = np.unique(np.asarray(y)[train])
            if len(present) < 2:
                labels, counts = np.unique(y, return_counts=True)
                rarest = int(counts.min())
                todo = (f"Use fewer folds (cv <= {rarest}, the rarest class's count)" if rarest >= 2 else
                        f"Every class needs at least 2 rows for out-of-fold predictions: collect more rows "
                        f"of class {labels[counts.argmin()].tolist()!r}")
                raise InvalidInputError(
                    f"FusionClassifier: the training rows of fold {k + 1} of {len(splits)} hold a single "
                    f"class ({present.tolist()[0]!r}); the class counts in y are "
                    f"{dict(zip(labels.tolist(), counts.tolist()))}. {todo}, or use method='mean' or "
                    "'vote', which fit no folds."
                )

    def _member_output(self, est, X, columns, kind):
        """A member's probabilities aligned to ``classes_`` (one-hot votes when ``kind == "vote"``)."""
        Xs = _select(X, columns)
        n_classes = len(self.classes_)
        if kind == "vote":
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

    def predict_proba(self, X):
        """Fused class probabilities, columns in ``classes_`` order."""
        self._check_fitted("predict_proba")
        X = self._validate_x(X)
        proba = self.combiner_.combine(self._member_outputs(X), X)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The fused class decision per row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    @_offered_if(_uncertainty_reason)
    def predict_uncertainty(self, X) -> Uncertainty:
        """Per-row predictive uncertainty (entropies in nats) of the mixture methods.

        Offered by ``"mean"``, ``"weighted"`` and ``"bayes"``; with another method, the attribute
        access raises :class:`~fuselearn.exceptions.UnavailableMethodError` naming them.

        Returns
        -------
        Uncertainty
            ``total``, ``aleatoric`` and ``epistemic`` arrays of shape ``(n_samples,)``.
        """
        self._check_fitted("predict_uncertainty")
        X = self._validate_x(X)
        return self.combiner_.uncertainty(self._member_outputs(X))


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
    weights, meta_learner, passthrough, cv, prefit, n_iter, n_bootstrap, n_jobs, random_state, bagging, time_limit
        As in :class:`FusionClassifier` (``KFold`` instead of ``StratifiedKFold``).
    metric : None
        Not used yet: ``"weighted"`` minimises squared error.

    Attributes
    ----------
    estimators_, named_estimators_, member_names_, member_fit_seconds_, weights_, oof_predictions_, meta_learner_
    combiner_, method_
        As in :class:`FusionClassifier`; ``oof_predictions_`` has shape ``(n_members, n_samples, 1)``
        (the combiners' common layout: one output per member and row).
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

    _task = "regression"
    _methods = combiner_names("regression")

    def fit(self, X, y):
        """Fit the members (unless prefit) and the combiner."""
        y = check_y(y, "FusionRegressor")
        self._check_not_empty(X)
        try:
            X, y = validate_data(self, X, y, dtype=None, ensure_all_finite=False, y_numeric=True,
                                 skip_check_array=_is_dataframe(X) or _is_object_rows(X) or self._has_columns())
        except ValueError as exc:
            raise InvalidInputError(f"FusionRegressor.fit: {exc}") from exc
        y = np.asarray(y, dtype=float)
        if y.ndim != 1:
            raise InvalidInputError("FusionRegressor supports a single target; y must be 1-D.")
        return self._fit(X, y, y)

    def _combiner_target(self, y):
        return np.asarray(y, dtype=float).reshape(-1)

    def _member_output(self, est, X, columns, kind="value"):
        return np.asarray(est.predict(_select(X, columns)), dtype=float).reshape(-1, 1)

    def predict(self, X):
        """The fused prediction per row."""
        self._check_fitted("predict")
        X = self._validate_x(X)
        return self.combiner_.combine(self._member_outputs(X), X)[:, 0]

    @_offered_if(_uncertainty_reason)
    def predict_uncertainty(self, X) -> Uncertainty:
        """Predictive standard deviation of the Bayesian mixture (``method="bayes"``).

        With another method, the attribute access raises
        :class:`~fuselearn.exceptions.UnavailableMethodError`.
        """
        self._check_fitted("predict_uncertainty")
        X = self._validate_x(X)
        return self.combiner_.uncertainty(self._member_outputs(X))
