"""Estimators for runner tests: slow, failing and hanging ones (imported by path from configs)."""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, OutlierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.metaestimators import _BaseComposition


class SlowClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression that sleeps ``delay`` seconds in fit."""

    def __init__(self, delay=0.1, random_state=None):
        self.delay = delay
        self.random_state = random_state

    def fit(self, X, y):
        time.sleep(self.delay)
        self.model_ = LogisticRegression(max_iter=500, random_state=self.random_state).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


class FailingClassifier(ClassifierMixin, BaseEstimator):
    """Raises in fit when the training set holds more than ``max_rows`` rows."""

    def __init__(self, max_rows=0):
        self.max_rows = max_rows

    def fit(self, X, y):
        if len(y) > self.max_rows:
            raise RuntimeError(f"deliberate failure on {len(y)} rows")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


class HangingClassifier(ClassifierMixin, BaseEstimator):
    """Never finishes fit (a runaway cell)."""

    def __init__(self, seconds=3600.0):
        self.seconds = seconds

    def fit(self, X, y):
        time.sleep(self.seconds)
        return self


class SharingAverage(ClassifierMixin, _BaseComposition):
    """Averages its members' probabilities (``how="mean"``) or takes their maximum (``"max"``).

    Implements the runner's member-fit sharing protocol without being a fuselearn class, so the
    runner must recognise it by duck typing alone. ``member_fits`` counts member fits (class-wide).
    """

    _fuselearn_combiner_params = ("how",)
    member_fits = 0

    def __init__(self, estimators, how="mean"):
        self.estimators = estimators
        self.how = how

    def get_params(self, deep=True):  # members' parameters as name__param, as VotingClassifier
        return self._get_params("estimators", deep=deep)

    def set_params(self, **params):
        return self._set_params("estimators", **params)

    def fit(self, X, y):
        from sklearn.base import clone

        self.members_, self.seconds_ = {}, {}
        for name, est in self.estimators:
            start = time.perf_counter()
            self.members_[name] = clone(est).fit(X, y)
            self.seconds_[name] = time.perf_counter() - start
            type(self).member_fits += 1
        self.classes_ = np.unique(y)
        return self.refit_combiner(X, y)

    def refit_combiner(self, X, y, **params):
        from fuselearn.exceptions import InvalidParameterError

        unknown = set(params) - set(self._fuselearn_combiner_params)
        if unknown:
            raise InvalidParameterError(f"not combiner parameters: {sorted(unknown)}")
        self.set_params(**params)
        self.how_ = self.how
        return self

    def fitted_member(self, name):
        if name not in self.members_:
            return None
        return self.members_[name], self.seconds_[name]

    def predict_proba(self, X):
        probas = np.stack([m.predict_proba(X) for m in self.members_.values()])
        out = probas.mean(axis=0) if self.how_ == "mean" else probas.max(axis=0)
        return out / out.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _numeric(X):
    return np.asarray(X.select_dtypes("number") if hasattr(X, "select_dtypes") else X, dtype=float)


class RefuseColumns(ClassifierMixin, BaseEstimator):
    """Logistic regression on the numeric columns that raises in fit when ``X`` holds one of
    ``columns`` (by name)."""

    def __init__(self, columns=()):
        self.columns = columns

    def fit(self, X, y):
        seen = set(map(str, getattr(X, "columns", [])))
        leaked = sorted(seen & set(self.columns))
        if leaked:
            raise RuntimeError(f"sensitive column(s) {leaked} reached the model")
        self.model_ = LogisticRegression(max_iter=500).fit(_numeric(X), y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(_numeric(X))

    def predict_proba(self, X):
        return self.model_.predict_proba(_numeric(X))


class SpyDetector(OutlierMixin, BaseEstimator):
    """An outlier detector that records every fit: the ``y`` it was given and the values of its
    first column (the row numbers, in the anomaly tests). A row is an anomaly when one of its other
    columns is more than ``threshold`` fit standard deviations from the fit mean."""

    fits: ClassVar[list] = []  # class-level: the cells run in this process (one job)

    def __init__(self, threshold=3.0):
        self.threshold = threshold

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        SpyDetector.fits.append({"y": y, "first_column": X[:, 0].copy()})
        self.mean_ = X[:, 1:].mean(axis=0)
        self.std_ = X[:, 1:].std(axis=0) + 1e-12
        return self

    def score_samples(self, X):
        X = np.asarray(X, dtype=float)
        return -np.abs((X[:, 1:] - self.mean_) / self.std_).max(axis=1)

    def predict(self, X):
        return np.where(-self.score_samples(X) > self.threshold, -1, 1)
