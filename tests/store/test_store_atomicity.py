"""An upload is stored completely or not at all: injected failures, SIGKILL, concurrent writers."""

import os
import random
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.errors import Conflict, ServiceError
from store import audit, rows
from store.db import Database
from store.tables import audit_events, dispute_rows, monthly_rows, uploads
from tests.dbfixtures import (
    big_upload,
    crash_worker,
    create_users,
    dispute_record,
    dump_tables,
    make_upload,
    monthly_record,
    store_as,
)

ROOT = Path(__file__).resolve().parents[2]


def _install_failing_trigger(db, table: str, column: str, value: str) -> None:
    with db.write() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql(
                f"CREATE TRIGGER inject_failure BEFORE INSERT ON {table} WHEN NEW.{column} = '{value}' "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION inject_failure() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.{column} = '{value}' THEN RAISE EXCEPTION 'injected failure'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql")
            conn.exec_driver_sql(f"CREATE TRIGGER inject_failure BEFORE INSERT ON {table} "
                                 "FOR EACH ROW EXECUTE FUNCTION inject_failure()")


@pytest.mark.parametrize("where", [
    ("monthly_rows", "office_code", "A00"),      # the first row written
    ("dispute_rows", "dispute_id", "D0030"),     # a middle row
    ("dispute_rows", "dispute_id", "D0059"),     # the last row
    ("audit_events", "kind", "UploadReplaced"),  # the audit event, written last of all
])
def test_a_writer_failing_midway_leaves_every_table_as_before(app, where):
    u = create_users(app)
    store_as(app, u["eval"].id, make_upload("v1.xlsx", [monthly_record(f"A{i:02d}", "2026-09") for i in range(3)],
                                            [dispute_record(f"D{i:04d}", "A00") for i in range(10)]))
    second = make_upload("v2.xlsx", [monthly_record(f"A{i:02d}", "2026-09", alerts=99.0) for i in range(3)],
                         [dispute_record(f"D{i:04d}", f"A{i % 3:02d}", risk="红") for i in range(60)])
    _install_failing_trigger(app.db, *where)
    before = dump_tables(app.db)
    with pytest.raises(ServiceError, match="未保存任何数据"):
        store_as(app, u["eval"].id, second)
    assert dump_tables(app.db) == before


def _assert_every_stored_upload_complete(db) -> int:
    with db.read() as conn:
        stored = conn.execute(select(uploads).where(uploads.c.result == "stored")).mappings().all()
        for up in stored:
            m = conn.execute(select(func.count()).select_from(monthly_rows)
                             .where(monthly_rows.c.upload_id == up["id"])).scalar_one()
            d = conn.execute(select(func.count()).select_from(dispute_rows)
                             .where(dispute_rows.c.upload_id == up["id"])).scalar_one()
            ev = conn.execute(select(func.count()).select_from(audit_events)
                              .where(audit_events.c.upload_id == up["id"])).scalar_one()
            assert m == up["monthly_new"] + up["monthly_replaced"], up["file_name"]
            assert d == up["disputes_new"] + up["disputes_updated"], up["file_name"]
            assert ev == 1
        for table in (monthly_rows, dispute_rows):
            orphans = conn.execute(select(func.count()).select_from(table).where(
                ~table.c.upload_id.in_(select(uploads.c.id).where(uploads.c.result == "stored")))).scalar_one()
            assert orphans == 0
    return len(stored)


@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_a_partial_upload(tmp_path):
    from store import migrate
    from tests.dbfixtures import open_test_app

    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    app = open_test_app(url, str(tmp_path))
    migrate.upgrade(app.db)
    actor = create_users(app)["eval"].id
    rng = random.Random(20261122)
    kills = 0
    rounds = 0
    while kills < 30:
        rounds += 1
        children = []
        for w in range(3):
            first = big_upload(f"r{rounds}w{w}", disputes=800)  # built before forking: the child only stores
            pid = os.fork()  # a child with everything imported: it starts writing at once
            if pid == 0:
                try:
                    crash_worker(url, str(tmp_path), actor, f"r{rounds}w{w}", first)
                finally:
                    os._exit(3)  # never return into pytest
            children.append(pid)
        for pid in children:
            time.sleep(rng.uniform(0.05, 1.5))
            os.kill(pid, signal.SIGKILL)
            kills += 1
        for pid in children:
            _, status = os.waitpid(pid, 0)
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
    with Database.open(url).engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    stored = _assert_every_stored_upload_complete(app.db)
    assert stored > 0, "no upload finished between kills: the test killed too early to prove anything"


def test_twenty_uploads_at_once_from_threads_are_all_stored(app):
    u = create_users(app)
    with ThreadPoolExecutor(20) as ex:
        results = list(ex.map(lambda i: store_as(app, u["eval"].id, big_upload(f"T{i}", offices=3, disputes=40)),
                              range(20)))
    assert all(len(r.upload_ids) == 1 for r in results)
    assert _assert_every_stored_upload_complete(app.db) == 20


def test_twenty_uploads_at_once_from_processes_are_all_stored(app, tmp_path):
    u = create_users(app)
    url = app.db.engine.url.render_as_string(False)
    ctx = get_context("spawn")  # fresh interpreters: no database connection is shared with the parent
    with ctx.Manager() as manager:
        barrier = manager.Barrier(20, timeout=300)
        with ProcessPoolExecutor(20, mp_context=ctx) as ex:
            outcomes = list(ex.map(_worker, [(url, str(tmp_path), u["eval"].id, f"P{i}", None, barrier)
                                             for i in range(20)]))
    assert outcomes == ["stored"] * 20
    assert _assert_every_stored_upload_complete(app.db) == 20


def _worker(args):
    from tests.dbfixtures import process_upload_worker
    return process_upload_worker(args)


def test_the_same_station_and_month_uploaded_twice_at_once_gives_exactly_one_current_version(app):
    u = create_users(app)
    barrier = threading.Barrier(2)

    def go(alerts):
        up = make_upload(f"same{alerts}.xlsx", [monthly_record("SAME", "2026-09", alerts=alerts, criminal_cases=alerts)])
        from services import uploads as svc
        plan = svc.plan_uploads(app, u["head"].id, [up])
        barrier.wait()
        try:
            return svc.commit_upload(app, u["head"].id, plan)
        except Conflict:
            return "conflict"

    for _ in range(3):
        with ThreadPoolExecutor(2) as ex:
            outcomes = list(ex.map(go, [11.0, 22.0]))
        assert sum(o != "conflict" for o in outcomes) >= 1
        with app.db.read() as conn:
            cur = rows.current_monthly(conn)
            assert len(cur) == 1
            assert cur.loc[0, "alerts"] == cur.loc[0, "criminal_cases"]  # never a mix of the two files
            assert conn.execute(select(func.count()).select_from(monthly_rows)
                                .where(monthly_rows.c.is_current)).scalar_one() == 1
    with app.db.read() as conn:
        assert audit.events(conn, "UploadRejected") == []
