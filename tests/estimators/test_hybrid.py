"""HybridClassifier: deep features into a classical head, cross-fitted."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

from fuselearn import HybridClassifier, NeuralExtractor
from fuselearn.exceptions import InvalidInputError, InvalidParameterError, NotFittedError


def _memorising_extractor():
    # big, no early stopping: it memorises the noisy training labels
    return NeuralExtractor(hidden_sizes=(256, 8), max_epochs=150, lr=3e-3, validation_fraction=0.0,
                           random_state=0)


def test_cross_fitting_removes_the_over_optimism():
    """Without cross-fitting the head sees embeddings of rows the network memorised: its training
    accuracy is far above its test accuracy. With cross_fit=5 the head's training accuracy (on
    out-of-fold embeddings) is an honest estimate of the test accuracy."""
    X, y = make_classification(n_samples=500, n_features=20, n_informative=4, flip_y=0.3,
                               class_sep=0.8, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    naive = HybridClassifier(_memorising_extractor(), LogisticRegression(), cross_fit=None).fit(X_tr, y_tr)
    naive_train = naive.heads_[0].score(naive.extractors_[0].transform(X_tr), y_tr)
    naive_test = naive.score(X_te, y_te)
    crossed = HybridClassifier(_memorising_extractor(), LogisticRegression(), cross_fit=5,
                               random_state=0).fit(X_tr, y_tr)
    # what each head saw at training time: rows its extractor never saw
    crossed_train = np.mean([
        head.score(crossed.oof_embeddings_[test], y_tr[test])
        for head, (_, test) in zip(crossed.heads_, crossed._splits(X_tr, y_tr, np.random.RandomState(0)))
    ])
    crossed_test = crossed.score(X_te, y_te)
    assert naive_train - naive_test > 0.2, (naive_train, naive_test)
    assert abs(crossed_train - crossed_test) < 0.1, (crossed_train, crossed_test)
    assert crossed_test >= naive_test - 0.02


def test_fold_pairs_beat_refit_on_digits():
    """refit=True applies the head in a refitted network's coordinates; the fold pairs do not."""
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    ext = NeuralExtractor(hidden_sizes=(64, 32), random_state=0)
    head = LogisticRegression(max_iter=2000)
    pairs = HybridClassifier(ext, head, cross_fit=5, random_state=0).fit(X_tr, y_tr).score(X_te, y_te)
    refit = HybridClassifier(ext, head, cross_fit=5, refit=True, random_state=0).fit(X_tr, y_tr)
    assert pairs >= refit.score(X_te, y_te)
    assert len(refit.extractors_) == 1 and pairs > 0.95


def test_any_head_and_methods_follow_the_head():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    ext = NeuralExtractor(hidden_sizes=(8,), max_epochs=5, random_state=0)
    rf = HybridClassifier(ext, RandomForestClassifier(n_estimators=10, random_state=0), cross_fit=3,
                          random_state=0).fit(X, y)
    assert rf.predict_proba(X).shape == (120, 2) and not hasattr(rf, "decision_function")
    svc = HybridClassifier(ext, SVC(), cross_fit=3, random_state=0).fit(X, y)
    assert svc.decision_function(X).shape == (120,) and not hasattr(svc, "predict_proba")
    assert svc.embed(X).shape == (3, 120, 8)
    assert svc.oof_embeddings_.shape == (120, 8)


def test_errors():
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    with pytest.raises(InvalidParameterError, match="'cross_fit' parameter"):
        HybridClassifier(cross_fit=1).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'extractor' parameter .*implementing 'fit' and 'transform'"):
        HybridClassifier(extractor=LogisticRegression()).fit(X, y)
    with pytest.raises(NotFittedError):
        HybridClassifier().predict(X)
    with pytest.raises(InvalidInputError, match="one class only"):
        HybridClassifier().fit(X, np.ones(60))
