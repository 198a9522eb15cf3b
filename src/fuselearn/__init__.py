"""fuselearn: fuse deep learning with classical machine learning, and prove whether the fusion helped.

The public names are imported on first use (PEP 562 ``__getattr__``), so ``import fuselearn`` and the
``fuselearn`` command line start without importing torch or scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_LAZY = {
    "distill": "fuselearn.estimators",
    "DistilledClassifier": "fuselearn.estimators",
    "FusionAnomalyDetector": "fuselearn.estimators",
    "FusionClassifier": "fuselearn.estimators",
    "FusionRegressor": "fuselearn.estimators",
    "HybridClassifier": "fuselearn.estimators",
    "HybridRegressor": "fuselearn.estimators",
    "JointExtractor": "fuselearn.estimators",
    "JointHybridClassifier": "fuselearn.estimators",
    "load": "fuselearn._persistence",
    "ModalityFusion": "fuselearn.estimators",
    "NBSVMClassifier": "fuselearn.estimators",
    "NeuralClassifier": "fuselearn.estimators",
    "NeuralExtractor": "fuselearn.extract",
    "NeuralRegressor": "fuselearn.estimators",
    "save": "fuselearn._persistence",
}

__all__ = [
    "DistilledClassifier",
    "FusionAnomalyDetector",
    "FusionClassifier",
    "FusionRegressor",
    "HybridClassifier",
    "HybridRegressor",
    "JointExtractor",
    "JointHybridClassifier",
    "ModalityFusion",
    "NBSVMClassifier",
    "NeuralClassifier",
    "NeuralExtractor",
    "NeuralRegressor",
    "__version__",
    "distill",
    "load",
    "save",
]

if TYPE_CHECKING:  # pragma: no cover
    from ._persistence import load, save
    from .estimators import (
        DistilledClassifier,
        FusionAnomalyDetector,
        FusionClassifier,
        FusionRegressor,
        HybridClassifier,
        HybridRegressor,
        JointExtractor,
        JointHybridClassifier,
        ModalityFusion,
        NBSVMClassifier,
        NeuralClassifier,
        NeuralRegressor,
        distill,
    )
    from .extract import NeuralExtractor


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fuselearn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
