"""Feature attributions through shap, with the explainer that fits each model, and grouped permutation importance.

shap's ``Explainer`` picks an algorithm from the model object, but on a fuselearn fusion, a Pipeline
with a ColumnTransformer or a torch network it falls back to slow, unbounded defaults, and it cannot
take a DataFrame with text categories as a masker. So we choose per member kind:

- tree ensembles (scikit-learn trees and forests, gradient boosting, LightGBM, XGBoost, CatBoost) on
  numeric input: ``shap.TreeExplainer`` (exact, interventional on the background);
- linear models on numeric input: ``shap.LinearExplainer`` on the background;
- a bare ``NeuralClassifier``/``NeuralRegressor`` on numeric input: ``shap.GradientExplainer`` (expected
  gradients) on the network's softmax;
- everything else, the fused model itself and pipelines on raw (mixed) columns: the model-agnostic
  ``shap.PermutationExplainer`` with a bounded background sample (categories encoded to integer codes
  for the masker and decoded before each prediction), ``max_evals = 2 * n_features + 1`` (one forward
  and one backward pass of an antithetic permutation per row).

scikit-learn's ``permutation_importance`` (checked, 1.9) permutes one column at a time and has no
groups, so the grouped version (a whole modality permuted together, one shared row permutation) is
written here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import is_classifier

from .._registry import did_you_mean
from ..exceptions import InvalidParameterError, UnknownNameError

_TREE_MODULES = ("sklearn.tree", "sklearn.ensemble._forest", "sklearn.ensemble._gb", "lightgbm", "xgboost",
                 "catboost")


def predict_output(model, X) -> np.ndarray:
    """(n, n_outputs): class probabilities of a classifier, predictions of a regressor."""
    if is_classifier(model):
        return np.asarray(model.predict_proba(X), dtype=float)
    return np.asarray(model.predict(X), dtype=float).reshape(len(X), -1)


# -- inputs ------------------------------------------------------------------------------------------
class _Codec:
    """Numeric codes for a mixed table (shap maskers need floats) and back."""

    def __init__(self, X):
        self.frame = isinstance(X, pd.DataFrame)
        if not self.frame:
            self.columns = [f"x{j}" for j in range(np.asarray(X).shape[1])]
            self.cats, self.dtypes = {}, None
            return
        self.columns = [str(c) for c in X.columns]
        self.orig_columns = list(X.columns)
        self.dtypes = X.dtypes
        self.cats = {c: pd.Index(pd.unique(X[c].dropna())) for c in X.columns
                     if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])}

    def encode(self, X) -> np.ndarray:
        if not self.frame:
            return np.asarray(X, dtype=float)
        out = np.empty((len(X), len(self.orig_columns)))
        for j, c in enumerate(self.orig_columns):
            if c in self.cats:
                codes = self.cats[c].get_indexer(X[c]).astype(float)
                codes[codes < 0] = np.nan
                out[:, j] = codes
            else:
                out[:, j] = pd.to_numeric(X[c], errors="coerce")
        return out

    def decode(self, A):
        if not self.frame:
            return A
        D = pd.DataFrame(A, columns=self.orig_columns)
        for c, cats in self.cats.items():
            codes = D[c].to_numpy()
            vals = np.empty(len(codes), dtype=object)
            ok = np.isfinite(codes)
            vals[ok] = cats.to_numpy()[codes[ok].astype(int)]
            vals[~ok] = np.nan
            D[c] = vals
            if self.dtypes[c] == bool:
                D[c] = D[c].astype(bool)
        for c in self.orig_columns:
            if c not in self.cats:
                D[c] = D[c].astype(self.dtypes[c], errors="ignore") if self.dtypes[c].kind in "iuf" else D[c]
        return D


class _NoFastPath(Exception):
    """The fast prediction path does not apply (or a batch holds a value it has no lookup for)."""


def _dense(T) -> np.ndarray:
    T = T.toarray() if hasattr(T, "toarray") else T
    return np.asarray(T, dtype=float)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise equality with NaN equal to NaN."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


class _RowTransform:
    """A fitted preprocessing (a Pipeline's steps before its estimator) as per-column lookup tables.

    shap's permutation explainer asks for predictions on thousands of masked rows per explained
    row, and every value of a masked row is the value of either the explained row or a background
    row. When the preprocessing transforms each row on its own and each output column depends on one
    input column only (imputers, scalers, one-hot encoders in a ColumnTransformer), the transformed
    masked row is a concatenation of per-column blocks that can be looked up instead of recomputed:
    no DataFrame is rebuilt, no transformer runs. Both properties are *checked* on the rows at hand
    (every input column is shifted by one row in turn to see which output columns move; the lookup
    must reproduce the transform of every row), otherwise :meth:`build` raises ``_NoFastPath`` and
    the caller keeps the plain path. shap has no such cache (checked, 0.4x: it calls the model on
    the masked samples).
    """

    def __init__(self, owner, lookups, constant, n_out):
        self.owner, self.lookups, self.constant, self.n_out = owner, lookups, constant, n_out

    @classmethod
    def build(cls, pre, U, codes: np.ndarray) -> _RowTransform:
        try:
            T = _dense(pre.transform(U))
        except Exception as exc:  # any failure of the transform: no fast path
            raise _NoFastPath(str(exc)) from exc
        n, d = codes.shape
        owner = np.full(T.shape[1], -1)
        shift = np.roll(np.arange(n), 1)
        for j in range(d):
            if isinstance(U, pd.DataFrame):
                Uj = U.copy()
                Uj.isetitem(j, U.iloc[shift, j].set_axis(U.index))
            else:
                Uj = np.array(U, copy=True)
                Uj[:, j] = Uj[shift, j]
            moved = ~_same(_dense(pre.transform(Uj)), T).all(axis=0)
            if (owner[moved] >= 0).any():
                raise _NoFastPath("an output column depends on more than one input column")
            owner[moved] = j
        lookups = []
        for j in range(d):
            cols = np.flatnonzero(owner == j)
            keys, first, inverse = np.unique(codes[:, j], return_index=True, return_inverse=True)
            block = T[first][:, cols]
            if not _same(block[inverse.reshape(-1)], T[:, cols]).all():
                raise _NoFastPath("the transform of a value depends on the rest of its row")
            lookups.append((cols, keys, block))
        constant = np.flatnonzero(owner < 0)
        rt = cls(owner, lookups, (constant, T[0, constant]), T.shape[1])
        if not _same(rt(codes), T).all():
            raise _NoFastPath("the lookup does not reproduce the transform")
        return rt

    def __call__(self, A: np.ndarray) -> np.ndarray:
        out = np.empty((len(A), self.n_out))
        cols, values = self.constant
        out[:, cols] = values
        for j, (cols, keys, block) in enumerate(self.lookups):
            a = A[:, j]
            idx = np.minimum(np.searchsorted(keys, a), len(keys) - 1)  # NaN sorts (and is found) last
            if not _same(keys[idx], a).all():
                raise _NoFastPath(f"column {j} holds a value outside the lookup")
            out[:, cols] = block[idx]
        return out


class _FinalOnCodes:
    """A Pipeline's final estimator fed through a :class:`_RowTransform` of its preprocessing: the
    estimator interface a fusion's ``_member_output`` reads, on encoded rows."""

    def __init__(self, pipe, rt: _RowTransform):
        self.final, self.rt = pipe[-1], rt
        if hasattr(self.final, "classes_"):
            self.classes_ = self.final.classes_

    def predict_proba(self, A):
        return self.final.predict_proba(self.rt(A))

    def predict(self, A):
        return self.final.predict(self.rt(A))


def fast_predictor(model, U, codec: _Codec):
    """``f(A)`` equal to ``predict_output(model, codec.decode(A))`` for encoded rows ``A`` whose values all
    come from the rows ``U`` (the explained rows and the background), without decoding or
    re-running the preprocessing; None where it does not apply: a model that is neither a Pipeline
    nor a fusion of Pipelines (e.g. members that take the raw columns), stacking with passthrough.
    The result is checked against the model's own predictions on ``U``.
    """
    from sklearn.pipeline import Pipeline

    from ._members import is_fusion

    U = U.reset_index(drop=True) if isinstance(U, pd.DataFrame) else np.asarray(U)
    codes = codec.encode(U)
    try:
        if isinstance(model, Pipeline) and len(model.steps) > 1:
            rt = _RowTransform.build(model[:-1], U, codes)
            final = model[-1]

            def f(A):
                return predict_output(final, rt(A))
        elif is_fusion(model) and not getattr(model.combiner_, "passthrough", False):
            parts = []
            member_cols = getattr(model, "_member_columns", None) or [None] * len(model.estimators_)
            for est, cols in zip(model.estimators_, member_cols):
                if not (isinstance(est, Pipeline) and len(est.steps) > 1):
                    return None
                pos = list(range(codes.shape[1])) if cols is None else resolve_columns(U, cols, "explain")
                Um = U.iloc[:, pos] if isinstance(U, pd.DataFrame) else U[:, pos]
                parts.append((_FinalOnCodes(est, _RowTransform.build(est[:-1], Um, codes[:, pos])), pos))
            kind = model.combiner_.output
            classifier = is_classifier(model)

            def f(A):
                outs = np.stack([model._member_output(est, A[:, pos], None, kind) for est, pos in parts])
                fused = np.asarray(model.combiner_.combine(outs, None), dtype=float)
                if classifier:
                    return fused / fused.sum(axis=1, keepdims=True)
                return fused.reshape(len(A), -1)
        else:
            return None
        if not np.allclose(f(codes), predict_output(model, U), rtol=1e-7, atol=1e-9, equal_nan=True):
            return None
    except _NoFastPath:
        return None
    return f


def _numeric_array(X) -> bool:
    if isinstance(X, pd.DataFrame):
        return all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in X.dtypes)
    return np.asarray(X).dtype.kind in "fiu"


