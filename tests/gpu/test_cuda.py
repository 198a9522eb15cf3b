"""Neural estimators on a CUDA device (marker ``gpu``; deselected by default, skipped without a GPU)."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from fuselearn import NeuralClassifier, NeuralExtractor, NeuralRegressor

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine"),
]


@pytest.fixture
def data():
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    return X.astype(np.float32), y


def test_classifier_trains_and_predicts_on_cuda(data):
    X, y = data
    clf = NeuralClassifier(device="cuda", max_epochs=30, lr=1e-2, random_state=0).fit(X, y)
    assert next(clf.module_.parameters()).device.type == "cuda"
    assert clf.score(X, y) > 0.85
    proba = clf.predict_proba(X)
    assert isinstance(proba, np.ndarray) and proba.shape == (300, 2)


def test_cuda_and_cpu_learn_the_same_thing(data):
    X, y = data
    cpu = NeuralClassifier(device="cpu", max_epochs=20, random_state=0).fit(X, y).predict(X)
    gpu = NeuralClassifier(device="cuda", max_epochs=20, random_state=0).fit(X, y).predict(X)
    assert (cpu == gpu).mean() > 0.95  # same seed; kernels differ in the last bits


def test_same_seed_same_predictions_on_cuda(data):
    X, y = data
    a = NeuralClassifier(device="cuda", max_epochs=5, random_state=3).fit(X, y).predict_proba(X)
    b = NeuralClassifier(device="cuda", max_epochs=5, random_state=3).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_regressor_and_extractor_on_cuda(data):
    X, y = data
    reg = NeuralRegressor(device="cuda", max_epochs=5, random_state=0).fit(X, y.astype(float))
    assert reg.predict(X).shape == (300,)
    Z = NeuralExtractor(device="cuda", hidden_sizes=(16,), max_epochs=3, random_state=0).fit(X, y).transform(X)
    assert Z.shape == (300, 16) and np.isfinite(Z).all()


def test_torch_base_estimators_on_cuda(data):
    """The shared base keeps the module on the device it trained on; sparse batches are densified there."""
    import scipy.sparse as sp

    from fuselearn.extract import AutoencoderEmbedder

    X, y = data
    ae = AutoencoderEmbedder(encoding_dim=3, max_epochs=3, device="cuda", random_state=0).fit(X)
    assert next(ae.module_.parameters()).device.type == "cuda"
    assert ae.transform(X).shape == (300, 3) and np.isfinite(ae.score_samples(X)).all()
    Xs = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0))
    clf = NeuralClassifier(device="cuda", max_epochs=3, random_state=0).fit(Xs, y)
    assert clf.predict_proba(Xs).shape == (300, 2)
