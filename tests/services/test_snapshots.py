"""The columnar snapshot of the current rows: a freshly started process loads the bureau from it, and
what it loads is always exactly what the database holds (frame for frame, dtype for dtype) — after new
and replaced rows, on SQLite and PostgreSQL; a stale, foreign, truncated, corrupt or deleted snapshot is
ignored and rewritten; the server catches up after an upload without reading every row again; the
operator commands and a restored backup leave correct data behind.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from services import reading, snapshots
from services.context import App
from store import rows
from store import snapshot as snap
from tests.dbfixtures import create_users, dispute_record, make_db, make_upload, monthly_record, store_as

TRACE = ["_id", "_upload", "_version"]


@pytest.fixture(autouse=True)
def _no_instruction_sync(monkeypatch):
    """These tests arrange which rows a process holds and which snapshot exists between uploads; the
    instruction sync after each upload (services.instructions) loads the rows and would refresh both."""
    from services import instructions
    monkeypatch.setattr(instructions, "sync_after_upload", lambda _app: None)


# --- helpers --------------------------------------------------------------------------------------------

def db_frames(app) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The current rows as the database path reads them (the reference)."""
    with app.db.read() as conn:
        return rows.current_monthly(conn).drop(columns=TRACE), rows.current_ledger(conn).drop(columns=TRACE)


def fresh_load(app) -> reading.Stored:
    """``reading.stored`` as a freshly started process calls it (nothing remembered in memory)."""
    reading.clear_cache()
    snapshots.forget()
    got = reading.stored(app)
    snapshots.wait()
    return got


def assert_same_as_database(app, got: reading.Stored) -> None:
    monthly, ledger = db_frames(app)
    assert_frame_equal(got.dataset.monthly, monthly, check_exact=True)
    assert_frame_equal(got.dataset.ledger, ledger, check_exact=True)
    with app.db.read() as conn:
        assert got.version == rows.data_version(conn)
    assert got.upload_ids == tuple(sorted(got.upload_ids)) and got.upload_ids[-1] == got.version


def snapshot_dirs(app) -> list[Path]:
    return [p for _v, p in snap.candidates(snapshots.folder(app))]


def forbid_full_reads(monkeypatch) -> None:
    """Make the database path unavailable: reading every current row raises (rows of given uploads —
    what catching up reads — stay allowed)."""
    real_m, real_l = rows.current_monthly, rows.current_ledger

    def guarded(real):
        def read(conn, *a, upload_ids=None, **kw):
            if upload_ids is None and not a and not kw:
                raise AssertionError("the database path was used")
            return real(conn, *a, upload_ids=upload_ids, **kw)
        return read

    monkeypatch.setattr(rows, "current_monthly", guarded(real_m))
    monkeypatch.setattr(rows, "current_ledger", guarded(real_l))


def first_upload():
    """Two stations, values not given (NaN counts, NaT dates, NA escalated, no note/party key), enough
    disputes that some text columns are stored dictionary-encoded and some plain."""
    monthly = [monthly_record(f"A{i}", m, fraud_cases=float("nan") if i % 2 else 3.0)
               for i in range(3) for m in ("2026-07", "2026-08")]
    monthly += [monthly_record(f"B{i}", m, station="城南派出所", office_name=f"城南{i}号 警务室")
                for i in range(2) for m in ("2026-07", "2026-08")]
    ledger = []
    for i in range(40):
        code = ["A0", "A1", "A2", "B0", "B1"][i % 5]
        ledger.append(dispute_record(
            f"D{i:03d}", code, received_date=pd.Timestamp("2026-07-01") + pd.Timedelta(days=i),
            resolved_date=pd.NaT if i % 3 else pd.Timestamp("2026-08-20"),
            follow_up_date=pd.Timestamp("2026-08-25") if i % 4 == 0 else pd.NaT,
            escalated=[True, False, None][i % 3], note=None if i % 2 else f"备注{i}",
            party_key=None if i % 7 == 0 else f"{i:064x}", status=["已化解", "调解不成", "化解中"][i % 3]))
    return make_upload("第一批.xlsx", monthly, ledger)


