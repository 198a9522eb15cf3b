"""fuselearn.save / fuselearn.load: a folder with a manifest, skops and safetensors; nothing unpickled."""

import json
import pickle

import numpy as np
import pytest
from lightgbm import LGBMClassifier
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fuselearn import (
    FusionClassifier,
    HybridClassifier,
    NeuralClassifier,
    NeuralExtractor,
    NeuralRegressor,
    load,
    save,
)
from fuselearn.exceptions import InvalidParameterError, ModelFormatError, UnsafeModelError


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def _fusion():
    return FusionClassifier(
        [
            ("nn", make_pipeline(StandardScaler(), NeuralClassifier(max_epochs=5, random_state=0))),
            ("lgbm", LGBMClassifier(n_estimators=10, verbose=-1, random_state=0)),
            ("lr", LogisticRegression(max_iter=500)),
        ],
        method="stacking", cv=3, random_state=0,
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: NeuralClassifier(max_epochs=3, random_state=0),
        lambda: HybridClassifier(NeuralExtractor(max_epochs=3, random_state=0), cross_fit=3, random_state=0),
        _fusion,
    ],
    ids=["neural", "hybrid", "fusion"],
)
def test_round_trip_predicts_exactly_the_same(tmp_path, iris, make):
    X, y = iris
    model = make().fit(X, y)
    folder = save(model, tmp_path / "model")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["class"].endswith(type(model).__name__)
    assert "torch" in manifest["versions"] and "scikit-learn" in manifest["versions"]
    assert (folder / "weights.safetensors").is_file()
    loaded = load(folder)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_regressor_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ [1.0, -2.0, 0.5] + 10
    model = NeuralRegressor(max_epochs=5, random_state=0).fit(X, y)
    loaded = load(save(model, tmp_path / "reg"))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_plain_sklearn_model_has_no_weights_file(tmp_path, iris):
    X, y = iris
    folder = save(LogisticRegression(max_iter=500).fit(X, y), tmp_path / "lr")
    assert not (folder / "weights.safetensors").exists()
    assert load(folder).score(X, y) > 0.9


def test_existing_folder_needs_overwrite(tmp_path, iris):
    X, y = iris
    model = LogisticRegression(max_iter=500).fit(X, y)
    save(model, tmp_path / "m")
    with pytest.raises(InvalidParameterError, match="already exists"):
        save(model, tmp_path / "m")
    save(model, tmp_path / "m", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporary folders left


class Sneaky(LogisticRegression):
    """A type that is not on the trusted list."""


def test_untrusted_type_is_refused_and_named(tmp_path, iris):
    X, y = iris
    folder = save(Sneaky(max_iter=500).fit(X, y), tmp_path / "sneaky")
    with pytest.raises(UnsafeModelError, match=r"test_persistence\.Sneaky"):
        load(folder)
    assert isinstance(load(folder, trusted=[f"{__name__}.Sneaky"]), Sneaky)


class _Boom:
    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(_Boom.target),))


def test_pickle_payload_is_refused_without_executing(tmp_path, iris):
    X, y = iris
    folder = save(LogisticRegression(max_iter=500).fit(X, y), tmp_path / "m")
    target = tmp_path / "executed"
    _Boom.target = str(target)
    payload = pickle.dumps(_Boom(), protocol=4)
    (folder / "estimator.skops").write_bytes(payload)
    manifest = json.loads((folder / "manifest.json").read_text())
    import hashlib

    manifest["files"]["estimator.skops"] = hashlib.sha256(payload).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UnsafeModelError, match="pickle"):
        load(folder)
    assert not target.exists()


def test_modified_file_is_detected(tmp_path, iris):
    X, y = iris
    folder = save(NeuralClassifier(max_epochs=2, random_state=0).fit(X, y), tmp_path / "m")
    with open(folder / "weights.safetensors", "r+b") as fh:
        fh.seek(-4, 2)
        fh.write(b"\x00\x01\x02\x03")
    with pytest.raises(ModelFormatError, match="modified after saving"):
        load(folder)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelFormatError, match="not a saved fuselearn model"):
        load(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFormatError, match="manifest.json is missing"):
        load(tmp_path / "empty")


def test_wrapped_module_instance_cannot_be_saved(tmp_path, iris):
    import torch

    X, _ = iris
    ext = NeuralExtractor(module=torch.nn.Linear(4, 2)).fit(X)
    with pytest.raises(InvalidParameterError, match="register_module"):
        save(ext, tmp_path / "ext")
    assert not (tmp_path / "ext").exists()


def test_safetensors_whose_header_length_starts_with_0x80_is_not_a_pickle(tmp_path):
    """The first byte of a safetensors file is its header length's low byte; 0x80 there is legal."""
    import torch
    from safetensors.torch import save_file

    from fuselearn._persistence import _refuse_pickle

    for pad in range(400):
        path = tmp_path / f"w{pad}.safetensors"
        save_file({"w": torch.zeros(2)}, str(path), metadata={"pad": "x" * pad})
        if path.read_bytes()[:1] == b"\x80":
            break
    else:
        pytest.skip("no padding gave a 0x80 first byte")
    _refuse_pickle(path, None)  # no error
    pickled = tmp_path / "p.safetensors"
    pickled.write_bytes(b"\x80\x04\x95" + b"\x00" * 40)
    with pytest.raises(UnsafeModelError, match="pickle"):
        _refuse_pickle(pickled, None)
