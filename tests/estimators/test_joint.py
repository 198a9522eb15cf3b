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


# --- trunks other than the MLP: the input kinds NeuralClassifier uses ---------------------------------------

CNN = {"module": "cnn", "module_params": {"channels": (4, 8), "fusion": "concat", "fusion_dim": 8},
       "max_epochs": 8, "lr": 1e-2}
GNN = {"module": "gnn", "module_params": {"hidden": 8, "num_layers": 2, "fusion": "concat"}, "max_epochs": 8,
       "lr": 1e-2, "batch_size": 16}


@pytest.fixture(scope="module")
def images():
    """48 tiny RGB images; class 1 is brighter in the red channel's upper half."""
    rng = np.random.RandomState(0)
    X = rng.rand(48, 3, 8, 8).astype(np.float32)
    y = np.arange(48) % 2
    X[y == 1, 0, :4] += 1.5
    return X, y


@pytest.fixture(scope="module")
def graphs():
    """40 small path graphs; the class is which of the 3 node features is set."""
    from torch_geometric.data import Data

    rng = np.random.RandomState(0)
    out, y = [], np.arange(40) % 2
    for label in y:
        n = int(rng.randint(3, 7))
        x = torch.zeros(n, 3)
        x[:, int(label)] = 1.0
        src = list(range(n - 1)) + list(range(1, n))
        dst = list(range(1, n)) + list(range(n - 1))
        out.append(Data(x=x, edge_index=torch.tensor([src, dst])))
    return out, y


def test_cnn_trunk_on_images(images):
    X, y = images
    ext = JointExtractor("rff", random_state=0, **CNN).fit(X, y)
    assert ext.input_kind_ == "image" and ext.image_shape_ == (3, 8, 8)
    assert ext.embedding_dim_ == 8 and ext.transform(X).shape == (48, 8)
    clf = JointHybridClassifier("svm", cross_fit=2, extractor_params=CNN, random_state=0).fit(X, y)
    assert (clf.predict(X) == y).mean() > 0.9
    # flat pixel rows are read as images through module_params["image_shape"], as in NeuralClassifier
    flat = dict(CNN, module_params={**CNN["module_params"], "image_shape": (3, 8, 8)})
    Z = JointExtractor("rff", random_state=0, **flat).fit(X.reshape(48, -1), y).transform(X.reshape(48, -1))
    np.testing.assert_allclose(Z, ext.transform(X), atol=1e-5)


def test_gnn_trunk_on_graphs(graphs, tmp_path):
    import fuselearn

    gs, y = graphs
    clf = JointHybridClassifier("tree", cross_fit=2, extractor_params=GNN, random_state=0).fit(gs, y)
    assert (clf.predict(gs) == y).mean() > 0.9 and clf.predict_proba(gs[:3]).shape == (3, 2)
    ext = clf.hybrid_.extractors_[0]
    assert ext.input_kind_ == "graph" and ext.transform(gs).shape == (40, ext.embedding_dim_)
    loaded = fuselearn.load(fuselearn.save(clf, tmp_path / "joint_gnn"))
    np.testing.assert_array_equal(loaded.predict_proba(gs), clf.predict_proba(gs))


def test_rnn_trunk_on_token_ids():
    rng = np.random.RandomState(0)
    S = rng.randint(1, 20, size=(60, 6))
    y = (S[:, 0] >= 10).astype(int)
    ext = JointExtractor("svm", module="rnn", max_epochs=2, random_state=0).fit(S, y)
    assert ext.input_kind_ == "sequence" and ext.transform(S).shape == (60, ext.embedding_dim_)


def test_shares_the_torch_estimator_setup(data):
    """Early stopping, seeding and the fitted check come from TorchEstimator, as for NeuralClassifier."""
    from fuselearn.exceptions import InvalidInputError, NotFittedError
    from fuselearn.extract._torch import TorchEstimator

    X, y = data
    ext = JointExtractor("svm", random_state=3, patience=2, **{**FAST, "max_epochs": 40}).fit(X, y)
    assert isinstance(ext, TorchEstimator) and ext.n_epochs_ == ext.history_.n_epochs
    assert len(ext.history_.valid_loss) == ext.n_epochs_  # a validation split was made
    again = JointExtractor("svm", random_state=3, patience=2, **{**FAST, "max_epochs": 40}).fit(X, y)
    np.testing.assert_array_equal(ext.transform(X), again.transform(X))
    with pytest.raises(NotFittedError, match="before 'transform'"):
        JointExtractor().transform(X)
    with pytest.raises(InvalidInputError, match="one class only"):
        JointExtractor(**FAST).fit(X, np.zeros(len(X)))
    with pytest.raises(InvalidParameterError, match="'n_components'"):
        JointExtractor("rff", n_components=0, **FAST).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'max_epochs'"):
        JointExtractor(max_epochs=0).fit(X, y)


def test_trunk_whose_output_is_a_feature_map(images):
    """A CNN trunk whose embed returns the (batch, C, H, W) map: a clear error naming the fix."""
    from fuselearn.nn import FusionCNN

    class MapTrunk(FusionCNN):  # a callable trunk takes flat rows; it reshapes them itself
        def embed(self, x):
            return self.stage_features(x.reshape(len(x), 3, 8, 8))[-1]

    X, y = images
    trunk = lambda n_in, n_out: MapTrunk(3, n_out, channels=(4,), fusion="concat", fusion_dim=4)
    with pytest.raises(InvalidParameterError, match=r"MapTrunk's embed returns Tensor of shape \(2, 4, 4, 4\)"
                                                    r".*vector per row, shape \(batch, d\)"):
        JointExtractor(module=trunk, max_epochs=1).fit(X.reshape(48, -1), y)


def test_the_shipped_minilm_encoder_is_a_joint_trunk():
    """Issue 10 §3: the pretrained text encoder trains end to end through a classical head (word-piece
    ids travel as float32 table columns; the trunk rounds them back)."""
    pytest.importorskip("sentence_transformers")
    from fuselearn.extract import MiniLMTrunk, minilm_classifier

    texts = ["a wonderful, moving film", "dull and far too long", "great acting and a clever plot",
             "the worst script this year", "I loved every minute", "boring, I fell asleep",
             "a delight from start to end", "awful pacing and flat jokes"] * 2
    y = np.array([1, 0] * 8)
    X = MiniLMTrunk().tokenize(texts, 16).numpy().astype(np.float32)
    clf = JointHybridClassifier("svm", cross_fit=2, random_state=0, extractor_params={
        "module": minilm_classifier, "lr": 5e-5, "batch_size": 8, "max_epochs": 1}).fit(X, y)
    ext = clf.hybrid_.extractors_[0]
    assert ext.transform(X).shape == (16, 384)
    assert clf.predict(X).shape == (16,) and set(clf.classes_) == {0, 1}
