"""Which sheet is which, where its header row is, and which column holds what.

A sheet is recognised by its name (any listed name after :func:`metrics.text.header_key`) or, when the
name is unknown, by its header row. Hidden sheets count only when their name matches exactly. The
header row is looked for among the first ``schema.MAX_HEADER_SEARCH_ROWS + 1`` rows: the row matching
the most known headers (at least two, one of them required) wins, so title and note rows above it —
often merged across the table — are skipped. Merged header cells are forward-filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from metrics import schema
from metrics.rawbook import RawSheet
from metrics.schema import SheetKind
from metrics.text import clean_text, header_key, header_lookup, sheet_name_keys

MIN_HEADER_MATCHES = 2
"""A header row matches at least this many known headers, one of them a required column."""
MIN_MATCHES_BY_HEADER = 3
"""A sheet with an unknown name is recognised by its header only with this many matches, one of them a
key column (so that a lookup list headed 来源 / 纠纷类型 / 风险等级 is not taken for a ledger)."""


@dataclass
class HeaderMatch:
    """Where a sheet's header is and what each column holds."""

    kind: SheetKind
    row: int
    """0-based index of the header row (Excel row ``row + 1``)."""
    columns: dict[int, str] = field(default_factory=dict)
    """0-based column index → column key (first occurrence of each key only)."""
    written: dict[str, str] = field(default_factory=dict)
    """Column key → the header as the user wrote it."""
    unknown: list[tuple[int, str]] = field(default_factory=list)
    """Columns with a header that is not in the schema: (index, header as written)."""
    duplicates: list[tuple[str, int, int, str]] = field(default_factory=list)
    """(column key, first index, second index, second header as written)."""

    @property
    def missing(self) -> list[str]:
        """Required column keys with no column."""
        return [k for k in self.kind.required_keys if k not in self.written]

    def header_of(self, key: str) -> str:
        """The header of ``key`` as written, or the canonical header when the column is missing."""
        return self.written.get(key) or self.kind.column(key).header


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → ``A``, 27 → ``AB``)."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def header_cells(sheet: RawSheet, r: int) -> list[Any]:
    """Row ``r`` of ``sheet`` with merged ranges that cover it filled from their top-left cell."""
    row = list(sheet.rows[r]) if r < len(sheet.rows) else []
    for r0, c0, r1, c1 in sheet.merged:
        if r0 <= r <= r1 and r0 < len(sheet.rows):
            top = sheet.rows[r0]
            value = top[c0] if c0 < len(top) else None
            if value is None:
                continue
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if row[c] is None:
                    row[c] = value
    while row and row[-1] is None:
        row.pop()
    return row


def _written(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ("" if value is None else str(value))


def match_row(cells: list[Any], kind: SheetKind) -> HeaderMatch:
    """Map one candidate header row onto ``kind``'s columns (``row`` is left 0)."""
    lookup = header_lookup(kind.key)
    out = HeaderMatch(kind=kind, row=0)
    first_at: dict[str, int] = {}
    for j, value in enumerate(cells):
        text = _written(value)
        if not text:
            continue
        key = lookup.get(header_key(text))
        if key is None:
            out.unknown.append((j, text))
        elif key in first_at:
            out.duplicates.append((key, first_at[key], j, text))
        else:
            first_at[key] = j
            out.columns[j] = key
            out.written[key] = text
    return out


def _score(m: HeaderMatch) -> int:
    return len(m.written)


def find_header(sheet: RawSheet, kind: SheetKind, *, min_matches: int = MIN_HEADER_MATCHES,
                need_key: bool = False) -> HeaderMatch | None:
    """The header row of ``sheet`` read as ``kind``, or None when no row qualifies."""
    required = set(kind.required_keys)
    keys = set(kind.key_columns)
    best: HeaderMatch | None = None
    for r in range(min(len(sheet.rows), schema.MAX_HEADER_SEARCH_ROWS + 1)):
        if not sheet.rows[r] and not sheet.merged:
            continue
        m = match_row(header_cells(sheet, r), kind)
        if _score(m) < min_matches or not required & set(m.written):
            continue
        if need_key and not keys & set(m.written):
            continue
        if best is None or _score(m) > _score(best):
            m.row = r
            best = m
    return best


def kind_by_name(sheet: RawSheet) -> SheetKind | None:
    """The kind a sheet's name says (hidden sheets: exact listed names only)."""
    for kind in schema.SHEET_KINDS.values():
        if sheet.visible:
            if header_key(sheet.name) in sheet_name_keys(kind.key):
                return kind
        elif sheet.name in kind.names:
            return kind
    return None


def recognise(sheet: RawSheet) -> tuple[SheetKind | None, HeaderMatch | None]:
    """(kind, header) of a sheet.

    * named after a kind → (kind, header or None when no header row is found);
    * visible with an unknown name → recognised by its header row, else (None, None);
    * hidden with an unknown name → (None, None): ignored.
    """
    kind = kind_by_name(sheet)
    if kind is not None:
        return kind, find_header(sheet, kind)
    if not sheet.visible:
        return None, None
    best: HeaderMatch | None = None
    for candidate in schema.SHEET_KINDS.values():
        m = find_header(sheet, candidate, min_matches=MIN_MATCHES_BY_HEADER, need_key=True)
        if m is not None and (best is None or _score(m) > _score(best)):
            best = m
    return (best.kind, best) if best else (None, None)
