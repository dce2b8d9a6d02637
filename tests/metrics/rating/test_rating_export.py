"""The ranking workbook, CSV and JSON: sheets, values, formats — and no user text ever becomes a formula."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from rating_frames import default, frame, office, variant

from metrics.dataset import SourceFile
from metrics.ranking import rank
from metrics.ranking_export import (
    SHEET_LINEAGE,
    SHEET_METHOD,
    SHEET_RANKING,
    SHEET_RUBRIC,
    ranking_csv_bytes,
    ranking_json,
    write_ranking_xlsx,
)
from metrics.robustness import robustness
from metrics.safe_export import EXCEL_CELL_LIMIT, csv_cell, safe_text
from metrics.scoring import score

NASTY = [
    '=HYPERLINK("http://evil.example","点我")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def _units():
    rows = [office(f"37020200{i:02d}", name=name, resolution_rate=0.97 - 0.01 * i) for i, name in enumerate(NASTY)]
    rows.append(office("3702029998", name="控\x00制\x07字\x1b符", station="=1+1", branch="@分局"))
    rows.append(office("3702029999", name="长" * 40_000, resolution_rate=None, follow_up_rate=None))
    rows.append(office("3702029997", name="封顶所", civil_to_criminal=1, dispute_alerts_yoy=-0.25))
    return frame(*rows)


def _ranked(rubric=None):
    return rank(score(_units(), rubric or default()))


def _xlsx(ranked=None, rubric=None, **kw) -> bytes:
    buf = io.BytesIO()
    rubric = rubric or default()
    write_ranking_xlsx(buf, ranked if ranked is not None else _ranked(rubric), rubric, period="2026",
                       sources=kw.pop("sources", [SourceFile("=evil().xlsx", "a" * 64, 1234)]), **kw)  # fmt: skip
    return buf.getvalue()


def _sheet_xml(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


def test_no_formula_element_anywhere_in_the_workbook_even_with_hostile_text():
    rubric = variant(items=[{**it, "label": "=1+2" if i == 0 else it["label"]}
                            for i, it in enumerate(default().to_dict()["items"])])  # fmt: skip
    data = _xlsx(rubric=rubric)
    xml = _sheet_xml(data)
    assert len(xml) == 4
    for name, text in xml.items():
        assert not re.search(r"<f[\s>]", text), name
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "xl/calcChain.xml" not in z.namelist()


def test_hostile_names_are_kept_as_plain_text_cells():
    wb = openpyxl.load_workbook(io.BytesIO(_xlsx()))
    ws = wb[SHEET_RANKING]
    headers = [c.value for c in ws[1]]
    name_col = headers.index("警务室") + 1
    cells = {ws.cell(row=r, column=name_col).value: ws.cell(row=r, column=name_col) for r in range(2, ws.max_row + 1)}
    for text in NASTY:
        # xlsxwriter stores CR as the OOXML escape _x000D_ (Excel shows a CR; openpyxl leaves it escaped).
        found = cells.get(text) or cells.get(text.replace("\r", "_x000D_"))
        assert found is not None, text
        assert found.data_type == "s"
    assert "控制字符" in cells  # control characters stripped, text kept
    long = next(v for v in cells if v.startswith("长"))
    assert len(long) == EXCEL_CELL_LIMIT
    assert wb[SHEET_LINEAGE]["B2"].value == "=evil().xlsx" and wb[SHEET_LINEAGE]["B2"].data_type == "s"


def test_workbook_has_the_four_sheets_and_the_ranking_values():
    ranked = _ranked()
    wb = openpyxl.load_workbook(io.BytesIO(_xlsx(ranked)))
    assert wb.sheetnames == [SHEET_RANKING, SHEET_RUBRIC, SHEET_LINEAGE, SHEET_METHOD]
    ws = wb[SHEET_RANKING]
    headers = [c.value for c in ws[1]]
    for h in ("排名", "分局内排名", "派出所内排名", "警务室编码", "警务室", "派出所", "分局", "得分", "星级",
              "矛盾纠纷化解率得分（满分20）", "矛盾纠纷化解率", "民转刑"):  # fmt: skip
        assert h in headers, h
    col = {h: i + 1 for i, h in enumerate(headers)}
    assert ws.max_row == len(ranked) + 1
    for r, row in enumerate(ranked.to_dict("records"), start=2):
        assert ws.cell(r, col["警务室编码"]).value == row["code"]
        if row["rated"]:
            assert ws.cell(r, col["排名"]).value == row["rank"]
            assert ws.cell(r, col["得分"]).value == pytest.approx(row["score"], abs=1e-12)  # unrounded
            assert ws.cell(r, col["星级"]).value == "★" * row["stars"] + "☆" * (5 - row["stars"])
        else:
            assert ws.cell(r, col["排名"]).value is None
            assert ws.cell(r, col["星级"]).value == "待评"
            assert "低于 80 分" in ws.cell(r, col["说明"]).value
    capped = next(r for r, row in enumerate(ranked.to_dict("records"), start=2) if row["code"] == "3702029997")
    assert ws.cell(capped, col["星级"]).value == "★★☆☆☆"
    assert "民转刑一票否决" in ws.cell(capped, col["说明"]).value


def test_ranking_sheet_is_formatted_for_printing():
    wb = openpyxl.load_workbook(io.BytesIO(_xlsx()))
    ws = wb[SHEET_RANKING]
    headers = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(headers)}
    assert ws.freeze_panes == "F2"
    assert ws.auto_filter.ref.startswith("A1:")
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert ws.print_title_rows == "$1:$1"
    assert ws.cell(2, col["得分"]).number_format == "0.00"
    assert ws.cell(2, col["矛盾纠纷化解率"]).number_format == "0.0%"
    assert ws.cell(2, col["纠纷类警情同比"]).number_format == "+0.0%;-0.0%;0.0%"
    assert ws.cell(2, col["矛盾纠纷化解率得分（满分20）"]).number_format == "0.00"
    letter = openpyxl.utils.get_column_letter(col["警务室"])
    assert ws.column_dimensions[letter].width >= 18


def test_rubric_lineage_and_method_sheets():
    sources = [{"name": "一月.xlsx", "sha256": "1" * 64, "size": 10, "version": "v3"},
               SourceFile("二月.xlsx", "2" * 64, 20)]  # fmt: skip
    wb = openpyxl.load_workbook(io.BytesIO(_xlsx(sources=sources)))
    rs = wb[SHEET_RUBRIC]
    assert rs["B1"].value == "default-1"
    values = [c.value for row in rs.iter_rows() for c in row if c.value is not None]
    assert "矛盾纠纷化解率" in values and "民转刑一票否决" in values and "越低越好" in values
    ls = wb[SHEET_LINEAGE]
    assert [c.value for c in ls[1]] == ["顺序", "文件名", "SHA-256", "大小（字节）", "版本"]
    assert [c.value for c in ls[2]] == [1, "一月.xlsx", "1" * 64, 10, "v3"]
    assert [c.value for c in ls[3]] == [2, "二月.xlsx", "2" * 64, 20, None]
    text = "\n".join(c.value for c in wb[SHEET_METHOD]["A"] if c.value)
    assert "待评" in text and "default-1" in text and "1000" in text


def test_robustness_columns_are_added_when_given():
    units = _units()
    ranked = rank(score(units, default()))
    rob = robustness(units, default(), draws=100)
    wb = openpyxl.load_workbook(io.BytesIO(_xlsx(ranked, robust=rob)))
    headers = [c.value for c in wb[SHEET_RANKING][1]]
    assert {"排名中位数", "排名5%分位", "排名95%分位", "星级变化比例", "星级稳定性"} <= set(headers)


def test_csv_is_utf8_with_bom_and_neutralises_formula_text_but_not_numbers():
    data = ranking_csv_bytes(_ranked(), default())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = rows[0]
    col = {h: i for i, h in enumerate(header)}
    names = [r[col["警务室"]] for r in rows[1:]]
    for text in NASTY:
        assert "'" + text in names, text
    assert "控制字符" in names
    assert any(len(n) == EXCEL_CELL_LIMIT for n in names)
    stations = [r[col["派出所"]] for r in rows[1:]]
    assert "'=1+1" in stations
    assert "'@分局" in [r[col["分局"]] for r in rows[1:]]
    yoy = [r[col["纠纷类警情同比"]] for r in rows[1:]]
    assert "-0.25" in yoy and "-0.2" in yoy  # negative numbers stay numbers
    for r in rows[1:]:
        for cell in r:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell == ""
            if cell.startswith("-"):
                float(cell)  # a leading minus only on numbers


def test_safe_text_rules():
    assert safe_text("=1+1", csv=True) == "'=1+1"
    assert safe_text("=1+1") == "=1+1"
    assert safe_text("普通文字", csv=True) == "普通文字"
    assert csv_cell(-3.5) == "-3.5" and csv_cell(7) == "7" and csv_cell(float("nan")) == ""
    assert csv_cell("-3.5") == "'-3.5"
    assert safe_text("a\x00b\x0bc\x7fd\x85e") == "abcde"
    assert len(safe_text("😀" * 20_000)) == EXCEL_CELL_LIMIT // 2  # astral characters count twice in Excel


def test_json_follows_the_contract():
    ranked = _ranked()
    doc = ranking_json(ranked, default(), "2026")
    assert doc["period"] == "2026" and doc["rubric_version"] == "default-1"
    first = doc["offices"][0]
    assert list(first) == ["code", "name", "station", "branch", "score", "stars", "rated", "rank",
                           "rank_in_branch", "rank_in_station", "capped_by", "missing", "items"]  # fmt: skip
    assert first["score"] == ranked["score"].iloc[0]  # unrounded
    assert set(first["items"]) == {it.metric for it in default().items}
    unrated = next(o for o in doc["offices"] if not o["rated"])
    assert unrated["score"] is None and unrated["stars"] is None and unrated["rank"] is None
    assert unrated["missing"] == ["resolution_rate", "follow_up_rate"]
    assert unrated["items"]["resolution_rate"] == {"value": None, "points": None}
    capped = next(o for o in doc["offices"] if o["code"] == "3702029997")
    assert capped["capped_by"] == "civil_to_criminal" and capped["stars"] == 2
    import json

    json.dumps(doc, allow_nan=False)
