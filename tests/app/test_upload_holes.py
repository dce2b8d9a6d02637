"""数据上报 against the attack run of issue 17: a zip bomb is never inflated by the annotated copy, which
is built only on request; a forged file name gets a Chinese refusal instead of Streamlit's English error;
the progress text shows the file name literally."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import no_failure, sign_in, texts

from metrics import annotate as annotate_mod
from services import uploads
from tests.metrics.test_filesafety import bomb_xlsx
from ui.safe import md_escape

ROOT = Path(__file__).resolve().parents[2]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BROKEN = ROOT / "sample_data" / "broken" / "错误示例_走访户数超过辖区户数.xlsx"


@pytest.fixture
def annotate_calls(monkeypatch):
    """Every call of metrics.annotate.annotate (the real one still runs)."""
    calls: list[str] = []
    real = annotate_mod.annotate

    def spy(data, name, problems, limits=None):
        calls.append(name)
        return real(data, name, problems, limits=limits)

    monkeypatch.setattr(annotate_mod, "annotate", spy)
    return calls


def _check(at, name: str, data: bytes):
    at.file_uploader(key="up_files").set_value((name, data, XLSX))
    at.run()
    at.button(key="up_check").click().run()
    no_failure(at)
    return at


def test_a_zip_bomb_on_the_upload_page_is_refused_and_never_annotated(demo_app, annotate_calls):
    at = _check(sign_in(demo_app, "station_head", "pages/upload.py"), "炸弹.xlsx", bomb_xlsx(300))
    problems = at.dataframe[0].value
    assert list(problems["code"]) == ["zip_bomb"]
    assert not [b for b in at.button if b.key.startswith("up_make_annotated")]
    assert not [b for b in at.get("download_button") if b.proto.id and "up_annotated" in b.proto.id]
    at.run()  # reruns do not build it either
    no_failure(at)
    assert annotate_calls == []


def test_the_annotated_workbook_is_built_once_on_request(demo_app, annotate_calls):
    at = _check(sign_in(demo_app, "evaluator", "pages/upload.py"), BROKEN.name, BROKEN.read_bytes())
    assert annotate_calls == [], "nothing is built before the user asks"
    at.run()
    assert annotate_calls == []
    at.button(key="up_make_annotated_0").click().run()
    no_failure(at)
    assert annotate_calls == [BROKEN.name]
    labels = [b.proto.label for b in at.get("download_button")]
    assert any("下载标注问题的工作簿" in s for s in labels)
    at.run()
    assert annotate_calls == [BROKEN.name], "a rerun offers the same bytes without rebuilding"


def test_annotated_workbook_service_refuses_a_file_the_reader_refused(demo_app):
    from sqlalchemy import select

    from services.errors import ServiceError

    head = demo_app

    from store.tables import users
    with head.db.read() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.username == "demo_head")).scalar_one()
    data = bomb_xlsx(300)
    plan = uploads.prepare_upload(head, uid, [("炸弹.xlsx", data)])
    (fp,) = plan.files
    assert not uploads.annotatable(fp)
    with pytest.raises(ServiceError, match="没有可标注的内容"):
        uploads.annotated_workbook(head, fp, data)


@pytest.mark.parametrize("name", ["evil.exe", "报表.xlsx.exe", "无扩展名", "a\x00.xlsx"])
def test_a_forged_file_name_gets_a_chinese_refusal_not_streamlits_english_error(shared_demo, name):
    at = sign_in(shared_demo, "station_head", "pages/upload.py")
    at.file_uploader(key="up_files").set_value((name, b"MZ\x90\x00" + b"\x00" * 64, "application/octet-stream"))
    at.run()
    no_failure(at)
    assert not any("This app has encountered an error" in str(e.value) for e in at.exception)
    assert any("不接受文件" in e.value and "只能上传" in e.value for e in at.error), texts(at)
    assert at.button(key="up_check").disabled


def test_the_progress_text_shows_the_file_name_literally(demo_app, monkeypatch):
    """The reader's progress names each file; Streamlit renders progress text as Markdown."""
    hostile = "[x](http://evil.test/a)![](http://evil.test/p.png):red[x].xlsx"
    real = uploads.prepare_upload

    def last_says_the_name(app, actor, files, on_progress=None, upload_date=None):
        plan = real(app, actor, files, on_progress=on_progress, upload_date=upload_date)
        on_progress(1.0, f"正在读取“{files[0][0]}”（1/1）")  # leave the name on screen for the test
        return plan

    monkeypatch.setattr(uploads, "prepare_upload", last_says_the_name)
    at = _check(sign_in(demo_app, "station_head", "pages/upload.py"), hostile, BROKEN.read_bytes())
    (bar,) = at.get("progress")
    assert bar.proto.text == md_escape(f"正在读取“{hostile}”（1/1）")


def test_demo_head_cannot_take_a_zezhou_dispute_with_a_lanjie_office(demo_app, tmp_path):
    """The attack run's case: 兰街派出所's head uploads a ledger row carrying the 纠纷编号 of a 泽洲派出所
    dispute (office 3710010304) with 兰街's own office 3710010201; the preview said "3710010304 →
    3710010201" and storing moved 泽洲's dispute to 兰街. Now it is an error naming the row."""
    from sample_data.generate import write_station_workbook
    from store import rows

    with demo_app.db.read() as conn:
        ledger = rows.current_ledger(conn, office_codes=["3710010304"])
        monthly = rows.current_monthly(conn, office_codes=["3710010201"])
    taken = ledger.iloc[[0]].drop(columns=["_id", "_upload", "_version", "_file", "_sheet", "_row"]).copy()
    did = taken["dispute_id"].iloc[0]
    taken["office_code"] = "3710010201"
    path = write_station_workbook(tmp_path / "兰街_补报台账.xlsx", monthly.iloc[:0], taken)
    at = _check(sign_in(demo_app, "station_head", "pages/upload.py"), path.name, path.read_bytes())
    problems = at.dataframe[0].value
    hit = problems[problems["code"] == "dispute_of_other_station"]
    assert list(hit["value"]) == [did]
    assert "已属于其他派出所的警务室，不能在本站上报中修改" in hit["message"].iloc[0]
    assert not [b for b in at.button if b.key == "up_store"]
    with demo_app.db.read() as conn:
        assert rows.current_dispute_offices(conn, [did]) == {did: "3710010304"}
