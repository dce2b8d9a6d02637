"""数据上报 offers a station's pre-filled template: a 所长 only their own station, built on request."""

from __future__ import annotations

import io

import openpyxl
import streamlit
from app_helpers import no_failure, sign_in

from metrics.schema import MONTHLY
from store import rows


def test_station_head_builds_the_template_of_their_own_station(shared_demo, monkeypatch):
    made = {}
    real = streamlit.download_button

    def recording(label, data, *args, **kwargs):
        made[kwargs.get("key")] = data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording)
    at = sign_in(shared_demo, "station_head", "pages/upload.py")
    no_failure(at)
    own = at.session_state["_actor"].scope_value
    assert at.selectbox(key="up_tpl_station").options == [own]
    assert "up_tpl_download" not in made  # nothing built before the click
    month = at.selectbox(key="up_tpl_month").value
    at.button(key="up_tpl_make").click().run()
    no_failure(at)
    ws = openpyxl.load_workbook(io.BytesIO(made["up_tpl_download"]))[MONTHLY.title]
    with shared_demo.db.read() as conn:
        codes = sorted(c for c, o in rows.office_registry(conn).items() if o["station"] == own)
    listed = list(ws.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in listed] == codes and {r[4] for r in listed} == {month}


def test_evaluator_may_pick_any_station(shared_demo):
    at = sign_in(shared_demo, "evaluator", "pages/upload.py")
    no_failure(at)
    with shared_demo.db.read() as conn:
        stations = sorted({o["station"] for o in rows.office_registry(conn).values()})
    assert at.selectbox(key="up_tpl_station").options == stations
