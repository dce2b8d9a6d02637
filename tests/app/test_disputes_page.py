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
