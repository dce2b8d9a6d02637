"""The months the analysis screens offer are remembered per data version and scope — the same answer as
reading them afresh, per user, and a caller changing its list changes nothing for the next."""

from __future__ import annotations

from services import accounts, reading
from services import rating_views as rv
from services.demo import DEMO_PASSWORD, DEMO_USERS


def test_months_in_scope_are_the_read_months_of_each_scope_and_stay_unchanged(demo_app):
    for role in ("evaluator", "station_head", "leadership"):
        actor = accounts.authenticate(demo_app, DEMO_USERS[role], DEMO_PASSWORD).actor
        got = rv.months_in_scope(demo_app, actor)
        assert got and got == reading.months_in_scope(demo_app, actor)
        got.append("2099-01")
        assert rv.months_in_scope(demo_app, actor) == reading.months_in_scope(demo_app, actor)
