"""Cell parsers: one raw cell (as ``metrics.rawbook`` gives it) → a typed value or a problem.

Each column of ``metrics.schema`` gets a parser from :func:`parser_for`. A parser returns either
``None`` (the cell is empty or says "not given": ``-``, ``—``, ``/``, ``无`` …), the typed value, or a
:class:`Bad` (problem code + message details). Parsers are pure, so a column is parsed once per
DISTINCT raw value (:func:`parse_column`) — a 100k-row ledger has only a few thousand.

Typed values: ``code``/``text`` → ``str``; ``int``/``number`` → ``float``; ``month`` → ``"YYYY-MM"``;
``date`` → ``datetime.date``; ``enum`` → the canonical value; ``bool`` → ``bool``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from metrics import schema
from metrics.schema import Column
from metrics.text import clean_text, normalize, vocab_key, vocabulary_lookup

DATE_LOW = dt.date(2000, 1, 1)
DATE_HIGH = dt.date(2100, 12, 31)
"""Dates (and Excel serial numbers) outside this window are refused as implausible."""

_EPOCH_1900 = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 once Excel's 1900 leap-day bug is allowed for
_EPOCH_1904 = dt.date(1904, 1, 1)

_NOT_GIVEN = frozenset(schema.NOT_GIVEN)
_BOOL = {**{vocab_key(s): True for s in schema.BOOL_TRUE}, **{vocab_key(s): False for s in schema.BOOL_FALSE}}

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_SEP = r"\s*[-/.年]\s*"
_MONTH_RE = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}})\s*月?")
_MONTH_COMPACT = re.compile(r"(\d{4})(\d{2})")
_DATE_RE = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*日?(\s+\d{{1,2}}:\d{{2}}(:\d{{2}}(\.\d+)?)?)?")
_HAS_SPACE = re.compile(r"\s")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL_TEXT = re.compile(r"\d{5}(\.\d+)?")
"""Text that is an Excel serial date: accepted when the day is inside [DATE_LOW, DATE_HIGH] (serials
36526–73415), otherwise ``bad_date`` with the text as typed."""


@dataclass(frozen=True)
class Bad:
    """A rejected cell: a problem code of ``metrics.problems`` and the details its message needs."""

    code: str
    details: dict[str, Any] = field(default_factory=dict)


Parsed = Any
"""``None`` (not given), a typed value, or a :class:`Bad`."""


def shown(raw: Any) -> str:
    """A raw cell as the user sees it: ``3702020001.0`` → ``"3702020001"``, a midnight datetime → its date."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        if math.isfinite(raw) and raw == int(raw) and abs(raw) < 1e16:
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date | dt.time):
        return raw.isoformat()
    if isinstance(raw, str):
        return clean_text(raw)
    return str(raw)


def _is_not_given(raw: Any) -> bool:
    # Every "not given" spelling is short: longer text needs no normalising to know it is given.
    return raw is None or (type(raw) is str and (len(raw) <= 16 or raw.isspace()) and normalize(raw) in _NOT_GIVEN)


def _number(raw: Any, col: Column) -> float | Bad:
    """A finite float from a numeric cell or from digits typed as text."""
    if isinstance(raw, bool) or isinstance(raw, dt.date | dt.time):
        return Bad("not_a_number")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        s = normalize(raw).replace(" ", "")
        if _THOUSANDS.fullmatch(s):
            s = s.replace(",", "")
        if not _PLAIN_NUMBER.fullmatch(s):
            low = s.lower().lstrip("+-")
            if low in ("nan", "inf", "infinity"):
                return Bad("not_finite")
            return Bad("not_a_number")
        value = float(s)
    if not math.isfinite(value):
        return Bad("not_finite")
    if col.type == "int" and value != int(value):
        return Bad("not_an_integer")
    if col.minimum is not None:
        if col.minimum_exclusive and not value > col.minimum:
            return Bad("out_of_range", {"rule": f"> {col.minimum:g}"})
        if not col.minimum_exclusive and not value >= col.minimum:
            return Bad("out_of_range", {"rule": f"≥ {col.minimum:g}"})
    return value + 0.0  # -0.0 → 0.0


