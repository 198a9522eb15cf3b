import pytest

from fuselearn.data import load_aclimdb, load_text_csv
from fuselearn.exceptions import DataError


def test_aclimdb_layout(fixtures):
    ds = load_aclimdb(fixtures / "aclImdb")
    # positives first, then negatives, each by numeric id (2 before 10); unsup ignored
    assert ds.X[:3] == ["Fine acting.", "A great film.<br />Loved it.", "Dull and long."]
    assert ds.target.tolist() == [1, 1, 0, 1, 0, 0]
    assert ds.split["train"].tolist() == [0, 1, 2] and ds.split["test"].tolist() == [3, 4, 5]
    assert ds.metadata["rating"].tolist() == [8, 9, 2, 10, 3, 1]
    assert ds.label_mapping == {"neg": 0, "pos": 1}
    assert len(ds.get_split("test")) == 3
    assert len(ds.checksums) == 6 and "train/pos/10_9.txt" in ds.checksums


def test_aclimdb_missing_part(fixtures):
    with pytest.raises(DataError, match=r"lacks valid/pos/"):
        load_aclimdb(fixtures / "aclImdb", parts=("valid",))


def test_text_csv(fixtures):
    ds = load_text_csv(fixtures / "tables" / "reviews.csv")
    assert ds.X == ["Good, really good", "Terrible", "Multi\nline review"]
    assert ds.target.tolist() == [1, 0, 1] and ds.label_mapping is None
    assert list(ds.checksums) == ["reviews.csv"]


def test_text_csv_missing_column(fixtures):
    with pytest.raises(DataError, match=r"lacks column\(s\) \['review'\]"):
        load_text_csv(fixtures / "tables" / "reviews.csv", text_column="review")


def test_text_csv_malformed_row(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text('text,label\nfine,1\n"a","b",0,extra\n')
    with pytest.raises(DataError, match=r"Malformed row in .*bad\.csv.*line 3"):
        load_text_csv(p)
