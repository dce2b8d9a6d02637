"""Typed rows as the engine sees them: what reading one file gives, and what several uploads make.

Column contract (the validator produces it, indicators and storage rely on it):

* ``monthly`` — one row per (office_code, month); columns are the keys of ``schema.MONTHLY``:
  text columns as ``str``; ``month`` as ``"YYYY-MM"``; every count and number column as ``float64``
  with NaN meaning "not given" (optional columns only — required ones are never NaN).
* ``ledger`` — one row per dispute_id; columns are the keys of ``schema.LEDGER``: ``dispute_id`` and
  ``office_code`` as ``str``; the three dates as ``datetime64[ns]`` (NaT when not given); enum columns
  hold the canonical value or None; ``party_key`` holds the keyed hash (never the text as written)
  or None; ``escalated`` is pandas ``boolean`` (NA when not given); ``note`` is ``str`` or None.
* Both frames also carry ``_sheet`` (sheet name as in the file) and ``_row`` (Excel row number), so
  that any number can be traced back to the cell it came from; ``Dataset`` adds ``_file``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from metrics.problems import Problem
from metrics.schema import LEDGER, MONTHLY, SheetKind

TRACE_COLUMNS = ("_file", "_sheet", "_row")


@dataclass(frozen=True)
class SourceFile:
    """An uploaded file as received: its name as given, its SHA-256 and size in bytes."""

    name: str
    sha256: str
    size: int

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> SourceFile:
        return cls(name=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _dtype(kind: SheetKind, key: str) -> str:
    col = kind.column(key)
    if col.type in ("int", "number"):
        return "float64"
    if col.type == "date":
        return "datetime64[ns]"
    if col.type == "bool":
        return "boolean"
    return "object"


def empty_frame(kind: SheetKind) -> pd.DataFrame:
    """A frame with no rows and every column of ``kind`` (plus the trace columns) in its dtype."""
    cols = {key: pd.Series(dtype=_dtype(kind, key)) for key in kind.keys}
    cols["_file"] = pd.Series(dtype="object")
    cols["_sheet"] = pd.Series(dtype="object")
    cols["_row"] = pd.Series(dtype="int64")
    return pd.DataFrame(cols)


@dataclass
class Upload:
    """What reading one file gives: its rows (without the rows that have errors) and every problem."""

    source: SourceFile
    monthly: pd.DataFrame = field(default_factory=lambda: empty_frame(MONTHLY))
    ledger: pd.DataFrame = field(default_factory=lambda: empty_frame(LEDGER))
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when nothing blocks storing (warnings allowed)."""
        return not self.errors


@dataclass
class Dataset:
    """Monthly rows and ledger rows from one or more uploads, each key once (the latest upload wins)."""

    monthly: pd.DataFrame = field(default_factory=lambda: empty_frame(MONTHLY))
    ledger: pd.DataFrame = field(default_factory=lambda: empty_frame(LEDGER))
    sources: list[SourceFile] = field(default_factory=list)

    @property
    def office_codes(self) -> set[str]:
        return set(self.monthly["office_code"])


def _stack(frames: list[pd.DataFrame], kind: SheetKind) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame(kind)
    out = pd.concat(frames, ignore_index=True)
    # Later uploads come later in the list: keep the last row of each key.
    out = out.drop_duplicates(list(kind.key_columns), keep="last").reset_index(drop=True)
    return out


def merge(uploads: Iterable[Upload]) -> Dataset:
    """Successive uploads as one dataset: a later row replaces an earlier one with the same key.

    Key: (office_code, month) for monthly rows, dispute_id for ledger rows.
    """
    monthly, ledger, sources = [], [], []
    for up in uploads:
        sources.append(up.source)
        monthly.append(up.monthly.assign(_file=up.source.name))
        ledger.append(up.ledger.assign(_file=up.source.name))
    return Dataset(monthly=_stack(monthly, MONTHLY), ledger=_stack(ledger, LEDGER), sources=sources)
