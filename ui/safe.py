"""User text inside our own alert boxes and charts, shown as typed.

* ``st.error``/``st.success``/``st.info``, progress, status, toast and spinner texts render Markdown, so a
  message that quotes a file name or a note must be escaped first. ``md_escape`` backslash-escapes every
  ASCII punctuation character (CommonMark treats ``\\`` + punctuation as the literal character), so
  links, images, ``:red[…]`` colour directives and HTML all show as typed.
* Plotly reads a subset of HTML (``<a href>``, ``<b>``, ``<span style>``, ``<br>`` …) in every text it
  draws — titles, tick labels, legend entries, bar texts, hover labels. ``plot_text`` escapes user text
  (office, station and branch names, rubric labels) for it: ``<`` shows as ``<``, never as a tag. The
  chart builders in ``ui/`` apply it where they take their labels.
"""

from __future__ import annotations

import html
import string

_PUNCT = set(string.punctuation)


def md_escape(text: object) -> str:
    """``text`` with every ASCII punctuation character escaped for Streamlit Markdown."""
    return "".join("\\" + ch if ch in _PUNCT else ch for ch in str(text))


def plot_text(value: object) -> str:
    """``value`` as literal text for plotly labels and hovers (HTML special characters escaped)."""
    return html.escape(str(value), quote=False)
