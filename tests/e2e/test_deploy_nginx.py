"""``deploy/local-nginx.sh``: two app processes behind Debian's nginx on loopback, on one PostgreSQL,
driven by ``bench/load.py`` over the proxy — sessions spread over both processes (sticky by client
address), uploads reach the process of their session (no "Invalid session_id"), every receipt is one
stored upload. A smoke run, not a measurement (issue 16)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from bench import load
from tests.dbfixtures import (
    free_port,
    pg_server,  # noqa: F401  (fixture: the throwaway PostgreSQL server)
)

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 240


def _nginx() -> None:
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.fail("nginx not found: run the tests with scripts/test.sh, which installs nginx-light.",
                    pytrace=False)


def test_two_processes_behind_nginx_spread_sessions_and_keep_uploads_with_their_session(
        request, tmp_path, monkeypatch):
    _nginx()
    pg = request.getfixturevalue("pg_server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update(DASHBOARD_DATABASE_URL=pg.url(pg.new_database(template=pg.template)),
               DASHBOARD_DATA_DIR=str(tmp_path / "data"), DASHBOARD_DEMO="1", PYTHONUNBUFFERED="1")
    listen, a, b = free_port(), free_port(), free_port()
    log = tmp_path / "local-nginx.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(["bash", "deploy/local-nginx.sh", "--listen", str(listen), "--ports", f"{a},{b}"],
                                cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "ready:" not in log.read_text(encoding="utf-8", errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"local-nginx.sh did not get ready:\n{log.read_text(errors='replace')}", pytrace=False)
            time.sleep(0.5)
        text = log.read_text(encoding="utf-8")
        work = Path(re.search(r"^logs: (\S+)$", text, re.M).group(1))
        for k in ("DASHBOARD_DATABASE_URL", "DASHBOARD_DATA_DIR", "DASHBOARD_DEMO"):
            monkeypatch.setenv(k, env[k])
        summary = load.main(["--url", f"http://127.0.0.1:{listen}", "--sessions", "6", "--duration", "90",
                             "--ramp", "1", "--think", "0.2", "--max-runs", "6", "--spread", "12",
                             "--scenarios", "leader,evaluator,head", "--out", str(tmp_path / "load")])
        every = next(r for r in summary["levels"] if r["scenario"] == "all")
        assert every["errors"] == 0 and every["script_exceptions"] == 0 and every["error_alerts"] == 0, \
            every["first_errors"]
        ups = summary["uploads"]
        assert ups["receipts"] >= 1 and ups["conflicts"] == 0 and ups["stored_in_database"] == ups["receipts"]
        access = (work / "logs" / "nginx-access.log").read_text(encoding="utf-8")
        streams = {line.rsplit("upstream=", 1)[1] for line in access.splitlines() if "/_stcore/stream" in line}
        assert streams == {f"127.0.0.1:{a}", f"127.0.0.1:{b}"}  # both processes got sessions
        puts = [line for line in access.splitlines() if "/_stcore/upload_file/" in line]
        assert puts and all(" 204 " in line for line in puts), puts
        shutil.rmtree(work, ignore_errors=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
