"""The torch estimator base and the input kinds: shared set-up, sparse input, extreme values."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import make_classification
from sklearn.pipeline import make_pipeline

import fuselearn
from fuselearn import ModalityFusion, NeuralClassifier, NeuralRegressor
from fuselearn.data import default_preprocessor
from fuselearn.exceptions import InvalidInputError, InvalidParameterError, UnknownNameError
from fuselearn.extract import (
    INPUT_HANDLERS,
    AutoencoderEmbedder,
    GraphEmbedder,
    ImageEmbedder,
    InputKind,
    NeuralExtractor,
    TorchEstimator,
    get_input_kind,
    register_input_kind,
)
from fuselearn.extract._torch import early_stopping_split
from fuselearn.nn import INPUT_KINDS

X, Y = make_classification(n_samples=60, n_features=5, random_state=0)


def test_every_torch_estimator_shares_the_base():
    for cls in (NeuralClassifier, NeuralRegressor, NeuralExtractor, ImageEmbedder, GraphEmbedder,
                AutoencoderEmbedder, ModalityFusion):
        assert issubclass(cls, TorchEstimator), cls


def test_every_nn_input_kind_has_one_input_kind_object():
    assert sorted(INPUT_KINDS) == sorted(INPUT_HANDLERS)
    for name in INPUT_KINDS:
        kind = get_input_kind(name)
        assert isinstance(kind, InputKind) and kind.name == name
        assert INPUT_HANDLERS[name] == (kind.validate, kind.collate)
    with pytest.raises(UnknownNameError, match="tabular"):
        get_input_kind("tabluar")
    kind = get_input_kind("image")  # the former _handler() still answers (branch evaluate calls it)
    assert NeuralClassifier(module="cnn")._handler() == (kind.validate, kind.collate)


def test_register_input_kind_is_explicit_and_refuses_silent_replacement():
    with pytest.raises(InvalidParameterError, match="already registered"):
        register_input_kind(get_input_kind("tabular"))
    with pytest.raises(UnknownNameError):
        register_input_kind(InputKind("audio", get_input_kind("tabular").validate))
    original = get_input_kind("sequence")
    try:
        replaced = register_input_kind(original.with_validate(lambda v: v), overwrite=True)
        assert get_input_kind("sequence") is replaced
    finally:
        register_input_kind(original, overwrite=True)


def test_early_stopping_split_rules():
    rng = np.random.RandomState(0)
    assert early_stopping_split(9, rng, fraction=0.5, patience=3) is None  # under 10 rows
    assert early_stopping_split(50, rng, fraction=0.0, patience=3) is None
    assert early_stopping_split(50, rng, fraction=0.2, patience=None) is None
    assert early_stopping_split(10, rng, fraction=0.1, patience=3, min_valid=2) is None
    labels = np.repeat([0, 1], 25)
    tr, va = early_stopping_split(50, np.random.RandomState(0), fraction=0.2, patience=3, labels=labels)
    assert len(va) == 10 and np.bincount(labels[va]).tolist() == [5, 5]  # stratified
    assert np.all(np.diff(tr) > 0) and not set(tr) & set(va)


def test_modality_fusion_intermediate_saves_and_loads(tmp_path):
    frame = pd.DataFrame({"a": np.arange(24.0) % 4, "b": np.arange(24.0) % 3, "c": np.arange(24.0) % 5})
    y = np.array([1, 0, 1, 0] * 6)
    clf = ModalityFusion({"one": (["a"], "passthrough"), "two": (["b", "c"], "passthrough")},
                         strategy="intermediate", max_epochs=3, random_state=0).fit(frame, y)
    fuselearn.save(clf, tmp_path / "m")
    back = fuselearn.load(tmp_path / "m", trusted=["fuselearn.estimators._modality._Passthrough"])
    assert list((tmp_path / "m").glob("*.safetensors"))  # the weights went to safetensors
    np.testing.assert_array_equal(back.predict_proba(frame), clf.predict_proba(frame))


# --- sparse input -----------------------------------------------------------------------------------


def test_sparse_input_gives_the_dense_result():
    Xs = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    sparse = NeuralClassifier(hidden_sizes=(8,), max_epochs=4, random_state=0).fit(Xs, Y)
    dense = NeuralClassifier(hidden_sizes=(8,), max_epochs=4, random_state=0).fit(Xs.toarray(), Y)
    np.testing.assert_array_equal(sparse.predict_proba(Xs), dense.predict_proba(Xs.toarray()))
    assert NeuralClassifier().__sklearn_tags__().input_tags.sparse


def test_default_preprocessor_feeds_a_neural_classifier():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"age": rng.integers(18, 80, 80).astype(float),
                          "job": rng.choice([f"job{i}" for i in range(12)], 80),
                          "hours": rng.normal(40, 5, 80)})
    y = (frame["job"].isin(["job1", "job2", "job3", "job4", "job5", "job6"])).astype(int).to_numpy()
    assert sp.issparse(default_preprocessor(frame).fit_transform(frame))  # the case of the issue
    pipe = make_pipeline(default_preprocessor(frame),
                         NeuralClassifier(hidden_sizes=(16,), max_epochs=30, lr=0.01, random_state=0))
    pipe.fit(frame, y)
    proba = pipe.predict_proba(frame)
    assert proba.shape == (80, 2) and np.isfinite(proba).all()
    assert (pipe.predict(frame) == y).mean() > 0.8


def test_sparse_one_hot_reaches_the_network_sparse():
    onehot = sp.csr_matrix(np.eye(4)[np.arange(40) % 4])
    y = np.arange(40) % 2
    clf = NeuralClassifier(hidden_sizes=(8,), max_epochs=2, random_state=0).fit(onehot, y)
    data, width = get_input_kind("tabular").validate(clf, onehot, False)
    assert width == 4 and len(data) == 40
    batch = get_input_kind("tabular").collate(data, np.array([0, 5]))
    assert isinstance(batch, torch.Tensor) and batch.tolist() == [[1, 0, 0, 0], [0, 1, 0, 0]]


# --- values a float32 network cannot represent ----------------------------------------------------------


@pytest.mark.parametrize("scale, match", [(1e39, "cannot represent"), (1e30, "too large for a float32")])
def test_extreme_values_are_refused_in_fit(scale, match):
    with pytest.raises(InvalidInputError, match=match) as info:
        NeuralClassifier(max_epochs=1).fit(X * scale, Y)
    assert "StandardScaler" in str(info.value) and "X[row, column]" in str(info.value)


def test_extreme_values_are_refused_in_predict_never_nan():
    clf = NeuralClassifier(hidden_sizes=(8,), max_epochs=2, random_state=0).fit(X, Y)
    with pytest.raises(InvalidInputError, match="too large"):
        clf.predict_proba(X * 1e30)
    with pytest.raises(InvalidInputError, match="too large"):
        NeuralExtractor(hidden_sizes=(8,), max_epochs=2, random_state=0).fit(X, Y).transform(X * 1e30)


def test_large_values_warn_in_fit():
    with pytest.warns(RuntimeWarning, match="unscaled features"):
        NeuralClassifier(hidden_sizes=(8,), max_epochs=1, random_state=0).fit(X * 1e12, Y)


class _NanInEval(torch.nn.Module):
    """Trains normally; in eval mode its output is NaN (a stand-in for a network that overflows)."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(n_in, n_out)

    def forward(self, x):
        out = self.lin(x)
        return out if self.training else out * float("nan")


def test_non_finite_network_output_is_an_error_not_nan_probabilities():
    clf = NeuralClassifier(module=_NanInEval, max_epochs=1, validation_fraction=0, random_state=0).fit(X, Y)
    with pytest.raises(InvalidInputError, match="NaN or infinite for 60 row"):
        clf.predict_proba(X)
    with pytest.raises(InvalidInputError, match="NaN or infinite"):
        clf.predict(X)
