"""Times as the bureau reads them: stored in UTC, shown in the installation's time zone
(``Settings.timezone``, ``DASHBOARD_TIMEZONE``, default Asia/Shanghai) on every screen and export."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from services.settings import DEFAULT_TIMEZONE, Settings

ZONE_LABELS = {"Asia/Shanghai": "北京时间"}


def zone(settings: Settings | None) -> ZoneInfo:
    """The bureau's time zone (the default one when no settings are at hand)."""
    return ZoneInfo(settings.timezone if settings is not None else DEFAULT_TIMEZONE)


def zone_label(settings: Settings | None) -> str:
    """The zone as a column header says it: "北京时间" for Asia/Shanghai, else its name."""
    name = settings.timezone if settings is not None else DEFAULT_TIMEZONE
    return ZONE_LABELS.get(name, name)


def to_local(value, settings: Settings | None) -> datetime | None:
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


def local_text(value, settings: Settings | None, *, seconds: bool = True) -> str | None:
    """``value`` as "YYYY-MM-DD HH:MM[:SS]" in the bureau's time zone; None when missing."""
    local = to_local(value, settings)
    return None if local is None else local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")

