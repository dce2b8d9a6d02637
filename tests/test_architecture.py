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
