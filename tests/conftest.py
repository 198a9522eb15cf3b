"""Shared test fixtures: a fixed seed for every test, few torch threads, and the datasets folder."""

import os
import random
from pathlib import Path

import numpy as np
import pytest
import torch

torch.set_num_threads(1)  # pytest -n 2 on 2 cores: one thread per worker avoids oversubscription


@pytest.fixture(autouse=True)
def _seed():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    yield


@pytest.fixture
def data_dir() -> Path:
    """The real datasets folder (``$FUSELEARN_DATA``); tests that need it skip when it is unset."""
    value = os.environ.get("FUSELEARN_DATA")
    if not value or not Path(value).is_dir():
        pytest.skip("FUSELEARN_DATA is not set to the datasets folder; real-data test skipped")
    return Path(value)