def _code(raw: Any, col: Column) -> str | Bad:
    """Codes stay text; a number stored by Excel comes back as the same digits."""
    if isinstance(raw, bool) or isinstance(raw, dt.date | dt.time):
        return Bad("bad_code")
    if isinstance(raw, int | float):
        if not math.isfinite(raw) or raw != int(raw) or raw < 0:
            return Bad("bad_code")
        digits = str(int(raw))
        if len(digits) > 15:  # Excel keeps 15 significant digits: the rest are already lost
            return Bad("code_too_long")
        return digits
    s = normalize(raw)
    if _HAS_SPACE.search(s):
        return Bad("bad_code")
    return s


def _text(raw: Any, col: Column) -> str | Bad:
    if isinstance(raw, float) and math.isfinite(raw) and raw == int(raw) and len(str(int(abs(raw)))) > 15:
        return Bad("code_too_long")  # an 18-digit identity number stored as a number has lost digits
    text = clean_text(raw) if isinstance(raw, str) else shown(raw)
    return text or None


def _serial_to_date(serial: float, date1904: bool) -> dt.date | Bad:
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    try:
        day = epoch + dt.timedelta(days=math.floor(serial))
    except (OverflowError, ValueError):
        return _implausible()
    if not DATE_LOW <= day <= DATE_HIGH:
        return _implausible()
    return day


def _implausible() -> Bad:
    return Bad("implausible_date", {"low": DATE_LOW.isoformat(), "high": DATE_HIGH.isoformat()})


def _make_date(y: int, m: int, d: int, bad: str) -> dt.date | Bad:
    try:
        day = dt.date(y, m, d)
    except ValueError:
        return Bad(bad)
    if not DATE_LOW <= day <= DATE_HIGH:
        return _implausible()
    return day


def _date(raw: Any, col: Column, date1904: bool = False) -> dt.date | Bad:
    if isinstance(raw, bool) or isinstance(raw, dt.time):
        return Bad("bad_date")
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw if DATE_LOW <= raw <= DATE_HIGH else _implausible()
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            return Bad("bad_date")
        if raw == int(raw) and 10_000_000 <= raw <= 99_999_999:  # 20261003 typed as a number
            n = int(raw)
            return _make_date(n // 10000, n // 100 % 100, n % 100, "bad_date")
        return _serial_to_date(raw, date1904)
    s = normalize(raw)
    m = _DATE_RE.fullmatch(s) or _DATE_COMPACT.fullmatch(s)
    if not m:
        if _SERIAL_TEXT.fullmatch(s):  # an Excel serial typed (or pasted) as text: "46296"
            day = _serial_to_date(float(s), date1904)
            return Bad("bad_date") if isinstance(day, Bad) else day
        return Bad("bad_date")
    return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), "bad_date")


