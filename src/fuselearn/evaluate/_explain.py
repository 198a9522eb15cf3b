"""``explain``: which members, modalities and features made a fitted model's decisions."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.utils import check_random_state

from .._registry import did_you_mean
from ..exceptions import InvalidInputError, InvalidParameterError, UnknownNameError
from ._explanation import Explanation
from ._features import (
    default_groups,
    explainer_kind,
    feature_names,
    grouped_permutation_importance,
    mean_abs,
    predict_output,
    resolve_columns,
    shap_values,
    sparsity,
)
from ._members import _encode_y, check_fitted, is_fusion, member_contributions, member_outputs
from ._scoring import Scorer

__all__ = ["explain"]


def _fusion_of(model):
    """The FusionClassifier/Regressor inside ``model`` (itself, or a late ModalityFusion's ``fusion_``)."""
    if is_fusion(model):
        return model
    inner = getattr(model, "fusion_", None)
    return inner if inner is not None and is_fusion(inner) else None


def _members_of(fusion):
    """[(name, fitted estimator, columns or None)] of a fitted fusion."""
    cols = getattr(fusion, "_member_columns", None) or [None] * len(fusion.member_names_)
    return [(n, fusion.named_estimators_[n], c) for n, c in zip(fusion.member_names_, cols)]


def _member_view(X, columns):
    if columns is None:
        return X
    pos = resolve_columns(X, columns, "explain")
    return X.iloc[:, pos] if isinstance(X, pd.DataFrame) else np.asarray(X)[:, pos]


def explain(
    model,
    X,
    y=None,
    *,
    scoring=None,
    n_repeats: int = 5,
    random_state=None,
    y_train=None,
    groups: dict | None = None,
    members: bool = True,
    features: bool = True,
    networks: bool = True,
    max_rows: int = 1000,
    background: int = 50,
    n_bootstrap: int = 200,
) -> Explanation:
    """Explain a fitted fuselearn (or scikit-learn) model: members, column groups, features, networks.

    Parameters
    ----------
    model : fitted estimator
        A FusionClassifier/Regressor, a ModalityFusion, a NeuralClassifier, or any scikit-learn
        estimator (the member analysis applies to fusions only).
    X : array-like or DataFrame of shape (n_rows, n_features)
        Rows to explain (held-out rows for honest importances).
    y : array-like of shape (n_rows,), default=None
        Their targets; needed for scores (member contributions on these rows, group importance).
    scoring : str or Metric, default=None
        A ``fuselearn.metrics`` name; ``roc_auc`` (binary), ``log_loss`` (multiclass), ``r2``.
    n_repeats : int, default=5
        Permutations per column group.
    random_state : int, RandomState or None
    y_train : array-like, default=None
        Targets of the rows the fusion was fitted on. With it, member contributions are computed on
        the fusion's stored out-of-fold predictions (what the issue asks for); without it, on the
        members' outputs for ``X`` with ``y``.
    groups : dict of str -> columns, default=None
        Column groups for grouped permutation importance. None: a ModalityFusion's modalities or the
        members' column lists, when the model has them.
    members, features, networks : bool, default=True
        Which analyses to run.
    max_rows : int, default=1000
        At most this many rows of ``X`` get SHAP values (a seeded sample).
    background : int, default=50
        Background rows for the SHAP explainers (a seeded sample of ``X``).
    n_bootstrap : int, default=200
        Bootstrap replicates of the member intervals.

    Returns
    -------
    Explanation
        Tables ``members_weights``, ``members_shapley``, ``members_leave_one_out``,
        ``members_coalitions``, ``groups``, ``features``, ``interpretability``, ``shap_values``,
        ``network_sources`` (those that apply), and ``info``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from fuselearn import FusionClassifier
    >>> from fuselearn.evaluate import explain
    >>> X, y = make_classification(200, 5, random_state=0)
    >>> fusion = FusionClassifier([("lr", LogisticRegression()), ("tree", DecisionTreeClassifier(max_depth=3))],
    ...                           method="stacking", random_state=0).fit(X, y)
    >>> e = explain(fusion, X, y, y_train=y, features=False, random_state=0)
    >>> e.to_frame("members_shapley").member.tolist()
    ['lr', 'tree']
    """
    check_fitted(model)
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)) or n_repeats < 1:
        raise InvalidParameterError(f"explain: n_repeats must be an integer >= 1; got {n_repeats!r}.")
    if not hasattr(X, "shape"):
        X = np.asarray(X)
    tabular = len(X.shape) == 2
    if not tabular and (features is True or groups):
        # Images, sequences: no columns to permute or to give shap values to; the network analysis stays.
        features, groups = False, None
    n = X.shape[0]
    if y is not None:
        y = np.asarray(y)
        if len(y) != n:
            raise InvalidInputError(f"explain: X has {n} rows but y has {len(y)}.")
    rng = check_random_state(random_state)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    tables: dict[str, pd.DataFrame] = {}
    info: dict = {"model": type(model).__name__, "n_rows": int(n), "timings_s": {}}
    fusion = _fusion_of(model)
    y_enc = _encode_y(model, y) if (y is not None and is_classifier(model)) else (
        None if y is None else np.asarray(y, dtype=float))
    scorer = Scorer.for_model(model, scoring, y_enc)
    info["scoring"] = scorer.name

    # -- members -------------------------------------------------------------------------------------
    if members and fusion is not None and (y_train is not None or y is not None):
        t0 = time.perf_counter()
        if y_train is not None and fusion.oof_predictions_ is not None:
            mc = member_contributions(fusion, y_train, scoring=scorer.metric, n_bootstrap=n_bootstrap,
                                      random_state=seed)
        else:
            outs = member_outputs(fusion, X)
            mc = member_contributions(fusion, y, outputs=outs, scoring=scorer.metric, n_bootstrap=n_bootstrap,
                                      random_state=seed)
        tables.update(members_weights=mc.weights, members_shapley=mc.shapley,
                      members_leave_one_out=mc.leave_one_out, members_coalitions=mc.coalitions)
        info["members"] = {k: v for k, v in mc.info.items() if k != "note"}
        info["members_note"] = mc.info["note"]
        info["timings_s"]["members"] = time.perf_counter() - t0

    # -- column groups --------------------------------------------------------------------------------
    if groups is None and tabular:
        groups = default_groups(model, X)
    elif isinstance(groups, (list, tuple)) and tabular:  # a selection of the model's own groups by name
        known = default_groups(model, X) or {}
        for g in groups:
            if g not in known:
                raise UnknownNameError(
                    f"explain: groups names {g!r}, which is no modality or member of this "
                    f"{type(model).__name__} (it has {list(known)})."
                    + did_you_mean(g, [str(k) for k in known], normalize=False)
                )
        groups = {g: known[g] for g in groups}
    elif groups is not None and (not isinstance(groups, dict) or not groups):
        raise InvalidParameterError(f"explain: groups must be a non-empty dict name -> columns, or a list of the "
                                    f"model's group names; got {groups!r}.")
    if groups and y is not None:
        t0 = time.perf_counter()
        tables["groups"] = grouped_permutation_importance(model, X, y_enc, groups, scorer, n_repeats=n_repeats,
                                                          random_state=seed)
        info["groups_note"] = (f"Score drop when all columns of a group are permuted together ({n_repeats} repeats, "
                               "t-interval over repeats); larger = the model relies more on the group.")
        info["timings_s"]["groups"] = time.perf_counter() - t0

    # -- features -------------------------------------------------------------------------------------
    if features:
        t0 = time.perf_counter()
        _explain_features(model, fusion, X, y_enc, scorer, tables, info, max_rows, background, seed)
        info["timings_s"]["features"] = time.perf_counter() - t0

    # -- inside networks ------------------------------------------------------------------------------
    if networks:
        from ._network import has_fusion_layer, network_sources

        net = _network_of(model)
        if net is not None and has_fusion_layer(net):
            t0 = time.perf_counter()
            tables["network_sources"] = network_sources(net, X, y, max_rows=min(max_rows, 200))
            info["network_sources_note"] = (
                "attribution_share: integrated gradients (captum) at each source's input to the fusion layer, "
                "mean |attribution| per class, normalised over sources. gate_weight: the layer's own mean gate "
                "per source (a weighting inside the layer, not an attribution of the output).")
            info["timings_s"]["network"] = time.perf_counter() - t0
    return Explanation(tables, info)


