"""`fuselearn predict MODEL DATA.csv`: a saved model applied from the command line."""

import numpy as np
import pandas as pd
from sklearn.datasets import load_iris
from typer.testing import CliRunner

from fuselearn import NeuralClassifier, save
from fuselearn.cli import app


def test_predict_writes_predictions_and_probabilities(tmp_path):
    X, y = load_iris(return_X_y=True)
    model = NeuralClassifier(max_epochs=3, random_state=0).fit(X, y)
    save(model, tmp_path / "model")
    pd.DataFrame(X).to_csv(tmp_path / "rows.csv", index=False)
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "model"), str(tmp_path / "rows.csv"),
                                      "--out", str(tmp_path / "pred.csv"), "--proba"])
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(tmp_path / "pred.csv")
    np.testing.assert_array_equal(pred["prediction"], model.predict(X))
    np.testing.assert_allclose(pred[["proba_0", "proba_1", "proba_2"]], model.predict_proba(X), rtol=1e-6)


def test_predict_with_a_bad_model_folder_exits_2(tmp_path):
    (tmp_path / "rows.csv").write_text("a\n1\n")
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "nope"), str(tmp_path / "rows.csv")])
    assert result.exit_code == 2
    assert "not a saved fuselearn model" in result.output
