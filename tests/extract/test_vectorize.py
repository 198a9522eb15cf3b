"""TextVectorizer: vocabulary from fit rows only, padding/truncation, None/empty texts, text -> network pipelines."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from fuselearn import NeuralClassifier
from fuselearn.exceptions import InvalidInputError, InvalidParameterError, NotFittedError
from fuselearn.extract import TextVectorizer

NO_DATA_CHECKS = [check_parameters_default_constructible, check_no_attributes_set_in_init,
                  check_get_params_invariance, check_set_params]


def _sentiment(n, seed=0):
    """Filler words with one sentiment word hidden at a random position; the label is its polarity."""
    rng = np.random.default_rng(seed)
    pos, neg = ["great", "lovely", "superb", "fine"], ["awful", "bad", "boring", "dull"]
    filler = ["the", "film", "was", "a", "plot", "actor", "and", "it", "scene", "long"]
    X, y = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(filler, rng.integers(2, 9)))
        words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(pos if label else neg)))
        X.append(" ".join(words))
        y.append(label)
    return np.asarray(X, dtype=object), np.asarray(y)


@pytest.mark.parametrize("check", NO_DATA_CHECKS, ids=lambda c: c.__name__)
def test_no_data_common_checks(check):
    # scikit-learn's common checks skip string-input transformers (SkipTestWarning); these need no data
    check("TextVectorizer", TextVectorizer())


def test_ids_padding_truncation_and_unknown_words():
    vec = TextVectorizer(max_length=4).fit(["a good film", "a bad film, bad"])
    # document frequency order, ties by token: a, film (2 docs), bad, good (1 doc); 0 = pad, 1 = unknown
    assert vec.vocabulary_ == {"a": 2, "film": 3, "bad": 4, "good": 5} and vec.vocab_size_ == 6
    out = vec.transform(["good film", "A GOOD, good film bad!", "unseen"])
    assert out.dtype == np.int64 and out.shape == (3, 4)
    assert out.tolist() == [[5, 3, 0, 0], [2, 5, 5, 3], [1, 0, 0, 0]]  # lower-cased; truncated at 4
    pre = TextVectorizer(max_length=2, truncation="pre").fit(["a b c d"])
    assert pre.transform(["a b c d"]).tolist() == [[pre.vocabulary_["c"], pre.vocabulary_["d"]]]
    assert vec.get_feature_names_out().tolist() == ["token0", "token1", "token2", "token3"]
    texts = ["a good film", "a bad film, bad", "", "good good good good good"]
    np.testing.assert_array_equal(TextVectorizer(max_length=3).fit_transform(texts),
                                  TextVectorizer(max_length=3).fit(texts).transform(texts))


def test_vocabulary_counts_only_kept_tokens_and_limits():
    # "late" only ever appears after max_length tokens: never seen by a network, so not in the vocabulary
    vec = TextVectorizer(max_length=2).fit(["x y late", "x z late"])
    assert "late" not in vec.vocabulary_ and vec.n_truncated_ == 2
    texts = ["a b", "a c", "a b d"]
    assert set(TextVectorizer(min_df=2).fit(texts).vocabulary_) == {"a", "b"}
    assert set(TextVectorizer(min_df=0.9).fit(texts).vocabulary_) == {"a"}
    assert list(TextVectorizer(max_features=1).fit(texts).vocabulary_) == ["a"]


def test_none_nan_and_empty_texts_become_padding():
    vec = TextVectorizer(max_length=3).fit(["good", None, "", "  ,, "])
    out = vec.transform([None, float("nan"), "", "...", "good"])
    assert out[:4].tolist() == [[0, 0, 0]] * 4 and out[4, 0] == 2
    with pytest.raises(InvalidInputError, match="single string"):
        vec.transform("good")
    with pytest.raises(InvalidInputError, match="element 0"):
        vec.transform([3])


def test_parameter_errors_and_not_fitted():
    for bad in ({"max_length": 0}, {"min_df": 0}, {"tokenizer": "spacy"}, {"truncation": "middle"},
                {"token_pattern": "("}):
        with pytest.raises(InvalidParameterError):
            TextVectorizer(**bad).fit(["a b"])
    with pytest.raises(NotFittedError):
        TextVectorizer().transform(["a"])
    with pytest.raises(InvalidParameterError, match="list of strings"):
        TextVectorizer(tokenizer=lambda s: s).fit(["a b"])


def test_callable_and_minilm_tokenizers():
    vec = TextVectorizer(tokenizer=str.split, lowercase=False).fit(["A b", "A c"])
    assert vec.vocabulary_["A"] == 2
    wp = TextVectorizer(tokenizer="minilm", max_length=8).fit(["unbelievably good", "good film"])
    assert "good" in wp.vocabulary_ and any(t.startswith("##") for t in wp.vocabulary_)  # WordPiece pieces


def test_vocabulary_never_sees_test_rows_under_cross_validation():
    X, y = _sentiment(40)
    marker = "zzqtestonly"
    X = X.copy()
    X[-8:] = [f"{t} {marker}" for t in X[-8:]]  # only the last fold's rows hold the marker word
    seen = []

    class Spy(TextVectorizer):
        def fit(self, X, y=None):
            seen.append(any(marker in t for t in X))
            return super().fit(X, y)

        def fit_transform(self, X, y=None, **fit_params):  # what Pipeline.fit calls
            seen.append(any(marker in t for t in X))
            return super().fit_transform(X, y)

    from sklearn.model_selection import KFold

    pipe = make_pipeline(Spy(max_length=12),
                         NeuralClassifier(module="cnn1d", module_params={"embed_dim": 4, "n_filters": 4},
                                          max_epochs=1, random_state=0))
    res = cross_validate(pipe, X, y, cv=KFold(5), return_estimator=True)
    assert seen == [True, True, True, True, False]
    last = res["estimator"][-1]
    assert marker not in last.steps[0][1].vocabulary_
    # the held-out rows' unseen marker word is id 1 (unknown) there, not a new id
    assert last.steps[0][1].transform([marker])[0, 0] == 1


def test_predict_rejects_token_ids_beyond_the_fitted_vocabulary():
    net = NeuralClassifier(module="cnn1d", module_params={"embed_dim": 4, "n_filters": 4}, max_epochs=1,
                           random_state=0).fit(np.array([[2, 3, 0], [4, 2, 3]]), [0, 1])
    with pytest.raises(InvalidInputError, match="TextVectorizer"):
        net.predict(np.array([[9, 2, 0]]))


@pytest.mark.parametrize("module, params", [
    ("cnn1d", {"embed_dim": 8, "n_filters": 8, "widths": (1, 2)}),
    ("transformer", {"d_model": 16, "nhead": 2, "dim_feedforward": 32, "num_layers": 1}),
    ("rnn", {"embed_dim": 8, "hidden_size": 8, "num_layers": 1}),
])
def test_pipeline_from_raw_text_learns_a_keyword_task(module, params):
    X, y = _sentiment(160, seed=1)
    X_test, y_test = _sentiment(100, seed=2)
    pipe = make_pipeline(TextVectorizer(max_length=10),
                         NeuralClassifier(module=module, module_params=params, max_epochs=25, lr=1e-2,
                                          batch_size=32, patience=None, random_state=0))
    pipe.fit(X, y)
    assert pipe.score(X_test, y_test) >= 0.9
    proba = pipe.predict_proba(["", None, "great"])  # empty texts give a finite constant prediction
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba[0], proba[1])
    assert clone(pipe).get_params()["textvectorizer__max_length"] == 10


def test_text_pipeline_saves_and_loads(tmp_path):
    from fuselearn import load, save

    X, y = _sentiment(40)
    pipe = make_pipeline(TextVectorizer(max_length=8),
                         NeuralClassifier(module="transformer", max_epochs=2, random_state=0,
                                          module_params={"d_model": 8, "nhead": 2, "dim_feedforward": 8}))
    pipe.fit(X, y)
    save(pipe, tmp_path / "model")
    back = load(tmp_path / "model")
    np.testing.assert_allclose(back.predict_proba(X), pipe.predict_proba(X), atol=1e-6)
    assert back.steps[0][1].vocabulary_ == pipe.steps[0][1].vocabulary_
