"""A station's template for a month (issue 14): the generated template of workbook.md with the station's
offices already listed.

Pre-filled per office: 警务室编码, 警务室名称, 派出所, 分局 (from the office registry), 月份 (the month
asked for), 辖区户数 and 辖区人口 (from the office's latest stored month not after it). The last
本年累计走访户数 of the same year before that month is shown as a cell comment (the new value may not
fall below it); nothing else is filled in. The file is built by ``metrics.template``; this module only
reads the store and checks who may ask: a 所长 for their own station, a 考评员 for any station — the same
people who may upload that station's rows (``services.actors.may_upload_station``).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from metrics.periods import parse_period
from metrics.template import PrefillRow, build_template
from services.actors import Actor, may_upload_station, reload
from services.context import App
from services.errors import PermissionDenied, ServiceError
from store import rows
from store.tables import offices


def parse_month(text: str) -> str:
    """``"YYYY-MM"`` of one month; ServiceError (Chinese) for anything else."""
    try:
        period = parse_period((text or "").strip())
    except ValueError as exc:
        raise ServiceError(f"月份“{text}”无效：{exc}") from None
    if period.kind != "month":
        raise ServiceError(f"请指定一个月份，如 2026-10（收到“{text}”）。")
    return period.first


def file_name(station: str, month: str) -> str:
    return f"{station}{month}月报模板.xlsx"


def _number(v) -> int | float | None:
    if v is None or pd.isna(v):
        return None
    f = float(v)
    return int(f) if f.is_integer() else f


def prefill_rows(registry: list[dict], stored: pd.DataFrame, month: str) -> list[PrefillRow]:
    """One :class:`PrefillRow` per registry office (sorted by code), carrying 户数/人口 from its latest
    stored month not after ``month`` and the floor of 本年累计走访户数 from its latest month of the same
    year before ``month``."""
    out = []
    for office in sorted(registry, key=lambda o: o["code"]):
        values: dict[str, object] = {"office_code": office["code"], "office_name": office["name"],
                                     "station": office["station"], "branch": office["branch"], "month": month}
        floors: dict[str, tuple[str, float]] = {}
        mine = stored[stored["office_code"] == office["code"]] if len(stored) else stored
        upto = mine[mine["month"] <= month].sort_values("month") if len(mine) else mine
        if len(upto):
            last = upto.iloc[-1]
            for key in ("households", "population"):
                if (n := _number(last[key])) is not None:
                    values[key] = n
        before = upto[(upto["month"] < month) & (upto["month"].str[:4] == month[:4])] if len(upto) else upto
        if len(before) and (n := _number(before.iloc[-1]["visited_ytd"])) is not None:
            floors["visited_ytd"] = (before.iloc[-1]["month"], n)
        out.append(PrefillRow(values, floors))
    return out


def station_template(app: App, actor: Actor | int, station: str, month: str) -> tuple[str, bytes]:
    """(file name, .xlsx bytes) of ``station``'s template for ``month``."""
    month = parse_month(month)
    station = (station or "").strip()
    with app.db.read() as conn:
        who = reload(conn, actor)
        if not may_upload_station(who, station):
            raise PermissionDenied(f"{who.role_label}不能下载“{station}”的填报模板（所长只能下载本所的模板）。")
        registry = [dict(r) for r in conn.execute(
            select(offices.c.code, offices.c.name, offices.c.station, offices.c.branch)
            .where(offices.c.station == station)).mappings()]
        if not registry:
            raise ServiceError(f"警务室登记中没有“{station}”的警务室，无法生成预填模板，请使用空白模板。")
        stored = rows.current_monthly(conn, stations=[station])
    return file_name(station, month), build_template(monthly_rows=prefill_rows(registry, stored, month))


def template_stations(app: App, actor: Actor | int) -> list[str]:
    """The stations whose template the actor may download (a 所长: their own; a 考评员: every station)."""
    with app.db.read() as conn:
        who = reload(conn, actor)
        names = sorted({r[0] for r in conn.execute(select(offices.c.station).distinct())})
    return [s for s in names if may_upload_station(who, s)]
