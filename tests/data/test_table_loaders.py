import gzip

import numpy as np
import pandas as pd
import pytest

from fuselearn.data import (
    load_adult,
    load_bank_marketing,
    load_german_credit,
    load_heart_disease,
    load_pima_diabetes,
    load_table,
    load_womens_clothing_reviews,
    read_uci_table,
)
from fuselearn.exceptions import DataError


def test_adult_split_labels_and_missing(tiny_root):
    ds = load_adult(tiny_root, verify=False)
    X = ds.X
    assert X.shape == (5, 14) and "income" not in X
    assert ds.split["train"].tolist() == [0, 1, 2] and ds.split["test"].tolist() == [3, 4]
    # test labels lose their trailing dot; >50K is positive
    assert ds.target.tolist() == [0, 1, 0, 0, 1]
    assert ds.label_mapping == {"<=50K": 0, ">50K": 1}
    # leading spaces stripped, "?" missing
    assert X["workclass"].iloc[0] == "State-gov"
    assert pd.isna(X["workclass"].iloc[2]) and pd.isna(X["native-country"].iloc[2])
    assert X["age"].dtype == np.int64
    assert ds.modality_spec["table"]["numeric"] == [
        "age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
    assert set(ds.checksums) == {"adult/adult.data.gz", "adult/adult.test.gz"}
    test = load_adult(tiny_root, verify=False, subset="test")
    assert len(test) == 2 and test.split is None
    with pytest.raises(DataError, match="'subset' parameter of load_adult"):
        load_adult(tiny_root, verify=False, subset="valid")


def test_german_credit(tiny_root):
    ds = load_german_credit(tiny_root, verify=False)
    assert ds.X.shape == (3, 20)
    assert ds.target.tolist() == [0, 1, 0]  # class 2 = bad = positive
    assert ds.label_mapping == {1: 0, 2: 1}
    assert ds.X["checking_status"].tolist() == ["A11", "A12", "A14"]
    assert len(ds.modality_spec["table"]["numeric"]) == 7
    assert len(ds.modality_spec["table"]["categorical"]) == 13


def test_pima(tiny_root):
    ds = load_pima_diabetes(tiny_root, verify=False)
    assert ds.X.shape == (3, 8) and ds.target.tolist() == [1, 0, 1]
    assert ds.X["Insulin"].tolist() == [0, 0, 0]
    nan = load_pima_diabetes(tiny_root, verify=False, zeros_as_missing=True)
    assert nan.X["Insulin"].isna().all() and nan.X["Pregnancies"].notna().all()


def test_heart(tiny_root):
    ds = load_heart_disease(tiny_root, verify=False)
    assert ds.target.tolist() == [0, 1, 0]
    assert pd.isna(ds.X["ca"].iloc[2])
    assert ds.X["cp"].tolist() == ["1", "4", "3"]
    assert "cp" in ds.modality_spec["table"]["categorical"]
    multi = load_heart_disease(tiny_root, verify=False, binary=False)
    assert multi.task == "multiclass" and multi.target.tolist() == [0, 1, 0]
    assert multi.label_mapping == {0: 0, 2: 1}


def test_bank_marketing_leak_flag(tiny_root):
    ds = load_bank_marketing(tiny_root, verify=False)
    assert ds.X.shape == (3, 16) and ds.target.tolist() == [0, 1, 0]
    assert ds.metadata["leaky_columns"] == ["duration"]
    assert "leaks" in ds.description
    clean = load_bank_marketing(tiny_root, verify=False, drop_leaky=True, full=False)
    assert "duration" not in clean.X and clean.metadata["leaky_columns"] == []


def test_womens_reviews_spec(tiny_root):
    ds = load_womens_clothing_reviews(tiny_root, verify=False)
    spec = ds.modality_spec["table"]
    assert spec["text"] == ["Title", "Review Text"]
    assert spec["numeric"] == ["Age", "Rating", "Positive Feedback Count"]
    assert spec["categorical"] == ["Clothing ID", "Division Name", "Department Name", "Class Name"]
    assert ds.target.tolist() == [1, 0, 0, 1]
    assert ds.metadata["leaky_columns"] == ["Rating"]
    assert pd.isna(ds.X["Title"].iloc[0])
    assert ds.X["Review Text"].iloc[1] == "Runs small, returned it"
    assert "Rating" not in load_womens_clothing_reviews(tiny_root, verify=False, drop_leaky=True).X


def test_uci_wrong_field_count(tmp_path):
    p = tmp_path / "t.data.gz"
    with gzip.open(p, "wt") as fh:
        fh.write("1, a, 0\n2, b, 1\n\n3, c\n")
    with pytest.raises(DataError, match=r"t\.data\.gz', line 4: expected 3 fields, got 2"):
        read_uci_table(p, ["x", "y", "z"], numeric=["x", "z"])


def test_uci_non_number(tmp_path):
    p = tmp_path / "t.data"
    p.write_text("1 a 0\n2 b 1\nthree c 1\n")
    with pytest.raises(DataError, match=r"line 3: column 'x' must be a number, got 'three'"):
        read_uci_table(p, ["x", "y", "z"], sep=None, numeric=["x", "z"])


def test_generic_load_table(fixtures, tmp_path):
    cols = ["preg", "glu", "bp", "skin", "ins", "bmi", "dpf", "age", "y"]
    ds = load_table(fixtures / "tables" / "pima.csv", target="y", columns=cols, numeric=cols)
    assert ds.X.shape == (3, 8) and ds.task == "binary"
    p = tmp_path / "h.csv"
    p.write_text("a,b,price\n1,x,2.5\n2,?,3.5\n")
    reg = load_table(p, target="price", task="regression")
    assert reg.target.tolist() == [2.5, 3.5] and pd.isna(reg.X["b"].iloc[1])
    assert reg.modality_spec["table"] == {"numeric": ["a"], "categorical": ["b"], "text": []}
    with pytest.raises(DataError, match="has no target column 'label'"):
        load_table(p, target="label")
