"""One validation layer: parameter constraints, fitted checks and target checks, one message format.

Ground layer: imports only :mod:`fuselearn.exceptions`, numpy and scikit-learn, never a fuselearn
package above it, so every package (nn, extract, estimators, evaluate, metrics, data) may use it.

Parameters are declared the scikit-learn way, as a ``_parameter_constraints`` dict of lists of
constraints (``Interval(Integral, 1, None, closed="left")``, ``StrOptions({"mean", "vote"})``,
``"boolean"``, ``None``...), and checked by :func:`check_params` or the :func:`validate_params`
decorator. Both reuse ``sklearn.utils._param_validation`` (checked: scikit-learn 1.9; it is private,
so its names are imported here only, in one place) and turn its ``InvalidParameterError`` into
fuselearn's :class:`~fuselearn.exceptions.InvalidParameterError`, which is a ``FuselearnError``
*and* a ``ValueError`` *and* a ``TypeError``. Every message has one shape::

    The 'out_dim' parameter of AFF must be an int in the range [1, inf). Got 0 instead.

The small helpers (:func:`check_int`, :func:`check_real`, :func:`check_choice`) cover the
one-off checks of torch modules, whose constructor arguments are checked where they are built.
"""

from __future__ import annotations

import functools
import inspect
import numbers
import warnings
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    Options,
    StrOptions,
    make_constraint,
    validate_parameter_constraints,
)
from sklearn.utils._param_validation import InvalidParameterError as _SkInvalidParameterError
from sklearn.utils.validation import check_is_fitted

from .exceptions import InvalidInputError, InvalidParameterError, NotFittedError

__all__ = [
    "HasMethods",
    "Hidden",
    "Integral",
    "Interval",
    "Options",
    "Real",
    "StrOptions",
    "check_choice",
    "check_classes",
    "check_fitted",
    "check_int",
    "check_int_tuple",
    "check_params",
    "check_real",
    "check_y",
    "param_error",
    "validate_params",
]


def param_error(name: str, owner: str, expected: str, got: object, hint: str = "") -> InvalidParameterError:
    """The :class:`InvalidParameterError` of the one message format.

    ``The 'name' parameter of owner must be expected. Got got instead.`` followed by ``hint``.

    Examples
    --------
    >>> str(param_error("k", "TopK", "an int >= 1", 0))
    "The 'k' parameter of TopK must be an int >= 1. Got 0 instead."
    """
    tail = f" {hint}" if hint else ""
    return InvalidParameterError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {got!r} instead.{tail}"
    )


def check_params(owner: object, constraints: Mapping[str, object], params: Mapping[str, object]) -> None:
    """Check ``params`` against scikit-learn style ``constraints``.

    Parameters
    ----------
    owner : object or str
        The estimator (its class name is used) or a name for the message.
    constraints : dict
        ``name -> list of constraints`` as in scikit-learn's ``_parameter_constraints``.
    params : dict
        ``name -> value``; names without a constraint are not checked.

    Raises
    ------
    InvalidParameterError
        A value satisfies none of its constraints; the message lists what is accepted.
    """
    caller = owner if isinstance(owner, str) else type(owner).__name__
    for name, value in params.items():
        if isinstance(value, (bool, np.bool_)) and name in constraints and constraints[name] != "no_validation":
            _refuse_bool_as_number(name, value, constraints[name], caller)
    try:
        validate_parameter_constraints(dict(constraints), dict(params), caller_name=caller)
    except _SkInvalidParameterError as exc:
        raise InvalidParameterError(str(exc)) from None


def _refuse_bool_as_number(name: str, value: object, constraints: list, caller: str) -> None:
    # scikit-learn's Interval counts True as the int 1; a flag passed where a number belongs is a
    # mistake, so a bool passes only a constraint other than a number range (e.g. "boolean").
    made = [make_constraint(c) for c in constraints]
    if any(c.is_satisfied_by(value) and not isinstance(c, Interval) for c in made):
        return
    shown = [str(c) for c in made if not c.hidden]
    expected = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    raise param_error(name, caller, expected, value)


