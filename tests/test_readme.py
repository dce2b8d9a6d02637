"""README's generated sections match their generators; README and CI keep their promises."""

from pathlib import Path

import pytest

from metrics import readme

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(readme.generators()))
def test_generated_readme_section_is_current(name):
    text = readme.README.read_text(encoding="utf-8")
    assert readme.section(text, name) == readme.generators()[name]() + (
        "" if readme.generators()[name]().endswith("\n") else "\n"
    ), f"README section '{name}' is stale: run python -m metrics.readme"


def test_ci_runs_the_readme_test_command():
    text = readme.README.read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in text
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_replace_section_round_trip():
    text = "a\n<!-- x:start -->\nold\n<!-- x:end -->\nb\n"
    new = readme.replace_section(text, "x", "new")
    assert readme.section(new, "x") == "new\n"
    assert new.startswith("a\n") and new.endswith("b\n")


def test_readme_names_every_demo_account_and_the_demo_password():
    from services.demo import DEMO_PASSWORD, DEMO_USERS

    text = readme.README.read_text(encoding="utf-8")
    assert DEMO_PASSWORD in text
    for username in DEMO_USERS.values():
        assert f"`{username}`" in text


def test_readme_screenshots_exist_and_are_small():
    import re

    text = readme.README.read_text(encoding="utf-8")
    shots = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", text)
    assert shots
    for rel in shots:
        path = ROOT / rel
        assert path.is_file(), rel
        assert path.stat().st_size < 200_000, f"{rel} should stay a small PNG"
