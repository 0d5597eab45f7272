"""Small, generic, seeded fixtures shared by the test files.

Module-specific fixtures live in their own test file.  Nothing here writes to
``data/sample``: tests that need to edit a programme get a copy in ``tmp_path``.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from kapta_research.config import SAMPLE_DIR

#: Seed of every test's random generator (same as the sample programme's).
TEST_SEED = 20261122


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded generator: each test sees the same stream on every run."""
    return np.random.default_rng(TEST_SEED)


@pytest.fixture(scope="session")
def sample():
    """The bundled sample programme, loaded once per session (treat as read-only)."""
    import kapta_research as kr
    return kr.load_sample()


@pytest.fixture
def respondents(sample):
    """Sample responses joined with segment and role (a fresh frame per test)."""
    return sample.respondents()


@pytest.fixture
def programme_copy(tmp_path):
    """A writable copy of ``data/sample`` in ``tmp_path`` (edit this, never the original)."""
    dest = tmp_path / "programme"
    shutil.copytree(SAMPLE_DIR, dest)
    return dest
