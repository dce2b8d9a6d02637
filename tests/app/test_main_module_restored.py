"""After an AppTest, ``__main__`` is pytest's again: a later spawned process must not re-run app.py."""

from __future__ import annotations

import sys
from pathlib import Path

from app_helpers import APP_FILE, TIMEOUT
from streamlit.testing.v1 import AppTest


def test_an_app_test_installs_app_py_as_main(empty_env):
    AppTest.from_file(str(APP_FILE), default_timeout=TIMEOUT).run()
    assert Path(sys.modules["__main__"].__file__).name == Path(APP_FILE).name  # what Streamlit does


def test_the_next_test_has_pytests_main_back():
    # runs after the test above (file order): spawn would re-run this file in every child process
    assert Path(getattr(sys.modules["__main__"], "__file__", "") or "").name != Path(APP_FILE).name
