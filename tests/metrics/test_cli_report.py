"""`python -m metrics report` and `warnings`: JSON shape, successive uploads, tables and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from indicator_builders import write_workbook

from metrics.cli import main
from metrics.indicators import INDICATORS

ROOT = Path(__file__).resolve().parents[2]

MONTHLY = [
    dict(office_code="3702020001", office_name="湛山警务室", station="湛山派出所", branch="市南分局", month="2026-07",
         satisfaction_surveyed=100, satisfaction_satisfied=97),
    dict(office_code="3702020002", office_name="八大关警务室", station="八大关派出所", branch="市南分局", month="2026-07"),
    dict(office_code="3702030001", office_name="台东警务室", station="台东派出所", branch="市北分局", month="2026-07"),
    dict(office_code="3702020001", office_name="湛山警务室", station="湛山派出所", branch="市南分局", month="2025-07"),
]
LEDGER = [
    dict(dispute_id="D1", office_code="3702020001", received_date="2026-07-01", status="已化解",
         resolved_date="2026-07-03", follow_up_date="2026-07-05", level="社区", source="走访排查"),
    dict(dispute_id="D2", office_code="3702020002", received_date="2026-07-02", status="化解中", risk="红"),
]


@pytest.fixture
def book(tmp_path):
    return write_workbook(tmp_path / "月报.xlsx", MONTHLY, LEDGER)


def run_json(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.mark.parametrize("level, n_units", [("office", 3), ("station", 3), ("branch", 2), ("bureau", 1)])
def test_report_json_has_every_key_for_every_unit(capsys, book, level, n_units):
    code, data = run_json(capsys, "report", str(book), "--period", "2026-07", "--level", level, "--json")
    assert code == 0
    assert data["period"] == "2026-07" and data["months"] == ["2026-07"] and data["as_of"] == "2026-07-31"
    assert data["level"] == level
    assert len(data["units"]) == n_units
    for unit in data["units"]:
        assert set(unit) == {"code", "name", "level", "station", "branch", "metrics"}
        assert unit["level"] == level
        assert set(INDICATORS) <= set(unit["metrics"])
        for key, ind in INDICATORS.items():
            value = unit["metrics"][key]
            assert value is None or isinstance(value, (int, float)), key
            if ind.unit == "ratio" and value is not None and not key.endswith("_yoy"):
                assert 0.0 <= value <= 1.0, (key, value)


def test_report_json_values_and_station_codes(capsys, book):
    _, data = run_json(capsys, "report", str(book), "--period", "2026-07", "--json")
    units = {u["code"]: u for u in data["units"]}
    zs = units["3702020001"]
    assert (zs["name"], zs["station"], zs["branch"]) == ("湛山警务室", "湛山派出所", "市南分局")
    assert zs["metrics"]["disputes"] == 1 and zs["metrics"]["resolution_rate"] == 1.0
    assert zs["metrics"]["satisfaction"] == 0.97
    assert units["3702020002"]["metrics"]["alerts_yoy"] is None
    _, data = run_json(capsys, "report", str(book), "--period", "2026-07", "--level", "station", "--json")
    assert {u["code"] for u in data["units"]} == {"湛山派出所", "八大关派出所", "台东派出所"}
    _, data = run_json(capsys, "report", str(book), "--period", "2026-07", "--level", "bureau", "--json")
    bureau = data["units"][0]
    assert bureau["code"] == "全局" and bureau["metrics"]["disputes"] == 2
    assert bureau["metrics"]["resolution_rate"] == 0.5


def test_later_file_replaces_rows_with_the_same_key(capsys, tmp_path, book):
    later = write_workbook(tmp_path / "更正.xlsx",
                           [dict(MONTHLY[0], alerts=99), MONTHLY[1]],
                           [dict(LEDGER[1], status="已化解", resolved_date="2026-07-04", follow_up_date="2026-07-06")])
    _, data = run_json(capsys, "report", str(book), str(later), "--period", "2026-07", "--level", "bureau", "--json")
    m = data["units"][0]["metrics"]
    assert m["alerts"] == 99 + 10 + 10
    assert m["resolved"] == 2 and m["disputes"] == 2
    _, data = run_json(capsys, "report", str(later), str(book), "--period", "2026-07", "--level", "bureau", "--json")
    assert data["units"][0]["metrics"]["alerts"] == 30


def test_as_of_option_reads_the_ledger_at_that_date(capsys, book):
    _, data = run_json(capsys, "report", str(book), "--period", "2026-07", "--as-of", "2026-07-02", "--json")
    assert data["as_of"] == "2026-07-02"
    m = {u["code"]: u["metrics"] for u in data["units"]}["3702020001"]
    assert m["resolved"] == 0 and m["open"] == 1


def test_report_table_is_chinese_with_percent_and_dash(capsys, book):
    assert main(["report", str(book), "--period", "2026-07"]) == 0
    out = capsys.readouterr().out
    assert "矛盾纠纷化解率" in out and "100.0%" in out and "—" in out and "湛山警务室" in out
    assert "97.0%（" in out  # Wilson interval beside the survey rate


@pytest.mark.parametrize("argv, fragment", [
    (["--period", "2026Q5"], "Q5"),
    (["--period", "2026-13"], "13"),
    (["--period", "2026-10..2026-01"], "晚于"),
    ([], "--period"),
    (["--period", "2026", "--level", "county"], "层级"),
    (["--period", "2026", "--as-of", "2026-02-30"], "日期"),
])
def test_bad_usage_exits_2_with_a_chinese_message(capsys, book, argv, fragment):
    assert main(["report", str(book), *argv]) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err and "用法错误" in captured.err
    assert captured.out == ""


def test_missing_file_is_a_usage_error(capsys, tmp_path):
    assert main(["report", str(tmp_path / "没有.xlsx"), "--period", "2026"]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_file_with_errors_prints_problems_and_no_numbers(capsys, tmp_path):
    bad = write_workbook(tmp_path / "错误.xlsx", [dict(MONTHLY[0], alerts=-3)])
    assert main(["report", str(bad), "--period", "2026-07"]) == 1
    out = capsys.readouterr().out
    assert "错误" in out and "矛盾纠纷化解率" not in out
    code, data = run_json(capsys, "report", str(bad), "--period", "2026-07", "--json")
    assert code == 1 and data["ok"] is False and "units" not in data
    assert data["problems"] and all("message" in p for p in data["problems"])


def test_warnings_command_json_and_table(capsys, book):
    code, data = run_json(capsys, "warnings", str(book), "--as-of", "2026-07-31", "--json")
    assert code == 0 and data["as_of"] == "2026-07-31"
    rules = {(w["rule"], w["dispute_id"]) for w in data["warnings"]}
    assert ("red_open", "D2") in rules and ("overdue", "D2") in rules
    assert all(w["message"] and w["office_name"] for w in data["warnings"])
    assert main(["warnings", str(book), "--as-of", "2026-07-31"]) == 0
    out = capsys.readouterr().out
    assert "红色纠纷未化解" in out and "八大关警务室" in out
    assert main(["warnings", str(book), "--as-of", "nope"]) == 2


def test_cli_as_a_process_keeps_json_on_stdout_only(book):
    proc = subprocess.run([sys.executable, "-m", "metrics", "report", str(book), "--period", "2026-07", "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["period"] == "2026-07"
    assert "正在读取" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "metrics", "report", "--help"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and "统计期" in proc.stdout
