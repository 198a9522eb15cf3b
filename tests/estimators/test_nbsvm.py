"""NBSVMClassifier: the paper's formulas, tokenisation, Platt probabilities, multi-class, bad input."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.svm import LinearSVC
from sklearn.utils import check_random_state

from fuselearn import NBSVMClassifier
from fuselearn.exceptions import InvalidInputError, InvalidParameterError, NotFittedError
from fuselearn.extract import TfidfExtractor

POS = ["great", "loved", "superb", "wonderful", "fun"]
NEG = ["awful", "boring", "bad", "dull", "waste"]
FILLER = ["the", "film", "plot", "actors", "it", "was", "a", "movie", "and"]


def _reviews(n=80, seed=0):
    """Short reviews: filler words plus two sentiment words (one of the other side one time in five)."""
    rng = np.random.default_rng(seed)
    texts, y = [], []
    for i in range(n):
        label = i % 2
        own, other = (POS, NEG) if label else (NEG, POS)
        words = list(rng.choice(FILLER, 6)) + list(rng.choice(own, 2))
        if rng.random() < 0.2:
            words.append(str(rng.choice(other)))
        rng.shuffle(words)
        texts.append(" ".join(words) + (" !" if label else " ."))
        y.append(label)
    return np.asarray(texts, dtype=object), np.asarray(y)


def test_beta_one_is_the_svm_on_nb_features():
    # beta=1 leaves the SVM's weights as they are: the score is LinearSVC on TfidfExtractor's NB features
    texts, y = _reviews()
    clf = NBSVMClassifier(token_pattern="words", strip_tags=False, beta=1.0, cv=None, random_state=0).fit(texts, y)
    feats = TfidfExtractor(nb_weighting=True, ngram_range=(1, 2)).fit(texts, y)
    seed = check_random_state(0).randint(np.iinfo(np.int32).max)
    svm = LinearSVC(C=1.0, dual=True, max_iter=5000, random_state=seed).fit(feats.transform(texts), y)
    np.testing.assert_allclose(clf.r_[0], feats.r_[0])
    np.testing.assert_allclose(clf.decision_function(texts), svm.decision_function(feats.transform(texts)),
                               atol=1e-8)


def test_interpolation_formula():
    texts, y = _reviews()
    svm = NBSVMClassifier(beta=1.0, cv=None, random_state=0).fit(texts, y)
    for beta in (0.0, 0.25):
        clf = NBSVMClassifier(beta=beta, cv=None, random_state=0).fit(texts, y)
        w = svm.coef_[0]
        expected = (1 - beta) * np.abs(w).mean() + beta * w
        np.testing.assert_allclose(clf.coef_[0], expected)
        np.testing.assert_allclose(clf.intercept_, svm.intercept_)
    # beta=0: multinomial NB up to a constant, the score orders rows as x . r does
    nb = NBSVMClassifier(beta=0.0, cv=None, random_state=0).fit(texts, y)
    counts = nb.vectorizer_.transform(texts)
    np.testing.assert_allclose(nb.decision_function(texts) - nb.intercept_[0],
                               nb.coef_[0, 0] * (counts @ nb.r_[0]))


def test_tokenizers_keep_or_drop_punctuation_and_short_words():
    texts = ["A gem ! Loved it<br /><br />truly , 10/10", "bad . a waste"]
    vocab = {}
    for pattern in ("punct", "words_punct", "words"):
        clf = NBSVMClassifier(ngram_range=(1, 1), token_pattern=pattern, cv=None).fit(texts, [1, 0])
        vocab[pattern] = set(clf.vectorizer_.vocabulary_)
    assert {"!", "a", ",", "10/10"} <= vocab["punct"] and "br" not in vocab["punct"]
    assert {"!", "a", "10", "/"} <= vocab["words_punct"]
    assert "!" not in vocab["words"] and "a" not in vocab["words"] and "gem" in vocab["words"]
    kept = NBSVMClassifier(ngram_range=(1, 1), token_pattern="words", strip_tags=False, cv=None).fit(texts, [1, 0])
    assert "br" in kept.vectorizer_.vocabulary_
    custom = NBSVMClassifier(ngram_range=(1, 1), token_pattern=r"\S+", cv=None).fit(texts, [1, 0])
    assert "!" in custom.vectorizer_.vocabulary_ and "it" in custom.vectorizer_.vocabulary_


@pytest.mark.parametrize("cv", [None, 3])
def test_learns_and_probabilities_are_platt(cv):
    texts, y = _reviews(120)
    test_texts, y_test = _reviews(60, seed=1)
    labels = np.where(y == 1, "pos", "neg")
    clf = NBSVMClassifier(cv=cv, random_state=0).fit(texts, labels)
    assert clf.classes_.tolist() == ["neg", "pos"]
    proba = clf.predict_proba(test_texts)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    a, c = clf.platt_[0]
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-(a * clf.decision_function(test_texts) + c))))
    assert a > 0  # a higher score is more positive
    pred = clf.predict(test_texts)
    assert (pred == clf.classes_[proba.argmax(axis=1)]).all()
    assert np.mean(pred == np.where(y_test == 1, "pos", "neg")) >= 0.9


def test_held_out_calibration_uses_folds_and_is_deterministic():
    texts, y = _reviews(90)
    y = np.where(np.random.default_rng(0).random(90) < 0.25, 1 - y, y)  # noisy labels: the SVM overfits them
    a = NBSVMClassifier(cv=3, random_state=0).fit(texts, y)
    b = NBSVMClassifier(cv=3, random_state=0).fit(texts, y)
    train_only = NBSVMClassifier(cv=None, random_state=0).fit(texts, y)
    np.testing.assert_allclose(a.platt_, b.platt_)
    np.testing.assert_allclose(a.coef_, train_only.coef_)  # calibration folds do not touch the final model
    # the training rows' own scores separate even the flipped labels; held-out ones do not: a flatter sigmoid
    assert a.platt_[0, 0] < train_only.platt_[0, 0]


def test_multiclass_is_one_vs_rest():
    texts, y = _reviews(90)
    y3 = y.copy()
    y3[::3] = 2
    texts = np.asarray([t + (" neutral so-so" if c == 2 else "") for t, c in zip(texts, y3)], dtype=object)
    clf = NBSVMClassifier(cv=None, random_state=0).fit(texts, y3)
    assert clf.r_.shape[0] == 3 and clf.coef_.shape[0] == 3 and clf.platt_.shape == (3, 2)
    assert clf.decision_function(texts).shape == (90, 3)
    proba = clf.predict_proba(texts)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.mean(clf.predict(texts) == y3) > 0.9


def test_pickle_clone_and_save_load(tmp_path):
    import fuselearn

    texts, y = _reviews()
    clf = NBSVMClassifier(cv=None, random_state=0).fit(texts, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(texts), clf.predict_proba(texts))
    fuselearn.save(clf, tmp_path / "nbsvm.skops")
    loaded = fuselearn.load(tmp_path / "nbsvm.skops")
    np.testing.assert_allclose(loaded.predict_proba(texts), clf.predict_proba(texts))
    assert not hasattr(clone(clf), "coef_")


def test_stacks_in_fusion_classifier():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from fuselearn import FusionClassifier

    texts, y = _reviews(90)
    fusion = FusionClassifier(
        [("nbsvm", NBSVMClassifier(cv=None, random_state=0)),
         ("tfidf", make_pipeline(TfidfExtractor(), LogisticRegression()))],
        method="stacking", cv=3, random_state=0,
    ).fit(texts, y)
    assert fusion.predict_proba(texts).shape == (90, 2)


@pytest.mark.parametrize(("params", "match"), [
    ({"beta": 1.5}, "'beta' parameter of NBSVMClassifier"),
    ({"C": 0}, "'C' parameter"),
    ({"ngram_range": (2, 1)}, "1 <= min_n <= max_n"),
    ({"ngram_range": (1, 2, 3)}, "pair"),
    ({"token_pattern": "("}, "neither"),
    ({"cv": 1}, "'cv' parameter"),
    ({"alpha": -1.0}, "'alpha' parameter"),
])
def test_bad_parameters(params, match):
    texts, y = _reviews(20)
    with pytest.raises(InvalidParameterError, match=match):
        NBSVMClassifier(**params).fit(texts, y)


def test_bad_input():
    texts, y = _reviews(20)
    with pytest.raises(NotFittedError, match="not fitted"):
        NBSVMClassifier().predict(texts)
    with pytest.raises(InvalidInputError, match="single string"):
        NBSVMClassifier().fit("one review", [1])
    with pytest.raises(InvalidInputError, match="one label per text"):
        NBSVMClassifier().fit(texts, y[:-1])
    with pytest.raises(InvalidInputError, match="one class only"):
        NBSVMClassifier().fit(texts, np.zeros(20))
    with pytest.raises(InvalidInputError, match="y to be passed"):
        NBSVMClassifier().fit(texts, None)
    with pytest.raises(InvalidInputError, match=r"cv=3 .* smallest class has 2"):
        NBSVMClassifier(cv=3).fit(texts[:6], [0, 0, 0, 0, 1, 1])
    with pytest.raises(InvalidInputError, match="no n-gram"):
        NBSVMClassifier(cv=None, token_pattern="words").fit(["! !", "? ?"], [0, 1])
