"""``fairness``: group metrics of a fused model and of every member, through fairlearn's MetricFrame."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.utils import check_random_state

from .._registry import did_you_mean
from ..exceptions import InvalidInputError, InvalidParameterError, UnknownNameError
from ._explanation import Explanation
from ._features import predict_output
from ._members import check_fitted

__all__ = ["fairness"]


def _roc_auc(y_true, y_score):
    from sklearn.metrics import roc_auc_score

    return roc_auc_score(y_true, y_score) if len(np.unique(y_true)) == 2 else np.nan


def _brier(y_true, y_score):
    return float(np.mean((np.asarray(y_score, dtype=float) - np.asarray(y_true)) ** 2))


def _ece(y_true, y_score, n_bins: int = 10):
    """Expected calibration error of the positive-class probability (equal-width bins)."""
    y_true, p = np.asarray(y_true), np.asarray(y_score, dtype=float)
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    err = 0.0
    for b in np.unique(bins):
        m = bins == b
        err += m.mean() * abs(y_true[m].mean() - p[m].mean())
    return float(err)


def _sensitive_columns(X, sensitive_features) -> dict[str, np.ndarray]:
    if sensitive_features is None:
        raise InvalidParameterError("fairness: sensitive_features is required (column names of X, or arrays).")
    if isinstance(sensitive_features, (str, pd.Series, np.ndarray)) or not isinstance(sensitive_features,
                                                                                        (list, tuple, dict)):
        sensitive_features = [sensitive_features]
    items = sensitive_features.items() if isinstance(sensitive_features, dict) else [
        (s if isinstance(s, str) else getattr(s, "name", None) or f"sensitive_{i}", s)
        for i, s in enumerate(sensitive_features)]
    n = X.shape[0]
    out = {}
    for name, s in items:
        if isinstance(s, str):
            if not isinstance(X, pd.DataFrame) or s not in X.columns:
                cols = [str(c) for c in getattr(X, "columns", [])]
                hint = did_you_mean(s, cols, normalize=False)
                raise UnknownNameError(
                    f"fairness: sensitive column {s!r} is not in X." + (hint or f" X's columns are {cols[:20]}.")
                )
            values = X[s].to_numpy()
        else:
            values = np.asarray(s)
        if len(values) != n:
            raise InvalidInputError(f"fairness: sensitive feature {name!r} has {len(values)} values for {n} rows.")
        values = pd.Series(values).astype(object).where(pd.notna(values), "(missing)").astype(str).to_numpy()
        groups = np.unique(values)
        if len(groups) < 2:
            raise InvalidInputError(
                f"fairness: sensitive feature {name!r} has one group only ({groups[0]!r}) in these rows; a "
                "comparison between groups needs at least two."
            )
        out[str(name)] = values
    return out


def _models(model, X):
    """[(name, proba of the positive class on X)] for the model and, for a fusion, each member."""
    from ._explain import _fusion_of, _member_view, _members_of

    out = [("fusion" if _fusion_of(model) is not None else "model", predict_output(model, X)[:, -1])]
    fusion = _fusion_of(model)
    if fusion is not None:
        classes = np.asarray(fusion.classes_)
        for name, est, cols in _members_of(fusion):
            p = predict_output(est, _member_view(X, cols))
            cls = np.asarray(est.classes_)
            out.append((name, p[:, int(np.flatnonzero(cls == classes[-1])[0])]))
    return out


def _gap_replicates(y, pred, groups, counts):
    """Demographic-parity and equalized-odds differences for each row-count vector, shape (B,) each."""
    G = np.stack([groups == g for g in np.unique(groups)], axis=1).astype(float)  # (n, g)

    def rate(mask):  # (B, g) rate of pred==1 among rows in mask, per group
        num = counts @ (G * (pred * mask)[:, None])
        den = counts @ (G * mask[:, None])
        return num / np.where(den > 0, den, np.nan)

    sel = rate(np.ones_like(y, dtype=float))
    tpr = rate((y == 1).astype(float))
    fpr = rate((y == 0).astype(float))

    def spread(r):
        return np.nanmax(r, axis=1) - np.nanmin(r, axis=1)

    return spread(sel), np.maximum(spread(tpr), spread(fpr))


def fairness(model, X, y, sensitive_features, *, threshold: float = 0.5, n_bootstrap: int = 200,
             confidence: float = 0.95, random_state=None) -> Explanation:
    """Per-group metrics and between-group gaps of a binary classifier, for the fusion and every member.

    Parameters
    ----------
    model : fitted binary classifier (a fusion: its members are audited too)
    X : DataFrame or array of shape (n_rows, n_features)
    y : array-like of shape (n_rows,)
    sensitive_features : str, array-like, or a list/dict of them
        Column names of ``X`` or arrays of group labels, each audited on its own.
    threshold : float, default=0.5
        Positive-class probability above which a row is predicted positive.
    n_bootstrap : int, default=200
        Bootstrap replicates of the rows for the intervals of the differences.
    confidence : float, default=0.95
    random_state : int, RandomState or None

    Returns
    -------
    Explanation
        ``fairness_groups`` (model, sensitive, group, count, accuracy, roc_auc, tpr, fpr, selection_rate,
        brier, ece) from fairlearn's ``MetricFrame``, and ``fairness_gaps`` (model, sensitive, metric,
        difference, ci_low, ci_high) with fairlearn's ``demographic_parity_difference`` and
        ``equalized_odds_difference``.
    """
    from fairlearn.metrics import (
        MetricFrame,
        count,
        demographic_parity_difference,
        equalized_odds_difference,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    check_fitted(model, "fairness")
    if not is_classifier(model) or len(getattr(model, "classes_", [])) != 2:
        raise InvalidParameterError(
            f"fairness: needs a fitted binary classifier; {type(model).__name__} has classes "
            f"{list(getattr(model, 'classes_', []))}. Group rates (TPR, FPR, selection rate) are defined for two classes."
        )
    y = np.asarray(y)
    if len(y) != X.shape[0]:
        raise InvalidInputError(f"fairness: X has {X.shape[0]} rows but y has {len(y)}.")
    classes = np.asarray(model.classes_)
    unknown = set(np.unique(y)) - set(classes.tolist())
    if unknown:
        raise InvalidInputError(f"fairness: y has labels {sorted(unknown)} the model never saw ({classes.tolist()}).")
    y01 = (y == classes[1]).astype(int)
    sens = _sensitive_columns(X, sensitive_features)
    rng = check_random_state(random_state)
    counts = np.vstack([np.ones(len(y)), rng.multinomial(len(y), np.full(len(y), 1 / len(y)), size=n_bootstrap)])
    alpha = (1 - confidence) / 2
    group_rows, gap_rows = [], []
    for mname, p in _models(model, X):
        pred = (p >= threshold).astype(int)
        for sname, s in sens.items():
            labels = MetricFrame(metrics={"count": count, "accuracy": accuracy_score, "tpr": true_positive_rate,
                                          "fpr": false_positive_rate, "selection_rate": selection_rate},
                                 y_true=y01, y_pred=pred, sensitive_features=pd.Series(s, name=sname))
            probs = MetricFrame(metrics={"roc_auc": _roc_auc, "brier": _brier, "ece": _ece},
                                y_true=y01, y_pred=p, sensitive_features=pd.Series(s, name=sname))
            frame = labels.by_group.join(probs.by_group)
            overall = pd.concat([labels.overall, probs.overall])
            frame.loc["(all)"] = overall
            for g, row in frame.iterrows():
                group_rows.append({"model": mname, "sensitive": sname, "group": g, **row.to_dict()})
            dp = demographic_parity_difference(y01, pred, sensitive_features=s)
            eo = equalized_odds_difference(y01, pred, sensitive_features=s)
            dp_b, eo_b = _gap_replicates(y01, pred.astype(float), s, counts)
            for metric, value, boot in (("demographic_parity_difference", dp, dp_b),
                                        ("equalized_odds_difference", eo, eo_b)):
                gap_rows.append({"model": mname, "sensitive": sname, "metric": metric, "difference": float(value),
                                 "ci_low": float(np.nanquantile(boot[1:], alpha)),
                                 "ci_high": float(np.nanquantile(boot[1:], 1 - alpha))})
    groups = pd.DataFrame(group_rows)
    groups["count"] = groups["count"].astype(int)
    info = {"model": type(model).__name__, "positive_class": classes[1].item() if hasattr(classes[1], "item")
            else classes[1], "threshold": threshold, "n_rows": len(y), "n_bootstrap": n_bootstrap,
            "fairness_note": (
                "Per-group metrics from fairlearn's MetricFrame (ece: expected calibration error, 10 bins; brier on "
                "the positive-class probability). Differences: fairlearn's demographic_parity_difference and "
                "equalized_odds_difference (max - min over groups; 0 = parity), intervals by a bootstrap over rows."),
            }
    return Explanation({"fairness_groups": groups, "fairness_gaps": pd.DataFrame(gap_rows)}, info)
