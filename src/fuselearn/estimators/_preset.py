"""The tabular preset's members (``FusionClassifier.auto``).

Each member is ``Pipeline([("prep", _TablePreprocessor()), ("model", ...)])``: the preprocessor is
:func:`fuselearn.data.default_preprocessor`, built at fit from the columns the member is given,
so one member definition serves any table. The member list mirrors AutoGluon's
``medium_quality`` portfolio (gradient boosting, random and extra trees, a linear model, k-NN and
a neural network), sized for a 2-core machine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["tabular_members"]


def _frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    X = np.asarray(X)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


class _TablePreprocessor(TransformerMixin, BaseEstimator):
    """``default_preprocessor`` built at fit from the table's own columns (a DataFrame or an array)."""

    def fit(self, X, y=None):
        from ..data import default_preprocessor

        frame = _frame(X)
        self.preprocessor_ = default_preprocessor(frame).fit(frame)
        self.n_features_in_ = frame.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self, "preprocessor_")
        out = self.preprocessor_.transform(_frame(X))
        # Dense for every member (the neural one takes no sparse input); one-hot tables stay small.
        return out.toarray() if hasattr(out, "toarray") else np.asarray(out)


def tabular_members(random_state: int | None = None) -> list[tuple[str, Pipeline]]:
    """The preset's ``(name, pipeline)`` members, cheapest strong ones first (the budget's order)."""
    from lightgbm import LGBMClassifier

    from ._neural import NeuralClassifier

    def pipe(model) -> Pipeline:
        return Pipeline([("prep", _TablePreprocessor()), ("model", model)])

    return [
        ("lightgbm", pipe(LGBMClassifier(n_estimators=300, learning_rate=0.03, num_leaves=15,
                                         min_child_samples=10, subsample=0.8, subsample_freq=1,
                                         colsample_bytree=0.8, n_jobs=1, verbose=-1,
                                         random_state=random_state))),
        ("logreg", pipe(LogisticRegression(C=0.3, max_iter=2000))),
        ("extra_trees", pipe(ExtraTreesClassifier(n_estimators=300, min_samples_leaf=3, max_features="sqrt",
                                                  n_jobs=1, random_state=random_state))),
        ("random_forest", pipe(RandomForestClassifier(n_estimators=300, min_samples_leaf=3, n_jobs=1,
                                                      random_state=random_state))),
        ("knn", pipe(KNeighborsClassifier(n_neighbors=25, weights="distance"))),
        ("neural", pipe(NeuralClassifier(hidden_sizes=(64,), max_epochs=60, lr=3e-3, batch_size=128,
                                         random_state=random_state))),
    ]
