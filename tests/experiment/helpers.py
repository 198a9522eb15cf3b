"""Estimators for runner tests: slow, failing and hanging ones (imported by path from configs)."""

from __future__ import annotations

import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


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
