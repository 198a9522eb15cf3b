"""Shared set-up of the evaluate benchmarks: datasets, sensitive columns and the stacking fusion."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from fuselearn import FusionClassifier, NeuralClassifier
from fuselearn.data import load_adult, load_german_credit


def preprocessor(X: pd.DataFrame) -> ColumnTransformer:
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    categorical = [c for c in X.columns if c not in numeric]
    return ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore", sparse_output=False, min_frequency=10)),
         categorical),
    ])


def load(name: str, n_train: int | None, n_test: int | None, seed: int = 0):
    """(X_train, y_train, X_test, y_test, sensitive columns of X_test) of adult or german credit."""
    rng = np.random.RandomState(seed)
    if name == "adult":
        ds = load_adult()
        X, y = ds.inputs["table"], ds.target
        train, test = ds.split["train"], ds.split["test"]
        sens = {"sex": X["sex"].astype(str).to_numpy(), "race": X["race"].astype(str).to_numpy()}
    elif name == "german":
        ds = load_german_credit()
        X, y = ds.inputs["table"], ds.target
        perm = rng.permutation(len(y))
        train, test = np.sort(perm[:700]), np.sort(perm[700:])
        # german.doc: A91/A93/A94 male, A92/A95 female; the usual age threshold of the fairness literature: 25.
        sex = np.where(X["personal_status"].isin(["A92", "A95"]), "female", "male")
        age = np.where(X["age"] > 25, "over 25", "25 or under")
        sens = {"age_group": age, "sex": sex}
    else:
        raise SystemExit(f"unknown dataset {name!r}")
    if n_train and n_train < len(train):
        train = np.sort(rng.choice(train, n_train, replace=False))
    if n_test and n_test < len(test):
        test = np.sort(rng.choice(test, n_test, replace=False))
    Xtr, Xte = X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True)
    return Xtr, y[train], Xte, y[test], {k: v[test] for k, v in sens.items()}


def members(X: pd.DataFrame, seed: int = 0, extra: bool = False):
    import lightgbm as lgb

    out = [
        ("lightgbm", Pipeline([("pre", preprocessor(X)), ("m", lgb.LGBMClassifier(
            n_estimators=200, learning_rate=0.05, num_leaves=31, n_jobs=1, verbose=-1, random_state=seed))])),
        ("logreg", Pipeline([("pre", preprocessor(X)), ("m", LogisticRegression(max_iter=1000))])),
        ("neural", Pipeline([("pre", preprocessor(X)), ("m", NeuralClassifier(
            hidden_sizes=(64,), max_epochs=30, batch_size=256, random_state=seed))])),
    ]
    if extra:
        from sklearn.naive_bayes import GaussianNB
        from sklearn.tree import DecisionTreeClassifier

        out += [("tree", Pipeline([("pre", preprocessor(X)), ("m", DecisionTreeClassifier(max_depth=6,
                                                                                         random_state=seed))])),
                ("naive_bayes", Pipeline([("pre", preprocessor(X)), ("m", GaussianNB())]))]
    return out


def fusion(X, y, seed: int = 0, extra: bool = False, method: str = "stacking") -> FusionClassifier:
    return FusionClassifier(members(X, seed, extra), method=method, cv=5, random_state=seed).fit(X, y)
