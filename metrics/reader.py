"""Reading uploads: bytes → :class:`metrics.dataset.Upload` (typed rows + every problem, in one pass).

``read_upload`` opens the file (``metrics.rawbook``), recognises its sheets and header rows
(``metrics.headers``), parses every cell (``metrics.values``, once per distinct value of a column),
applies the rules between cells and rows (``metrics.rules``) and keeps only the rows without errors,
typed per the column contract of ``metrics.dataset``. It never stops at the first problem and never
raises on bad content: every problem is a ``Problem`` with the Excel row number as Excel shows it and
the header as the user wrote it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import zip_longest
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metrics import problems as pb
from metrics import schema
from metrics.dataset import SourceFile, Upload, empty_frame
from metrics.headers import HeaderMatch, column_letter, recognise
from metrics.problems import Problem
from metrics.rawbook import Limits, RawSheet, open_book
from metrics.rules import Finding, ledger_rules, monthly_rules
from metrics.schema import LEDGER, MONTHLY, SheetKind
from metrics.text import normalize
from metrics.values import parse_column, shown

_PROCESS_SECRET = secrets.token_bytes(32)
_TOTALS = frozenset(schema.TOTAL_MARKERS)
_TOTAL_SEARCH_CELLS = 4
"""A totals marker is looked for in the first this-many cells of a row."""
_SPACE = re.compile(r"\s+")
_NAT = np.iinfo(np.int64).min
_EPOCH = dt.date(1970, 1, 1)


def _is_total_marker(text: str) -> bool:
    """``合计``, ``合 计``, ``總計`` … (markers are Chinese: ASCII text never is one)."""
    return not text.isascii() and len(text) <= 20 and _total_key(text) in _TOTALS


@lru_cache(maxsize=4096)
def _total_key(text: str) -> str:
    return _SPACE.sub("", normalize(text))


@lru_cache(maxsize=65536)
def _party_norm(text: str) -> str:
    return _SPACE.sub("", normalize(text)).upper()


def party_hash(text: str, secret: bytes) -> str:
    """The keyed hash that replaces a 当事人标识 (spaces, width and letter case do not matter):
    ``HMAC-SHA256(secret, normalised text)`` as hex."""
    return hmac.new(secret, _party_norm(text).encode("utf-8"), hashlib.sha256).hexdigest()


def _party_hashes(texts: Iterable[str | None], secret: bytes) -> dict[str | None, str | None]:
    """:func:`party_hash` of many texts (the keyed HMAC state is set up once and copied)."""
    base = hmac.new(secret, digestmod=hashlib.sha256)
    out: dict[str | None, str | None] = {}
    for text in texts:
        if text is None:
            out[text] = None
            continue
        h = base.copy()
        h.update(_party_norm(text).encode("utf-8"))
        out[text] = h.hexdigest()
    return out


@dataclass
class _Context:
    file: str
    date1904: bool
    secret: bytes
    upload_date: dt.date
    previous_monthly: pd.DataFrame | None
    offices: set[str] = field(default_factory=set)


@dataclass
class _SheetResult:
    frame: pd.DataFrame
    """Every data row (errors included), typed; index = position among data rows."""
    bad_rows: set[int]
    problems: list[Problem]
    blocked: bool = False
    """A sheet-level error (missing or duplicate column): no row of it is kept."""


def _sheet_problem(code: str, ctx: _Context, sheet: RawSheet, **kw: Any) -> Problem:
    return pb.make(code, file=ctx.file, sheet=sheet.name, **kw)


def _header_problems(m: HeaderMatch, sheet: RawSheet, ctx: _Context) -> list[Problem]:
    out = []
    excel_row = m.row + 1
    for _key, first, second, text in m.duplicates:
        out.append(_sheet_problem("duplicate_column", ctx, sheet, row=excel_row, column=text, value=text,
                                  first=column_letter(first), second=column_letter(second)))
    for key in m.missing:
        header = m.kind.column(key).header
        out.append(_sheet_problem("missing_column", ctx, sheet, column=header, header=header))
    for _, text in m.unknown:
        out.append(_sheet_problem("unknown_column", ctx, sheet, row=excel_row, column=text, value=text))
    return out


def _skipped_rows(raw_cols: list[tuple[Any, ...]], rows_at: list[int], m: HeaderMatch, sheet: RawSheet,
                  ctx: _Context) -> tuple[set[int], list[Problem]]:
    """Positions of totals rows (with a warning each) and template example rows (silently).

    Works column by column on distinct values: a totals marker is looked for in the first
    ``_TOTAL_SEARCH_CELLS`` columns, the example prefix in the kind's example column.
    """
    totals: dict[int, str] = {}
    for j in range(min(_TOTAL_SEARCH_CELLS, len(raw_cols))):
        col = raw_cols[j]
        markers = {v for v in set(col) if type(v) is str and not v.isascii() and _is_total_marker(v)}
        if markers:
            for p, v in enumerate(col):
                if v in markers and type(v) is str:
                    totals.setdefault(p, v)
    out = [_sheet_problem("total_row_skipped", ctx, sheet, row=rows_at[p] + 1, value=v)
           for p, v in sorted(totals.items())]
    skip = set(totals)
    example_at = next((j for j, k in m.columns.items() if k == m.kind.example_column), None)
    if example_at is not None:
        col = raw_cols[example_at]
        examples = {v for v in set(col)
                    if type(v) is str and not v.isascii() and _INVISIBLE_LEAD(v).startswith(schema.EXAMPLE_PREFIX)}
        if examples:
            skip.update(p for p, v in enumerate(col) if type(v) is str and v in examples)
    return skip, out


def _INVISIBLE_LEAD(text: str) -> str:  # noqa: N802 — reads as a transformation in the set above
    return text.lstrip(" \t\u3000\u00a0\u200b\ufeff")


def _blank_positions(raw_cols: list[tuple[Any, ...]], mapped: list[int]) -> set[int]:
    """Positions of rows that are empty (or only spaces) in every column we read."""
    def blank_values(col: tuple[Any, ...]) -> set[Any]:
        return {v for v in set(col) if v is None or (type(v) is str and not v.strip())}

    first = raw_cols[mapped[0]]
    values = blank_values(first)
    if not values:
        return set()
    candidates = {p for p, v in enumerate(first) if v in values}
    for j in mapped[1:]:
        col = raw_cols[j]
        values = blank_values(col)
        candidates = {p for p in candidates if col[p] is None or (type(col[p]) is str and col[p] in values)}
        if not candidates:
            break
    return candidates


def _column_values(rows: list[list[Any]], keep: list[int], width: int) -> list[tuple[Any, ...]]:
    """The kept rows transposed into columns (short rows padded with None)."""
    if not keep:
        return [() for _ in range(width)]
    picked = itemgetter(*keep)(rows) if len(keep) > 1 else (rows[keep[0]],)
    cols = list(zip_longest(*picked))
    cols += [(None,) * len(keep)] * (width - len(cols))
    return cols


def _typed_series(kind: SheetKind, key: str, values: list[Any], ctx: _Context) -> Any:
    col = kind.column(key)
    if col.type in ("int", "number"):
        return np.array(values, dtype="float64")
    if col.type == "date":
        days = {v: (_NAT if v is None else (v - _EPOCH).days) for v in set(values)}
        as_int = np.fromiter(map(days.__getitem__, values), dtype=np.int64, count=len(values))
        return as_int.view("datetime64[D]").astype("datetime64[ns]")
    if col.type == "bool":
        flags = np.fromiter((v is True for v in values), dtype=bool, count=len(values))
        mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        return pd.arrays.BooleanArray(flags, mask)
    if key == "party_key":
        memo = _party_hashes(set(values), ctx.secret)
        values = list(map(memo.__getitem__, values))
    return pd.Series(values, dtype=object)


def _read_sheet(sheet: RawSheet, kind: SheetKind, m: HeaderMatch | None, ctx: _Context) -> _SheetResult:
    if m is None:
        p = _sheet_problem("header_not_found", ctx, sheet, rows=schema.MAX_HEADER_SEARCH_ROWS + 1,
                           example=kind.columns[0].header)
        return _SheetResult(empty_frame(kind), set(), [p], blocked=True)
    problems = _header_problems(m, sheet, ctx)
    blocked = any(p.severity == "error" for p in problems)
    rows = sheet.rows
    keep = [i for i in range(m.row + 1, len(rows)) if rows[i]]  # rows with no cell at all are blank
    width = max(max(m.columns) + 1, _TOTAL_SEARCH_CELLS)
    raw_cols = _column_values(rows, keep, width)
    skip, row_problems = _skipped_rows(raw_cols, keep, m, sheet, ctx) if keep else (set(), [])
    problems += row_problems
    if keep:
        skip |= _blank_positions(raw_cols, sorted(m.columns))
    if skip:
        keep = [i for p, i in enumerate(keep) if p not in skip]
        raw_cols = _column_values(rows, keep, width)
    if not keep:
        problems.append(_sheet_problem("no_data_rows", ctx, sheet))
        return _SheetResult(empty_frame(kind), set(), problems, blocked=blocked)
    excel_rows = [i + 1 for i in keep]
    position = {i: p for p, i in enumerate(keep)}
    bad_cells: set[tuple[int, str]] = set()
    bad_rows: set[int] = set()
    cell_problems: list[tuple[int, int, Problem]] = []

    def cell_problem(pos: int, j: int, key: str, code: str, raw: Any, **details: Any) -> None:
        p = pb.make(code, file=ctx.file, sheet=sheet.name, row=excel_rows[pos], column=m.written[key],
                    value=shown(raw) if not isinstance(raw, str) or code != "error_cell" else raw, **details)
        cell_problems.append((pos, j, p))
        bad_cells.add((pos, key))
        if p.severity == "error":
            bad_rows.add(pos)

    flagged: dict[tuple[int, str], tuple[int, str]] = {}
    for (i, j), flag in sheet.flags.items():
        key = m.columns.get(j)
        if key is not None and i in position:
            flagged[(position[i], key)] = (j, flag)

    data: dict[str, Any] = {}
    for j, key in sorted(m.columns.items()):
        col = kind.column(key)
        raw = raw_cols[j]
        values, bad = parse_column(raw, col, date1904=ctx.date1904)
        for pos, b in bad.items():
            cell_problem(pos, j, key, b.code, raw[pos], **b.details)
        for (pos, k), (fj, flag) in flagged.items():
            if k != key:
                continue
            values[pos] = None
            if flag.startswith("error"):
                shown_value = flag.partition(":")[2] or "#错误"
                cell_problem(pos, fj, key, "error_cell", shown_value)
            else:
                cell_problem(pos, fj, key, "formula_without_value", "")
        if col.required and None in values:
            for pos, v in enumerate(values):
                if v is None and (pos, key) not in bad_cells:
                    cell_problem(pos, j, key, "required_missing", raw[pos])
        data[key] = _typed_series(kind, key, values, ctx)

    for key in kind.keys:  # optional columns the sheet does not have
        if key not in data:
            data[key] = _typed_series(kind, key, [None] * len(keep), ctx)
    frame = pd.DataFrame({key: data[key] for key in kind.keys})
    frame["_file"] = pd.Series([ctx.file] * len(keep), dtype=object)
    frame["_sheet"] = pd.Series([sheet.name] * len(keep), dtype=object)
    frame["_row"] = np.array(excel_rows, dtype="int64")

    header = m.header_of
    if kind is MONTHLY:
        findings = monthly_rules(frame, header, previous_rows=ctx.previous_monthly, bad_cells=bad_cells)
    else:
        findings = ledger_rules(frame, header, offices=ctx.offices, upload_date=ctx.upload_date)
    column_index = {k: j for j, k in m.columns.items()}
    for f in findings:
        _finding_problem(f, frame, header, column_index, bad_cells, bad_rows, cell_problems, sheet, ctx)

    cell_problems.sort(key=lambda t: (t[0], t[1]))
    problems += [p for _, _, p in cell_problems]
    return _SheetResult(frame, bad_rows, problems, blocked=blocked)


def _finding_problem(f: Finding, frame: pd.DataFrame, header: Any, column_index: dict[str, int],
                     bad_cells: set[tuple[int, str]], bad_rows: set[int],
                     cell_problems: list[tuple[int, int, Problem]], sheet: RawSheet, ctx: _Context) -> None:
    pos = int(f.index)
    if (pos, f.column) in bad_cells and f.code != "duplicate_key":
        return  # the cell itself is already reported
    details = dict(f.details)
    if "other_index" in details:
        details["other_row"] = int(frame.at[details.pop("other_index"), "_row"])
    p = pb.make(f.code, file=ctx.file, sheet=sheet.name, row=int(frame.at[pos, "_row"]), column=header(f.column),
                value=f.value, **details)
    cell_problems.append((pos, column_index.get(f.column, 10**6), p))
    if p.severity == "error":
        bad_rows.add(pos)


def _keep_good(result: _SheetResult, kind: SheetKind) -> pd.DataFrame:
    if result.blocked or not len(result.frame):
        return empty_frame(kind)
    frame = result.frame
    if result.bad_rows:
        frame = frame.drop(index=sorted(result.bad_rows))
    return frame.reset_index(drop=True)


def read_upload(
    data: bytes,
    name: str,
    *,
    known_offices: Iterable[str] = frozenset(),
    upload_date: dt.date | None = None,
    party_key_secret: bytes | None = None,
    previous_monthly: pd.DataFrame | None = None,
    limits: Limits | None = None,
) -> Upload:
    """Read and check one uploaded file.

    * ``known_offices`` — office codes already stored (a ledger row must name one of these or an office
      of this upload's monthly sheet).
    * ``upload_date`` — a received date after it is an error (default: today).
    * ``party_key_secret`` — the per-installation HMAC key for 当事人标识 (default: a random per-process key).
    * ``previous_monthly`` — stored monthly rows (office_code, month, visited_ytd) for the
      "累计走访户数 decreased" check.

    Returns an ``Upload`` whose frames hold only the rows without errors and whose ``problems`` list
    every problem found.
    """
    source = SourceFile.from_bytes(name, data)
    book, problems = open_book(data, name, limits)
    if book is None:
        return Upload(source=source, problems=problems)
    ctx = _Context(
        file=name,
        date1904=bool(getattr(book, "date1904", False)),
        secret=party_key_secret if party_key_secret is not None else _PROCESS_SECRET,
        upload_date=upload_date or dt.date.today(),
        previous_monthly=previous_monthly,
        offices=set(known_offices),
    )
    found: dict[str, list[tuple[RawSheet, HeaderMatch | None]]] = {MONTHLY.key: [], LEDGER.key: []}
    for sheet in book.sheets:
        kind, match = recognise(sheet)
        if kind is not None:
            found[kind.key].append((sheet, match))
    if not any(found.values()):
        return Upload(source=source, problems=[*problems, pb.make("no_known_sheet", file=name)])
    for kind_key, sheets in found.items():
        if len(sheets) > 1:
            problems.append(pb.make("duplicate_sheet_kind", file=name, kind=schema.SHEET_KINDS[kind_key].title,
                                    sheets="、".join(f"“{s.name}”" for s, _ in sheets)))

    frames: dict[str, list[pd.DataFrame]] = {MONTHLY.key: [], LEDGER.key: []}
    for kind in (MONTHLY, LEDGER):  # monthly first: its offices are known to the ledger
        for sheet, match in found[kind.key]:
            result = _read_sheet(sheet, kind, match, ctx)
            problems += result.problems
            if kind is MONTHLY:
                ctx.offices.update(result.frame["office_code"].dropna())
            frames[kind.key].append(_keep_good(result, kind))

    def stack(kind: SheetKind) -> pd.DataFrame:
        parts = [f for f in frames[kind.key] if len(f)]
        if not parts:
            return empty_frame(kind)
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    return Upload(source=source, monthly=stack(MONTHLY), ledger=stack(LEDGER), problems=problems)


def read_files(
    paths: Sequence[str | Path],
    *,
    known_offices: Iterable[str] = frozenset(),
    upload_date: dt.date | None = None,
    party_key_secret: bytes | None = None,
    limits: Limits | None = None,
) -> list[Upload]:
    """Read files as successive uploads, in order: offices (and monthly rows) of earlier files count
    as known for later ones."""
    offices = set(known_offices)
    previous: list[pd.DataFrame] = []
    uploads = []
    for path in paths:
        path = Path(path)
        prev = pd.concat(previous, ignore_index=True) if previous else None
        up = read_upload(path.read_bytes(), path.name, known_offices=frozenset(offices), upload_date=upload_date,
                         party_key_secret=party_key_secret, previous_monthly=prev, limits=limits)
        uploads.append(up)
        offices.update(up.monthly["office_code"])
        if len(up.monthly):
            previous.append(up.monthly[["office_code", "month", "visited_ytd"]])
    return uploads
