"""The Metric record: validation, scikit-learn scorers, and agreement with from_predictions."""

import dataclasses
import pickle

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import f1_score, log_loss
from sklearn.model_selection import cross_validate
from sklearn.neighbors import KNeighborsClassifier

from fuselearn.exceptions import InvalidInputError, InvalidParameterError
from fuselearn.metrics import Metric, get_metric, score

BINARY_NAMES = [
    "accuracy", "balanced_accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc",
    "roc_auc_ovr", "average_precision", "log_loss", "brier", "ece",
]  # fmt: skip
MULTICLASS_NAMES = [
    "accuracy", "balanced_accuracy", "precision_macro", "precision_micro", "precision_weighted",
    "recall_macro", "recall_micro", "recall_weighted", "f1_macro", "f1_micro", "f1_weighted",
    "roc_auc_ovr", "roc_auc_ovr_weighted", "log_loss", "brier", "ece",
]  # fmt: skip
REGRESSION_NAMES = ["r2", "mae", "mse", "rmse"]


@pytest.fixture(scope="module")
def binary_data():
    return make_classification(n_samples=60, n_features=4, random_state=0)


@pytest.fixture(scope="module")
def multiclass_data():
    X, y = make_classification(
        n_samples=90, n_features=5, n_informative=3, n_classes=3, random_state=0
    )
    return X, np.array(["ant", "bee", "cow"])[y]


def _stored(metric, estimator, X, y):
    """What an experiment runner stores for a fold, scored afterwards."""
    return metric.from_predictions(
        y,
        y_pred=estimator.predict(X),
        y_proba=estimator.predict_proba(X),
        classes=estimator.classes_,
    )


def test_cross_validate_with_logistic_regression(binary_data):
    X, y = binary_data
    scoring = {name: get_metric(name).scorer() for name in BINARY_NAMES}
    result = cross_validate(LogisticRegression(), X, y, cv=3, scoring=scoring)
    for name in BINARY_NAMES:
        values = result[f"test_{name}"]
        assert values.shape == (3,) and np.all(np.isfinite(values))
        # Losses come out negated, like scikit-learn's "neg_log_loss".
        assert np.all(values <= 0) if name in {"log_loss", "brier", "ece"} else np.all(values > 0)


def test_cross_validate_agrees_with_sklearn_builtin_scorer(binary_data):
    X, y = binary_data
    ours = cross_validate(LogisticRegression(), X, y, cv=3, scoring=get_metric("log_loss").scorer())
    theirs = cross_validate(LogisticRegression(), X, y, cv=3, scoring="neg_log_loss")
    np.testing.assert_allclose(ours["test_score"], theirs["test_score"])


@pytest.mark.parametrize("name", BINARY_NAMES)
def test_binary_scorer_equals_from_predictions(binary_data, name):
    X, y = binary_data
    estimator = LogisticRegression().fit(X[:40], y[:40])
    metric = get_metric(name)
    sign = 1 if metric.greater_is_better else -1
    expected = sign * _stored(metric, estimator, X[40:], y[40:])
    assert metric.scorer()(estimator, X[40:], y[40:]) == pytest.approx(expected)
    assert metric(estimator, X[40:], y[40:]) == pytest.approx(expected)


@pytest.mark.parametrize("name", MULTICLASS_NAMES)
def test_multiclass_scorer_equals_from_predictions(multiclass_data, name):
    X, y = multiclass_data
    estimator = LogisticRegression().fit(X[:60], y[:60])
    metric = get_metric(name)
    sign = 1 if metric.greater_is_better else -1
    assert metric(estimator, X[60:], y[60:]) == pytest.approx(
        sign * _stored(metric, estimator, X[60:], y[60:])
    )


@pytest.mark.parametrize("name", REGRESSION_NAMES)
def test_regression_scorer_equals_from_predictions(name):
    X, y = make_regression(n_samples=40, n_features=3, noise=5.0, random_state=0)
    estimator = LinearRegression().fit(X[:30], y[:30])
    metric = get_metric(name)
    sign = 1 if metric.greater_is_better else -1
    expected = sign * metric.from_predictions(y[30:], y_pred=estimator.predict(X[30:]))
    assert metric(estimator, X[30:], y[30:]) == pytest.approx(expected)


def test_map_scorer_on_a_multilabel_estimator():
    rng = np.random.default_rng(0)
    X = rng.random((40, 3))
    Y = (X > 0.5).astype(int)
    estimator = KNeighborsClassifier(n_neighbors=3).fit(X[:30], Y[:30])
    # predict_proba of a multi-label estimator is a list of (n, 2) arrays, one a label.
    scores = np.column_stack([p[:, 1] for p in estimator.predict_proba(X[30:])])
    metric = get_metric("map")
    assert metric(estimator, X[30:], Y[30:]) == pytest.approx(
        metric.from_predictions(Y[30:], y_proba=scores)
    )


