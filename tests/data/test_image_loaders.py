import os
import pickle
import tarfile

import numpy as np
import pytest
from _data_builders import (
    CLASSES,
    cifar_batch,
    make_cifar_dir,
    make_image_tar,
    make_image_tree,
    png_bytes,
)

from fuselearn.data import SafeUnpickler, load_cifar10_batches, load_image_folder, safe_unpickle
from fuselearn.exceptions import DataError


def test_folder_layout_and_order(tmp_path):
    root = make_image_tree(tmp_path / "imgs", per_class=2, size=(4, 5))
    ds = load_image_folder(root)
    assert ds.X.shape == (6, 3, 4, 5) and ds.X.dtype == np.uint8
    assert ds.label_mapping == {c: i for i, c in enumerate(CLASSES)}
    assert ds.target.tolist() == [0, 0, 1, 1, 2, 2]
    # the pixel value encodes (class, index): red = 50 * class, green = 10 * index
    assert ds.X[:, 0, 0, 0].tolist() == [0, 0, 50, 50, 100, 100]
    assert ds.X[:, 1, 0, 0].tolist() == [0, 10, 0, 10, 0, 10]
    assert ds.task == "multiclass"
    assert sorted(ds.checksums)[:2] == ["cat/0000.png", "cat/0001.png"] and len(ds.checksums) == 6


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_tar_matches_folder(tmp_path, mode):
    root = make_image_tree(tmp_path / "imgs")
    tar = make_image_tar(root, tmp_path / ("imgs.tar" if mode == "w" else "imgs.tar.gz"), mode)
    a, b = load_image_folder(root), load_image_folder(tar)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.target, b.target)
    assert list(b.checksums) == [tar.name]


def test_grayscale_resize_and_size_mismatch(tmp_path):
    root = make_image_tree(tmp_path / "imgs", size=(4, 5))
    (root / "cat" / "big.png").write_bytes(png_bytes((1, 2, 3), size=(8, 8)))
    with pytest.raises(DataError, match=r"big\.png has shape \(3, 8, 8\).*pass size="):
        load_image_folder(root)
    ds = load_image_folder(root, size=(6, 6), mode="L")
    assert ds.X.shape == (7, 1, 6, 6)


def test_undecodable_image_is_named(tmp_path):
    root = make_image_tree(tmp_path / "imgs")
    (root / "dog" / "broken.jpg").write_bytes(b"not an image")
    with pytest.raises(DataError, match=r"broken\.jpg cannot be decoded"):
        load_image_folder(root)


def test_bad_arguments(tmp_path):
    with pytest.raises(DataError, match="'mode' parameter of load_image_folder"):
        load_image_folder(tmp_path, mode="CMYK")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="No images found"):
        load_image_folder(tmp_path / "empty")


def test_cifar_batches_folder_and_tar(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    truth = make_cifar_dir(folder)
    ds = load_cifar10_batches(folder)
    assert ds.X.shape == (9, 3, 32, 32) and ds.X.dtype == np.uint8
    assert ds.split["train"].tolist() == list(range(7)) and ds.split["test"].tolist() == [7, 8]
    np.testing.assert_array_equal(ds.X[0].reshape(-1), truth["data_batch_1"][0][0])
    np.testing.assert_array_equal(ds.target[7:], truth["test_batch"][1])
    assert ds.label_mapping["airplane"] == 0 and ds.label_mapping["truck"] == 9
    tgz = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    np.testing.assert_array_equal(load_cifar10_batches(tgz).X, ds.X)


@pytest.mark.parametrize("protocol", [3, 4])
def test_safe_unpickle_reads_numpy_arrays(protocol):
    blob, data, labels = cifar_batch(3, 0, protocol=protocol)
    d = safe_unpickle(blob)
    np.testing.assert_array_equal(d[b"data"], data)
    assert d[b"labels"] == labels.tolist()


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_refuses_os_system_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    evil = pickle.dumps({b"data": _Exploit(marker), b"labels": [1]}, protocol=3)
    folder = tmp_path / "batches"
    folder.mkdir()
    (folder / "data_batch_1").write_bytes(evil)
    with pytest.raises(DataError, match=r"asks for (posix|os|nt)\.system.*nothing was run"):
        load_cifar10_batches(folder)
    assert not marker.exists()


def test_refuses_builtins_eval():
    evil = b"cbuiltins\neval\n(S'1+1'\ntR."
    with pytest.raises(DataError, match=r"builtins\.eval"):
        safe_unpickle(evil, "evil.pkl")
    assert issubclass(SafeUnpickler, pickle.Unpickler)


def test_truncated_batch(tmp_path):
    blob, _, _ = cifar_batch(4, 0)
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "test_batch").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match=r"test_batch is not a readable pickle"):
        load_cifar10_batches(folder)
