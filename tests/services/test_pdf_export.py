"""PDF of the ranking and of one office's score card: read back with pypdf, Chinese text extractable,
the font embedded, every office of the scope with its score as the rating service gives it."""

import io
import re
from datetime import date

import pypdf
import pytest

from sample_data.generate import build_bureau, write_station_workbook
from services import pdf_export
from services import rating_views as rv
from services import uploads as svc
from services.errors import PermissionDenied
from tests.dbfixtures import create_users


def _text(data: bytes) -> str:
    """All pages' text without white space (pypdf spaces out CJK glyphs)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"[\s\x00]+", "", "".join(p.extract_text() for p in reader.pages))


def _embedded_fonts(data: bytes) -> set[str]:
    out = set()
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc in font.get("/DescendantFonts", []):
                fd = desc.get_object()["/FontDescriptor"].get_object()
                if any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    out.add(str(font["/BaseFont"]))
    return out


@pytest.fixture
def stored(app):
    monthly, ledger = build_bureau(branches=1, stations=2, offices=4, months=("2026-08", "2026-10"), seed=9)
    u = create_users(app)
    buf = io.BytesIO()
    write_station_workbook(buf, monthly, ledger)
    plan = svc.prepare_upload(app, u["eval"], [("历史.xlsx", buf.getvalue())], upload_date=date(2026, 11, 5))
    assert not plan.blocked
    svc.commit_upload(app, u["eval"], plan, acknowledge_warnings=True)
    from sqlalchemy import update

    from store.tables import users
    station = sorted(set(monthly["station"]))[0]
    with app.db.write() as conn:
        conn.execute(update(users).where(users.c.id == u["head"].id).values(scope_value=station))
    return u, station


def test_ranking_pdf_lists_every_office_with_its_score(app, stored):
    u, _ = stored
    name, data = pdf_export.ranking_pdf(app, u["lead"], "2026-10")
    assert name == "星级评定_2026-10_第0版.pdf" and data.startswith(b"%PDF")
    text = _text(data)
    assert "2026年10月星级警务室评定结果" in text and "第1页/共" in text
    view = rv.rating_view(app, u["lead"], "2026-10")
    assert re.sub(r"\s+", "", view.rubric.version) in text
    for _, r in view.ranked.iterrows():
        expected = f"{r['code']}{r['name']}{r['station']}{r['branch']}"
        if pd_notna(r["score"]):
            expected += f"{r['score']:.2f}"
        assert expected in text, r["code"]
    assert any("NotoSansCJK" in f for f in _embedded_fonts(data))
    from sqlalchemy import select

    from store.tables import audit_events
    with app.db.read() as conn:
        kinds = [(k, d) for k, d in conn.execute(select(audit_events.c.kind, audit_events.c.details))]
    assert any(k == "RankingExported" and '"pdf"' in d for k, d in kinds)
    with pytest.raises(PermissionDenied):
        pdf_export.ranking_pdf(app, u["head"], "2026-10")


def pd_notna(v) -> bool:
    return v == v and v is not None


def test_score_card_pdf_for_an_office_in_scope_only(app, stored):
    u, station = stored
    view = rv.rating_view(app, u["head"], "2026-10")
    mine = view.ranked[view.ranked["station"] == station].iloc[0]
    name, data = pdf_export.scorecard_pdf(app, u["head"], "2026-10", None, mine["code"])
    assert name == f"评分卡_{mine['code']}_2026-10.pdf"
    text = _text(data)
    ex = rv.explain_office(app, u["head"], "2026-10", None, mine["code"])
    assert f"{ex.name}（{ex.code}）评分卡" in text
    assert (f"得分：{ex.score:.2f}" if ex.score is not None else "得分：—") in text
    for it in ex.items:
        assert re.sub(r"\s+", "", it.label) in text
    assert re.sub(r"\s+", "", ex.next_star_sentence)[:30] in text
    assert _embedded_fonts(data)
    other = view.ranked[view.ranked["station"] != station].iloc[0]["code"]
    with pytest.raises(PermissionDenied):
        pdf_export.scorecard_pdf(app, u["head"], "2026-10", None, other)


def test_without_a_chinese_font_the_pdf_is_refused_with_a_message(monkeypatch):
    from services.errors import ServiceError
    monkeypatch.setattr(pdf_export, "FONT_GLOBS", ("/nonexistent/NotoSansCJK-{w}.ttc",))
    with pytest.raises(ServiceError, match="中文字体"):
        pdf_export._pdf("标题", "页脚", landscape=True)
