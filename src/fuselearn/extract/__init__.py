"""Deep and classical feature extractors (scikit-learn transformers) and the embedding cache."""

from ._autoencoder import AutoencoderEmbedder
from ._cache import FeatureCache, content_hash, resolve_cache
from ._graph import GraphEmbedder, GraphStatistics, WLFeatures
from ._image import ImageEmbedder, RandomFlipCrop
from ._inputs import InputKind, get_input_kind, register_input_kind
from ._neural import INPUT_HANDLERS, BaseNeuralEstimator, NeuralExtractor
from ._series import WindowFeatures
from ._text import TextEmbedder, TfidfExtractor
from ._text_trunk import MiniLMClassifierNet, MiniLMTrunk, minilm_classifier
from ._torch import TorchEstimator
from ._vectorize import TextVectorizer

__all__ = [
    "INPUT_HANDLERS",
    "AutoencoderEmbedder",
    "BaseNeuralEstimator",
    "FeatureCache",
    "GraphEmbedder",
    "GraphStatistics",
    "ImageEmbedder",
    "InputKind",
    "MiniLMClassifierNet",
    "MiniLMTrunk",
    "NeuralExtractor",
    "RandomFlipCrop",
    "TextEmbedder",
    "TextVectorizer",
    "TfidfExtractor",
    "TorchEstimator",
    "WLFeatures",
    "WindowFeatures",
    "content_hash",
    "get_input_kind",
    "minilm_classifier",
    "register_input_kind",
    "resolve_cache",
]
