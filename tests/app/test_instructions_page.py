"""预警处置 through AppTest on the demo bureau: every role sees what its role allows, and the loop runs
from the screen (sign, answer, return, answer again, close) with every step in the history."""

from __future__ import annotations

import io

import analysis_helpers
import openpyxl
import pytest
from analysis_helpers import actor
from app_helpers import no_failure, sign_in, texts

from services import instruction_views as iv
from services import instructions as ins

demo = analysis_helpers.demo  # the module-scoped demo installation (a fixture)
PAGE = "pages/instructions.py"


@pytest.mark.parametrize("role", ["leadership", "station_head", "evaluator", "admin"])
def test_page_renders_for_every_role(demo, role):
    at = sign_in(demo, role, PAGE)
    no_failure(at)
    assert at.title[0].value == "预警处置"
    tabs = [tab.label for tab in at.tabs]
    if role == "station_head":
        assert tabs == ["我的待办", "督办", "全部指令", "闭环指标"]
    else:
        assert tabs == ["全局看板", "逾期", "督办", "待核查", "全部指令", "闭环指标"]
        assert [m.label for m in at.metric] == list(ins.STATUS_LABELS.values())


def test_station_head_queue_holds_only_their_station_overdue_first(demo):
    head = actor(demo, "station_head")
    at = sign_in(demo, "station_head", PAGE)
    queue = at.dataframe[0].value
    assert len(queue) > 0 and set(queue["station"]) == {head.scope_value}
    assert set(queue["status_label"]) <= {"待签收", "已签收", "已退回"}
    overdue = queue["overdue"].tolist()
    assert overdue == sorted(overdue, reverse=True) and any(overdue)
    everyone = iv.board(demo, actor(demo, "evaluator"))
    assert len(everyone.items) > len(iv.board(demo, head).items)


def test_board_counts_are_the_service_counts(demo):
    at = sign_in(demo, "leadership", PAGE)
    b = iv.board(demo, actor(demo, "leadership"))
    assert {m.label: int(m.value) for m in at.metric} == dict(zip(b.by_status["状态"], b.by_status["指令数"],
                                                                  strict=True))
    assert len(b.overdue) > 0 and len(b.supervised) == 1


def _open(at, iid):
    at.selectbox(key="ins_pick").set_value(iid).run()
    no_failure(at)
    return at


def test_the_loop_from_the_screen(demo):
    head = actor(demo, "station_head")
    iid = next(i["id"] for i in ins.list_instructions(demo, head) if i["status"] == "new" and not i["supervision_notes"])
    at = _open(sign_in(demo, "station_head", PAGE), iid)
    at.button(key="ins_ack").click().run()
    no_failure(at)
    assert f"已保存：第 {iid} 号指令现为“已签收”。" in texts(at)
    at.text_area(key="ins_answer_text").set_value("已上门调解")
    at.button(key="ins_answer").click().run()
    no_failure(at)
    assert ins.instruction(demo, head, iid)["status"] == "answered"

    ev = _open(sign_in(demo, "evaluator", PAGE), iid)
    ev.button(key="ins_return").click().run()
    assert "请填写退回原因。" in texts(ev)
    ev.text_input(key="ins_reason").set_value("请补充协议")
    ev.button(key="ins_return").click().run()
    no_failure(ev)
    assert ins.instruction(demo, head, iid)["status"] == "returned"

    at = _open(sign_in(demo, "station_head", PAGE), iid)
    at.text_area(key="ins_answer_text").set_value("已补充协议")
    at.button(key="ins_answer").click().run()
    ev = _open(sign_in(demo, "evaluator", PAGE), iid)
    ev.button(key="ins_close").click().run()
    no_failure(ev)
    got = ins.instruction(demo, head, iid)
    assert got["status"] == "closed"
    assert [h["label"] for h in got["history"]] == ["生成指令", "签收", "反馈", "核查退回", "反馈", "核查办结"]
    history = ev.dataframe[-1].value
    assert history["label"].tolist()[-1] == "核查办结"


def test_the_ledger_downloads_as_a_formula_safe_workbook(demo):
    at = sign_in(demo, "evaluator", PAGE)
    at.button(key="ins_ledger_build").click().run()
    no_failure(at)
    _name, data = iv.ledger_xlsx(demo, actor(demo, "evaluator"))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.cell(1, 1).value == "指令号"
    assert ws.max_row == len(iv.board(demo, actor(demo, "evaluator")).items) + 1
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_loop_indicators_tab_shows_the_service_table(demo):
    at = sign_in(demo, "leadership", PAGE)
    no_failure(at)
    month = at.selectbox(key="ins_loop_month").value
    shown = next(d.value for d in at.dataframe if "ack_on_time_rate" in d.value)
    want = iv.loop_indicators(demo, actor(demo, "leadership"), month, "station")
    assert shown["station"].tolist() == want["station"].tolist()
    assert shown["issued"].sum() == want["issued"].sum() == len(iv.board(demo, actor(demo, "leadership")).items)


@pytest.mark.parametrize("role,shown", [("leadership", True), ("evaluator", True), ("station_head", False)])
def test_overview_counts_overdue_instructions_per_station_for_leadership(demo, role, shown):
    at = sign_in(demo, role, "pages/overview.py")
    no_failure(at)
    assert ("预警指令逾期" in [s.value for s in at.subheader]) is shown
    if shown:
        b = iv.board(demo, actor(demo, role))
        by_station = next(d.value for d in at.dataframe if list(d.value.columns) == ["station", "逾期"])
        assert by_station["逾期"].sum() == len(b.overdue) > 0


def test_the_demo_bureau_has_instructions_in_every_status_some_overdue_one_supervised(demo_template):
    from services.context import open_app
    from services.settings import from_env

    app = open_app(from_env({"DASHBOARD_DATA_DIR": str(demo_template)}), migrate_now=False)
    try:
        items = ins.list_instructions(app, actor(app, "evaluator"))
        assert {i["status"] for i in items} == set(ins.STATUS_LABELS)
        assert any(i["overdue"] for i in items)
        assert sum(1 for i in items if i["supervision_notes"]) == 1
        head = actor(app, "station_head")
        assert {i["station"] for i in items if i["status"] != "new"} == {head.scope_value}
    finally:
        app.close()


def test_feedback_and_notes_are_shown_as_text_never_as_markup(demo):
    head, lead = actor(demo, "station_head"), actor(demo, "leadership")
    iid = next(i["id"] for i in ins.list_instructions(demo, head) if i["status"] == "new"
               and not i["supervision_notes"])
    evil = "<img src=x onerror=alert(1)> **粗体** [链接](javascript:alert(1))"
    ins.acknowledge(demo, head, iid)
    ins.answer(demo, head, iid, evil)
    ins.supervise(demo, lead, iid, evil)
    at = _open(sign_in(demo, "station_head", PAGE), iid)
    assert all(evil not in m.value for m in at.markdown)
    assert any(evil in tx.value for tx in at.text)  # the 督办 note, as plain text
    history = at.dataframe[-1].value
    assert evil in history["text"].tolist()
