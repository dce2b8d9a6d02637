"""`python -m metrics validate`: exit codes, JSON shape, the Chinese table, --help."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from builders import both_book, ledger_row, monthly_book, monthly_row

from metrics.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(both_book(ledger=[ledger_row(received_date="2020-10-03", resolved_date="2020-10-05",
                                                  follow_up_date="2020-10-10")]))
    warn = tmp_path / "warn.xlsx"
    warn.write_bytes(monthly_book(monthly_row(visited_month=1200, visited_ytd=900)))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(monthly_book(monthly_row(households="很多")))
    return good, warn, bad


def test_clean_file_exits_0_and_says_so(files, capsys):
    assert main(["validate", str(files[0])]) == 0
    out = capsys.readouterr()
    assert "未发现问题" in out.out
    assert "good.xlsx" in out.err  # progress goes to stderr


def test_warnings_only_exit_0_and_are_listed_in_a_chinese_table(files, capsys):
    assert main(["validate", str(files[1])]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header == ["文件", "工作表", "行", "列", "值", "级别", "说明"]
    assert "警告" in out and "本月走访户数" in out and "警告 1 个" in out


def test_errors_exit_1(files, capsys):
    assert main(["validate", str(files[0]), str(files[2])]) == 1
    out = capsys.readouterr().out
    assert "错误" in out and "很多" in out and "错误 1 个" in out


def test_json_output_has_the_documented_shape_on_stdout_only(files, capsys):
    assert main(["validate", "--json", str(files[2])]) == 1
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert doc["ok"] is False
    (p,) = doc["problems"]
    assert set(p) == {"file", "sheet", "row", "column", "value", "code", "severity", "message"}
    assert (p["file"], p["sheet"], p["row"], p["column"], p["value"], p["code"], p["severity"]) == (
        "bad.xlsx", "警务室月报", 2, "辖区户数", "很多", "not_a_number", "error")
    assert "很多" in out.out  # ensure_ascii=False: Chinese as is
    assert "{" not in out.err


def test_json_ok_true_with_warnings(files, capsys):
    assert main(["validate", "--json", str(files[1])]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_missing_file_is_a_usage_error_exit_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.xlsx")]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_no_file_is_a_usage_error_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate"])
    assert exc.value.code == 2
    assert "用法错误" in capsys.readouterr().err


def test_help_is_in_chinese(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "用法：" in out and "校验" in out and "退出码" in out and "--json" in out
    assert "usage:" not in out and "show this help" not in out


def test_module_entry_point_runs_from_the_repository_root(files):
    proc = subprocess.run([sys.executable, "-m", "metrics", "validate", "--json", str(files[2])],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["problems"][0]["code"] == "not_a_number"
