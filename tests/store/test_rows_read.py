"""Reading the current rows column by column gives exactly what reading them row by row gave: the same
rows, in the same order, in the exact dtypes of the column contract (``metrics.dataset``), on SQLite and
on PostgreSQL — with values not given (NaN counts, NaT dates, NA ``escalated``, no note or party key),
replaced versions from a second upload (another file name), and station / office filters.

``reference_monthly`` / ``reference_ledger`` are the plain implementation the store used before (rows as
mappings, joined with ``uploads`` for the file name, converted by pandas per value).
"""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import select

from metrics.dataset import SourceFile, Upload, empty_frame
from metrics.reader import party_hash
from metrics.schema import LEDGER, MONTHLY
from sample_data.generate import build_bureau
from store import rows
from store.tables import LEDGER_VALUE_KEYS, MONTHLY_VALUE_KEYS, dispute_rows, monthly_rows, offices, uploads
from tests.dbfixtures import create_users, store_as

# --- the reference: rows as mappings, converted per value ---------------------------------------------------


def _reference_frame(kind, recs: list[dict]) -> pd.DataFrame:
    base = empty_frame(kind)
    if not recs:
        return base.assign(_id=pd.Series(dtype="int64"), _upload=pd.Series(dtype="int64"),
                           _version=pd.Series(dtype="int64"))
    df = pd.DataFrame(recs)
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


def _reference_select(conn, q, code_col, office_codes, stations) -> list[dict]:
    if stations is not None:
        q = q.where(offices.c.station.in_(sorted(set(stations))))
    if office_codes is None:
        return [dict(r) for r in conn.execute(q).mappings()]
    out: list[dict] = []
    for chunk in rows._chunks(sorted(set(office_codes))):
        out.extend(dict(r) for r in conn.execute(q.where(code_col.in_(chunk))).mappings())
    return out


def reference_monthly(conn, office_codes=None, stations=None) -> pd.DataFrame:
    cols = [monthly_rows.c.id, monthly_rows.c.office_code, *[monthly_rows.c[k] for k in MONTHLY_VALUE_KEYS],
            monthly_rows.c.upload_id, monthly_rows.c.version, monthly_rows.c.src_sheet,
            monthly_rows.c.src_row, uploads.c.file_name]
    q = (select(*cols).join(offices, offices.c.code == monthly_rows.c.office_code)
         .join(uploads, uploads.c.id == monthly_rows.c.upload_id)
         .where(monthly_rows.c.is_current))
    recs = _reference_select(conn, q, monthly_rows.c.office_code, office_codes, stations)
    return _reference_frame(MONTHLY, recs).sort_values(["office_code", "month"], ignore_index=True)


def reference_ledger(conn, office_codes=None, stations=None) -> pd.DataFrame:
    cols = [dispute_rows.c.id, dispute_rows.c.dispute_id, dispute_rows.c.office_code,
            *[dispute_rows.c[k] for k in LEDGER_VALUE_KEYS],
            dispute_rows.c.upload_id, dispute_rows.c.version, dispute_rows.c.src_sheet,
            dispute_rows.c.src_row, uploads.c.file_name]
    q = (select(*cols).join(uploads, uploads.c.id == dispute_rows.c.upload_id)
         .where(dispute_rows.c.is_current))
    if stations is not None:
        q = q.join(offices, offices.c.code == dispute_rows.c.office_code)
    recs = _reference_select(conn, q, dispute_rows.c.office_code, office_codes, stations)
    return _reference_frame(LEDGER, recs).sort_values("dispute_id", ignore_index=True)


# --- a stored bureau ----------------------------------------------------------------------------------------


def _upload(name: str, monthly: pd.DataFrame, ledger: pd.DataFrame) -> Upload:
    return Upload(source=SourceFile.from_bytes(name, (name + monthly.to_csv() + ledger.to_csv()).encode()),
                  monthly=monthly.reset_index(drop=True), ledger=ledger.reset_index(drop=True))


