"""Times as the bureau reads them: stored in UTC, shown in the installation's time zone
(``Settings.timezone``, ``DASHBOARD_TIMEZONE``, default Asia/Shanghai) on every screen and export."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from services.settings import Settings


def zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def to_local(value, settings: Settings) -> datetime | None:
    """``value`` (a datetime, pandas Timestamp or ISO text; naive means UTC, as SQLite returns stored
    times) in the bureau's time zone; None for a missing value."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(settings))


def local_text(value, settings: Settings, *, seconds: bool = True) -> str | None:
    """``value`` as "YYYY-MM-DD HH:MM[:SS]" in the bureau's time zone; None when missing."""
    local = to_local(value, settings)
    return None if local is None else local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_series(values: pd.Series, settings: Settings, *, seconds: bool = True) -> pd.Series:
    """A column of stored times as local text (see :func:`local_text`)."""
    return pd.Series([local_text(v, settings, seconds=seconds) for v in values], index=values.index, dtype=object)
