"""The issue's end-to-end flow in a real browser, as a new installation's users would go through it.

First-run setup → the admin creates an evaluator and sees that a station head needs the office registry
first → the operator loads the registry at the server console (``python -m services import`` as the
evaluator) → the admin creates the station head, picking 杏湾派出所 from the registry → the station head
downloads the template, uploads their report with a deliberate error and sees it at the right row,
uploads the corrected report, sees the preview and stores it → the evaluator loads the bureau's
history (so last year's figures exist), opens 星级评定 and downloads the ranking workbook, which lists
the station's offices with their ★ stars. Every screen is saved under
``test-output/screenshots/flow_*.png``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from e2e_helpers import (
    choose,
    clear_uploads,
    click,
    download,
    expand,
    fill,
    go,
    grid_rows,
    grid_text,
    main,
    nav_titles,
    no_error_shown,
    open_app,
    shot,
    sign_in,
    sign_out,
    upload,
    wait_idle,
)

from metrics.schema import LEDGER, MONTHLY

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
STATION, BRANCH = "杏湾派出所", "西城分局"
REPORT = ROOT / "sample_data" / "bureau" / f"{BRANCH}_{STATION}_2026-10月报.xlsx"
HISTORY = ROOT / "sample_data" / "bureau" / "历史数据_2024-11至2026-10.xlsx"
ADMIN = ("li_admin", "Admin-Setup-2026!")
HEAD = ("wang_head", "Head-Xingwan-2026!")
EVALUATOR = ("zhao_eval", "Eval-Office-2026!")
BAD_ROW = 5  # Excel row of the second office in 警务室月报 (header on row 3)
BAD_COLUMN = "辖区户数"


def _broken_copy(folder: Path) -> Path:
    """The station's real report with one deliberate error: text in the 辖区户数 cell of row 5."""
    wb = openpyxl.load_workbook(REPORT)
    ws = wb[MONTHLY.title]
    headers = [c.value for c in ws[3]]
    ws.cell(row=BAD_ROW, column=headers.index(BAD_COLUMN) + 1, value="四千余户")
    path = folder / f"{BRANCH}_{STATION}_2026-10月报.xlsx"
    wb.save(path)
    return path


def _registry_workbook(folder: Path) -> Path:
    """One month (2026-09) of the bureau's monthly rows from the sample history: enough for the office
    registry, and it leaves every 2026-10 office-month of the station's report new."""
    src = openpyxl.load_workbook(HISTORY, read_only=True)[MONTHLY.title]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = MONTHLY.title
    for i, row in enumerate(src.iter_rows(min_row=3, values_only=True)):
        if i == 0 or row[4] == "2026-09":
            ws.append(list(row))
    path = folder / "警务室登记_2026-09.xlsx"
    wb.save(path)
    return path


