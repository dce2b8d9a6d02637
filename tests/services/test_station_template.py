"""A station's template for a month: download → fill with openpyxl → upload through services.uploads →
stored values; who may download which station's template."""

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import update

from metrics.schema import MONTHLY
from metrics.template import floor_hint
from sample_data.generate import build_bureau, write_station_workbook
from services import templates
from services import uploads as svc
from services.errors import PermissionDenied, ServiceError
from store import rows
from store.tables import users
from tests.dbfixtures import create_users

PREFILLED = ("office_code", "office_name", "station", "branch", "month", "households", "population")


def _xlsx(monthly, ledger) -> bytes:
    buf = io.BytesIO()
    write_station_workbook(buf, monthly, ledger)
    return buf.getvalue()


@pytest.fixture
def stored_bureau(app):
    monthly, ledger = build_bureau(branches=1, stations=2, offices=3, months=("2026-08", "2026-09"), seed=11)
    u = create_users(app)
    plan = svc.prepare_upload(app, u["eval"], [("历史.xlsx", _xlsx(monthly, ledger))], upload_date=date(2026, 10, 5))
    assert not plan.blocked, [p.message for p in plan.problems][:5]
    svc.commit_upload(app, u["eval"], plan, acknowledge_warnings=True)
    station, other = sorted(set(monthly["station"]))
    with app.db.write() as conn:
        conn.execute(update(users).where(users.c.id == u["head"].id).values(scope_value=station))
    return u, monthly, station, other


