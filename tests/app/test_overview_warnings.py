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
    monkeypatch.setattr(views, "WARNINGS_SHOWN", 2)
    for role in ("evaluator", "station_head"):
        actor = _actor(demo_app, role)
        ov = views.overview(demo_app, actor, parse_period("2026-10"))
        full = views.warnings_list(demo_app, actor, ov.as_of, since=ov.period.first_day)
        assert list(full.columns) == list(COLUMNS) and ov.warnings_total == len(full) > 2
        assert ov.warnings.to_dict("records") == full.head(2).to_dict("records")
        if role == "station_head":
            assert set(full["station"]) == {actor.scope_value}


def test_overview_page_lists_only_the_shown_warnings_and_offers_the_full_list(demo_app, monkeypatch):
    monkeypatch.setattr(views, "WARNINGS_SHOWN", 3)
    at = sign_in(demo_app, "evaluator")
    no_failure(at)
    from services import completeness

    shown = completeness.default_periods(demo_app, _actor(demo_app, "evaluator"))["month"]
    total = views.overview(demo_app, _actor(demo_app, "evaluator"), parse_period(shown)).warnings_total
    listed = [df.value for df in at.dataframe if "message" in df.value.columns]
    assert len(listed) == 1 and len(listed[0]) == 3
    assert any(f"共 {total} 条预警" in c.value and "最严重的 3 条" in c.value for c in at.caption)
    assert any(b.label == "下载全部预警（CSV）" for b in at.get("download_button"))


def test_a_page_of_warnings_equals_the_same_rows_of_the_scoped_list(demo_app):
    """Written from the listing (text for the page's rows only), a page equals the head of the scoped list
    written in full — repeat partners outside a station head's scope named "其他派出所的纠纷" alike."""
    from pandas.testing import assert_frame_equal

    from services import reading

    for role in ("evaluator", "station_head", "leadership"):
        sc = reading.scope(demo_app, _actor(demo_app, role))
        st = reading.stored(demo_app, sc.data_version)
        full = reading.warnings_in_scope(demo_app, sc, st)
        for limit in (1, 7, len(full) + 5):
            page, total = reading.warnings_page(demo_app, sc, st, limit=limit)
            assert total == len(full)
            assert_frame_equal(page, full.head(limit).reset_index(drop=True))  # partners unnamed alike
