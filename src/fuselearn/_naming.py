"""Deprecated home of the name helpers; they live in :mod:`fuselearn._registry` now.

Kept as a thin import so that code on other branches that still imports from here keeps working
while it moves; new code imports from ``fuselearn._registry``.
"""

from __future__ import annotations

from ._registry import normalize_name, resolve_name, unknown_name_error

__all__ = ["normalize_name", "resolve_name", "unknown_name_error"]
