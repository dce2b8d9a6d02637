"""web/cookies.py reads the browser's XSRF token exactly as Streamlit does, and writes the session
cookie with its attributes."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from streamlit.web.server.starlette.starlette_app_utils import (  # noqa: E402
    decode_xsrf_token_string,
    generate_xsrf_token_string,
)

from web.cookies import (  # noqa: E402
    SESSION_COOKIE,
    XSRF_COOKIE,
    browser_binding,
    clear_cookie_header,
    is_https,
    set_cookie_header,
)


def test_binding_is_streamlits_own_token_under_every_mask():
    for _ in range(50):
        token = os.urandom(16)
        values = {generate_xsrf_token_string(token, 1796410828) for _ in range(5)}  # re-masked each time
        assert len(values) > 1
        for value in values:
            assert decode_xsrf_token_string(value)[0] == token
            assert browser_binding({XSRF_COOKIE: value}) == token.hex()


def test_no_binding_without_a_usable_xsrf_cookie():
    for bad in ("", "2|zz|zz|1", "2|11223344|00|1", "nonsense", "2|1122|3344"):
        assert browser_binding({XSRF_COOKIE: bad}) is None
    assert browser_binding({}) is None


def test_cookie_attributes_and_https_detection():
    assert set_cookie_header("tok", 43200, secure=False) == \
        f"{SESSION_COOKIE}=tok; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict"
    assert set_cookie_header("tok", 60, secure=True).endswith("; Secure")
    cleared = clear_cookie_header(secure=False)
    assert cleared.startswith(f"{SESSION_COOKIE}=;") and "Max-Age=0" in cleared and "1970" in cleared
    assert is_https("https", {}) and is_https("http", {"x-forwarded-proto": "https"})
    assert is_https("http", {"x-forwarded-proto": "https, http"})
    assert not is_https("http", {}) and not is_https("http", {"x-forwarded-proto": "http"})
