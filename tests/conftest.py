"""Fixtures for every test."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _real_main_module():
    """Put pytest's own ``__main__`` back after each test. Streamlit's script runner (AppTest included)
    installs a fake ``__main__`` whose ``__file__`` is the script (``app.py``) and never restores it;
    a process started with the ``spawn`` method afterwards re-runs the parent's ``__main__`` file first,
    so every worker of a later multiprocessing test would run the whole app (opening, and migrating, the
    default database in the working directory) before its task — and die with it."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