def _sheet_rows(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[MONTHLY.title]
    headers = [c.value for c in ws[1]]
    keys = [_key(h) for h in headers]
    return wb, ws, keys


def _key(header: str) -> str:
    return next(c.key for c in MONTHLY.columns if c.header == header)


def test_round_trip_download_fill_upload_stores_the_values(app, stored_bureau):
    u, monthly, station, _ = stored_bureau
    name, data = templates.station_template(app, u["head"], station, "2026-10")
    assert name == f"{station}2026-10月报模板.xlsx"
    wb, ws, keys = _sheet_rows(data)
    sept = monthly[(monthly["station"] == station) & (monthly["month"] == "2026-09")].set_index("office_code")
    assert ws.cell(2, 1).value.startswith("示例")
    filled_rows = list(ws.iter_rows(min_row=3))
    assert [r[0].value for r in filled_rows] == sorted(sept.index)
    for r in filled_rows:
        code = r[0].value
        for key, cell in zip(keys, r, strict=True):
            if key == "month":
                assert cell.value == "2026-10"
            elif key == "office_code":
                assert cell.value == code
            elif key in PREFILLED:
                assert cell.value == sept.loc[code, key], (code, key)
            else:
                assert cell.value is None, (code, key)
            if key == "visited_ytd":
                assert cell.comment is not None
                assert cell.comment.text == floor_hint("本年累计走访户数", "2026-09", sept.loc[code, "visited_ytd"])
            else:
                assert cell.comment is None, key
    # the ledger sheet has nothing below its example row
    assert wb.worksheets[1].max_row == 2

    # fill in the blanks (the station's September numbers, a few more visits) and upload
    expected = {}
    for r in filled_rows:
        code = r[0].value
        values = {}
        for key, cell in zip(keys, r, strict=True):
            if cell.value is None and key in sept.columns and sept.loc[code, key] == sept.loc[code, key]:
                v = sept.loc[code, key]
                if key == "visited_ytd":
                    v = min(v + 7, sept.loc[code, "households"])
                cell.value = v.item() if hasattr(v, "item") else v
            values[key] = cell.value
        expected[code] = values
    buf = io.BytesIO()
    wb.save(buf)
    plan = svc.prepare_upload(app, u["head"], [(name, buf.getvalue())], upload_date=date(2026, 11, 3))
    assert not plan.blocked, [p.message for p in plan.problems][:5]
    assert len(plan.files[0].diff.new_months) == len(sept)
    svc.commit_upload(app, u["head"], plan, acknowledge_warnings=True)
    with app.db.read() as conn:
        stored = rows.current_monthly(conn, stations=[station])
    octo = stored[stored["month"] == "2026-10"].set_index("office_code", drop=False)
    assert sorted(octo.index) == sorted(expected)
    for code, values in expected.items():
        for key, v in values.items():
            if v is None:
                assert octo.loc[code, key] != octo.loc[code, key] or octo.loc[code, key] is None, (code, key)
            else:
                assert octo.loc[code, key] == v, (code, key)


def test_january_has_no_floor_and_carries_the_latest_month(app, stored_bureau):
    u, monthly, station, _ = stored_bureau
    _, data = templates.station_template(app, u["eval"], station, "2027-01")
    _, ws, keys = _sheet_rows(data)
    col = keys.index("visited_ytd")
    sept = monthly[(monthly["station"] == station) & (monthly["month"] == "2026-09")].set_index("office_code")
    for r in ws.iter_rows(min_row=3):
        assert r[col].comment is None and r[col].value is None
        assert r[keys.index("households")].value == sept.loc[r[0].value, "households"]


def test_who_may_download_which_station(app, stored_bureau):
    u, _, station, other = stored_bureau
    with pytest.raises(PermissionDenied, match="本所"):
        templates.station_template(app, u["head"], other, "2026-10")
    with pytest.raises(PermissionDenied):
        templates.station_template(app, u["lead"], station, "2026-10")
    assert templates.station_template(app, u["eval"], other, "2026-10")[1][:2] == b"PK"
    assert templates.template_stations(app, u["head"]) == [station]
    assert templates.template_stations(app, u["eval"]) == sorted([station, other])
    assert templates.template_stations(app, u["lead"]) == []
    with pytest.raises(ServiceError, match="没有“不存在派出所”"):
        templates.station_template(app, u["eval"], "不存在派出所", "2026-10")
    for bad in ("2026Q3", "2026-13", ""):
        with pytest.raises(ServiceError, match="月份"):
            templates.station_template(app, u["eval"], station, bad)


def test_cli_template_as_a_user(db, tmp_path, monkeypatch, capsys):
    from services import accounts
    from services.__main__ import main
    from services.context import open_app
    from services.settings import from_env

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", db.engine.url.render_as_string(False))
    assert main(["init"]) == 0
    monthly, ledger = build_bureau(branches=1, stations=2, offices=2, months=("2026-08", "2026-09"), seed=5)
    station, other = sorted(set(monthly["station"]))
    app = open_app(from_env())
    try:
        u = create_users(app)
        plan = svc.prepare_upload(app, u["eval"], [("历史.xlsx", _xlsx(monthly, ledger))],
                                  upload_date=date(2026, 10, 5))
        svc.commit_upload(app, u["eval"], plan, acknowledge_warnings=True)
        accounts.create_user(app, u["admin"].id, "suozhang", "Silver-Pass-99", "station_head",
                             scope_kind="station", scope_value=station)
    finally:
        app.close()
    capsys.readouterr()
    out = tmp_path / "模板.xlsx"
    assert main(["template", "--station", station, "--month", "2026-10", "--out", str(out), "--as", "suozhang"]) == 0
    assert "已写出" in capsys.readouterr().out
    ws = openpyxl.load_workbook(out)[MONTHLY.title]
    codes = sorted(monthly.loc[monthly["station"] == station, "office_code"].unique())
    assert [r[0].value for r in ws.iter_rows(min_row=3)] == codes
    assert main(["template", "--station", other, "--month", "2026-10", "--out", str(out), "--as", "suozhang"]) == 1
    assert "本所" in capsys.readouterr().err
    assert main(["template", "--station", station, "--month", "2026Q4", "--out", str(out), "--as", "suozhang"]) == 2
    assert main(["template", "--station", station, "--month", "2026-10", "--out", str(tmp_path / "a.csv"),
                 "--as", "suozhang"]) == 2
    assert main(["template", "--station", station, "--month", "2026-10", "--out", str(out), "--as", "nobody"]) == 1
