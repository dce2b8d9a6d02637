"""星级评定 offers the ranking PDF (leadership, evaluators) and the chosen office's score card PDF, built on click."""

from __future__ import annotations

import io

import pypdf
import streamlit
from app_helpers import no_failure, sign_in


def _recording(monkeypatch) -> dict:
    made = {}
    real = streamlit.download_button

    def recording(label, data, *args, **kwargs):
        made[kwargs.get("key")] = (data, kwargs.get("file_name"))
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording)
    return made


def _text(data: bytes) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).replace("\x00", "").replace(" ", "")


def test_leadership_builds_the_ranking_and_a_score_card_pdf(shared_demo, monkeypatch):
    made = _recording(monkeypatch)
    at = sign_in(shared_demo, "leadership", "pages/rating.py")
    no_failure(at)
    assert "rat_ranking_pdf_download" not in made and "rat_card_pdf_download" not in made
    at.button(key="rat_ranking_pdf_make").click().run()
    no_failure(at)
    at.button(key="rat_card_pdf_make").click().run()
    no_failure(at)
    ranking, name = made["rat_ranking_pdf_download"]
    assert name.endswith(".pdf") and "星级警务室评定结果" in _text(ranking)
    card, name = made["rat_card_pdf_download"]
    code = at.selectbox(key="rat_office").value
    assert name.startswith(f"评分卡_{code}_") and "评分卡" in _text(card) and code in _text(card)


def test_station_head_gets_a_score_card_but_no_ranking_pdf(shared_demo):
    at = sign_in(shared_demo, "station_head", "pages/rating.py")
    no_failure(at)
    keys = {b.key for b in at.button}
    assert "rat_card_pdf_make" in keys and "rat_ranking_pdf_make" not in keys
