"""The session cookie: its name and attributes, and how a request identifies its browser.

The cookie ``dashboard_session`` holds the random session token (``services/sessions.py``; the
database keeps only its SHA-256). It is HttpOnly (no script can read it), SameSite=Strict (no other
site's page makes the browser send it), Path=/, Secure when the request came over HTTPS (directly or
through a proxy that says ``X-Forwarded-Proto: https``), and expires with the session's absolute
lifetime.

A sign-in's one-time handoff is bound to the browser by its Streamlit XSRF cookie ``_streamlit_xsrf``:
Streamlit re-masks that cookie on each response, so :func:`browser_binding` unmasks it to the token
both the WebSocket (``st.context.cookies``) and an HTTP request of the same browser carry.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping

SESSION_COOKIE = "dashboard_session"
XSRF_COOKIE = "_streamlit_xsrf"


def browser_binding(cookies: Mapping[str, str]) -> str | None:
    """The browser's XSRF token (hex), from its ``_streamlit_xsrf`` cookie; None without a usable one.

    Version-2 values are ``2|mask|masked token|timestamp`` (the token XOR the 4-byte mask repeated,
    as Streamlit's ``decode_xsrf_token_string`` reads it), version 1 the token in hex."""
    raw = (cookies.get(XSRF_COOKIE) or "").strip("\"' ")
    if not raw:
        return None
    try:
        if raw.startswith("2|"):
            _, mask_hex, masked_hex, _ts = raw.split("|")
            mask, masked = binascii.a2b_hex(mask_hex), binascii.a2b_hex(masked_hex)
            if len(mask) != 4 or len(masked) < 16:
                return None
            return bytes(b ^ mask[i % 4] for i, b in enumerate(masked)).hex()
        token = binascii.a2b_hex(raw)
        return token.hex() if len(token) >= 16 else None
    except (ValueError, binascii.Error):
        return None


def is_https(scheme: str, headers: Mapping[str, str]) -> bool:
    """Whether the browser reached us over HTTPS (itself, or a proxy in front that says so)."""
    forwarded = (headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()
    return scheme == "https" or forwarded == "https"


def set_cookie_header(token: str, max_age_s: int, secure: bool) -> str:
    """The ``Set-Cookie`` value that stores ``token``."""
    parts = [f"{SESSION_COOKIE}={token}", "Path=/", f"Max-Age={max(0, int(max_age_s))}", "HttpOnly",
             "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def clear_cookie_header(secure: bool) -> str:
    """The ``Set-Cookie`` value that removes the session cookie."""
    return set_cookie_header("", 0, secure).replace("Max-Age=0", "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
