"""scikit-learn's common checks over every public estimator (neural ones with a tiny max_epochs)."""

from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from fuselearn import (
    DistilledClassifier,
    FusionAnomalyDetector,
    FusionClassifier,
    FusionRegressor,
    HybridClassifier,
    HybridRegressor,
    JointExtractor,
    JointHybridClassifier,
    NeuralClassifier,
    NeuralExtractor,
    NeuralRegressor,
)
from fuselearn.estimators import (
    ConvAutoencoderDetector,
    ForecastResidualDetector,
    MahalanobisDetector,
    PCADetector,
    TablePreprocessor,
    TrendDifferencer,
)

TINY = {"max_epochs": 20, "lr": 1e-2, "hidden_sizes": (16,), "random_state": 0}

ESTIMATORS = [
    NeuralClassifier(**TINY),
    NeuralRegressor(**TINY),
    NeuralExtractor(**TINY),
    HybridClassifier(NeuralExtractor(**TINY), cross_fit=3, random_state=0),
    HybridRegressor(NeuralExtractor(**TINY), cross_fit=3, random_state=0),
    DistilledClassifier(random_state=0),
    DistilledClassifier(LogisticRegression(), random_state=0),
    JointExtractor("rff", hidden_sizes=(16,), max_epochs=20, lr=1e-2, random_state=0),
    JointHybridClassifier("svm", cross_fit=3, extractor_params={"hidden_sizes": (16,), "max_epochs": 20, "lr": 1e-2},
                          random_state=0),
]
for method in FusionClassifier._methods:
    ESTIMATORS.append(FusionClassifier(
        [("lr", LogisticRegression()), ("tree", DecisionTreeClassifier(random_state=0))],
        method=method, cv=3, random_state=0,
    ))
for method in FusionRegressor._methods:
    ESTIMATORS.append(FusionRegressor(
        [("ridge", Ridge()), ("tree", DecisionTreeRegressor(random_state=0))],
        method=method, cv=3, random_state=0,
    ))
# bagging (fold models averaged) under a time budget, the tabular preset's configuration
ESTIMATORS.append(FusionClassifier(
    [("lr", LogisticRegression()), ("tree", DecisionTreeClassifier(random_state=0))],
    method="weighted", cv=3, bagging=True, time_limit=60, random_state=0,
))
ESTIMATORS.append(FusionRegressor(
    [("ridge", Ridge()), ("tree", DecisionTreeRegressor(random_state=0))],
    method="weighted", cv=3, bagging=True, time_limit=60, random_state=0,
))

ESTIMATORS += [TablePreprocessor(), PCADetector(), ConvAutoencoderDetector(window=4, max_epochs=3, random_state=0),
               TrendDifferencer(min_abs_rho=0.0), MahalanobisDetector(), ForecastResidualDetector(),
               ForecastResidualDetector(lags=2, window=3, aggregate="max")]
for fusion in ("mean", "max", "aom", "agreement", "vote"):
    ESTIMATORS.append(FusionAnomalyDetector(
        [("pca", PCADetector()), ("iforest", IsolationForest(n_estimators=20, random_state=0))],
        fusion=fusion, random_state=0,
    ))
ESTIMATORS.append(FusionAnomalyDetector(
    [("pca", PCADetector()), ("iforest", IsolationForest(n_estimators=20, random_state=0))], threshold_holdout=0.5,
    random_state=0,
))

FLOAT32_REASON = (
    "the network computes in float32; batched matrix products round differently for a subset of the "
    "rows (differences ~1e-7), which the head's decision function shows"
)


PCA_LIMIT_REASON = (
    "T²/Q control limits at p_value=0.999 (SKAB's) flag no training row of the check's blobs, so "
    "predict returns only +1 where the check wants both labels"
)
WINDOW_REASON = (
    "rows are time steps: a row's score is the error of the window ending at it, so it depends on the "
    "rows before it and changes when rows are reordered or subset, by design"
)

DIFF_REASON = (
    "rows are time steps: a differenced channel's value at a row is its change since the row `lag` "
    "steps before, so it changes when rows are reordered or subset, by design"
)


RESIDUAL_REASON = (
    "rows are time steps: a row's score is the error of forecasting it from the rows before it, so it "
    "changes when rows are reordered or subset, by design"
)


HOLDOUT_REASON = (
    "threshold_holdout raises the threshold to the held-out fit rows' quantile, above every in-sample "
    "fused score of the check's blobs, so no training row is flagged where the check wants both labels"
)


def expected_failed_checks(estimator):
    if isinstance(estimator, FusionAnomalyDetector) and estimator.threshold_holdout is not None:
        return {"check_outliers_fit_predict": HOLDOUT_REASON, "check_outliers_train": HOLDOUT_REASON}
    if isinstance(estimator, ForecastResidualDetector):
        return {"check_methods_sample_order_invariance": RESIDUAL_REASON,
                "check_methods_subset_invariance": RESIDUAL_REASON}
    if isinstance(estimator, PCADetector):
        return {"check_outliers_fit_predict": PCA_LIMIT_REASON, "check_outliers_train": PCA_LIMIT_REASON}
    if isinstance(estimator, TrendDifferencer):
        return {"check_methods_sample_order_invariance": DIFF_REASON, "check_methods_subset_invariance": DIFF_REASON}
    if isinstance(estimator, ConvAutoencoderDetector):
        return {"check_methods_sample_order_invariance": WINDOW_REASON,
                "check_methods_subset_invariance": WINDOW_REASON}
    if isinstance(estimator, (HybridClassifier, HybridRegressor, JointHybridClassifier)):
        return {"check_methods_subset_invariance": FLOAT32_REASON}
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
