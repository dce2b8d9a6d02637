"""Periods of whole months (metrics.md, "Units and periods") and the ``as_of`` date rule.

Accepted spellings:

* ``2026-10`` — one month;
* ``2026Q3`` — a quarter (``2026q3`` too);
* ``2026`` — a calendar year;
* ``2025-11..2026-10`` — any range of whole months, both ends included.

A bad period raises :class:`ValueError` with a Chinese message; the command line turns it into a
usage error (exit status 2).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER_RE = re.compile(r"^(\d{4})[Qq](\d+)$")
_YEAR_RE = re.compile(r"^(\d{4})$")

EXAMPLES = "2026-10（月）、2026Q3（季度）、2026（年）或 2025-11..2026-10（区间）"
MIN_YEAR, MAX_YEAR = 1990, 2100


def month_index(month: str) -> int:
    """``"YYYY-MM"`` → months since year 0 (for arithmetic)."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_from_index(index: int) -> str:
    """Inverse of :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def shift_month(month: str, months: int) -> str:
    """``"2026-01"`` shifted by ``-12`` → ``"2025-01"``."""
    return month_from_index(month_index(month) + months)


def month_first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def month_last_day(month: str) -> date:
    y, m = int(month[:4]), int(month[5:7])
    return date(y, m, calendar.monthrange(y, m)[1])


def month_of(day: date) -> str:
    """The ``"YYYY-MM"`` month containing ``day``."""
    return f"{day.year:04d}-{day.month:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included."""
    return [month_from_index(i) for i in range(month_index(first), month_index(last) + 1)]


@dataclass(frozen=True)
class Period:
    """A set of whole consecutive months, from ``first`` to ``last`` (``"YYYY-MM"``), both included.

    ``kind`` is ``month``, ``quarter``, ``year`` or ``range``; ``label`` is the canonical spelling
    (``2026-10``, ``2026Q3``, ``2026``, ``2025-11..2026-10``).
    """

    kind: str
    first: str
    last: str

    @property
    def label(self) -> str:
        if self.kind == "month":
            return self.first
        if self.kind == "quarter":
            return f"{self.first[:4]}Q{(int(self.first[5:7]) - 1) // 3 + 1}"
        if self.kind == "year":
            return self.first[:4]
        return f"{self.first}..{self.last}"

    @property
    def label_zh(self) -> str:
        """The label as a Chinese reader writes it: 2026年10月, 2026年第3季度, 2026年, 2025年11月至2026年10月."""
        def zh(m: str) -> str:
            return f"{m[:4]}年{int(m[5:7])}月"

        if self.kind == "month":
            return zh(self.first)
        if self.kind == "quarter":
            return f"{self.first[:4]}年第{(int(self.first[5:7]) - 1) // 3 + 1}季度"
        if self.kind == "year":
            return f"{self.first[:4]}年"
        return f"{zh(self.first)}至{zh(self.last)}"

    @property
    def months(self) -> list[str]:
        """The months of the period in order, ``["2026-07", "2026-08", "2026-09"]``."""
        return month_range(self.first, self.last)

    @property
    def first_day(self) -> date:
        return month_first_day(self.first)

    @property
    def last_day(self) -> date:
        return month_last_day(self.last)

    def prior_year(self) -> Period:
        """The same months twelve months earlier (like-for-like comparison)."""
        return Period(self.kind, shift_month(self.first, -12), shift_month(self.last, -12))

    def months_until(self, as_of: date) -> list[str]:
        """The months of the period up to and including the month of ``as_of``."""
        cut = month_of(as_of)
        return [m for m in self.months if m <= cut]

    def __str__(self) -> str:
        return self.label


def _bad(text: str, why: str) -> ValueError:
    return ValueError(f"统计期“{text}”无效：{why}。请填写如 {EXAMPLES}。")


def _check_year(text: str, year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _bad(text, f"年份 {year} 超出 {MIN_YEAR}—{MAX_YEAR} 的范围")


def _parse_month(text: str, part: str) -> str:
    m = _MONTH_RE.match(part)
    if not m:
        raise _bad(text, f"“{part}”不是 YYYY-MM 格式的月份")
    year, month = int(m.group(1)), int(m.group(2))
    _check_year(text, year)
    if not 1 <= month <= 12:
        raise _bad(text, f"月份 {month} 不在 1—12 之间")
    return f"{year:04d}-{month:02d}"


def parse_period(text: str | Period) -> Period:
    """Parse a period spelling (see the module docstring); a :class:`Period` is returned as is.

    Raises ``ValueError`` with a Chinese message for ``2026Q5``, ``2026-13``, a reversed range or
    anything else unrecognised.
    """
    if isinstance(text, Period):
        return text
    if not isinstance(text, str):
        raise _bad(str(text), "应为文本")
    raw = text
    text = text.strip().replace("—", "-").replace("－", "-").replace("～", "..").replace("~", "..")
    if not text:
        raise _bad(raw, "不能为空")
    if ".." in text:
        parts = text.split("..")
        if len(parts) != 2:
            raise _bad(raw, "区间应写作“起始月..结束月”")
        first, last = (_parse_month(raw, p.strip()) for p in parts)
        if first > last:
            raise _bad(raw, f"起始月 {first} 晚于结束月 {last}")
        return Period("range", first, last)
    if m := _QUARTER_RE.match(text):
        year, q = int(m.group(1)), int(m.group(2))
        _check_year(raw, year)
        if not 1 <= q <= 4:
            raise _bad(raw, f"季度应为 Q1—Q4，不是 Q{q}")
        first = f"{year:04d}-{3 * q - 2:02d}"
        return Period("quarter", first, shift_month(first, 2))
    if m := _YEAR_RE.match(text):
        year = int(m.group(1))
        _check_year(raw, year)
        return Period("year", f"{year:04d}-01", f"{year:04d}-12")
    if _MONTH_RE.match(text):
        month = _parse_month(raw, text)
        return Period("month", month, month)
    raise _bad(raw, "无法识别")


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` → date; ``ValueError`` with a Chinese message otherwise (for ``--as-of``)."""
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"日期“{text}”无效，请填写如 2026-09-30 的日期。") from None


def default_as_of(period: Period, reported_months: Iterable[str]) -> date:
    """The default ``as_of`` of metrics.md.

    The earlier of the period's last day and the last day of the latest month that has any monthly
    row in the data (a year in progress is read as of its latest reported month). With no monthly
    row at all, the period's last day.
    """
    latest = max((m for m in reported_months if isinstance(m, str)), default=None)
    if latest is None:
        return period.last_day
    return min(period.last_day, month_last_day(latest))
