"""ImageEmbedder: Pillow decoding, seeded flip/crop augmentation in training only, embeddings."""

import io

import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from fuselearn.exceptions import InvalidInputError, InvalidParameterError
from fuselearn.extract import ImageEmbedder, RandomFlipCrop
from fuselearn.extract._image import decode_images


class TinyCNN(torch.nn.Module):
    def __init__(self, n_channels, n_out):
        super().__init__()
        self.conv = torch.nn.Conv2d(n_channels, 8, 3, padding=1)
        self.head = torch.nn.Linear(8, n_out)

    def embed(self, x):
        return torch.relu(self.conv(x)).mean(dim=(2, 3))

    def forward(self, x):
        return self.head(self.embed(x))


def _stripes(n, rng):
    """Class 1: horizontal stripes, class 0: vertical stripes (flip-invariant, shift-tolerant)."""
    y = rng.integers(0, 2, n)
    base = (np.arange(8) % 2).astype(np.float32)
    X = np.stack([np.tile(base[:, None], (1, 8)) if c else np.tile(base[None, :], (8, 1)) for c in y])
    X = X[:, None] + 0.1 * rng.normal(size=(n, 1, 8, 8)).astype(np.float32)
    return X.astype(np.float32), y


def test_embedder_learns_and_is_reproducible():
    X, y = _stripes(60, np.random.default_rng(0))
    emb = ImageEmbedder(module=TinyCNN, crop_padding=1, max_epochs=30, lr=1e-2, random_state=0).fit(X, y)
    Z = emb.transform(X)
    assert Z.shape == (60, 8)
    assert isinstance(emb.module_, RandomFlipCrop)
    assert LogisticRegression().fit(Z, y).score(Z, y) >= 0.9
    np.testing.assert_allclose(clone(emb).fit(X, y).transform(X), Z, atol=1e-5)


def test_augmentation_only_in_training_and_seeded():
    net = RandomFlipCrop(TinyCNN(1, 2), padding=2)
    x = torch.arange(2 * 64, dtype=torch.float32).reshape(2, 1, 8, 8)
    net.eval()
    torch.testing.assert_close(net(x), net.net(x))
    torch.manual_seed(0)
    a = net.augment(x)
    torch.manual_seed(0)
    b = net.augment(x)
    torch.testing.assert_close(a, b)
    assert a.shape == x.shape
    assert any(not torch.equal(net.augment(x), x) for _ in range(5))
    flip_only = RandomFlipCrop(TinyCNN(1, 2), padding=0)
    out = flip_only.augment(x)
    for i in range(2):
        assert torch.equal(out[i], x[i]) or torch.equal(out[i], x[i].flip(-1))


def test_decode_paths_and_bytes(tmp_path):
    img = Image.fromarray(np.full((10, 12, 3), 200, dtype=np.uint8))
    path = tmp_path / "a.png"
    img.save(path)
    buf = io.BytesIO()
    img.convert("L").save(buf, format="JPEG")
    out = decode_images([str(path), buf.getvalue(), img], (6, 6))
    assert out.shape == (3, 3, 6, 6)
    np.testing.assert_allclose(out[0], 200 / 255, atol=1e-6)
    with pytest.raises(InvalidInputError, match="Pillow"):
        decode_images([b"not an image"], (4, 4))


def test_embedder_on_files(tmp_path):
    rng = np.random.default_rng(1)
    X, y = _stripes(12, rng)
    paths = []
    for i, x in enumerate(X):
        p = tmp_path / f"{i}.png"
        Image.fromarray((np.clip(x[0], 0, 1) * 255).astype(np.uint8)).save(p)
        paths.append(str(p))
    emb = ImageEmbedder(module=TinyCNN, image_size=(8, 8), max_epochs=2, random_state=0).fit(paths, y)
    assert emb.n_features_in_ == 3  # decoded to RGB
    assert emb.transform(paths[:3]).shape == (3, 8)


def test_errors():
    with pytest.raises(InvalidParameterError, match="image_size"):
        ImageEmbedder(module=TinyCNN, image_size=(0, 4)).fit(np.zeros((4, 1, 4, 4)), [0, 1, 0, 1])
    with pytest.raises(InvalidParameterError, match="instance"):
        ImageEmbedder(module=TinyCNN(1, 2)).fit(np.zeros((4, 1, 4, 4)), [0, 1, 0, 1])
    with pytest.raises(InvalidInputError, match=r"\(n, C, H, W\)"):
        ImageEmbedder(module=TinyCNN).fit(np.zeros((4, 16)), [0, 1, 0, 1])


# Image input is 4-D, not a 2-D array: the data-driven common checks do not apply; these do.
@pytest.mark.parametrize("check", [check_parameters_default_constructible, check_no_attributes_set_in_init,
                                   check_get_params_invariance, check_set_params], ids=lambda c: c.__name__)
def test_input_free_common_checks(check):
    check("ImageEmbedder", ImageEmbedder())
