"""Builders of tiny binary fixtures (images, tars, zips, gz, CIFAR pickles) from the text fixtures."""

from __future__ import annotations

import gzip
import io
import pickle
import shutil
import tarfile
import zipfile
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).parent / "fixtures"
CLASSES = ("cat", "dog", "frog")


def png_bytes(color: tuple[int, int, int], size=(4, 5), mode="RGB") -> bytes:
    from PIL import Image

    img = Image.new(mode, (size[1], size[0]), color if mode == "RGB" else color[0])
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def make_image_tree(root: Path, per_class: int = 2, size=(4, 5)) -> Path:
    """CLASS/NNNN.png images; pixel value encodes (class, index) so order can be checked."""
    for c, cls in enumerate(CLASSES):
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            (root / cls / f"{i:04d}.png").write_bytes(png_bytes((c * 50, i * 10, 7), size))
    return root


def make_image_tar(folder: Path, dest: Path, mode: str = "w") -> Path:
    with tarfile.open(dest, mode) as tar:
        for f in sorted(folder.rglob("*.png")):
            tar.add(f, arcname=f.relative_to(folder).as_posix())
    return dest


def cifar_batch(n: int, seed: int, protocol: int = 3) -> tuple[bytes, np.ndarray, np.ndarray]:
    """A CIFAR-style batch dict (bytes keys like the official Python 2 pickles)."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).tolist()
    batch = {
        b"batch_label": b"testing batch",
        b"labels": labels,
        b"data": data,
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }
    return pickle.dumps(batch, protocol=protocol), data, np.array(labels)


def make_cifar_dir(folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    truth = {}
    for name, n, seed in (("data_batch_1", 4, 1), ("data_batch_2", 3, 2), ("test_batch", 2, 3)):
        blob, data, labels = cifar_batch(n, seed)
        (folder / name).write_bytes(blob)
        truth[name] = (data, labels)
    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse",
             b"ship", b"truck"]
    meta = {b"label_names": names, b"num_cases_per_batch": 10000, b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=3))
    return truth


def _gzip(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as fi, gzip.open(dest, "wb") as fo:
        shutil.copyfileobj(fi, fo)


def _copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def build_tiny_root(root: Path) -> Path:
    """A data root laid out like the real collection, holding the tiny fixtures."""
    fx = FIXTURES
    for f in (fx / "tu" / "TINY").iterdir():
        _copy(f, root / "MUTAG" / f.name.replace("TINY", "MUTAG"))
    zpath = root / "IMDB-BINARY" / "IMDB-BINARY.zip"
    zpath.parent.mkdir(parents=True)
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("IMDB-BINARY/", "")
        for suffix in ("A.txt", "graph_indicator.txt", "graph_labels.txt"):
            zf.write(fx / "tu" / "TINY" / f"TINY_{suffix}", f"IMDB-BINARY/IMDB-BINARY_{suffix}")
    _gzip(fx / "tables" / "adult.data", root / "adult" / "adult.data.gz")
    _gzip(fx / "tables" / "adult.test", root / "adult" / "adult.test.gz")
    _copy(fx / "tables" / "german.data", root / "german-credit" / "german.data")
    _copy(fx / "tables" / "pima.csv", root / "pima-diabetes" / "pima-indians-diabetes.data.csv")
    _copy(fx / "tables" / "cleveland.data",
          root / "heart-disease-cleveland" / "processed.cleveland.data")
    (root / "bank-marketing").mkdir()
    with zipfile.ZipFile(root / "bank-marketing" / "bank.zip", "w") as zf:
        zf.write(fx / "tables" / "bank-full.csv", "bank-full.csv")
        zf.write(fx / "tables" / "bank-full.csv", "bank.csv")
    _gzip(fx / "tables" / "womens.csv",
          root / "womens-clothing-reviews" / "Womens Clothing E-Commerce Reviews.csv.gz")
    _gzip(fx / "tables" / "reviews.csv", root / "IMDB-reviews" / "train.csv.gz")
    _gzip(fx / "tables" / "reviews.csv", root / "IMDB-reviews" / "test.csv.gz")
    # SKAB: the loader's registry lists every file of the real benchmark, so copy the tiny
    # experiments under all of those names
    from fuselearn.data import get_dataset_info

    for rel in get_dataset_info("skab").files:
        src = fx / "skab" / ("anomaly-free/anomaly-free.csv" if "anomaly-free" in rel
                             else f"valve1/{int(rel.rsplit('/', 1)[1][:-4]) % 2}.csv")
        _copy(src, root / rel)
    images = make_image_tree(root / "_images")
    (root / "CIFAR-10-images").mkdir()
    make_image_tar(images, root / "CIFAR-10-images" / "train.tar")
    make_image_tar(images, root / "CIFAR-10-images" / "test.tar")
    shutil.rmtree(images)
    cdir = root / "_cifar" / "cifar-10-batches-py"
    make_cifar_dir(cdir)
    (root / "cifar10").mkdir()
    with tarfile.open(root / "cifar10" / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(cdir, arcname="cifar-10-batches-py")
    shutil.rmtree(root / "_cifar")
    return root
