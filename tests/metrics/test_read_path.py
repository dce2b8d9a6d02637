"""The upload read path after its speed work (P3), and the validator gaps it closed, through real workbooks.

* Rows below the header area reach the validator as the parser gives them (``''``, control characters)
  and are cleaned column by column — with the same result as the cell-by-cell cleaning above them.
* Footer rows (``填报人：张三`` …) are skipped with a warning; a data row never is.
* ``民警在岗天数`` 0 with ``驻社区总时长`` > 0 is an error.
* An Excel serial date typed as text is a date when plausible, else ``bad_date`` with the text as typed.
* Party keys hashed in bulk equal :func:`metrics.reader.party_hash` one by one.
* The pre-flight finds formulas, error cells and wide columns that straddle its 1 MB read chunks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from builders import UPLOAD_DATE, Sheet, found, ledger_row, monthly_row, table, xlsx

from metrics import filesafety
from metrics.filesafety import Limits, preflight_zip
from metrics.rawbook import open_book
from metrics.reader import _party_hashes, _party_norm, party_hash, read_upload
from metrics.schema import LEDGER, MONTHLY

M, L = "警务室月报", "矛盾纠纷台账"
ROOT = Path(__file__).resolve().parents[2]


def read(data: bytes, name: str = "上报.xlsx", **kw):
    return read_upload(data, name, upload_date=UPLOAD_DATE, **kw)


def ledger_rows(n: int, **overrides) -> list[dict]:
    return [ledger_row(dispute_id=f"JF{i:04d}", party_key=f"P{i:04d}", **overrides) for i in range(n)]


# --- footer note rows -------------------------------------------------------------------------------

def test_footer_note_rows_below_a_monthly_table_are_skipped_with_one_warning_each():
    rows = table(MONTHLY, [monthly_row(), monthly_row(office_code="3702020002")])
    rows += [
        [None],
        ["填报人：张三", None, None, "审核人：李四"],
        ["填 报 日 期：2026-11-02"],
        ["联系电话", "13800000000"],
        ["制表人:王五", None, None, None, None, None, "审核人：赵六", None, "备注：按月报送"],
        ["备注"],
    ]
    up = read(xlsx(Sheet(M, rows)))
    assert found(up) == [(M, r, "", "note_row_skipped", "warning") for r in (5, 6, 7, 8, 9)]
    assert list(up.monthly["office_code"]) == ["3702020001", "3702020002"]
    assert up.problems[0].value == "填报人：张三"
    assert "第 5 行" in up.problems[0].message


def test_footer_note_rows_below_a_ledger_are_skipped_too_and_totals_still_reported_as_totals():
    rows = table(LEDGER, ledger_rows(2))
    rows += [["合计", None, None, None, None, None, None, None, None, None, None, None, None, "2 件"],
             ["填报单位：城关派出所", None, "填报日期：2026-11-02"]]
    up = read(xlsx(Sheet(L, rows)), known_offices={"3702020001"})
    assert found(up) == [(L, 4, "", "total_row_skipped", "warning"), (L, 5, "", "note_row_skipped", "warning")]
    assert len(up.ledger) == 2


def test_a_complete_data_row_whose_first_cell_looks_like_a_label_is_read_not_skipped():
    rows = table(LEDGER, [ledger_row(dispute_id="备注：JF001"), ledger_row(dispute_id="联系电话:5")])
    up = read(xlsx(Sheet(L, rows)), known_offices={"3702020001"})
    assert found(up) == []
    assert list(up.ledger["dispute_id"]) == ["备注:JF001", "联系电话:5"]  # codes are normalised (full-width colon)


def test_a_label_row_with_data_beyond_the_first_columns_is_not_a_note_and_gets_its_errors():
    row = {"office_code": "填报人：张三", "households": 1000}  # households is column I: real data
    up = read(xlsx(Sheet(M, table(MONTHLY, [monthly_row(), row]))))
    codes = {p.code for p in up.problems}
    assert "note_row_skipped" not in codes
    assert "required_missing" in codes
    assert all(p.row == 3 for p in up.problems)
    assert len(up.monthly) == 1


# --- hours with zero officer-days -------------------------------------------------------------------

def test_hours_with_zero_officer_days_is_an_error_on_the_hours_cell():
    up = read(xlsx(Sheet(M, table(MONTHLY, [monthly_row(officer_days=0, community_hours=200)]))))
    assert found(up) == [(M, 2, "驻社区总时长(小时)", "hours_without_officer_days", "error")]
    assert up.problems[0].value == "200"
    assert len(up.monthly) == 0


def test_zero_hours_with_zero_officer_days_is_accepted():
    up = read(xlsx(Sheet(M, table(MONTHLY, [monthly_row(officer_days=0, community_hours=0)]))))
    assert found(up) == []


# --- Excel serials typed as text --------------------------------------------------------------------

def test_a_date_serial_typed_as_text_is_read_as_that_date():
    row = ledger_row(received_date="46296", resolved_date=" 46298 ", follow_up_date="４６２９８")
    up = read(xlsx(Sheet(L, table(LEDGER, [row]))), known_offices={"3702020001"})
    assert found(up) == []
    got = up.ledger.iloc[0]
    assert (got["received_date"].date(), got["resolved_date"].date(), got["follow_up_date"].date()) == (
        dt.date(2026, 10, 1), dt.date(2026, 10, 3), dt.date(2026, 10, 3))


def test_a_month_serial_typed_as_text_means_its_month():
    up = read(xlsx(Sheet(M, table(MONTHLY, [monthly_row(month="46296")]))))
    assert found(up) == []
    assert list(up.monthly["month"]) == ["2026-10"]


@pytest.mark.parametrize("typed", ["12345", "99999", "46296.5.1"])
def test_an_implausible_serial_typed_as_text_is_a_bad_date_shown_as_typed(typed):
    up = read(xlsx(Sheet(L, table(LEDGER, [ledger_row(received_date=typed)]))), known_offices={"3702020001"})
    assert found(up, "bad_date") == [(L, 2, "受理日期", "bad_date", "error")]
    assert up.problems[0].value == typed


# --- raw rows below the header area -----------------------------------------------------------------

def _xlsxwriter_ledger(rows: list[list]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False})
    ws = wb.add_worksheet(L)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, v)
    wb.close()
    return buf.getvalue()


def test_rows_below_the_header_area_are_cleaned_like_those_in_it():
    """The same messy rows at rows 2–4 (cleaned cell by cell by open_book) and at rows 19–21 (cleaned by
    column in the reader) give the same data and the same problems."""
    def messy(i: int) -> list[dict]:
        return [
            ledger_row(dispute_id=f"JF{i}-1", note="第一行\r\n第二行\x01", party_key="张\x02三"),
            ledger_row(dispute_id=f"JF{i}-2", category="\x03", status="已化解\x7f"),
            {k: "\x04" for k in ("dispute_id", "office_code", "source")},  # control characters only: blank
        ]
    filler = ledger_rows(17)
    early = _xlsxwriter_ledger(table(LEDGER, messy(0) + filler))
    late = _xlsxwriter_ledger(table(LEDGER, filler + messy(0)))
    up_early, up_late = read(early, known_offices={"3702020001"}), read(late, known_offices={"3702020001"})
    assert found(up_early) == [(L, 3, "纠纷类型", "required_missing", "error")]
    assert found(up_late) == [(L, 20, "纠纷类型", "required_missing", "error")]
    a = up_early.ledger.set_index("dispute_id").drop(columns=["_row"])
    b = up_late.ledger.set_index("dispute_id").drop(columns=["_row"]).loc[a.index]
    assert a.equals(b)
    assert a.loc["JF0-1", "note"] == "第一行\n第二行"


def test_open_book_cleans_only_the_rows_asked_for_and_by_default_all():
    rows = [["纠纷编号", "备注"]] + [[f"JF{i}", ""] for i in range(4)] + [["JF9", "a\x01b"]]
    data = _xlsxwriter_ledger(rows)
    raw, _ = open_book(data, "a.xlsx", clean_rows=2)
    assert raw.sheets[0].rows[1] == ["JF0"]  # cleaned: trailing empty cell dropped
    assert raw.sheets[0].rows[2] == ["JF1", ""]  # as calamine gives it
    assert raw.sheets[0].rows[5] == ["JF9", "a\x01b"]
    full, _ = open_book(data, "a.xlsx")
    assert full.sheets[0].rows[2] == ["JF1"] and full.sheets[0].rows[5] == ["JF9", "ab"]


def test_a_csv_with_ragged_lines_below_the_header_area_reads_every_row():
    lines = [",".join(LEDGER.column(k).header for k in LEDGER.keys)]
    for i in range(15):
        r = ledger_row(dispute_id=f"JF{i:03d}")
        cells = [str(r[k] or "") for k in LEDGER.keys]
        while cells and cells[-1] == "":
            cells.pop()
        lines.append(",".join(cells))
    lines.insert(13, "")  # an empty line among them
    up = read("\n".join(lines).encode("utf-8"), "台账.csv", known_offices={"3702020001"})
    assert found(up) == []
    assert len(up.ledger) == 15


def test_a_large_ledger_of_unknown_offices_reports_every_row():
    """The error path at scale: every row's finding becomes a problem with its Excel row."""
    data = _xlsxwriter_ledger(table(LEDGER, ledger_rows(3000)))
    up = read(data)
    assert [p.row for p in up.problems] == list(range(2, 3002))
    assert {p.code for p in up.problems} == {"unknown_office"}
    assert len(up.ledger) == 0


