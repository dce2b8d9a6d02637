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