def explainer_kind(est, X) -> str:
    """Which shap explainer suits ``est`` on inputs like ``X``: tree, linear, gradient or permutation."""
    if not _numeric_array(X):
        return "permutation"
    mod = type(est).__module__
    if any(mod.startswith(p) for p in _TREE_MODULES) and hasattr(est, "predict") \
            and "HistGradientBoosting" not in type(est).__name__:
        return "tree"
    if mod.startswith("sklearn.linear_model") and hasattr(est, "coef_"):
        return "linear"
    if type(est).__name__ in ("NeuralClassifier", "NeuralRegressor") and getattr(est, "module", "mlp") == "mlp":
        return "gradient"
    return "permutation"


def pipeline_shap_values(est, X, background, *, random_state=0):
    """A Pipeline's shap values from its final estimator's own explainer, per input column; or None.

    The rows and the background go through the pipeline's preprocessing; the final estimator (a tree
    ensemble, a linear model or an MLP ``NeuralClassifier``) is explained on the preprocessed columns
    with the explainer :func:`explainer_kind` picks for it, and each input column's value is the sum
    of the values of the preprocessed columns it produced (its one-hot columns, say). For a linear
    model this is the input column's exact interventional Shapley value (the model is additive in
    the one-hot block); for trees and networks it is the usual approximation (the Shapley value of a
    group of players is not in general the sum of theirs). None when the preprocessing is not
    column-separable (:class:`_RowTransform` checks it) or the final estimator has no dedicated
    explainer: the caller then uses the model-agnostic permutation explainer on the raw columns.
    """
    from sklearn.pipeline import Pipeline

    if not (isinstance(est, Pipeline) and len(est.steps) > 1):
        return None
    frame = isinstance(X, pd.DataFrame)
    U = (pd.concat([X, background]).reset_index(drop=True) if frame
         else np.vstack([np.asarray(X), np.asarray(background)]))
    codes = _Codec(U).encode(U)
    try:
        rt = _RowTransform.build(est[:-1], U, codes)
    except _NoFastPath:
        return None
    T = rt(codes)
    n = len(X)
    kind = explainer_kind(est[-1], T[:n])
    if kind == "permutation":
        return None
    vals, kind = shap_values(est[-1], T[:n], T[n:], kind=kind, random_state=random_state)
    out = np.zeros((n, codes.shape[1]) + vals.shape[2:])
    for j, (cols, _, _) in enumerate(rt.lookups):
        out[:, j] = vals[:, cols].sum(axis=1)
    return out, f"{kind} (preprocessed columns, summed per input column)"