def second_upload():
    """Replaces some office-months and disputes (another value, another office), adds new ones."""
    monthly = [monthly_record("A1", "2026-08", alerts=99.0), monthly_record("A1", "2026-09"),
               monthly_record("B1", "2026-09", station="城南派出所")]
    ledger = [dispute_record("D005", "A1", status="化解中", resolved_date=pd.NaT, escalated=None),
              dispute_record("D010", "B1", note="改到城南"),
              dispute_record("D100", "A1", received_date=pd.Timestamp("2026-09-02")),
              dispute_record("C001", "B1", received_date=pd.Timestamp("2026-09-03"), party_key=None)]
    return make_upload("第二批.xlsx", monthly, ledger)


# --- the snapshot stands for the database --------------------------------------------------------------

def test_a_fresh_process_loads_the_snapshot_and_gets_exactly_the_database_rows(app, monkeypatch):
    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    first = fresh_load(app)  # nothing on disk yet: read from the database, snapshot written
    assert_same_as_database(app, first)
    assert [p.name.split("-")[0] for p in snapshot_dirs(app)] == [f"v{first.version:012d}"]

    before = snapshots.ORIGINS["snapshot"]
    forbid_full_reads(monkeypatch)
    again = fresh_load(app)
    assert snapshots.ORIGINS["snapshot"] == before + 1
    monkeypatch.undo()
    assert_same_as_database(app, again)
    assert again.dataset.sources == first.dataset.sources and again.upload_ids == first.upload_ids
    assert again.dataset.ledger["escalated"].isna().any() and again.dataset.ledger["note"].isna().any()


def test_after_replacing_uploads_a_fresh_process_catches_up_from_the_older_snapshot(app, monkeypatch):
    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    fresh_load(app)
    store_as(app, u["eval"].id, second_upload())
    # D011 is 城关's (A1): moving it to 城南's B0 is an evaluator's upload (a station head may not take it)
    store_as(app, u["eval"].id, make_upload("城南.xlsx", [monthly_record("B0", "2026-09", station="城南派出所")],
                                            [dispute_record("D011", "B0", category="婚姻家庭")]))
    before = snapshots.ORIGINS["catch-up"]
    forbid_full_reads(monkeypatch)
    got = fresh_load(app)
    monkeypatch.undo()
    assert snapshots.ORIGINS["catch-up"] == before + 1
    assert_same_as_database(app, got)
    assert got.dataset.ledger.set_index("dispute_id").at["D010", "office_code"] == "B1"
    assert got.dataset.monthly.set_index(["office_code", "month"]).at[("A1", "2026-08"), "alerts"] == 99.0
    # the caught-up rows were written as the new snapshot and the old one deleted
    assert [p.name.split("-")[0] for p in snapshot_dirs(app)] == [f"v{got.version:012d}"]
    forbid_full_reads(monkeypatch)
    assert_frame_equal(fresh_load(app).dataset.ledger, got.dataset.ledger)


def test_the_server_catches_up_from_the_rows_it_holds_after_an_upload(app, monkeypatch):
    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    held = fresh_load(app)
    store_as(app, u["eval"].id, second_upload())
    before = snapshots.ORIGINS["memory"]
    forbid_full_reads(monkeypatch)
    shutil.rmtree(snapshots.folder(app))  # not even the snapshot: only the rows held plus the new ones
    got = reading.stored(app)
    snapshots.wait()
    monkeypatch.undo()
    assert snapshots.ORIGINS["memory"] == before + 1 and got.version > held.version
    assert_same_as_database(app, got)
    assert snapshot_dirs(app)  # and written for the next start


def test_rows_held_by_no_one_are_not_caught_up(app):
    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    fresh_load(app)
    store_as(app, u["eval"].id, second_upload())
    reading.clear_cache()  # the reader let its rows go: memory is not trusted, the disk snapshot is
    before = snapshots.ORIGINS["memory"]
    got = reading.stored(app)
    snapshots.wait()
    assert snapshots.ORIGINS["memory"] == before
    assert_same_as_database(app, got)


