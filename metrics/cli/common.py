"""Pieces every command shares: usage errors, progress on stderr, the Chinese problem table."""

from __future__ import annotations

import sys


class UsageError(Exception):
    """Wrong usage (bad period, bad option value): printed as a message, exit status 2."""


def progress(text: str) -> None:
    """A progress line on stderr (never stdout, which may carry JSON)."""
    print(text, file=sys.stderr, flush=True)
