"""Where the corpus of real spreadsheets written by other programs lives (``shared/realfiles``).

The corpus sits in ``shared/`` beside the repository (a read-only copy in CI). Tests that use it fail
loudly when it is missing rather than skip: a skipped corpus test would hide every regression it guards.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "realfiles"
FILES = CORPUS / "files"


def corpus_dir() -> Path:
    """The folder of corpus files; an AssertionError naming where it was looked for when absent."""
    assert FILES.is_dir() and any(FILES.iterdir()), (
        f"the real-files corpus is missing: expected {FILES} (shared/realfiles beside the repository)"
    )
    return FILES


def real_file(name: str) -> bytes:
    """The bytes of one corpus file (never written to: shared/ is read-only in CI)."""
    path = corpus_dir() / name
    assert path.is_file(), f"corpus file missing: {path}"
    return path.read_bytes()
