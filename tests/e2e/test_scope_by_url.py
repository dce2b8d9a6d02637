"""A station head cannot reach another station's data, or screens not theirs, by URL or query string.

Signed in as the demo station head (兰街派出所): typing the addresses of 评分规则 and 系统管理, or
adding ``?station=…&branch=…&office=…`` of another station to a screen's address, shows neither the
forbidden screen nor any other station's office name (the sample bureau's office names are read from
the committed history workbook). Tables hold only the head's own station.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import openpyxl
import pytest
from e2e_helpers import (
    dismiss_dialogs,
    grid_rows,
    main,
    nav_titles,
    no_error_shown,
    open_app,
    push_url,
    shot,
    sign_in,
)

from metrics.schema import MONTHLY
from services.demo import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "sample_data" / "bureau" / "历史数据_2024-11至2026-10.xlsx"
OWN_STATION = "兰街派出所"  # the demo station head's station (services.demo: first station by name)
OTHER_STATION, OTHER_BRANCH = "西亭派出所", "西城分局"


def _offices_by_station() -> dict[str, set[str]]:
    ws = openpyxl.load_workbook(HISTORY, read_only=True)[MONTHLY.title]
    head = None
    out: dict[str, set[str]] = {}
    for row in ws.iter_rows(values_only=True):
        if head is None:
            if row and "警务室编码" in row:
                head = list(row)
            continue
        if row[head.index("警务室编码")]:
            out.setdefault(row[head.index("所属派出所")], set()).add(str(row[head.index("警务室名称")]))
    return out


OFFICES = _offices_by_station()
OTHER_NAMES = sorted(n for st, names in OFFICES.items() if st != OWN_STATION for n in names)
OTHER_CODE = "3710020201"
NO_ACCESS = "无权访问此页面"


def _shows_no_other_station(page) -> None:
    text = main(page).inner_text()
    cells = "\n".join(v for r in grid_rows(page) for v in r.values())
    leaked = [n for n in OTHER_NAMES if n in text or n in cells]
    assert not leaked, f"another station's offices are shown: {leaked[:5]}"
    assert OTHER_STATION not in text and OTHER_STATION not in cells


def _says_no_access_in_chinese(page) -> None:
    """The screen says, in Chinese, that the page is not this user's — not Streamlit's English dialog."""
    assert NO_ACCESS in main(page).locator("h1").all_inner_texts()
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_text("does not seem to exist").count() == 0


@pytest.mark.parametrize("path,forbidden", [("/rubric", "评分规则"),
                                            ("/admin?" + urlencode({"station": OTHER_STATION}), "系统管理")])
def test_station_head_cannot_open_forbidden_screens_by_url(demo_app, page, path, forbidden):
    assert OWN_STATION in OFFICES and len(OTHER_NAMES) > 20
    closed = sign_in(page, demo_app.url, DEMO_USERS["station_head"], DEMO_PASSWORD, path=path)
    assert not closed, f"Streamlit's own dialog was shown: {closed}"
    assert forbidden not in nav_titles(page)
    headings = main(page).locator("h1").all_inner_texts()
    assert forbidden not in headings, f"{path} opened {forbidden}"
    _says_no_access_in_chinese(page)
    no_error_shown(page)
    _shows_no_other_station(page)
    shot(page, "scope_url_" + path.strip("/").split("?")[0])


def test_query_parameters_do_not_widen_a_station_heads_scope(demo_app, page):
    query = urlencode({"station": OTHER_STATION, "branch": OTHER_BRANCH, "office": OTHER_CODE,
                       "scope": OTHER_STATION, "level": "office"})
    sign_in(page, demo_app.url, DEMO_USERS["station_head"], DEMO_PASSWORD)
    for screen, title in (("indicators", "指标分析"), ("disputes", "矛盾纠纷"), ("overview", "总览")):
        push_url(page, f"/{screen}?{query}")  # signed in, the address is edited to another station's
        assert "station=" in page.url and (screen == "overview" or f"/{screen}?" in page.url)
        assert title in main(page).locator("h1").all_inner_texts()
        no_error_shown(page)
        _shows_no_other_station(page)
        stations = {r["派出所"] for r in grid_rows(page) if r.get("派出所")}
        assert stations <= {OWN_STATION}, stations
        if screen != "overview":  # the screen does show the head's own station
            assert stations == {OWN_STATION}
        shot(page, f"scope_query_{screen}")


def test_forbidden_screen_address_within_a_session_shows_no_forbidden_screen(demo_app, page):
    sign_in(page, demo_app.url, DEMO_USERS["station_head"], DEMO_PASSWORD)
    for path, forbidden in (("/rubric", "评分规则"), ("/admin?" + urlencode({"station": OTHER_STATION}), "系统管理")):
        push_url(page, path)
        assert not dismiss_dialogs(page), "Streamlit's own dialog was shown"
        assert forbidden not in main(page).locator("h1").all_inner_texts()
        _says_no_access_in_chinese(page)
        no_error_shown(page)
        _shows_no_other_station(page)


def test_first_visit_after_a_start_at_a_screen_address_shows_the_sign_in_gate(unvisited_app, page):
    """Before app.py has run once in a server, Streamlit runs a page file named by the address on its
    own; the visitor must still meet the gate (here the first-run setup form), not a blank screen."""
    open_app(page, unvisited_app.url + "/rubric")
    text = main(page).inner_text()
    assert "创建管理员" in text, text[:300]
    assert "评分规则" not in main(page).locator("h1").all_inner_texts()
    assert not dismiss_dialogs(page)
    no_error_shown(page)
