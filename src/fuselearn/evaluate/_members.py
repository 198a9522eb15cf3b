"""What each member of a fitted fusion contributes: weights, leave-one-out and Shapley values.

Every coalition of members is scored by refitting **only the combiner** on that coalition's
out-of-fold member outputs; no member is ever refitted. A learned combiner (stacking, weighted,
bayes) scored on the rows it was fitted on would flatter itself, so each coalition's combiner is
*cross-fitted*: fitted on K-1 folds of the out-of-fold rows and applied to the held-out fold, and
the score is taken over all rows. Confidence intervals come from a bootstrap over rows of those
cross-fitted predictions (the combiners are not refitted per replicate: the intervals carry the
sampling noise of the evaluation rows, not the combiner's own variance).

We checked shap (its explainers attribute features of one model, not a cooperative game whose
players are refitted sub-ensembles) and scikit-learn (no Shapley values); the exact Shapley sum over
coalitions and the permutation sampler below are written by hand (Shapley 1953; Castro, Gómez &
Tejada 2009 for the permutation estimate).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import check_random_state

from .._registry import normalize_name
from .._validation import check_int
from ..exceptions import InvalidInputError, InvalidParameterError, NotFittedError
from ._scoring import Scorer

__all__ = ["MAX_EXACT_MEMBERS", "member_contributions"]

#: Up to this many members the Shapley values are exact (2**m coalitions, each a cross-fitted
#: combiner); beyond, permutations are sampled. 10 members are 1,024 coalitions: with K=5 folds
#: about 5,000 combiner fits, seconds for mean/weighted combiners and a minute for stacking.
MAX_EXACT_MEMBERS = 10


def is_fusion(model) -> bool:
    """A fitted FusionClassifier/FusionRegressor (duck-typed on the fusion attributes)."""
    return hasattr(model, "estimators_") and hasattr(model, "oof_predictions_") and hasattr(model, "member_names_")


def member_outputs(model, X) -> np.ndarray:
    """Member outputs of a fitted fusion as ``(n_members, n_rows, n_outputs)``."""
    out = np.asarray(model.member_outputs(X), dtype=float)
    return out[..., None] if out.ndim == 2 else out


def stored_oof(model) -> np.ndarray | None:
    oof = getattr(model, "oof_predictions_", None)
    if oof is None:
        return None
    oof = np.asarray(oof, dtype=float)
    return oof[..., None] if oof.ndim == 2 else oof


class _CombinerAdapter:
    """Fit a copy of the fusion's fitted ``combiner_`` on a coalition of members and combine their outputs,
    so a coalition is combined exactly as the fusion combines its members.

    For the Caruana (``weighted``, log-loss or squared error) and ``bayes`` combiners, :meth:`prepare`
    computes once per cross-fitting fold what depends on one member only (the true-class
    probabilities; the tempering temperatures and tempered log-likelihoods; the tempered test
    distributions), and a coalition then only runs the weight search on its rows of those arrays:
    the combiner's own algorithm (same greedy steps, same EM updates and stopping rule) without
    refitting a member's temperature 2**(m-1) times. ``fast = False`` takes the plain path (a deep
    copy of the combiner fitted per coalition), which the tests compare against.
    """

    fast: bool = True

    def __init__(self, model):
        self.model = model
        self.classifier = is_classifier(model)
        self.combiner = getattr(model, "combiner_", None)
        if self.combiner is None:
            raise InvalidParameterError(
                f"explain: this {type(model).__name__} has no fitted combiner_ (saved by an older fuselearn?); "
                "refit it to explain its members."
            )
        self.method = self.combiner.name
        self.learned = bool(self.combiner.needs_oof)
        self.last_weights = None
        self._cache: list[dict] | None = None
        if (getattr(self.combiner, "passthrough", False) or getattr(model, "passthrough", False)) \
                and self.method == "stacking":
            raise InvalidParameterError(
                "explain: member contributions of a stacking fusion with passthrough=True need the training "
                "features of the out-of-fold rows, which the fusion does not store; refit with "
                "passthrough=False, or explain the fusion's features instead (features=True)."
            )

    def _fast_kind(self) -> str | None:
        from ..estimators import _combiners as C

        comb = type(self.combiner)
        if comb is C.WeightedCombiner:
            metric = self.combiner.metric
            return "caruana" if metric is None or normalize_name(metric) == "log_loss" else None
        if comb is C.WeightedRegressionCombiner:
            return "caruana"
        if comb in (C.BayesCombiner, C.BayesRegressionCombiner):
            return "bayes"
        return None

    def prepare(self, outputs: np.ndarray, y: np.ndarray, folds) -> None:
        """Per-fold, per-member terms of the fast path (a no-op for the other combiners)."""
        from ..estimators._combiners import _EPS, _fit_temperature, _temper

        self._cache = None
        kind = self._fast_kind() if self.fast else None
        if kind is None:
            return
        self._n_iter = check_int(getattr(self.combiner, "n_iter", 50), "n_iter", type(self.combiner).__name__)
        cache = []
        for tr, te in folds:
            o_tr, y_tr, o_te = outputs[:, tr], y[tr], outputs[:, te]
            entry = {"kind": kind, "test": o_te}
            if kind == "caruana":
                # What the combiner's loss reads of an averaged prediction: the true class's probability
                # (the mean of a per-row value is the per-row value of the mean), or the value itself.
                entry["train"] = o_tr[:, np.arange(len(y_tr)), y_tr] if self.classifier else o_tr[..., 0]
                entry["y"] = y_tr
            elif self.classifier:  # bayes: temperatures and tempered likelihoods, one member at a time
                temps = np.array([_fit_temperature(o, y_tr) for o in o_tr])
                tempered = _temper(o_tr, temps)
                entry["train"] = np.log(np.clip(tempered[:, np.arange(len(y_tr)), y_tr], _EPS, 1.0))
                entry["test"] = _temper(o_te, temps)
            else:  # bayes regression: Gaussian densities with each member's residual variance
                resid = o_tr[..., 0] - y_tr
                var = np.maximum(resid.var(axis=1) + np.mean(resid, axis=1) ** 2, _EPS)
                entry["train"] = -0.5 * (np.log(2 * np.pi * var)[:, None] + resid**2 / var[:, None])
            cache.append(entry)
        self._cache = cache

    def _fast_weights(self, entry: dict, idx: list[int]) -> np.ndarray:
        train = entry["train"][idx]
        if entry["kind"] == "caruana":
            return _caruana_vectorised(train, entry["y"], self.classifier, self._n_iter)
        return _bma_em_point(train)

    def fit_combine(self, members, train_out, y_train, test_out, random_state, fold: int | None = None):
        """Predictions ``(n_test, n_outputs)`` of a combiner of ``members`` fitted on the train outputs."""
        if not members:  # the empty coalition: the training prior
            if self.classifier:
                n_out = train_out.shape[-1]
                prior = np.bincount(y_train, minlength=n_out) / len(y_train)
                return np.broadcast_to(prior, (test_out.shape[1], n_out)).copy()
            return np.full((test_out.shape[1], 1), float(np.mean(y_train)))
        idx = list(members)
        if self._cache is not None and fold is not None:
            entry = self._cache[fold]
            w = self._fast_weights(entry, idx)
            self.last_weights = w
            return np.tensordot(w, entry["test"][idx], axes=1).reshape(test_out.shape[1], -1)
        tr, te = train_out[idx], test_out[idx]
        comb = copy.deepcopy(self.combiner)
        if getattr(comb, "n_bootstrap", None) is not None:
            comb.n_bootstrap = 1  # bayes: the weights' bootstrap spread is not needed per coalition
        user_w = getattr(comb, "weights", None)
        if user_w is not None and np.ndim(user_w) == 1 and len(user_w) == train_out.shape[0]:
            comb.weights = np.asarray(user_w, dtype=float)[idx]  # fixed user weights of the coalition
        comb.fit(tr, y_train, random_state=random_state)
        out = np.asarray(comb.combine(te), dtype=float)
        self.last_weights = getattr(comb, "weights_", None)
        return out.reshape(te.shape[1], -1)


def _caruana_vectorised(train: np.ndarray, y: np.ndarray, classifier: bool, n_iter: int) -> np.ndarray:
    """``estimators._combiners._caruana`` with its log-loss (or squared error), all candidates of a step at once.

    ``train`` is ``(k, n)``: each member's true-class probability per row (classifiers) or its
    prediction (regressors). The running average and the candidates are computed with the same
    arithmetic as the combiner's loop, so the greedy path and the weights are the same.
    """
    from ..estimators._combiners import _EPS

    k = train.shape[0]
    counts = np.zeros(k, dtype=np.int64)
    running = np.zeros(train.shape[1])
    for step in range(1, n_iter + 1):
        cand = (running * (step - 1) + train) / step  # (k, n): every member added once
        if classifier:
            losses = -np.mean(np.log(np.clip(cand, _EPS, 1)), axis=1)
        else:
            losses = np.mean((cand - y) ** 2, axis=1)
        best = int(np.argmin(losses))
        counts[best] += 1
        running = cand[best]
    return counts / counts.sum()


def _bma_em_point(loglik: np.ndarray, *, max_iter: int = 1000, tol: float = 1e-7) -> np.ndarray:
    """The point estimate of ``estimators._combiners._bma_em`` (no bootstrap): the same EM updates and
    stopping rule, as matrix-vector products instead of its batched einsum."""
    from ..estimators._combiners import _EPS

    k, n = loglik.shape
    dens = np.exp(loglik - loglik.max(axis=0, keepdims=True))
    r = np.full(n, 1.0 / n)
    w = np.full(k, 1.0 / k)
    for _ in range(max_iter):
        mix = np.maximum(w @ dens, _EPS)
        new = w * (dens @ (r / mix))
        new /= new.sum()
        done = np.abs(new - w).max() < tol
        w = new
        if done:
            break
    return w


@dataclass
class MemberContributions:
    """Tables of the member analysis (pandas DataFrames) and how they were computed."""

    weights: object
    leave_one_out: object
    shapley: object
    coalitions: object
    info: dict


def _encode_y(model, y):
    y = np.asarray(y)
    if is_classifier(model):
        classes = np.asarray(model.classes_)
        pos = np.searchsorted(classes, y)
        pos = np.clip(pos, 0, len(classes) - 1)
        bad = classes[pos] != y
        if bad.any():
            raise InvalidInputError(
                f"explain: y holds labels the fusion never saw: {sorted(set(y[bad].tolist()))[:5]}; its classes "
                f"are {classes.tolist()}."
            )
        return pos
    return y.astype(float)


def _shapley_matrix(m: int) -> np.ndarray:
    """``W`` of shape (m, 2**m) with ``phi = W @ v`` for coalition values ``v`` indexed by bit mask."""
    n = 1 << m
    sizes = np.array([int(s).bit_count() for s in range(n)])
    fact = [math.factorial(k) for k in range(m + 1)]
    W = np.zeros((m, n))
    for i in range(m):
        bit = 1 << i
        for s in range(n):
            if s & bit:
                continue
            w = fact[sizes[s]] * fact[m - sizes[s] - 1] / fact[m]
            W[i, s | bit] += w
            W[i, s] -= w
    return W


def _permutation_matrix(m: int, n_permutations: int, rng) -> tuple[np.ndarray, list[int]]:
    """Sampled-permutation Shapley estimate as ``phi = W @ v[masks]`` (antithetic pairs)."""
    masks: dict[int, int] = {0: 0}
    rows: list[dict[int, float]] = [{} for _ in range(m)]
    perms = []
    for _ in range((n_permutations + 1) // 2):
        p = rng.permutation(m)
        perms += [p, p[::-1]]
    perms = perms[:n_permutations]
    for p in perms:
        mask = 0
        for i in p:
            new = mask | (1 << int(i))
            for s in (mask, new):
                masks.setdefault(s, len(masks))
            rows[i][new] = rows[i].get(new, 0.0) + 1.0 / len(perms)
            rows[i][mask] = rows[i].get(mask, 0.0) - 1.0 / len(perms)
            mask = new
    order = sorted(masks, key=masks.get)
    W = np.zeros((m, len(order)))
    col = {s: j for j, s in enumerate(order)}
    for i in range(m):
        for s, w in rows[i].items():
            W[i, col[s]] += w
    return W, order


def member_contributions(
    model,
    y,
    *,
    outputs=None,
    scoring=None,
    cv: int = 5,
    n_bootstrap: int = 200,
    n_permutations: int = 200,
    max_exact: int = MAX_EXACT_MEMBERS,
    confidence: float = 0.95,
    random_state=None,
) -> MemberContributions:
    """Weights, leave-one-member-out and Shapley values of each member of a fitted fusion.

    Parameters
    ----------
    model : fitted FusionClassifier or FusionRegressor
    y : array-like of shape (n_rows,)
        The targets of the rows of ``outputs``: the training targets when the stored out-of-fold
        predictions are used.
    outputs : ndarray of shape (n_members, n_rows, n_outputs), default=None
        Member outputs to play the game on; the fusion's ``oof_predictions_`` when None.
    scoring : str or Metric, default=None
        ``roc_auc`` (binary), ``log_loss`` (multiclass) or ``r2`` (regression) when None.
    cv : int, default=5
        Folds of the cross-fitted combiners (learned combiners only).
    n_bootstrap : int, default=200
        Bootstrap replicates of the rows for the intervals.
    n_permutations : int, default=200
        Sampled permutations when the fusion has more than ``max_exact`` members.
    max_exact : int, default=10
        Up to this many members, every coalition is evaluated (exact Shapley values).
    confidence : float, default=0.95
    random_state : int, RandomState or None

    Returns
    -------
    MemberContributions
    """
    import pandas as pd

    if not is_fusion(model):
        raise InvalidParameterError(
            f"explain: member contributions need a fitted FusionClassifier or FusionRegressor; got "
            f"{type(model).__name__}."
        )
    names = list(model.member_names_)
    m = len(names)
    if outputs is None:
        outputs = stored_oof(model)
        source = "out-of-fold predictions stored at fit"
        if outputs is None:
            raise InvalidInputError(
                f"explain: this fusion (method={model.method_!r}) stored no out-of-fold predictions; pass the "
                "member outputs on held-out rows (explain(model, X_test, y_test) does this)."
            )
    else:
        outputs = np.asarray(outputs, dtype=float)
        outputs = outputs[..., None] if outputs.ndim == 2 else outputs
        source = "member outputs on the given rows"
    y_enc = _encode_y(model, y)
    if outputs.shape[:2] != (m, len(y_enc)):
        raise InvalidInputError(
            f"explain: the member outputs have shape {outputs.shape}, but the fusion has {m} members and y has "
            f"{len(y_enc)} rows; pass the training y with the stored out-of-fold predictions."
        )
    if not 0 < confidence < 1:
        raise InvalidParameterError(f"explain: confidence must lie in (0, 1); got {confidence!r}.")
    rng = check_random_state(random_state)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    scorer = Scorer.for_model(model, scoring, y_enc).bind(y_enc)
    adapter = _CombinerAdapter(model)
    n = len(y_enc)

    # Cross-fitting folds, shared by every coalition.
    if adapter.learned:
        splitter = (StratifiedKFold if adapter.classifier else KFold)(cv, shuffle=True, random_state=seed)
        try:
            folds = list(splitter.split(np.zeros(n), y_enc))
        except ValueError as exc:
            raise InvalidInputError(f"explain: cannot cross-fit the combiner in {cv} folds: {exc}") from exc
    else:
        folds = [(np.arange(n), np.arange(n))]

    fold_weights = []

    def coalition_prediction(members):
        pred = None
        for f, (tr, te) in enumerate(folds):
            p = adapter.fit_combine(members, outputs[:, tr], y_enc[tr], outputs[:, te], seed, fold=f)
            if pred is None:
                pred = np.zeros((n, p.shape[1]))
            pred[te] = p
            if len(members) == m and adapter.last_weights is not None:
                fold_weights.append(np.asarray(adapter.last_weights, dtype=float))
        return pred

    exact = m <= max_exact
    if exact:
        order = list(range(1 << m))
        W = _shapley_matrix(m)
    else:
        W, order = _permutation_matrix(m, n_permutations, rng)
    full, loo = (1 << m) - 1, [((1 << m) - 1) & ~(1 << i) for i in range(m)]
    needed = list(dict.fromkeys(order + [full] + loo))
    from threadpoolctl import threadpool_limits

    # Thousands of tiny combiner fits: BLAS threads only add contention (8x slower on 2 shared cores).
    with threadpool_limits(1):
        adapter.prepare(outputs, y_enc, folds)
        preds = {s: coalition_prediction([i for i in range(m) if s >> i & 1]) for s in needed}

    # Bootstrap row counts (replicate 0 is the sample itself).
    counts = np.vstack([np.ones(n), rng.multinomial(n, np.full(n, 1.0 / n), size=n_bootstrap)])
    values = {s: scorer.weighted(preds[s], counts) for s in needed}  # each (1 + B,)
    V = np.stack([values[s] for s in order], axis=1)  # (1 + B, n_coalitions)
    phi = V @ W.T  # (1 + B, m)
    alpha = (1 - confidence) / 2

    def interval(a):
        return np.quantile(a[1:], alpha, axis=0), np.quantile(a[1:], 1 - alpha, axis=0)

    lo, hi = interval(phi)
    shapley = pd.DataFrame({"member": names, "shapley": phi[0], "ci_low": lo, "ci_high": hi,
                            "share": phi[0] / phi[0].sum() if phi[0].sum() != 0 else np.nan})
    base = values[full]
    delta = np.stack([base - values[s] for s in loo], axis=1)  # score lost without member i
    lo, hi = interval(delta)
    leave = pd.DataFrame({"member": names, "score_without": [values[s][0] for s in loo],
                          "score_change": -delta[0], "ci_low": -hi, "ci_high": -lo})
    coal = pd.DataFrame({
        "members": [" + ".join(names[i] for i in range(m) if s >> i & 1) or "(none: prior)" for s in needed],
        "size": [int(s).bit_count() for s in needed],
        "score": [values[s][0] for s in needed],
    }).sort_values(["size", "score"], ascending=[True, not scorer.greater_is_better]).reset_index(drop=True)

    # Weights: as fitted, with their spread over the cross-fitting folds (each fold's combiner saw
    # (K-1)/K of the rows; a bootstrap of 30 refits cost 3x more on 30,000 rows and told the same story).
    fitted = getattr(model, "weights_", None)
    spread = getattr(model, "weights_std_", None)
    if spread is None and fitted is not None:
        spread = np.std(fold_weights, axis=0) if (adapter.learned and len(fold_weights) > 1) else np.zeros(m)
    weights = pd.DataFrame({
        "member": names,
        "weight": np.asarray(fitted, dtype=float) if fitted is not None else np.nan,
        "weight_std": np.asarray(spread, dtype=float) if spread is not None else np.nan,
    })
    sign = 1 if scorer.greater_is_better else -1
    info = {
        "source": source, "scoring": scorer.name, "greater_is_better": scorer.greater_is_better,
        "n_rows": int(n), "n_members": m, "exact": exact,
        "n_coalitions": len(order) if exact else len(needed),
        "n_permutations": None if exact else int(n_permutations),
        "combiner": adapter.method,
        "cross_fitted": bool(adapter.learned), "cv": int(cv) if adapter.learned else None,
        "n_bootstrap": int(n_bootstrap), "confidence": confidence,
        "fused_score": float(base[0]), "prior_score": float(values[0][0]),
        "note": (
            "Each coalition's combiner is refitted (members never are)"
            + (f" and cross-fitted in {cv} folds over the rows, so every row is scored by a combiner that did "
               "not see it" if adapter.learned else "; this combiner learns nothing from y, so no cross-fitting")
            + f". Shapley values sum to fused score minus prior score ({sign:+d} = higher is better). "
            "Intervals: bootstrap over rows of the cross-fitted predictions."
        ),
    }
    return MemberContributions(weights, leave, shapley, coal, info)


def check_fitted(model, where: str = "explain") -> None:
    """A clear NotFittedError for an unfitted estimator."""
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except Exception as exc:
        raise NotFittedError(
            f"{where}: this {type(model).__name__} is not fitted yet; call fit (or fuselearn.load a saved model) "
            "before explaining it."
        ) from exc
