"""总览 offers leadership the period's 通报, built on click; a station head is not offered it."""

from __future__ import annotations

import io

import docx
import streamlit
from app_helpers import no_failure, sign_in

from services import bulletin


def test_leadership_builds_the_bulletin_on_click(shared_demo, monkeypatch):
    made = {}
    real = streamlit.download_button

    def recording(label, data, *args, **kwargs):
        made[kwargs.get("key")] = (data, kwargs.get("file_name"))
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording)
    at = sign_in(shared_demo, "leadership", "pages/overview.py")
    no_failure(at)
    assert "ov_bulletin_download" not in made
    at.button(key="ov_bulletin_make").click().run()
    no_failure(at)
    data, name = made["ov_bulletin_download"]
    assert name.startswith("社区警务工作通报_") and name.endswith(".docx")
    d = docx.Document(io.BytesIO(data))
    assert d.paragraphs[0].text == bulletin.TITLE
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"] == list(bulletin.SECTIONS)


def test_station_head_is_not_offered_the_bulletin(shared_demo):
    at = sign_in(shared_demo, "station_head", "pages/overview.py")
    no_failure(at)
    assert not [b for b in at.button if b.key == "ov_bulletin_make"]
