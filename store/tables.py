"""The tables (SQLAlchemy Core), declared once; Alembic migrations in ``store/migrations`` create them.

* ``offices`` — the office registry and its hierarchy (branch → station → office).
* ``uploads`` — every upload, stored or rejected: file name as given, SHA-256, size, uploader, the
  stations it covers, time, data version (its id), result and problem report.
* ``monthly_rows`` / ``dispute_rows`` — every version of every office-month and every dispute; a
  partial unique index guarantees that at most one version of a key is current.
* ``rubric_versions`` — each saved rubric as TOML with its comment and author, its status (draft,
  pending, published, retired), the first period it applies to and who asked, published and retired it.
* ``users`` / ``sessions`` — local accounts (argon2 hashes, failure counters, lockout) and sessions
  (tokens stored only as SHA-256); ``session_handoffs`` — the one-time, seconds-long handoffs that
  put a new session's token into the browser's cookie (``services/sessions.py``).
* ``instructions`` / ``instruction_events`` / ``instruction_notes`` / ``instruction_settings`` — the
  warning loop (预警指令): one instruction per early warning (stable ``key``, ``version`` compared in every
  UPDATE), its history in order, leadership's 督办 notes, and each version of the deadline settings.
* ``audit_events`` — typed events with actor, time and details (JSON), appended in the same
  transaction as the change they describe.

Monthly and ledger value columns follow ``metrics.schema`` (one declaration of the workbook).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from metrics.schema import LEDGER, MONTHLY

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ROLES = ("leadership", "station_head", "evaluator", "admin")
SCOPE_KINDS = ("bureau", "branch", "station")


def _ts(name: str, nullable: bool = True) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=False, default=""),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("scope_kind", String(16), nullable=False, default="bureau"),
    Column("scope_value", String(128), nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    _ts("last_failed_at"),
    _ts("locked_until"),
    _ts("password_changed_at"),
    _ts("created_at", nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    _ts("created_at", nullable=False),
    _ts("last_seen_at", nullable=False),
    _ts("revoked_at"),
)

session_handoffs = Table(
    "session_handoffs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handoff_hash", String(64), nullable=False, unique=True),
    Column("session_id", Integer, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("binding_hash", String(64), nullable=False,
           comment="SHA-256 of the browser's Streamlit XSRF token the sign-in came from"),
    _ts("expires_at", nullable=False),
    _ts("used_at"),
)

uploads = Table(
    "uploads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(512), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    Column("uploader_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("uploader_name", String(64), nullable=False),
    Column("stations", Text, nullable=False, default="", comment="stations whose rows the file holds, joined by 、"),
    _ts("created_at", nullable=False),
    Column("result", String(16), nullable=False, comment="stored or rejected"),
    Column("monthly_new", Integer, nullable=False, default=0),
    Column("monthly_replaced", Integer, nullable=False, default=0),
    Column("disputes_new", Integer, nullable=False, default=0),
    Column("disputes_updated", Integer, nullable=False, default=0),
    Column("warnings_acknowledged", Boolean, nullable=False, default=False),
    Column("problems_json", Text, nullable=False, default="[]"),
)

offices = Table(
    "offices",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("station", String(256), nullable=False, index=True),
    Column("branch", String(256), nullable=False, index=True),
    Column("created_upload_id", Integer, ForeignKey("uploads.id"), nullable=False),
    Column("updated_upload_id", Integer, ForeignKey("uploads.id"), nullable=False),
)


def _value_column(kind_col) -> Column:
    t = kind_col.type
    if t in ("int", "number"):
        return Column(kind_col.key, Float, nullable=True)
    if t == "date":
        return Column(kind_col.key, Date, nullable=True)
    if t == "bool":
        return Column(kind_col.key, Boolean, nullable=True)
    if t == "month":
        return Column(kind_col.key, String(7), nullable=False)
    return Column(kind_col.key, Text, nullable=True)


MONTHLY_VALUE_KEYS = tuple(k for k in MONTHLY.keys if k not in ("office_code",))
LEDGER_VALUE_KEYS = tuple(k for k in LEDGER.keys if k not in ("dispute_id", "office_code"))


def _version_columns() -> list:
    return [
        Column("upload_id", Integer, ForeignKey("uploads.id"), nullable=False, index=True),
        Column("version", Integer, nullable=False),
        Column("is_current", Boolean, nullable=False),
        Column("replaced_by_upload_id", Integer, ForeignKey("uploads.id"), nullable=True),
        Column("src_sheet", String(256), nullable=False, default=""),
        Column("src_row", Integer, nullable=True),
    ]


monthly_rows = Table(
    "monthly_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_code", String(64), ForeignKey("offices.code"), nullable=False),
    *[_value_column(MONTHLY.column(k)) for k in MONTHLY_VALUE_KEYS],
    *_version_columns(),
)
Index(
    "uq_monthly_rows_current",
    monthly_rows.c.office_code,
    monthly_rows.c.month,
    unique=True,
    sqlite_where=monthly_rows.c.is_current,
    postgresql_where=monthly_rows.c.is_current,
)
Index("ix_monthly_rows_key", monthly_rows.c.office_code, monthly_rows.c.month)

dispute_rows = Table(
    "dispute_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dispute_id", String(128), nullable=False),
    Column("office_code", String(64), ForeignKey("offices.code"), nullable=False, index=True),
    *[_value_column(LEDGER.column(k)) for k in LEDGER_VALUE_KEYS],
    *_version_columns(),
)
Index(
    "uq_dispute_rows_current",
    dispute_rows.c.dispute_id,
    unique=True,
    sqlite_where=dispute_rows.c.is_current,
    postgresql_where=dispute_rows.c.is_current,
)
Index("ix_dispute_rows_key", dispute_rows.c.dispute_id)

rubric_versions = Table(
    "rubric_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False, unique=True),
    Column("body", Text, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("based_on", Integer, nullable=True),
    Column("author_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("author_name", String(64), nullable=False),
    _ts("created_at", nullable=False),
    Column("status", String(16), nullable=False, server_default="draft",
           comment="draft, pending, published or retired (metrics.rubric.STATUSES)"),
    Column("effective_from", String(16), nullable=True,
           comment="first period the version applies to (2027Q1, 2027-01, 2027); NULL = from the start"),
    _ts("updated_at"),
    Column("requested_by_id", Integer, ForeignKey("users.id"), nullable=True,
           comment="the evaluator who asked to publish (pending: awaiting a second evaluator)"),
    Column("requested_by_name", String(64), nullable=True),
    _ts("requested_at"),
    Column("published_by_name", String(64), nullable=True),
    _ts("published_at"),
    Column("retired_by_name", String(64), nullable=True),
    _ts("retired_at"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    _ts("at", nullable=False),
    Column("kind", String(32), nullable=False, index=True),
    Column("actor_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("actor_name", String(64), nullable=False, default=""),
    Column("upload_id", Integer, ForeignKey("uploads.id"), nullable=True),
    Column("details", Text, nullable=False, default="{}"),
)

INSTRUCTION_STATUSES = ("new", "acknowledged", "answered", "returned", "closed")

instruction_settings = Table(
    "instruction_settings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False, unique=True),
    Column("digest", String(64), nullable=False, index=True, comment="SHA-256 of body"),
    Column("body", Text, nullable=False, comment="the deadline settings as TOML"),
    Column("author_name", String(64), nullable=False, default=""),
    _ts("created_at", nullable=False),
)

instructions = Table(
    "instructions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(512), nullable=False, unique=True, comment="stable identity: rule + dispute or office + period"),
    Column("rule", String(32), nullable=False, index=True),
    Column("office_code", String(64), nullable=False),
    Column("office_name", Text, nullable=False, default=""),
    Column("station", String(256), nullable=False, index=True),
    Column("branch", String(256), nullable=False, default=""),
    Column("dispute_id", String(128), nullable=True),
    Column("month", String(7), nullable=True),
    Column("jump_column", String(64), nullable=True),
    Column("risk", String(8), nullable=True, comment="红/黄/蓝 of the dispute, None otherwise"),
    Column("message", Text, nullable=False, default=""),
    Column("details", Text, nullable=False, default="{}"),
    Column("status", String(16), nullable=False, index=True),
    Column("condition_cleared", Boolean, nullable=False, default=False),
    Column("first_as_of", Date, nullable=False),
    Column("last_as_of", Date, nullable=False),
    Column("settings_version", Integer, nullable=False),
    _ts("created_at", nullable=False),
    _ts("due_at", nullable=False),
    _ts("acknowledged_at"),
    _ts("answered_at"),
    _ts("closed_at"),
    Column("last_answer_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("version", Integer, nullable=False, default=1, comment="optimistic concurrency: compared in every UPDATE"),
)

instruction_events = Table(
    "instruction_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("instruction_id", Integer, ForeignKey("instructions.id"), nullable=False, index=True),
    _ts("at", nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("actor_name", String(64), nullable=False, default=""),
    Column("old_status", String(16), nullable=True),
    Column("new_status", String(16), nullable=True),
    Column("text", Text, nullable=False, default=""),
)

instruction_notes = Table(
    "instruction_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("instruction_id", Integer, ForeignKey("instructions.id"), nullable=False, index=True),
    _ts("at", nullable=False),
    Column("author_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("author_name", String(64), nullable=False, default=""),
    Column("text", Text, nullable=False),
)

ALL_TABLES = (users, sessions, session_handoffs, uploads, offices, monthly_rows, dispute_rows, rubric_versions, audit_events,
              instruction_settings, instructions, instruction_events, instruction_notes)
