"""User text shows literally: an office name and a dispute note carrying HTML, a Markdown link and a
colour directive are stored, then appear only as data (dataframe cells), never in Markdown elements."""

from __future__ import annotations

from app_helpers import no_failure, sign_in

from sample_data.generate import build_bureau, station_rows, write_station_workbook
from services import demo

XSS = "<img src=x onerror=alert(1)>[链接](http://evil):red[x]"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _markdown_like(at) -> list[str]:
    out = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        out.extend(str(e.value) for e in getattr(at, kind))
    return out


def _cells(at) -> set[str]:
    return {str(v) for d in at.dataframe for col in d.value.columns for v in d.value[col].tolist()}


def test_hostile_office_name_and_note_render_literally_on_every_screen(demo_app, tmp_path):
    monthly, ledger = build_bureau()
    _, files = demo.sample_files()
    station = files[-1].name.split("_")[1]  # the station the demo left unreported
    rows, led = station_rows(monthly, ledger, station, "2026-10")
    rows = rows.copy()
    rows.loc[rows.index[0], "office_name"] = XSS
    led = led.copy()
    if len(led):
        led.loc[led.index[0], "note"] = XSS
    path = write_station_workbook(tmp_path / "恶意名称.xlsx", rows, led)

    at = sign_in(demo_app, "evaluator", "pages/upload.py")
    at.file_uploader(key="up_files").set_value((path.name, path.read_bytes(), XLSX))
    at.run()
    at.button(key="up_check").click().run()
    if at.checkbox:
        at.checkbox(key="up_ack").check().run()
    at.button(key="up_store").click().run()
    no_failure(at)
    assert any("已保存" in s.value for s in at.success)

    admin = sign_in(demo_app, "admin", "pages/admin.py")
    no_failure(admin)
    assert XSS in _cells(admin)  # the registry shows the name as typed
    for screen in (at, admin, sign_in(demo_app, "evaluator"), sign_in(demo_app, "leadership")):
        no_failure(screen)
        for text in _markdown_like(screen):
            assert "onerror" not in text and "http://evil" not in text and ":red[" not in text


LINK = '<a href="http://evil.test/x">点我</a><b>粗</b>'


def _plotly_strings(at) -> list[str]:
    import json

    out: list[str] = []

    def walk(obj):
        if isinstance(obj, str):
            out.append(obj)
        elif isinstance(obj, dict):
            for k, v in obj.items():
                if k != "hovertemplate":  # our own templates (<br>, <extra>) — data is substituted later
                    walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return out


def test_hostile_office_name_is_literal_text_in_every_chart_of_the_indicator_screen(demo_app, tmp_path):
    """Issue 17: plotly drew an office name with ``<a href>`` as a live link (trend legend, heat map)."""
    monthly, ledger = build_bureau()
    _, files = demo.sample_files()
    station = files[-1].name.split("_")[1]
    rows, led = station_rows(monthly, ledger, station, "2026-10")
    rows = rows.copy()
    rows.loc[rows.index[0], "office_name"] = LINK
    path = write_station_workbook(tmp_path / "链接名称.xlsx", rows, led)
    at = sign_in(demo_app, "evaluator", "pages/upload.py")
    at.file_uploader(key="up_files").set_value((path.name, path.read_bytes(), XLSX))
    at.run()
    at.button(key="up_check").click().run()
    if at.checkbox:
        at.checkbox(key="up_ack").check().run()
    at.button(key="up_store").click().run()
    no_failure(at)

    ind = sign_in(demo_app, "evaluator", "pages/indicators.py")
    ind.radio(key="ind_level").set_value("office").run()
    ind.multiselect(key="ind_trend_units_office").set_value([LINK]).run()  # one picker per level
    no_failure(ind)
    strings = _plotly_strings(ind)
    assert any("点我" in s for s in strings), "the office should be in the charts"
    assert not [s for s in strings if "<a" in s or "<b>" in s]
