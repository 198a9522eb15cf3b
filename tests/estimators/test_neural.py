"""NeuralClassifier / NeuralRegressor / NeuralExtractor behaviour and their error messages."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression

from fuselearn import NeuralClassifier, NeuralExtractor, NeuralRegressor
from fuselearn.exceptions import (
    FuselearnError,
    InvalidInputError,
    InvalidParameterError,
    NotFittedError,
    UnknownNameError,
)
from fuselearn.nn import MLP


@pytest.fixture
def clf_data():
    X, y = make_classification(n_samples=200, n_features=6, n_informative=4, random_state=0)
    return X.astype(np.float32), y


def test_learns_a_separable_problem(clf_data):
    X, y = clf_data
    clf = NeuralClassifier(hidden_sizes=(32,), max_epochs=60, lr=1e-2, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.n_epochs_ <= 60 and len(clf.history_.train_loss) == clf.n_epochs_
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def test_same_seed_same_predictions_and_global_rng_untouched(clf_data):
    X, y = clf_data
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = NeuralClassifier(max_epochs=5, random_state=7).fit(X, y).predict_proba(X)
    after = torch.rand(1)
    b = NeuralClassifier(max_epochs=5, random_state=7).fit(X, y).predict_proba(X)
    c = NeuralClassifier(max_epochs=5, random_state=8).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert before == after  # fitting seeded its own RNG and restored the caller's


def test_early_stopping_keeps_the_best_epoch(clf_data):
    X, y = clf_data
    clf = NeuralClassifier(max_epochs=300, lr=5e-2, patience=3, validation_fraction=0.3,
                           random_state=0).fit(X, y)
    h = clf.history_
    assert h.stopped_early and clf.n_epochs_ < 300
    assert h.best_epoch == int(np.argmin(h.valid_loss))


def test_string_labels_and_callable_module(clf_data):
    X, y = clf_data
    labels = np.array(["no", "yes"])[y]
    clf = NeuralClassifier(module=lambda n_in, n_out: torch.nn.Linear(n_in, n_out),
                           max_epochs=30, lr=1e-2, random_state=0).fit(X, labels)
    assert set(clf.predict(X)) <= {"no", "yes"}
    assert list(clf.classes_) == ["no", "yes"]


def test_module_params_reach_the_module(clf_data):
    X, y = clf_data
    clf = NeuralClassifier(module_params={"dropout": 0.3, "activation": "gelu"}, hidden_sizes=(8, 4),
                           max_epochs=2, random_state=0).fit(X, y)
    assert isinstance(clf.module_, MLP)
    assert clf.module_.hidden_sizes == (8, 4) and clf.module_.dropout == 0.3
    assert repr(clf.module_) == "MLP(6, 2, hidden_sizes=(8, 4))"


def test_clone_round_trips_params():
    clf = NeuralClassifier(hidden_sizes=(3,), lr=0.5, module_params={"dropout": 0.1})
    assert clone(clf).get_params() == clf.get_params()


def test_regressor_fits_in_target_units():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    y = y * 100 + 5000
    reg = NeuralRegressor(hidden_sizes=(32,), max_epochs=200, lr=1e-2, random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.9
    Y = np.c_[y, -y]
    reg2 = NeuralRegressor(max_epochs=5, random_state=0).fit(X, Y)
    assert reg2.predict(X).shape == (200, 2)


def test_extractor_embeds_penultimate_layer(clf_data):
    X, y = clf_data
    ext = NeuralExtractor(hidden_sizes=(16, 5), max_epochs=3, random_state=0).fit(X, y)
    Z = ext.transform(X)
    assert Z.shape == (200, 5) and ext.embedding_dim_ == 5
    assert (Z >= 0).all()  # ReLU output of the last hidden layer
    assert ext.get_feature_names_out().shape == (5,)


def test_extractor_wraps_a_pretrained_module_frozen(clf_data):
    X, _ = clf_data
    net = MLP(6, 2, hidden_sizes=(4,))
    before = [p.clone() for p in net.parameters()]
    ext = NeuralExtractor(module=net).fit(X)
    Z = ext.transform(X)
    assert Z.shape == (200, 4)
    np.testing.assert_allclose(Z, net.embed(torch.as_tensor(X)).detach().numpy(), rtol=1e-6)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_epochs": 0}, r"'max_epochs' parameter of NeuralClassifier must be an int in the range \[1, inf\)\. Got 0"),
        ({"batch_size": -3}, "'batch_size'"),
        ({"hidden_sizes": (4, 0)}, "'hidden_sizes'"),
        ({"lr": 0.0}, "'lr'"),
        ({"validation_fraction": 1.5}, "'validation_fraction'"),
        ({"module_params": [1]}, "'module_params'"),
        ({"module": torch.nn.Linear(6, 2)}, "not a module instance"),
        ({"module_params": {"nope": 1}}, "module_params=.*nope"),
    ],
)
def test_bad_parameters(clf_data, params, match):
    X, y = clf_data
    with pytest.raises(InvalidParameterError, match=match):
        NeuralClassifier(**params).fit(X, y)


def test_unknown_module_lists_valid_names(clf_data):
    X, y = clf_data
    with pytest.raises(UnknownNameError, match=r"Unknown module 'mpl'.*Valid names are: .*mlp.*Did you mean 'mlp'"):
        NeuralClassifier(module="mpl").fit(X, y)


def test_bad_inputs(clf_data):
    X, y = clf_data
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(InvalidInputError, match="NeuralClassifier.*NaN"):
        NeuralClassifier().fit(Xn, y)
    with pytest.raises(InvalidInputError, match="one class only"):
        NeuralClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(NotFittedError, match="not fitted yet.*'predict'"):
        NeuralClassifier().predict(X)
    clf = NeuralClassifier(max_epochs=1).fit(X, y)
    with pytest.raises(InvalidInputError, match="6 features"):
        clf.predict(X[:, :4])
    with pytest.raises(InvalidInputError, match="y has 10"):
        NeuralClassifier().fit(X, y[:10])


def test_exploding_loss_gives_a_clear_error(clf_data):
    X, y = clf_data
    with pytest.raises(FuselearnError, match="loss became .*Scale the inputs"):
        NeuralRegressor(lr=1e30, max_epochs=5, random_state=0).fit(X * 1e3, y.astype(float))
    # Inputs a float32 network cannot square are refused before training (tests/extract/test_torch_base.py).
    with pytest.raises(FuselearnError, match="too large for a float32 network"):
        NeuralRegressor(max_epochs=5, random_state=0).fit(X * 1e30, y.astype(float))


def test_cuda_without_gpu_is_a_clear_error(clf_data):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    X, y = clf_data
    with pytest.raises(InvalidParameterError, match="no CUDA GPU"):
        NeuralClassifier(device="cuda", max_epochs=1).fit(X, y)
