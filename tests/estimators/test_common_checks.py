"""scikit-learn's common checks over every public estimator (neural ones with a tiny max_epochs)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from fuselearn import NeuralClassifier, NeuralExtractor, NeuralRegressor

TINY = dict(max_epochs=20, lr=1e-2, hidden_sizes=(16,), random_state=0)

ESTIMATORS = [
    NeuralClassifier(**TINY),
    NeuralRegressor(**TINY),
    NeuralExtractor(**TINY),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
