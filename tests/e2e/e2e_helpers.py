"""Helpers to drive the Streamlit app in a real browser as a user would (labels, not internals).

Streamlit reruns the script after each interaction; ``wait_idle`` waits until the app reports
``data-test-script-state="notRunning"`` again. Widgets are found by their visible Chinese label.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PWTimeout

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
APP = '[data-testid="stApp"]'


def wait_idle(page: Page, timeout: float = 60_000) -> None:
    """Wait for the current script run (if any) to finish and the app to be connected."""
    try:
        page.wait_for_selector(f'{APP}[data-test-script-state="running"]', timeout=1_500)
    except PWTimeout:
        pass
    page.wait_for_selector(f'{APP}[data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]',
                           timeout=timeout)
    page.wait_for_timeout(150)


def open_app(page: Page, url: str) -> None:
    """Load ``url`` and wait until the first run has drawn the page."""
    page.goto(url)
    page.wait_for_selector(f'{APP}[data-test-connection-state="CONNECTED"]', timeout=60_000)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]',
                           timeout=60_000)
    wait_idle(page)


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as ``test-output/screenshots/<name>.png``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def main(page: Page) -> Locator:
    """The main area (not the sidebar)."""
    return page.locator('[data-testid="stMain"]')


def fill(page: Page, label: str, value: str, *, scope: Locator | None = None, commit: bool = False) -> None:
    """Type ``value`` into the text input labelled ``label``; ``commit`` presses Enter (outside forms)."""
    box = (scope or page).get_by_label(label, exact=True)
    box.fill(value)
    if commit:
        box.press("Enter")
        wait_idle(page)


def click(page: Page, label: str, *, scope: Locator | None = None) -> None:
    """Click the button showing ``label`` and wait for the rerun."""
    (scope or page).get_by_role("button", name=label, exact=True).first.click()
    wait_idle(page)


def choose(page: Page, label: str, option: str, *, scope: Locator | None = None) -> None:
    """Pick ``option`` in the select box labelled ``label``."""
    box = (scope or page).get_by_role("combobox", name=label, exact=True).first
    box.click()
    wanted = page.get_by_role("option", name=option, exact=True).first
    try:
        wanted.wait_for(timeout=2_000)
    except PWTimeout:  # long lists render only some options: type to filter
        box.fill(option)
    wanted.click()
    wait_idle(page)


def dismiss_dialogs(page: Page) -> list[str]:
    """Close Streamlit's modal dialogs (e.g. "Page not found" for an address not in the user's menu);
    returns their texts."""
    texts = []
    for _ in range(5):
        dialog = page.locator('[role="dialog"]:visible')
        if not dialog.count():
            break
        texts.append(dialog.first.inner_text())
        page.keyboard.press("Escape")
        try:
            dialog.first.wait_for(state="hidden", timeout=5_000)
        except PWTimeout:
            dialog.first.get_by_role("button", name="Close").click()
    return texts


def sign_in(page: Page, base_url: str, username: str, password: str, path: str = "") -> list[str]:
    """Open the app (optionally at ``path``) and sign in through the form; returns the texts of any
    modal dialogs that had to be closed on the way. The browser's cookies are cleared first: its session
    cookie would otherwise keep an earlier user of this browser signed in (tests switch users so)."""
    page.context.clear_cookies()
    open_app(page, base_url + path)
    page.wait_for_selector('[data-testid="stForm"]')
    closed = dismiss_dialogs(page)
    fill(page, "用户名", username)
    fill(page, "密码", password)
    click(page, "登录")
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    wait_idle(page)
    return closed + dismiss_dialogs(page)


def sign_out(page: Page) -> None:
    click(page, "退出登录", scope=page.locator('[data-testid="stSidebar"]'))


def go(page: Page, title: str) -> None:
    """Open the screen ``title`` from the sidebar menu (same session, no reload)."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    wait_idle(page)
    page.wait_for_timeout(300)
    wait_idle(page)


def push_url(page: Page, path: str) -> None:
    """Change the address within the signed-in session (as the browser's back/forward buttons do),
    without a reload: Streamlit reruns with the page and query string of the new address."""
    page.evaluate("p => { history.pushState(null, '', p); window.dispatchEvent(new PopStateEvent('popstate')); }",
                  path)
    wait_idle(page)
    page.wait_for_timeout(300)
    wait_idle(page)


