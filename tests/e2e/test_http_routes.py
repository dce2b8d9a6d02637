"""The HTTP side of the served app (``serve.py``: ``web/routes.py`` and ``web/middleware.py``), over
real HTTP against a real ``streamlit run serve.py``: the backup route serves only a signed-in admin
and audits it; ``/auth/complete`` sets the cookie once, for the right browser, with the right
attributes; ``/auth/clear`` removes only a dead cookie; ``/_stcore/metrics`` and the stock
host-config are not reachable; a cross-origin WebSocket is refused; no external IP lookup happens."""

from __future__ import annotations

import base64
import http.client
import os
import sqlite3
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from services import accounts
from services.context import open_app
from services.settings import Settings, sqlite_url
from store import audit
from web.cookies import SESSION_COOKIE, XSRF_COOKIE

ROOT = Path(__file__).resolve().parents[2]
PW = "Blue-Lantern-77"
XSRF_TOKEN = bytes(range(16))


def _xsrf_cookie(token: bytes = XSRF_TOKEN, mask: bytes = b"\x11\x22\x33\x44") -> str:
    """A ``_streamlit_xsrf`` value in Streamlit's version-2 format for ``token``."""
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(token))
    return f"2|{mask.hex()}|{masked.hex()}|1796410828"


def _get(url: str, cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None):
    """(status, headers, body) of a GET; 4xx/5xx answers are returned, not raised."""
    req = urllib.request.Request(url, headers=dict(headers or {}))
    if cookies:
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


@pytest.fixture(scope="module")
def served(start_server):
    """A served app on an empty SQLite database, with an admin and an evaluator made here first."""
    server = start_server("routes")
    settings = Settings(data_dir=server.data_dir, database_url=sqlite_url(server.data_dir / "dashboard.sqlite3"))
    app = open_app(settings)
    admin = accounts.create_first_admin(app, "root", PW)
    accounts.create_user(app, admin, "zhao", PW, "evaluator")
    yield server, app
    app.close()


def test_backup_route_serves_only_a_signed_in_admin_and_audits_each_download(served):
    server, app = served
    url = server.url + "/download/backup"
    status, _, body = _get(url)
    assert status == 401 and "登录" in body.decode()
    status, _, _ = _get(url, {SESSION_COOKIE: "forged-or-stolen-after-sign-out"})
    assert status == 401
    evaluator = accounts.authenticate(app, "zhao", PW)
    status, _, body = _get(url, {SESSION_COOKIE: evaluator.token})
    assert status == 403 and "仅限管理员" in body.decode()
    admin = accounts.authenticate(app, "root", PW)
    status, headers, body = _get(url, {SESSION_COOKIE: admin.token})
    assert status == 200 and body[:16] == b"SQLite format 3\x00"
    assert "attachment" in headers["Content-Disposition"] and headers["Cache-Control"] == "no-store"
    copy = server.data_dir / "downloaded.sqlite3"
    copy.write_bytes(body)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT username FROM users ORDER BY id").fetchall() == [("root",), ("zhao",)]
    with app.db.read() as conn:
        downloads = audit.events(conn, "BackupDownloaded")
    assert len(downloads) == 1 and downloads[0]["actor_name"] == "root"
    (kept,) = app.settings.backup_dir.glob("*.sqlite3")
    assert downloads[0]["details"]["file"] == kept.name
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    accounts.sign_out(app, admin.token)  # the same cookie, after sign-out: refused
    assert _get(url, {SESSION_COOKIE: admin.token})[0] == 401
    with app.db.read() as conn:
        assert len(audit.events(conn, "BackupDownloaded")) == 1


def test_database_file_and_its_wal_are_owner_only(served):
    server, _ = served
    files = [p for p in server.data_dir.iterdir() if p.name.startswith("dashboard.sqlite3")]
    assert any(p.name.endswith("-wal") for p in files) or files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_auth_complete_sets_the_cookie_once_for_the_browser_that_signed_in(served):
    server, app = served
    xsrf = _xsrf_cookie()
    signed = accounts.authenticate(app, "zhao", PW, binding=XSRF_TOKEN.hex())
    url = f"{server.url}/auth/complete?h={signed.handoff}"
    # another browser (another XSRF token) cannot use it, and burns it
    other = accounts.authenticate(app, "zhao", PW, binding=XSRF_TOKEN.hex())
    status, headers, _ = _get(f"{server.url}/auth/complete?h={other.handoff}",
                              {XSRF_COOKIE: _xsrf_cookie(bytes(16))})
    assert status == 403 and headers.get("Set-Cookie") is None
    assert _get(f"{server.url}/auth/complete?h={other.handoff}", {XSRF_COOKIE: xsrf})[0] == 403
    # the right browser (its XSRF cookie re-masked, as Streamlit does on every response)
    status, headers, body = _get(url, {XSRF_COOKIE: _xsrf_cookie(mask=b"\x99\x88\x77\x66")})
    assert status == 200 and body.startswith(b"GIF89a")
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}={signed.token};")
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "path", "max-age"} <= attrs and "secure" not in attrs
    assert "SameSite=Strict" in cookie and "Max-Age=43200" in cookie
    assert headers["Cache-Control"] == "no-store"
    # once only
    status, headers, _ = _get(url, {XSRF_COOKIE: xsrf})
    assert status == 403 and headers.get("Set-Cookie") is None


