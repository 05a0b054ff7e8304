"""Shared fixture for the llama.cpp backend tests: one loaded demo model for the whole session.

The backend is loaded once (small window, four slots) and shared; tests use their own session
names so their caches do not interfere. The first model call claims the main thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def llama(demo_model: Path) -> Iterator[object]:
    from rlm_desktop.backends import open_llama

    backend = open_llama(demo_model, n_ctx=2048, n_slots=4, parallel=16)
    yield backend
    backend.close()
