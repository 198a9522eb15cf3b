import shutil
import zipfile

import numpy as np
import pytest

from fuselearn.data import load_tu
from fuselearn.exceptions import DataError


@pytest.fixture
def tiny_tu(fixtures, tmp_path):
    dest = tmp_path / "TINY"
    shutil.copytree(fixtures / "tu" / "TINY", dest)
    return dest


def test_folder_with_labels_and_attributes(tiny_tu):
    ds = load_tu(tiny_tu)
    assert ds.name == "TINY" and ds.task == "binary" and len(ds) == 3
    assert ds.label_mapping == {-1: 0, 1: 1}
    assert ds.target.tolist() == [1, 0, 1]
    g1, g2, g3 = ds.X
    assert (g1.num_nodes, g1.num_edges) == (3, 6)
    assert g2.edge_index.tolist() == [[0, 1], [1, 0]]  # node ids are 0-based per graph
    assert g3.edge_labels.tolist() == [1, 1, 1, 1]
    # x = [attribute, one-hot(node label in {0,1,2})]
    assert g1.x.shape == (3, 4)
    np.testing.assert_allclose(g1.x[1], [1.5, 0, 1, 0])
    assert g2.node_labels.tolist() == [2, 2]
    assert ds.modality_spec["graph"]["num_node_labels"] == 3
    assert set(ds.checksums) == {p.name for p in tiny_tu.iterdir()}


def test_featureless_zip_degree_and_constant(tiny_tu, tmp_path):
    zpath = tmp_path / "FL.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for s in ("A.txt", "graph_indicator.txt", "graph_labels.txt"):
            zf.write(tiny_tu / f"TINY_{s}", f"FL/FL_{s}")
    ds = load_tu(zpath)
    assert ds.name == "FL"
    g1, _, g3 = ds.X
    assert g1.x.shape == (3, 3)  # degrees 0..2 one-hot
    assert g1.x.argmax(1).tolist() == [2, 2, 2]
    assert g3.x.argmax(1).tolist() == [1, 2, 1]
    assert ds.modality_spec["graph"]["featureless"] == "degree"
    assert list(ds.checksums) == ["FL.zip"]
    const = load_tu(zpath, featureless="constant")
    assert const.X[0].x.tolist() == [[1.0], [1.0], [1.0]]
    with pytest.raises(DataError, match="'featureless' parameter of load_tu must be one of"):
        load_tu(zpath, featureless="ones")


def test_malformed_line_is_named(tiny_tu):
    lines = (tiny_tu / "TINY_A.txt").read_text().splitlines()
    lines[4] = "1; 3"
    (tiny_tu / "TINY_A.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"TINY_A\.txt, line 5: expected 2 comma-separated"):
        load_tu(tiny_tu)


def test_non_integer_label_is_named(tiny_tu):
    (tiny_tu / "TINY_graph_labels.txt").write_text("1\nx\n1\n")
    with pytest.raises(DataError, match=r"TINY_graph_labels\.txt, line 2: 'x' is not an integer"):
        load_tu(tiny_tu)


def test_edge_between_graphs(tiny_tu):
    with open(tiny_tu / "TINY_A.txt", "a") as fh:
        fh.write("3, 4\n")
    with pytest.raises(DataError, match=r"line 13: the edge joins two graphs"):
        load_tu(tiny_tu)


def test_missing_required_file(tiny_tu):
    (tiny_tu / "TINY_graph_labels.txt").unlink()
    with pytest.raises(DataError, match=r"missing its file .*TINY_graph_labels\.txt"):
        load_tu(tiny_tu)


def test_line_count_mismatch(tiny_tu):
    (tiny_tu / "TINY_node_labels.txt").write_text("0\n1\n")
    with pytest.raises(DataError, match="has 2 lines but the dataset has 8 nodes"):
        load_tu(tiny_tu)


def test_missing_path_and_ambiguous_folder(tmp_path, tiny_tu):
    with pytest.raises(DataError, match="does not exist.*check the path"):
        load_tu(tmp_path / "nope")
    shutil.copy(tiny_tu / "TINY_A.txt", tiny_tu / "OTHER_A.txt")
    with pytest.raises(DataError, match="Pass name=... to choose"):
        load_tu(tiny_tu)
    assert len(load_tu(tiny_tu, name="TINY")) == 3