@pytest.fixture
def stored(app):
    """A small generated bureau stored in two uploads: the second replaces some office-months and
    disputes (new versions from another file) and blanks optional values."""
    users = create_users(app)
    monthly, ledger = build_bureau(branches=2, stations=3, offices=6, months=("2026-01", "2026-06"),
                                   disputes_per_office_year=60)
    keys = ledger["party_key"]
    ledger["party_key"] = keys.map(lambda k: party_hash(str(k), app.party_key_secret)).where(keys.notna(), None)
    ledger.loc[ledger.index[::3], "escalated"] = pd.NA
    ledger.loc[ledger.index[::4], "note"] = None
    ledger.loc[ledger.index[::5], "party_key"] = None
    store_as(app, users["eval"].id, _upload("first.xlsx", monthly.assign(_file="first.xlsx"),
                                            ledger.assign(_file="first.xlsx")))
    later_m = monthly[monthly["month"] == "2026-06"].copy()
    later_m["fraud_cases"] = float("nan")
    later_m["alerts"] = later_m["alerts"] + 1
    later_l = ledger[ledger["received_date"] >= "2026-05-01"].copy()
    later_l["follow_up_date"] = pd.NaT
    later_l["escalated"] = True
    store_as(app, users["eval"].id, _upload("second.xlsx", later_m.assign(_file="second.xlsx"),
                                            later_l.assign(_file="second.xlsx")))
    return app, monthly, ledger, later_m, later_l


def _assert_contract_dtypes(frame: pd.DataFrame, kind) -> None:
    base = empty_frame(kind)
    for col in base.columns:
        assert str(frame[col].dtype) == str(base[col].dtype), col
    for col in ("_id", "_upload", "_version"):
        assert str(frame[col].dtype) == "int64"


# --- tests ----------------------------------------------------------------------------------------------------


def test_current_rows_equal_the_row_by_row_reading_in_dtype_order_and_value(stored):
    app, monthly, ledger, later_m, later_l = stored
    with app.db.read() as conn:
        got_m, want_m = rows.current_monthly(conn), reference_monthly(conn)
        got_l, want_l = rows.current_ledger(conn), reference_ledger(conn)
    assert_frame_equal(got_m, want_m, check_dtype=True, check_index_type=True)
    assert_frame_equal(got_l, want_l, check_dtype=True, check_index_type=True)
    _assert_contract_dtypes(got_m, MONTHLY)
    _assert_contract_dtypes(got_l, LEDGER)
    # The comparison covers what matters: every row, both files, both versions, values not given.
    assert len(got_m) == len(monthly) and len(got_l) == len(ledger)
    assert set(got_m["_file"]) == {"first.xlsx", "second.xlsx"} and set(got_l["_version"]) == {1, 2}
    assert (got_m.loc[got_m["_file"] == "second.xlsx", "month"] == "2026-06").all()
    assert got_m["fraud_cases"].isna().any() and got_l["follow_up_date"].isna().any()
    assert got_l["escalated"].isna().any() and got_l["escalated"].eq(True).any() and got_l["escalated"].eq(False).any()
    assert got_l["note"].isna().any() and got_l["party_key"].isna().any()
    assert got_l["dispute_id"].is_monotonic_increasing
    assert got_l["received_date"].min() == ledger["received_date"].min()


def test_filtered_reads_equal_the_reference(stored):
    app, monthly, ledger, *_ = stored
    station = sorted(monthly["station"].unique())[0]
    codes = sorted(monthly["office_code"].unique())[:2] + ["未登记的编码"]
    with app.db.read() as conn:
        for kw in ({"stations": {station}}, {"office_codes": codes}, {"stations": {station}, "office_codes": codes},
                   {"stations": set()}, {"office_codes": []}):
            got_m, got_l = rows.current_monthly(conn, **kw), rows.current_ledger(conn, **kw)
            assert_frame_equal(got_m, reference_monthly(conn, **kw), check_dtype=True)
            assert_frame_equal(got_l, reference_ledger(conn, **kw), check_dtype=True)
            _assert_contract_dtypes(got_m, MONTHLY)
            _assert_contract_dtypes(got_l, LEDGER)
        assert set(rows.current_monthly(conn, stations={station})["station"]) == {station}


def test_disputes_by_id_read_the_current_versions_in_the_contract(stored):
    app, _, ledger, _, later_l = stored
    ids = [*later_l["dispute_id"].iloc[:3], *ledger["dispute_id"].iloc[:2]]
    with app.db.read() as conn:
        got = rows.current_disputes_by_id(conn, ids)
        every = rows.current_ledger(conn)
    want = every[every["dispute_id"].isin(ids)].sort_values("dispute_id", ignore_index=True)
    assert_frame_equal(got.sort_values("dispute_id", ignore_index=True), want, check_dtype=True)
    assert set(got["dispute_id"]) == set(ids)


def test_an_empty_store_reads_empty_frames_in_the_contract(app):
    with app.db.read() as conn:
        m, lg = rows.current_monthly(conn), rows.current_ledger(conn)
        assert_frame_equal(m, reference_monthly(conn), check_dtype=True)
        assert_frame_equal(lg, reference_ledger(conn), check_dtype=True)
    assert m.empty and lg.empty
    _assert_contract_dtypes(m, MONTHLY)
    _assert_contract_dtypes(lg, LEDGER)