def _month(raw: Any, col: Column, date1904: bool = False) -> str | Bad:
    if isinstance(raw, str):
        s = normalize(raw)
        m = _MONTH_RE.fullmatch(s) or _MONTH_COMPACT.fullmatch(s)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            if not 1 <= mo <= 12:
                return Bad("bad_month")
            day = _make_date(y, mo, 1, "bad_month")
            return day if isinstance(day, Bad) else f"{y:04d}-{mo:02d}"
        day = _date(s, col, date1904)  # a full date means its month
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and raw == int(raw) and 100_000 <= raw <= 999_999:
        n = int(raw)  # 202610 typed as a number
        if not 1 <= n % 100 <= 12:
            return Bad("bad_month")
        day = _make_date(n // 100, n % 100, 1, "bad_month")
    elif isinstance(raw, float) and 1900 <= raw < 2101 and raw != int(raw):
        return Bad("bad_month")  # 2026.10 typed into a number cell: Excel kept 2026.1, ambiguous
    else:
        day = _date(raw, col, date1904)
    if isinstance(day, Bad):
        return Bad("bad_month") if day.code == "bad_date" else day
    return f"{day.year:04d}-{day.month:02d}"


def _enum(raw: Any, col: Column) -> str | Bad:
    text = raw if isinstance(raw, str) else shown(raw)
    found = vocabulary_lookup(col.vocabulary or "").get(vocab_key(text))
    if found is None:
        return Bad("bad_enum", {"choices": "、".join(schema.VOCABULARIES[col.vocabulary or ""].values)})
    return found


def _bool(raw: Any, col: Column) -> bool | Bad:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        found = _BOOL.get(vocab_key(raw))
        if found is not None:
            return found
    return Bad("bad_bool")


_BY_TYPE: dict[str, Callable[..., Parsed]] = {
    "code": _code,
    "text": _text,
    "int": _number,
    "number": _number,
    "month": _month,
    "date": _date,
    "enum": _enum,
    "bool": _bool,
}


def parser_for(col: Column, *, date1904: bool = False) -> Callable[[Any], Parsed]:
    """The parser of one schema column: raw cell → ``None`` | typed value | :class:`Bad`."""
    fn = _BY_TYPE[col.type]
    needs_epoch = col.type in ("date", "month")

    def parse(raw: Any) -> Parsed:
        if _is_not_given(raw):
            return None
        if needs_epoch:
            return fn(raw, col, date1904)
        return fn(raw, col)

    parse.__doc__ = f"Parse a cell of column {col.key!r} ({col.type})."
    return parse


def all_plain(distinct: set[Any], col: Column) -> bool:
    """Whether every value is text a ``code``/``text`` parser returns unchanged: printable ASCII, not
    a "not given" spelling, no space (code) or no surrounding space (text). Checked on the values
    joined into one string, so a column of 100k distinct ids costs two joins, not 100k calls."""
    if None in distinct or not distinct.isdisjoint(_NOT_GIVEN):
        return False
    try:
        joined = "\n".join(distinct)
    except TypeError:  # not all text
        return False
    if not joined.isascii() or joined.count("\n") != len(distinct) - 1:
        return False
    if not joined.replace("\n", "").isprintable():
        return False
    if col.type == "code":
        return " " not in joined
    return " \n" not in joined and "\n " not in joined and joined[:1] != " " and joined[-1:] != " "


def parse_column(raw: Sequence[Any], col: Column, *, date1904: bool = False,
                 distinct: set[Any] | None = None) -> tuple[list[Any], dict[int, Bad]]:
    """Parse a whole column, each distinct raw value once.

    ``distinct`` — the set of the column's values when the caller has it already (a superset is fine).
    Returns the typed values (``None`` where not given or bad) and ``{position: Bad}`` for the
    rejected cells.
    """
    parse = parser_for(col, date1904=date1904)
    distinct = set(raw) if distinct is None else distinct
    if col.type in ("code", "text") and len(distinct) > 64 and all_plain(distinct, col):
        return list(raw), {}  # every value is kept as written (columns of distinct ids)
    # True == 1 == 1.0 share one hash: when both kinds occur, fall back to keys that keep the type.
    collide = col.type != "bool" and (True in distinct or False in distinct)
    if collide:
        types = set(map(type, raw))
        collide = bool in types and bool(types & {int, float})
    if collide:
        keyed = [(type(v), v) for v in raw]
        results = {k: parse(k[1]) for k in set(keyed)}
        values = [results[k] for k in keyed]
    else:
        results = {}
        if col.type == "code":
            # Fast path for the common case (all-distinct ids): plain ASCII, no spaces, not "not given".
            results = {v: v for v in distinct
                       if type(v) is str and v.isascii() and v.isprintable() and " " not in v and v not in _NOT_GIVEN}
            distinct = distinct - results.keys() if results else distinct
        results.update({v: parse(v) for v in distinct})
        values = list(map(results.__getitem__, raw))
    bad: dict[int, Bad] = {}
    if Bad in set(map(type, results.values())):
        for i, v in enumerate(values):
            if type(v) is Bad:
                bad[i] = v
                values[i] = None
    return values, bad
