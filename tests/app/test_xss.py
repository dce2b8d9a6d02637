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