def shap_values(est, X, background, *, kind=None, random_state=0, fast_path: bool = True):
    """shap values of ``est`` on ``X`` (n, d) for the positive class (binary) / per class, and the explainer used.

    Returns
    -------
    values : ndarray of shape (n, d) or (n, d, n_classes) for multiclass
    kind : str

    With ``fast_path`` (the default), the permutation explainer predicts a Pipeline, or a fusion of
    Pipelines, through lookups of its preprocessing (:func:`fast_predictor`): the same predictions,
    checked, without rebuilding a DataFrame per masked batch. With ``kind=None``, a Pipeline whose
    final estimator is a tree ensemble, a linear model or an MLP network is explained by that
    estimator's own explainer on the preprocessed columns (:func:`pipeline_shap_values`).
    """
    import shap

    if kind is None and fast_path:
        out = pipeline_shap_values(est, X, background, random_state=random_state)
        if out is not None:
            return out
    kind = kind or explainer_kind(est, X)
    classifier = is_classifier(est)
    if kind == "tree":
        Xa, Ba = np.asarray(X, dtype=float), np.asarray(background, dtype=float)
        expl = shap.TreeExplainer(est, Ba, model_output="probability" if classifier else "raw",
                                  feature_perturbation="interventional")
        vals = expl.shap_values(Xa, check_additivity=False)
    elif kind == "linear":
        Xa, Ba = np.asarray(X, dtype=float), np.asarray(background, dtype=float)
        expl = shap.LinearExplainer(est, Ba)
        vals = expl.shap_values(Xa)
        if classifier and len(est.classes_) == 2:  # LinearExplainer explains the log-odds of class 1
            vals = np.asarray(vals)
    elif kind == "gradient":
        import torch

        module = est.module_

        class _Proba(torch.nn.Module):  # explain probabilities, as every other explainer here
            def __init__(self):
                super().__init__()
                self.inner = module

            def forward(self, x):
                out = self.inner(x)
                return torch.softmax(out, dim=1) if classifier else out

        Xa = torch.as_tensor(np.asarray(X, dtype=np.float32))
        Ba = torch.as_tensor(np.asarray(background, dtype=np.float32))
        expl = shap.GradientExplainer(_Proba().eval(), Ba)
        vals = expl.shap_values(Xa, nsamples=64, rseed=random_state)
    elif kind == "permutation":
        # The codes cover the explained rows too: a category absent from the background must still
        # reach the model as itself, not as a missing value.
        U = pd.concat([X, background]) if isinstance(X, pd.DataFrame) else np.vstack([X, background])
        codec = _Codec(U)
        Benc = codec.encode(background)
        fast = fast_predictor(est, U, codec) if fast_path else None

        def f(A):
            out = None
            if fast is not None:
                try:
                    out = fast(A)
                except _NoFastPath:
                    out = None
            if out is None:
                out = predict_output(est, codec.decode(A))
            return out[:, -1] if (classifier and out.shape[1] == 2) or out.shape[1] == 1 else out

        masker = shap.maskers.Independent(Benc, max_samples=len(Benc))
        expl = shap.PermutationExplainer(f, masker, seed=random_state)
        d = Benc.shape[1]
        vals = expl(codec.encode(X), max_evals=2 * d + 1, silent=True).values
    else:
        raise UnknownNameError(f"explain: unknown explainer {kind!r}; use tree, linear, gradient or permutation.")
    vals = np.asarray(vals, dtype=float) if not isinstance(vals, list) else np.stack(vals, axis=-1)
    if vals.ndim == 3 and vals.shape[2] == 2:
        vals = vals[..., 1]
    return vals, kind


