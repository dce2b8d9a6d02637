"""Generated sections of README.md: each lives between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``.

Tests compare each section with what its generator produces now, so the docs cannot drift from the
code (architecture.md habit 12). ``python -m metrics.readme`` rewrites every section in place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {re.escape(name)}:start -->\n)(.*?)(<!-- {re.escape(name)}:end -->)", re.S)


def section(text: str, name: str) -> str:
    """The body of section ``name`` in ``text`` (raises KeyError when the markers are missing)."""
    m = _pattern(name).search(text)
    if not m:
        raise KeyError(name)
    return m.group(2)


def replace_section(text: str, name: str, body: str) -> str:
    if not body.endswith("\n"):
        body += "\n"
    if not _pattern(name).search(text):
        raise KeyError(name)
    return _pattern(name).sub(lambda m: m.group(1) + body + m.group(3), text, count=1)


def generators() -> dict[str, Callable[[], str]]:
    """Section name → function producing its Markdown."""
    from metrics.docs_workbook import workbook_markdown
    from metrics.indicators.docs import indicators_markdown
    from metrics.rubric_docs import rubric_markdown

    return {"workbook": workbook_markdown, "indicators": indicators_markdown, "rubric": rubric_markdown}


def rewrite(path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    for name, gen in generators().items():
        text = replace_section(text, name, gen())
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    rewrite()
