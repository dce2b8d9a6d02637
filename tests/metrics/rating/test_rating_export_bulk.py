"""The ranking sheet's one-pass body writer produces the same workbook as xlsxwriter's cell-by-cell API.

``write_ranking_xlsx`` serialises the ranking rows itself (``_RankingSheet``) because xlsxwriter's
per-cell API costs ~1 s for 3,000 offices. These tests write the same ranking both ways through the
real code and compare every cell of every sheet (value, type, number format, font colour), then check
the raw XML and read the file back with python-calamine (the reader the app uses) and LibreOffice.
"""

from __future__ import annotations

import io
import math
import subprocess
import zipfile

import openpyxl
import pytest
from defusedxml import ElementTree
from openpyxl.utils import get_column_letter
from rating_frames import default, frame, office
from test_rating_export import NASTY, _units

from metrics.dataset import SourceFile
from metrics.ranking import rank
from metrics.ranking_export import (
    _BULK_SUPPORTED,
    SHEET_RANKING,
    _write_workbook,
    ranking_table,
    write_ranking_xlsx,
)
from metrics.robustness import robustness
from metrics.scoring import score

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
SOURCES = [SourceFile("=evil().xlsx", "a" * 64, 1234), {"name": "二月\r.xlsx", "sha256": "b" * 64, "size": 9}]


def _hostile_ranked_and_robust():
    units = _units()
    ranked = rank(score(units, default()))
    return ranked, robustness(units, default(), draws=50)


def _both(ranked, robust=None) -> tuple[bytes, bytes]:
    out = []
    for bulk in (True, False):
        buf = io.BytesIO()
        _write_workbook(buf, ranked, default(), "2026", SOURCES, robust, bulk=bulk)
        out.append(buf.getvalue())
    return out[0], out[1]


def _cells(data: bytes) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheets = {}
    for ws in wb.worksheets:
        sheets[ws.title] = [
            (c.coordinate, c.value, c.data_type, c.number_format, c.font.color.rgb if c.font.color else None,
             c.font.b, c.alignment.wrap_text)  # fmt: skip
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ]
        sheets[ws.title + "/layout"] = [
            ws.dimensions, ws.freeze_panes, ws.auto_filter.ref, ws.print_title_rows,
            ws.page_setup.orientation, ws.page_setup.paperSize,
            [(k, d.width) for k, d in sorted(ws.column_dimensions.items())],
            ws.row_dimensions[1].height,
        ]  # fmt: skip
    return sheets


def test_bulk_writer_gives_the_same_cells_formats_and_layout_as_cell_by_cell_xlsxwriter():
    assert _BULK_SUPPORTED  # xlsxwriter 3.3.1 is pinned: the fast path must be the one in use
    ranked, robust = _hostile_ranked_and_robust()
    bulk, api = _both(ranked, robust)
    fast, ref = _cells(bulk), _cells(api)
    assert fast.keys() == ref.keys()
    for sheet in ref:
        assert fast[sheet] == ref[sheet], sheet
    # and the comparison is not vacuous: every office is there with its hostile name kept as text
    names = {v for (_, v, t, *_) in fast[SHEET_RANKING] if t == "s"}
    for text in NASTY:
        assert text in names or text.replace("\r", "_x000D_") in names, text
    assert len(fast[SHEET_RANKING]) > 30 * len(ranked)


def test_bulk_writer_matches_on_a_larger_generated_ranking_with_missing_values():
    rows = [
        office(f"37020{i:05d}", station=f"第{i % 7}派出所", branch=f"第{i % 3}分局",
               resolution_rate=None if i % 11 == 0 else 0.80 + (i % 19) / 100,
               follow_up_rate=None if i % 5 == 0 else 0.5 + (i % 13) / 30,
               avg_daily_hours=(i % 9) + 0.25, civil_to_criminal=1 if i % 17 == 0 else 0)
        for i in range(120)
    ]  # fmt: skip
    ranked = rank(score(frame(*rows), default()))
    assert (~ranked["rated"]).any() and ranked["rated"].any()
    bulk, api = _both(ranked)
    assert _cells(bulk) == _cells(api)


