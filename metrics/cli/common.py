"""Pieces every command shares: usage errors, progress on stderr, the Chinese problem table."""

from __future__ import annotations

import sys


class UsageError(Exception):
    """Wrong usage (bad period, bad option value): printed as a message, exit status 2."""


def progress(text: str) -> None:
    """A progress line on stderr (never stdout, which may carry JSON)."""
    print(text, file=sys.stderr, flush=True)


def read_paths(files: list[str], *, keep_parties: bool = True) -> list:
    """Read ``files`` as successive uploads (``metrics.reader.read_files``), one progress line per file
    as it is read. A missing path, or one that is not a file, is a :class:`UsageError` (exit 2).
    ``keep_parties=False`` when only the problems are wanted (party identities neither hashed nor kept)."""
    from pathlib import Path

    from metrics.reader import read_files

    paths = [Path(f) for f in files]
    for path in paths:
        if not path.exists():
            raise UsageError(f"找不到文件：{path}")
        if not path.is_file():
            raise UsageError(f"不是文件：{path}")
    return read_files(paths, on_file=lambda i, n, name: progress(f"[{i}/{n}] 正在读取 {name} …"),
                      keep_parties=keep_parties)
