import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.dbfixtures import app, db, pg_server  # noqa: E402,F401  (fixtures)
