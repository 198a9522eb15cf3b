"""Deep and classical feature extractors (scikit-learn transformers) and the embedding cache."""

from . import _graph_input  # noqa: F401  (registers the "graph" input handler)
from ._neural import INPUT_HANDLERS, BaseNeuralEstimator, NeuralExtractor

__all__ = ["INPUT_HANDLERS", "BaseNeuralEstimator", "NeuralExtractor"]
