import numpy as np
import pandas as pd
import pytest

from fuselearn.data import Dataset, Graph
from fuselearn.exceptions import DataError


def _table_ds(**kw):
    return Dataset(
        inputs={"table": pd.DataFrame({"a": [1, 2, 3, 4]})},
        target=np.array([0, 1, 0, 1]),
        task="binary",
        split={"train": np.array([0, 1, 2]), "test": np.array([3])},
        metadata={"id": np.array([10, 11, 12, 13]), "note": "x"},
        **kw,
    )


def test_accessors_and_len():
    ds = _table_ds(label_mapping={"no": 0, "yes": 1})
    assert len(ds) == 4
    assert ds.X.shape == (4, 1)
    assert ds.y is ds.target
    assert ds.modalities == ["table"]
    assert ds.classes == ["no", "yes"]
    assert "split=['test', 'train']" in repr(ds)


def test_get_split_and_subset():
    ds = _table_ds()
    test = ds.get_split("test")
    assert len(test) == 1 and test.X["a"].tolist() == [4]
    assert test.metadata["id"].tolist() == [13] and test.metadata["note"] == "x"
    assert test.split is None
    with pytest.raises(DataError, match="no split part 'valid'; parts: train, test"):
        ds.get_split("valid")


def test_validation_errors():
    with pytest.raises(DataError, match="'task' of a Dataset must be one of"):
        Dataset(inputs={"text": ["a"]}, target=np.array([0]), task="Binary")
    with pytest.raises(DataError, match="Modality 'text' has 2 samples but the target has 1"):
        Dataset(inputs={"text": ["a", "b"]}, target=np.array([0]), task="binary")
    with pytest.raises(DataError, match="Unknown modality 'audio'"):
        Dataset(inputs={"audio": ["a"]}, target=np.array([0]), task="binary")


def test_X_refuses_several_modalities():
    ds = Dataset(inputs={"text": ["a"], "table": pd.DataFrame({"a": [1]})},
                 target=np.array([0]), task="binary", name="two")
    with pytest.raises(DataError, match=r"several modalities \(text, table\)"):
        _ = ds.X
    assert ds.subset([0]).inputs["text"] == ["a"]


def test_graph_repr_and_to_pyg():
    g = Graph(edge_index=np.array([[0, 1], [1, 0]]), num_nodes=3,
              x=np.ones((3, 2), dtype=np.float32), edge_labels=np.array([1, 1]), y=1)
    assert repr(g) == "Graph(num_nodes=3, num_edges=2, num_features=2, y=1)"
    pytest.importorskip("torch_geometric")
    data = g.to_pyg()
    assert data.num_nodes == 3
    assert data.edge_index.tolist() == [[0, 1], [1, 0]]
    assert data.x.shape == (3, 2)
    assert data.y.tolist() == [1]
    assert data.edge_attr.tolist() == [1, 1]


def test_data_layer_imports_no_pyg():
    import subprocess
    import sys

    code = "import sys, fuselearn.data; print('torch_geometric' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
