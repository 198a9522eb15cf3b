"""Joint hybrids: trunks trained through differentiable classical heads."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.svm import LinearSVC

from fuselearn.estimators import JointExtractor, JointHybridClassifier
from fuselearn.estimators._joint import L2SVMHead, RFFHead, SoftTreeHead
from fuselearn.exceptions import InvalidParameterError, UnknownNameError

FAST = {"hidden_sizes": (16,), "max_epochs": 15, "lr": 1e-2}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(300, n_features=6, n_informative=4, n_classes=3, n_clusters_per_class=1,
                               random_state=0)
    return X.astype(np.float32), y


@pytest.mark.parametrize("head", ["svm", "rff", "tree"])
def test_joint_heads_learn(data, head):
    X, y = data
    clf = JointHybridClassifier(head, cross_fit=3, extractor_params=FAST, random_state=0).fit(X, y)
    assert (clf.predict(X) == y).mean() > 0.8
    ext = clf.hybrid_.extractors_[0]
    assert isinstance(ext, JointExtractor) and ext.transform(X).shape == (300, 16)


def test_the_head_shapes_the_trunk(data):
    """Same seed, same trunk: trained through different heads, the embeddings differ."""
    X, y = data
    a = JointExtractor("svm", random_state=0, **FAST).fit(X, y).transform(X)
    b = JointExtractor("tree", random_state=0, **FAST).fit(X, y).transform(X)
    assert not np.allclose(a, b, atol=1e-3)


def test_squared_hinge_loss_matches_definition():
    scores = torch.tensor([[2.0, -0.5, 0.3]])
    target = torch.tensor([0])
    # class 0: max(0, 1 - 2)^2 = 0; class 1: max(0, 1 - 0.5)^2 = 0.25; class 2: max(0, 1 + 0.3)^2 = 1.69
    assert L2SVMHead.loss(scores, target).item() == pytest.approx(1.94)


def test_heads_shapes_and_repr():
    z = torch.randn(5, 8)
    for head, text in ((L2SVMHead(8, 3), "L2SVMHead(8, 3)"), (RFFHead(8, 3, n_components=32),
                       "RFFHead(8, 3, n_components=32)"), (SoftTreeHead(8, 3, depth=3), "SoftTreeHead(8, 3, depth=3)")):
        assert head(z).shape == (5, 3) and repr(head) == text
    probs = SoftTreeHead(8, 3, depth=3)(z).exp().sum(dim=1)
    torch.testing.assert_close(probs, torch.ones(5))


def test_bad_heads_and_trunks(data):
    X, y = data
    with pytest.raises(UnknownNameError, match="Valid names are: rff, svm, tree"):
        JointHybridClassifier("kernel").fit(X, y)
    with pytest.raises(InvalidParameterError, match="no 'embed' method"):
        JointExtractor(module=lambda n_in, n_out: torch.nn.Linear(n_in, n_out), max_epochs=1).fit(X, y)

    class Seq(torch.nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.lin = torch.nn.Linear(n_in, 4)

        def embed(self, x):
            return self.lin(x).unsqueeze(1)  # (batch, 1, 4): not a vector per row

    with pytest.raises(InvalidParameterError, match="vector per row"):
        JointExtractor(module=Seq, max_epochs=1).fit(X, y)


def test_custom_classical_head(data):
    X, y = data
    clf = JointHybridClassifier("svm", classical_head=LinearSVC(C=0.1), cross_fit=3, extractor_params=FAST,
                                random_state=0).fit(X, y)
    assert isinstance(clf.hybrid_.heads_[0], LinearSVC) and clf.hybrid_.heads_[0].C == 0.1
    assert not hasattr(clf, "predict_proba") and clf.decision_function(X).shape == (300, 3)


@pytest.mark.parametrize("head", ["rff", "tree"])
def test_save_load_round_trip(data, head, tmp_path):
    import fuselearn

    X, y = data
    clf = JointHybridClassifier(head, cross_fit=2, extractor_params={"hidden_sizes": (8,), "max_epochs": 3},
                                random_state=0).fit(X, y)
    loaded = fuselearn.load(fuselearn.save(clf, tmp_path / "joint"))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
