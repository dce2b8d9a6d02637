"""评分规则 through AppTest: evaluators only, validation as you type, save as a new version, compare."""

from __future__ import annotations

import analysis_helpers
import pytest
from analysis_helpers import actor
from app_helpers import no_failure, sign_in, texts
from sqlalchemy import func, select

from services import rating_views as rv
from services.errors import Conflict, PermissionDenied, ServiceError
from store.tables import rubric_versions

demo = analysis_helpers.demo  # the module-scoped demo installation (a fixture)
PAGE = "pages/rubric.py"


def _saved(app) -> int:
    with app.db.read() as conn:
        return conn.execute(select(func.count()).select_from(rubric_versions)).scalar_one()


@pytest.mark.parametrize("role", ["leadership", "station_head", "admin"])
def test_rubric_page_is_not_in_the_navigation_of_non_evaluators_and_the_service_refuses_them(demo, role):
    at = sign_in(demo, role)
    no_failure(at)
    import app as shell

    assert "rubric" not in shell.pages_for(role)
    who = actor(demo, role)
    data = rv.rubric_dict(demo, who, 0)
    with pytest.raises(PermissionDenied):
        rv.save_rubric_version(demo, who, data, "试图修改", based_on=0)
    with pytest.raises(PermissionDenied):
        rv.compare_rubrics(demo, who, "2026-10", 0, 0)
    assert _saved(demo) == 0


def test_weights_not_summing_to_100_show_the_message_and_save_nothing(demo):
    at = sign_in(demo, "evaluator", PAGE)
    no_failure(at)
    assert "规则有效，可以保存为新版本。" in texts(at)
    weight = next(n for n in at.number_input if n.key.endswith("_i0_weight"))
    weight.set_value(25.0).run()
    no_failure(at)
    assert "规则无效，不能保存：" in [e.value for e in at.error]
    assert any("权重合计必须为 100，当前为 105" in x for x in texts(at))
    save = at.button(key="rub_save")
    assert save.disabled
    # a forged click reaching the server is refused by the service with the same message
    ev = actor(demo, "evaluator")
    data = rv.rubric_dict(demo, ev, 0)
    data["items"][0]["weight"] = 25
    with pytest.raises(ServiceError, match="当前为 105"):
        rv.save_rubric_version(demo, ev, data, "化解率加权", based_on=0)
    assert _saved(demo) == 0


def test_a_valid_edit_is_saved_as_a_new_version_and_can_be_compared(demo):
    at = sign_in(demo, "evaluator", PAGE)
    next(n for n in at.number_input if n.key.endswith("_i0_weight")).set_value(25.0).run()
    next(n for n in at.number_input if n.key.endswith("_i1_weight")).set_value(5.0).run()
    assert "规则有效，可以保存为新版本。" in texts(at)
    at.text_input(key="rub_comment").input("提高化解率权重").run()
    at.button(key="rub_save").click().run()
    no_failure(at)
    assert _saved(demo) == 1
    assert any("已保存为第 1 版" in s.value for s in at.success)
    assert rv.get_rubric(demo, actor(demo, "evaluator"), 1).item("resolution_rate").weight == 25
    assert len(at.dataframe) >= 2, "the version comparison table is shown"


def test_concurrent_save_from_an_old_version_is_a_conflict(demo):
    ev = actor(demo, "evaluator")
    data = rv.rubric_dict(demo, ev, 0)
    before = _saved(demo)
    rv.save_rubric_version(demo, ev, data, "第一人保存", based_on=before)
    with pytest.raises(Conflict):
        rv.save_rubric_version(demo, ev, data, "第二人基于旧版本保存", based_on=before)
    assert _saved(demo) == before + 1


def test_the_rubric_versions_table_can_be_downloaded(demo):
    at = sign_in(demo, "evaluator", PAGE)
    no_failure(at)
    found = [b for b in at.get("download_button") if b.proto.id and "rub_versions_csv" in b.proto.id]
    assert len(found) == 1 and found[0].proto.label == "下载表格（CSV）"
