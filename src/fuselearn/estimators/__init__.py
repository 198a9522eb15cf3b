"""scikit-learn estimators: neural, hybrid (deep -> classical), decision fusion, modality fusion."""

from ._fusion import FusionClassifier, FusionRegressor, Uncertainty
from ._hybrid import HybridClassifier, HybridRegressor
from ._modality import ModalityFusion
from ._neural import NeuralClassifier, NeuralRegressor

__all__ = [
    "FusionClassifier",
    "FusionRegressor",
    "HybridClassifier",
    "HybridRegressor",
    "ModalityFusion",
    "NeuralClassifier",
    "NeuralRegressor",
    "Uncertainty",
]


def _helper_types() -> tuple[type, ...]:
    """Fitted helper objects the estimators hold (trusted by ``fuselearn.load``)."""
    from ._combiners import combiner_classes
    from ._modality import strategy_classes

    return combiner_classes() + strategy_classes()
