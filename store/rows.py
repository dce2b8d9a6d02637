"""Versioned office-month and dispute rows: read the current ones, write a new upload's rows.

Every stored row has a ``version`` (1, 2, … per key) and ``is_current``; replacing a key marks the
old version not current (recording which upload replaced it) and inserts the new one. A partial
unique index makes two current versions of one key impossible, whatever happens concurrently.

Frames follow the column contract of ``metrics.dataset`` (monthly counts float64 with NaN, ledger
dates datetime64[ns], ``escalated`` boolean, trace columns ``_file``, ``_sheet``, ``_row``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    Integer,
    String,
    and_,
    bindparam,
    func,
    insert,
    select,
    type_coerce,
    update,
)

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

_RENAMES = {"src_sheet": "_sheet", "src_row": "_row", "id": "_id", "upload_id": "_upload", "version": "_version"}
_TRACE_INTS = ("_id", "_upload", "_version")


def _raw(col):
    """``col`` as read: dates and booleans come as the driver gives them (ISO text or 0/1 on SQLite,
    ``date``/``bool`` on PostgreSQL), converted here a column at a time instead of value by value."""
    if isinstance(col.type, Date):
        return type_coerce(col, String).label(col.key)
    if isinstance(col.type, Boolean):
        return type_coerce(col, Integer).label(col.key)
    return col


def _objects(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _dates(values) -> np.ndarray:
    """Stored dates (ISO text or ``date`` objects, None when not given) as ``datetime64[ns]``.

    Dates repeat a lot: each distinct value is parsed once. A value that is not a date raises."""
    codes, uniques = pd.factorize(_objects(values))
    if not len(uniques):
        return np.full(len(codes), np.datetime64("NaT", "ns"))
    if all(isinstance(u, str) for u in uniques):
        parsed = pd.to_datetime(pd.Index(uniques, dtype=object), format="ISO8601")
    else:
        parsed = pd.to_datetime(pd.Index(uniques, dtype=object))
    table = np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    return table[codes]


def _floats(values) -> np.ndarray:
    try:
        return np.array(values, dtype="float64")
    except (TypeError, ValueError):
        return pd.to_numeric(pd.Series(_objects(values), dtype=object), errors="coerce").to_numpy(dtype="float64")


def _column(dtype, values) -> pd.Series | np.ndarray:
    """One stored column in the dtype of the column contract."""
    dtype = str(dtype)
    if dtype == "datetime64[ns]":
        return _dates(values)
    if dtype == "boolean":
        return pd.array(_objects(values), dtype="boolean")
    if dtype == "float64":
        return _floats(values)
    return pd.Series(_objects(values), dtype=object)


def _frame(kind: SheetKind, rows: Sequence, names: Sequence[str] | None = None,
           file_names: Mapping[int, str] | None = None, order: Sequence[str] = ()) -> pd.DataFrame:
    """Rows from the database as a frame in the column contract of ``metrics.dataset``.

    ``rows`` are result rows (tuples, columns ``names``) or mappings; ``file_names`` maps an upload id
    to its file name (``_file``) when the rows do not carry ``file_name``; rows are sorted by ``order``
    (keys unique among current rows). Each column is converted once, as a whole.
    """
    base = empty_frame(kind)
    out_cols = [*base.columns, *_TRACE_INTS]
    if not rows:
        return base.assign(_id=pd.Series(dtype="int64"), _upload=pd.Series(dtype="int64"),
                           _version=pd.Series(dtype="int64"))
    if names is None:  # mappings
        names = list(rows[0].keys())
        rows = [tuple(r[k] for k in names) for r in rows]
    n = len(rows)
    raw = {_RENAMES.get(name, "_file" if name == "file_name" else name): col
           for name, col in zip(names, zip(*rows, strict=True), strict=True)}
    if "_file" not in raw and file_names is not None and "_upload" in raw:
        uploads_of = np.array(raw["_upload"], dtype="int64")
        ids, inverse = np.unique(uploads_of, return_inverse=True)
        raw["_file"] = _objects([file_names.get(int(i)) for i in ids])[inverse.reshape(-1)]
    take = None
    if order:
        keys = [pd.factorize(_objects(raw[k]), sort=True)[0] for k in order]
        take = np.lexsort(keys[::-1])
        if (np.diff(take) > 0).all():
            take = None  # already in order
    data: dict[str, object] = {}
    for col in out_cols:
        values = raw.get(col)
        if values is None:
            dtype = base[col].dtype if col in base.columns else "int64"
            data[col] = pd.Series(index=pd.RangeIndex(n), dtype=dtype)
            continue
        if col in _TRACE_INTS:
            arr = np.array(values, dtype="int64")
        elif col == "_row":
            arr = np.nan_to_num(_floats(values), nan=0.0).astype("int64")
        else:
            arr = _column(base[col].dtype, values)
        if take is not None:
            arr = arr.take(take) if not isinstance(arr, pd.Series) else arr.take(take).reset_index(drop=True)
        data[col] = arr
    frame = pd.DataFrame(data, index=pd.RangeIndex(n), copy=False)
    return frame[out_cols]


def _file_names(conn: Connection) -> dict[int, str]:
    """upload id → file name as given, for every upload (a small table; no per-row join)."""
    return {int(i): name for i, name in conn.execute(select(uploads.c.id, uploads.c.file_name))}


def current_monthly(conn: Connection, office_codes: Iterable[str] | None = None,
                    stations: Iterable[str] | None = None, upload_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Current office-month rows (optionally only some offices or stations, or only rows stored by some
    uploads), contract columns plus ``_id``, ``_upload``, ``_version``."""
    cols = [monthly_rows.c.id, monthly_rows.c.office_code, *[monthly_rows.c[k] for k in MONTHLY_VALUE_KEYS],
            monthly_rows.c.upload_id, monthly_rows.c.version, monthly_rows.c.src_sheet, monthly_rows.c.src_row]
    q = select(*[_raw(c) for c in cols]).where(monthly_rows.c.is_current)
    if stations is not None:
        q = q.join(offices, offices.c.code == monthly_rows.c.office_code)
    if upload_ids is not None:
        q = q.where(monthly_rows.c.upload_id.in_(sorted({int(i) for i in upload_ids})))
    names, rows = _select_filtered(conn, q, monthly_rows.c.office_code, office_codes, stations)
    return _frame(MONTHLY, rows, names, _file_names(conn) if rows else None, order=("office_code", "month"))


