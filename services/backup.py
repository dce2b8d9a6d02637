"""Backups while the app runs: admins (and operators through ``python -m services backup``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from services.actors import Actor, reload, require_role
from services.context import App
from services.errors import ServiceError
from store import audit, backup


def _fresh_name(folder: Path) -> Path:
    """A backup file name in ``folder`` that does not exist yet: the time to the microsecond, plus a
    counter should even that be taken (two backups in the same instant never collide)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = Path(folder) / f"备份-{stamp}.sqlite3"
    n = 1
    while target.exists():
        n += 1
        target = Path(folder) / f"备份-{stamp}-{n}.sqlite3"
    return target


def take_backup(app: App, actor: Actor | int | None, target: Path | None = None) -> Path | str:
    """A consistent copy of the SQLite database (its path), or for PostgreSQL the pg_dump advice.

    ``actor`` None means the operator at the server's console (the command line).
    """
    with app.db.read() as conn:
        who = reload(conn, actor) if actor is not None else None
    if who is not None:
        require_role(who, "admin")
    if not app.db.is_sqlite:
        return backup.pg_dump_advice(app.db)
    target = Path(target) if target else _fresh_name(app.settings.backup_dir)
    if target.exists():
        raise ServiceError(f"备份文件 {target} 已存在，请换一个文件名。")
    backup.backup_sqlite(app.db, target)
    if not backup.integrity_ok(target):
        raise ServiceError("备份文件完整性检查未通过，请重试。")
    with app.db.write() as conn:
        audit.append(conn, "BackupTaken", actor_id=who.id if who else None,
                     actor_name=who.username if who else "命令行", target=str(target))
    return target


def backup_for_download(app: App, actor: Actor | int) -> Path:
    """A fresh backup for a signed-in admin to download (``web/routes.py`` streams it): the file's
    path; audited as BackupTaken and BackupDownloaded. PostgreSQL: ServiceError with the pg_dump
    advice."""
    result = take_backup(app, actor)
    if isinstance(result, str):
        raise ServiceError(result)
    with app.db.write() as conn:
        who = reload(conn, actor)
        audit.append(conn, "BackupDownloaded", actor_id=who.id, actor_name=who.username,
                     file=result.name, size=result.stat().st_size)
    return result
