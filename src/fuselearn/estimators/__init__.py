"""scikit-learn estimators: neural, hybrid (deep -> classical), decision fusion, modality fusion, anomaly
fusion, distillation, and NBSVM (the classical text baseline fusion is measured against)."""

from ._anomaly import (
    ConvAutoencoderDetector,
    ForecastResidualDetector,
    FusionAnomalyDetector,
    MahalanobisDetector,
    PCADetector,
    TrendDifferencer,
)
from ._distill import DistilledClassifier, distill
from ._fusion import FusionClassifier, FusionRegressor, Uncertainty
from ._hybrid import HybridClassifier, HybridRegressor
from ._joint import JointExtractor, JointHybridClassifier
from ._modality import ModalityFusion
from ._nbsvm import NBSVMClassifier
from ._neural import NeuralClassifier, NeuralRegressor
from ._preset import TablePreprocessor

__all__ = [
    "ConvAutoencoderDetector",
    "DistilledClassifier",
    "ForecastResidualDetector",
    "FusionAnomalyDetector",
    "FusionClassifier",
    "FusionRegressor",
    "HybridClassifier",
    "HybridRegressor",
    "JointExtractor",
    "JointHybridClassifier",
    "MahalanobisDetector",
    "ModalityFusion",
    "NBSVMClassifier",
    "NeuralClassifier",
    "NeuralRegressor",
    "PCADetector",
    "TablePreprocessor",
    "TrendDifferencer",
    "Uncertainty",
    "distill",
]


def _helper_types() -> tuple[type, ...]:
    """Fitted helper objects the estimators hold (trusted by ``fuselearn.load``)."""
    from ._combiners import combiner_classes
    from ._modality import strategy_classes

    return combiner_classes() + strategy_classes()
