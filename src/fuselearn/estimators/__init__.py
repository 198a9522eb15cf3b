"""scikit-learn estimators: neural, hybrid (deep -> classical), decision fusion, modality fusion, anomaly fusion."""

from ._anomaly import ConvAutoencoderDetector, FusionAnomalyDetector, PCADetector
from ._fusion import FusionClassifier, FusionRegressor, Uncertainty
from ._hybrid import HybridClassifier, HybridRegressor
from ._modality import ModalityFusion
from ._neural import NeuralClassifier, NeuralRegressor

__all__ = [
    "ConvAutoencoderDetector",
    "FusionAnomalyDetector",
    "FusionClassifier",
    "FusionRegressor",
    "HybridClassifier",
    "HybridRegressor",
    "ModalityFusion",
    "NeuralClassifier",
    "NeuralRegressor",
    "PCADetector",
    "Uncertainty",
]
