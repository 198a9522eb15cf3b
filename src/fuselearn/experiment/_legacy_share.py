"""Temporary: the member-fit sharing protocol for fusions that predate it.

Until the fusion estimators define ``_fuselearn_combiner_params`` and ``fitted_member`` (branch
``combiners``), an estimator whose only combiner parameter is ``method`` and that has
``refit_combiner(X, y, method=...)``, ``named_estimators_`` and ``member_fit_seconds_`` is served
here. Delete this file and the two imports of it in ``_cell.py`` once every sharing estimator
implements the protocol; nothing else refers to it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["legacy_combiner_params", "legacy_fitted_member"]


def legacy_combiner_params(estimator: Any) -> tuple[str, ...] | None:
    """``("method",)`` for a pre-protocol fusion, else None (no sharing)."""
    if not callable(getattr(estimator, "refit_combiner", None)):
        return None
    if "method" not in estimator.get_params(deep=False):
        return None
    return ("method",)


def legacy_fitted_member(fused: Any, name: str) -> tuple[Any, float] | None:
    """The member ``name`` fitted on all rows and its fit seconds, or None."""
    fitted = getattr(fused, "named_estimators_", {}).get(name)
    seconds = getattr(fused, "member_fit_seconds_", {}).get(name)
    if fitted is None or seconds is None:
        return None
    return fitted, seconds