# --- party keys -------------------------------------------------------------------------------------

@pytest.mark.parametrize("secret", [b"k" * 32, bytes(range(64)), bytes(range(100)), b""])
def test_party_hashes_are_the_standard_librarys_hmac_sha256_of_the_normalised_text(secret):
    """The stored party keys must stay the same bytes: the one implementation is checked against
    ``hmac.new(secret, normalised text, sha256)`` and against a hash fixed before the change."""
    def reference(text: str) -> str:
        return hmac.new(secret, _party_norm(text).encode("utf-8"), hashlib.sha256).hexdigest()

    texts = ["P001", " p 001 ", "张三", "ＡＢＣ", "a\tb", "x" * 300, "", "Z9"]
    got = _party_hashes([*texts, None], secret)
    assert got == {None: None, **{t: reference(t) for t in texts}}
    assert {t: party_hash(t, secret) for t in texts} == {t: reference(t) for t in texts}
    assert got["P001"] == got[" p 001 "]  # spaces and letter case do not matter
    plain = [f"P{i:05d}" for i in range(500)]
    assert _party_hashes(plain, secret) == {None: None, **{t: reference(t) for t in plain}}


def test_party_hash_bytes_are_those_stored_before():
    # Computed by the code that stored the existing databases' keys (spaces and letter case dropped).
    assert party_hash(" 3702 0219 9001 01123 4x ", b"k" * 32) == "65cf71f0a85e722e46eed5d91a7ed3b61ceabb9e5bbaa15e0a3af9e8afaf6bf4"


