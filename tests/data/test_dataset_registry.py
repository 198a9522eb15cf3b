import os
import time
from dataclasses import replace

import numpy as np
import pytest

import fuselearn.data._files as files_mod
from fuselearn.data import (
    get_dataset_info,
    list_datasets,
    load_cifar10,
    load_cifar10_images,
    load_dataset,
    load_imdb_binary,
    load_imdb_reviews,
    load_mutag,
    sha256_file,
    verify_dataset,
)
from fuselearn.exceptions import ChecksumError, DataError, UnknownNameError

EXPECTED = {
    "adult", "bank_marketing", "cifar10", "cifar10_images", "german_credit",
    "heart_disease_cleveland", "imdb_binary", "imdb_reviews", "mutag", "nci1", "pima_diabetes",
    "proteins", "skab", "womens_clothing_reviews",
}


def test_registry_contents():
    assert set(list_datasets()) == EXPECTED
    info = get_dataset_info("IMDB-BINARY")
    assert info.name == "imdb_binary" and info.modality == "graph"
    assert info.files == {
        "IMDB-BINARY/IMDB-BINARY.zip":
            "3a0b85c87f7fdfbde624ef943e75fddd22fc3a4e6001bb9a07eaa64a997e520e"}
    mutag = get_dataset_info("mutag")
    assert "MUTAG/README.txt" in mutag.extra_files and "MUTAG/README.txt" not in mutag.files
    assert mutag.size == 76940 + 14884 + 11532 + 439 + 6742 + 2611
    assert "Debnath" in mutag.citation and mutag.licence
    for name in EXPECTED:
        info = get_dataset_info(name)
        assert info.files and all(len(h) == 64 for h in info.files.values())


def test_unknown_name_lists_choices():
    with pytest.raises(UnknownNameError, match="Unknown dataset 'mutagg'.*Did you mean 'mutag'"):
        get_dataset_info("mutagg")


def test_missing_file_names_every_place(monkeypatch, tmp_path):
    monkeypatch.setenv("FUSELEARN_DATA", str(tmp_path / "env-root"))
    with pytest.raises(DataError) as err:
        load_mutag()
    msg = str(err.value)
    assert "'MUTAG/MUTAG_A.txt' was not found" in msg
    assert str(tmp_path / "env-root" / "MUTAG" / "MUTAG_A.txt") in msg
    assert str(tmp_path / "env-root" / "MUTAG_A.txt") in msg
    assert str(tmp_path / "user-data-dir" / "MUTAG" / "MUTAG_A.txt") in msg
    # $FUSELEARN_DATA is set: the message says where it points, not to set it
    assert f"FUSELEARN_DATA is set to {str(tmp_path / 'env-root')!r}" in msg
    assert "Set the FUSELEARN_DATA" not in msg


def test_missing_file_without_env_says_to_set_it():
    with pytest.raises(DataError, match="Set the FUSELEARN_DATA environment variable.*data_dir="):
        load_mutag()


def test_missing_file_with_data_dir_names_it(tmp_path):
    with pytest.raises(DataError, match="data_dir.*--data-dir.*is '.*nowhere'") as err:
        load_mutag(tmp_path / "nowhere")
    assert "FUSELEARN_DATA" not in str(err.value)


def test_checksum_mismatch_names_file_and_digests(tiny_root):
    expected = get_dataset_info("mutag").files["MUTAG/MUTAG_A.txt"]
    actual = sha256_file(tiny_root / "MUTAG" / "MUTAG_A.txt")
    with pytest.raises(ChecksumError, match=f"MUTAG_A.txt'.*expected sha256 {expected}, got {actual}"):
        load_mutag(tiny_root)
    with pytest.raises(ChecksumError):
        verify_dataset("mutag", tiny_root)


def test_verify_passes_with_matching_registry(tiny_root):
    import fuselearn.data._registry as reg

    info = get_dataset_info("mutag")
    real = {rel: sha256_file(tiny_root / rel) for rel in info.files}
    reg.register_dataset(replace(info, files=real), overwrite=True)
    try:
        digests = verify_dataset("mutag", tiny_root)
        assert digests == real  # README absent in the tiny root: skipped, not an error
        ds = load_dataset("MUTAG", tiny_root)
        assert ds.name == "mutag" and ds.checksums == real and "Debnath" in ds.citation
    finally:
        reg.register_dataset(info, overwrite=True)


def test_data_dir_may_be_the_dataset_folder(tiny_root):
    ds = load_mutag(tiny_root / "MUTAG", verify=False)
    assert len(ds) == 3 and set(ds.checksums) == set(get_dataset_info("mutag").files)


def test_env_var_is_used(tiny_root, monkeypatch):
    monkeypatch.setenv("FUSELEARN_DATA", str(tiny_root))
    assert len(load_dataset("imdb_binary", verify=False)) == 3


def test_named_graph_text_image_loaders(tiny_root):
    g = load_imdb_binary(tiny_root, verify=False)
    assert g.modality_spec["graph"]["featureless"] == "degree" and "degree" in g.description
    t = load_imdb_reviews(tiny_root, verify=False)
    assert len(t) == 6 and t.split["test"].tolist() == [3, 4, 5]
    assert len(load_imdb_reviews(tiny_root, verify=False, subset="train")) == 3
    im = load_cifar10_images(tiny_root, verify=False)
    assert im.X.shape == (12, 3, 4, 5) and im.split["train"].tolist() == list(range(6))
    c = load_cifar10(tiny_root, verify=False)
    assert c.X.shape == (9, 3, 32, 32) and c.name == "cifar10"


def test_hash_cache_by_path_mtime_size(tmp_path, monkeypatch):
    p = tmp_path / "f.txt"
    p.write_text("one")
    first = sha256_file(p)
    calls = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda *a, **k: calls.append(a) or real_open(*a, **k))
    assert sha256_file(p) == first and calls == []  # cached: the file is not read again
    monkeypatch.undo()
    p.write_text("two")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert sha256_file(p) != first
    assert any(k[0] == str(p.resolve()) for k in files_mod._HASH_CACHE)


def test_verify_is_cheap_when_repeated(tiny_root):
    t = time.perf_counter()
    for _ in range(50):
        sha256_file(tiny_root / "CIFAR-10-images" / "train.tar")
    assert time.perf_counter() - t < 0.5
    assert np.isfinite(t)
