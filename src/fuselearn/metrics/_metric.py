"""The :class:`Metric` record: one scoring function plus what it needs to be computed."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sklearn.metrics import make_scorer

from .._registry import normalize_name
from .._validation import StrOptions, check_params
from ..exceptions import InvalidInputError, InvalidParameterError
from ._checks import as_array, check_probabilities, check_same_length

__all__ = ["RESPONSES", "TASKS", "Metric"]

Response = Literal["predict", "predict_proba", "decision"]
Task = Literal["binary", "multiclass", "multilabel", "regression", "any"]

RESPONSES: tuple[str, ...] = ("predict", "predict_proba", "decision")
TASKS: tuple[str, ...] = ("binary", "multiclass", "multilabel", "regression", "any")
_METRIC_CONSTRAINTS = {
    "func": [callable],
    "response": [StrOptions(set(RESPONSES))],
    "task": [StrOptions(set(TASKS))],
    "greater_is_better": ["boolean"],
    "kwargs": [Mapping],
}

# "decision" metrics only rank the scores, so a margin is as good as a probability.
_RESPONSE_METHOD = {
    "predict": "predict",
    "predict_proba": "predict_proba",
    "decision": ("decision_function", "predict_proba"),
}


def _accepts(func: Callable, parameter: str) -> bool:
    """Whether ``func`` has a parameter of that name (``**kwargs`` does not count)."""
    try:
        return parameter in inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def check_binary_target(
    name: str, y_true, y_score, alternative: str | None, *, labels: bool
) -> None:
    """Raise an ``InvalidInputError`` naming ``alternative`` unless the inputs are binary.

    ``labels`` says whether ``y_score`` holds predicted labels (counted as classes) or scores.
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score)
    problem = None
    if y_true.ndim != 1:
        problem = f"y_true has shape {y_true.shape} (multi-label or multi-output)"
    elif y_score.ndim == 2 and y_score.shape[1] > 2:
        problem = f"the scores have shape {y_score.shape}, one column per class"
    else:
        seen = np.unique(y_true) if not labels else np.union1d(y_true, y_score.ravel())
        if len(seen) > 2:
            problem = f"the targets hold {len(seen)} classes"
    if problem:
        hint = f"use '{alternative}'" if alternative else "use a multiclass metric"
        raise InvalidInputError(
            f"Metric '{name}' is for binary targets, but {problem}. For more than two classes "
            f"{hint}."
        )


class BinaryOnly:
    """Wrap a scikit-learn metric so that non-binary input raises an error naming an alternative.

    A class rather than a closure so that metrics and their scorers pickle (joblib, Dask).
    """

    def __init__(self, func: Callable, name: str, alternative: str, *, labels: bool) -> None:
        functools.update_wrapper(self, func)  # keeps func's name and signature for the scorer
        self.func = func
        self.name = name
        self.alternative = alternative
        self.labels = labels

    def _key(self) -> tuple:
        return (self.func, self.name, self.alternative, self.labels)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BinaryOnly) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"BinaryOnly({self.func.__name__}, alternative={self.alternative!r})"

    def __call__(self, y_true, y_score, **kwargs) -> float:
        check_binary_target(self.name, y_true, y_score, self.alternative, labels=self.labels)
        return self.func(y_true, y_score, **kwargs)


def _check_classes(classes) -> np.ndarray:
    classes = as_array(classes, "classes")
    if classes.ndim != 1:
        raise InvalidInputError(f"'classes' must be 1-D; got shape {classes.shape}.")
    if len(np.unique(classes)) != len(classes):
        raise InvalidInputError(f"'classes' must not repeat a class; got {classes.tolist()}.")
    return classes


def _resolve_classes(y_true: np.ndarray, classes, proba: np.ndarray) -> np.ndarray:
    """The class of each column of ``proba`` (for a 1-D ``proba``: ``[negative, positive]``)."""
    if classes is not None:
        classes = _check_classes(classes)
        n_columns = 2 if proba.ndim == 1 else proba.shape[1]
        if len(classes) != n_columns:
            shape = "1-D (binary)" if proba.ndim == 1 else f"{n_columns} columns"
            raise InvalidInputError(
                f"'y_proba' is {shape} but 'classes' has {len(classes)} entries; pass the classes "
                "in the column order of y_proba (the estimator's classes_)."
            )
        return classes
    present = np.unique(y_true)
    if proba.ndim == 2:
        if len(present) != proba.shape[1]:
            raise InvalidInputError(
                f"'y_proba' has {proba.shape[1]} columns but 'y_true' holds {len(present)} "
                "classes; pass classes= (the estimator's classes_) to say which column is which."
            )
        return present
    if len(present) == 2:
        return present
    if len(present) == 1 and present.dtype.kind in "biuf" and present[0] in (0, 1):
        return np.array([0, 1])
    raise InvalidInputError(
        f"A 1-D 'y_proba' is the positive-class score of a binary problem, but 'y_true' holds "
        f"{len(present)} classes; pass classes=[negative, positive], or y_proba of shape "
        "(n_samples, n_classes) for more classes."
    )


