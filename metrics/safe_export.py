"""Text made safe for exports: no live formulas, no characters that break a workbook, no oversize cells.

Every export (ranking workbook, ranking CSV, annotated workbook, app downloads) passes user text
through here (hardening.md, "Writing exports"):

* :func:`clean_text` — any value as text, with the control characters XML 1.0 forbids removed (they make
  openpyxl raise and Excel refuse the file) and clamped to Excel's 32,767-character cell limit.
* :func:`safe_text` — ``clean_text``, and for CSV a ``'`` in front of text that a spreadsheet would read
  as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR).
* :func:`csv_cell` — one CSV cell: numbers stay numbers (never prefixed), text goes through ``safe_text``.
* :func:`xlsxwriter_options` — the workbook options that stop xlsxwriter from turning strings into
  formulas, hyperlinks or numbers. Write user text with ``write_string`` as well.
"""

from __future__ import annotations

import math
import re
from numbers import Number
from typing import Any

EXCEL_CELL_LIMIT = 32_767
"""Most characters (UTF-16 code units) Excel keeps in one cell."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make Excel/WPS/LibreOffice read a CSV field as a formula."""

# Characters XML 1.0 does not allow (C0 controls except tab, LF, CR), plus DEL and the C1 controls,
# lone surrogates and the two non-characters U+FFFE / U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _clamp(text: str, limit: int = EXCEL_CELL_LIMIT) -> str:
    """``text`` cut so that it holds at most ``limit`` UTF-16 code units (Excel counts those)."""
    if len(text) <= limit // 2:
        return text
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return text[:i]
    return text


def clean_text(value: Any) -> str:
    """``value`` as text without forbidden control characters, at most 32,767 UTF-16 units long.

    ``None`` and NaN become ``""``. Tab, LF and CR are kept (they are legal in a cell).
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    text = value if isinstance(value, str) else str(value)
    return _clamp(_CONTROL.sub("", text))


def safe_text(value: Any, *, csv: bool = False) -> str:
    """``clean_text(value)``; for CSV also prefix ``'`` when the text would be read as a formula.

    In xlsx a cell written as a string is never a formula, so no prefix is needed there (the text stays
    exactly as the user typed it); in CSV the spreadsheet decides, so the prefix is the only defence.
    """
    text = clean_text(value)
    if csv and text.startswith(FORMULA_TRIGGERS):
        text = _clamp("'" + text)
    return text


def is_number(value: Any) -> bool:
    """True for real numbers (int, float, numpy numbers), False for bool and everything else."""
    return isinstance(value, Number) and not isinstance(value, bool) and not isinstance(value, complex)


def csv_cell(value: Any) -> str:
    """One CSV field: a number written as a number (NaN/None → empty), anything else via ``safe_text``.

    Negative numbers are numbers and keep their minus sign; only text gets the ``'`` prefix.
    """
    if value is None:
        return ""
    if is_number(value):
        f = float(value)
        if math.isnan(f) or math.isinf(f):
            return ""
        if float(f).is_integer() and abs(f) < 1e15:
            return str(int(f))
        return repr(f)
    return safe_text(value, csv=True)


def xlsxwriter_options() -> dict[str, Any]:
    """Options for ``xlsxwriter.Workbook(..., options)`` so no string becomes a formula, URL or number."""
    return {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "nan_inf_to_errors": False,
    }
