"""系统管理 → 警务室登记: an admin moves an office to another station/branch (audited); the choices
always start from the picked office's own registry entry."""

from __future__ import annotations

from app_helpers import no_failure, sign_in

from store import audit, rows


def test_admin_moves_an_office_to_another_branch_from_the_registry_tab(demo_app):
    with demo_app.db.read() as conn:
        reg = rows.office_registry(conn)
    code = "3710010304"
    old = reg[code]
    other_branch = sorted({r["branch"] for r in reg.values()} - {old["branch"]})[0]
    at = sign_in(demo_app, "admin", "pages/admin.py")
    no_failure(at)
    at.selectbox(key="adm_move_office").set_value(code).run()
    assert at.selectbox(key=f"adm_move_station_{code}").value == old["station"]
    assert at.selectbox(key=f"adm_move_branch_{code}").value == old["branch"]
    at.selectbox(key=f"adm_move_branch_{code}").set_value(other_branch).run()
    at.button(key="adm_move_button").click().run()
    no_failure(at)
    assert "已调整警务室归属。" in [s.value for s in at.success]
    with demo_app.db.read() as conn:
        now = rows.office_registry(conn, [code])[code]
        (ev,) = audit.events(conn, "OfficeMoved")
    assert (now["station"], now["branch"]) == (old["station"], other_branch)
    assert ev["actor_name"] == "demo_admin" and ev["details"]["to_branch"] == other_branch
    # unchanged choices: a Chinese refusal, nothing written
    at.button(key="adm_move_button").click().run()
    no_failure(at)
    assert any("未改变" in e.value for e in at.error)
