"""The load driver (``bench/load.py``) and its protocol client (``bench/st_client.py``) against real
``streamlit run serve.py`` servers: a short smoke run so that neither can rot, and two app processes
on one PostgreSQL where a store is seen by the other process's next page run (issue 16).
"""

from __future__ import annotations

import json
import re

import pytest

from bench import load
from bench.st_client import Session, run_sync
from services import accounts, uploads
from services.context import open_app
from services.demo import DEMO_PASSWORD, UPLOAD_DATE, ensure_demo, sample_files
from services.settings import from_env
from tests.dbfixtures import pg_server  # noqa: F401  (fixture: the throwaway PostgreSQL server)

pytestmark = pytest.mark.e2e
VERSION = re.compile(r"数据版本 (\d+)")


def _installation(server, url: str | None = None):
    env = {"DASHBOARD_DATA_DIR": str(server.data_dir), "DASHBOARD_DEMO": "1"}
    if url:
        env["DASHBOARD_DATABASE_URL"] = url
    return open_app(from_env(env))


def test_the_driver_runs_both_scenarios_over_the_websocket_and_reports(start_server, monkeypatch, tmp_path):
    server = start_server("load-smoke", {"DASHBOARD_DEMO": "1"})
    monkeypatch.setenv("DASHBOARD_DEMO", "1")
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(server.data_dir))
    out = tmp_path / "load"
    summary = load.main(["--url", server.url, "--sessions", "3", "--duration", "60", "--ramp", "1",
                         "--think", "0.2", "--max-runs", "2", "--server-pid", str(server.proc.pid),
                         "--out", str(out)])
    rows = {r["scenario"]: r for r in summary["levels"]}
    # 3 sessions (leader, evaluator, leader) × 2 runs each, every one finished without a failure
    assert rows["all"]["runs"] == 6 and rows["leader"]["runs"] == 4 and rows["evaluator"]["runs"] == 2
    assert all(r["errors"] == 0 and r["script_exceptions"] == 0 and r["error_alerts"] == 0 for r in rows.values())
    assert 0 < rows["all"]["p50_s"] <= rows["all"]["p95_s"] <= rows["all"]["max_s"]
    assert summary["rss_mb"]["max"] > 50  # the server process was sampled (a Streamlit server is bigger)
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert written["levels"] == summary["levels"]
    steps = (out / "runs.csv").read_text(encoding="utf-8")
    assert "overview_period" in steps and "rating_quarter" in steps
    assert (out / "latency.png").read_bytes()[:4] == b"\x89PNG"


def test_station_heads_upload_through_the_upload_endpoint_and_every_receipt_is_one_stored_upload(
        start_server, monkeypatch, tmp_path):
    server = start_server("load-heads", {"DASHBOARD_DEMO": "1"})
    monkeypatch.setenv("DASHBOARD_DEMO", "1")
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(server.data_dir))
    summary = load.main(["--url", server.url, "--sessions", "2", "--duration", "60", "--ramp", "1",
                         "--think", "0.2", "--max-runs", "7", "--scenarios", "head",
                         "--out", str(tmp_path / "load")])
    head = next(r for r in summary["levels"] if r["scenario"] == "head")
    assert head["errors"] == 0 and head["script_exceptions"] == 0 and head["error_alerts"] == 0, head["first_errors"]
    # two heads of two stations, one upload each within 7 runs (open, file, preview, [ack], store)
    assert head["uploads"] == 2 and head["upload_to_receipt_max_s"] > 0
    assert summary["uploads"] == {"receipts": 2, "conflicts": 0, "stored_in_database": 2}


def test_the_driver_refuses_anything_but_loopback():
    with pytest.raises(SystemExit):
        load.main(["--url", "http://192.0.2.1:8501"])


async def _overview(url: str, token: str) -> tuple[Session, list[str]]:
    s = await Session.open(url, {"dashboard_session": token})
    run = await s.goto("")
    assert not run.exceptions and not run.error_alerts
    return s, run.texts


def test_a_store_is_seen_by_the_other_process_on_its_next_page_run(start_server, request):
    pg = request.getfixturevalue("pg_server")
    url = pg.url(pg.new_database(template=pg.template))
    proc_a = start_server("load-pg-a", {"DASHBOARD_DATABASE_URL": url, "DASHBOARD_DEMO": "1"})
    proc_b = start_server("load-pg-b", {"DASHBOARD_DATABASE_URL": url, "DASHBOARD_DEMO": "1"})
    # the demo bureau but its last station, stored through the services (as process A's first page
    # run would); both processes share the data folder's secrets only through the database here
    app = _installation(proc_a, url)
    assert ensure_demo(app, skip_stations=1)
    leader = accounts.authenticate(app, "demo_leader", DEMO_PASSWORD)
    evaluator = accounts.authenticate(app, "demo_eval", DEMO_PASSWORD).actor

    async def scenario():
        b, before = await _overview(proc_b.url, leader.token)
        a, on_a = await _overview(proc_a.url, leader.token)
        assert on_a == before  # the same numbers from both processes
        again = await b.run()
        assert again.texts == before  # B answers from its caches (nothing changed)
        version = int(VERSION.search("\n".join(before)).group(1))

        _, stations = sample_files()
        last = stations[-1]
        plan = uploads.prepare_upload(app, evaluator, [(last.name, last.read_bytes())], upload_date=UPLOAD_DATE)
        stored = uploads.commit_upload(app, evaluator, plan, acknowledge_warnings=True).upload_ids
        assert len(stored) == 1 and stored[0] > version

        after_b = (await b.run()).texts  # B's next run of the same session, no restart
        after_a = (await a.run()).texts
        assert int(VERSION.search("\n".join(after_b)).group(1)) == stored[0]
        assert after_b != before and after_b == after_a
        await a.close()
        await b.close()

    try:
        run_sync(scenario())
    finally:
        app.close()
