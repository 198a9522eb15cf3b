"""Every loader against the real benchmark collection, checked with the counts of its MANIFEST.md.

Runs only with ``-m dataset`` and ``FUSELEARN_DATA`` pointing at the datasets folder.
"""

import os

import numpy as np
import pytest

from fuselearn.data import list_datasets, load_dataset, verify_dataset

pytestmark = [
    pytest.mark.dataset,
    pytest.mark.skipif(
        not os.environ.get("FUSELEARN_DATA"),
        reason="FUSELEARN_DATA is not set: point it at the benchmark datasets folder to run these.",
    ),
]

PRESENT = [n for n in list_datasets() if n != "cifar10"]  # the python CIFAR archive is not shipped


def counts(y):
    return np.bincount(y).tolist()


@pytest.mark.parametrize("name", PRESENT)
def test_checksums(name):
    digests = verify_dataset(name)
    assert digests and all(len(d) == 64 for d in digests.values())


@pytest.mark.parametrize(
    "name, n, by_class, nodes, edges, node_labels, features",
    [
        ("mutag", 188, [63, 125], 3371, 7442, 7, 7),
        ("proteins", 1113, [663, 450], 43471, 162088, 3, 4),
        ("nci1", 4110, [2053, 2057], 122747, 265506, 37, 37),
        ("imdb_binary", 1000, [500, 500], 19773, 386124, 0, None),
    ],
)
def test_graphs(name, n, by_class, nodes, edges, node_labels, features):
    ds = load_dataset(name)
    graphs = ds.X
    assert len(ds) == n and counts(ds.target) == by_class
    assert sum(g.num_nodes for g in graphs) == nodes
    assert sum(g.num_edges for g in graphs) == edges
    assert ds.modality_spec["graph"]["num_node_labels"] == node_labels
    if features is not None:
        assert all(g.x.shape[1] == features for g in graphs)
    for g in graphs:
        assert g.edge_index.min() >= 0 and g.edge_index.max() < g.num_nodes
    if name == "mutag":
        assert ds.label_mapping == {-1: 0, 1: 1}
        assert len(np.unique(np.concatenate([g.edge_labels for g in graphs]))) == 4
        assert min(g.num_nodes for g in graphs) == 10 and max(g.num_nodes for g in graphs) == 28
    if name == "imdb_binary":
        assert (min(g.num_nodes for g in graphs), max(g.num_nodes for g in graphs)) == (12, 136)
        assert ds.modality_spec["graph"]["featureless"] == "degree"


def test_imdb_reviews():
    ds = load_dataset("imdb_reviews")
    assert len(ds) == 50000
    for part in ("train", "test"):
        idx = ds.split[part]
        assert len(idx) == 25000 and counts(ds.target[idx]) == [12500, 12500]
    assert all(isinstance(t, str) and t for t in ds.X)


def test_adult():
    ds = load_dataset("adult")
    X = ds.X
    assert X.shape == (48842, 14)
    train, test = ds.split["train"], ds.split["test"]
    assert counts(ds.target[train]) == [24720, 7841]
    assert counts(ds.target[test]) == [12435, 3846]
    assert int(X.iloc[train].isna().any(axis=1).sum()) == 2399
    assert int(X.iloc[test].isna().any(axis=1).sum()) == 1221
    assert not X["workclass"].dropna().str.startswith(" ").any()


def test_german_credit():
    ds = load_dataset("german_credit")
    assert ds.X.shape == (1000, 20) and counts(ds.target) == [700, 300]


def test_pima():
    ds = load_dataset("pima_diabetes")
    assert ds.X.shape == (768, 8) and counts(ds.target) == [500, 268]
    assert int((ds.X["Glucose"] == 0).sum()) == 5 and int((ds.X["BMI"] == 0).sum()) == 11


def test_heart():
    ds = load_dataset("heart_disease_cleveland")
    assert ds.X.shape == (303, 13) and counts(ds.target) == [164, 139]
    assert int(ds.X["ca"].isna().sum()) == 4 and int(ds.X["thal"].isna().sum()) == 2
    multi = load_dataset("heart_disease_cleveland", binary=False)
    assert counts(multi.target) == [164, 55, 36, 35, 13]


def test_bank_marketing():
    ds = load_dataset("bank_marketing")
    assert ds.X.shape == (45211, 16) and counts(ds.target) == [39922, 5289]
    assert ds.metadata["leaky_columns"] == ["duration"]
    small = load_dataset("bank_marketing", full=False)
    assert counts(small.target) == [4000, 521]


def test_womens_reviews():
    ds = load_dataset("womens_clothing_reviews")
    X = ds.X
    assert len(ds) == 23486 and counts(ds.target) == [4172, 19314]
    assert int(X["Review Text"].isna().sum()) == 845 and int(X["Title"].isna().sum()) == 3810
    assert int(X["Division Name"].isna().sum()) == 14
    assert X["Department Name"].nunique() == 6 and X["Class Name"].nunique() == 20
    assert (X["Age"].min(), X["Age"].max()) == (18, 99)
    assert X["Rating"].value_counts().sort_index().tolist() == [842, 1565, 2871, 5077, 13131]


def test_skab():
    ds = load_dataset("skab")
    assert len(ds.X) == 34 and len(ds.target) == 37401
    assert int(ds.target.sum()) == 13067
    assert len(ds.split["score"]) == 23801 and len(ds.split["fit"]) == 34 * 400
    assert all(frame.shape[1] == 8 for frame in ds.X)
    assert sum(n.startswith("valve1/") for n in ds.metadata["experiments"]) == 16
    sizes = np.diff(ds.metadata["offsets"])
    assert (sizes.min(), sizes.max()) == (745, 1327)
    free = load_dataset("skab", include_anomaly_free=True)
    assert len(free.X) == 35 and len(free.target) == 37401 + 9405
    assert len(free.split["score"]) == 23801


def test_cifar10_images():
    ds = load_dataset("cifar10_images")
    assert ds.X.shape == (20000, 3, 32, 32) and ds.X.dtype == np.uint8
    for part in ("train", "test"):
        assert counts(ds.target[ds.split[part]]) == [1000] * 10
    assert ds.classes == ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                          "ship", "truck"]
