"""When the columnar snapshot of the current rows is used, caught up, rebuilt and written.

``services.reading`` loads the bureau's current rows through :func:`load`, which reads the database's
:class:`store.snapshot.State` and — in the SAME read transaction — the rows from the cheapest source
that provably equals the database:

1. ``memory``: the rows this process loaded last (only while ``services.reading`` still holds them),
   caught up with the uploads stored since;
2. ``snapshot``: the snapshot on disk of the current data version, checked against the state (digest
   of every stored upload, migration revision, row counts, newest row ids);
3. ``catch-up``: an older snapshot of the same history plus the current rows of the uploads stored
   since it (latest wins per key, exactly as the store and ``metrics.dataset.merge`` have it);
4. ``database``: every current row read from the database (``store.rows``).

A snapshot that is missing, truncated, corrupt, of another database or of another history is logged
and ignored. Whenever the rows did not come from the current snapshot, a new one is written in a
background thread (temp folder + ``os.replace``, older versions deleted after), so the request that
loaded them does not wait. Snapshots live in ``<data folder>/snapshots/<database>/`` (owner-only); the
database part of the path is a hash of its URL. Deleting the folder at any time is harmless.

Uploads need no hook: the next load catches up from memory (the server) or from the last snapshot
(a fresh process). The operator commands that store rows call :func:`refresh`, which also waits for
the write, so a process that exits right after leaves the current snapshot behind.

No Streamlit import here.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from services.context import App
from store import rows
from store import snapshot as snap

log = logging.getLogger(__name__)
TRACE = ["_id", "_upload", "_version"]
ORIGINS: Counter = Counter()
"""How many loads each source served in this process (``memory``, ``snapshot``, ``catch-up``,
``database``): what tests and benchmarks look at to prove which path was taken."""


@dataclass(frozen=True)
class Loaded:
    """The current rows (column contract of ``metrics.dataset``, no ``_id``/``_upload``/``_version``),
    the database state they are, and where they came from."""

    monthly: pd.DataFrame
    ledger: pd.DataFrame
    state: snap.State
    origin: str
    ledger_codes: dict = field(default_factory=dict, compare=False, repr=False)
    """The ledger's text columns as codes when read from the current snapshot (column → (codes,
    uniques), see ``store.snapshot.read``); empty otherwise."""


_MEMORY: dict[str, Loaded] = {}
_WRITE_LOCK = threading.Lock()
_THREADS: list[threading.Thread] = []
_THREADS_LOCK = threading.Lock()


def folder(app: App) -> Path:
    """This database's snapshot folder under the data folder (one per database URL)."""
    url = app.db.engine.url.render_as_string(hide_password=True)
    return Path(app.settings.data_dir) / "snapshots" / hashlib.sha256(url.encode()).hexdigest()[:16]


def _from_disk(where: Path, state: snap.State, codes: dict) -> tuple[snap.Meta, pd.DataFrame, pd.DataFrame] | None:
    """The newest usable snapshot on disk for ``state``: of its version, or of an earlier version of the
    same history; None when there is none (every unusable one is logged and deleted). ``codes``
    receives the ledger's coded columns of the snapshot returned (``store.snapshot.read``)."""
    for version, path in snap.candidates(where):
        if version > state.version or not path.name.endswith(state.digest(version)[:16]):
            continue
        codes.clear()
        try:
            meta, monthly, ledger = snap.read(path, codes)
        except Exception as exc:  # noqa: BLE001 — SnapshotError, or anything else a broken file may cause
            problem = f"不可用：{exc}"
        else:
            problem = meta.problem_against(state) if version == state.version else meta.problem_as_prefix(state)
            if not problem:
                return meta, monthly, ledger
            problem = f"与数据库不符：{problem}"
        log.warning("快照 %s %s；已删除，改用其他来源", path, problem)
        shutil.rmtree(path, ignore_errors=True)  # a cache entry that can never be used again
    return None


def _database(conn) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (rows.current_monthly(conn).drop(columns=TRACE), rows.current_ledger(conn).drop(columns=TRACE))