# --- broken snapshots are ignored, the database is read, the snapshot rewritten ----------------------------

def _only_snapshot(app) -> Path:
    (path,) = snapshot_dirs(app)
    return path


def _truncate(path: Path) -> None:
    f = path / "ledger.arrow"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])


def _corrupt(path: Path) -> None:
    f = path / "ledger.arrow"
    data = bytearray(f.read_bytes())
    for i in range(200, 260):
        data[i] ^= 0x5A
    f.write_bytes(bytes(data))


def _flip_a_value_byte(path: Path) -> None:
    """One bit of one dispute id changed, the Arrow file still well-formed: only the checksum can tell."""
    f = path / "ledger.arrow"
    data = bytearray(f.read_bytes())
    at = data.find(b"D017")
    assert at > 0
    data[at + 3] ^= 0x01  # D017 → D016: a plausible value
    f.write_bytes(bytes(data))


def _delete(path: Path) -> None:
    (path / "monthly.arrow").unlink()


def _no_manifest(path: Path) -> None:
    (path / "manifest.json").unlink()


def _other_meta(path: Path) -> None:
    """Files and manifest replaced by a snapshot of the same name that says another history (as if copied)."""
    meta, monthly, ledger = snap.read(path)
    other = snap.Meta(meta.format, meta.version, "0" * 64, meta.revision, meta.monthly_rows, meta.ledger_rows,
                      meta.max_ids)
    tmp = snap.write(path.parent / "elsewhere", other, monthly, ledger)
    for name in ("monthly.arrow", "ledger.arrow", "manifest.json"):
        os.replace(tmp / name, path / name)


@pytest.mark.parametrize("damage", [_truncate, _corrupt, _flip_a_value_byte, _delete, _no_manifest, _other_meta])
def test_a_broken_snapshot_is_ignored_read_from_the_database_and_rewritten(app, damage, caplog):
    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    fresh_load(app)
    damage(_only_snapshot(app))
    before = snapshots.ORIGINS["database"]
    got = fresh_load(app)
    assert snapshots.ORIGINS["database"] == before + 1
    assert_same_as_database(app, got)
    assert "快照" in caplog.text
    meta, monthly, ledger = snap.read(_only_snapshot(app))  # rewritten, readable again
    assert meta.version == got.version
    assert_frame_equal(ledger, got.dataset.ledger)


def test_a_snapshot_of_another_database_is_never_applied(app, request, tmp_path):
    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    fresh_load(app)
    other_db = make_db(app.db.dialect, request, tmp_path / "other")
    other = App(settings=app.settings.__class__(data_dir=app.settings.data_dir,
                                                database_url=other_db.engine.url.render_as_string(False)),
                db=other_db, party_key_secret=app.party_key_secret, secret_key=app.secret_key)
    try:
        v = create_users(other)
        store_as(other, v["eval"].id, make_upload("别处.xlsx", [monthly_record("Z1", "2026-08")],
                                                   [dispute_record("Z-1", "Z1")]))
        theirs = snapshots.folder(other)
        assert theirs != snapshots.folder(app)
        mine = _only_snapshot(app)
        theirs.mkdir(parents=True)
        shutil.copytree(mine, theirs / mine.name)  # as copied, and under the name the other one expects
        with other.db.read() as conn:
            state = snap.read_state(conn)
        shutil.copytree(mine, theirs / f"v{state.version:012d}-{state.digest()[:16]}")
        got = fresh_load(other)
        assert_same_as_database(other, got)
        assert set(got.dataset.ledger["dispute_id"]) == {"Z-1"}
    finally:
        other_db.dispose()


