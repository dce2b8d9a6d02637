"""Real-browser fixtures: the app in a real Streamlit server, driven by Debian's Chromium via Playwright.

* ``fresh_app`` — ``streamlit run serve.py`` (``app.py`` with the cookie routes and middleware of
  ``web/``, as ``scripts/run.sh`` serves it) on a free loopback port with an empty data folder (so the
  first-run setup screen shows); the server (its whole process group) is killed at the end.
* ``demo_app`` — the same with ``DASHBOARD_DEMO=1`` (sample bureau, one account per role).
* ``browser`` — one headless Chromium for the session; Playwright never downloads a browser: it runs
  ``/usr/bin/chromium`` with the flags below (the machine has no internet).
* ``page`` — a fresh browser context and page per test, with every JavaScript dialog recorded in
  ``page.dialogs`` (an ``alert(1)`` from injected markup would land there).

Server logs go to ``test-output/e2e-logs/``; screenshots to ``test-output/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT_S = 60
SEED_TIMEOUT_MS = 300_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running ``streamlit run serve.py``: its base URL, data folder and log file."""

    url: str
    data_dir: Path
    log: Path
    proc: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _start(name: str, extra_env: dict[str, str]) -> Server:
    port = _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix=f"e2e-{name}-"))
    logs = OUT / "e2e-logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update({"DASHBOARD_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **extra_env})
    cmd = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Server(url=f"http://127.0.0.1:{port}", data_dir=data_dir, log=log, proc=proc)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"Streamlit exited with {proc.returncode}:\n{server.log_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return server
        except OSError:
            pass
        time.sleep(0.3)
    _stop(server)
    pytest.fail(f"Streamlit did not answer /_stcore/health in {START_TIMEOUT_S} s:\n{server.log_text()}",
                pytrace=False)


def _stop(server: Server) -> None:
    try:
        os.killpg(server.proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=10)
    shutil.rmtree(server.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def start_server():
    """Starts more servers on demand: ``start_server(name, {env})``; all stopped after the module."""
    started: list[Server] = []

    def start(name: str, extra_env: dict[str, str] | None = None) -> Server:
        server = _start(name, extra_env or {})
        started.append(server)
        return server

    yield start
    for server in started:
        _stop(server)


@pytest.fixture(scope="session")
def fresh_app():
    """The app on an empty data folder (first-run setup)."""
    server = _start("fresh", {})
    yield server
    _stop(server)


@pytest.fixture
def unvisited_app():
    """The app on an empty data folder, just started: no browser has opened any address of it yet."""
    server = _start("unvisited", {})
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def demo_app(browser):
    """The app in demo mode (sample bureau, demo accounts), already seeded: the first session seeds
    the sample bureau through the upload services, which takes a while; it is done here once."""
    server = _start("demo", {"DASHBOARD_DEMO": "1"})
    context = browser.new_context()
    try:
        warm = context.new_page()
        warm.goto(server.url)
        warm.wait_for_selector('[data-testid="stForm"]', timeout=SEED_TIMEOUT_MS)
    except Exception:
        _stop(server)
        raise
    finally:
        context.close()
    yield server
    _stop(server)


@pytest.fixture(scope="module")
def early_demo_app(browser):
    """Its own demo server (the shared one stays as seeded), seeded, on which the demo station head's
    station (兰街派出所) has then stored its 2026-11 report early — a real workbook through the real
    reader and upload services — while 2026-10 still misses one station."""
    import datetime as dt

    from sample_data.generate import build_bureau, station_rows, write_station_workbook
    from services import accounts, uploads
    from services.context import open_app
    from services.demo import DEMO_PASSWORD, DEMO_USERS
    from services.settings import from_env

    server = _start("early", {"DASHBOARD_DEMO": "1"})
    context = browser.new_context()
    try:
        warm = context.new_page()
        warm.goto(server.url)
        warm.wait_for_selector('[data-testid="stForm"]', timeout=SEED_TIMEOUT_MS)
        monthly, ledger = build_bureau()
        rows, _ = station_rows(monthly, ledger, "兰街派出所", "2026-10")
        path = server.data_dir / "东城分局_兰街派出所_2026-11月报.xlsx"
        write_station_workbook(path, rows.assign(month="2026-11"), ledger.iloc[0:0], fill_date="2026-12-03")
        app = open_app(from_env({"DASHBOARD_DATA_DIR": str(server.data_dir), "DASHBOARD_DEMO": "1"}))
        try:
            head = accounts.authenticate(app, DEMO_USERS["station_head"], DEMO_PASSWORD).actor
            plan = uploads.prepare_upload(app, head, [(path.name, path.read_bytes())], upload_date=dt.date(2026, 12, 3))
            uploads.commit_upload(app, head, plan, acknowledge_warnings=True)
        finally:
            app.close()
    except Exception:
        _stop(server)
        raise
    finally:
        context.close()
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium not found at /usr/bin/chromium: run the tests with scripts/test.sh, "
                    "which installs the chromium package.", pytrace=False)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    """A new context (own cookies, own Streamlit session) and page; ``page.dialogs`` lists every dialog."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN",
                                  accept_downloads=True)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    dialogs: list[str] = []

    def _on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    pg.on("dialog", _on_dialog)
    pg.dialogs = dialogs
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:  # leave what the browser showed for the reviewer
        shots = OUT / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        name = "FAILED_" + "".join(c if c.isalnum() or c in "-_[]" else "_" for c in request.node.name)
        try:
            pg.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            (shots / f"{name}.html").write_text(pg.content(), encoding="utf-8")
        except Exception:  # the page may be gone; the failure itself is what matters
            pass
    context.close()