def _encode(y_true: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Map each label of ``y_true`` to its index in ``classes``."""
    unknown = np.setdiff1d(y_true, classes)
    if unknown.size:
        raise InvalidInputError(
            f"'y_true' holds labels {unknown.tolist()} that are not in classes={classes.tolist()}."
        )
    order = np.argsort(classes, kind="stable")
    return order[np.searchsorted(classes, y_true, sorter=order)]


@dataclass(frozen=True, repr=False)
class Metric:
    """A named scoring function and what it needs: the kind of prediction, direction and target.

    Parameters
    ----------
    name : str
        Registry name, lower case with underscores (``"f1_macro"``).
    func : callable
        ``func(y_true, y_response, **kwargs) -> float``, scikit-learn's metric signature. If it has
        a ``labels`` parameter, :meth:`from_predictions` passes the class order of ``y_proba``.
    response : {"predict", "predict_proba", "decision"}, default="predict"
        What the metric scores: predicted labels or values (``"predict"``), probabilities
        (``"predict_proba"``, checked to lie in [0, 1]), or any continuous score of which only the
        order matters (``"decision"``: ``decision_function`` when the estimator has it, else
        ``predict_proba``).
    greater_is_better : bool, default=True
        False for losses and errors (``log_loss``, ``mae``).
    task : {"binary", "multiclass", "multilabel", "regression", "any"}, default="any"
        Target the metric is defined for: ``"binary"`` exactly two classes, ``"multiclass"`` two or
        more, ``"multilabel"`` a label indicator matrix, ``"regression"`` continuous values (boxes
        too), ``"any"`` any classification target.
    kwargs : mapping, default={}
        Keyword arguments passed to ``func`` (``{"average": "macro"}``).

    See Also
    --------
    get_metric : the registered metric of a name.
    register_metric : add a metric to the registry.

    Examples
    --------
    >>> from sklearn.metrics import fbeta_score
    >>> from fuselearn.metrics import Metric
    >>> f2 = Metric("f2", fbeta_score, kwargs={"beta": 2}, task="binary")
    >>> f2
    Metric('f2', response='predict', task='binary', greater_is_better=True, kwargs={'beta': 2})
    >>> f2.from_predictions([0, 1, 1, 0], y_pred=[0, 1, 0, 0])
    0.5555555555555556
    """

    name: str
    func: Callable[..., float]
    response: Response = "predict"
    greater_is_better: bool = True
    task: Task = "any"
    kwargs: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidParameterError(
                "The 'name' parameter of Metric must be a non-empty string. "
                f"Got {self.name!r} instead."
            )
        if normalize_name(self.name) != self.name:
            raise InvalidParameterError(
                f"The 'name' parameter of Metric must be lower case with underscores. Got "
                f"{self.name!r} instead; use {normalize_name(self.name)!r}."
            )
        check_params("Metric", _METRIC_CONSTRAINTS, {f: getattr(self, f) for f in _METRIC_CONSTRAINTS})
        # A private copy: a caller mutating its dict later must not change a registered metric.
        object.__setattr__(self, "kwargs", dict(self.kwargs))

    def __repr__(self) -> str:
        extra = f", kwargs={self.kwargs}" if self.kwargs else ""
        return (
            f"Metric({self.name!r}, response={self.response!r}, task={self.task!r}, "
            f"greater_is_better={self.greater_is_better}{extra})"
        )

    def _missing(self, argument: str) -> InvalidInputError:
        if argument == "y_pred":
            need = "predicted labels or values: pass y_pred=estimator.predict(X)"
        elif self.response == "predict_proba":
            need = "predicted probabilities: pass y_proba=estimator.predict_proba(X)"
        else:
            need = (
                "continuous scores: pass y_proba=estimator.predict_proba(X) "
                "(or estimator.decision_function(X))"
            )
        return InvalidInputError(f"Metric '{self.name}' needs {need}; got {argument}=None.")

    def _check_binary(self, y_true, y_score, *, labels: bool) -> None:
        alternative = getattr(self.func, "alternative", None)
        check_binary_target(self.name, y_true, y_score, alternative, labels=labels)

    def from_predictions(self, y_true, *, y_pred=None, y_proba=None, classes=None) -> float:
        """Compute the metric from stored predictions.

        Parameters
        ----------
        y_true : array-like
            True targets: labels ``(n,)``, a label indicator matrix ``(n, L)`` for multi-label
            metrics, values or boxes for regression, masks for IoU.
        y_pred : array-like, default=None
            Predicted labels or values; needed when ``response == "predict"``.
        y_proba : array-like, default=None
            Probabilities (or, for ``response == "decision"``, any scores); needed otherwise.
            Binary: ``(n,)`` positive-class scores or ``(n, 2)``. Multiclass: ``(n, K)`` with
            columns in the order of ``classes``. Multi-label: ``(n, L)``.
        classes : array-like of shape (K,), default=None
            Class of each column of ``y_proba`` (the estimator's ``classes_``); for a binary metric
            on labels, ``classes[1]`` is the positive class. Defaults to the sorted labels of
            ``y_true``.

        Returns
        -------
        float
            The metric's own value (a loss stays positive, unlike :meth:`scorer`).

        Raises
        ------
        InvalidInputError
            The needed prediction is missing, or the inputs do not match each other.

        Examples
        --------
        >>> from fuselearn.metrics import get_metric
        >>> roc_auc = get_metric("roc_auc")
        >>> roc_auc.from_predictions([0, 1, 1], y_proba=[[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
        1.0
        """
        y_true = as_array(y_true, "y_true")
        if self.response == "predict":
            if y_pred is None:
                raise self._missing("y_pred")
            y_pred = as_array(y_pred, "y_pred")
            check_same_length(y_true, y_pred, "y_true", "y_pred")
            kwargs = dict(self.kwargs)
            if self.task == "binary" and classes is not None:
                classes = _check_classes(classes)
                self._check_binary(classes, classes, labels=True)
                if "pos_label" not in kwargs and _accepts(self.func, "pos_label"):
                    kwargs["pos_label"] = classes[1]
            return float(self.func(y_true, y_pred, **kwargs))

        if y_proba is None:
            raise self._missing("y_proba")
        proba = as_array(y_proba, "y_proba", numeric=True)
        check_same_length(y_true, proba, "y_true", "y_proba")
        if self.response == "predict_proba":
            check_probabilities(proba, "y_proba")
        if self.task == "multilabel":
            if proba.shape != y_true.shape:
                raise InvalidInputError(
                    f"Metric '{self.name}' needs 'y_proba' of the same shape as the label "
                    f"indicator matrix 'y_true'; got {proba.shape} and {y_true.shape}."
                )
            return float(self.func(y_true, proba, **self.kwargs))
        if y_true.ndim != 1:
            raise InvalidInputError(
                f"Metric '{self.name}' needs 'y_true' as 1-D class labels; got shape "
                f"{y_true.shape}."
            )
        if proba.ndim not in (1, 2):
            raise InvalidInputError(
                "'y_proba' must have shape (n_samples,) or (n_samples, n_classes); got "
                f"{proba.shape}."
            )
        if self.task == "binary":
            self._check_binary(y_true, proba, labels=False)
            if classes is not None:
                self._check_binary(classes, classes, labels=True)
        classes = _resolve_classes(y_true, classes, proba)
        codes = _encode(y_true, classes)
        if len(classes) == 2:
            proba = proba if proba.ndim == 1 else proba[:, 1]
        kwargs = dict(self.kwargs)
        if "labels" not in kwargs and _accepts(self.func, "labels"):
            kwargs["labels"] = np.arange(len(classes))
        return float(self.func(codes, proba, **kwargs))

    def scorer(self):
        """A scikit-learn scorer for ``cross_validate``, ``GridSearchCV`` and the like.

        Like every scikit-learn scorer, greater is better: losses come out negated (as
        ``"neg_log_loss"`` does).

        Returns
        -------
        callable
            ``make_scorer(func, response_method=..., greater_is_better=..., **kwargs)``.

        Examples
        --------
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn.model_selection import cross_val_score
        >>> from fuselearn.metrics import get_metric
        >>> X, y = [[0.0], [1.0], [2.0], [3.0]] * 3, [0, 0, 1, 1] * 3
        >>> scorer = get_metric("accuracy").scorer()
        >>> cross_val_score(LogisticRegression(), X, y, cv=3, scoring=scorer)
        array([1., 1., 1.])
        """
        return make_scorer(
            self.func,
            response_method=_RESPONSE_METHOD[self.response],
            greater_is_better=bool(self.greater_is_better),
            **self.kwargs,
        )

    def __call__(self, estimator, X, y) -> float:
        """Score a fitted ``estimator`` on ``(X, y)``, exactly as :meth:`scorer` does."""
        return float(self.scorer()(estimator, X, y))