def _console_import(app, path: Path, as_user: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DASHBOARD_DATA_DIR": str(app.data_dir)}
    r = subprocess.run([sys.executable, "-m", "services", "import", str(path), "--as", as_user,
                        "--accept-warnings"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr


def _new_user_box(page):
    expand(page, "新建用户")  # the screen reruns after each action
    return page.locator('[data-testid="stExpander"]').filter(
        has=page.locator("summary").filter(has_text="新建用户")).first


def _create_user(page, username: str, password: str, role_label: str, station: str = "",
                 confirm: bool = False) -> None:
    box = _new_user_box(page)
    fill(page, "用户名", username, scope=box, commit=True)
    fill(page, "姓名", username, scope=box, commit=True)
    fill(page, "密码", password, scope=box, commit=True)
    choose(page, "角色", role_label, scope=box)
    if station:
        choose(page, "派出所", station, scope=box)
    if confirm:  # granting 考评员 or 管理员 names the account and asks for a tick
        box.get_by_text(f"确认：创建账号 {username}", exact=False).click()
        wait_idle(page)
    click(page, "创建用户", scope=box)
    # "已创建用户。" may still show from the previous account, and on a loaded machine the rerun can
    # start later than wait_idle looks for it: wait for what matters, the account in the users table.
    for _ in range(120):
        if username in grid_text(page):
            return
        page.wait_for_timeout(250)
        wait_idle(page)
    raise AssertionError(f"account {username} never appeared in the users table")


def test_new_installation_setup_upload_and_rating(fresh_app, page, tmp_path):
    # 1. first-run setup creates the first admin
    open_app(page, fresh_app.url)
    main(page).get_by_text("首次使用：创建管理员账号").wait_for()
    shot(page, "flow_01_setup")
    fill(page, "用户名", ADMIN[0])
    fill(page, "密码", ADMIN[1])
    fill(page, "再次输入密码", ADMIN[1])
    click(page, "创建管理员")
    main(page).get_by_text("管理员账号已创建，请登录。").wait_for()
    shot(page, "flow_02_signin")

    # 2. the admin creates the station head and the evaluator
    sign_in(page, fresh_app.url, *ADMIN)
    assert "系统管理" in nav_titles(page)
    go(page, "系统管理")
    _create_user(page, *EVALUATOR, "考评员", confirm=True)
    box = _new_user_box(page)
    choose(page, "角色", "所长", scope=box)  # a fresh installation knows no station yet
    box = _new_user_box(page)
    shot(page, "flow_03a_no_registry_yet")
    box.get_by_text("请先上报或导入警务室登记", exact=False).wait_for()
    _console_import(fresh_app, _registry_workbook(tmp_path), EVALUATOR[0])
    _create_user(page, *HEAD, "所长", station=f"{BRANCH} / {STATION}")
    users = grid_text(page)
    assert HEAD[0] in users and EVALUATOR[0] in users
    shot(page, "flow_03_admin_users")
    no_error_shown(page)
    sign_out(page)

    # 3. the station head signs in: no rubric or admin screen for them
    sign_in(page, fresh_app.url, *HEAD)
    titles = nav_titles(page)
    assert "数据上报" in titles and "评分规则" not in titles and "系统管理" not in titles
    go(page, "数据上报")
    shot(page, "flow_04_upload_empty")
    template = download(page, "下载空白模板", tmp_path / "template.xlsx")
    sheets = openpyxl.load_workbook(template).sheetnames
    assert MONTHLY.title in sheets and LEDGER.title in sheets

    # 4. a report with a deliberate error: the problem is shown at its row and nothing is stored
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    upload(page, [_broken_copy(bad_dir)])
    click(page, "检查并预览")
    main(page).get_by_text("未保存任何数据", exact=False).first.wait_for()
    flagged = [r for r in grid_rows(page) if r.get("值") == "四千余户"]
    assert flagged, grid_rows(page)
    assert flagged[0]["行号"] == str(BAD_ROW) and flagged[0]["列"] == BAD_COLUMN
    assert flagged[0]["工作表"] == MONTHLY.title and flagged[0]["级别"] == "错误"
    shot(page, "flow_05_problem_at_row")
    click(page, "生成标注问题的工作簿")  # built only on request
    annotated = download(page, "下载标注问题的工作簿", tmp_path / "annotated.xlsx")
    assert "问题清单" in openpyxl.load_workbook(annotated).sheetnames
    assert main(page).get_by_role("button", name="确认保存").count() == 0

    # 5. the corrected report: preview of what will change, then store
    good_dir = tmp_path / "good"
    good_dir.mkdir()
    fixed = shutil.copy(REPORT, good_dir / REPORT.name)
    clear_uploads(page)
    upload(page, [Path(fixed)])
    click(page, "检查并预览")
    main(page).get_by_text("保存后将发生的变化").wait_for()
    codes = [str(r[0]) for r in openpyxl.load_workbook(REPORT, read_only=True)[MONTHLY.title]
             .iter_rows(min_row=4, values_only=True) if r[0]]
    preview = [r for r in grid_rows(page) if "警务室编码" in r and "月份" in r]  # the new office-months tab
    assert sorted(r["警务室编码"] for r in preview) == sorted(codes)  # every office-month is new
    assert {r["月份"] for r in preview} == {"2026-10"}
    shot(page, "flow_06_preview")
    ack = main(page).get_by_text("我已核对以上警告，确认数据无误")
    if ack.count():
        ack.click()
        wait_idle(page)
    click(page, "确认保存")
    main(page).get_by_text("已保存 1 个文件", exact=False).wait_for()
    assert REPORT.name in grid_text(page)  # the upload history lists the stored file
    shot(page, "flow_07_stored")
    no_error_shown(page)
    sign_out(page)

    # 6. the evaluator opens the star rating and downloads the ranking workbook
    sign_in(page, fresh_app.url, *EVALUATOR)
    assert "评分规则" in nav_titles(page)
    # the evaluator loads the bureau's two-year history, so last year's figures exist for the rating
    go(page, "数据上报")
    upload(page, [HISTORY])
    click(page, "检查并预览")
    main(page).get_by_text("保存后将发生的变化").wait_for(timeout=120_000)
    ack = main(page).get_by_text("我已核对以上警告，确认数据无误")
    if ack.count():
        ack.click()
        wait_idle(page)
    click(page, "确认保存")
    main(page).get_by_text("已保存 1 个文件", exact=False).wait_for(timeout=120_000)
    shot(page, "flow_08_history_stored")
    go(page, "星级评定")
    main(page).get_by_text("全局排名").wait_for()
    office_names = [r[1] for r in openpyxl.load_workbook(REPORT, read_only=True)[MONTHLY.title]
                    .iter_rows(min_row=4, values_only=True) if r[1]]
    ranking_rows = grid_rows(page, main(page).locator('[data-testid="stElementContainer"]')
                             .filter(has=page.locator(".st-key-rat_ranking")).first) or grid_rows(page)
    shown = {r.get("单位"): r for r in ranking_rows}
    assert all(name in shown for name in office_names), sorted(shown)
    shot(page, "flow_09_rating")
    no_error_shown(page)
    click(page, "生成排名工作簿和 CSV")
    ranking = download(page, "下载排名工作簿（xlsx）", tmp_path)
    shot(page, "flow_10_rating_export")
    assert ranking.suffix == ".xlsx"
    wb = openpyxl.load_workbook(ranking, read_only=True)
    cells = [[("" if v is None else str(v)) for v in row] for ws in wb for row in ws.iter_rows(values_only=True)]
    starred = 0
    for name in office_names:  # each office of the stored report is ranked with its stars, or 待评
        row = next((r for r in cells if name in r), None)
        assert row is not None, f"{name} missing from the ranking workbook"
        has_stars = any(v and set(v) <= {"★", "☆"} and "★" in v for v in row)
        assert has_stars or "待评" in row, row
        starred += has_stars
    assert starred >= len(office_names) - 1  # the sample bureau leaves at most one of them 待评
