"""A backup taken while uploads are being written restores to a sound database holding every committed upload."""

import threading

from sqlalchemy import func, select

from services.backup import take_backup
from store import backup
from store.db import Database
from store.tables import uploads
from tests.dbfixtures import big_upload, create_users, open_test_app, store_as


def test_backup_during_writes_passes_integrity_check_and_holds_every_committed_upload(tmp_path):
    from store import migrate

    app = open_test_app(f"sqlite:///{tmp_path / 'live.sqlite3'}", str(tmp_path))
    migrate.upgrade(app.db)
    u = create_users(app)
    committed: list[int] = []
    stop = threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            committed.extend(store_as(app, u["eval"].id, big_upload(f"W{n}", offices=3, disputes=200)).upload_ids)
            n += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        while len(committed) < 2:
            stop.wait(0.05)
        seen_before = set(committed)
        path = take_backup(app, u["admin"], tmp_path / "b.sqlite3")
    finally:
        stop.set()
        t.join()
    assert backup.integrity_ok(path)
    copy = Database.open(f"sqlite:///{path}")
    with copy.read() as conn:
        in_copy = {r[0] for r in conn.execute(select(uploads.c.id).where(uploads.c.result == "stored"))}
        assert seen_before <= in_copy
        assert conn.execute(select(func.count()).select_from(uploads)).scalar_one() == len(in_copy)
    from tests.store.test_store_atomicity import _assert_every_stored_upload_complete
    assert _assert_every_stored_upload_complete(copy) == len(in_copy)
    copy.dispose()


def test_postgresql_backup_gives_pg_dump_advice_and_only_admins_may_back_up(app):
    import pytest

    from services.errors import PermissionDenied

    u = create_users(app)
    with pytest.raises(PermissionDenied):
        take_backup(app, u["head"], app.settings.data_dir / "x.sqlite3")
    result = take_backup(app, u["admin"], app.settings.data_dir / "x.sqlite3")
    if app.db.is_sqlite:
        assert backup.integrity_ok(result)
    else:
        assert "pg_dump" in result