def test_cookie_is_secure_when_the_proxy_says_https(served):
    server, app = served
    signed = accounts.authenticate(app, "zhao", PW, binding=XSRF_TOKEN.hex())
    status, headers, _ = _get(f"{server.url}/auth/complete?h={signed.handoff}", {XSRF_COOKIE: _xsrf_cookie()},
                              {"X-Forwarded-Proto": "https"})
    assert status == 200 and headers["Set-Cookie"].endswith("; Secure")


def test_auth_clear_removes_only_a_dead_cookie(served):
    server, app = served
    live = accounts.authenticate(app, "zhao", PW)
    assert _get(server.url + "/auth/clear", {SESSION_COOKIE: live.token})[1].get("Set-Cookie") is None
    accounts.sign_out(app, live.token)
    cleared = _get(server.url + "/auth/clear", {SESSION_COOKIE: live.token})[1]["Set-Cookie"]
    assert cleared.startswith(f"{SESSION_COOKIE}=;") and "Max-Age=0" in cleared


def test_streamlit_metrics_are_hidden_and_host_config_trusts_no_other_origin(served):
    server, _ = served
    assert _get(server.url + "/_stcore/metrics")[0] == 404
    assert _get(server.url + "/_stcore/metrics?families=session_events")[0] == 404
    status, _, body = _get(server.url + "/_stcore/host-config")
    assert status == 200
    import json

    config = json.loads(body)
    assert config["allowedOrigins"] == [] and config["metricsUrl"] == ""
    assert _get(server.url + "/_stcore/health")[2] == b"ok"


def _websocket_status(url: str, origin: str | None) -> int:
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
               "Sec-WebSocket-Protocol": "streamlit"}
    if origin:
        headers["Origin"] = origin
    conn.request("GET", "/_stcore/stream", headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_a_websocket_from_another_origin_is_refused_before_streamlit_looks_anything_up(served):
    server, _ = served
    assert _websocket_status(server.url, "http://evil.example") == 403
    assert _websocket_status(server.url, "http://127.0.0.1:1") == 403  # another port is another origin
    assert _websocket_status(server.url, server.url) == 101
    assert "Did not auto detect external IP" not in server.log_text()


def test_serve_switches_off_streamlits_external_ip_lookup():
    """Imports serve.py in a fresh interpreter, makes every HTTP request fail loudly, and asks
    Streamlit's own origin check about a foreign origin and for its external address."""
    probe = (
        "import requests\n"
        "def boom(*a, **k):\n"
        "    raise SystemExit('outbound HTTP request: ' + repr(a))\n"
        "requests.get = boom\n"
        "import serve\n"
        "from streamlit import net_util\n"
        "from streamlit.web.server import server_util\n"
        "assert server_util.is_url_from_allowed_origins('http://evil.example') is False\n"
        "assert net_util.get_external_ip() is None\n"
        "print('no lookup')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "no lookup" in out.stdout, out.stdout + out.stderr
    # and without serve.py the same probe does try to reach the internet (the test can fail)
    bare = probe.replace("import serve\n", "")
    out = subprocess.run([sys.executable, "-c", bare], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "outbound HTTP request" in out.stdout + out.stderr


def _start_recording_outbound(tmp_path: Path, extra_flags: list[str]) -> tuple[subprocess.Popen, Path, str]:
    """``streamlit run serve.py`` as scripts/run.sh starts it (no server.address), with every
    ``requests.get`` — what Streamlit's IP lookup uses — recorded in a file and failed."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    marker = tmp_path / "outbound.txt"
    (site / "sitecustomize.py").write_text(
        "import requests\n"
        "def _get(url, *a, **k):\n"
        f"    with open({str(marker)!r}, 'a') as f:\n"
        "        f.write(str(url) + '\\n')\n"
        "    raise requests.ConnectionError('no internet in this test')\n"
        "requests.get = _get\n", encoding="utf-8")
    from tests.dbfixtures import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update({"PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "DASHBOARD_DATA_DIR": str(tmp_path / "data")})
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
                             "--server.headless", "true", "--server.fileWatcherType", "none", *extra_flags],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(url + "/_stcore/health")[2] == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    return proc, marker, url


def _stop(proc: subprocess.Popen) -> None:
    import signal

    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def test_started_as_run_sh_does_streamlit_asks_the_internet_nothing(tmp_path):
    proc, marker, url = _start_recording_outbound(tmp_path, [])
    try:
        assert _websocket_status(url, "http://evil.example") == 403
        assert _websocket_status(url, url) == 101
        assert _get(url + "/")[0] == 200
    finally:
        _stop(proc)
    assert not marker.exists(), marker.read_text()
    # the same start with Streamlit's banner switched back on does look the address up (the test can fail)
    control = tmp_path / "control"
    control.mkdir()
    proc, marker, _ = _start_recording_outbound(control, ["--logger.hideWelcomeMessage", "false"])
    _stop(proc)
    assert marker.exists() and "checkip" in marker.read_text()