# --- the pre-flight's chunk seams -------------------------------------------------------------------

@pytest.mark.parametrize("needle, token, attr, expected", [
    (b'<c r="A1"><f>1+1</f></c>', b"<f>", "has_formula", True),
    (b'<c r="A1" t="e"><v>#N/A</v></c>', b't="e"', "has_error", True),
    (b'<c r="AB1"><v>1</v></c>', b' r="AB1', "max_col", 28),
])
def test_preflight_finds_what_straddles_two_read_chunks(needle, token, attr, expected):
    head = b'<?xml version="1.0"?><worksheet><sheetData><row r="1">'
    at = filesafety._CHUNK - 2  # the token starts 2 bytes before the first 1 MB chunk ends
    xml = head + b" " * (at - len(head) - needle.index(token)) + needle + b"</row></sheetData></worksheet>"
    assert xml.index(token) == at
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    scan = preflight_zip(buf.getvalue(), "xlsx", Limits(max_ratio=10_000))
    assert getattr(scan.members["xl/worksheets/sheet1.xml"], attr) == expected


# --- the test helpers import from anywhere ----------------------------------------------------------

def test_builders_import_in_importlib_mode_from_another_directory(tmp_path):
    env = {**os.environ, "PYTHONPATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider", "--import-mode=importlib",
         "--rootdir", str(ROOT), str(ROOT / "tests/metrics/test_rules.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "test_rules.py" in done.stdout