def feature_names(X) -> list[str]:
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    return [f"x{j}" for j in range(np.asarray(X).shape[1])]


def mean_abs(values) -> np.ndarray:
    v = np.abs(np.asarray(values, dtype=float))
    return v.mean(axis=0) if v.ndim == 2 else v.mean(axis=(0, 2))


def sparsity(importance, share: float = 0.9) -> int:
    """How many features carry ``share`` of the total attribution."""
    imp = np.sort(np.abs(np.asarray(importance, dtype=float)))[::-1]
    total = imp.sum()
    if total <= 0:
        return 0
    return int(np.searchsorted(np.cumsum(imp) / total, share - 1e-12) + 1)


# -- grouped permutation importance ---------------------------------------------------------------------
def resolve_columns(X, columns, where: str) -> list[int]:
    """Positions in ``X`` of ``columns`` (names, positions, a slice or a boolean mask)."""
    names = list(X.columns) if isinstance(X, pd.DataFrame) else None
    d = X.shape[1]
    if isinstance(columns, slice):
        return list(range(d))[columns]
    if isinstance(columns, (str, int, np.integer)):
        columns = [columns]
    cols = list(columns)
    if cols and all(isinstance(c, (bool, np.bool_)) for c in cols):
        return [j for j, c in enumerate(cols) if c]
    out = []
    for c in cols:
        if isinstance(c, (int, np.integer)) and not (names and c in names):
            if not -d <= c < d:
                raise InvalidParameterError(f"{where}: column position {c} is out of range for {d} columns.")
            out.append(int(c) % d)
        elif names is not None and c in names:
            out.append(names.index(c))
        else:
            hint = did_you_mean(str(c), [str(n) for n in names or []], normalize=False)
            raise UnknownNameError(f"{where}: column {c!r} is not in X.{hint}")
    return out


