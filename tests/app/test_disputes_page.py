"""矛盾纠纷 through AppTest on the demo bureau: every role renders; the ledger holds only the scope."""

from __future__ import annotations

import analysis_helpers
import pytest
from analysis_helpers import actor
from app_helpers import no_failure, sign_in

from services import rating_views as rv

demo = analysis_helpers.demo  # the module-scoped demo installation (a fixture)
PAGE = "pages/disputes.py"


@pytest.mark.parametrize("role", ["leadership", "station_head", "evaluator", "admin"])
def test_disputes_page_renders_for_every_role(demo, role):
    at = sign_in(demo, role, PAGE)
    no_failure(at)
    assert at.title[0].value == "矛盾纠纷"
    assert [m.label for m in at.metric][:3] == ["红色 未化解", "黄色 未化解", "蓝色 未化解"]


def test_station_head_ledger_and_board_hold_only_their_station(demo):
    head = actor(demo, "station_head")
    at = sign_in(demo, "station_head", PAGE)
    ledger = at.dataframe[-1].value
    assert len(ledger) > 0 and set(ledger["station"]) == {head.scope_value}
    assert "party_key" not in ledger.columns
    board = rv.dispute_board(demo, head)
    counts = {m.label: m.value for m in at.metric}
    assert counts["红色 未化解"] == f"{int((board.open['risk'] == '红').sum())} 件"
    everyone = rv.dispute_board(demo, actor(demo, "evaluator"))
    assert len(everyone.open) > len(board.open)


def test_ledger_filters_narrow_the_rows(demo):
    at = sign_in(demo, "evaluator", PAGE)
    before = len(at.dataframe[-1].value)
    at.multiselect(key="dis_f_risk").set_value(["红"]).run()
    no_failure(at)
    after = at.dataframe[-1].value
    assert 0 < len(after) < before
    assert set(after["risk"]) == {"红"}


def test_three_colour_board_lists_can_be_downloaded(demo):
    at = sign_in(demo, "evaluator", PAGE)
    no_failure(at)
    board = [b for b in at.get("download_button") if b.proto.id and "dis_board_csv" in b.proto.id]
    assert len(board) == 1 and board[0].proto.label == "下载表格（CSV）"


def test_the_board_and_lists_are_of_the_chosen_period(demo):
    """矛盾纠纷 has a period: open disputes as of its end, resolution by level of the disputes received in
    it, and warnings about disputes received in it or still open at its end — not all time."""
    import pandas as pd

    from services import reading

    ev = actor(demo, "evaluator")
    board = rv.dispute_board(demo, ev, "2026-09")
    assert board.as_of.isoformat() == "2026-09-30"
    led = reading.stored(demo).dataset.ledger
    received = pd.to_datetime(led["received_date"])
    in_sept = led[(received >= "2026-09-01") & (received <= "2026-09-30")]
    assert board.received == len(in_sept)
    resolved = in_sept[(in_sept["status"] == "已化解") & (pd.to_datetime(in_sept["resolved_date"]) <= "2026-09-30")]
    assert int(board.by_level["合计"].sum()) == len(resolved)
    assert int(rv.dispute_board(demo, ev).by_level["合计"].sum()) > len(resolved)  # all time is more
    opened = pd.to_datetime(board.open["received_date"])
    assert len(board.open) and (opened <= "2026-09-30").all()
    assert not (pd.to_datetime(board.open["resolved_date"]) <= "2026-09-30").any()
    for listed in (board.overdue, board.follow_up, board.repeat):
        got = pd.to_datetime(listed["received_date"])
        still_open = listed["resolved_date"].isna() | (pd.to_datetime(listed["resolved_date"]) > "2026-09-30")
        assert ((got >= "2026-09-01") | still_open).all()


def test_the_disputes_page_has_a_period_picker_on_the_latest_complete_month(demo):
    at = sign_in(demo, "evaluator", PAGE)
    no_failure(at)
    assert at.selectbox(key="dis_month").value == "2026-09"
    assert any("本期受理纠纷" in c.value for c in at.caption)