def nav_titles(page: Page) -> list[str]:
    """The screen titles in the sidebar menu."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [t.strip().splitlines()[-1].strip() for t in links.all_inner_texts() if t.strip()]  # drop the icon


def upload(page: Page, files: list[Path]) -> None:
    """Put ``files`` into the (first) file uploader and wait for the rerun."""
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files([str(f) for f in files])
    wait_idle(page)


def clear_uploads(page: Page) -> None:
    """Remove every file from the file uploaders (the chips' remove buttons)."""
    chips = page.locator('[data-testid="stFileChipDeleteBtn"] button')
    while chips.count():
        chips.first.click()
        wait_idle(page)


def download(page: Page, label: str | re.Pattern, target: Path) -> Path:
    """Click the download button ``label``, save the file under ``target`` and return its path."""
    name = label if isinstance(label, re.Pattern) else re.compile(re.escape(label))
    button = page.get_by_role("button", name=name).first
    with page.expect_download(timeout=60_000) as info:
        button.click()
    dl = info.value
    target.parent.mkdir(parents=True, exist_ok=True)
    path = target / dl.suggested_filename if target.is_dir() else target
    dl.save_as(str(path))
    return path


def no_error_shown(page: Page) -> None:
    """No exception box and no generic failure message on the page."""
    assert page.locator('[data-testid="stException"]').count() == 0, "a traceback reached the user"
    assert page.get_by_text("页面出现意外错误").count() == 0, "the page failed (see the server log)"


_ROWS_JS = """t => {
    const heads = [...t.querySelectorAll('thead th')].map(h => h.innerText.trim());
    return [...t.querySelectorAll('tbody tr')].map(tr => [Number(tr.getAttribute('aria-rowindex')),
        Object.fromEntries([...tr.querySelectorAll('td')].map((td, k) => [heads[k] ?? String(k), td.innerText]))]);
}"""
_SCROLL_JS = """s => { const before = s.scrollTop; s.scrollTop = before + Math.max(40, s.clientHeight * 0.7);
    return s.scrollTop !== before; }"""


def grid_rows(page: Page, scope: Locator | None = None, *, scroll: bool = True) -> list[dict[str, str]]:
    """Rows of every visible ``st.dataframe`` (header → cell text), read from the grids' accessible
    tables — the grid draws on a canvas and mirrors the cells it renders there. With ``scroll`` each
    grid is scrolled to the end so rows below its viewport are read too. Columns beyond the grid's
    width are not rendered: use a wide viewport for wide tables."""
    grids = (scope or page).locator('[data-testid="stDataFrame"]:visible')
    out: list[dict[str, str]] = []
    for i in range(grids.count()):
        grid = grids.nth(i)
        table = grid.locator("table[role=grid]")
        table.wait_for(state="attached")
        scroller = grid.locator(".dvn-scroller").first
        seen: dict[int, dict[str, str]] = {}
        for _ in range(500):
            rows = table.evaluate(_ROWS_JS)
            seen.update({idx: row for idx, row in rows})
            if not scroll or not scroller.count() or not scroller.evaluate(_SCROLL_JS):
                break
            first = rows[0][0] if rows else None
            for _wait in range(20):  # the accessible table follows the scroll on the next render
                page.wait_for_timeout(50)
                now = table.evaluate(_ROWS_JS)
                if now and now[0][0] != first:
                    break
        out += [seen[k] for k in sorted(seen)]
    return out


def grid_text(page: Page, scope: Locator | None = None) -> str:
    """All cell text of the visible grids, one row per line, cells separated by tabs."""
    return "\n".join("\t".join(r.values()) for r in grid_rows(page, scope))


def form(page: Page, submit_label: str) -> Locator:
    """The form whose submit button shows ``submit_label``."""
    return page.locator('[data-testid="stForm"]').filter(
        has=page.get_by_role("button", name=submit_label, exact=True))


def expand(page: Page, label: str) -> None:
    """Open the expander titled ``label``."""
    details = page.locator('[data-testid="stExpander"] details').filter(
        has=page.locator("summary").filter(has_text=label)).first
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
        page.wait_for_timeout(200)