def default_groups(model, X) -> dict[str, list] | None:
    """Column groups a fitted model defines: ModalityFusion's modalities, or the fusion members' column lists."""
    mods = getattr(model, "modalities", None)
    if isinstance(mods, dict) and hasattr(model, "strategy_"):
        return {name: (spec[0] if isinstance(spec, (tuple, list)) else spec) for name, spec in mods.items()}
    cols = getattr(model, "_member_columns", None)
    if cols is not None and any(c is not None for c in cols) and hasattr(model, "member_names_"):
        return {name: c for name, c in zip(model.member_names_, cols) if c is not None}
    return None


def grouped_permutation_importance(model, X, y_enc, groups, scorer, *, n_repeats=5, confidence=0.95,
                                   random_state=None) -> pd.DataFrame:
    """Score drop when each group's columns are permuted together (one row permutation per repeat)."""
    from scipy import stats
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    if not isinstance(groups, dict) or not groups:
        raise InvalidParameterError(f"explain: groups must be a non-empty dict name -> columns; got {groups!r}.")
    positions = {name: resolve_columns(X, cols, f"explain: group {name!r}") for name, cols in groups.items()}
    base = scorer(y_enc, predict_output(model, X))
    sign = 1.0 if scorer.greater_is_better else -1.0
    rows = []
    is_frame = isinstance(X, pd.DataFrame)
    for name, pos in positions.items():
        drops = []
        for _ in range(n_repeats):
            perm = rng.permutation(len(X))
            if is_frame:
                Xp = X.copy()
                for j in pos:
                    Xp.iloc[:, j] = X.iloc[perm, j].to_numpy()
            else:
                Xp = np.array(X, copy=True)
                Xp[:, pos] = Xp[perm][:, pos]
            drops.append(sign * (base - scorer(y_enc, predict_output(model, Xp))))
        drops = np.asarray(drops)
        half = (stats.t.ppf(0.5 + confidence / 2, n_repeats - 1) * drops.std(ddof=1) / np.sqrt(n_repeats)
                if n_repeats > 1 else np.nan)
        rows.append({"group": name, "n_columns": len(pos), "importance": drops.mean(),
                     "std": drops.std(ddof=1) if n_repeats > 1 else np.nan,
                     "ci_low": drops.mean() - half, "ci_high": drops.mean() + half})
    return pd.DataFrame(rows).sort_values("importance", ascending=False).reset_index(drop=True)
