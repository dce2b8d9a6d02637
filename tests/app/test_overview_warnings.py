"""总览's warning list: the most severe warnings only (a province has tens of thousands), the total said
in a caption, and the whole list as a download built only when asked for — for the user's scope."""

from __future__ import annotations

from app_helpers import no_failure, sign_in

from metrics.early_warnings import COLUMNS
from metrics.periods import parse_period
from services import accounts, views
from services.demo import DEMO_PASSWORD, DEMO_USERS


def _actor(app, role):
    return accounts.authenticate(app, DEMO_USERS[role], DEMO_PASSWORD).actor


def test_overview_carries_the_most_severe_warnings_and_their_total(demo_app, monkeypatch):
    monkeypatch.setattr(views, "WARNINGS_SHOWN", 4)
    for role in ("evaluator", "station_head"):
        actor = _actor(demo_app, role)
        ov = views.overview(demo_app, actor, parse_period("2026-10"))
        full = views.warnings_list(demo_app, actor, ov.as_of)
        assert list(full.columns) == list(COLUMNS) and ov.warnings_total == len(full) > 4
        assert ov.warnings.to_dict("records") == full.head(4).to_dict("records")
        if role == "station_head":
            assert set(full["station"]) == {actor.scope_value}


def test_overview_page_lists_only_the_shown_warnings_and_offers_the_full_list(demo_app, monkeypatch):
    monkeypatch.setattr(views, "WARNINGS_SHOWN", 3)
    at = sign_in(demo_app, "evaluator")
    no_failure(at)
    total = views.overview(demo_app, _actor(demo_app, "evaluator"), parse_period("2026-10")).warnings_total
    listed = [df.value for df in at.dataframe if "message" in df.value.columns]
    assert len(listed) == 1 and len(listed[0]) == 3
    assert any(f"共 {total} 条预警" in c.value and "最严重的 3 条" in c.value for c in at.caption)
    assert any(b.label == "下载全部预警（CSV）" for b in at.get("download_button"))
