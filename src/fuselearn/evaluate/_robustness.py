"""``robustness``: score against perturbation strength, for the fusion and each member on the same curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state

from .._registry import did_you_mean
from ..exceptions import FuselearnError, InvalidInputError, InvalidParameterError, UnknownNameError
from ._explanation import Explanation
from ._features import default_groups, predict_output, resolve_columns
from ._members import _encode_y, check_fitted
from ._scoring import Scorer

__all__ = ["PERTURBATIONS", "robustness"]

#: Perturbation name -> default strengths.
PERTURBATIONS = {
    "gaussian_noise": (0.0, 0.1, 0.25, 0.5, 1.0),  # noise std in units of each numeric column's std
    "missing": (0.0, 0.05, 0.1, 0.2, 0.4),  # share of cells set missing
    "missing_group": None,  # a whole modality / member input missing (all its columns NaN): the group names
    "label_noise": (0.0, 0.1, 0.2, 0.3),  # share of training labels flipped (refits a clone)
}


def _numeric_positions(X):
    if isinstance(X, pd.DataFrame):
        return [j for j, t in enumerate(X.dtypes) if pd.api.types.is_numeric_dtype(t) and not
                pd.api.types.is_bool_dtype(t)]
    return list(range(X.shape[1])) if np.asarray(X).dtype.kind in "fiu" else []


def _set_columns(X, pos, values_fn):
    if isinstance(X, pd.DataFrame):
        Xp = X.copy()
        for j in pos:
            col = Xp.columns[j]
            new = values_fn(j, Xp[col].to_numpy())
            if new.dtype.kind == "f" and Xp[col].dtype.kind in "iub":
                Xp[col] = Xp[col].astype(float)
            Xp[col] = new
        return Xp
    Xp = np.array(X, dtype=float if np.asarray(X).dtype.kind in "iub" else None, copy=True)
    for j in pos:
        Xp[:, j] = values_fn(j, Xp[:, j])
    return Xp


def _gaussian(X, strength, rng):
    pos = _numeric_positions(X)
    stds = {j: np.nanstd(np.asarray((X.iloc[:, j] if isinstance(X, pd.DataFrame) else X[:, j]), dtype=float))
            for j in pos}
    return _set_columns(X, pos, lambda j, v: v.astype(float) + rng.normal(0, strength * (stds[j] or 1.0), len(v)))


def _missing(X, rate, rng):
    def blank(_j, v):
        v = v.astype(float) if v.dtype.kind in "iub" else v.copy()
        mask = rng.rand(len(v)) < rate
        v[mask] = np.nan if v.dtype.kind == "f" else None
        return v

    return _set_columns(X, list(range(X.shape[1])), blank)


def _missing_group(X, pos):
    def blank(_j, v):
        v = v.astype(float) if v.dtype.kind in "iub" else v.copy()
        v[:] = np.nan if v.dtype.kind == "f" else None
        return v

    return _set_columns(X, pos, blank)


def _flip(y, rate, rng, classes):
    y = np.array(y, copy=True)
    idx = np.flatnonzero(rng.rand(len(y)) < rate)
    for i in idx:
        others = classes[classes != y[i]]
        y[i] = others[rng.randint(len(others))]
    return y


def _named_models(model):
    """[(name, predict-output function of X)] for the model and, for a fusion, its members."""
    from ._explain import _fusion_of, _member_view, _members_of

    fusion = _fusion_of(model)
    out = [("fusion" if fusion is not None else "model", lambda X, m=model: predict_output(m, X))]
    if fusion is not None:
        classes = np.asarray(getattr(fusion, "classes_", []))
        for name, est, cols in _members_of(fusion):
            def f(X, est=est, cols=cols):
                p = predict_output(est, _member_view(X, cols))
                if len(classes) and not np.array_equal(np.asarray(est.classes_), classes):
                    full = np.zeros((len(p), len(classes)))
                    full[:, np.searchsorted(classes, est.classes_)] = p
                    p = full
                return p
            out.append((name, f))
    return out


def robustness(model, X, y, perturbations=None, *, scoring=None, X_train=None, y_train=None, n_repeats: int = 1,
               errors: str = "report", random_state=None) -> Explanation:
    """Score of the model (and of each fusion member) as its inputs or training labels are degraded.

    Parameters
    ----------
    model : fitted estimator
    X, y : evaluation rows and their targets
    perturbations : dict of name -> strengths, or list of names, default=None
        ``"gaussian_noise"`` (noise std in units of each numeric column's std), ``"missing"`` (share of
        cells set missing), ``"missing_group"`` (names of column groups, all their columns missing at
        prediction time; default: the modalities or member column lists), ``"label_noise"`` (share of
        training labels flipped; refits a clone on ``X_train``, ``y_train``). None:
        gaussian_noise and missing, plus missing_group when the model defines groups.
    scoring : str or Metric, default=None
    X_train, y_train : training rows, needed by ``label_noise``
    n_repeats : int, default=1
        Random draws per strength (the score is their mean, ``score_std`` their spread).
    errors : {"report", "raise"}, default="report"
        A perturbation a model cannot take (e.g. NaN into a member without missing-value support)
        is a row with ``status="cannot take"`` and the error, or raises InvalidInputError.
    random_state : int, RandomState or None

    Returns
    -------
    Explanation
        Table ``robustness``: perturbation, strength, model, score, score_std, status, message.
    """
    check_fitted(model, "robustness")
    if errors not in ("report", "raise"):
        raise InvalidParameterError(f"robustness: errors must be 'report' or 'raise'; got {errors!r}.")
    if y is None or len(y) != X.shape[0]:
        raise InvalidInputError(f"robustness: y must give one target per row of X ({X.shape[0]}).")
    groups = default_groups(model, X) or {}
    if perturbations is None:
        perturbations = {k: PERTURBATIONS[k] for k in ("gaussian_noise", "missing")}
        if groups:
            perturbations["missing_group"] = list(groups)
    elif isinstance(perturbations, (list, tuple)):
        perturbations = {k: PERTURBATIONS.get(k) for k in perturbations}
    if not isinstance(perturbations, dict):
        raise InvalidParameterError(f"robustness: perturbations must be a dict or a list of names; got {perturbations!r}.")
    for k in perturbations:
        if k not in PERTURBATIONS:
            raise UnknownNameError(f"robustness: unknown perturbation {k!r}; choose from {list(PERTURBATIONS)}."
                                   + did_you_mean(k, PERTURBATIONS))
    if "missing_group" in perturbations:
        names = perturbations["missing_group"] or list(groups)
        if not names:
            raise InvalidParameterError("robustness: missing_group needs column groups; this model defines none.")
        for g in names:
            if g not in groups:
                raise UnknownNameError(f"robustness: missing_group names {g!r}, which is no modality or member of "
                                       f"this model (it has {list(groups)})."
                                       + did_you_mean(g, [str(n) for n in groups], normalize=False))
        perturbations["missing_group"] = names
    if "label_noise" in perturbations and (X_train is None or y_train is None):
        raise InvalidParameterError("robustness: label_noise refits the model on noisy labels and needs X_train and "
                                    "y_train (the rows to refit on).")
    rng = check_random_state(random_state)
    y_enc = _encode_y(model, y) if is_classifier(model) else np.asarray(y, dtype=float)
    scorer = Scorer.for_model(model, scoring, y_enc)
    rows = []

    def evaluate(pert, strength, models_fn, make_X):
        scores: dict[str, list] = {}
        failed: dict[str, str] = {}
        for _ in range(n_repeats):
            Xp = make_X()
            for name, f in models_fn():
                if name in failed:
                    continue
                try:
                    pred = f(Xp)
                    if not np.all(np.isfinite(pred)):
                        raise InvalidInputError("it returned non-finite predictions")
                    scores.setdefault(name, []).append(scorer(y_enc, pred))
                except (FuselearnError, ValueError, TypeError, RuntimeError) as exc:
                    msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                    if errors == "raise":
                        raise InvalidInputError(f"robustness: model {name!r} cannot take perturbation {pert!r} at "
                                                f"strength {strength!r}: {msg}") from exc
                    failed[name] = msg
        for name, _ in models_fn():
            s = scores.get(name)
            ok = name not in failed
            rows.append({"perturbation": pert, "strength": strength, "model": name,
                         "score": float(np.mean(s)) if ok else np.nan,
                         "score_std": float(np.std(s)) if ok else np.nan,
                         "status": "ok" if ok else "cannot take", "message": failed.get(name, "")})

    base_models = _named_models(model)
    for pert, strengths in perturbations.items():
        strengths = list(PERTURBATIONS[pert] if strengths is None else strengths)
        for s in strengths:
            if pert == "gaussian_noise":
                evaluate(pert, s, lambda: base_models, lambda s=s: _gaussian(X, s, rng))
            elif pert == "missing":
                evaluate(pert, s, lambda: base_models, lambda s=s: _missing(X, s, rng))
            elif pert == "missing_group":
                pos = resolve_columns(X, groups[s], f"robustness: group {s!r}")
                evaluate(pert, s, lambda: base_models, lambda pos=pos: _missing_group(X, pos))
            else:  # label_noise
                classes = np.unique(np.asarray(y_train))
                noisy = _flip(np.asarray(y_train), s, rng, classes) if is_classifier(model) else (
                    np.asarray(y_train, dtype=float) + rng.normal(0, s * np.std(y_train), len(y_train)))
                refit = clone(model).fit(X_train, noisy)
                models = _named_models(refit)
                evaluate(pert, s, lambda models=models: models, lambda: X)
    info = {"model": type(model).__name__, "scoring": scorer.name, "n_rows": int(X.shape[0]),
            "n_repeats": n_repeats,
            "robustness_note": ("Each model is scored on the same perturbed rows: gaussian_noise adds noise of that "
                                "many column standard deviations to numeric columns; missing blanks that share of "
                                "cells; missing_group blanks every column of one modality or member at prediction "
                                "time; label_noise flips that share of the training labels and refits a clone. "
                                "'cannot take' marks a model that raised on the perturbed input (message kept).")}
    return Explanation({"robustness": pd.DataFrame(rows)}, info)
