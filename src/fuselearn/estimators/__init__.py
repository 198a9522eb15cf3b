"""scikit-learn estimators: neural, hybrid (deep -> classical), decision fusion, modality fusion."""

from ._neural import NeuralClassifier, NeuralRegressor

__all__ = ["NeuralClassifier", "NeuralRegressor"]