def test_snapshot_files_are_owner_only(app):
    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    fresh_load(app)
    path = _only_snapshot(app)
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.parent.parent.stat().st_mode & 0o777 == 0o700  # <data folder>/snapshots
    assert path.stat().st_mode & 0o777 == 0o700
    assert {f.stat().st_mode & 0o777 for f in path.iterdir()} == {0o600}


def test_an_empty_database_loads_empty_frames_and_writes_no_snapshot(app):
    got = fresh_load(app)
    assert got.empty and got.version == 0
    assert_same_as_database_empty(app, got)
    assert snapshot_dirs(app) == []


def assert_same_as_database_empty(app, got):
    monthly, ledger = db_frames(app)
    assert_frame_equal(got.dataset.monthly, monthly)
    assert_frame_equal(got.dataset.ledger, ledger)


# --- restore and import --------------------------------------------------------------------------------------

def test_a_restored_backup_with_a_different_history_gets_its_own_rows(tmp_path):
    """Backup at version 1, upload (snapshot of version 2 written), restore the backup, upload another
    file: the database is at version 2 again, with other rows — the old snapshot of "version 2" must not
    be applied."""
    from services.backup import take_backup
    from services.context import open_app
    from services.settings import Settings, sqlite_url

    settings = Settings(data_dir=tmp_path / "data", database_url=sqlite_url(tmp_path / "data" / "db.sqlite3"))
    app = open_app(settings)
    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    fresh_load(app)
    backup = take_backup(app, None, tmp_path / "b.sqlite3")
    store_as(app, u["eval"].id, second_upload())
    v2 = fresh_load(app)
    app.close()
    db_file = tmp_path / "data" / "db.sqlite3"
    for suffix in ("-wal", "-shm"):
        Path(str(db_file) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, db_file)  # the operator's restore
    app = open_app(settings)
    try:
        store_as(app, u["eval"].id, make_upload("另一批.xlsx", [monthly_record("A0", "2026-08", alerts=1.0)],
                                                [dispute_record("E001", "A0")]))
        got = fresh_load(app)
        assert got.version == v2.version  # the same number, another history
        assert_same_as_database(app, got)
        assert "E001" in set(got.dataset.ledger["dispute_id"]) and "D100" not in set(got.dataset.ledger["dispute_id"])
    finally:
        app.close()


def test_the_import_command_leaves_a_current_snapshot(db, tmp_path, monkeypatch, capsys):
    from sample_data.generate import build_bureau, write_station_workbook
    from services import accounts
    from services.__main__ import main
    from services.context import open_app
    from services.settings import from_env

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", db.engine.url.render_as_string(False))
    assert main(["init"]) == 0
    app = open_app(from_env())
    try:
        admin = accounts.create_first_admin(app, "root", "Tower-Bridge-2026")
        accounts.create_user(app, admin, "kaoping", "Silver-Pass-99", "evaluator")
        monthly, ledger = build_bureau(branches=1, stations=2, offices=4, months=("2026-08", "2026-09"), seed=5)
        wb = tmp_path / "历史.xlsx"
        write_station_workbook(wb, monthly, ledger)
        assert main(["import", str(wb), "--as", "kaoping", "--accept-warnings"]) == 0
        with app.db.read() as conn:
            version = rows.data_version(conn)
        assert [p.name.split("-")[0] for p in snapshot_dirs(app)] == [f"v{version:012d}"]
        before = snapshots.ORIGINS["snapshot"]
        got = fresh_load(app)
        assert snapshots.ORIGINS["snapshot"] == before + 1
        assert_same_as_database(app, got)
    finally:
        app.close()


# --- the pieces ----------------------------------------------------------------------------------------------

