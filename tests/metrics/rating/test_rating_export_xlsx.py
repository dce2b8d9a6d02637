"""The ranking workbook as written: every ranking value in its cell with the right type and format,
hostile text kept as text, the raw XML well formed and formula-free, read back by python-calamine (the
reader the app uses) and LibreOffice."""

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
from metrics.ranking_export import SHEET_RANKING, ranking_table, write_ranking_xlsx
from metrics.robustness import robustness
from metrics.safe_export import clean_text
from metrics.scoring import score

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
SOURCES = [SourceFile("=evil().xlsx", "a" * 64, 1234), {"name": "二月\r.xlsx", "sha256": "b" * 64, "size": 9}]


def _hostile_ranked_and_robust():
    units = _units()
    ranked = rank(score(units, default()))
    return ranked, robustness(units, default(), draws=50)


def _xlsx(ranked, robust=None) -> bytes:
    buf = io.BytesIO()
    write_ranking_xlsx(buf, ranked, default(), period="2026", sources=SOURCES, robust=robust)
    return buf.getvalue()


def _expected_ranking_cells(ranked, robust=None) -> list[tuple]:
    """What the ranking sheet must hold, from ``ranking_table``: the header, then each non-empty value —
    text as a string (a star string in red), numbers as numbers in their column's format."""
    formats = {"int": "0", "score": "0.00", "points": "0.00", "percent": "0.0%", "signed_percent": "+0.0%;-0.0%;0.0%",
               "share": "0.0%", "hours": "0.00", "number": "General", "text": "General"}
    cols, rows = ranking_table(ranked, default(), robust)
    out = [(f"{get_column_letter(c + 1)}1", col.header, "s") for c, col in enumerate(cols)]
    for r, values in enumerate(rows, start=2):
        for c, (v, col) in enumerate(zip(values, cols, strict=True)):
            ref = f"{get_column_letter(c + 1)}{r}"
            if col.kind == "text":
                text = clean_text(v)  # control characters dropped, as for every exported text (safe_export)
                if text:
                    out.append((ref, text, "s", formats["text"], col.header == "星级"))
            elif v is not None and math.isfinite(v):
                out.append((ref, float(f"{v:.16G}"), "n", formats[col.kind], False))  # xlsxwriter's notation
    return out


def _ranking_cells(data: bytes) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[SHEET_RANKING]
    out = []
    for row in ws.iter_rows():
        for c in row:
            if c.value is None:
                continue
            if c.row == 1:
                out.append((c.coordinate, c.value, c.data_type))
            else:
                red = bool(c.font.color and c.font.color.rgb and str(c.font.color.rgb).endswith("C00000"))
                out.append((c.coordinate, c.value, c.data_type, c.number_format, red))
    return out


def _same_text(got, want) -> bool:
    return got == want or got == want.replace("\r", "_x000D_") or (len(got) == 32767 and want.startswith(got))


def test_every_ranking_value_is_in_its_cell_with_its_type_and_format():
    ranked, robust = _hostile_ranked_and_robust()
    got, want = _ranking_cells(_xlsx(ranked, robust)), _expected_ranking_cells(ranked, robust)
    assert [g[0] for g in got] == [w[0] for w in want]
    for g, w in zip(got, want, strict=True):
        assert g[2:] == w[2:], (g, w)
        assert _same_text(g[1], w[1]) if w[2] == "s" else g[1] == w[1], (g[0], g[1], w[1])
    names = {v for (_, v, t, *_) in got if t == "s"}
    for text in NASTY:
        assert text in names or text.replace("\r", "_x000D_") in names, text
    assert len(got) > 30 * len(ranked)


def test_a_larger_generated_ranking_with_missing_values_is_written_cell_for_cell():
    rows = [
        office(f"37020{i:05d}", station=f"第{i % 7}派出所", branch=f"第{i % 3}分局",
               resolution_rate=None if i % 11 == 0 else 0.80 + (i % 19) / 100,
               follow_up_rate=None if i % 5 == 0 else 0.5 + (i % 13) / 30,
               avg_daily_hours=(i % 9) + 0.25, civil_to_criminal=1 if i % 17 == 0 else 0)
        for i in range(120)
    ]  # fmt: skip
    ranked = rank(score(frame(*rows), default()))
    assert (~ranked["rated"]).any() and ranked["rated"].any()
    assert _ranking_cells(_xlsx(ranked)) == _expected_ranking_cells(ranked)


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


def test_infinite_and_nan_numbers_leave_the_cell_empty():
    ranked = rank(score(frame(office("3702020001"), office("3702020002")), default()))
    ranked["avg_daily_hours"] = [math.inf, math.nan]
    ranked["dispute_alerts_yoy"] = [-math.inf, -0.5]
    ws = openpyxl.load_workbook(io.BytesIO(_xlsx(ranked)))[SHEET_RANKING]
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
