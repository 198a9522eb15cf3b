"""Explanation: frames, plots, self-contained HTML, JSON; network attributions; the explain CLI."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from fuselearn import FusionClassifier, NeuralClassifier
from fuselearn.evaluate import Explanation, explain, robustness
from fuselearn.exceptions import InvalidInputError, UnknownNameError

pytest.importorskip("shap")
pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def explanation():
    X, y = make_classification(150, 4, random_state=0)
    X = pd.DataFrame(X, columns=list("abcd"))
    fusion = FusionClassifier([("lr", LogisticRegression(), ["a", "b"]),
                               ("tree", DecisionTreeClassifier(max_depth=3, random_state=0), ["c", "d"])],
                              method="stacking", cv=3, random_state=0).fit(X, y)
    e = explain(fusion, X, y, y_train=y, max_rows=30, background=10, n_bootstrap=20, random_state=0)
    return e.merge(robustness(fusion, X, y, {"gaussian_noise": [0, 0.5]}, random_state=0))


def test_json_round_trip(explanation, tmp_path):
    back = Explanation.from_json(explanation.to_json())
    assert set(back.tables) == set(explanation.tables)
    for name, table in explanation.tables.items():
        pd.testing.assert_frame_equal(back.tables[name].reset_index(drop=True), table.reset_index(drop=True),
                                      check_dtype=False)
    assert back.info["members"]["n_coalitions"] == 4
    path = tmp_path / "e.json"
    explanation.to_json(path)
    assert Explanation.from_json(str(path)).tables.keys() == explanation.tables.keys()
    with pytest.raises(InvalidInputError, match="not a fuselearn explanation"):
        Explanation.from_json('{"a": 1}')


def test_plots_and_html(explanation, tmp_path):
    import matplotlib.figure

    for kind in explanation.available_plots():
        assert isinstance(explanation.plot(kind), matplotlib.figure.Figure)
    assert {"members", "leave_one_out", "groups", "features", "summary", "robustness"} <= set(
        explanation.available_plots())
    html = explanation.to_html(tmp_path / "e.html")
    assert html.count("data:image/png;base64,") >= 6 and "<script" not in html and "http" not in html.split("<body>")[1]
    assert "Member Shapley values" in html and "a gate weight" not in html
    long = explanation.to_frame()
    assert {"members_shapley", "robustness"} <= set(long["table"])
    with pytest.raises(UnknownNameError, match="no table 'fairness'"):
        explanation.to_frame("fairness")
    with pytest.raises(InvalidInputError, match="needs the 'fairness_gaps' table"):
        explanation.plot("fairness")
    with pytest.raises(UnknownNameError, match="unknown kind"):
        explanation.plot("pie")


def test_network_sources_next_to_gate_weights():
    pytest.importorskip("captum")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(36, 3, 8, 8)).astype(np.float32)
    y = np.arange(36) % 3
    clf = NeuralClassifier(module="cnn", module_params={"channels": (4, 8), "fusion_dim": 8, "fusion": "aff"},
                           max_epochs=2, random_state=0).fit(X, y)
    e = explain(clf, X, y, random_state=0)
    table = e.to_frame("network_sources")
    assert list(table.columns) == ["source", "class", "n_rows", "attribution_share", "gate_weight"]
    assert len(table) == 2 * 3  # two CNN stages (sources) x three classes
    np.testing.assert_allclose(table.groupby("class")["attribution_share"].sum(), 1.0)
    np.testing.assert_allclose(table.groupby("class")["gate_weight"].sum(), 1.0, atol=1e-5)  # softmax over sources
    html = e.to_html()
    assert "gate weight" in html and "not an attribution" in html


def test_cli_explain(tmp_path):
    from typer.testing import CliRunner

    from fuselearn import save
    from fuselearn.cli import app

    X, y = make_classification(120, 3, n_informative=2, n_redundant=0, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["group"] = np.where(np.arange(120) % 3 == 0, "x", "y")
    fusion = FusionClassifier([("lr", LogisticRegression(), ["a", "b"]), ("lr2", LogisticRegression(), ["c"])],
                              method="weighted", cv=3, random_state=0).fit(frame[["a", "b", "c"]], y)
    save(fusion, tmp_path / "model")
    frame["label"] = y
    frame.to_csv(tmp_path / "data.csv", index=False)
    out = tmp_path / "out.html"
    runner = CliRunner()
    res = runner.invoke(app, ["explain", str(tmp_path / "model"), str(tmp_path / "data.csv"), "--target", "label",
                              "--sensitive", "group", "--out", str(out), "--max-rows", "30", "--json",
                              str(tmp_path / "e.json")])
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert "Member Shapley values" in html and "Fairness" in html and "Robustness" in html
    assert "fairness_gaps" in Explanation.from_json(str(tmp_path / "e.json")).tables
    res = runner.invoke(app, ["explain", str(tmp_path / "model"), str(tmp_path / "data.csv"), "--target", "lbl"])
    assert res.exit_code == 2 and "no column(s) ['lbl']" in res.output
