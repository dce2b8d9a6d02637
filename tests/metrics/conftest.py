"""Make the shared workbook builders of ``tests/metrics`` importable as ``from builders import …``.

pytest's default import mode happens to put a test file's folder on ``sys.path``; the importlib mode,
running from another directory or importing a test module by path does not. Putting this folder (and
the repository root, for ``metrics``) on the path here makes ``builders`` importable however the tests
are started.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _path in (str(_HERE.parents[1]), str(_HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)
