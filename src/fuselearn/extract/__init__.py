"""Deep and classical feature extractors (scikit-learn transformers) and the embedding cache."""

from ._neural import INPUT_HANDLERS, BaseNeuralEstimator, NeuralExtractor

__all__ = ["INPUT_HANDLERS", "BaseNeuralEstimator", "NeuralExtractor"]