def _network_of(model):
    if hasattr(model, "module_") and hasattr(model, "predict"):
        return model
    return None


def _explain_features(model, fusion, X, y_enc, scorer, tables, info, max_rows, background, seed):
    rng = np.random.RandomState(seed)
    n = X.shape[0]
    rows = np.sort(rng.choice(n, size=min(max_rows, n), replace=False))
    bg_rows = np.sort(rng.choice(n, size=min(background, n), replace=False))

    def take(A, idx):
        return A.iloc[idx] if isinstance(A, pd.DataFrame) else np.asarray(A)[idx]

    names = feature_names(X)
    kinds = {}
    imp = {}
    kind = explainer_kind(model, X) if fusion is None else "permutation"
    vals, kinds["fusion" if fusion is not None else "model"] = shap_values(model, take(X, rows), take(X, bg_rows),
                                                                           kind=kind, random_state=seed)
    main = "fusion" if fusion is not None else "model"
    imp[main] = pd.Series(mean_abs(vals), index=names)
    summary = vals if vals.ndim == 2 else np.abs(vals).mean(axis=2)
    sv = pd.DataFrame(summary, columns=names)
    from ._features import _Codec

    codes = _Codec(take(X, rows)).encode(take(X, rows))  # feature values (category codes) colour the summary
    for j, f in enumerate(names):
        sv[f"_value:{f}"] = codes[:, j]
    tables["shap_values"] = sv
    member_scores = {}
    if fusion is not None:
        for mname, est, cols in _members_of(fusion):
            Xm = _member_view(X, cols)
            try:
                v, kinds[mname] = shap_values(est, take(Xm, rows), take(Xm, bg_rows), random_state=seed)
            except Exception as exc:  # noqa: BLE001 - shap raises many types; one member must not sink the rest
                kinds[mname] = f"failed: {type(exc).__name__}: {exc}"[:200]
                continue
            imp[mname] = pd.Series(mean_abs(v), index=feature_names(Xm)).reindex(names)
            if y_enc is not None:
                member_scores[mname] = scorer(y_enc, predict_output(est, Xm))
    frame = pd.DataFrame(imp)
    frame = frame / frame.sum(axis=0)  # shares, so models on different output scales compare
    frame = frame.sort_values(main, ascending=False)
    frame.insert(0, "feature", frame.index)
    tables["features"] = frame.reset_index(drop=True)
    info["explainers"] = kinds
    info["features_note"] = ("Mean |SHAP value| per feature as a share of the model's total, for the fused model "
                             "(model-agnostic permutation explainer on the fused probabilities) and for each member "
                             "with its own explainer (see 'explainers'); empty where a member does not see the feature.")
    # What fusion did to interpretability: agreement with its best member, and sparsity.
    if fusion is not None and len(imp) > 1:
        from scipy.stats import kendalltau, spearmanr

        if member_scores:
            sign = 1 if scorer.greater_is_better else -1
            best = max(member_scores, key=lambda k: sign * member_scores[k])
        else:
            w = getattr(fusion, "weights_", None)
            best = fusion.member_names_[int(np.argmax(w))] if w is not None else list(imp)[1]
        rows_out = []
        for mdl, s in imp.items():
            s = s.dropna()
            common = imp[main].index.intersection(s.index)
            rho = spearmanr(imp[main][common], s[common]).statistic if len(common) > 2 else np.nan
            tau = kendalltau(imp[main][common], s[common]).statistic if len(common) > 2 else np.nan
            rows_out.append({"model": mdl, "best_member": mdl == best, "score": member_scores.get(mdl, np.nan),
                             "n_features": len(s), "n_features_for_90pct": sparsity(s.to_numpy()),
                             "spearman_vs_fusion": rho if mdl != main else 1.0,
                             "kendall_vs_fusion": tau if mdl != main else 1.0})
        tables["interpretability"] = pd.DataFrame(rows_out)
        info["best_member"] = best
        info["interpretability_note"] = (
            f"Rank correlation of each model's feature ranking with the fusion's (on the features both see); "
            f"n_features_for_90pct = how many features carry 90 % of the attribution (fewer = sparser). Best "
            f"member by {scorer.name} on the explained rows: {best}.")
