"""Storing uploads: preview, one-transaction commit, versions, duplicates, scope — on both databases."""

import pytest
from sqlalchemy import select

from services import uploads as svc
from services.actors import Actor
from services.errors import Conflict, PermissionDenied, ServiceError
from store import audit, rows
from store.tables import dispute_rows, monthly_rows
from tests.dbfixtures import create_users, dispute_record, dump_tables, make_upload, monthly_record


def _store(app, actor, *ups, ack=False):
    plan = svc.plan_uploads(app, actor, list(ups))
    assert not plan.blocked, [p.message for p in plan.problems]
    return plan, svc.commit_upload(app, actor, plan, acknowledge_warnings=ack)


def test_new_upload_is_previewed_then_stored_with_its_audit_event(app):
    u = create_users(app)
    up = make_upload("城关9月.xlsx", [monthly_record("A1", "2026-09"), monthly_record("A2", "2026-09")],
                     [dispute_record("D1", "A1")])
    plan, receipt = _store(app, u["head"], up)
    assert plan.files[0].diff.new_months == [("A1", "2026-09"), ("A2", "2026-09")]
    assert plan.files[0].diff.new_disputes == ["D1"]
    assert len(receipt.upload_ids) == 1
    with app.db.read() as conn:
        m = rows.current_monthly(conn)
        lg = rows.current_ledger(conn)
        ev = audit.events(conn, "UploadStored")
    assert list(m["office_code"]) == ["A1", "A2"] and m["visited_month"].tolist() == [60.0, 60.0]
    assert m["_file"].tolist() == ["城关9月.xlsx"] * 2
    assert lg.loc[0, "note"] == "<script>alert(1)</script>"
    assert str(lg["received_date"].dtype) == "datetime64[ns]" and bool(lg.loc[0, "escalated"]) is False
    assert ev[0]["upload_id"] == receipt.upload_ids[0] and ev[0]["actor_name"] == "head"


def test_replacing_a_month_shows_old_and_new_values_and_keeps_the_old_version(app):
    u = create_users(app)
    _store(app, u["head"], make_upload("v1.xlsx", [monthly_record("A1", "2026-09", visited_month=60.0)]))
    plan, receipt = _store(app, u["head"], make_upload("v2.xlsx", [monthly_record("A1", "2026-09", visited_month=75.0)]))
    ch = plan.files[0].diff.replaced_months
    assert [(c.key, c.old_version, c.changes) for c in ch] == [(("A1", "2026-09"), 1, {"visited_month": (60.0, 75.0)})]
    with app.db.read() as conn:
        versions = conn.execute(select(monthly_rows.c.version, monthly_rows.c.is_current,
                                       monthly_rows.c.visited_month, monthly_rows.c.replaced_by_upload_id)
                                .order_by(monthly_rows.c.version)).all()
        kinds = [e["kind"] for e in audit.events(conn)]
    assert [tuple(v) for v in versions] == [(1, False, 60.0, receipt.upload_ids[0]), (2, True, 75.0, None)]
    assert "UploadReplaced" in kinds


def test_updated_dispute_lists_changed_fields_and_keeps_its_earlier_state(app):
    import pandas as pd
    u = create_users(app)
    m = [monthly_record("A1", "2026-09")]
    _store(app, u["head"], make_upload("a.xlsx", m, [dispute_record("D1", "A1", status="化解中", resolved_date=pd.NaT)]))
    plan, _ = _store(app, u["head"], make_upload("b.xlsx", [], [dispute_record("D1", "A1")]))
    (chg,) = plan.files[0].diff.updated_disputes
    assert set(chg.changes) == {"status", "resolved_date"}
    assert chg.changes["status"] == ("化解中", "已化解")
    with app.db.read() as conn:
        hist = conn.execute(select(dispute_rows.c.status, dispute_rows.c.is_current)
                            .order_by(dispute_rows.c.version)).all()
    assert [tuple(h) for h in hist] == [("化解中", False), ("已化解", True)]


def test_same_file_again_is_recognised_by_sha256_and_stores_nothing(app):
    u = create_users(app)
    up = make_upload("月报.xlsx", [monthly_record("A1", "2026-09")])
    _store(app, u["head"], up)
    before = dump_tables(app.db)
    plan = svc.plan_uploads(app, u["head"], [up])
    assert plan.files[0].duplicate_of is not None
    assert "内容完全相同" in svc.duplicate_message(plan.files[0])
    receipt = svc.commit_upload(app, u["head"], plan)
    assert receipt.upload_ids == [] and receipt.skipped == ["月报.xlsx"]
    assert dump_tables(app.db) == before


def test_station_head_rows_of_another_station_are_errors_naming_the_rows(app):
    u = create_users(app)
    up = make_upload("混合.xlsx", [monthly_record("A1", "2026-09"), monthly_record("B1", "2026-09", station="城南派出所")])
    plan = svc.plan_uploads(app, u["head"], [up])
    assert plan.blocked
    (p,) = [p for p in plan.problems if p.code == "out_of_scope"]
    assert (p.row, p.value, p.sheet) == (3, "B1", "警务室月报") and "城南派出所" in p.message
    with pytest.raises(ServiceError):
        svc.commit_upload(app, u["head"], plan, acknowledge_warnings=True)
    with app.db.read() as conn:
        assert rows.current_monthly(conn).empty
        assert [e["kind"] for e in audit.events(conn)][0] == "UploadRejected"


