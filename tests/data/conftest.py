"""Fixtures of the data tests: tiny hand-made files, and binary ones built from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from _data_builders import FIXTURES, build_tiny_root


@pytest.fixture(autouse=True)
def _isolated_data_env(request, monkeypatch, tmp_path):
    """No test sees the real $FUSELEARN_DATA or the user's data folder, except ``dataset`` tests."""
    if request.node.get_closest_marker("dataset") is not None:
        return
    monkeypatch.delenv("FUSELEARN_DATA", raising=False)
    monkeypatch.setattr(
        "fuselearn.data._files.default_data_dir", lambda: tmp_path / "user-data-dir"
    )


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory) -> Path:
    """A read-only-by-convention data root with every registered dataset in tiny form."""
    return build_tiny_root(tmp_path_factory.mktemp("tiny-root"))
