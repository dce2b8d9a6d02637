"""The one settings object, read from the environment, with safe defaults for a single machine.

Environment variables (all optional):

* ``DASHBOARD_DATABASE_URL`` — any SQLAlchemy URL, e.g. ``postgresql+psycopg://user:pw@host/db``;
  default: an embedded SQLite file ``<data folder>/dashboard.sqlite3``.
* ``DASHBOARD_DATA_DIR`` — the data folder (database, secrets, backups); default ``./data``.
* ``DASHBOARD_UPLOAD_LIMIT_MB`` — the largest accepted upload in MB; default 20.
* ``DASHBOARD_LANGUAGE`` — ``zh`` (default) or ``en``.
* ``DASHBOARD_SECRET_KEY_FILE`` — the app's secret key file; default ``<data folder>/secret.key``.
* ``DASHBOARD_DEMO`` — ``1`` switches demo mode on (sample bureau, one account per role).
* ``DASHBOARD_COMPLETE_SHARE`` — the share of expected offices that must have reported for a month
  (or quarter, year) to count as complete, so that screens open on it by default; default 0.95 (one
  late office does not hold the default back; an early upload of next month does not move it).
* ``DASHBOARD_SESSION_IDLE_MINUTES`` — a sign-in ends after this many minutes without a page run;
  default 30.
* ``DASHBOARD_SESSION_MAX_HOURS`` — and in any case this many hours after signing in; default 12.
* ``DASHBOARD_RUBRIC_SECOND_EVALUATOR`` — ``0`` lets one evaluator publish a rubric version alone;
  default ``1``: when the bureau has more than one active evaluator, a second one must confirm.
* ``DASHBOARD_TIMEZONE`` — the bureau's time zone (IANA name) in which every time is shown; default
  ``Asia/Shanghai``. Times are stored in UTC.

``store/`` never reads the environment: it receives what it needs from this object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = "DASHBOARD_"
DEFAULT_TIMEZONE = "Asia/Shanghai"


class SettingsError(Exception):
    """A setting has a value that cannot be used (message in Chinese)."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    upload_limit_mb: float = 20.0
    language: str = "zh"
    secret_key_file: Path | None = None
    demo: bool = False
    complete_share: float = 0.95
    """Share of expected offices that must have reported for a period to be complete (default period)."""
    session_idle_minutes: float = 30.0
    session_max_hours: float = 12.0
    rubric_second_evaluator: bool = True
    """Publishing a rubric version needs a second evaluator's confirmation (when there is one)."""
    timezone: str = DEFAULT_TIMEZONE

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def session_max_age(self) -> timedelta:
        return timedelta(hours=self.session_max_hours)

    @property
    def upload_limit_bytes(self) -> int:
        return int(self.upload_limit_mb * 1024 * 1024)

    @property
    def party_key_file(self) -> Path:
        """The per-installation HMAC secret that hashes party identities (workbook.md ``party_key``)."""
        return self.data_dir / "party_key.secret"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get(PREFIX + "DATA_DIR") or "data")
    url = (env.get(PREFIX + "DATABASE_URL") or "").strip() or sqlite_url(data_dir / "dashboard.sqlite3")
    raw_limit = env.get(PREFIX + "UPLOAD_LIMIT_MB") or "20"
    try:
        limit = float(raw_limit)
    except ValueError:
        raise SettingsError(f"{PREFIX}UPLOAD_LIMIT_MB 的值“{raw_limit}”不是数字。") from None
    if not 0 < limit <= 1024:
        raise SettingsError(f"{PREFIX}UPLOAD_LIMIT_MB 应在 0 到 1024 之间，实际为 {raw_limit}。")
    language = (env.get(PREFIX + "LANGUAGE") or "zh").strip().lower()
    if language not in ("zh", "en"):
        raise SettingsError(f"{PREFIX}LANGUAGE 只能是 zh 或 en，实际为“{language}”。")
    raw_share = (env.get(PREFIX + "COMPLETE_SHARE") or "0.95").strip()
    try:
        share = float(raw_share)
    except ValueError:
        raise SettingsError(f"{PREFIX}COMPLETE_SHARE 的值“{raw_share}”不是数字。") from None
    if not 0 < share <= 1:
        raise SettingsError(f"{PREFIX}COMPLETE_SHARE 应大于 0 且不超过 1，实际为 {raw_share}。")
    key_file = env.get(PREFIX + "SECRET_KEY_FILE")
    idle = _positive(env, "SESSION_IDLE_MINUTES", 30.0, 7 * 24 * 60)
    max_hours = _positive(env, "SESSION_MAX_HOURS", 12.0, 30 * 24)
    tz = (env.get(PREFIX + "TIMEZONE") or DEFAULT_TIMEZONE).strip()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{PREFIX}TIMEZONE 的值“{tz}”不是已知的时区名称（如 Asia/Shanghai）。") from None
    return Settings(
        data_dir=data_dir,
        database_url=url,
        upload_limit_mb=limit,
        language=language,
        secret_key_file=Path(key_file) if key_file else data_dir / "secret.key",
        demo=(env.get(PREFIX + "DEMO") or "").strip().lower() in ("1", "true", "yes", "on"),
        complete_share=share,
        session_idle_minutes=idle,
        session_max_hours=max_hours,
        rubric_second_evaluator=_switch(env, "RUBRIC_SECOND_EVALUATOR", True),
        timezone=tz,
    )


def _positive(env: Mapping[str, str], name: str, default: float, most: float) -> float:
    raw = (env.get(PREFIX + name) or "").strip() or str(default)
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name} 的值“{raw}”不是数字。") from None
    if not 0 < value <= most:
        raise SettingsError(f"{PREFIX}{name} 应大于 0 且不超过 {most:g}，实际为 {raw}。")
    return value


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(PREFIX + name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{PREFIX}{name} 只能是 1 或 0，实际为“{raw}”。")
