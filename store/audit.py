"""The audit log: typed events appended through one function, inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from store.tables import audit_events

EVENT_KINDS = frozenset({
    "UploadStored", "UploadReplaced", "UploadRejected",
    "RubricChanged", "RubricDraftSaved", "RubricPublishRequested", "RubricPublished", "RubricRetired",
    "RankingExported", "DataExported",
    "LoginFailed", "LoginSucceeded", "LoggedOut", "AccountLocked", "AccountUnlocked",
    "UserCreated", "RoleChanged", "PasswordReset", "PasswordChanged",
    "BackupTaken", "BackupDownloaded", "SessionsRevoked", "OfficeMoved",
    "InstructionsSynced", "InstructionAcknowledged", "InstructionAnswered", "InstructionClosed",
    "InstructionReturned", "InstructionSupervised", "InstructionSettingsStored",
})
"""Every kind of event the app records (architecture.md, habit 8). ``RubricChanged`` is the one event
of rubric versions saved before drafts and publishing existed (kept for older audit logs)."""


def now() -> datetime:
    return datetime.now(UTC)


def append(
    conn: Connection,
    kind: str,
    *,
    actor_id: int | None,
    actor_name: str,
    upload_id: int | None = None,
    **details: Any,
) -> int:
    """Append one event in the transaction of ``conn`` (it commits or rolls back with the change)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown audit event kind {kind!r}")
    row = {
        "at": now(),
        "kind": kind,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "upload_id": upload_id,
        "details": json.dumps(details, ensure_ascii=False, default=str, sort_keys=True),
    }
    return conn.execute(insert(audit_events).returning(audit_events.c.id), row).scalar_one()


def events(conn: Connection, kind: str | None = None, limit: int = 1000) -> list[dict]:
    """The latest events (newest first), details decoded."""
    q = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
    if kind:
        q = q.where(audit_events.c.kind == kind)
    out = []
    for r in conn.execute(q).mappings():
        d = dict(r)
        d["details"] = json.loads(d["details"])
        out.append(d)
    return out
