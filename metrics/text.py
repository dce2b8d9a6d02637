"""Text normalisation: how headers, sheet names and vocabulary spellings are matched.

Hand-typed reports spell the same thing many ways: full-width characters (``１２３``, ``（小时）``),
invisible spaces pasted from web pages (NBSP, zero-width space, BOM), traditional characters
(``警務室編碼``), line breaks and spaces inside header cells, and a unit in brackets after a header.
Everything here is pure and memoised on distinct strings (a sheet repeats the same few values).

* :func:`normalize` — NFKC, invisible characters removed, traditional → simplified, trimmed.
* :func:`header_key` — :func:`normalize` plus all whitespace removed, brackets unified and a trailing
  unit in brackets dropped: the key used to match headers and sheet names.
* :func:`vocab_key` — the key used to match vocabulary spellings and yes/no words.
* :func:`clean_text` — what a free-text cell keeps: control and invisible characters removed,
  trimmed, otherwise as written.
* :func:`header_lookup`, :func:`sheet_name_keys`, :func:`vocabulary_lookup` — the lookup dicts built
  once from ``metrics.schema``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from metrics.schema import SHEET_KINDS, VOCABULARIES, SheetKind

# Invisible characters that survive NFKC (NBSP and the ideographic space become a plain space there).
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u180e"
# C0/C1 control characters except tab and line breaks: openpyxl refuses to write them later.
_CONTROL = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)))
_DROP = str.maketrans("", "", _INVISIBLE + _CONTROL)
_SPACES = str.maketrans({"\u00a0": " ", "\u3000": " ", "\u202f": " ", "\u2007": " "})
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "{": "(", "}": ")",
                           "〈": "(", "〉": ")", "《": "(", "》": ")", "<": "(", ">": ")"})
_WHITESPACE = re.compile(r"\s+")
_TRAILING_UNIT = re.compile(r"\([^()]*\)$")

_converter = None


def _t2s(s: str) -> str:
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return _converter.convert(s)


def normalize(s: str) -> str:
    """``s`` made comparable: NFKC (full-width → half-width), invisible and control characters
    removed, traditional → simplified Chinese, surrounding whitespace trimmed.

    >>> normalize("\\u3000警務室編碼\\u200b ")
    '警务室编码'
    """
    if s.isascii() and s.isprintable():  # nothing to convert: skip the cache (ids are all distinct)
        return s.strip()
    return _normalize(s)


@lru_cache(maxsize=65536)
def _normalize(s: str) -> str:
    out = unicodedata.normalize("NFKC", s.translate(_DROP))
    if not out.isascii():
        out = _t2s(out)
    return out.strip()


@lru_cache(maxsize=65536)
def header_key(s: str) -> str:
    """The key a header (or a sheet name) is matched by.

    :func:`normalize`, then every space and line break removed, all bracket styles unified to ``()``,
    a trailing unit in brackets dropped (``驻社区总时长（小时）`` and ``驻社区总时长(h)`` both give
    ``驻社区总时长``) and ASCII letters case-folded.
    """
    out = _WHITESPACE.sub("", normalize(s)).translate(_BRACKETS)
    stripped = _TRAILING_UNIT.sub("", out)
    return (stripped or out).casefold()


@lru_cache(maxsize=65536)
def vocab_key(s: str) -> str:
    """The key a vocabulary spelling is matched by: :func:`normalize`, inner spaces removed,
    case-folded. ``村（社区）``, ``村(社区)`` and `` 村 (社區) `` give the same key."""
    return _WHITESPACE.sub("", normalize(s)).casefold()


def clean_text(s: str) -> str:
    """A free-text cell as kept: control and invisible characters removed, odd spaces made plain,
    trimmed; otherwise exactly as written (no script conversion, no interpretation)."""
    if s.isascii() and s.isprintable():
        return s.strip()
    return _clean_text(s)


@lru_cache(maxsize=65536)
def _clean_text(s: str) -> str:
    return s.translate(_DROP).translate(_SPACES).strip()


@cache
def header_lookup(kind_key: str) -> dict[str, str]:
    """``header_key(spelling)`` → column key, for every canonical header and alias of a sheet kind."""
    kind: SheetKind = SHEET_KINDS[kind_key]
    out: dict[str, str] = {}
    for col in kind.columns:
        for spelling in col.headers:
            key = header_key(spelling)
            if out.get(key, col.key) != col.key:
                raise ValueError(f"header spelling {spelling!r} is ambiguous in {kind_key}")
            out[key] = col.key
    return out


@cache
def sheet_name_keys(kind_key: str) -> frozenset[str]:
    """The ``header_key`` of every listed sheet name of a kind."""
    return frozenset(header_key(n) for n in SHEET_KINDS[kind_key].names)


@cache
def vocabulary_lookup(vocab: str) -> dict[str, str]:
    """``vocab_key(spelling)`` → canonical value, for every accepted spelling of a vocabulary."""
    return {vocab_key(k): v for k, v in VOCABULARIES[vocab].spellings().items()}
