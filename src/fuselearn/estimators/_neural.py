"""NeuralClassifier and NeuralRegressor: scikit-learn estimators around a torch module."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin

from ..extract._neural import BaseNeuralEstimator

__all__ = ["NeuralClassifier", "NeuralRegressor"]

_PARAMS_DOC = """
    Parameters
    ----------
    module : str or callable, default="mlp"
        A registry name (``fuselearn.nn.MODULES``: ``"mlp"`` for 2-D tabular input; backbones add
        ``"cnn"``, ``"rnn"``, ``"gnn"``) or a callable ``(n_inputs, n_outputs, **module_params)`` that
        returns a ``torch.nn.Module``.
    module_params : dict, default=None
        Extra keyword arguments for the module builder, e.g. ``{"dropout": 0.2}``.
    hidden_sizes : tuple of int, default=(100,)
        Hidden widths of the default MLP (ignored by modules that do not take ``hidden_sizes``).
    max_epochs : int, default=100
        Upper bound on training epochs.
    batch_size : int, default=64
        Mini-batch size.
    lr : float, default=1e-3
        AdamW learning rate.
    weight_decay : float, default=0.0
        AdamW weight decay.
    validation_fraction : float, default=0.1
        Share of the training rows held out (stratified for classifiers) for early stopping. 0 turns
        early stopping off. Ignored under 10 rows.
    patience : int or None, default=10
        Epochs without validation improvement before stopping; the best epoch's weights are kept.
        None turns early stopping off.
    aux_loss_weight : float, default=0.1
        Weight of auxiliary losses that modules expose as ``aux_loss`` (e.g. AFF's per-source heads).
    device : str, default="cpu"
        ``"cpu"``, or ``"cuda"`` when a GPU is present and asked for.
    random_state : int, RandomState or None, default=None
        Seeds the validation split, initialisation, shuffling and dropout: same seed, same predictions.
    verbose : int, default=0
        1 shows a progress bar over epochs.
"""


class NeuralClassifier(ClassifierMixin, BaseNeuralEstimator):
    __doc__ = """A torch network as a scikit-learn classifier (cross-entropy, AdamW, early stopping).
""" + _PARAMS_DOC + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    module_ : torch.nn.Module
        The trained network.
    history_ : fuselearn.nn.History
        Per-epoch training and validation losses.
    n_epochs_ : int
        Epochs actually trained.
    n_features_in_ : int
        Number of input features.

    See Also
    --------
    NeuralRegressor : the regression twin.
    fuselearn.NeuralExtractor : the same network as a feature extractor.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from fuselearn import NeuralClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = NeuralClassifier(hidden_sizes=(16,), max_epochs=5, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _task = "classification"

    def fit(self, X, y):
        """Train the network on ``X`` and class labels ``y``."""
        self._fit_network(X, y)
        return self

    def predict_proba(self, X):
        """Class probabilities, shape ``(n_samples, n_classes)``, columns in ``classes_`` order."""
        self._check_fitted("predict_proba")
        logits = self._forward(X)
        return torch.softmax(logits.double(), dim=1).numpy()

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`."""
        self._check_fitted("predict_log_proba")
        return torch.log_softmax(self._forward(X).double(), dim=1).numpy()

    def predict(self, X):
        """Most probable class per row."""
        self._check_fitted("predict")
        return self.classes_[np.argmax(self._forward(X).numpy(), axis=1)]


class NeuralRegressor(RegressorMixin, BaseNeuralEstimator):
    __doc__ = """A torch network as a scikit-learn regressor (MSE on a standardised target).
""" + _PARAMS_DOC + """
    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network.
    history_ : fuselearn.nn.History
        Per-epoch training and validation losses.
    n_epochs_ : int
        Epochs actually trained.
    n_features_in_ : int
        Number of input features.

    See Also
    --------
    NeuralClassifier : the classification twin.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from fuselearn import NeuralRegressor
    >>> X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    >>> NeuralRegressor(max_epochs=5, random_state=0).fit(X, y).predict(X[:2]).shape
    (2,)
    """

    _task = "regression"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    def fit(self, X, y):
        """Train the network on ``X`` and continuous targets ``y`` (1-D or 2-D)."""
        self._fit_network(X, y)
        return self

    def predict(self, X):
        """Predicted targets, in the units and shape of the ``y`` given to ``fit``."""
        self._check_fitted("predict")
        out = self._forward(X).double().numpy().reshape(-1, self.n_outputs_)
        out = out * self._y_scale + self._y_mean
        return out.ravel() if self._y_ndim == 1 else out
