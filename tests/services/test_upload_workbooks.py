"""Real workbooks (written by the sample-bureau generator) through the reader into the store."""

import io
from datetime import date

import pytest

from sample_data.generate import build_bureau, station_rows, write_station_workbook
from services import uploads as svc
from services.errors import ServiceError
from store import rows
from tests.dbfixtures import create_users


@pytest.fixture(scope="module")
def bureau():
    return build_bureau(branches=1, stations=2, offices=4, months=("2026-07", "2026-09"), seed=7)


def _xlsx(monthly, ledger) -> bytes:
    buf = io.BytesIO()
    write_station_workbook(buf, monthly, ledger)
    return buf.getvalue()


def test_history_then_a_station_month_through_the_reader(app, bureau):
    monthly, ledger = bureau
    u = create_users(app)
    plan = svc.prepare_upload(app, u["eval"], [("历史.xlsx", _xlsx(monthly, ledger))], upload_date=date(2026, 10, 5))
    assert not plan.blocked, [p.message for p in plan.problems][:5]
    svc.commit_upload(app, u["eval"], plan, acknowledge_warnings=True)
    with app.db.read() as conn:
        stored = rows.current_monthly(conn)
        assert len(stored) == len(monthly) and len(rows.current_ledger(conn)) == len(ledger)
        assert rows.current_ledger(conn)["party_key"].dropna().str.fullmatch("[0-9a-f]{16,}").all()

    station = sorted(set(monthly["station"]))[0]
    m, lg = station_rows(monthly, ledger, station, "2026-09")
    m = m.copy()
    m.loc[0, "alerts"] = m.loc[0, "alerts"] + 5
    from sqlalchemy import update

    from store.tables import users
    with app.db.write() as conn:
        conn.execute(update(users).where(users.c.id == u["head"].id).values(scope_value=station))
    progress = []
    plan = svc.prepare_upload(app, u["head"], [("本所9月.xlsx", _xlsx(m, lg))], upload_date=date(2026, 10, 5),
                              on_progress=lambda f, t: progress.append(t))
    assert not plan.blocked, [p.message for p in plan.problems][:5]
    assert progress and progress[-1].startswith("正在比对")
    (chg,) = plan.files[0].diff.replaced_months
    assert chg.key == (m.loc[0, "office_code"], "2026-09") and set(chg.changes) == {"alerts"}
    assert plan.files[0].diff.new_disputes == [] and plan.files[0].diff.unchanged_disputes == len(lg)
    svc.commit_upload(app, u["head"], plan, acknowledge_warnings=True)

    other = sorted(set(monthly["station"]))[1]
    m2, lg2 = station_rows(monthly, ledger, other, "2026-09")
    plan = svc.prepare_upload(app, u["head"], [("他所.xlsx", _xlsx(m2, lg2))], upload_date=date(2026, 10, 5))
    assert plan.blocked
    bad = [p for p in plan.problems if p.code == "out_of_scope"]
    assert len(bad) == len(m2) + len(lg2) and all(p.row for p in bad)
    with pytest.raises(ServiceError):
        svc.commit_upload(app, u["head"], plan, acknowledge_warnings=True)


def test_a_file_that_is_not_a_workbook_is_refused_and_recorded(app):
    u = create_users(app)
    plan = svc.prepare_upload(app, u["eval"], [("报告.xlsx", b"this is not a workbook")])
    assert plan.blocked and plan.problems[0].severity == "error"
    hist = svc.upload_history(app, u["eval"])
    assert hist[0]["result"] == "rejected" and hist[0]["problems"][0]["code"] == plan.problems[0].code
