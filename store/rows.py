"""Versioned office-month and dispute rows: read the current ones, write a new upload's rows.

Every stored row has a ``version`` (1, 2, … per key) and ``is_current``; replacing a key marks the
old version not current (recording which upload replaced it) and inserts the new one. A partial
unique index makes two current versions of one key impossible, whatever happens concurrently.

Frames follow the column contract of ``metrics.dataset`` (monthly counts float64 with NaN, ledger
dates datetime64[ns], ``escalated`` boolean, trace columns ``_file``, ``_sheet``, ``_row``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, bindparam, func, insert, select, update

from metrics.dataset import empty_frame
from metrics.schema import LEDGER, MONTHLY, SheetKind
from store.tables import (
    LEDGER_VALUE_KEYS,
    MONTHLY_VALUE_KEYS,
    dispute_rows,
    monthly_rows,
    offices,
    uploads,
)

CHUNK = 900
"""Keys per IN (...) query (SQLite allows 999 parameters by default in old builds)."""


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def to_db_value(v: Any) -> Any:
    """A frame cell as the database stores it (NaN/NaT/NA → NULL, timestamps → date, numpy → Python)."""
    if is_missing(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, datetime):
        return v.date()
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def same_value(a: Any, b: Any) -> bool:
    """Equality as a station head sees it: two empties are equal, 3 == 3.0, dates by day."""
    a, b = to_db_value(a), to_db_value(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return float(a) == float(b)
    if isinstance(a, date) and isinstance(b, date):
        return a == b
    return a == b


# --- reading ----------------------------------------------------------------------------------------

def _frame(kind: SheetKind, rows: list[dict]) -> pd.DataFrame:
    """Rows from the database as a frame in the column contract of ``metrics.dataset``."""
    base = empty_frame(kind)
    if not rows:
        return base.assign(_id=pd.Series(dtype="int64"), _upload=pd.Series(dtype="int64"),
                           _version=pd.Series(dtype="int64"))
    df = pd.DataFrame(rows)
    df = df.rename(columns={"src_sheet": "_sheet", "src_row": "_row", "file_name": "_file",
                            "id": "_id", "upload_id": "_upload", "version": "_version"})
    for col in base.columns:
        dtype = base[col].dtype
        if col not in df:
            df[col] = pd.Series(dtype=dtype)
        elif str(dtype) == "datetime64[ns]":
            df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
        elif str(dtype) == "boolean":
            df[col] = df[col].astype("boolean")
        elif str(dtype) == "float64":
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
        elif col == "_row":
            df[col] = df[col].fillna(0).astype("int64")
        else:
            df[col] = df[col].astype("object").where(df[col].notna(), None)
    return df[[*base.columns, "_id", "_upload", "_version"]].reset_index(drop=True)


def current_monthly(conn: Connection, office_codes: Iterable[str] | None = None,
                    stations: Iterable[str] | None = None) -> pd.DataFrame:
    """Current office-month rows (optionally only some offices or stations), contract columns plus
    ``_id``, ``_upload``, ``_version``."""
    cols = [monthly_rows.c.id, monthly_rows.c.office_code, *[monthly_rows.c[k] for k in MONTHLY_VALUE_KEYS],
            monthly_rows.c.upload_id, monthly_rows.c.version, monthly_rows.c.src_sheet,
            monthly_rows.c.src_row, uploads.c.file_name]
    q = (select(*cols).join(offices, offices.c.code == monthly_rows.c.office_code)
         .join(uploads, uploads.c.id == monthly_rows.c.upload_id)
         .where(monthly_rows.c.is_current))
    rows = _select_filtered(conn, q, monthly_rows.c.office_code, office_codes, stations)
    return _frame(MONTHLY, rows).sort_values(["office_code", "month"], ignore_index=True)


def current_ledger(conn: Connection, office_codes: Iterable[str] | None = None,
                   stations: Iterable[str] | None = None) -> pd.DataFrame:
    """Current dispute rows (optionally only some offices or stations)."""
    cols = [dispute_rows.c.id, dispute_rows.c.dispute_id, dispute_rows.c.office_code,
            *[dispute_rows.c[k] for k in LEDGER_VALUE_KEYS],
            dispute_rows.c.upload_id, dispute_rows.c.version, dispute_rows.c.src_sheet,
            dispute_rows.c.src_row, uploads.c.file_name]
    q = (select(*cols).join(uploads, uploads.c.id == dispute_rows.c.upload_id)
         .where(dispute_rows.c.is_current))
    if stations is not None:
        q = q.join(offices, offices.c.code == dispute_rows.c.office_code)
    rows = _select_filtered(conn, q, dispute_rows.c.office_code, office_codes, stations)
    return _frame(LEDGER, rows).sort_values("dispute_id", ignore_index=True)


def _select_filtered(conn, q, code_col, office_codes, stations) -> list[dict]:
    if stations is not None:
        q = q.where(offices.c.station.in_(sorted(set(stations))))
    if office_codes is None:
        return [dict(r) for r in conn.execute(q).mappings()]
    out: list[dict] = []
    for chunk in _chunks(sorted(set(office_codes))):
        out.extend(dict(r) for r in conn.execute(q.where(code_col.in_(chunk))).mappings())
    return out


def current_disputes_by_id(conn: Connection, dispute_ids: Iterable[str]) -> pd.DataFrame:
    """Current dispute rows with the given ids (whatever office holds them now)."""
    ids = sorted(set(dispute_ids))
    cols = [dispute_rows.c.id, dispute_rows.c.dispute_id, dispute_rows.c.office_code,
            *[dispute_rows.c[k] for k in LEDGER_VALUE_KEYS],
            dispute_rows.c.upload_id, dispute_rows.c.version, dispute_rows.c.src_sheet,
            dispute_rows.c.src_row, uploads.c.file_name]
    q = (select(*cols).join(uploads, uploads.c.id == dispute_rows.c.upload_id)
         .where(dispute_rows.c.is_current))
    rows: list[dict] = []
    for chunk in _chunks(ids):
        rows.extend(dict(r) for r in conn.execute(q.where(dispute_rows.c.dispute_id.in_(chunk))).mappings())
    return _frame(LEDGER, rows)


def office_registry(conn: Connection, codes: Iterable[str] | None = None) -> dict[str, dict]:
    """code → {name, station, branch} for stored offices (all, or only ``codes``)."""
    q = select(offices.c.code, offices.c.name, offices.c.station, offices.c.branch)
    rows: list = []
    if codes is None:
        rows = list(conn.execute(q).mappings())
    else:
        for chunk in _chunks(sorted(set(codes))):
            rows.extend(conn.execute(q.where(offices.c.code.in_(chunk))).mappings())
    return {r["code"]: dict(r) for r in rows}


def office_stamps(conn: Connection, codes: Iterable[str]) -> dict[str, tuple]:
    """A fingerprint per office of what is stored for it: the newest upload among its current rows
    (monthly and ledger) and its registry entry. Anything stored for the office changes it."""
    codes = sorted(set(codes))
    stamps: dict[str, list] = {c: [None, None, None] for c in codes}
    for chunk in _chunks(codes):
        for code, mx in conn.execute(
            select(monthly_rows.c.office_code, func.max(monthly_rows.c.upload_id))
            .where(monthly_rows.c.office_code.in_(chunk)).group_by(monthly_rows.c.office_code)
        ):
            stamps[code][0] = mx
        for code, mx in conn.execute(
            select(dispute_rows.c.office_code, func.max(dispute_rows.c.upload_id))
            .where(dispute_rows.c.office_code.in_(chunk)).group_by(dispute_rows.c.office_code)
        ):
            stamps[code][1] = mx
        for code, st, br in conn.execute(
            select(offices.c.code, offices.c.station, offices.c.branch).where(offices.c.code.in_(chunk))
        ):
            stamps[code][2] = f"{br}/{st}"
    return {c: tuple(v) for c, v in stamps.items()}


def stored_upload_with_sha(conn: Connection, sha256: str) -> dict | None:
    r = conn.execute(
        select(uploads).where(and_(uploads.c.sha256 == sha256, uploads.c.result == "stored"))
        .order_by(uploads.c.id).limit(1)
    ).mappings().first()
    return dict(r) if r else None


def data_version(conn: Connection) -> int:
    """The id of the newest stored upload (0 when nothing is stored): what read results came from."""
    v = conn.execute(select(func.max(uploads.c.id)).where(uploads.c.result == "stored")).scalar()
    return int(v or 0)


# --- writing ----------------------------------------------------------------------------------------

def upsert_offices(conn: Connection, upload_id: int, monthly: pd.DataFrame) -> None:
    """Register new offices and update names/hierarchy of known ones from the latest rows."""
    if monthly.empty:
        return
    latest = monthly.sort_values("month").drop_duplicates("office_code", keep="last")
    known = office_registry(conn, latest["office_code"])
    new, changed = [], []
    for r in latest.itertuples(index=False):
        rec = {"code": r.office_code, "name": r.office_name, "station": r.station, "branch": r.branch}
        if r.office_code not in known:
            new.append({**rec, "created_upload_id": upload_id, "updated_upload_id": upload_id})
        elif any(known[r.office_code][k] != rec[k] for k in ("name", "station", "branch")):
            changed.append({"b_code": r.office_code, "name": r.office_name, "station": r.station,
                            "branch": r.branch, "updated_upload_id": upload_id})
    if new:
        conn.execute(insert(offices), new)
    if changed:
        conn.execute(update(offices).where(offices.c.code == bindparam("b_code")), changed)


def _db_column(series: pd.Series) -> list:
    """A frame column as database values, vectorised: NaN/NaT/NA → None, timestamps → date."""
    if str(series.dtype).startswith("datetime64"):
        out = series.dt.date.astype(object)
    elif str(series.dtype) in ("boolean", "float64", "int64", "Int64"):
        out = series.astype(object)
    else:
        return [to_db_value(v) for v in series.tolist()]
    return [None if is_missing(v) else (v.item() if hasattr(v, "item") else v)
            for v in out.where(series.notna(), None).tolist()]


def _records(df: pd.DataFrame, keys: tuple[str, ...], upload_id: int, versions: list[int]) -> list[dict]:
    n = len(df)
    cols = {k: _db_column(df[k]) for k in keys}
    cols["src_sheet"] = [str(v or "") for v in df["_sheet"].tolist()] if "_sheet" in df else [""] * n
    cols["src_row"] = _db_column(df["_row"]) if "_row" in df else [None] * n
    cols["version"] = [int(v) for v in versions]
    names = list(cols)
    fixed = {"upload_id": upload_id, "is_current": True, "replaced_by_upload_id": None}
    return [{**fixed, **dict(zip(names, values, strict=True))} for values in zip(*cols.values(), strict=True)]


def current_dispute_offices(conn: Connection, dispute_ids: Iterable[str]) -> set[str]:
    """Offices that hold the current versions of these disputes now."""
    out: set[str] = set()
    for chunk in _chunks(sorted(set(dispute_ids))):
        out.update(r[0] for r in conn.execute(
            select(dispute_rows.c.office_code).where(dispute_rows.c.is_current, dispute_rows.c.dispute_id.in_(chunk))
            .distinct()))
    return out


def retire(conn: Connection, table, row_ids: list[int], upload_id: int) -> None:
    """Mark these row versions as no longer current, replaced by ``upload_id``."""
    if not row_ids:
        return
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values(is_current=False, replaced_by_upload_id=upload_id))
    conn.execute(stmt, [{"b_id": int(i)} for i in row_ids])


def insert_monthly(conn: Connection, upload_id: int, df: pd.DataFrame, versions: list[int]) -> None:
    if len(df):
        conn.execute(insert(monthly_rows), _records(df, ("office_code", *MONTHLY_VALUE_KEYS), upload_id, versions))


def insert_disputes(conn: Connection, upload_id: int, df: pd.DataFrame, versions: list[int]) -> None:
    if len(df):
        conn.execute(insert(dispute_rows),
                     _records(df, ("dispute_id", "office_code", *LEDGER_VALUE_KEYS), upload_id, versions))