def test_catch_up_keeps_the_latest_row_per_key_in_the_order_the_store_sorts(app):
    rng = np.random.default_rng(7)
    codes = [f"{c}{i}" for c in "ABZa" for i in (1, 2, 10)]
    old = pd.DataFrame({"office_code": rng.choice(codes, 60), "month": rng.choice(["2026-01", "2026-10", "2026-02"], 60),
                        "v": np.arange(60.0)}).drop_duplicates(["office_code", "month"])
    new = pd.DataFrame({"office_code": rng.choice(codes + ["B9"], 15), "month": rng.choice(["2026-01", "2026-11"], 15),
                        "v": 100 + np.arange(15.0)}).drop_duplicates(["office_code", "month"])
    old = old.sort_values(["office_code", "month"]).reset_index(drop=True)
    new = new.sort_values(["office_code", "month"]).reset_index(drop=True)
    got = snap.catch_up(old, new, ("office_code", "month"))
    want = (pd.concat([old, new]).drop_duplicates(["office_code", "month"], keep="last")
            .sort_values(["office_code", "month"]).reset_index(drop=True))
    assert_frame_equal(got, want)
    assert_frame_equal(snap.catch_up(old, new.iloc[:0], ("office_code", "month")), old)
    assert_frame_equal(snap.catch_up(old.iloc[:0], new, ("office_code", "month")), new)
    with pytest.raises(ValueError):  # rows out of key order cannot be merged by position
        snap.catch_up(old.iloc[::-1].reset_index(drop=True), new, ("office_code", "month"))


def test_a_frame_with_a_value_outside_the_contract_is_not_written(tmp_path, app):
    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    monthly, ledger = db_frames(app)
    with app.db.read() as conn:
        meta = snap.Meta.of(snap.read_state(conn))
    bad = ledger.assign(note=ledger["note"].astype(object).where(ledger["note"].notna(), float("nan")))
    bad.loc[0, "note"] = 3.5
    with pytest.raises(snap.SnapshotError):
        snap.write(tmp_path / "s", meta, monthly, bad)
    assert not list((tmp_path / "s").glob("v*"))


def test_a_data_folder_where_no_snapshot_can_be_written_still_reads_the_database(app, caplog):
    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    app.settings.data_dir.mkdir(parents=True, exist_ok=True)
    (app.settings.data_dir / "snapshots").write_text("不是文件夹")  # mkdir of the snapshot folder fails
    got = fresh_load(app)
    assert_same_as_database(app, got)
    assert "写入快照失败" in caplog.text
    got = fresh_load(app)  # and again: nothing to read, the database once more
    assert_same_as_database(app, got)


def test_a_snapshot_hands_its_ledger_codes_to_the_indicators_and_they_give_the_database_answer(app):
    from metrics.dataset import Dataset
    from metrics.indicators import compute_levels, monthly_series
    from metrics.indicators.units import LEVELS

    u = create_users(app)
    store_as(app, u["eval"].id, first_upload())
    repeats = [dispute_record(f"R{i:03d}", ["A0", "B1"][i % 2], received_date=pd.Timestamp("2026-08-01")
                              + pd.Timedelta(days=i * 9), party_key=f"{i % 3:064x}", risk=["红", "黄"][i % 2])
               for i in range(9)]
    store_as(app, u["eval"].id, make_upload("重复当事人.xlsx", [], repeats))
    fresh_load(app)  # writes the snapshot
    got = fresh_load(app)
    assert snapshots.ORIGINS["snapshot"] >= 1
    held = got.dataset.ledger_reader._codes
    assert set(snap.CODED) <= set(held)  # every coded column came with the snapshot, none factorised here
    monthly, ledger = db_frames(app)
    plain = Dataset(monthly=monthly, ledger=ledger)
    for period in ("2026-08", "2026-07..2026-09"):
        want, have = compute_levels(plain, period), compute_levels(got.dataset, period)
        for level in LEVELS:
            assert_frame_equal(have[level].units, want[level].units, check_exact=True)
    assert compute_levels(plain, "2026-07..2026-09")["bureau"].units["repeat_disputes"].iloc[0] > 0
    months = ["2026-07", "2026-08", "2026-09"]
    for key in ("repeat_disputes", "red_open", "resolution_rate"):
        assert_frame_equal(monthly_series(got.dataset, months, "station", key),
                           monthly_series(plain, months, "station", key), check_exact=True)
