"""fuselearn: fuse deep learning with classical machine learning, and prove whether the fusion helped."""

from .estimators import NeuralClassifier, NeuralRegressor
from .extract import NeuralExtractor

__version__ = "0.1.0"

__all__ = ["NeuralClassifier", "NeuralRegressor", "NeuralExtractor", "__version__"]