def test_station_head_cannot_take_over_another_stations_office_by_renaming_its_station(app):
    u = create_users(app)
    _store(app, u["head2"], make_upload("南.xlsx", [monthly_record("B1", "2026-09", station="城南派出所")]))
    forged = make_upload("劫持.xlsx", [monthly_record("B1", "2026-10", station="城关派出所")])
    plan = svc.plan_uploads(app, u["head"], [forged])
    assert [p.code for p in plan.problems] == ["out_of_scope"]


def test_a_plan_tampered_after_preview_or_a_forged_actor_is_refused_at_commit(app):
    u = create_users(app)
    plan = svc.plan_uploads(app, u["head"], [make_upload("ok.xlsx", [monthly_record("A1", "2026-09")])])
    before = dump_tables(app.db)
    plan.files[0].upload.monthly.loc[0, "station"] = "城南派出所"
    with pytest.raises(PermissionDenied):
        svc.commit_upload(app, u["head"], plan)
    forged = Actor(id=u["head"].id, username="head", role="evaluator")  # claims a role it does not have
    with pytest.raises(PermissionDenied):
        svc.commit_upload(app, forged, plan)
    with pytest.raises(PermissionDenied):  # someone else's preview
        svc.commit_upload(app, u["eval"], plan)
    with pytest.raises(PermissionDenied):
        svc.plan_uploads(app, u["lead"], [make_upload("x.xlsx", [monthly_record("A1", "2026-09")])])
    assert dump_tables(app.db) == before


def test_commit_refuses_when_the_stored_rows_changed_since_the_preview(app):
    u = create_users(app)
    stale = svc.plan_uploads(app, u["head"], [make_upload("a.xlsx", [monthly_record("A1", "2026-09", alerts=31.0)])])
    _store(app, u["eval"], make_upload("b.xlsx", [monthly_record("A1", "2026-09", alerts=32.0)]))
    before = dump_tables(app.db)
    with pytest.raises(Conflict):
        svc.commit_upload(app, u["head"], stale)
    assert dump_tables(app.db) == before


def test_warnings_must_be_acknowledged_before_storing(app):
    from metrics import problems as pb
    u = create_users(app)
    warn = pb.make("visited_exceeds_households", file="w.xlsx", sheet="警务室月报", row=2, value=900, households=800)
    plan = svc.plan_uploads(app, u["head"], [make_upload("w.xlsx", [monthly_record("A1", "2026-09")], problems=[warn])])
    with pytest.raises(ServiceError, match="警告"):
        svc.commit_upload(app, u["head"], plan)
    assert svc.commit_upload(app, u["head"], plan, acknowledge_warnings=True).upload_ids


def test_upload_history_shows_who_when_checksum_and_only_own_station_to_a_station_head(app):
    u = create_users(app)
    a = make_upload("关.xlsx", [monthly_record("A1", "2026-09")])
    _store(app, u["head"], a)
    _store(app, u["head2"], make_upload("南.xlsx", [monthly_record("B1", "2026-09", station="城南派出所")]))
    mine = svc.upload_history(app, u["head"], station="城南派出所")
    assert mine == []
    mine = svc.upload_history(app, u["head"])
    assert [(h["file_name"], h["sha256"], h["uploader_name"], h["result"]) for h in mine] == [
        ("关.xlsx", a.source.sha256, "head", "stored")]
    assert len(svc.upload_history(app, u["eval"])) == 2


def test_a_bad_monthly_cell_does_not_also_report_its_offices_ledger_rows_as_out_of_scope(app, tmp_path):
    """One typing error in 辖区户数 drops that office's monthly row; its ledger rows must not then be
    reported a second time as rows of an 'unregistered office' (the upload is blocked already)."""
    import io

    import openpyxl

    from sample_data.generate import build_bureau, write_station_workbook

    u = create_users(app)
    monthly, ledger = build_bureau(branches=1, stations=1, offices=2, months=("2026-09", "2026-09"), seed=7)
    monthly["station"] = "城关派出所"
    ledger = ledger[ledger["received_date"] <= "2026-09-30"]
    assert len(ledger), "the generated office needs disputes for this test"
    buf = io.BytesIO()
    write_station_workbook(buf, monthly, ledger)
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb["警务室月报"]
    header_row = next(r for r in range(1, 8) if ws.cell(r, 1).value == "警务室编码")
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(header_row, c).value == "辖区户数")
    bad_code = str(ws.cell(header_row + 1, 1).value)
    assert bad_code in set(ledger["office_code"]), "the broken office must have ledger rows"
    ws.cell(header_row + 1, col).value = "四千余户"
    out = io.BytesIO()
    wb.save(out)

    plan = svc.prepare_upload(app, u["head"], [("城关.xlsx", out.getvalue())])
    assert plan.blocked
    assert [(p.code, p.column) for p in plan.problems if p.severity == "error"] == [("not_a_number", "辖区户数")]