def validate_params(constraints: Mapping[str, object]):
    """Decorator: check a function's arguments against scikit-learn style ``constraints``.

    Like ``sklearn.utils.validate_params`` (the same constraint objects and message), but the error is
    fuselearn's :class:`InvalidParameterError` (also ``ValueError`` and ``TypeError``), and an error
    raised inside the function passes through unchanged.

    Examples
    --------
    >>> @validate_params({"n": [Interval(Integral, 1, None, closed="left")]})
    ... def twice(n):
    ...     return 2 * n
    >>> twice(0)
    Traceback (most recent call last):
    ...
    fuselearn.exceptions.InvalidParameterError: The 'n' parameter of twice must be an int in the range [1, inf). Got 0 instead.
    """

    def decorator(func: Callable) -> Callable:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            check_params(func.__qualname__, constraints, bound.arguments)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def check_int(value: object, name: str, owner: str, *, minimum: int = 1) -> int:
    """``int(value)`` if it is an integer (not a bool) ``>= minimum``, else an InvalidParameterError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        raise param_error(name, owner, f"an int >= {minimum}", value)
    return int(value)


def check_int_tuple(value: object, name: str, owner: str, *, minimum: int = 1) -> tuple[int, ...]:
    """A tuple of ints ``>= minimum`` from one int or a tuple/list of them (layer sizes), else an error."""
    items = (value,) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    if not isinstance(items, (tuple, list)) or any(
        isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum for v in items
    ):
        raise param_error(name, owner, f"an int or a tuple of ints >= {minimum}", value)
    return tuple(int(v) for v in items)


def check_real(
    value: object,
    name: str,
    owner: str,
    *,
    low: float | None = None,
    high: float | None = None,
    closed: str = "both",
) -> float:
    """``float(value)`` if it is a real number (not a bool) in the interval, else an InvalidParameterError.

    ``closed`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``, as in scikit-learn's ``Interval``.
    """
    interval = Interval(Real, low, high, closed=closed)
    if isinstance(value, bool) or not interval.is_satisfied_by(value):
        raise param_error(name, owner, str(interval), value)
    return float(value)


def check_choice(value: object, name: str, owner: str, choices: Iterable[str]) -> str:
    """The lower-cased, stripped ``value`` if it is one of ``choices``, else an InvalidParameterError."""
    choices = tuple(choices)
    key = value.strip().lower() if isinstance(value, str) else value
    if key not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise param_error(name, owner, f"one of {{{shown}}}", value)
    return key


def check_fitted(estimator: object, attributes: str | Iterable[str], method: str) -> None:
    """Raise :class:`NotFittedError` naming ``method`` unless ``estimator`` has the fitted ``attributes``."""
    try:
        check_is_fitted(estimator, attributes)
    except Exception as exc:  # scikit-learn's NotFittedError, or TypeError for a non-estimator
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' before '{method}'."
        ) from exc


def check_y(y: object, owner: str, *, ravel: bool = True, stacklevel: int = 3):
    """Refuse ``y=None``; turn a column vector ``(n, 1)`` into ``(n,)`` with scikit-learn's warning.

    Returns ``y`` as it was given when it is neither (a list stays a list), so that the caller's own
    conversion (``validate_data``) still decides dtypes. ``ravel=False`` only refuses ``None`` (for
    estimators that take 2-D targets).
    """
    if y is None:
        raise InvalidInputError(f"{owner}.fit requires y to be passed, but the target y is None.")
    shape = getattr(y, "shape", None)
    if ravel and shape is not None and len(shape) == 2 and shape[1] == 1:
        warnings.warn(
            # scikit-learn's wording, which its common checks look for, then where and what to do.
            f"A column-vector y was passed when a 1d array was expected ({owner}.fit); use y.ravel().",
            DataConversionWarning,
            stacklevel=stacklevel,
        )
        return np.asarray(y).ravel()
    return y


def check_classes(classes: np.ndarray, owner: str) -> np.ndarray:
    """Refuse a classification target with fewer than 2 classes; return ``classes``."""
    if len(classes) < 2:
        first = classes[0] if len(classes) else None
        first = first.item() if isinstance(first, np.generic) else first
        only = f" ({first!r})" if len(classes) else ""
        raise InvalidInputError(
            f"{owner}.fit: y has one class only{only}; classification needs at least 2 classes."
        )
    return classes


def check_columns(X: object, columns: object, owner: str, who: str, fix: str) -> None:
    """Every column ``columns`` selects exists in ``X``: names in a DataFrame, positions in range.

    ``who`` names the selector in messages (``"member 'lr'"``, ``"modality 'text'"``) and ``fix`` says
    where to correct it. Slices and callables are left to the selecting code; a boolean mask must have
    one entry per column. scikit-learn's ``_safe_indexing`` raises a bare ``KeyError`` / ``IndexError``
    that names neither the selector nor the columns X has, hence this check.
    """
    import difflib

    if columns is None or isinstance(columns, slice) or callable(columns):
        return
    n_features = X.shape[1] if hasattr(X, "shape") and len(X.shape) == 2 else None
    names = [str(c) for c in X.columns] if hasattr(X, "columns") and hasattr(X, "iloc") else None
    if isinstance(columns, (str, numbers.Integral)):
        cols = [columns]
    elif isinstance(columns, (list, tuple)):
        cols = list(columns)
    else:  # an array or a pandas Index
        cols = np.asarray(columns).tolist()
    if cols and all(isinstance(c, (bool, np.bool_)) for c in cols):
        if n_features is not None and len(cols) != n_features:
            raise InvalidInputError(
                f"{owner}: the boolean column mask of {who} has {len(cols)} entries but X has "
                f"{n_features} columns. Give one entry per column of X."
            )
        return
    for c in cols:
        if isinstance(c, str):
            if names is None:
                raise InvalidInputError(
                    f"{owner}: {who} names column {c!r}, but X has no column names ({type(X).__name__}). "
                    "Pass X as a pandas DataFrame, or give column positions instead."
                )
            if c not in names:
                close = difflib.get_close_matches(c, names, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                shown = names if len(names) <= 20 else names[:20] + ["..."]
                raise InvalidInputError(
                    f"{owner}: {who} names column {c!r}, which X does not have. X's columns are "
                    f"{shown}.{hint} {fix}"
                )
        elif isinstance(c, numbers.Integral) and not isinstance(c, bool) and n_features is not None \
                and not -n_features <= int(c) < n_features:
            raise InvalidInputError(
                f"{owner}: {who} takes column position {int(c)}, but X has only {n_features} columns "
                f"(valid positions 0..{n_features - 1}). {fix}"
            )
