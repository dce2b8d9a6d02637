"""``python -m metrics --help`` imports only the command line: no pandas, no engine module a command
would import when it runs (start-up is part of every command's cost)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import contextlib, io, json, sys
sys.argv = ["metrics"] + sys.argv[1:]
from metrics.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""

HEAVY = ("pandas", "numpy", "pyarrow", "openpyxl", "xlsxwriter", "python_calamine", "metrics.reader",
         "metrics.dataset", "metrics.indicators", "metrics.scoring", "metrics.ranking_export")


def _modules_after(*argv: str) -> set[str]:
    res = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True)
    return set(json.loads(res.stdout.strip().splitlines()[-1]))


def test_help_imports_no_pandas_nor_any_command_module():
    loaded = _modules_after("--help")
    assert "metrics.cli" in loaded
    assert not {m for m in loaded for h in HEAVY if m == h or m.startswith(h + ".")}


def test_a_command_help_imports_no_pandas_either():
    for command in ("validate", "report", "rank", "warnings", "template"):
        loaded = _modules_after(command, "--help")
        assert "pandas" not in loaded and "metrics.reader" not in loaded, command
