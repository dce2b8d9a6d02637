"""``python -m services rubric …`` on both databases: list, show, export, import as a draft, publish with
a second evaluator, retire — exit 0 / 1 (refused, Chinese message naming the entry) / 2 (usage)."""

from __future__ import annotations

import json

import openpyxl
import pytest

from metrics.cli import main as metrics_main
from metrics.rubric import load_rubric, parse_rubric
from sample_data.generate import build_bureau, write_station_workbook
from services.__main__ import main
from store import audit
from tests.dbfixtures import create_users


def _open():
    from services.context import open_app
    from services.settings import from_env
    return open_app(from_env())


def _usage(argv):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2


def test_rubric_commands_end_to_end(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", db.engine.url.render_as_string(False))
    assert main(["init"]) == 0
    app = _open()
    create_users(app)
    from services import accounts
    accounts.create_user(app, 1, "eval2", "Silver-Pass-99", "evaluator")
    app.close()
    capsys.readouterr()

    assert main(["rubric", "list", "--json", "--as", "eval"]) == 0
    (default,) = json.loads(capsys.readouterr().out)
    assert default == default | {"number": 0, "status": "published", "effective_from": None,
                                 "name": "第 0 版（系统默认）", "digest": load_rubric().digest()}

    shipped = tmp_path / "default.toml"
    assert main(["rubric", "export", "0", "--out", str(shipped)]) == 0
    assert "第 0 版（系统默认）" in capsys.readouterr().out
    assert parse_rubric(shipped.read_text(encoding="utf-8")).digest() == load_rubric().digest()

    edited = shipped.read_text(encoding="utf-8").replace("weight = 20", "weight = 25", 1)
    edited = edited.replace("weight = 10", "weight = 5", 1)
    mine = tmp_path / "mine.toml"
    mine.write_text(edited, encoding="utf-8")
    assert main(["rubric", "import", str(mine), "--comment", "提高化解率权重", "--as", "eval"]) == 0
    assert capsys.readouterr().out.strip() == "1"

    broken = tmp_path / "broken.toml"
    broken.write_text(edited.replace("floor = 0.7\n", "floor = 70\n", 1), encoding="utf-8")
    assert main(["rubric", "import", str(broken), "--comment", "按百分数填写", "--as", "eval"]) == 1
    err = capsys.readouterr().err
    assert "按期化解率" in err and "超出比率的可能范围" in err and "Traceback" not in err
    assert main(["rubric", "import", str(mine), "--comment", "所长", "--as", "head"]) == 1
    assert main(["rubric", "import", str(tmp_path / "nope.toml"), "--comment", "x", "--as", "eval"]) == 2
    _usage(["rubric", "import", str(mine), "--as", "eval"])  # --comment is required
    capsys.readouterr()

    assert main(["rubric", "list", "--json", "--as", "lead"]) == 0
    assert [v["number"] for v in json.loads(capsys.readouterr().out)] == [0]  # drafts: evaluators only
    assert main(["rubric", "show", "1", "--as", "lead"]) == 1
    assert "草稿" in capsys.readouterr().err

    assert main(["rubric", "publish", "1", "--from", "2027Q5", "--as", "eval"]) == 2
    assert main(["rubric", "publish", "1", "--from", "2026-09", "--as", "eval"]) == 0
    assert "另一位考评员" in capsys.readouterr().out
    assert main(["rubric", "publish", "1", "--from", "2026-09", "--as", "eval"]) == 1
    assert "另一位考评员确认" in capsys.readouterr().err
    assert main(["rubric", "list", "--json", "--as", "eval"]) == 0
    pending = json.loads(capsys.readouterr().out)[0]
    assert (pending["status"], pending["effective_from"], pending["name"]) == ("pending", "2026-09", "第 1 版（待确认）")
    assert main(["rubric", "publish", "1", "--from", "2026-09", "--as", "eval2"]) == 0
    assert "已发布第 1 版（2026-09 起）" in capsys.readouterr().out
    assert main(["rubric", "list", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)[0]
    assert (first["number"], first["status"], first["effective_from"], first["comment"]) == (
        1, "published", "2026-09", "提高化解率权重")

    # the exported version works with the engine's own command line, under its one name
    monthly, ledger = build_bureau(branches=1, stations=1, offices=3, months=("2026-08", "2026-09"), seed=3)
    wb = tmp_path / "历史.xlsx"
    write_station_workbook(wb, monthly, ledger)
    assert main(["import", str(wb), "--as", "eval", "--accept-warnings"]) == 0
    exported = tmp_path / "v1.toml"
    assert main(["rubric", "export", "1", "--out", str(exported)]) == 0
    capsys.readouterr()
    assert metrics_main(["rank", str(wb), "--period", "2026-09", "--rubric", str(exported), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rubric_version"] == "第 1 版（2026-09 起）"
    assert parse_rubric(exported.read_text(encoding="utf-8")).digest() == first["digest"]  # same rules, same digest

    # export: the version in force for the period unless --rubric-version names another
    for period, name in (("2026-08", "第 0 版（系统默认）"), ("2026-09", "第 1 版（2026-09 起）")):
        out = tmp_path / f"排名_{period}.xlsx"
        assert main(["export", "--period", period, "--out", str(out), "--as", "lead"]) == 0
        assert name in capsys.readouterr().out
        book = openpyxl.load_workbook(out, read_only=True)
        assert name in {c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    out = tmp_path / "排名_旧规则.xlsx"
    assert main(["export", "--period", "2026-09", "--out", str(out), "--as", "lead", "--rubric-version", "0"]) == 0
    assert "非现行" in capsys.readouterr().out

    assert main(["rubric", "retire", "1", "--as", "lead"]) == 1
    assert main(["rubric", "retire", "1", "--as", "eval"]) == 0
    assert "已停用第 1 版（2026-09 起，已停用）" in capsys.readouterr().out
    assert main(["rubric", "retire", "0", "--as", "eval"]) == 1
    assert main(["rubric", "show", "9", "--as", "eval"]) == 1
    assert "第 9 版不存在" in capsys.readouterr().err
    _usage(["rubric"])
    _usage(["rubric", "publish", "1", "--as", "eval"])  # --from is required

    app = _open()
    with app.db.read() as conn:
        kinds = [e["kind"] for e in reversed(audit.events(conn)) if e["kind"].startswith("Rubric")]
    app.close()
    assert kinds == ["RubricDraftSaved", "RubricPublishRequested", "RubricPublished", "RubricRetired"]
