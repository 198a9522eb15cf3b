"""fuselearn: fuse deep learning with classical machine learning, and prove whether the fusion helped."""

from ._persistence import load, save
from .estimators import (
    DistilledClassifier,
    FusionClassifier,
    FusionRegressor,
    HybridClassifier,
    HybridRegressor,
    JointExtractor,
    JointHybridClassifier,
    ModalityFusion,
    NeuralClassifier,
    NeuralRegressor,
    distill,
)
from .extract import NeuralExtractor

__version__ = "0.1.0"

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
    "NeuralExtractor",
    "NeuralRegressor",
    "__version__",
    "distill",
    "load",
    "save",
]
