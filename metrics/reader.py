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
import re
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
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
from metrics.rawbook import Limits, RawSheet, clean_cell, open_book
from metrics.rules import Finding, ledger_rules, monthly_rules
from metrics.schema import LEDGER, MONTHLY, Column, SheetKind
from metrics.text import clean_text, normalize
from metrics.values import Bad, all_plain, parser_for, shown

_PROCESS_SECRET = secrets.token_bytes(32)
_TOTALS = frozenset(schema.TOTAL_MARKERS)
_TOTAL_SEARCH_CELLS = 4
"""A totals marker is looked for in the first this-many cells of a row."""
_SPACE = re.compile(r"\s+")
_NOTE_LABEL_RE = re.compile(
    r"(填报人|填表人|填报单位|填报日期|填表日期|报送日期|审核人|审核|审批人|制表人|制表|制表日期|统计人|负责人"
    r"|单位负责人|主管领导|联系电话|联系人|电话|备注|说明|注)(:|$)"
)
"""A footer note's label, matched on the cell's text normalised (full-width colon → ``:``) without spaces."""
_NAT = np.iinfo(np.int64).min
_EPOCH = dt.date(1970, 1, 1)
_BOOL_CODE = {False: 0, True: 1, None: 2}


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
    ``HMAC-SHA256(secret, normalised text)`` as hex — :func:`_party_hashes` of one text."""
    return _party_hashes([text], secret)[text]


def _party_hashes(texts: Iterable[str | None], secret: bytes) -> dict[str | None, str | None]:
    """The party hash (``HMAC-SHA256(secret, normalised text)`` as hex) of each text; None stays None.

    The one implementation of the party hash (stored hashes depend on its bytes; a test checks it against
    the standard library's ``hmac``). HMAC-SHA256 (RFC 2104) is computed on hashlib's C objects: the two
    padded-key states are set up once and copied per text, and every step runs as a ``map`` over all
    texts — no Python bytecode per text (a 100k-row ledger has ~100k distinct parties). This is about
    twice as fast as ``hmac.digest`` per text (0.10–0.14 s against 0.24 s CPU for 100,000 texts), which
    is why ``hmac`` is not used. Texts that are plain printable ASCII (ids) are normalised all at once
    on their joined string; others go through :func:`_party_norm`.
    """
    texts = [t for t in texts if t is not None]
    out: dict[str | None, str | None] = {None: None}
    if not texts:
        return out
    joined = "\n".join(texts)
    if joined.isascii() and joined.count("\n") == len(texts) - 1 and joined.replace("\n", "").isprintable():
        messages = joined.replace(" ", "").upper().encode("ascii").split(b"\n")
    else:
        messages = [_party_norm(t).encode("utf-8") for t in texts]
    key = secret if len(secret) <= 64 else hashlib.sha256(secret).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    sha = type(inner)
    n = len(messages)
    inners = list(map(sha.copy, repeat(inner, n)))
    deque(map(sha.update, inners, messages), maxlen=0)
    outers = list(map(sha.copy, repeat(outer, n)))
    deque(map(sha.update, outers, map(sha.digest, inners)), maxlen=0)
    out.update(zip(texts, map(sha.hexdigest, outers), strict=True))
    return out


@dataclass
class _Context:
    file: str
    date1904: bool
    secret: bytes
    upload_date: dt.date
    previous_monthly: pd.DataFrame | None
    offices: set[str] = field(default_factory=set)
    keep_parties: bool = True
    """False when only the problems are wanted: party identities are then neither hashed nor kept."""


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


def _note_key(text: str) -> str:
    return _SPACE.sub("", normalize(text))


def _is_note_label(text: str) -> bool:
    """``填报人：张三``, ``审核人:``, ``填 报 日 期：2026-11-02``, ``备注`` … (labels are Chinese: ASCII text
    never is one, and is answered without touching the cache)."""
    return not text.isascii() and len(text) <= 200 and _note_label(text)


@lru_cache(maxsize=4096)
def _note_label(text: str) -> bool:
    return _NOTE_LABEL_RE.match(_note_key(text)) is not None


def _blank(v: Any) -> bool:
    """An empty cell, whether cleaned or as the parser gave it (``''``, spaces, control characters)."""
    return v is None or (v.__class__ is str and not (clean_cell(v) or "").strip())


def _non_ascii_texts(distinct: Iterable[Any]) -> list[str]:
    """The values that are text with a non-ASCII character (totals markers, note labels and example
    prefixes are Chinese) — a column of ASCII ids is cleared by one join."""
    try:
        if "".join(distinct).isascii():
            return []
    except TypeError:
        pass
    return [v for v in distinct if type(v) is str and not v.isascii()]


def _padded(rows: list[list[Any]], start: int, width: int) -> list[list[Any]]:
    """Rows ``start…``, each at least ``width`` cells long (short ones copied and padded with None)."""
    body = rows[start:]
    if body and min(map(len, body)) < width:
        for i in [i for i, n in enumerate(map(len, body)) if n < width]:
            body[i] = [*body[i], *([None] * (width - len(body[i])))]
    return body


class _Memo(dict):
    """raw cell → parsed value, filled on first sight (``__missing__``): one pass over a column both finds
    its distinct values and maps every cell, each distinct value cleaned and parsed once."""

    __slots__ = ("parse",)

    def __init__(self, parse: Callable[[Any], Any]):
        super().__init__()
        self.parse = parse

    def __missing__(self, raw: Any) -> Any:
        value = self[raw] = self.parse(clean_cell(raw))
        return value


@dataclass
class _Column:
    """One column of a sheet's data rows, parsed (see :func:`_parse_column`)."""

    values: list[Any]
    """Per row: the typed value, ``None`` (not given) or a :class:`~metrics.values.Bad`."""
    distinct: set[Any]
    """The raw values (as the grid holds them, before cleaning)."""
    any_bad: bool
    any_missing: bool


def _parse_column(body: list[list[Any]], j: int, col: Column, date1904: bool) -> _Column:
    """Column ``j`` of ``body`` cleaned (``''`` → None, control characters stripped: the raw-grid contract
    of ``metrics.rawbook``) and parsed — each distinct value once, in one pass over the rows.

    Columns of many distinct plain ids (code/text) are checked as a whole and kept as written. When
    ``True``/``False`` and numbers share a column (they hash alike) values are keyed by type instead.
    """
    parse = parser_for(col, date1904=date1904)
    if col.type in ("code", "text"):
        distinct = set(map(itemgetter(j), body))
        if len(distinct) > 64 and all_plain(distinct, col):
            return _Column(list(map(itemgetter(j), body)), distinct, False, False)
    memo = _Memo(parse)
    values = list(map(memo.__getitem__, map(itemgetter(j), body)))
    if col.type != "bool" and (True in memo or False in memo):
        raw = list(map(itemgetter(j), body))
        types = set(map(type, raw))
        if bool in types and types & {int, float}:
            keyed = [(type(v), v) for v in raw]
            results = {k: parse(clean_cell(k[1])) for k in set(keyed)}
            values = [results[k] for k in keyed]
            kinds = set(map(type, results.values()))
            return _Column(values, set(raw), Bad in kinds, type(None) in kinds)
    kinds = set(map(type, memo.values()))
    return _Column(values, set(memo), Bad in kinds, type(None) in kinds)


def _cells(body: list[list[Any]], j: int) -> Iterable[Any]:
    return map(itemgetter(j), body)


def _skipped_rows(distinct: dict[int, set[Any]], body: list[list[Any]], start: int, m: HeaderMatch,
                  sheet: RawSheet, ctx: _Context) -> tuple[set[int], list[Problem]]:
    """Positions of totals rows and footer note rows (with a warning each) and template example rows
    (silently).

    Works column by column on distinct values, and reads a column's cells only when one of its values
    qualifies: a totals marker is looked for in the first ``_TOTAL_SEARCH_CELLS`` columns, a note label
    (``填报人：…``) in the first non-empty cell of a row when it lies in those columns, the example prefix
    in the kind's example column.
    """
    lead = list(range(_TOTAL_SEARCH_CELLS))
    texts = {j: _non_ascii_texts(distinct[j]) for j in lead}
    totals: dict[int, str] = {}
    for j in lead:
        markers = {v for v in texts[j] if _is_total_marker(v)}
        if markers:
            for p, v in enumerate(_cells(body, j)):
                if type(v) is str and v in markers:
                    totals.setdefault(p, clean_cell(v))
    notes = _note_rows(texts, body, lead, set(totals))
    skipped = sorted([(p, "total_row_skipped", v) for p, v in totals.items()]
                     + [(p, "note_row_skipped", v) for p, v in notes.items()])
    out = [_sheet_problem(code, ctx, sheet, row=start + p + 1, value=v) for p, code, v in skipped]
    skip = set(totals) | set(notes)
    example_at = next((j for j, k in m.columns.items() if k == m.kind.example_column), None)
    if example_at is not None:
        candidates = texts[example_at] if example_at in texts else _non_ascii_texts(distinct[example_at])
        examples = {v for v in candidates if _INVISIBLE_LEAD(clean_cell(v) or "").startswith(schema.EXAMPLE_PREFIX)}
        if examples:
            skip.update(p for p, v in enumerate(_cells(body, example_at)) if type(v) is str and v in examples)
    return skip, out


def _note_rows(texts: dict[int, list[str]], body: list[list[Any]], lead: list[int], totals: set[int]
               ) -> dict[int, str]:
    """Footer rows real reports carry below the table (``填报人：张三``, ``审核人：…``, ``填报日期：…``,
    ``联系电话``, ``备注：…``) → {position: the label cell's text}.

    A row is one when its first non-empty cell lies in the first ``_TOTAL_SEARCH_CELLS`` columns and
    starts with a note label, and every non-empty cell beyond those columns starts with a note label
    too (``审核人：李四`` further right). A data row always has values beyond them (the required
    columns of both kinds reach past column D), so it is never taken for a note.
    """
    labels = {j: {v for v in texts[j] if _is_note_label(v)} for j in lead}
    if not any(labels.values()):
        return {}
    found: dict[int, str] = {}
    for j in lead:
        if not labels[j]:
            continue
        for p, v in enumerate(_cells(body, j)):
            if type(v) is not str or v not in labels[j] or p in totals or p in found:
                continue
            row = body[p]
            if any(not _blank(row[k]) for k in lead if k < j):
                continue
            if all(_blank(w) or (type(w) is str and _is_note_label(w)) for w in row[_TOTAL_SEARCH_CELLS:]):
                found[p] = clean_text(v)
    return found


def _INVISIBLE_LEAD(text: str) -> str:  # noqa: N802 — reads as a transformation in the set above
    return text.lstrip(" \t\u3000\u00a0\u200b\ufeff")


def _blank_positions(body: list[list[Any]], distinct: dict[int, set[Any]], mapped: list[int]) -> set[int]:
    """Positions of rows that are empty (or only spaces) in every column we read.

    Starts from the column with the fewest distinct values (a required enum usually has no blank at
    all, which settles it at once), then checks only the rows still in question."""
    order = sorted(mapped, key=lambda j: len(distinct[j]))
    values = {v for v in distinct[order[0]] if _blank(v)}
    if not values:
        return set()
    candidates = [p for p, v in enumerate(_cells(body, order[0])) if v in values]
    for j in order[1:]:
        if not candidates:
            break
        candidates = [p for p in candidates if _blank(body[p][j])]
    return set(candidates)


def _typed_series(kind: SheetKind, key: str, values: list[Any], ctx: _Context) -> Any:
    col = kind.column(key)
    if col.type in ("int", "number"):
        return np.array(values, dtype="float64")
    if col.type == "date":
        days = {v: (_NAT if v is None else (v - _EPOCH).days) for v in set(values)}
        as_int = np.fromiter(map(days.__getitem__, values), dtype=np.int64, count=len(values))
        return as_int.view("datetime64[D]").astype("datetime64[ns]")
    if col.type == "bool":
        codes = np.fromiter(map(_BOOL_CODE.__getitem__, values), dtype=np.int8, count=len(values))
        return pd.arrays.BooleanArray(codes == 1, codes == 2)
    if key == "party_key":
        if not ctx.keep_parties:
            return pd.Series([None] * len(values), dtype=object)
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
    start = m.row + 1
    width = max(max(m.columns) + 1, _TOTAL_SEARCH_CELLS)
    body = _padded(sheet.rows, start, width)  # rows below the header, cells as the grid holds them
    mapped = sorted(m.columns)
    # Every column read is parsed in one pass over ALL rows first; rows to skip are then found from the
    # distinct values seen, and dropped from the parsed lists (skipped rows are few, parsing them is free).
    parsed = {j: _parse_column(body, j, kind.column(m.columns[j]), ctx.date1904) for j in mapped}
    distinct = {j: c.distinct for j, c in parsed.items()}
    for j in range(_TOTAL_SEARCH_CELLS):
        if j not in distinct:
            distinct[j] = set(_cells(body, j))
    skip, row_problems = _skipped_rows(distinct, body, start, m, sheet, ctx) if body else (set(), [])
    problems += row_problems
    if body:
        skip |= _blank_positions(body, distinct, mapped)
    keep = list(range(len(body)))
    if skip:
        keep = [p for p in keep if p not in skip]
        if keep:
            pick = itemgetter(*keep) if len(keep) > 1 else (lambda seq: (seq[keep[0]],))
            body = list(pick(body))
            for c in parsed.values():
                c.values = list(pick(c.values))
    if not keep:
        problems.append(_sheet_problem("no_data_rows", ctx, sheet))
        return _SheetResult(empty_frame(kind), set(), problems, blocked=blocked)
    excel_rows = [start + p + 1 for p in keep]
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
    if sheet.flags:
        position = {start + p: pos for pos, p in enumerate(keep)}
        for (i, j), flag in sheet.flags.items():
            key = m.columns.get(j)
            if key is not None and i in position:
                flagged[(position[i], key)] = (j, flag)

    data: dict[str, Any] = {}
    for j, key in sorted(m.columns.items()):
        col = kind.column(key)
        column = parsed[j]
        values = column.values
        if column.any_bad:
            for pos, v in enumerate(values):
                if type(v) is Bad:
                    values[pos] = None
                    cell_problem(pos, j, key, v.code, clean_cell(body[pos][j]), **v.details)
        for (pos, k), (fj, flag) in flagged.items():
            if k != key:
                continue
            values[pos] = None
            if flag.startswith("error"):
                shown_value = flag.partition(":")[2] or "#错误"
                cell_problem(pos, fj, key, "error_cell", shown_value)
            else:
                cell_problem(pos, fj, key, "formula_without_value", "")
        if col.required and column.any_missing:
            for pos, v in enumerate(values):
                if v is None and (pos, key) not in bad_cells:
                    cell_problem(pos, j, key, "required_missing", clean_cell(body[pos][j]))
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
        _finding_problem(f, excel_rows, header, column_index, bad_cells, bad_rows, cell_problems, sheet, ctx)

    cell_problems.sort(key=lambda t: (t[0], t[1]))
    problems += [p for _, _, p in cell_problems]
    return _SheetResult(frame, bad_rows, problems, blocked=blocked)


def _finding_problem(f: Finding, excel_rows: list[int], header: Any, column_index: dict[str, int],
                     bad_cells: set[tuple[int, str]], bad_rows: set[int],
                     cell_problems: list[tuple[int, int, Problem]], sheet: RawSheet, ctx: _Context) -> None:
    pos = int(f.index)  # the frame's index is the position among data rows
    if (pos, f.column) in bad_cells and f.code != "duplicate_key":
        return  # the cell itself is already reported
    details = dict(f.details)
    if "other_indices" in details:
        details["other_rows"] = _row_list([excel_rows[int(j)] for j in details.pop("other_indices")])
    p = pb.make(f.code, file=ctx.file, sheet=sheet.name, row=excel_rows[pos], column=header(f.column),
                value=f.value, **details)
    cell_problems.append((pos, column_index.get(f.column, 10**6), p))
    if p.severity == "error":
        bad_rows.add(pos)


_ROWS_NAMED = 5
"""A duplicate names at most this many other rows (then "等共 N")."""


def _row_list(rows: list[int]) -> str:
    """``3、7、9`` — or ``3、7、9、12、15 等共 40`` (rows) when there are more than ``_ROWS_NAMED``."""
    shown = "、".join(map(str, rows[:_ROWS_NAMED]))
    return shown if len(rows) <= _ROWS_NAMED else f"{shown} 等共 {len(rows)}"


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
    keep_parties: bool = True,
) -> Upload:
    """Read and check one uploaded file.

    * ``known_offices`` — office codes already stored (a ledger row must name one of these or an office
      of this upload's monthly sheet).
    * ``upload_date`` — a received date after it is an error (default: today).
    * ``party_key_secret`` — the per-installation HMAC key for 当事人标识 (default: a random per-process key).
    * ``previous_monthly`` — stored monthly rows (office_code, month, visited_ytd) for the
      "累计走访户数 decreased" check.
    * ``keep_parties`` — False when only the problems are wanted (``python -m metrics validate``): no
      check reads the party identities, so they are neither hashed nor kept (``party_key`` is None).

    Returns an ``Upload`` whose frames hold only the rows without errors and whose ``problems`` list
    every problem found.
    """
    source = SourceFile.from_bytes(name, data)
    # Only the rows a header may be in are cleaned cell by cell; _read_sheet cleans the rest by column.
    book, problems = open_book(data, name, limits, clean_rows=schema.MAX_HEADER_SEARCH_ROWS + 1)
    if book is None:
        return Upload(source=source, problems=problems)
    ctx = _Context(
        file=name,
        date1904=bool(getattr(book, "date1904", False)),
        secret=party_key_secret if party_key_secret is not None else _PROCESS_SECRET,
        upload_date=upload_date or dt.date.today(),
        previous_monthly=previous_monthly,
        offices=set(known_offices),
        keep_parties=keep_parties,
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
    on_file: Callable[[int, int, str], None] | None = None,
    keep_parties: bool = True,
) -> list[Upload]:
    """Read files as successive uploads, in order: offices (and monthly rows) of earlier files count
    as known for later ones. ``on_file(i, n, name)`` is called as the i-th of n files starts (progress);
    ``keep_parties`` as for :func:`read_upload`."""
    offices = set(known_offices)
    previous: list[pd.DataFrame] = []
    uploads = []
    for i, path in enumerate(paths, start=1):
        path = Path(path)
        if on_file is not None:
            on_file(i, len(paths), path.name)
        prev = pd.concat(previous, ignore_index=True) if previous else None
        up = read_upload(path.read_bytes(), path.name, known_offices=frozenset(offices), upload_date=upload_date,
                         party_key_secret=party_key_secret, previous_monthly=prev, limits=limits,
                         keep_parties=keep_parties)
        uploads.append(up)
        offices.update(up.monthly["office_code"])
        if len(up.monthly):
            previous.append(up.monthly[["office_code", "month", "visited_ytd"]])
    return uploads
