"""The import direction of shared/guides/architecture.md: pages, ui → services → metrics, store."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "metrics": ("streamlit", "sqlalchemy", "sqlite3", "psycopg", "alembic", "services", "store", "ui", "pages"),
    "services": ("streamlit", "ui", "pages"),
    "store": ("streamlit", "services", "ui", "pages"),
    "web": ("ui", "pages"),  # the HTTP routes call services, like the pages do
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upward_or_ui_libraries(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = _imports(path) & set(FORBIDDEN[package])
        if bad:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert not offenders, "imports against architecture.md:\n" + "\n".join(offenders)


def test_the_checker_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("import streamlit as st\nfrom sqlalchemy import select\n", encoding="utf-8")
    assert {"streamlit", "sqlalchemy"} <= _imports(bad)


PRODUCTION = ("metrics", "services", "store", "ui", "pages")
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()
"""Private names imported across modules today, each to be removed by the change that owns the file."""
KNOWN_UI_STORE_IMPORTS: set[tuple[str, str]] = set()
"""pages/ui → store imports today (architecture.md: pages and ui go through services)."""


def _from_imports(path: Path) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every absolute ``from module import names`` and ``import module`` (names
    empty) of ``path`` that names a production package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
    return [(m, names) for m, names in out if m.split(".")[0] in PRODUCTION]


def _production_files() -> list[Path]:
    return [ROOT / "app.py", *sorted(p for pkg in PRODUCTION for p in (ROOT / pkg).rglob("*.py"))]


def test_no_module_imports_another_modules_private_names():
    found = set()
    for path in _production_files():
        for module, names in _from_imports(path):
            found |= {(str(path.relative_to(ROOT)), module, n) for n in names if n.startswith("_")}
    assert found - KNOWN_PRIVATE_IMPORTS == set(), "private names imported across modules"
    assert KNOWN_PRIVATE_IMPORTS <= found, "a known private import is gone: drop it from KNOWN_PRIVATE_IMPORTS"


def test_pages_and_ui_reach_the_database_only_through_services():
    found = set()
    for path in _production_files():
        rel = str(path.relative_to(ROOT))
        if rel.startswith(("pages/", "ui/")) or rel == "app.py":
            found |= {(rel, module) for module, _ in _from_imports(path) if module.split(".")[0] == "store"}
    assert found - KNOWN_UI_STORE_IMPORTS == set(), "pages/ui import store"
    assert KNOWN_UI_STORE_IMPORTS <= found, "a known store import is gone: drop it from KNOWN_UI_STORE_IMPORTS"


def test_store_imports_of_the_indicators_are_only_the_known_one():
    """store → metrics.indicators is to go (issue 10); today store/snapshot.py reads CODED_COLUMNS."""
    found = {(str(p.relative_to(ROOT)), m) for p in sorted((ROOT / "store").rglob("*.py"))
             for m, _ in _from_imports(p) if m.startswith("metrics.indicators")}
    assert found <= {("store/snapshot.py", "metrics.indicators.prepared")}


def test_the_private_import_checker_sees_one(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from metrics.reader import _party_hashes, party_hash\nimport store.db\n", encoding="utf-8")
    assert _from_imports(bad) == [("metrics.reader", ["_party_hashes", "party_hash"]), ("store.db", [])]
