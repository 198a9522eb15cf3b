"""Deep and classical feature extractors (scikit-learn transformers) and the embedding cache."""

from . import _graph_input  # noqa: F401  (registers the "graph" input handler)
from ._autoencoder import AutoencoderEmbedder
from ._cache import FeatureCache, content_hash, resolve_cache
from ._graph import GraphEmbedder, WLFeatures
from ._image import ImageEmbedder, RandomFlipCrop
from ._neural import INPUT_HANDLERS, BaseNeuralEstimator, NeuralExtractor
from ._series import WindowFeatures
from ._text import TextEmbedder, TfidfExtractor

__all__ = [
    "INPUT_HANDLERS",
    "AutoencoderEmbedder",
    "BaseNeuralEstimator",
    "FeatureCache",
    "GraphEmbedder",
    "ImageEmbedder",
    "NeuralExtractor",
    "RandomFlipCrop",
    "TextEmbedder",
    "TfidfExtractor",
    "WLFeatures",
    "WindowFeatures",
    "content_hash",
    "resolve_cache",
]
