import numpy as np
import pytest

from fuselearn.data import load_skab, load_skab_folder
from fuselearn.exceptions import DataError


def test_folder_protocol(fixtures):
    ds = load_skab_folder(fixtures / "skab", n_fit=3)
    assert ds.task == "anomaly"
    assert ds.metadata["experiments"] == ["valve1/0.csv", "valve1/1.csv"]  # anomaly-free left out
    a, _ = ds.X
    assert list(a.columns) == ["Accelerometer1RMS", "Current", "Pressure"]
    assert a.index.name == "datetime" and str(a.index.dtype).startswith("datetime64")
    assert ds.target.tolist() == [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1]
    assert ds.metadata["changepoint"].tolist() == [0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1]
    assert ds.split["fit"].tolist() == [0, 1, 2, 6, 7, 8]
    assert ds.split["score"].tolist() == [3, 4, 5, 9, 10]
    assert ds.metadata["offsets"].tolist() == [0, 6, 11]
    assert ds.metadata["groups"].tolist() == [0] * 6 + [1] * 5
    per_file = np.split(ds.target, ds.metadata["offsets"][1:-1])
    assert [len(p) for p in per_file] == [6, 5]
    with pytest.raises(DataError, match="cannot be subset by row"):
        ds.subset([0])


def test_experiments_picks_files(fixtures):
    ds = load_skab_folder(fixtures / "skab", n_fit=3, experiments=["valve1/1.csv"])
    assert ds.metadata["experiments"] == ["valve1/1.csv"]
    assert ds.target.tolist() == [0, 0, 0, 0, 1] and ds.split["score"].tolist() == [3, 4]
    with pytest.raises(DataError, match=r"No experiment 'valve1/2.csv'.*Did you mean 'valve1/.\.csv'"):
        load_skab_folder(fixtures / "skab", experiments=["valve1/2.csv"])
    with pytest.raises(DataError, match=r"non-empty list of file names"):
        load_skab_folder(fixtures / "skab", experiments="valve1/1.csv")


def test_include_anomaly_free(fixtures):
    ds = load_skab_folder(fixtures / "skab", n_fit=3, include_anomaly_free=True)
    assert ds.metadata["experiments"][0] == "anomaly-free/anomaly-free.csv"
    assert ds.metadata["labelled"].tolist() == [False, True, True]
    assert len(ds.target) == 15 and len(ds.split["score"]) == 5


def test_malformed_value(fixtures, tmp_path):
    text = (fixtures / "skab" / "valve1" / "0.csv").read_text().splitlines()
    text[3] = text[3].replace("1.2", "oops", 1)
    (tmp_path / "0.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataError, match=r"0\.csv', line 4: column 'Current' must be a number"):
        load_skab_folder(tmp_path)


def test_named_loader(tiny_root):
    ds = load_skab(tiny_root, verify=False)
    assert len(ds.X) == 34 and len(ds.split["score"]) == 0  # tiny files are all "fit"
    assert len(ds.checksums) == 34 and all(k.startswith("SKAB/data/") for k in ds.checksums)
