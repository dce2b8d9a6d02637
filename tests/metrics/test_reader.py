"""read_upload / read_files: one pass, every problem, typed frames per the dataset contract."""

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import pandas as pd
import pytest
from builders import (
    OFFICE,
    UPLOAD_DATE,
    Sheet,
    both_book,
    found,
    ledger_book,
    ledger_row,
    monthly_book,
    monthly_row,
    table,
    xlsx,
)

from metrics.dataset import empty_frame, merge
from metrics.reader import party_hash, read_files, read_upload
from metrics.schema import LEDGER, MONTHLY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SECRET = b"test-secret"


def read(data, name="report.xlsx", **kw):
    kw.setdefault("upload_date", UPLOAD_DATE)
    return read_upload(data, name, **kw)


def test_five_different_errors_give_five_problems_in_one_pass():
    up = read(both_book(
        monthly=[monthly_row(households="abc", month="2026-13"), monthly_row(office_code="3702020002", officers=2.5)],
        ledger=[ledger_row(source="不知道"), ledger_row(dispute_id="JF-2", received_date="昨天")],
    ))
    assert sorted(p.code for p in up.problems) == ["bad_date", "bad_enum", "bad_month", "not_a_number", "not_an_integer"]
    assert {(p.sheet, p.row, p.column) for p in up.problems} == {
        ("警务室月报", 2, "辖区户数"), ("警务室月报", 2, "统计月份"), ("警务室月报", 3, "社区民警数"),
        ("矛盾纠纷台账", 2, "来源"), ("矛盾纠纷台账", 3, "受理日期")}
    assert not up.ok and len(up.monthly) == 0 and len(up.ledger) == 0


def test_problem_shows_the_header_and_the_value_as_written():
    up = read(monthly_book(monthly_row(month="十月份"), headers={"month": "统计\n月份"}))
    (p,) = up.problems
    assert (p.column, p.value, p.code, p.severity) == ("统计\n月份", "十月份", "bad_month", "error")
    assert "十月份" in p.message


def test_only_rows_without_errors_are_kept():
    up = read(monthly_book(monthly_row(), monthly_row(office_code="3702020002", population=-5),
                           monthly_row(office_code="3702020003")))
    assert found(up) == [("警务室月报", 3, "辖区人口", "out_of_range", "error")]
    assert "> 0" in up.problems[0].message
    assert list(up.monthly["office_code"]) == ["3702020001", "3702020003"]


def test_frames_follow_the_column_type_contract():
    up = read(both_book())
    for frame, kind in ((up.monthly, MONTHLY), (up.ledger, LEDGER)):
        assert list(frame.columns) == list(empty_frame(kind).columns)
        assert dict(frame.dtypes) == dict(empty_frame(kind).dtypes)
    assert up.monthly.loc[0, "month"] == "2026-10"
    assert up.ledger.loc[0, "received_date"] == pd.Timestamp("2026-10-03")
    assert up.ledger.loc[0, "escalated"] is False or up.ledger.loc[0, "escalated"] == False  # noqa: E712
    assert up.ledger.loc[0, "note"] is None
    assert up.ledger.loc[0, "_sheet"] == "矛盾纠纷台账" and up.ledger.loc[0, "_row"] == 2


def test_eighteen_digit_code_stored_as_number_is_code_too_long():
    up = read(monthly_book(monthly_row(office_code=123456789012345678)))
    assert found(up) == [("警务室月报", 2, "警务室编码", "code_too_long", "error")]


def test_party_key_is_replaced_by_its_keyed_hash_never_kept_as_written():
    up = read(both_book(ledger=[ledger_row(party_key=" 3702021990０1011234x ")]), party_key_secret=SECRET)
    expected = hmac.new(SECRET, b"370202199001011234X", hashlib.sha256).hexdigest()
    assert up.ledger.loc[0, "party_key"] == expected == party_hash("370202199001011234X", SECRET)
    assert "1990" not in "".join(map(str, up.ledger.iloc[0].tolist()))


def test_party_key_without_a_secret_uses_a_random_process_key():
    up = read(both_book())
    assert up.ledger.loc[0, "party_key"] != hmac.new(b"", "张三".encode(), hashlib.sha256).hexdigest()
    assert len(up.ledger.loc[0, "party_key"]) == 64


def test_checking_only_finds_the_same_problems_without_hashing_or_keeping_party_identities():
    data = both_book(
        monthly=[monthly_row(households="abc"), monthly_row(office_code="3702020002", officers=2.5)],
        ledger=[ledger_row(party_key="370202199001011234"), ledger_row(dispute_id="JF-2", party_key="李四", source="不知道"),
                ledger_row(dispute_id="JF-3", party_key=" ", status="化解中", resolved_date="2026-10-09"),
                ledger_row(dispute_id="JF-2", party_key="王五")],
    )
    full = read(data, party_key_secret=SECRET)
    checked = read(data, party_key_secret=SECRET, keep_parties=False)
    assert len(full.problems) >= 4
    assert [p.to_dict() for p in checked.problems] == [p.to_dict() for p in full.problems]
    assert full.ledger["party_key"].notna().any()
    assert checked.ledger["party_key"].isna().all() and checked.ledger["party_key"].dtype == object
    pd.testing.assert_frame_equal(checked.ledger.drop(columns="party_key"), full.ledger.drop(columns="party_key"))
    assert "1990" not in checked.ledger.to_string()


