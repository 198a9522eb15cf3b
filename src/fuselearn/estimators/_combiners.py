"""Combiners: how :class:`~fuselearn.FusionClassifier` and :class:`~fuselearn.FusionRegressor` turn
their members' outputs into one decision.

A combiner is a small object with ``fit(oof, y)`` and ``combine(outputs)``. ``outputs`` (and the
out-of-fold ``oof`` a combiner is fitted on) have shape ``(n_members, n_rows, n_outputs)``: for
classifiers, each member's probabilities in ``classes_`` order (one-hot votes for ``"vote"``, see
:attr:`Combiner.output`); for regressors, ``n_outputs == 1``. ``combine`` returns
``(n_rows, n_outputs)``. Classification combiners take ``y`` as class indices into the output
columns (``np.searchsorted(classes_, labels)``).

Every combiner is registered under its name (and aliases) for its task; :func:`get_combiner`
resolves a name, and a fusion estimator resolves its ``method`` once in ``fit`` into ``combiner_``.
Adding a method means adding one class here, decorated with :func:`register`.

The numeric helpers live here too: Caruana et al. (2004) greedy ensemble selection
(:func:`_caruana`), temperature scaling (:func:`_temper`, :func:`_fit_temperature`) and the EM for
Bayesian model averaging weights with Bayesian-bootstrap spreads (:func:`_bma_em`).
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar, NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.utils import check_random_state

from .._registry import Registry, normalize_name, unknown_name_error
from .._validation import check_int
from ..exceptions import InvalidInputError, InvalidParameterError

__all__ = [
    "Combiner",
    "Uncertainty",
    "combiner_classes",
    "combiner_names",
    "get_combiner",
    "register",
]

_EPS = 1e-12
TASKS = ("classification", "regression")


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
# numeric helpers


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


def _stack_features(outputs: np.ndarray, X, passthrough: bool) -> np.ndarray:
    """``(n_rows, n_members * n_outputs)`` meta-features, plus the columns of ``X`` with passthrough."""
    feats = outputs.transpose(1, 0, *range(2, outputs.ndim)).reshape(outputs.shape[1], -1)
    if passthrough:
        if X is None:
            raise InvalidInputError(
                "The stacking combiner was built with passthrough=True, so combine/fit need X (the "
                "rows the member outputs came from); got X=None."
            )
        Xp = np.asarray(X, dtype=float)
        feats = np.hstack([feats, Xp.reshape(len(Xp), -1)])
    return feats


def _meta_weights(meta, n_members: int, width: int):
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


def _entropy(p: np.ndarray, axis: int) -> np.ndarray:
    return -(p * np.log(np.clip(p, _EPS, 1))).sum(axis=axis)


# ---------------------------------------------------------------------------------------------------
# the registry


# One fuselearn Registry per task (duplicates raise: two combiners under one name is a bug).
_REGISTRY: dict[str, Registry[type[Combiner]]] = {
    task: Registry(f"{task} fusion method", on_duplicate="raise") for task in TASKS
}


def register(cls: type[Combiner]) -> type[Combiner]:
    """Class decorator: register a combiner under its ``name`` and ``aliases`` for its ``task``."""
    if cls.task not in TASKS:
        raise InvalidParameterError(f"{cls.__name__}.task must be one of {list(TASKS)}; got {cls.task!r}.")
    registry = _REGISTRY[cls.task]
    for key in (cls.name, *cls.aliases):
        if key in registry:
            raise InvalidParameterError(
                f"The {cls.task} combiner name {normalize_name(key)!r} is registered twice ({cls.__name__})."
            )
    return registry.register(cls.name, cls, aliases=cls.aliases)


def _check_task(task: str) -> str:
    if task not in TASKS:
        raise InvalidParameterError(f"The 'task' of a combiner must be one of {list(TASKS)}; got {task!r}.")
    return task


def combiner_names(task: str) -> tuple[str, ...]:
    """The registered method names of ``task`` (``"classification"`` or ``"regression"``), in order."""
    return tuple(_REGISTRY[_check_task(task)].mapping())


def combiner_classes() -> tuple[type[Combiner], ...]:
    """Every registered combiner class (for the persistence trust list)."""
    return tuple(cls for task in TASKS for cls in _REGISTRY[task].mapping().values())


def combiner_class(name: object, task: str, owner: str = "") -> type[Combiner]:
    """The combiner class registered as ``name`` (or an alias of it) for ``task``.

    ``owner`` (an estimator's class name) is named in the error for an unknown or non-string name.
    """
    registry = _REGISTRY[_check_task(task)]
    names = list(registry.mapping())
    where = f"the 'method' parameter of {owner}" if owner else ""
    if not isinstance(name, str):
        raise InvalidParameterError(
            f"The 'method' parameter{' of ' + owner if owner else ''} must be a string among "
            f"{names}. Got {name!r} instead."
        )
    key = normalize_name(name)
    if key not in registry:
        raise unknown_name_error("fusion method", name, names, where)
    return registry.get(key)


def combiner_param_names() -> tuple[str, ...]:
    """Every parameter some combiner takes (the union over the registry)."""
    out: list[str] = []
    for cls in combiner_classes():
        out += [p for p in cls.params if p not in out]
    return tuple(out)


def get_combiner(name: str, task: str, **params: Any) -> Combiner:
    """A new, unfitted combiner for method ``name`` of ``task``.

    ``params`` may hold any combiner parameter (``weights``, ``meta_learner``, ``passthrough``,
    ``metric``, ``n_iter``, ``n_bootstrap``); those the chosen combiner does not use are ignored, so
    a fusion estimator can pass all of its settings. An unknown parameter name or method raises.

    Examples
    --------
    >>> import numpy as np
    >>> comb = get_combiner("mean", "classification", weights=[3, 1])
    >>> comb.fit(None, None, n_members=2).weights_.tolist()
    [0.75, 0.25]
    """
    cls = combiner_class(name, task)
    known = combiner_param_names()
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise InvalidParameterError(
            f"Unknown combiner parameter(s) {unknown}; combiners take {sorted(known)}."
        )
    return cls(**{k: v for k, v in params.items() if k in cls.params})


# ---------------------------------------------------------------------------------------------------
# the base class


class Combiner:
    """Base class of the combiners: fitted on out-of-fold member outputs, combines member outputs.

    Class attributes
    ----------------
    name : str
        The method name (``FusionClassifier(method=name)``).
    aliases : tuple of str
        Other names that resolve to this combiner.
    task : {"classification", "regression"}
    needs_oof : bool
        ``fit`` needs out-of-fold member outputs (else ``oof`` may be None, given ``n_members``).
    output : {"proba", "vote", "value"}
        What the members give: probabilities, one-hot hard votes, or regression values.
    supports_uncertainty : bool
        The combiner defines ``uncertainty(outputs) -> Uncertainty``.
    params : tuple of str
        The constructor parameters (a subset of the fusion estimator's parameters).
    fitted_attributes : tuple of str
        Fitted attributes beyond ``weights_`` that the fusion estimator exposes as its own.

    Attributes
    ----------
    weights_ : ndarray of shape (n_members,) or None
        Each member's weight in the fused decision.
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    task: ClassVar[str] = "classification"
    needs_oof: ClassVar[bool] = False
    output: ClassVar[str] = "proba"
    supports_uncertainty: ClassVar[bool] = False
    params: ClassVar[tuple[str, ...]] = ()
    fitted_attributes: ClassVar[tuple[str, ...]] = ()

    def fit(self, oof, y, *, X=None, random_state=None, n_members: int | None = None) -> Combiner:
        """Fit on out-of-fold outputs ``oof`` of shape ``(n_members, n_rows, n_outputs)`` and ``y``.

        ``oof`` may be None for a combiner that does not need it; ``n_members`` then gives the
        number of members. ``X`` is only read with stacking's passthrough; ``random_state`` seeds
        what is random (the Bayesian bootstrap).
        """
        if oof is None:
            if self.needs_oof:
                raise InvalidInputError(
                    f"The {self.name!r} combiner is fitted on out-of-fold member outputs; got oof=None."
                )
            if n_members is None or isinstance(n_members, bool) or not isinstance(n_members, numbers.Integral) \
                    or n_members < 1:
                raise InvalidInputError(
                    f"The {self.name!r} combiner was given oof=None: pass n_members (an int >= 1). "
                    f"Got {n_members!r}."
                )
            self._fit(None, None, None, X, check_random_state(random_state), int(n_members))
            return self
        oof = np.asarray(oof, dtype=float)
        if oof.ndim != 3:
            raise InvalidInputError(
                f"The {self.name!r} combiner needs oof of shape (n_members, n_rows, n_outputs); got "
                f"shape {oof.shape}."
            )
        if y is not None:
            y = self._check_y(np.asarray(y), oof)
        elif self.needs_oof:
            raise InvalidInputError(f"The {self.name!r} combiner needs y to fit; got y=None.")
        self._fit(oof, y, oof.shape[2], X, check_random_state(random_state), oof.shape[0])
        return self

    def _check_y(self, y: np.ndarray, oof: np.ndarray) -> np.ndarray:
        if y.ndim != 1 or len(y) != oof.shape[1]:
            raise InvalidInputError(
                f"The {self.name!r} combiner needs y of shape ({oof.shape[1]},) (one per oof row); got "
                f"shape {y.shape}."
            )
        return y

    def _fit(self, oof, y, n_outputs, X, rng, n_members) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def combine(self, outputs: np.ndarray, X=None) -> np.ndarray:  # pragma: no cover - abstract
        """The fused ``(n_rows, n_outputs)`` decision from member ``outputs`` ``(n_members, n_rows, n_outputs)``."""
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            from ..exceptions import NotFittedError

            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit first.")

    def __repr__(self) -> str:
        args = ", ".join(f"{p}={getattr(self, p)!r}" for p in self.params)
        return f"{type(self).__name__}({args})"


class _UserWeights:
    """``weights_`` from the user's fixed ``weights`` (uniform when None)."""

    params: ClassVar[tuple[str, ...]] = ("weights",)

    def __init__(self, *, weights=None) -> None:
        self.weights = weights

    def _fit(self, oof, y, n_outputs, X, rng, n_members) -> None:
        if self.weights is None:
            self.weights_ = np.full(n_members, 1.0 / n_members)
            return
        w = np.asarray(self.weights, dtype=float)
        if w.shape != (n_members,) or np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
            raise InvalidParameterError(
                f"The 'weights' parameter (method {self.name!r}) must be {n_members} non-negative "
                f"numbers (one per non-dropped member) with a positive sum. Got {self.weights!r} instead."
            )
        self.weights_ = w / w.sum()


# ---------------------------------------------------------------------------------------------------
# classification


class _ClassificationCombiner(Combiner):
    task: ClassVar[str] = "classification"

    def _check_y(self, y: np.ndarray, oof: np.ndarray) -> np.ndarray:
        y = super()._check_y(y, oof)
        k = oof.shape[2]
        if not np.issubdtype(y.dtype, np.integer) or (len(y) and (y.min() < 0 or y.max() >= k)):
            raise InvalidInputError(
                f"The {self.name!r} combiner takes y as class indices in [0, {k}) (the columns of the "
                "member outputs), e.g. np.searchsorted(classes_, labels); got "
                f"{y.dtype} values{'' if not len(y) else f' in [{y.min()}, {y.max()}]'}."
            )
        return y


class _Mixture(_ClassificationCombiner):
    """A weighted mixture of the members' (possibly transformed) distributions."""

    supports_uncertainty: ClassVar[bool] = True

    def _distributions(self, outputs: np.ndarray) -> np.ndarray:
        return outputs

    def combine(self, outputs: np.ndarray, X=None) -> np.ndarray:
        self._check_fitted()
        return np.tensordot(self.weights_, self._distributions(outputs), axes=1)

    def uncertainty(self, outputs: np.ndarray) -> Uncertainty:
        """Entropies in nats per row: total, aleatoric (mean member entropy), epistemic (the rest)."""
        self._check_fitted()
        dists = self._distributions(outputs)
        proba = np.tensordot(self.weights_, dists, axes=1)
        total = _entropy(proba, axis=1)
        aleatoric = self.weights_ @ _entropy(dists, axis=2)
        return Uncertainty(total, aleatoric, np.clip(total - aleatoric, 0, None))


@register
class MeanCombiner(_UserWeights, _Mixture):
    """Soft voting: the (weighted) mean of the members' probabilities."""

    name = "mean"
    aliases = ("average", "soft_vote", "soft")


@register
class VoteCombiner(_UserWeights, _ClassificationCombiner):
    """Hard voting: the (weighted) share of the members' one-hot votes per class."""

    name = "vote"
    aliases = ("hard_vote", "hard", "majority")
    output = "vote"

    def combine(self, outputs: np.ndarray, X=None) -> np.ndarray:
        self._check_fitted()
        return np.tensordot(self.weights_, outputs, axes=1)


@register
class WeightedCombiner(_Mixture):
    """Caruana et al. (2004) greedy ensemble selection with replacement on out-of-fold log-loss
    (or on ``metric``, with log-loss breaking its ties)."""

    name = "weighted"
    aliases = ("caruana", "ensemble_selection", "greedy")
    needs_oof = True
    params = ("metric", "n_iter")

    def __init__(self, *, metric=None, n_iter: int = 50) -> None:
        self.metric = metric
        self.n_iter = n_iter

    def _fit(self, oof, y, n_outputs, X, rng, n_members) -> None:
        n_iter = check_int(self.n_iter, "n_iter", type(self).__name__)
        onehot = np.eye(n_outputs)[y]

        def logloss(p):
            return -np.mean(np.log(np.clip((p * onehot).sum(axis=1), _EPS, 1)))

        objective = logloss
        if self.metric is not None and normalize_name(self.metric) != "log_loss":
            from ..metrics import get_metric

            metric = get_metric(self.metric)
            sign = -1.0 if metric.greater_is_better else 1.0

            def objective(p):  # the metric, with log-loss breaking its ties
                return sign * metric.from_predictions(y, y_pred=p.argmax(axis=1), y_proba=p,
                                                      classes=np.arange(p.shape[1])) + 1e-4 * logloss(p)

        self.weights_ = _caruana(oof, objective, n_iter)


class _Stacking:
    """A meta-learner on the members' out-of-fold outputs (plus ``X`` with passthrough)."""

    needs_oof: ClassVar[bool] = True
    params: ClassVar[tuple[str, ...]] = ("meta_learner", "passthrough")
    fitted_attributes: ClassVar[tuple[str, ...]] = ("meta_learner_",)

    def __init__(self, *, meta_learner=None, passthrough: bool = False) -> None:
        self.meta_learner = meta_learner
        self.passthrough = passthrough

    def _default_meta(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit(self, oof, y, n_outputs, X, rng, n_members) -> None:
        meta = clone(self.meta_learner) if self.meta_learner is not None else self._default_meta()
        self.meta_learner_ = meta.fit(_stack_features(oof, X, self.passthrough), y)
        self.weights_ = _meta_weights(self.meta_learner_, n_members, n_outputs)

    def _check_fitted(self) -> None:
        if not hasattr(self, "meta_learner_"):
            from ..exceptions import NotFittedError

            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit first.")


@register
class StackingCombiner(_Stacking, _ClassificationCombiner):
    """Stacking: a classifier (``LogisticRegression(max_iter=1000)`` by default) on out-of-fold probabilities."""

    name = "stacking"
    aliases = ("stack", "stacked")

    def _default_meta(self):
        return LogisticRegression(max_iter=1000)

    def combine(self, outputs: np.ndarray, X=None) -> np.ndarray:
        self._check_fitted()
        feats = _stack_features(outputs, X, self.passthrough)
        proba = np.zeros((len(feats), outputs.shape[2]))
        proba[:, self.meta_learner_.classes_] = self.meta_learner_.predict_proba(feats)
        return proba


@register
class BayesCombiner(_Mixture):
    """Bayesian model averaging (Raftery et al. 2005) of the members' tempered probabilities.

    Each member's distribution is first tempered to its maximum-likelihood temperature on the
    out-of-fold rows (``temperatures_``), so that BMA weighs what a member knows, not how sharp its
    probabilities happen to be (a random forest's or a calibrated SVM's are far too soft on digits);
    the mixture weights are then fitted by EM, with Bayesian-bootstrap spreads in ``weights_std_``.
    """

    name = "bayes"
    aliases = ("bma", "bayesian_model_averaging")
    needs_oof = True
    params = ("n_bootstrap",)
    fitted_attributes = ("temperatures_", "weights_std_")

    def __init__(self, *, n_bootstrap: int = 100) -> None:
        self.n_bootstrap = n_bootstrap

    def _fit(self, oof, y, n_outputs, X, rng, n_members) -> None:
        n_boot = check_int(self.n_bootstrap, "n_bootstrap", type(self).__name__)
        self.temperatures_ = np.array([_fit_temperature(o, y) for o in oof])
        tempered = _temper(oof, self.temperatures_)
        ll = np.log(np.clip(tempered[:, np.arange(len(y)), y], _EPS, 1.0))
        self.weights_, self.weights_std_ = _bma_em(ll, n_boot, rng)

    def _distributions(self, outputs: np.ndarray) -> np.ndarray:
        return _temper(outputs, self.temperatures_)


# ---------------------------------------------------------------------------------------------------
# regression


class _RegressionCombiner(Combiner):
    task: ClassVar[str] = "regression"
    output: ClassVar[str] = "value"

    def _check_y(self, y: np.ndarray, oof: np.ndarray) -> np.ndarray:
        y = super()._check_y(y, oof)
        if oof.shape[2] != 1:
            raise InvalidInputError(
                f"The regression combiner {self.name!r} needs oof of shape (n_members, n_rows, 1); got "
                f"shape {oof.shape}."
            )
        return np.asarray(y, dtype=float)


@register
class MeanRegressionCombiner(_UserWeights, _RegressionCombiner):
    """The (weighted) mean of the members' predictions."""

    name = "mean"
    aliases = ("average",)

    def combine(self, outputs: np.ndarray, X=None) -> np.ndarray:
        self._check_fitted()
        return (self.weights_ @ outputs[..., 0])[:, None]


@register
class MedianRegressionCombiner(_UserWeights, _RegressionCombiner):
    """The median of the members' predictions (``weights_`` are the fixed weights, unused by the median)."""

    name = "median"

    def combine(self, outputs: np.ndarray, X=None) -> np.ndarray:
        self._check_fitted()
        return np.median(outputs, axis=0)


@register
class WeightedRegressionCombiner(MeanRegressionCombiner):
    """Caruana et al. (2004) greedy ensemble selection with replacement on out-of-fold squared error."""

    name = "weighted"
    aliases = ("caruana", "ensemble_selection", "greedy")
    needs_oof = True
    params = ("n_iter",)

    def __init__(self, *, n_iter: int = 50) -> None:
        self.n_iter = n_iter

    def _fit(self, oof, y, n_outputs, X, rng, n_members) -> None:
        n_iter = check_int(self.n_iter, "n_iter", type(self).__name__)
        self.weights_ = _caruana(oof[..., 0], lambda p: np.mean((p - y) ** 2), n_iter)


@register
class StackingRegressionCombiner(_Stacking, _RegressionCombiner):
    """Stacking: a regressor (``RidgeCV()`` by default) on out-of-fold predictions."""

    name = "stacking"
    aliases = ("stack", "stacked")

    def _default_meta(self):
        return RidgeCV()

    def combine(self, outputs: np.ndarray, X=None) -> np.ndarray:
        self._check_fitted()
        pred = np.asarray(self.meta_learner_.predict(_stack_features(outputs, X, self.passthrough)))
        return pred.reshape(len(pred), -1)


@register
class BayesRegressionCombiner(MeanRegressionCombiner):
    """Bayesian model averaging of Gaussian members (Raftery et al. 2005).

    Each member's predictive density is a Gaussian around its prediction with its out-of-fold
    residual variance (``residual_std_``); the mixture weights are fitted by EM on the out-of-fold
    densities, with Bayesian-bootstrap spreads in ``weights_std_``.
    """

    name = "bayes"
    aliases = ("bma", "bayesian_model_averaging")
    needs_oof = True
    supports_uncertainty = True
    params = ("n_bootstrap",)
    fitted_attributes = ("residual_std_", "weights_std_")

    def __init__(self, *, n_bootstrap: int = 100) -> None:
        self.n_bootstrap = n_bootstrap

    def _fit(self, oof, y, n_outputs, X, rng, n_members) -> None:
        n_boot = check_int(self.n_bootstrap, "n_bootstrap", type(self).__name__)
        resid = oof[..., 0] - y
        var = np.maximum(resid.var(axis=1) + np.mean(resid, axis=1) ** 2, _EPS)
        self.residual_std_ = np.sqrt(var)
        ll = -0.5 * (np.log(2 * np.pi * var)[:, None] + resid**2 / var[:, None])
        self.weights_, self.weights_std_ = _bma_em(ll, n_boot, rng)

    def uncertainty(self, outputs: np.ndarray) -> Uncertainty:
        """Predictive standard deviations per row: total, aleatoric (residual), epistemic (spread)."""
        self._check_fitted()
        values = outputs[..., 0]
        mean = self.weights_ @ values
        aleatoric = np.sqrt(self.weights_ @ np.broadcast_to(self.residual_std_[:, None] ** 2, values.shape))
        epistemic = np.sqrt(np.clip(self.weights_ @ (values - mean) ** 2, 0, None))
        total = np.sqrt(aleatoric**2 + epistemic**2)
        return Uncertainty(total, np.broadcast_to(aleatoric, total.shape).copy(), epistemic)
