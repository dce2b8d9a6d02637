"""`python -m metrics rank`: real workbooks through the reader, indicators, scoring and exports."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from builders import both_book, ledger_row, monthly_book, monthly_row

from metrics.cli import main as cli_main

OTHER = "3702020002"


def _files(tmp_path: Path) -> list[Path]:
    history = monthly_book(
        monthly_row(month="2025-10", dispute_alerts=12, criminal_cases=3),
        monthly_row(office_code=OTHER, office_name="湛山警务室", month="2025-10", dispute_alerts=12, criminal_cases=3),
    )
    current = both_book(
        monthly=[monthly_row(), monthly_row(office_code=OTHER, office_name="湛山警务室", civil_to_criminal=1)],
        ledger=[ledger_row(), ledger_row(dispute_id="JF2026-002", office_code=OTHER)],
    )
    paths = [tmp_path / "历史.xlsx", tmp_path / "十月.xlsx"]
    paths[0].write_bytes(history)
    paths[1].write_bytes(current)
    return paths


def test_rank_json_and_workbook_from_real_files(tmp_path, capsys):
    paths = _files(tmp_path)
    out = tmp_path / "排名.xlsx"
    code = cli_main(["rank", *map(str, paths), "--period", "2026-10", "--json", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["period"] == "2026-10" and doc["rubric_version"] == "default-1"
    offices = {o["code"]: o for o in doc["offices"]}
    assert set(offices) == {"3702020001", OTHER}
    # Same indicators as the first office (★★★★ by score) but one 民转刑 case: capped at ★★.
    assert offices["3702020001"]["stars"] == 4 and offices["3702020001"]["rank"] == 1
    assert offices[OTHER]["capped_by"] == "civil_to_criminal" and offices[OTHER]["stars"] == 2
    assert offices["3702020001"]["items"]["avg_daily_hours"]["value"] == pytest.approx(200 / 40)
    wb = openpyxl.load_workbook(out)
    lineage = [[c.value for c in row] for row in wb["数据来源"].iter_rows(min_row=2)]
    assert [(r[0], r[1], r[2]) for r in lineage] == [
        (i + 1, p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for i, p in enumerate(paths)
    ]


def test_rank_prints_a_chinese_table_without_json(tmp_path, capsys):
    paths = _files(tmp_path)
    assert cli_main(["rank", *map(str, paths), "--period", "2026-10"]) == 0
    text = capsys.readouterr().out
    assert "评分规则 default-1" in text and "湛山警务室" in text and "★" in text


def test_rank_csv_out(tmp_path, capsys):
    paths = _files(tmp_path)
    out = tmp_path / "排名.csv"
    assert cli_main(["rank", *map(str, paths), "--period", "2026-10", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_bad_period_is_a_usage_error(tmp_path, capsys):
    paths = _files(tmp_path)
    assert cli_main(["rank", *map(str, paths), "--period", "2026Q5"]) == 2
    assert "Q5" in capsys.readouterr().err


def test_broken_rubric_is_a_usage_error_naming_the_entry(tmp_path, capsys):
    paths = _files(tmp_path)
    bad = tmp_path / "bad.toml"
    text = (Path(__file__).resolve().parents[3] / "config" / "rubric.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace("weight = 10\nfloor = 0.70", "weight = -10\nfloor = 0.70"), encoding="utf-8")
    assert cli_main(["rank", *map(str, paths), "--period", "2026-10", "--rubric", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "按期化解率" in captured.err and "权重必须为正数" in captured.err
    assert captured.out == ""


def test_bad_output_name_is_a_usage_error(tmp_path, capsys):
    paths = _files(tmp_path)
    assert cli_main(["rank", *map(str, paths), "--period", "2026-10", "--out", str(tmp_path / "x.pdf")]) == 2


def test_files_with_errors_give_exit_1_and_no_numbers(tmp_path, capsys):
    bad = tmp_path / "重复.xlsx"
    bad.write_bytes(both_book(ledger=[ledger_row(), ledger_row()]))  # the same dispute number twice
    assert cli_main(["rank", str(bad), "--period", "2026-10", "--json"]) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["ok"] is False and doc["problems"] and "offices" not in doc
    assert "未计算排名" in captured.err
