"""TextEmbedder(fine_tune=...) and MiniLMTrunk: the real offline MiniLM, a few sentences, tiny max_length."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

import fuselearn
from fuselearn.exceptions import InvalidInputError, InvalidParameterError, NotFittedError
from fuselearn.extract import MiniLMClassifierNet, MiniLMTrunk, TextEmbedder

TEXTS = ["a lovely summer dress", "runs small, returned it", "great fabric, love it", "not flattering at all"]
Y = np.array(["pos", "neg", "pos", "neg"])
TUNE = {"fine_tune": 1, "max_length": 16, "batch_size": 4, "random_state": 0}


@pytest.fixture(scope="module")
def tuned():
    return TextEmbedder(**TUNE).fit(TEXTS, Y)


@pytest.fixture(scope="module")
def trunk():
    return MiniLMTrunk().eval()


def test_trunk_reproduces_the_frozen_embedder(trunk):
    frozen = TextEmbedder(max_length=16).fit()
    ids = trunk.tokenize(TEXTS, max_length=16)
    assert ids.shape == (4, 16) and ids.dtype == torch.int64
    assert (ids[:, 0] == 101).all()  # [CLS]
    with torch.no_grad():
        out = torch.nn.functional.normalize(trunk(ids), dim=1).numpy()
    np.testing.assert_allclose(out, frozen.transform(TEXTS), atol=1e-5)
    assert trunk.out_features == 384 and out.shape == (4, 384)
    assert repr(trunk) == "MiniLMTrunk('all-MiniLM-L6-v2', out_features=384)"


def test_trunk_drops_padding_columns_and_resets(trunk):
    ids = trunk.tokenize(TEXTS, max_length=16)
    wide = torch.cat([ids, torch.zeros(4, 20, dtype=torch.int64)], dim=1)
    with torch.no_grad():
        np.testing.assert_allclose(trunk(ids).numpy(), trunk(wide).numpy(), atol=1e-6)
    copy = MiniLMTrunk()
    with torch.no_grad():
        before = copy.eval()(ids).clone()
        for p in copy.parameters():
            p.add_(0.1)
        assert not torch.allclose(copy(ids), before)
        copy.reset_parameters()
        torch.testing.assert_close(copy(ids), before)
    with pytest.raises(InvalidParameterError, match="max_length"):
        trunk.tokenize(TEXTS, max_length=1)


def test_trunk_trains_and_does_not_touch_the_shared_model(trunk):
    frozen = TextEmbedder(max_length=16).fit()
    before = frozen.transform(TEXTS)
    net = MiniLMClassifierNet(2)
    assert repr(net) == "MiniLMClassifierNet(2, 'all-MiniLM-L6-v2')"
    logits = net(trunk.tokenize(TEXTS, 16))
    assert logits.shape == (4, 2)
    torch.nn.functional.cross_entropy(logits, torch.tensor([1, 0, 1, 0])).backward()
    assert net.trunk.encoder.embeddings.word_embeddings.weight.grad is not None
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.5)
    np.testing.assert_array_equal(frozen.transform(TEXTS), before)


def test_fine_tuned_embeddings(tuned):
    out = tuned.transform(TEXTS)
    assert out.shape == (4, 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    frozen = TextEmbedder(max_length=16).fit().transform(TEXTS)
    assert np.abs(out - frozen).max() > 1e-4  # one step moved the weights
    assert list(tuned.classes_) == ["neg", "pos"] and tuned.history_.n_epochs == 1
    assert tuned.module_.head.out_features == 2 and tuned.embedding_dim_ == 384
    assert "model_" not in tuned.__dict__
    assert tuned.__sklearn_tags__().target_tags.required


def test_fine_tuning_is_seeded(tuned):
    again = TextEmbedder(**TUNE).fit(TEXTS, Y)
    np.testing.assert_array_equal(again.transform(TEXTS), tuned.transform(TEXTS))
    assert again.weights_fingerprint_ == tuned.weights_fingerprint_
    other = TextEmbedder(**{**TUNE, "random_state": 1}).fit(TEXTS, Y)
    assert other.weights_fingerprint_ != tuned.weights_fingerprint_


@pytest.mark.slow
def test_fine_tuning_learns_the_training_labels():
    texts = ["wonderful", "awful", "great film", "terrible film", "loved it", "hated it", "superb", "dreadful"]
    y = [1, 0, 1, 0, 1, 0, 1, 0]
    emb = TextEmbedder(fine_tune=6, max_length=8, batch_size=8, lr=3e-4, random_state=0).fit(texts, y)
    loss = emb.history_.train_loss
    assert loss[-1] < 0.5 * loss[0]
    logits = emb.module_(emb.module_.trunk.tokenize(texts, 8)).detach()
    assert (logits.argmax(1).numpy() == y).all()


def test_truncation_empty_and_missing_texts(tuned):
    long = "great fabric, love it " * 20
    np.testing.assert_allclose(tuned.transform([long]), tuned.transform([long[:200]]), atol=1e-6)
    out = tuned.transform(["", None, np.nan, "great fabric"])
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(out[0], out[2])
    assert np.isfinite(out).all()
    # empty training texts are trained on like any other
    TextEmbedder(**TUNE).fit(["", None, "good", "bad"], [1, 0, 1, 0])


def test_cache_never_shares_rows_between_frozen_and_tuned(tmp_path, tuned):
    frozen = TextEmbedder(max_length=16, cache=tmp_path).fit()
    frozen.transform(TEXTS)
    emb = TextEmbedder(**TUNE, cache=tmp_path).fit(TEXTS, Y)
    first = emb.transform(TEXTS)
    assert emb.cache_.hits == 0 and emb.cache_.misses == len(TEXTS)
    np.testing.assert_allclose(first, tuned.transform(TEXTS))
    again = clone(emb).fit(TEXTS, Y)  # same seed, same weights: the same key
    np.testing.assert_array_equal(again.transform(TEXTS), first)
    assert again.cache_.hits == len(TEXTS)
    other = TextEmbedder(**{**TUNE, "random_state": 1}, cache=tmp_path).fit(TEXTS, Y)
    other.transform(TEXTS)
    assert other.cache_.hits == 0


def test_pickle_and_save_load(tmp_path, tuned):
    out = tuned.transform(TEXTS)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(tuned)).transform(TEXTS), out)
    fuselearn.save(tuned, tmp_path / "emb")
    assert list((tmp_path / "emb").rglob("*.safetensors"))
    loaded = fuselearn.load(tmp_path / "emb")
    np.testing.assert_array_equal(loaded.transform(TEXTS), out)
    assert isinstance(loaded.module_, MiniLMClassifierNet)


def test_set_params_after_fit_keeps_the_fitted_embedder(tuned):
    emb = clone(tuned).fit(TEXTS, Y)
    out = emb.transform(TEXTS)
    emb.set_params(max_length=4, normalize=False, fine_tune=False)
    np.testing.assert_array_equal(emb.transform(TEXTS), out)


def test_fine_tune_errors():
    with pytest.raises(InvalidParameterError, match="fine_tune"):
        TextEmbedder(fine_tune="yes").fit(TEXTS, Y)
    with pytest.raises(InvalidParameterError, match="fine_tune"):
        TextEmbedder(fine_tune=-1).fit(TEXTS, Y)
    with pytest.raises(InvalidParameterError, match="lr"):
        TextEmbedder(fine_tune=1, lr=0).fit(TEXTS, Y)
    with pytest.raises(InvalidInputError, match="requires y"):
        TextEmbedder(fine_tune=1).fit(TEXTS)
    with pytest.raises(InvalidInputError, match="X=None"):
        TextEmbedder(fine_tune=1).fit(None, Y)
    with pytest.raises(InvalidInputError, match="at least 2 classes"):
        TextEmbedder(fine_tune=1).fit(TEXTS, ["a"] * 4)
    with pytest.raises(InvalidInputError, match="one label per text"):
        TextEmbedder(fine_tune=1).fit(TEXTS, [0, 1])
    with pytest.raises(NotFittedError):
        TextEmbedder(fine_tune=1).transform(TEXTS)
    if not torch.cuda.is_available():
        with pytest.raises(InvalidParameterError, match="no CUDA GPU"):
            TextEmbedder(fine_tune=1, device="cuda").fit(TEXTS, Y)


# scikit-learn's common checks skip estimators whose input tags say "strings" (SkipTestWarning); the
# input-free ones run by hand here, as for the frozen embedder in test_text.py.
@pytest.mark.parametrize("check", [check_parameters_default_constructible, check_no_attributes_set_in_init,
                                   check_get_params_invariance, check_set_params], ids=lambda c: c.__name__)
def test_no_data_common_checks(check):
    check("TextEmbedder", TextEmbedder(**TUNE))


def test_transformer_contract(tuned):
    est = TextEmbedder(**TUNE)
    assert clone(est).get_params() == est.get_params()
    np.testing.assert_allclose(clone(est).fit_transform(TEXTS, Y), tuned.transform(TEXTS), atol=1e-6)
    assert list(tuned.get_feature_names_out()[:2]) == ["textembedder0", "textembedder1"]


def test_builder_trains_inside_neural_classifier(trunk):
    # The callable-module route a joint hybrid's trunk takes: ids as float32 table columns.
    from fuselearn import NeuralClassifier
    from fuselearn.extract import minilm_classifier

    X = trunk.tokenize(TEXTS * 2, max_length=16).numpy().astype(np.float32)
    y = np.tile([1, 0, 1, 0], 2)
    clf = NeuralClassifier(module=minilm_classifier, max_epochs=1, lr=5e-5, batch_size=4, random_state=0,
                           validation_fraction=0.0).fit(X, y)
    assert isinstance(clf.module_, MiniLMClassifierNet)
    assert clf.predict_proba(X).shape == (8, 2)
    with torch.no_grad():
        emb = clf.module_.embed(torch.as_tensor(X))
    assert emb.shape == (8, 384)


def test_frozen_cache_key_ignores_the_fine_tuning_settings(tmp_path):
    # lr and random_state do nothing to a frozen model: its rows stay shared (and keep the key they had).
    TextEmbedder(max_length=16, cache=tmp_path).fit().transform(TEXTS)
    other = TextEmbedder(max_length=16, cache=tmp_path, lr=1e-3, random_state=5).fit()
    other.transform(TEXTS)
    assert other.cache_.hits == len(TEXTS)