def test_note_is_kept_as_text_never_interpreted():
    note = "=cmd|'/c calc'!A1 <script>alert(1)</script>"
    up = read(both_book(ledger=[ledger_row(note=note)]))
    assert up.problems == []
    assert up.ledger.loc[0, "note"] == note


def test_control_characters_are_stripped_on_ingest():
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("矛盾纠纷台账")
    for r, row in enumerate(table(LEDGER, [ledger_row(note="噪音\x07纠纷\x1b", category="邻\x1b里")])):
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, str(v))
    wb.close()
    up = read(buf.getvalue(), known_offices={OFFICE})
    assert up.problems == []
    assert (up.ledger.loc[0, "note"], up.ledger.loc[0, "category"]) == ("噪音纠纷", "邻里")


def test_traditional_vocabulary_values_are_read_as_canonical():
    row = ledger_row(source="網格員", category="鄰里", risk="高風險", complexity="重大疑難", level="村（社區）",
                     status="調解中", resolved_date=None, follow_up_date=None, escalated="√")
    up = read(both_book(ledger=[row]))
    assert up.problems == []
    got = up.ledger.iloc[0]
    assert (got["source"], got["category"], got["risk"], got["complexity"], got["level"], got["status"]) == (
        "网格员上报", "邻里", "红", "疑难", "社区", "化解中")
    assert bool(got["escalated"]) is True


def test_read_files_counts_offices_of_earlier_files_as_known(tmp_path):
    first = tmp_path / "9月月报.xlsx"
    second = tmp_path / "10月台账.xlsx"
    first.write_bytes(monthly_book(monthly_row(month="2026-09", visited_ytd=400)))
    second.write_bytes(ledger_book(ledger_row()))
    uploads = read_files([first, second], upload_date=UPLOAD_DATE)
    assert [u.problems for u in uploads] == [[], []]
    data = merge(uploads)
    assert set(data.ledger["office_code"]) == {OFFICE}
    assert list(data.ledger["_file"]) == ["10月台账.xlsx"]
    assert read_files([second], upload_date=UPLOAD_DATE)[0].problems[0].code == "unknown_office"


def test_read_files_checks_year_to_date_against_earlier_files(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(monthly_book(monthly_row(month="2026-09", visited_ytd=600)))
    (tmp_path / "b.xlsx").write_bytes(monthly_book(monthly_row(month="2026-10", visited_ytd=500)))
    uploads = read_files([tmp_path / "a.xlsx", tmp_path / "b.xlsx"], upload_date=UPLOAD_DATE)
    assert [p.code for p in uploads[1].problems] == ["visited_ytd_decreased"]


def test_gbk_csv_is_recognised_by_its_header():
    rows = table(MONTHLY, [monthly_row()])
    text = "\r\n".join(",".join("" if v is None else str(v) for v in r) for r in rows)
    up = read(text.encode("gbk"), name="月报导出.csv")
    assert up.problems == []
    assert up.monthly.loc[0, "office_code"] == OFFICE and up.monthly.loc[0, "households"] == 1000.0


def test_unreadable_file_gives_file_problems_and_no_rows():
    up = read(b"this is not a workbook", name="x.xlsx")
    assert up.problems and up.problems[0].row is None and not up.ok
    assert len(up.monthly) == 0 and up.source.size == len(b"this is not a workbook")


def test_the_blank_template_reads_without_errors():
    from metrics.template import build_template

    up = read(build_template(), name="模板.xlsx")
    assert up.ok
    assert len(up.monthly) == 0 and len(up.ledger) == 0


def test_workbook_date_cells_and_text_dates_read_the_same():
    up = read(both_book(ledger=[ledger_row(received_date=dt.date(2026, 10, 3), resolved_date="2026年10月5日",
                                           follow_up_date=20261010)]))
    assert up.problems == []
    got = up.ledger.iloc[0]
    assert [got[k].date() for k in ("received_date", "resolved_date", "follow_up_date")] == [
        dt.date(2026, 10, 3), dt.date(2026, 10, 5), dt.date(2026, 10, 10)]


@pytest.mark.parametrize("fixture", ["lo_saved.xlsx", "lo_saved.xls", "lo_saved.ods"])
def test_libreoffice_saved_files_are_read_alike(fixture):
    path = FIXTURES / fixture
    assert path.is_file(), f"fixture {path} is missing: regenerate it with tests/fixtures/make_fixtures.py"
    up = read(path.read_bytes(), name=fixture)
    # The fixture is a partial ledger: header on row 2 under a merged title, one extra column, and a
    # hidden 填报说明 sheet that must be ignored.
    assert {p.sheet for p in up.problems} == {"矛盾纠纷台账"}
    assert ("矛盾纠纷台账", 2, "数量", "unknown_column", "warning") in found(up)
    missing = {p.column for p in up.problems if p.code == "missing_column"}
    assert missing == {"警务室编码", "来源", "纠纷类型", "风险等级", "复杂程度", "办理状态"}
    assert len(up.ledger) == 0


def test_sheet_with_header_but_no_rows_warns():
    up = read(xlsx(Sheet("警务室月报", table(MONTHLY, []))))
    assert found(up) == [("警务室月报", None, "", "no_data_rows", "warning")]