def current_ledger(conn: Connection, office_codes: Iterable[str] | None = None,
                   stations: Iterable[str] | None = None, upload_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Current dispute rows (optionally only some offices or stations, or only rows stored by some uploads)."""
    cols = [dispute_rows.c.id, dispute_rows.c.dispute_id, dispute_rows.c.office_code,
            *[dispute_rows.c[k] for k in LEDGER_VALUE_KEYS],
            dispute_rows.c.upload_id, dispute_rows.c.version, dispute_rows.c.src_sheet, dispute_rows.c.src_row]
    q = select(*[_raw(c) for c in cols]).where(dispute_rows.c.is_current)
    if stations is not None:
        q = q.join(offices, offices.c.code == dispute_rows.c.office_code)
    if upload_ids is not None:
        q = q.where(dispute_rows.c.upload_id.in_(sorted({int(i) for i in upload_ids})))
    names, rows = _select_filtered(conn, q, dispute_rows.c.office_code, office_codes, stations)
    return _frame(LEDGER, rows, names, _file_names(conn) if rows else None, order=("dispute_id",))


def _select_filtered(conn, q, code_col, office_codes, stations) -> tuple[list[str], list]:
    """(column names, result rows) of ``q``, only for ``stations`` and ``office_codes`` when given."""
    if stations is not None:
        q = q.where(offices.c.station.in_(sorted(set(stations))))
    names = [c.key for c in q.selected_columns]
    if office_codes is None:
        return names, conn.execute(q).fetchall()
    out: list = []
    for chunk in _chunks(sorted(set(office_codes))):
        out.extend(conn.execute(q.where(code_col.in_(chunk))).fetchall())
    return names, out


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
    """Register new offices and update the names of known ones from the latest rows.

    The station and branch of a known office are never changed here: moving an office is an admin's
    registry change (:func:`move_office`); the upload service refuses rows that disagree with them."""
    if monthly.empty:
        return
    latest = monthly.sort_values("month").drop_duplicates("office_code", keep="last")
    known = office_registry(conn, latest["office_code"])
    new, changed = [], []
    for r in latest.itertuples(index=False):
        rec = {"code": r.office_code, "name": r.office_name, "station": r.station, "branch": r.branch}
        if r.office_code not in known:
            new.append({**rec, "created_upload_id": upload_id, "updated_upload_id": upload_id})
        elif known[r.office_code]["name"] != rec["name"]:
            changed.append({"b_code": r.office_code, "name": r.office_name, "updated_upload_id": upload_id})
    if new:
        conn.execute(insert(offices), new)
    if changed:
        conn.execute(update(offices).where(offices.c.code == bindparam("b_code")), changed)


def move_office(conn: Connection, code: str, station: str, branch: str) -> None:
    """Set the station and branch of a registered office (the admin's registry change)."""
    conn.execute(update(offices).where(offices.c.code == code).values(station=station, branch=branch))


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


def current_dispute_offices(conn: Connection, dispute_ids: Iterable[str]) -> dict[str, str]:
    """dispute id → the office that holds its current version now, for those of ``dispute_ids`` stored."""
    out: dict[str, str] = {}
    for chunk in _chunks(sorted(set(dispute_ids))):
        out.update((did, code) for did, code in conn.execute(
            select(dispute_rows.c.dispute_id, dispute_rows.c.office_code)
            .where(dispute_rows.c.is_current, dispute_rows.c.dispute_id.in_(chunk))))
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
