"""The formula-cell scan of ``metrics.xlsxcells`` is linear in the sheet's size, however many formulas."""

from __future__ import annotations

import io
import zipfile

import xlsxwriter

from metrics import xlsxcells as xc
from metrics.rawbook import open_book


class CountingBytes(bytes):
    """Bytes that count how many bytes ``find``/``rfind`` were asked to search."""

    searched = 0

    def _span(self, start, end) -> int:
        start = 0 if start is None else start
        end = len(self) if end is None else end
        return max(0, min(end, len(self)) - max(start, 0))

    def find(self, sub, start=None, end=None):
        i = super().find(sub, start, end)
        CountingBytes.searched += self._span(start, end if i < 0 else i + len(sub))
        return i

    def rfind(self, sub, start=None, end=None):
        i = super().rfind(sub, start, end)
        CountingBytes.searched += self._span(start if i < 0 else i, end)
        return i


def _sheet_xml(rows: int, formula_every: int = 1) -> bytes:
    cells = []
    for r in range(1, rows + 1):
        f = f'<c r="A{r}" t="str"><f>"JF"&amp;ROW()</f><v>JF{r}</v></c>' if r % formula_every == 0 \
            else f'<c r="A{r}" t="s"><v>{r}</v></c>'
        cells.append(f'<row r="{r}">{f}<c r="B{r}"><v>{r}</v></c></row>')
    return ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<sheetData>" + "".join(cells) + "</sheetData></worksheet>").encode()


def test_bytes_searched_grow_linearly_with_the_number_of_formulas():
    for rows in (2_000, 8_000):
        xml = CountingBytes(_sheet_xml(rows))
        CountingBytes.searched = 0
        starts = xc._candidate_starts(xml)
        assert len(starts) == rows
        # every marker's needle passes over the sheet once, the back-searches add a few cells' worth
        assert CountingBytes.searched <= 12 * len(xml), (rows, CountingBytes.searched / len(xml))


def test_formulas_with_and_without_values_are_told_apart_in_one_pass():
    xml = (b'<worksheet><sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f>1/0</f></c>'
           b'<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1" t="str"><f>A1</f><v></v></c>'
           b'<c r="E1"><v>5</v></c></row></sheetData></worksheet>')
    assert xc.xlsx_cell_flags(xml) == {(0, 1): "formula_without_value", (0, 2): "error:#DIV/0!"}


def test_a_ledger_whose_ids_are_formulas_reads_the_saved_values():
    bio = io.BytesIO()
    wb = xlsxwriter.Workbook(bio, {"in_memory": True})
    ws = wb.add_worksheet("台账")
    for r in range(1, 3001):
        ws.write_formula(r - 1, 0, f'="JF"&TEXT({r},"0000")', None, f"JF{r:04d}")
    wb.close()
    data = bio.getvalue()
    assert b"<f>" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    book, problems = open_book(data, "台账.xlsx")
    assert problems == [] and book.sheets[0].flags == {}
    assert book.sheets[0].rows[-1] == ["JF3000"]
