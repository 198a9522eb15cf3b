"""A fitted model depends on its fitted attributes only: ``set_params`` after ``fit`` changes nothing.

For every public estimator and extractor: fit, record what it predicts (``predict``,
``predict_proba``, ``predict_uncertainty``, ``transform``), set each constructor parameter in turn to
another valid value, and check that the outputs are exactly the same. The parameters left out are
listed with the reason, and the test checks that every other parameter was changed.
"""

from __future__ import annotations

import tempfile

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from fuselearn import (
    FusionClassifier,
    FusionRegressor,
    HybridClassifier,
    HybridRegressor,
    ModalityFusion,
    NBSVMClassifier,
    NeuralClassifier,
    NeuralExtractor,
    NeuralRegressor,
)
from fuselearn.extract import (
    AutoencoderEmbedder,
    GraphEmbedder,
    GraphStatistics,
    ImageEmbedder,
    TextEmbedder,
    TfidfExtractor,
    WindowFeatures,
    WLFeatures,
)

TINY = {"max_epochs": 3, "hidden_sizes": (8,), "random_state": 0}


def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def _regression():
    X, _ = _table()
    return X, X @ [1.0, -2.0, 0.5, 0.0]


def _records():
    X = pd.DataFrame({"review": ["love it", "too small", "great fit", "poor fabric", "nice", "bad"] * 6,
                      "age": np.arange(36, dtype=float), "size": np.arange(36, dtype=float) % 5})
    return X, np.array([1, 0, 1, 0, 1, 0] * 6)


def _texts():
    X, y = _records()
    return X["review"].to_numpy(), y


def _series():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 30)), None


def _images():
    rng = np.random.default_rng(0)
    X = rng.random((24, 1, 8, 8)).astype(np.float32)
    return X, np.array([0, 1] * 12)


def _graphs():
    from fuselearn.data import Graph

    rng = np.random.default_rng(0)
    graphs, y = [], []
    for i in range(16):
        n = 4 + i % 3
        edges = np.array([[j, (j + 1) % n] for j in range(n)] + [[(j + 1) % n, j] for j in range(n)]).T
        graphs.append(Graph(edge_index=edges, num_nodes=n, node_labels=rng.integers(0, 3, size=n)))
        y.append(i % 2)
    return graphs, np.array(y)


# Alternative values by parameter name (one valid value different from the one in the case).
ALTERNATIVES = {
    "method": {"mean": "vote", "stacking": "bayes", "bayes": "weighted", "weighted": "mean"},
    "strategy": {"early": "late", "late": "intermediate", "intermediate": "early"},
    "module": {"mlp": "cnn", "cnn": "mlp", "gnn": "mlp"},
    "device": {"cpu": "meta"},
    "fusion": {"concat": "gated"},
    "hidden_sizes": lambda v: (3, 3),
    "ngram_range": lambda v: (1, 2),
    "lags": lambda v: (1,),
    "stats": lambda v: ("mean",),
    "image_size": lambda v: (6, 6),
    "module_params": lambda v: {"dropout": 0.5},
    "weights": lambda v: [3.0, 1.0] if v is None else None,
    "meta_learner": lambda v: DecisionTreeClassifier(max_depth=1),
    "estimator": lambda v: GaussianNB(),
    "patience": lambda v: None if v is not None else 2,
    "max_features": lambda v: 2 if v is None else None,
    "max_df": lambda v: 0.5,
    "metric": lambda v: "accuracy" if v is None else None,
    "n_jobs": lambda v: 2 if v is None else None,
    "cross_fit": lambda v: 2 if v != 2 else 3,
    "random_state": lambda v: 1 if v != 1 else 2,
    "validation_fraction": lambda v: 0.3,
    "dropout": lambda v: 0.5,
    "time_limit": lambda v: 60.0 if v is None else None,
    # a cache folder set after fit: the output must not change (the fit resolved its own cache_)
    "cache": lambda v: tempfile.mkdtemp(prefix="fuselearn-cache-") if v is None else None,
}


def _alternative(name, value):
    alt = ALTERNATIVES.get(name)
    if isinstance(alt, dict) and value in alt:
        return alt[value]
    if callable(alt):
        return alt(value)
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 0.5 if value else 0.1
    raise LookupError(f"no alternative for {name}={value!r}: add one to ALTERNATIVES or to the case's own")


def _fusion_members():
    return [("lr", LogisticRegression()), ("nb", GaussianNB()),
            ("tree", DecisionTreeClassifier(max_depth=2, random_state=0))]


