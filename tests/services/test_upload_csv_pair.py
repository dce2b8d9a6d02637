"""A monthly CSV and a ledger CSV uploaded together, as one upload, on a database that does not yet know
the offices (operator.md: "several files are one upload (a monthly CSV and a ledger CSV together are
fine)"; workbook.md: a ledger office "must be a known office (in this upload or already stored)")."""

import csv
import datetime as dt
import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from metrics.rawbook import open_book
from sample_data.generate import build_bureau, station_rows, write_station_workbook
from services import uploads as svc
from store import rows
from tests.dbfixtures import create_users

UPLOAD_DATE = date(2026, 10, 5)


@pytest.fixture(scope="module")
def pair():
    """(monthly CSV bytes, ledger CSV bytes, monthly rows, ledger rows) of one station's September."""
    monthly, ledger = build_bureau(branches=1, stations=1, offices=3, months=("2026-09", "2026-09"), seed=11)
    station = sorted(set(monthly["station"]))[0]
    m, lg = station_rows(monthly, ledger, station, "2026-09")
    buf = io.BytesIO()
    write_station_workbook(buf, m, lg)
    book, problems = open_book(buf.getvalue(), "x.xlsx")
    assert not problems
    out = {}
    for sheet in book.sheets:
        text = io.StringIO()
        w = csv.writer(text)
        for row in sheet.rows:
            w.writerow([_text(v) for v in row])
        out[sheet.name] = text.getvalue().encode("utf-8-sig")
    assert len(lg) > 0
    return out["警务室月报"], out["矛盾纠纷台账"], m, lg


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@pytest.mark.parametrize("order", ["monthly first", "ledger first"])
def test_monthly_and_ledger_csv_in_one_upload_are_stored(app, pair, order):
    monthly_csv, ledger_csv, m, lg = pair
    u = create_users(app)
    files = [("月报.csv", monthly_csv), ("台账.csv", ledger_csv)]
    if order == "ledger first":
        files.reverse()
    plan = svc.prepare_upload(app, u["eval"], files, upload_date=UPLOAD_DATE)
    assert not plan.blocked, [p.message for p in plan.problems if p.severity == "error"][:5]
    assert not [p for p in plan.problems if p.code in ("unknown_office", "out_of_scope")]
    svc.commit_upload(app, u["eval"], plan, acknowledge_warnings=True)
    with app.db.read() as conn:
        assert len(rows.current_monthly(conn)) == len(m)
        assert sorted(rows.current_ledger(conn)["dispute_id"]) == sorted(lg["dispute_id"])


def test_a_station_head_may_upload_the_pair_of_their_own_station(app, pair):
    monthly_csv, ledger_csv, m, lg = pair
    u = create_users(app)
    from sqlalchemy import update

    from store.tables import users
    with app.db.write() as conn:
        conn.execute(update(users).where(users.c.id == u["head"].id).values(scope_value=m["station"].iloc[0]))
    plan = svc.prepare_upload(app, u["head"], [("台账.csv", ledger_csv), ("月报.csv", monthly_csv)],
                              upload_date=UPLOAD_DATE)
    assert not plan.blocked, [p.message for p in plan.problems if p.severity == "error"][:5]


def test_a_ledger_csv_alone_on_an_empty_database_is_still_refused(app, pair):
    _, ledger_csv, _, lg = pair
    u = create_users(app)
    plan = svc.prepare_upload(app, u["eval"], [("台账.csv", ledger_csv)], upload_date=UPLOAD_DATE)
    assert plan.blocked
    assert len([p for p in plan.problems if p.code == "unknown_office"]) == len(lg)


def test_validate_accepts_the_pair_as_the_upload_does(pair, tmp_path):
    monthly_csv, ledger_csv, _, _ = pair
    (tmp_path / "月报.csv").write_bytes(monthly_csv)
    (tmp_path / "台账.csv").write_bytes(ledger_csv)
    res = subprocess.run([sys.executable, "-m", "metrics", "validate", str(tmp_path / "月报.csv"),
                          str(tmp_path / "台账.csv"), "--json"], cwd=Path(__file__).resolve().parents[2],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout[:2000]


def test_python_m_services_import_takes_the_pair_in_one_go(db, pair, tmp_path, monkeypatch, capsys):
    from services import accounts
    from services.__main__ import main
    from services.context import open_app
    from services.settings import from_env

    monthly_csv, ledger_csv, _, lg = pair
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", db.engine.url.render_as_string(False))
    assert main(["init"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("Tower-Bridge-2026\n"))
    assert main(["create-admin", "root", "--password-stdin"]) == 0
    app = open_app(from_env())
    accounts.create_user(app, 1, "kaoping", "Silver-Pass-99", "evaluator")
    app.close()
    (tmp_path / "月报.csv").write_bytes(monthly_csv)
    (tmp_path / "台账.csv").write_bytes(ledger_csv)
    capsys.readouterr()
    code = main(["import", str(tmp_path / "台账.csv"), str(tmp_path / "月报.csv"), "--as", "kaoping",
                 "--accept-warnings"])
    captured = capsys.readouterr()
    assert code == 0, captured.err[-2000:]
    assert "已保存 2 个文件" in captured.out
    app = open_app(from_env())
    try:
        with app.db.read() as conn:
            assert len(rows.current_ledger(conn)) == len(lg)
    finally:
        app.close()