def load(app: App, previous_ledger: pd.DataFrame | None = None, *, write: bool = True) -> Loaded:
    """The current rows, read in one transaction with the state they are (see the module docstring).

    ``previous_ledger`` is the ledger frame the caller still holds from its last load: only then may
    the rows remembered from that load be caught up instead of read again. ``write`` False never writes
    a snapshot (the caller only wants to read)."""
    where = folder(app)
    remembered = _MEMORY.get(str(where))
    with app.db.read() as conn:
        state = snap.read_state(conn)
        base: tuple[int, pd.DataFrame, pd.DataFrame, str] | None = None
        if remembered is not None and previous_ledger is not None and previous_ledger is remembered.ledger:
            meta = snap.Meta.of(remembered.state)
            same = meta.version == state.version
            if (meta.problem_against(state) if same else meta.problem_as_prefix(state)) is None:
                base = (meta.version, remembered.monthly, remembered.ledger, "memory")
        if base is None:  # rows no one holds any more: let them go before reading others
            _MEMORY.pop(str(where), None)
            remembered = None
        codes: dict = {}
        if base is None and state.version:
            found = _from_disk(where, state, codes)
            if found is not None:
                meta, monthly, ledger = found
                base = (meta.version, monthly, ledger, "snapshot" if meta.version == state.version else "catch-up")
        if base is not None and base[0] == state.version:
            _, monthly, ledger, origin = base
        elif base is not None:
            since = [u.id for u in state.uploads if u.id > base[0]]
            origin = "memory" if base[3] == "memory" else "catch-up"
            try:
                monthly = snap.catch_up(base[1], rows.current_monthly(conn, upload_ids=since).drop(columns=TRACE),
                                        snap.KEYS["monthly"])
                ledger = snap.catch_up(base[2], rows.current_ledger(conn, upload_ids=since).drop(columns=TRACE),
                                       snap.KEYS["ledger"])
                if (len(monthly), len(ledger)) != state.counts():
                    raise ValueError(f"追加后的行数 {(len(monthly), len(ledger))} 与数据库 {state.counts()} 不符")
            except ValueError as exc:
                log.warning("无法在已有数据上追加新上传（%s），改为从数据库读取", exc)
                monthly, ledger = _database(conn)
                origin = "database"
        else:
            monthly, ledger = _database(conn)
            origin = "database"
    ORIGINS[origin] += 1
    # Codes describe the snapshot's rows exactly only when those rows are the answer.
    got = Loaded(monthly, ledger, state, origin, codes if origin == "snapshot" else {})
    _MEMORY[str(where)] = got
    if write and origin != "snapshot" and state.version:
        if (len(monthly), len(ledger)) == state.counts():
            _write_later(where, snap.Meta.of(state), monthly, ledger)
        else:  # uploads that do not account for their rows: a snapshot would never match
            log.warning("数据库的当前行数 %s 与上传记录 %s 不符，不写快照", (len(monthly), len(ledger)),
                        state.counts())
    return got


def _write(where: Path, meta: snap.Meta, monthly: pd.DataFrame, ledger: pd.DataFrame) -> None:
    with _WRITE_LOCK:  # one writer at a time in this process
        try:
            where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(where.parent, 0o700)  # the snapshots hold the same data as the database
            if (where / snap.folder_name(meta)).is_dir():  # another writer was first
                return
            path = snap.write(where, meta, monthly, ledger)
            snap.prune(where, path)
        except Exception as exc:  # noqa: BLE001 — a snapshot is only a cache: never fail a read for it
            log.warning("写入快照失败（%s: %s），下次仍从数据库读取", type(exc).__name__, exc)


def _write_later(where: Path, meta: snap.Meta, monthly: pd.DataFrame, ledger: pd.DataFrame) -> None:
    t = threading.Thread(target=_write, args=(where, meta, monthly, ledger), name="snapshot-writer")
    with _THREADS_LOCK:
        _THREADS[:] = [x for x in _THREADS if x.is_alive()]
        _THREADS.append(t)
    t.start()


def wait(timeout: float | None = None) -> None:
    """Wait for the snapshot writes started in this process (tests; before a command exits)."""
    with _THREADS_LOCK:
        pending = list(_THREADS)
    for t in pending:
        t.join(timeout)


def refresh(app: App) -> Loaded:
    """Bring this database's snapshot up to date now (load as :func:`load` does, then wait for the
    write): what the operator commands call after storing rows."""
    got = load(app)
    wait()
    return got


def forget() -> None:
    """Forget the rows remembered in this process (tests: behave like a freshly started process)."""
    _MEMORY.clear()
