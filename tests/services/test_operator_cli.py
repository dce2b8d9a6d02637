"""``python -m services``: init, first admin, import as a user, export a ranking, back up — on both databases."""

import io
import subprocess
import sys
from pathlib import Path

from sample_data.generate import build_bureau, write_station_workbook
from services.__main__ import main
from tests.dbfixtures import dump_tables

ROOT = Path(__file__).resolve().parents[2]


def test_operator_commands_end_to_end(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", db.engine.url.render_as_string(False))
    assert main(["init"]) == 0
    assert (tmp_path / "data" / "secret.key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setattr(sys, "stdin", io.StringIO("Tower-Bridge-2026\n"))
    assert main(["create-admin", "root", "--password-stdin"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("Tower-Bridge-2026\n"))
    assert main(["create-admin", "other", "--password-stdin"]) == 1
    assert "不能再创建初始管理员" in capsys.readouterr().err

    from services import accounts
    from services.context import open_app
    from services.settings import from_env
    app = open_app(from_env())
    accounts.create_user(app, 1, "kaoping", "Silver-Pass-99", "evaluator")
    app.close()

    monthly, ledger = build_bureau(branches=1, stations=1, offices=3, months=("2026-08", "2026-09"), seed=3)
    wb = tmp_path / "历史.xlsx"
    write_station_workbook(wb, monthly, ledger)
    assert main(["import", str(wb), "--as", "kaoping", "--accept-warnings"]) == 0
    assert "已保存 1 个文件" in capsys.readouterr().out
    assert main(["import", str(wb), "--as", "kaoping", "--accept-warnings"]) == 0
    assert "内容完全相同" in capsys.readouterr().err
    assert main(["import", str(wb), "--as", "nobody"]) == 1

    out = tmp_path / "排名.xlsx"
    assert main(["export", "--period", "2026-09", "--out", str(out), "--as", "kaoping"]) == 0
    assert out.stat().st_size > 0
    assert main(["export", "--period", "not-a-period", "--out", str(out), "--as", "kaoping"]) == 2

    assert main(["backup", "--out", str(tmp_path / "b.sqlite3")]) == 0
    text = capsys.readouterr().out
    assert ("已备份到" in text) if db.is_sqlite else ("pg_dump" in text)


def test_help_is_chinese_and_bad_settings_are_a_message_not_a_traceback(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DASHBOARD_DATA_DIR": str(tmp_path),
           "DASHBOARD_UPLOAD_LIMIT_MB": "many"}
    r = subprocess.run([sys.executable, "-m", "services", "--help"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 0 and "备份" in r.stdout
    r = subprocess.run([sys.executable, "-m", "services", "init"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "不是数字" in r.stderr and "Traceback" not in r.stderr


def test_init_in_demo_mode_seeds_the_sample_bureau_once(tmp_path, monkeypatch, capsys):
    """`bash scripts/run.sh --demo` runs `python -m services init` with DASHBOARD_DEMO=1 before the app
    starts, so the first page load does not have to seed."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "demo"))
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("DASHBOARD_DEMO", "1")
    assert main(["init"]) == 0
    assert "演示数据已载入" in capsys.readouterr().out

    from services import accounts
    from services.context import open_app
    from services.demo import DEMO_PASSWORD, DEMO_USERS
    from services.settings import from_env
    from store import rows

    app = open_app(from_env())
    try:
        with app.db.read() as conn:
            assert len(rows.office_registry(conn)) == 40
            version = rows.data_version(conn)
        for username in DEMO_USERS.values():
            assert accounts.authenticate(app, username, DEMO_PASSWORD).token
    finally:
        app.close()
    assert main(["init"]) == 0
    assert "未重复载入" in capsys.readouterr().out
    app = open_app(from_env())
    try:
        with app.db.read() as conn:
            assert rows.data_version(conn) == version
    finally:
        app.close()


def test_import_refuses_another_stations_dispute_and_a_moved_office_like_the_app(db, tmp_path, monkeypatch, capsys):
    """Issue 17's two upload holes through ``python -m services import``: the same service checks."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", db.engine.url.render_as_string(False))
    assert main(["init"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("Tower-Bridge-2026\n"))
    assert main(["create-admin", "root", "--password-stdin"]) == 0
    monthly, ledger = build_bureau(branches=1, stations=2, offices=4, months=("2026-09", "2026-09"), seed=5)
    home, away = sorted(set(monthly["station"]))
    station_of = monthly.set_index("office_code")["station"]
    from services import accounts
    from services.context import open_app
    from services.settings import from_env
    app = open_app(from_env())
    accounts.create_user(app, 1, "kaoping", "Silver-Pass-99", "evaluator")
    accounts.create_user(app, 1, "suozhang", "Silver-Pass-99", "station_head", "station", home)
    app.close()
    wb = tmp_path / "全局.xlsx"
    write_station_workbook(wb, monthly, ledger)
    assert main(["import", str(wb), "--as", "kaoping", "--accept-warnings"]) == 0
    capsys.readouterr()

    def data():  # a refused upload is recorded (uploads, audit); the stored data must not change
        t = dump_tables(db)
        return {k: t[k] for k in ("offices", "monthly_rows", "dispute_rows")}
    before = data()

    # the home station's head names an away dispute with one of the home offices
    away_dispute = ledger[ledger["office_code"].map(station_of) == away].iloc[[0]].copy()
    home_office = next(c for c, s in station_of.items() if s == home)
    away_dispute["office_code"] = home_office
    taken = tmp_path / "夺.xlsx"
    write_station_workbook(taken, monthly[monthly["station"] == home].iloc[:0], away_dispute)
    assert main(["import", str(taken), "--as", "suozhang", "--accept-warnings"]) == 1
    err = capsys.readouterr().err
    assert f"纠纷编号“{away_dispute['dispute_id'].iloc[0]}”已属于其他派出所的警务室，不能在本站上报中修改" in err
    assert data() == before

    # even the evaluator cannot move an office to another branch by an upload
    moved = monthly[monthly["office_code"] == home_office].copy()
    moved["branch"] = "西城分局"
    moved_wb = tmp_path / "挪.xlsx"
    write_station_workbook(moved_wb, moved, ledger.iloc[:0])
    assert main(["import", str(moved_wb), "--as", "kaoping", "--accept-warnings"]) == 1
    err = capsys.readouterr().err
    assert f"警务室“{home_office}”登记为" in err and "西城分局" in err and "管理员" in err
    assert data() == before
