"""User text is never HTML or Markdown in the browser (app.md "Behaviour users expect").

On the demo bureau the evaluator uploads 西亭派出所's report in which an office name, that office's
dispute notes and the file name carry ``<img src=x onerror=alert(1)>``, ``[链接](http://evil)`` and
``:red[x]``. On every screen that shows them (数据上报, 总览, 指标分析 with its drill-down, 矛盾纠纷,
星级评定, and the admin's office registry): no JavaScript dialog ever opens, no ``<img src=x>`` or
link to ``http://evil`` exists in the page, and the text shows literally, character for character.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from e2e_helpers import (
    choose,
    clear_uploads,
    click,
    fill,
    go,
    grid_rows,
    main,
    no_error_shown,
    shot,
    sign_in,
    upload,
    wait_idle,
)

from metrics.schema import LEDGER, MONTHLY
from services.demo import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
STATION, BRANCH = "西亭派出所", "西城分局"  # the demo station that has not reported 2026-10 yet
REPORT = ROOT / "sample_data" / "bureau" / f"{BRANCH}_{STATION}_2026-10月报.xlsx"
PAYLOAD = "<img src=x onerror=alert(1)> [链接](http://evil) :red[x]"
OFFICE_NAME = f"{PAYLOAD}警务室"
NOTE = f"备注{PAYLOAD}"
FILE_NAME = f"{BRANCH}_{STATION}_2026-10月报_<img src=x onerror=alert(1)>_:red[x].xlsx"


def _hostile_report(folder: Path) -> tuple[Path, str]:
    """The real report with the payload in the first office's name, its notes and the file name."""
    wb = openpyxl.load_workbook(REPORT)
    monthly, ledger = wb[MONTHLY.title], wb[LEDGER.title]
    m_head = [c.value for c in monthly[3]]
    l_head = [c.value for c in ledger[3]]
    code = monthly.cell(row=4, column=m_head.index("警务室编码") + 1).value
    monthly.cell(row=4, column=m_head.index("警务室名称") + 1, value=OFFICE_NAME)
    notes = 0
    for r in range(4, ledger.max_row + 1):
        if ledger.cell(row=r, column=l_head.index("警务室编码") + 1).value == code:
            ledger.cell(row=r, column=l_head.index("备注") + 1, value=NOTE)
            notes += 1
    assert notes, "the sample report should hold disputes of its first office"
    path = folder / FILE_NAME
    wb.save(path)
    return path, str(code)


def _nothing_executed(page) -> None:
    assert page.dialogs == [], f"a dialog opened: {page.dialogs}"
    assert page.locator('img[src="x"]').count() == 0, "user text became an <img> element"
    assert page.locator('a[href*="evil"]').count() == 0, "user text became a link"
    no_error_shown(page)


