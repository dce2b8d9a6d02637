"""User text inside our own alert boxes: ``st.error``/``st.success``/``st.info`` render Markdown, so a
service message that quotes a file name or a note must be escaped first. ``md_escape`` backslash-escapes
every ASCII punctuation character (CommonMark treats ``\\`` + punctuation as the literal character), so
links, images, ``:red[…]`` colour directives and HTML all show as typed."""

from __future__ import annotations

import string

_PUNCT = set(string.punctuation)


def md_escape(text: object) -> str:
    """``text`` with every ASCII punctuation character escaped for Streamlit Markdown."""
    return "".join("\\" + ch if ch in _PUNCT else ch for ch in str(text))
