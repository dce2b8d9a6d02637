"""Real databases for the tests: a throwaway PostgreSQL cluster and fresh SQLite files.

``pg_server`` starts a PostgreSQL cluster with ``initdb``/``pg_ctl`` on a free loopback port in a
temporary folder (owned by the ``postgres`` user when the tests run as root) and removes it after the
session. When the binaries are missing it FAILS — the README's test command (``scripts/test.sh``)
installs them; skipping would hide that storage was never tested on PostgreSQL.

``make_db(kind)`` gives an empty, migrated :class:`store.db.Database` of either kind.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from store import migrate
from store.db import Database

DB_KINDS = ("sqlite", "postgresql")


def pg_bin() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not candidates:
        pytest.fail(
            "PostgreSQL binaries (pg_ctl, initdb) not found: run the tests with scripts/test.sh, "
            "which installs the postgresql package.",
            pytrace=False,
        )
    return Path(candidates[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    host: str
    port: int
    user: str
    _counter: itertools.count

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def admin(self) -> Database:
        return Database.open(self.url("postgres"))

    def new_database(self, template: str | None = None) -> str:
        name = f"t{os.getpid()}_{next(self._counter)}"
        admin = self.admin()
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            tmpl = f" TEMPLATE {template}" if template else ""
            conn.exec_driver_sql(f"CREATE DATABASE {name}{tmpl}")
        admin.dispose()
        return name


def start_pg_server(root: Path) -> tuple[PgServer, callable]:
    bindir = pg_bin()
    as_root = os.geteuid() == 0
    data = root / "data"
    sock = root / "sock"
    for p in (root, sock):
        p.mkdir(parents=True, exist_ok=True)
    prefix: list[str] = []
    user = os.environ.get("USER") or "postgres"
    if as_root:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
        user = "postgres"
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8",
         "--locale=C.UTF-8", "--no-sync"],
        check=True, capture_output=True,
    )
    port = free_port()
    opts = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 "
            "-c shared_buffers=64MB")
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w",
         "start"],
        check=True, capture_output=True,
    )

    def stop() -> None:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)

    server = PgServer("127.0.0.1", port, user, itertools.count())
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    return server, stop


@pytest.fixture(scope="session")
def pg_server():
    root = Path(tempfile.mkdtemp(prefix="pgtest_"))
    server, stop = start_pg_server(root)
    try:
        # A migrated template: each test's database is a cheap copy of it.
        name = server.new_database()
        db = Database.open(server.url(name))
        migrate.upgrade(db)
        db.dispose()
        server.template = name
        yield server
    finally:
        stop()
        shutil.rmtree(root, ignore_errors=True)


def make_db(kind: str, request, tmp_path: Path) -> Database:
    if kind == "sqlite":
        db = Database.open(f"sqlite:///{tmp_path / 'store.sqlite3'}")
        migrate.upgrade(db)
        return db
    server = request.getfixturevalue("pg_server")
    return Database.open(server.url(server.new_database(template=server.template)))


@pytest.fixture(params=DB_KINDS)
def db(request, tmp_path):
    """An empty, migrated database — once on SQLite, once on the throwaway PostgreSQL server."""
    database = make_db(request.param, request, tmp_path)
    yield database
    database.dispose()


# --- an installation on the test database, and typed rows as the reader gives them ---------------------

@pytest.fixture
def app(db, tmp_path):
    """A running installation (settings, secrets) on the parametrised test database."""
    from services.context import App
    from services.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", database_url=db.engine.url.render_as_string(False))
    return App(settings=settings, db=db, party_key_secret=b"p" * 16 + b"0123456789abcdef",
               secret_key=b"s" * 16 + b"0123456789abcdef")


def monthly_record(code: str, month: str, station: str = "城关派出所", branch: str = "东城分局", **values) -> dict:
    """One valid office-month with plausible numbers; ``values`` override any column."""
    rec = dict(office_code=code, office_name=f"{code}警务室", station=station, branch=branch, month=month,
               officers=2.0, auxiliaries=1.0, grid_workers=3.0, households=800.0, population=2400.0,
               visited_month=60.0, visited_ytd=300.0, community_hours=200.0, officer_days=40.0,
               alerts=30.0, dispute_alerts=8.0, criminal_cases=2.0, fraud_cases=float("nan"),
               civil_to_criminal=0.0, officer_fam_sampled=20.0, officer_fam_known=18.0,
               resident_fam_surveyed=float("nan"), resident_fam_known=float("nan"),
               satisfaction_surveyed=50.0, satisfaction_satisfied=45.0)
    rec.update(values)
    return rec


def dispute_record(dispute_id: str, code: str, **values) -> dict:
    import pandas as pd

    rec = dict(dispute_id=dispute_id, office_code=code, received_date=pd.Timestamp("2026-09-03"),
               source="走访排查", category="邻里", risk="黄", complexity="一般", level="社区",
               status="已化解", resolved_date=pd.Timestamp("2026-09-06"), follow_up_date=pd.NaT,
               party_key="ab" * 32, escalated=False, note="<script>alert(1)</script>")
    rec.update(values)
    return rec


def make_upload(name: str, monthly: list[dict] = (), ledger: list[dict] = (), problems=(), salt: str = ""):
    """An :class:`Upload` in the column contract of ``metrics.dataset`` (as the reader returns it)."""
    import pandas as pd

    from metrics.dataset import SourceFile, Upload, empty_frame
    from metrics.schema import LEDGER, MONTHLY

    def frame(kind, recs, sheet):
        base = empty_frame(kind).drop(columns=["_file"])
        if not recs:
            return base
        df = pd.DataFrame([{**r, "_sheet": sheet, "_row": i + 2} for i, r in enumerate(recs)])
        for col in base.columns:
            if col not in df:
                df[col] = None
            df[col] = df[col].astype(base[col].dtype) if str(base[col].dtype) != "object" else df[col]
        return df[list(base.columns)]

    m, lg = frame(MONTHLY, list(monthly), "警务室月报"), frame(LEDGER, list(ledger), "矛盾纠纷台账")
    content = (name + salt + m.to_csv() + lg.to_csv()).encode()
    return Upload(source=SourceFile.from_bytes(name, content), monthly=m, ledger=lg, problems=list(problems))


_SHARED_HASH: list[str] = []


def create_users(app) -> dict:
    """One account per role (plus a second station head), returned by name.

    Inserted directly with one shared argon2 hash (password ``TEST_PASSWORD``) so that tests about
    uploads do not spend seconds hashing; the account services themselves are tested in
    ``tests/services/test_accounts.py``.
    """
    from sqlalchemy import insert

    from services.accounts import HASHER
    from services.actors import reload
    from store import audit as _audit
    from store.tables import users

    if not _SHARED_HASH:
        _SHARED_HASH.append(HASHER.hash(TEST_PASSWORD))
    out = {}
    with app.db.write() as conn:
        for name, role, kind, value in (
            ("admin", "admin", "bureau", None),
            ("eval", "evaluator", "bureau", None),
            ("lead", "leadership", "bureau", None),
            ("head", "station_head", "station", "城关派出所"),
            ("head2", "station_head", "station", "城南派出所"),
        ):
            uid = conn.execute(insert(users).returning(users.c.id), {
                "username": name, "display_name": name, "password_hash": _SHARED_HASH[0], "role": role,
                "scope_kind": kind, "scope_value": value, "disabled": False, "failed_logins": 0,
                "created_at": _audit.now(), "password_changed_at": _audit.now()}).scalar_one()
            out[name] = reload(conn, uid)
    return out


TEST_PASSWORD = "Correct-Horse-2026!"


def dump_tables(db) -> dict:
    """Every row of every table, in primary-key order: for byte-for-byte comparisons."""
    from sqlalchemy import select

    from store.tables import ALL_TABLES

    out = {}
    with db.read() as conn:
        for t in ALL_TABLES:
            out[t.name] = [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
    return out


def open_test_app(url: str, data_dir: str):
    """An installation on an existing test database (for worker processes)."""
    from pathlib import Path as _P

    from services.context import App
    from services.settings import Settings
    from store.db import Database as _D

    return App(settings=Settings(data_dir=_P(data_dir), database_url=url), db=_D.open(url),
               party_key_secret=b"p" * 16 + b"0123456789abcdef", secret_key=b"s" * 16 + b"0123456789abcdef")


def big_upload(tag: str, offices: int = 20, disputes: int = 1500):
    """A moderately large upload: ``offices`` office-months and ``disputes`` ledger rows, unique to ``tag``."""
    ms = [monthly_record(f"{tag}-O{i:03d}", "2026-09") for i in range(offices)]
    ds = [dispute_record(f"{tag}-D{i:05d}", f"{tag}-O{i % offices:03d}") for i in range(disputes)]
    return make_upload(f"{tag}.xlsx", ms, ds)


def store_as(app, actor_id: int, up):
    """Preview and store ``up`` as the user ``actor_id`` (what the app does on confirmation)."""
    from services import uploads as svc

    plan = svc.plan_uploads(app, actor_id, [up])
    return svc.commit_upload(app, actor_id, plan, acknowledge_warnings=True)


def crash_worker(url: str, data_dir: str, actor_id: int, tag: str, first=None) -> None:
    """Store uploads forever (until killed): used by the SIGKILL test."""
    app = open_test_app(url, data_dir)
    for n in itertools.count():
        store_as(app, actor_id, first if (n == 0 and first is not None) else big_upload(f"{tag}-{n}", disputes=800))


def process_upload_worker(args) -> str:
    """One upload from a separate process (concurrency test); returns the outcome as text."""
    url, data_dir, actor_id, tag, record_overrides, *rest = args
    barrier = rest[0] if rest else None
    from services.errors import Conflict, ServiceError

    app = open_test_app(url, data_dir)
    try:
        if record_overrides is None:
            up = big_upload(tag, offices=3, disputes=50)
        else:
            up = make_upload(f"{tag}.xlsx", [monthly_record("SAME", "2026-09", **record_overrides)])
        if barrier is not None:
            barrier.wait()  # every process is ready: they all store at the same moment
        store_as(app, actor_id, up)
        return "stored"
    except Conflict:
        return "conflict"
    except ServiceError as exc:
        return f"error: {exc}"
    finally:
        app.close()


REGISTRY = (("东城分局", "城关派出所"), ("东城分局", "城南派出所"), ("西城分局", "杏湾派出所"))


def seed_registry(app, stations=REGISTRY) -> None:
    """An office registry of one office per (branch, station), stored as the registry of one stored
    upload (through ``store.rows.upsert_offices``, as an upload would): account tests need stations and
    branches to scope users to, without spending an upload's checks."""
    import pandas as pd
    from sqlalchemy import insert

    from store import audit as _audit
    from store import rows
    from store.tables import uploads

    with app.db.write() as conn:
        uid = conn.execute(insert(uploads).returning(uploads.c.id), {
            "file_name": "登记.xlsx", "sha256": "0" * 64, "size": 0, "uploader_id": None,
            "uploader_name": "fixture", "stations": "", "created_at": _audit.now(), "result": "stored",
            "problems_json": "[]"}).scalar_one()
        rows.upsert_offices(conn, uid, pd.DataFrame([
            {"office_code": f"R{i:03d}", "office_name": f"{station}第{i}警务室", "station": station,
             "branch": branch, "month": "2026-09"} for i, (branch, station) in enumerate(stations, 1)]))
