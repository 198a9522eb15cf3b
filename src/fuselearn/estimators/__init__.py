"""scikit-learn estimators: neural, hybrid (deep -> classical), decision fusion, modality fusion, distillation."""

from ._distill import DistilledClassifier, distill
from ._fusion import FusionClassifier, FusionRegressor, Uncertainty
from ._hybrid import HybridClassifier, HybridRegressor
from ._joint import JointExtractor, JointHybridClassifier
from ._modality import ModalityFusion
from ._neural import NeuralClassifier, NeuralRegressor

__all__ = [
    "DistilledClassifier",
    "FusionClassifier",
    "FusionRegressor",
    "HybridClassifier",
    "HybridRegressor",
    "JointExtractor",
    "JointHybridClassifier",
    "ModalityFusion",
    "NeuralClassifier",
    "NeuralRegressor",
    "Uncertainty",
    "distill",
]