CASES = [
    # (id, estimator, data, own alternatives, params left out with the reason)
    ("NeuralClassifier", NeuralClassifier(**TINY), _table, {}, {}),
    ("NeuralRegressor", NeuralRegressor(**TINY), _regression, {}, {}),
    ("HybridClassifier", HybridClassifier(NeuralExtractor(**TINY), cross_fit=3, random_state=0), _table,
     {"extractor": NeuralExtractor(max_epochs=2, hidden_sizes=(5,), random_state=1),
      "head": DecisionTreeClassifier(max_depth=1)}, {}),
    ("HybridRegressor", HybridRegressor(NeuralExtractor(**TINY), cross_fit=3, random_state=0), _regression,
     {"extractor": NeuralExtractor(max_epochs=2, hidden_sizes=(5,), random_state=1),
      "head": DecisionTreeRegressor(max_depth=1)}, {}),
    ("FusionClassifier-bayes", FusionClassifier(_fusion_members(), method="bayes", cv=3, random_state=0),
     _table, {"estimators": [("lr", LogisticRegression(C=0.01)), ("nb", GaussianNB())],
              "weights": [1.0, 2.0, 3.0]}, {}),
    ("FusionClassifier-stacking",
     FusionClassifier(_fusion_members(), method="stacking", passthrough=True, cv=3, random_state=0),
     _table, {"estimators": [("lr", LogisticRegression(C=0.01)), ("nb", GaussianNB())],
              "weights": [1.0, 2.0, 3.0]}, {}),
    ("FusionClassifier-mean", FusionClassifier(_fusion_members(), method="mean", weights=[1, 2, 3]),
     _table, {"estimators": [("nb", GaussianNB())], "method": "vote"}, {}),
    ("FusionRegressor-median",
     FusionRegressor([("ridge", Ridge()), ("tree", DecisionTreeRegressor(max_depth=2, random_state=0))],
                     method="median", cv=3, random_state=0), _regression,
     {"estimators": [("ridge", Ridge(alpha=10.0))], "method": "bayes",
      "meta_learner": DecisionTreeRegressor(max_depth=1)}, {}),
    ("FusionRegressor-bayes",
     FusionRegressor([("ridge", Ridge()), ("tree", DecisionTreeRegressor(max_depth=2, random_state=0))],
                     method="bayes", cv=3, random_state=0), _regression,
     {"estimators": [("ridge", Ridge(alpha=10.0))], "method": "median",
      "meta_learner": DecisionTreeRegressor(max_depth=1)}, {}),
    ("ModalityFusion-early",
     ModalityFusion({"text": ("review", TfidfExtractor()), "table": (["age", "size"], None)},
                    strategy="early", random_state=0), _records,
     {"modalities": {"text": ("review", TfidfExtractor(min_df=2))}}, {}),
    ("ModalityFusion-late",
     ModalityFusion({"text": ("review", TfidfExtractor()), "table": (["age", "size"], None)},
                    strategy="late", cv=3, random_state=0), _records,
     {"modalities": {"text": ("review", TfidfExtractor(min_df=2))}}, {}),
    ("ModalityFusion-intermediate",
     ModalityFusion({"text": ("review", TfidfExtractor()), "table": (["age", "size"], None)},
                    strategy="intermediate", max_epochs=3, hidden_size=8, random_state=0), _records,
     {"modalities": {"text": ("review", TfidfExtractor(min_df=2))}}, {}),
    ("NeuralExtractor", NeuralExtractor(**TINY), _table, {}, {}),
    ("AutoencoderEmbedder", AutoencoderEmbedder(encoding_dim=3, hidden_sizes=(8,), max_epochs=3,
                                                random_state=0), _table, {}, {}),
    ("TfidfExtractor", TfidfExtractor(nb_weighting=True), _texts, {}, {}),
    ("NBSVMClassifier", NBSVMClassifier(random_state=0), _texts, {"ngram_range": (1, 1), "token_pattern": "words"},
     {}),
    ("TextEmbedder", TextEmbedder(max_length=16), lambda: (_texts()[0][:6], None),
     {"model": "another-model", "max_length": 4, "cache": "/nonexistent/cache/folder"}, {}),
    ("TextEmbedder_fine_tuned", TextEmbedder(fine_tune=1, max_length=8, batch_size=8, random_state=0),
     lambda: tuple(part[:8] for part in _texts()),
     {"model": "another-model", "max_length": 4, "cache": "/nonexistent/cache/folder", "random_state": 1}, {}),
    ("WindowFeatures", WindowFeatures(window=5), _series, {}, {}),
    ("WLFeatures", WLFeatures(n_iter=2), _graphs, {"unseen": "drop"}, {}),
    ("GraphStatistics", GraphStatistics(), _graphs, {"degree_bins": (0, 2, 4)}, {}),
    ("GraphEmbedder", GraphEmbedder(hidden_sizes=(8,), max_epochs=2, random_state=0), _graphs, {}, {}),
    ("ImageEmbedder", ImageEmbedder(image_size=(8, 8), hidden_sizes=(8,), max_epochs=2, random_state=0),
     _images, {}, {}),
]


def _outputs(est, X):
    out = {}
    for name in ("predict", "predict_proba", "transform"):
        if hasattr(est, name):
            value = getattr(est, name)(X)
            out[name] = value.toarray() if hasattr(value, "toarray") else np.asarray(value)
    if hasattr(est, "predict_uncertainty"):
        out["predict_uncertainty"] = np.stack(est.predict_uncertainty(X))
    return out


@pytest.mark.parametrize("est, data, own, skip", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_set_params_after_fit_does_not_change_predictions(est, data, own, skip):
    X, y = data()
    est = clone(est).fit(X, y)
    before = _outputs(est, X)
    assert before, "the estimator has nothing to compare"
    changed = []
    for name, value in clone(est).get_params(deep=False).items():
        if name in skip:
            continue
        new = own[name] if name in own else _alternative(name, value)
        est.set_params(**{name: new})
        after = _outputs(est, X)
        assert after.keys() == before.keys(), f"set_params({name}=...) changed which methods exist"
        for method in before:
            np.testing.assert_array_equal(
                after[method], before[method],
                err_msg=f"{type(est).__name__}.{method} changed after set_params({name}={new!r})",
            )
        est.set_params(**{name: value})
        changed.append(name)
    assert set(changed) | set(skip) == set(est.get_params(deep=False))