def test_roc_auc_scorer_on_multiclass_points_to_ovr(multiclass_data):
    X, y = multiclass_data
    estimator = LogisticRegression().fit(X, y)
    with pytest.raises(InvalidInputError, match="use 'roc_auc_ovr'"):
        get_metric("roc_auc")(estimator, X, y)


@pytest.mark.parametrize(
    ("name", "arguments", "match"),
    [
        ("roc_auc", {"y_pred": [0, 1, 1]}, r"needs continuous scores: pass y_proba="),
        ("log_loss", {"y_pred": [0, 1, 1]}, r"needs predicted probabilities: pass y_proba="),
        ("accuracy", {"y_proba": [0.2, 0.7, 0.9]}, r"pass y_pred=estimator\.predict\(X\)"),
        ("roc_auc", {"y_proba": np.full((3, 3), 1 / 3)}, "use 'roc_auc_ovr'"),
        ("average_precision", {"y_proba": np.full((3, 3), 1 / 3)}, "'map'"),
        ("f1", {"y_pred": [0, 1, 2]}, "use 'f1_macro'"),
        ("log_loss", {"y_proba": [0.2, 1.7, 0.9]}, r"probabilities in \[0, 1\]"),
        ("log_loss", {"y_proba": [[0.2, 0.8]] * 2}, r"same number of samples; got 3 and 2"),
        ("accuracy", {"y_pred": [0, 1]}, "'y_true' and 'y_pred' must have the same number"),
        ("log_loss", {"y_proba": [[0.5, 0.5]] * 3, "classes": [0, 1, 2]}, "'classes' has 3"),
        ("log_loss", {"y_proba": [[0.5, 0.5]] * 3, "classes": [0, 0]}, "must not repeat"),
        (
            "log_loss",
            {"y_proba": [[0.5, 0.5]] * 3, "classes": [0, 2]},
            r"labels \[1\] that are not",
        ),
        ("log_loss", {"y_proba": [0.2, np.nan, 0.9]}, "NaN"),
        ("map", {"y_proba": [[0.5, 0.5]] * 3}, "same shape as the label indicator"),
        ("f1", {"y_pred": [0, 1, 1], "classes": [0, 1, 2]}, "binary targets"),
    ],
)
def test_bad_predictions(name, arguments, match):
    with pytest.raises(InvalidInputError, match=match):
        score(name, [0, 1, 1], **arguments)


def test_one_dimensional_scores_for_multiclass_target():
    with pytest.raises(InvalidInputError, match=r"shape \(n_samples, n_classes\)"):
        score("log_loss", [0, 1, 2], y_proba=[0.2, 0.5, 0.9])


def test_decision_metrics_accept_margins():
    margins = np.array([-2.0, 0.5, 3.0, -0.1])
    assert score("roc_auc", [0, 1, 1, 0], y_proba=margins) == 1.0


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"name": "F1-Custom"}, "lower case with underscores.*'f1_custom'"),
        ({"name": ""}, "non-empty string"),
        ({"response": "proba"}, "'response' parameter of Metric must be a str among"),
        ({"task": "ranking"}, "'task' parameter of Metric must be a str among"),
        ({"func": "f1_score"}, "'func' parameter of Metric must be a callable"),
        ({"greater_is_better": "yes"}, "'greater_is_better' parameter of Metric must be an instance of 'bool'"),
        ({"kwargs": [("average", "macro")]}, "'kwargs' parameter of Metric must be an instance of .*Mapping"),
    ],
)
def test_invalid_metric_fields(changes, match):
    fields = {"name": "custom", "func": f1_score, **changes}
    with pytest.raises(InvalidParameterError, match=match):
        Metric(**fields)


def test_metric_is_frozen_hashable_and_pickles():
    metric = get_metric("roc_auc")
    with pytest.raises(dataclasses.FrozenInstanceError):
        metric.name = "other"
    assert hash(metric) == hash(get_metric("roc_auc"))
    assert pickle.loads(pickle.dumps(metric)) == metric
    pickle.loads(pickle.dumps(metric.scorer()))


def test_kwargs_are_copied_and_variants_are_easy():
    settings = {"n_bins": 2}
    ece2 = dataclasses.replace(get_metric("ece"), name="ece_2", kwargs=settings)
    settings["n_bins"] = 99
    assert ece2.kwargs == {"n_bins": 2}
    assert ece2.from_predictions([1, 1], y_proba=[0.5, 0.6]) == pytest.approx(0.45)
    assert repr(ece2) == (
        "Metric('ece_2', response='predict_proba', task='multiclass', greater_is_better=False, "
        "kwargs={'n_bins': 2})"
    )


def test_from_predictions_matches_sklearn_with_unsorted_string_classes():
    y = np.array(["b", "a", "c", "a"])
    classes = np.array(["c", "a", "b"])
    proba = np.array([[0.1, 0.2, 0.7], [0.2, 0.6, 0.2], [0.5, 0.3, 0.2], [0.3, 0.4, 0.3]])
    sorted_proba = proba[:, np.argsort(classes)]
    assert score("log_loss", y, y_proba=proba, classes=classes) == pytest.approx(
        log_loss(y, sorted_proba)
    )