def test_ranking_sheet_xml_is_well_formed_numbered_and_formula_free():
    ranked, robust = _hostile_ranked_and_robust()
    buf = io.BytesIO()
    write_ranking_xlsx(buf, ranked, default(), period="2026", sources=SOURCES, robust=robust)
    with zipfile.ZipFile(buf) as z:
        root = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    cols, _ = ranking_table(ranked, default(), robust)
    last = f"{get_column_letter(len(cols))}{len(ranked) + 1}"
    assert root.find("m:dimension", NS).get("ref") == f"A1:{last}"
    rows = root.findall("m:sheetData/m:row", NS)
    assert [int(r.get("r")) for r in rows] == list(range(1, len(ranked) + 2))
    for r in rows:
        refs = [c.get("r") for c in r.findall("m:c", NS)]
        assert all(ref.endswith(r.get("r")) and ref[: -len(r.get("r"))].isalpha() for ref in refs)
        assert r.findall("m:c/m:f", NS) == []
        assert len(refs) == len(set(refs))


def test_infinite_and_nan_numbers_leave_the_cell_empty_in_both_writers():
    ranked = rank(score(frame(office("3702020001"), office("3702020002")), default()))
    ranked["avg_daily_hours"] = [math.inf, math.nan]
    ranked["dispute_alerts_yoy"] = [-math.inf, -0.5]
    bulk, api = _both(ranked)
    assert _cells(bulk) == _cells(api)
    ws = openpyxl.load_workbook(io.BytesIO(bulk))[SHEET_RANKING]
    headers = [c.value for c in ws[1]]
    hours = headers.index("驻社区日均时长") + 1
    yoy = headers.index("纠纷类警情同比") + 1
    assert ws.cell(2, hours).value is None and ws.cell(3, hours).value is None
    assert ws.cell(2, yoy).value is None and ws.cell(3, yoy).value == -0.5


def test_python_calamine_reads_back_every_ranking_value():
    from python_calamine import CalamineWorkbook

    ranked, robust = _hostile_ranked_and_robust()
    buf = io.BytesIO()
    write_ranking_xlsx(buf, ranked, default(), period="2026", sources=SOURCES, robust=robust)
    grid = CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue())).get_sheet_by_name(SHEET_RANKING).to_python()
    cols, rows = ranking_table(ranked, default(), robust)
    assert grid[0] == [c.header for c in cols]
    assert len(grid) == len(rows) + 1
    for got, want in zip(grid[1:], rows, strict=True):
        for g, w, col in zip(got, want, cols, strict=True):
            if col.kind == "text":
                expected = (w or "")[:32767]
                assert g == expected or g == expected.replace("\r", "_x000D_") or (
                    g.startswith("长") and len(g) == 32767
                ) or g == "控制字符", (col.header, g[:30], expected[:30])  # fmt: skip
            elif w is None:
                assert g == ""
            else:
                assert g == pytest.approx(w, rel=1e-15, abs=1e-300), col.header


@pytest.mark.slow
def test_libreoffice_opens_the_workbook_and_sees_the_same_ranking(tmp_path):
    ranked = rank(score(frame(*[office(f"37020200{i:02d}", resolution_rate=0.9 + i / 1000) for i in range(20)]),
                        default()))  # fmt: skip
    path = tmp_path / "排名.xlsx"
    write_ranking_xlsx(path, ranked, default(), period="2026", sources=SOURCES)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,1", "--outdir",
         str(tmp_path / "out"), str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    (csv_path,) = (tmp_path / "out").glob("*.csv")  # LibreOffice names it after the file and the sheet
    text = csv_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("排名,分局内排名,派出所内排名,警务室编码,警务室")
    assert len(lines) == len(ranked) + 1
    first = lines[1].split(",")
    assert first[0] == "1" and first[3] == ranked["code"].iloc[0]
    assert first[8] == "★★★★★"
    headers = lines[0].split(",")
    assert first[headers.index("矛盾纠纷化解率")].endswith("%")  # the percent format survives
