"""robustness curves (a perturbation a model cannot take is reported) and fairness against fairlearn's numbers."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from fuselearn import FusionClassifier
from fuselearn.evaluate import fairness, robustness
from fuselearn.exceptions import (
    InvalidInputError,
    InvalidParameterError,
    NotFittedError,
    UnknownNameError,
)

fairlearn = pytest.importorskip("fairlearn")


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(300, 4, n_informative=3, n_redundant=0, random_state=0)
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    fusion = FusionClassifier([("lr", LogisticRegression(), ["a", "b"]),
                               ("hgb", HistGradientBoostingClassifier(max_iter=20, random_state=0), ["c", "d"])],
                              method="stacking", cv=3, random_state=0).fit(X, y)
    return X, y, fusion


def test_curves_for_fusion_and_members(fitted):
    X, y, fusion = fitted
    table = robustness(fusion, X, y, {"gaussian_noise": [0.0, 2.0], "missing": [0.2]},
                       random_state=0).to_frame("robustness")
    assert set(table["model"]) == {"fusion", "lr", "hgb"}
    noise = table[table.perturbation == "gaussian_noise"].set_index(["model", "strength"])["score"]
    for m in ("fusion", "lr", "hgb"):
        assert noise[(m, 2.0)] < noise[(m, 0.0)]
    missing = table[table.perturbation == "missing"].set_index("model")
    # LogisticRegression cannot take NaN: reported, not crashed on; the NaN-native member scores.
    assert missing.loc["lr", "status"] == "cannot take" and "NaN" in missing.loc["lr", "message"]
    assert missing.loc["hgb", "status"] == "ok" and np.isfinite(missing.loc["hgb", "score"])
    assert missing.loc["fusion", "status"] == "cannot take"


def test_missing_group_and_label_noise(fitted):
    X, y, fusion = fitted
    table = robustness(fusion, X, y, {"missing_group": ["hgb"], "label_noise": [0.0, 0.45]}, X_train=X,
                       y_train=y, random_state=0).to_frame("robustness")
    grp = table[table.perturbation == "missing_group"].set_index("model")
    assert grp.loc["lr", "status"] == "ok"  # lr never sees hgb's columns
    assert grp.loc["hgb", "status"] == "ok" and grp.loc["hgb", "score"] < 0.7
    noisy = table[(table.perturbation == "label_noise") & (table.model == "fusion")].set_index("strength")["score"]
    assert noisy[0.45] < noisy[0.0]


def test_robustness_bad_input(fitted):
    X, y, fusion = fitted
    with pytest.raises(InvalidInputError, match=r"model 'fusion' cannot take perturbation 'missing' at strength 0.2: .*NaN"):
        robustness(fusion, X, y, {"missing": [0.2]}, errors="raise")
    with pytest.raises(UnknownNameError, match="Did you mean 'gaussian_noise'"):
        robustness(fusion, X, y, {"gausian_noise": [0.1]})
    with pytest.raises(UnknownNameError, match="Did you mean 'hgb'"):
        robustness(fusion, X, y, {"missing_group": ["hbg"]})
    with pytest.raises(InvalidParameterError, match="X_train and y_train"):
        robustness(fusion, X, y, ["label_noise"])
    with pytest.raises(NotFittedError, match="robustness: this LogisticRegression is not fitted"):
        robustness(LogisticRegression(), X, y)


def test_fairness_matches_fairlearn(fitted):
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        equalized_odds_difference,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    X, y, fusion = fitted
    sex = np.where(np.random.RandomState(1).rand(len(y)) < 0.4, "F", "M")
    result = fairness(fusion, X, y, {"sex": sex}, n_bootstrap=50, random_state=0)
    groups = result.to_frame("fairness_groups")
    gaps = result.to_frame("fairness_gaps")
    assert set(groups["model"]) == {"fusion", "lr", "hgb"}
    for name, proba in (("fusion", fusion.predict_proba(X)[:, 1]),
                        ("lr", fusion.named_estimators_["lr"].predict_proba(X[["a", "b"]])[:, 1])):
        pred = (proba >= 0.5).astype(int)
        mf = MetricFrame(metrics={"accuracy": accuracy_score, "tpr": true_positive_rate,
                                  "selection_rate": selection_rate}, y_true=y, y_pred=pred, sensitive_features=sex)
        ours = groups[(groups.model == name) & (groups.group != "(all)")].set_index("group")
        for metric in ("accuracy", "tpr", "selection_rate"):
            np.testing.assert_allclose(ours.loc[["F", "M"], metric].to_numpy(), mf.by_group[metric].to_numpy())
        g = gaps[gaps.model == name].set_index("metric")
        assert g.loc["demographic_parity_difference", "difference"] == pytest.approx(
            demographic_parity_difference(y, pred, sensitive_features=sex))
        assert g.loc["equalized_odds_difference", "difference"] == pytest.approx(
            equalized_odds_difference(y, pred, sensitive_features=sex))
        assert (g["ci_low"] <= g["difference"] + 1e-12).all() and (g["difference"] <= g["ci_high"] + 1e-12).all()


def test_vectorised_bootstrap_gaps_equal_fairlearn_on_each_replicate():
    from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference

    from fuselearn.evaluate._fairness import _gap_replicates

    rng = np.random.RandomState(0)
    y, pred = rng.randint(0, 2, 200), rng.randint(0, 2, 200)
    s = rng.choice(["a", "b", "c"], 200)
    counts = rng.multinomial(200, np.full(200, 1 / 200), size=3)
    dp, eo = _gap_replicates(y, pred.astype(float), s, counts)
    for k, c in enumerate(counts):
        idx = np.repeat(np.arange(200), c)
        assert dp[k] == pytest.approx(demographic_parity_difference(y[idx], pred[idx], sensitive_features=s[idx]))
        assert eo[k] == pytest.approx(equalized_odds_difference(y[idx], pred[idx], sensitive_features=s[idx]))


def test_fairness_bad_input(fitted):
    X, y, fusion = fitted
    with pytest.raises(UnknownNameError, match=r"sensitive column 'sx' is not in X"):
        fairness(fusion, X, y, ["sx"])
    with pytest.raises(InvalidInputError, match="one group only"):
        fairness(fusion, X, y, {"sex": np.array(["F"] * len(y))})
    with pytest.raises(NotFittedError, match="fairness: this FusionClassifier is not fitted"):
        fairness(FusionClassifier([("lr", LogisticRegression())]), X, y, ["a"])
    multi = LogisticRegression().fit(X, np.arange(len(y)) % 3)
    with pytest.raises(InvalidParameterError, match="binary classifier"):
        fairness(multi, X, y, {"sex": np.array(["F", "M"] * (len(y) // 2))})
