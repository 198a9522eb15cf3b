"""One exception tree for fuselearn.

Every error fuselearn raises on purpose derives from :class:`FuselearnError`, so a caller can catch all
of them at once. Subclasses also derive from the standard Python or scikit-learn error a caller would
expect in that place (``ValueError``, ``TypeError``, ``NotFittedError``), so code written against
scikit-learn keeps working.

Messages say what was wrong, where, and what to do.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as _SkNotFittedError

__all__ = [
    "ChecksumError",
    "ConfigError",
    "DataError",
    "FuselearnError",
    "InvalidInputError",
    "InvalidParameterError",
    "MemberFitError",
    "ModelFormatError",
    "NotFittedError",
    "TrainingError",
    "UnavailableMethodError",
    "UnknownNameError",
    "UnsafeModelError",
]


class FuselearnError(Exception):
    """Base class of every error fuselearn raises on purpose."""


class InvalidParameterError(FuselearnError, ValueError, TypeError):
    """A constructor parameter has a wrong type or value.

    It is both a ``ValueError`` and a ``TypeError``, like scikit-learn's own parameter errors, because a
    caller may reasonably expect either.
    """


class InvalidInputError(FuselearnError, ValueError):
    """The data given to ``fit``/``predict``/``transform`` cannot be used (NaN, wrong shape, one class...)."""


class NotFittedError(FuselearnError, _SkNotFittedError):
    """An estimator was used before ``fit``. Also a scikit-learn ``NotFittedError``."""


class UnknownNameError(FuselearnError, ValueError, KeyError):
    """A registry name (module, fusion layer, metric, method, dataset) is not known.

    The message lists the valid names and the closest match.
    """

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class UnsafeModelError(FuselearnError):
    """A saved model holds a type that is not trusted, or a pickle payload. Nothing was executed."""


class ModelFormatError(FuselearnError, ValueError):
    """A saved model folder is incomplete, corrupt or from an unknown format version."""


class DataError(FuselearnError, ValueError):
    """A dataset file is missing, malformed or cannot be parsed."""


class ChecksumError(DataError):
    """A file's sha256 digest differs from the expected one."""


class ConfigError(FuselearnError, ValueError):
    """An experiment configuration is invalid (unknown key, wrong type, missing file)."""


class TrainingError(FuselearnError, RuntimeError):
    """Training a network failed (for example, the loss became NaN)."""


class UnavailableMethodError(FuselearnError, AttributeError):
    """A method the estimator does not offer in its configuration (e.g. ``predict_uncertainty`` of a
    fusion whose combiner has none). An ``AttributeError``, so ``hasattr`` is False; the message says
    which configurations offer it."""


class MemberFitError(TrainingError, ValueError, TypeError):
    """A member of a fusion raised in ``fit``; the message names the member and the fold, and the
    member's own error is chained (``__cause__``). Also a ``ValueError`` and a ``TypeError`` (what
    scikit-learn estimators raise for bad data), so code that caught the member's error still does."""