def _settled_rows(page, count_caption: str, timeout_ms: int = 15_000) -> list[dict[str, str]]:
    """The grid's rows once it shows as many as the caption ``count_caption`` (a regex with one group)
    counts: the caption updates with the script run, the grid's accessible table a render later, so a
    read right after the rerun can still see the rows from before a filter was applied."""
    caption = main(page).locator('[data-testid="stCaptionContainer"]:visible').filter(
        has_text=re.compile(count_caption)).last
    rows: list[dict[str, str]] = []
    for _ in range(timeout_ms // 250):
        n = int(re.search(count_caption, caption.inner_text()).group(1))
        rows = grid_rows(page)
        if len(rows) == n:
            return rows
        page.wait_for_timeout(250)
    return rows


def _cells(page) -> list[str]:
    return [v for row in grid_rows(page) for v in row.values()]


@pytest.fixture
def wide_page(page):
    page.set_viewport_size({"width": 2600, "height": 1400})  # wide tables render every column
    return page


def test_hostile_office_name_note_and_file_name_show_literally(demo_app, wide_page, tmp_path):
    page = wide_page
    path, code = _hostile_report(tmp_path)

    sign_in(page, demo_app.url, DEMO_USERS["evaluator"], DEMO_PASSWORD)
    assert main(page).get_by_text("演示模式", exact=False).count() >= 1
    go(page, "数据上报")
    upload(page, [path])
    click(page, "检查并预览")
    main(page).get_by_text("保存后将发生的变化").wait_for()
    assert main(page).locator('[data-testid="stText"]').filter(has_text=FILE_NAME).count() >= 1
    _nothing_executed(page)
    ack = main(page).get_by_text("我已核对以上警告，确认数据无误")
    if ack.count():
        ack.click()
        wait_idle(page)
    click(page, "确认保存")
    main(page).get_by_text("已保存 1 个文件", exact=False).wait_for()
    assert FILE_NAME in _cells(page)  # upload history
    _nothing_executed(page)
    shot(page, "xss_upload")

    go(page, "总览")
    _nothing_executed(page)
    shot(page, "xss_overview")

    go(page, "指标分析")
    page.get_by_role("radio", name="警务室").check(force=True)
    wait_idle(page)
    assert OFFICE_NAME in _cells(page), "the office name should appear literally in the indicator table"
    _nothing_executed(page)
    shot(page, "xss_indicators")
    choose(page, "统计期类型", "年")  # the whole year: the office's disputes received before October too
    choose(page, "统计期", "2026")  # (the year picker opens on the latest complete year, 2025)
    page.get_by_role("tab", name="明细追溯").click()
    wait_idle(page)
    choose(page, "分局", BRANCH, scope=main(page))
    choose(page, "派出所", STATION, scope=main(page))
    choose(page, "警务室", f"{OFFICE_NAME}（{code}）", scope=main(page))
    assert page.get_by_role("combobox", name="警务室", exact=True).input_value() == f"{OFFICE_NAME}（{code}）"
    cells = _cells(page)
    assert NOTE in cells, "the dispute note should appear literally in the drill-down rows"
    _nothing_executed(page)
    shot(page, "xss_indicators_drill")

    go(page, "矛盾纠纷")
    _nothing_executed(page)
    shot(page, "xss_disputes_board")
    choose(page, "统计期类型", "月")  # the month of the uploaded report: its disputes were received in it
    choose(page, "统计期", "2026-10")
    page.get_by_role("tab", name="纠纷台账").click()
    wait_idle(page)
    fill(page, "纠纷编号包含", f"{code}-", commit=True)
    ledger = _settled_rows(page, "共 (\\d+) 件")
    assert ledger and all(r["纠纷编号"].startswith(f"{code}-") for r in ledger)
    assert NOTE in [r.get("备注") for r in ledger], "the note should show literally in the ledger"
    assert OFFICE_NAME in [r.get("警务室") for r in ledger]
    _nothing_executed(page)
    shot(page, "xss_disputes_ledger")

    go(page, "星级评定")
    main(page).get_by_text("全局排名").wait_for()
    ranked = [r for r in grid_rows(page) if r.get("编码") == code]
    assert ranked and ranked[0]["单位"] == OFFICE_NAME, "the ranking should show the name literally"
    choose(page, "选择警务室", f"{OFFICE_NAME}（{code}）")
    assert page.get_by_role("combobox", name="选择警务室").input_value() == f"{OFFICE_NAME}（{code}）"
    _nothing_executed(page)
    shot(page, "xss_rating")

    # the admin's office registry shows the new name literally
    sign_in(page, demo_app.url, DEMO_USERS["admin"], DEMO_PASSWORD)
    go(page, "系统管理")
    page.get_by_role("tab", name="警务室登记").click()
    wait_idle(page)
    rows = [r for r in grid_rows(page) if r.get("警务室编码") == code]
    assert rows and rows[0]["警务室"] == OFFICE_NAME
    _nothing_executed(page)
    shot(page, "xss_admin_registry")


WATCH = """
window.__added = [];
new MutationObserver(ms => { for (const m of ms) for (const n of m.addedNodes) {
  if (!(n instanceof Element)) continue;
  for (const e of [n, ...n.querySelectorAll('a[href], img[src]')]) {
    const u = e.getAttribute && (e.getAttribute('href') || e.getAttribute('src'));
    if (u && u.includes('evil')) window.__added.push(e.outerHTML);
  }
}}).observe(document, {childList: true, subtree: true});
"""
"""Records every link or image to the evil host the page ever creates, even for a moment (the progress
text is replaced as soon as the next file is read)."""


def test_upload_progress_shows_a_hostile_file_name_literally_and_a_forged_exe_is_refused_in_chinese(demo_app, page):
    """Issue 17: the progress text rendered the file name as Markdown (a link and a remote image — a
    tracking pixel); a file named .exe gave Streamlit's English "This app has encountered an error"."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.add_init_script(WATCH)
    sign_in(page, demo_app.url, DEMO_USERS["station_head"], DEMO_PASSWORD)
    go(page, "数据上报")
    data = (ROOT / "sample_data" / "broken" / "错误示例_走访户数超过辖区户数.xlsx").read_bytes()
    hostile = "[x](https:evil.test)![](https:evil.test)报表.xlsx"
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        [{"name": hostile, "mimeType": "application/octet-stream", "buffer": data}])
    wait_idle(page)
    click(page, "检查并预览")
    main(page).get_by_text("未保存任何数据", exact=False).first.wait_for()
    assert main(page).locator('[data-testid="stText"]').filter(has_text=hostile).count() >= 1
    assert page.evaluate("window.__added") == []
    assert not [u for u in requests if "evil" in u], "the page fetched from the evil host"
    _nothing_executed(page)

    clear_uploads(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        [{"name": "evil.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00" + b"\x00" * 64}])
    wait_idle(page)
    main(page).get_by_text("不接受文件", exact=False).first.wait_for()
    assert page.get_by_text("This app has encountered an error").count() == 0
    _nothing_executed(page)
    shot(page, "xss_upload_forged_names")
