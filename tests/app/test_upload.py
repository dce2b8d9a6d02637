"""数据上报 through AppTest: problems at the right row, errors block, a good workbook previews then stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import no_failure, sign_in, texts

from sample_data.broken import BROKEN_FILES, HEADER_ROW
from services import accounts, demo, uploads
from services.errors import ServiceError
from store import rows
from ui.i18n import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(at, path: Path):
    at.file_uploader(key="up_files").set_value((path.name, path.read_bytes(), XLSX))
    at.run()
    at.button(key="up_check").click().run()
    no_failure(at)
    return at


def test_upload_screen_renders_for_uploading_roles_with_template_and_history(shared_demo):
    for role in ("station_head", "evaluator"):
        at = sign_in(shared_demo, role, "pages/upload.py")
        no_failure(at)
        assert at.title[0].value == "数据上报"
        history = at.dataframe[-1].value
        assert {"file_name", "sha256", "uploader_name", "version"} <= set(history.columns)
        if role == "station_head":  # only their own station's uploads
            own = at.session_state["_actor"].scope_value
            assert all(own in s.split("、") for s in history["stations"])


def test_broken_workbook_shows_the_problem_at_its_excel_row_and_blocks_storing(demo_app):
    name = "错误示例_走访户数超过辖区户数.xlsx"
    before = _version(demo_app)
    at = _upload(sign_in(demo_app, "evaluator", "pages/upload.py"), ROOT / "sample_data" / "broken" / name)
    problems = at.dataframe[0].value
    hit = problems[problems["code"].isin(BROKEN_FILES[name])]
    assert not hit.empty and set(hit["row"]) == {HEADER_ROW + 1}
    assert any("未保存任何数据" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "up_store"]
    assert _version(demo_app) == before


def test_good_workbook_previews_new_office_months_then_stores_them(demo_app):
    _, station_files = demo.sample_files()
    path = station_files[-1]  # the station the demo left unreported
    before = _version(demo_app)
    at = _upload(sign_in(demo_app, "evaluator", "pages/upload.py"), path)
    new_months = at.dataframe[0].value  # the first preview tab (no problem table: none found)
    assert len(new_months) > 0 and set(new_months["month"]) == {"2026-10"}
    assert _version(demo_app) == before  # previewing stores nothing
    if at.checkbox:
        at.checkbox(key="up_ack").check().run()
    at.button(key="up_store").click().run()
    no_failure(at)
    assert any("已保存 1 个文件" in s.value for s in at.success)
    assert _version(demo_app) > before
    history = at.dataframe[-1].value
    assert history.iloc[0]["file_name"] == path.name


def test_after_storing_the_receipt_replaces_the_preview_and_the_plan_cannot_be_confirmed_again(demo_app):
    _, station_files = demo.sample_files()
    path = station_files[-1]
    at = _upload(sign_in(demo_app, "evaluator", "pages/upload.py"), path)
    preview = MESSAGES["preview_title"][0]
    assert preview in texts(at) and at.button(key="up_store")
    if at.checkbox:
        at.checkbox(key="up_ack").check().run()
    at.button(key="up_store").click().run()
    no_failure(at)
    after = _version(demo_app)
    # the preview and its confirm button are gone; the receipt says what was stored
    assert preview not in texts(at)
    assert not [b for b in at.button if b.key == "up_store"]
    assert "upload_plan" not in at.session_state
    assert MESSAGES["receipt_title"][0] in texts(at)
    receipt = next(d.value for d in at.dataframe if "monthly_new" in d.value.columns)
    assert list(receipt["file_name"]) == [path.name]
    assert receipt.iloc[0]["monthly_new"] > 0 and receipt.iloc[0]["disputes_new"] >= 0
    # a fresh uploader: the stored file is no longer offered for checking
    assert all(not u.value for u in at.file_uploader)
    assert at.button(key="up_check").disabled
    # a further rerun (any click) stores nothing more and still shows the receipt
    at.run()
    no_failure(at)
    assert _version(demo_app) == after
    assert MESSAGES["receipt_title"][0] in texts(at)


def test_a_refused_store_keeps_the_preview_and_says_why_in_chinese(demo_app):
    _, station_files = demo.sample_files()
    path = station_files[-1]
    at = _upload(sign_in(demo_app, "evaluator", "pages/upload.py"), path)
    if at.checkbox:
        at.checkbox(key="up_ack").check().run()
    # the same file is stored elsewhere between this preview and the click
    actor = accounts.authenticate(demo_app, demo.DEMO_USERS["evaluator"], demo.DEMO_PASSWORD).actor
    other = uploads.prepare_upload(demo_app, actor, [(path.name, path.read_bytes())])
    uploads.commit_upload(demo_app, actor, other, acknowledge_warnings=True)
    version = _version(demo_app)
    at.button(key="up_store").click().run()
    no_failure(at)
    assert _version(demo_app) == version
    # The same user stored the same file meanwhile (another tab): the reason names that upload.
    assert any("不会重复保存" in e.value and "号上传" in e.value for e in at.error), [e.value for e in at.error]
    assert MESSAGES["receipt_title"][0] not in texts(at)
    assert "upload_plan" in at.session_state and at.button(key="up_store")


def test_committing_the_same_plan_twice_stores_it_once(demo_app):
    _, station_files = demo.sample_files()
    path = station_files[-1]
    actor = accounts.authenticate(demo_app, demo.DEMO_USERS["evaluator"], demo.DEMO_PASSWORD).actor
    plan = uploads.prepare_upload(demo_app, actor, [(path.name, path.read_bytes())])
    assert not plan.blocked and plan.to_store
    first = uploads.commit_upload(demo_app, actor, plan, acknowledge_warnings=True)
    assert len(first.upload_ids) == 1
    version, count = _version(demo_app), len(uploads.upload_history(demo_app, actor))
    with pytest.raises(ServiceError) as refused:
        uploads.commit_upload(demo_app, actor, plan, acknowledge_warnings=True)
    assert f"已保存（第 {first.upload_ids[0]} 号上传），不会重复保存" in str(refused.value)
    assert _version(demo_app) == version
    assert len(uploads.upload_history(demo_app, actor)) == count


def test_station_head_cannot_store_another_stations_workbook(demo_app, tmp_path):
    _, station_files = demo.sample_files()
    at = sign_in(demo_app, "station_head", "pages/upload.py")
    own = at.session_state["_actor"].scope_value
    other = next(p for p in station_files if own not in p.name)
    before = _version(demo_app)
    at = _upload(at, _edited_copy(other, tmp_path))
    problems = at.dataframe[0].value
    assert "out_of_scope" in set(problems["code"])
    assert not [b for b in at.button if b.key == "up_store"]
    assert _version(demo_app) == before
    assert any("未保存任何数据" in x for x in texts(at))


def _version(app) -> int:
    with app.db.read() as conn:
        return rows.data_version(conn)


def _edited_copy(path: Path, folder: Path) -> Path:
    """The workbook with one monthly value changed (so it is not a byte-identical duplicate)."""
    import openpyxl

    from metrics.schema import MONTHLY

    wb = openpyxl.load_workbook(path)
    ws = wb[MONTHLY.title]
    col = [c.value for c in ws[HEADER_ROW]].index(MONTHLY.column("alerts").header) + 1
    ws.cell(HEADER_ROW + 1, col, (ws.cell(HEADER_ROW + 1, col).value or 0) + 1)
    out = folder / path.name
    wb.save(out)
    return out
