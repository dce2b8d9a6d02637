"""``python -m services instructions``: after ``sync --as-of D`` there is one instruction per warning that
``python -m metrics warnings FILES --as-of D`` lists; the loop runs from the command line with its checks."""

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from sample_data.generate import build_bureau, write_station_workbook
from services import instructions as ins
from services import reading
from services.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
D = "2026-09-30"


def _json(capsys, argv):
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_sync_gives_one_instruction_per_listed_warning_and_the_loop_runs(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", db.engine.url.render_as_string(False))
    monkeypatch.setattr(ins, "today", lambda: date.fromisoformat(D))  # the upload's own sync: the same day
    reading.clear_cache()
    assert main(["init"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("Tower-Bridge-2026\n"))
    assert main(["create-admin", "root", "--password-stdin"]) == 0
    from services import accounts
    from services.context import open_app
    from services.settings import from_env
    app = open_app(from_env())
    accounts.create_user(app, 1, "kaoping", "Silver-Pass-99", "evaluator")
    accounts.create_user(app, 1, "lingdao", "Silver-Pass-99", "leadership")

    monthly, ledger = build_bureau(branches=1, stations=2, offices=6, months=("2026-01", "2026-09"), seed=5,
                                   disputes_per_office_year=60)
    wb = tmp_path / "历史.xlsx"
    write_station_workbook(wb, monthly, ledger)
    assert main(["import", str(wb), "--as", "kaoping", "--accept-warnings"]) == 0

    r = subprocess.run([sys.executable, "-m", "metrics", "warnings", str(wb), "--as-of", D, "--json"], cwd=ROOT,
                       capture_output=True, text=True)
    listed = json.loads(r.stdout)["warnings"]
    assert r.returncode in (0, 1) and len(listed) > 5

    assert main(["instructions", "sync", "--as-of", D, "--as", "kaoping"]) == 0
    items = _json(capsys, ["instructions", "list", "--json", "--as", "kaoping"])
    assert len(items) == len(listed)
    assert sorted((i["rule"], i["office"], i["dispute"]) for i in items) == \
        sorted((w["rule"], w["office_code"], w["dispute_id"]) for w in listed)
    for i in items:
        assert {"id", "rule", "office", "station", "dispute", "status", "due", "overdue", "condition_cleared"} <= set(i)
        assert i["status"] == "new" and i["due"].endswith("+08:00") and i["condition_cleared"] is False

    station = items[0]["station"]
    accounts.create_user(app, 1, "suozhang", "Silver-Pass-99", "station_head", "station", station)
    app.close()
    mine = _json(capsys, ["instructions", "list", "--json", "--as", "suozhang"])
    assert mine and {i["station"] for i in mine} == {station}
    iid = mine[0]["id"]
    assert main(["instructions", "answer", str(iid), "--text", "已处置", "--as", "suozhang"]) == 1
    assert "尚未签收" in capsys.readouterr().err
    assert main(["instructions", "ack", str(iid), "--as", "suozhang"]) == 0
    assert main(["instructions", "ack", str(iid), "--as", "suozhang"]) == 1
    assert "该指令已被他人处理，请刷新" in capsys.readouterr().err
    assert main(["instructions", "answer", str(iid), "--text", "已上门调解", "--as", "suozhang"]) == 0
    assert main(["instructions", "verify", str(iid), "--return", "--as", "kaoping"]) == 1
    assert "退回原因" in capsys.readouterr().err
    assert main(["instructions", "verify", str(iid), "--return", "--reason", "证据不足", "--as", "kaoping"]) == 0
    assert _json(capsys, ["instructions", "list", "--json", "--status", "returned", "--as", "lingdao"])[0]["id"] == iid
    assert main(["instructions", "supervise", str(iid), "--text", "请尽快", "--as", "lingdao"]) == 0
    assert main(["instructions", "answer", str(iid), "--text", "已补充材料", "--as", "suozhang"]) == 0
    assert main(["instructions", "verify", str(iid), "--close", "--as", "suozhang"]) == 1
    assert main(["instructions", "verify", str(iid), "--close", "--as", "lingdao"]) == 0
    closed = _json(capsys, ["instructions", "list", "--json", "--status", "closed", "--as", "kaoping"])
    assert [i["id"] for i in closed] == [iid]
    assert main(["instructions", "list", "--status", "bogus", "--as", "kaoping"]) == 1
    assert main(["instructions", "sync", "--as-of", "yesterday", "--as", "kaoping"]) == 2
    reading.clear_cache()
