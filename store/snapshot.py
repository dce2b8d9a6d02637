"""Columnar snapshots of the current rows: a derived, disposable copy of what ``store.rows`` reads.

A snapshot holds the bureau's current monthly and ledger rows exactly as ``rows.current_monthly`` /
``rows.current_ledger`` give them (trace ints ``_id``, ``_upload``, ``_version`` left out), as two
Arrow IPC files in one folder per data version::

    <folder>/v000000000042-<digest16>/monthly.arrow
                                      ledger.arrow
                                      manifest.json

The Arrow IPC files (uncompressed: reading one is a copy, not a decode) hold the frames; the manifest
holds the snapshot's :class:`Meta` (format, data version, database digest, migration revision, row
counts, newest row ids) and each file's size and CRC-32, checked by :func:`read` before a byte is
parsed. Parquet was measured too: the same tables read twice as slowly (its pages are decoded), and
this cache has no use for its smaller files. A snapshot is only ever used after its :class:`Meta` has
been compared (:meth:`Meta.problem_against`) with a :class:`State` read from the database in the same
transaction as any rows read with it (see ``services.snapshots``):

* the **digest** chains every stored upload up to the snapshot's version (id, file name, SHA-256,
  size, time stored, new-row counts): another database, a restored backup or a rewritten history gives
  another digest;
* the **row counts** must equal the database's current-row counts, which the uploads table gives
  without scanning the rows (every stored upload records how many new keys it added; a replaced key
  keeps its count) — and the files' own row counts;
* the newest row ids of both row tables (any row written outside an upload changes them).

Anything that does not match raises :class:`SnapshotError`: the caller then reads the database.
Writes go to a temporary folder renamed into place (``os.replace``), owner-only permissions.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from isal import isal_zlib
from sqlalchemy import Connection, func, select, text

from metrics.dataset import empty_frame
from metrics.indicators.prepared import CODED_COLUMNS
from metrics.schema import LEDGER, MONTHLY, SheetKind
from store.tables import dispute_rows, monthly_rows, uploads

FORMAT = 2
"""Bumped whenever the layout or the meaning of a snapshot changes (older ones are then ignored)."""
MANIFEST = "manifest.json"
KINDS: dict[str, SheetKind] = {"monthly": MONTHLY, "ledger": LEDGER}
KEYS: dict[str, tuple[str, ...]] = {"monthly": ("office_code", "month"), "ledger": ("dispute_id",)}
"""The key of each frame, in the order ``store.rows`` sorts the current rows by."""
TMP_PREFIX = ".tmp-"
STALE_TMP_SECONDS = 3600


class SnapshotError(Exception):
    """A snapshot that cannot be used (missing, truncated, corrupt, of another database or version)."""


# --- the database side: what a snapshot must match ------------------------------------------------------

@dataclass(frozen=True)
class StoredUpload:
    """A stored upload as the snapshot digest sees it."""

    id: int
    file_name: str
    sha256: str
    size: int
    created_at: str
    monthly_new: int
    disputes_new: int


@dataclass(frozen=True)
class State:
    """What the database holds now, read in one transaction: the stored uploads (ascending id), the
    migration revision and the newest row id of each row table."""

    uploads: tuple[StoredUpload, ...]
    revision: str
    max_ids: tuple[int, int]

    @property
    def version(self) -> int:
        """The data version: the newest stored upload's id (0 when nothing is stored)."""
        return self.uploads[-1].id if self.uploads else 0

    def upto(self, version: int) -> tuple[StoredUpload, ...]:
        """The stored uploads that make data version ``version``."""
        return tuple(u for u in self.uploads if u.id <= version)

    def digest(self, version: int | None = None) -> str:
        """The chained digest of the stored uploads up to ``version`` (default: all)."""
        h = hashlib.sha256(f"dashboard-snapshot/{FORMAT}\x1e".encode())
        for u in self.upto(self.version if version is None else version):
            h.update("\x1f".join(map(str, (u.id, u.file_name, u.sha256, u.size, u.created_at,
                                          u.monthly_new, u.disputes_new))).encode() + b"\x1e")
        return h.hexdigest()

    def counts(self, version: int | None = None) -> tuple[int, int]:
        """(current monthly rows, current ledger rows) at ``version``, from the uploads' new-key counts."""
        ups = self.upto(self.version if version is None else version)
        return sum(u.monthly_new for u in ups), sum(u.disputes_new for u in ups)


def _stamp(value) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    return str(value)


def read_state(conn: Connection) -> State:
    """The :class:`State` of the database, read on ``conn`` (call it inside the read transaction that
    also reads the rows it is meant to stand for)."""
    ups = tuple(
        StoredUpload(int(r[0]), r[1], r[2], int(r[3]), _stamp(r[4]), int(r[5] or 0), int(r[6] or 0))
        for r in conn.execute(
            select(uploads.c.id, uploads.c.file_name, uploads.c.sha256, uploads.c.size, uploads.c.created_at,
                   uploads.c.monthly_new, uploads.c.disputes_new)
            .where(uploads.c.result == "stored").order_by(uploads.c.id))
    )
    try:
        revision = str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or "")
    except Exception:  # noqa: BLE001 — a database without the table: snapshots then never match a written one
        revision = ""
    max_m = conn.execute(select(func.max(monthly_rows.c.id))).scalar()
    max_d = conn.execute(select(func.max(dispute_rows.c.id))).scalar()
    return State(uploads=ups, revision=revision, max_ids=(int(max_m or 0), int(max_d or 0)))


# --- the file side ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Meta:
    """What a snapshot says about itself (stored in both files)."""

    format: int
    version: int
    digest: str
    revision: str
    monthly_rows: int
    ledger_rows: int
    max_ids: tuple[int, int]

    @classmethod
    def of(cls, state: State) -> Meta:
        m, d = state.counts()
        return cls(FORMAT, state.version, state.digest(), state.revision, m, d, tuple(state.max_ids))

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Meta:
        d = json.loads(raw)
        d["max_ids"] = tuple(d["max_ids"])
        return cls(**d)

    def problem_against(self, state: State) -> str | None:
        """Why this snapshot does not stand for ``state`` exactly (None when it does)."""
        if self.format != FORMAT:
            return f"格式 {self.format} ≠ {FORMAT}"
        if self.version != state.version:
            return f"数据版本 {self.version} ≠ {state.version}"
        return self.problem_as_prefix(state) or (
            None if self.max_ids == tuple(state.max_ids) else f"行编号 {self.max_ids} ≠ {tuple(state.max_ids)}")

    def problem_as_prefix(self, state: State) -> str | None:
        """Why this snapshot is not an earlier version of ``state``'s history (None when it is)."""
        if self.format != FORMAT:
            return f"格式 {self.format} ≠ {FORMAT}"
        if self.revision != state.revision:
            return f"数据库结构版本 {self.revision} ≠ {state.revision}"
        if self.version > state.version or self.digest != state.digest(self.version):
            return "上传记录与数据库不一致（其他数据库、恢复的备份或不同的历史）"
        if (self.monthly_rows, self.ledger_rows) != state.counts(self.version):
            return f"行数 {(self.monthly_rows, self.ledger_rows)} ≠ {state.counts(self.version)}"
        return None


def folder_name(meta: Meta) -> str:
    return f"v{meta.version:012d}-{meta.digest[:16]}"


def candidates(folder: Path) -> list[tuple[int, Path]]:
    """(version, path) of the snapshot folders in ``folder``, newest first (names only; unchecked)."""
    out = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    for p in entries:
        name = p.name
        if name.startswith("v") and "-" in name and p.is_dir():
            try:
                out.append((int(name[1:name.index("-")]), p))
            except ValueError:
                continue
    return sorted(out, key=lambda t: t[0], reverse=True)


CODED = frozenset(CODED_COLUMNS)
"""Ledger text columns always stored dictionary-encoded: the indicators read them as codes, and
:func:`read` hands those codes on (``ledger_codes``), so the app need not factorise them again."""


def _table(frame: pd.DataFrame, kind: SheetKind) -> tuple[pa.Table, list[str]]:
    """``frame`` (column contract) as an Arrow table, and the names of its dictionary-encoded columns.

    Physical types: text as (dictionary) strings, dates as int64 nanoseconds, ``boolean`` as int8
    (-1 for NA), floats and ints as they are — every value round-trips exactly."""
    base = empty_frame(kind)
    if list(frame.columns) != list(base.columns):
        raise SnapshotError(f"列与约定不符：{list(frame.columns)}")
    arrays, dict_cols = [], []
    n = len(frame)
    for col in base.columns:
        dtype = str(base[col].dtype)
        s = frame[col]
        if str(s.dtype) != dtype:
            raise SnapshotError(f"列 {col} 的类型 {s.dtype} ≠ {dtype}")
        if dtype.startswith("datetime64"):
            arrays.append(pa.array(s.to_numpy(dtype="datetime64[ns]").view("int64")))
        elif dtype == "boolean":
            arr = s.array
            arrays.append(pa.array(np.where(arr.isna(), -1, arr.to_numpy(dtype=bool, na_value=False)).astype("int8")))
        elif dtype in ("float64", "int64"):
            arrays.append(pa.array(s.to_numpy(dtype=dtype)))
        else:
            values = s.to_numpy(dtype=object)
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            try:
                if n and (len(uniques) * 2 <= n or (kind.key == "ledger" and col in CODED)):
                    dictionary = pa.array(np.asarray(uniques, dtype=object), type=pa.string())
                    indices = pa.array(codes.astype("int32"), mask=codes < 0)
                    arrays.append(pa.DictionaryArray.from_arrays(indices, dictionary))
                    dict_cols.append(col)
                else:
                    arrays.append(pa.array(values, type=pa.string()))
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise SnapshotError(f"列 {col} 含非文本值：{exc}") from None
    return pa.Table.from_arrays(arrays, names=list(base.columns)), dict_cols


def _frame(table: pa.Table, kind: SheetKind, codes: dict | None = None) -> pd.DataFrame:
    """The inverse of :func:`_table`: a frame in the column contract (object text, None for missing).
    ``codes``, when given, receives ``column → (codes, uniques)`` of every dictionary-encoded column:
    ``uniques[codes[i]]`` is row i's text, code −1 when not given (as ``pandas.factorize`` numbers)."""
    base = empty_frame(kind)
    if table.column_names != list(base.columns):
        raise SnapshotError(f"列与约定不符：{table.column_names}")
    n = table.num_rows
    data: dict[str, object] = {}
    for col in base.columns:
        dtype = str(base[col].dtype)
        chunked = table.column(col)
        arr = chunked.combine_chunks() if chunked.num_chunks != 1 else chunked.chunk(0)
        if dtype.startswith("datetime64"):
            data[col] = arr.to_numpy(zero_copy_only=False).astype("int64", copy=True).view("datetime64[ns]")
        elif dtype == "boolean":
            v = arr.to_numpy(zero_copy_only=False)
            data[col] = pd.arrays.BooleanArray(v == 1, v < 0)
        elif dtype in ("float64", "int64"):
            if arr.null_count:
                raise SnapshotError(f"列 {col} 有空值")
            data[col] = arr.to_numpy(zero_copy_only=False).astype(dtype, copy=True)
        elif pa.types.is_dictionary(arr.type):
            table_ = np.empty(len(arr.dictionary) + 1, dtype=object)
            table_[:-1] = arr.dictionary.to_numpy(zero_copy_only=False)
            idx = np.array(arr.indices.fill_null(-1).to_numpy(zero_copy_only=False), copy=True)  # not a view of the file
            data[col] = pd.Series(table_[idx], dtype=object, copy=False)
            if codes is not None:
                codes[col] = (idx, table_[:-1])
        elif pa.types.is_string(arr.type):
            data[col] = pd.Series(arr.to_numpy(zero_copy_only=False), dtype=object, copy=False)
        else:
            raise SnapshotError(f"列 {col} 的存储类型 {arr.type} 无法识别")
    return pd.DataFrame(data, index=pd.RangeIndex(n), copy=False)


def _checksum(data) -> int:
    """CRC-32 (the zlib polynomial) of a bytes-like object; ISA-L computes it several times faster."""
    return isal_zlib.crc32(data) & 0xFFFFFFFF


def _write_file(path: Path, data: bytes) -> None:
    """``data`` to a new owner-only file, flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write(folder: Path, meta: Meta, monthly: pd.DataFrame, ledger: pd.DataFrame) -> Path:
    """Write a snapshot into ``folder`` (created owner-only) atomically and return its path.

    Both Arrow files, then the manifest (meta, each file's size and CRC-32), go to a temporary folder
    which is then renamed into place; when a snapshot of the same name is already there (another
    process wrote it), that one is kept."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    if (len(monthly), len(ledger)) != (meta.monthly_rows, meta.ledger_rows):
        raise SnapshotError("行数与说明不符")
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=folder))  # mode 0o700
    try:
        files = {}
        for name, frame in (("monthly", monthly), ("ledger", ledger)):
            table, _dict_cols = _table(frame, KINDS[name])
            sink = pa.BufferOutputStream()
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            data = sink.getvalue().to_pybytes()
            _write_file(tmp / f"{name}.arrow", data)
            files[f"{name}.arrow"] = {"size": len(data), "crc32": _checksum(data)}
        manifest = {"meta": json.loads(meta.to_json()), "files": files}
        _write_file(tmp / MANIFEST, json.dumps(manifest, sort_keys=True).encode())
        target = folder / folder_name(meta)
        try:
            os.replace(tmp, target)  # atomic; fails when a non-empty folder of that name exists
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        return target
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read(path: Path, ledger_codes: dict | None = None) -> tuple[Meta, pd.DataFrame, pd.DataFrame]:
    """(meta, monthly, ledger) of the snapshot at ``path``; SnapshotError for anything unreadable
    (missing manifest or file, wrong size or checksum, malformed Arrow data, wrong row counts).
    ``ledger_codes``, when given, receives the ledger's dictionary-encoded columns as codes (see
    :func:`_frame`)."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_bytes())
        meta = Meta.from_json(json.dumps(manifest["meta"]).encode())
        files = manifest["files"]
    except Exception as exc:  # noqa: BLE001 — a manifest that cannot be read means "not usable"
        raise SnapshotError(f"{MANIFEST} 无法读取（{type(exc).__name__}: {exc}）") from None
    frames = {}
    for name in ("monthly", "ledger"):
        fname = f"{name}.arrow"
        try:
            # Mapped, not copied into memory: the checksum and the Arrow reader read the same pages.
            with pa.memory_map(str(path / fname)) as source:
                data = source.read_buffer()
            want = files[fname]
            if data.size != want["size"] or _checksum(data) != want["crc32"]:
                raise SnapshotError(f"{fname} 的大小或校验和不符（文件被截断或损坏）")
            table = pa.ipc.open_file(data).read_all()
            table.validate(full=True)
            frames[name] = _frame(table, KINDS[name], ledger_codes if name == "ledger" else None)
        except SnapshotError:
            raise
        except Exception as exc:  # noqa: BLE001 — every way a file can be broken means "not usable"
            raise SnapshotError(f"{fname} 无法读取（{type(exc).__name__}: {exc}）") from None
        del data, table
    if (len(frames["monthly"]), len(frames["ledger"])) != (meta.monthly_rows, meta.ledger_rows):
        raise SnapshotError("文件行数与说明不符")
    return meta, frames["monthly"], frames["ledger"]


def prune(folder: Path, keep: Path) -> list[Path]:
    """Delete every snapshot in ``folder`` older than ``keep`` (and temporary folders left by an
    interrupted write over an hour ago); return what was deleted."""
    gone = []
    keep_version = next((v for v, p in candidates(folder) if p == keep), None)
    for version, p in candidates(folder):
        if p != keep and keep_version is not None and version <= keep_version:
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p)
    try:
        for p in Path(folder).glob(TMP_PREFIX + "*"):
            if time.time() - p.stat().st_mtime > STALE_TMP_SECONDS:
                shutil.rmtree(p, ignore_errors=True)
                gone.append(p)
    except OSError:
        pass
    return gone


# --- catching up: an earlier snapshot plus the rows of the uploads stored since -------------------------

def _sort_keys(frame: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """One comparable value per row for ``keys`` (tuples for two keys), ordered as ``store.rows`` sorts."""
    if len(keys) == 1:
        return frame[keys[0]].to_numpy(dtype=object)
    out = np.empty(len(frame), dtype=object)
    out[:] = list(zip(*(frame[k].to_numpy(dtype=object) for k in keys), strict=True))
    return out


def catch_up(earlier: pd.DataFrame, newer: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """The current rows after newer uploads: ``earlier`` (sorted by ``keys``, as read) without the keys
    that ``newer`` holds, plus ``newer`` (the current rows of those uploads, sorted the same way) —
    latest wins per key, as the store and ``metrics.dataset.merge`` have it. Sorted by ``keys``.

    ValueError when either frame is not strictly in key order (the merge relies on it)."""
    if not len(newer):
        return earlier
    new_keys = _sort_keys(newer, keys)
    old_keys = _sort_keys(earlier, keys)
    for name, k in (("earlier", old_keys), ("newer", new_keys)):
        if len(k) > 1 and not (k[1:] > k[:-1]).all():
            raise ValueError(f"{name} rows are not in key order")
    at = np.searchsorted(old_keys, new_keys)  # both sorted: where each new key is, or would be
    inside = at < len(old_keys)
    replaced = at[inside][old_keys[at[inside]] == new_keys[inside]]
    keep = np.ones(len(old_keys), dtype=bool)
    keep[replaced] = False
    kept_keys = old_keys[keep]
    pos = np.searchsorted(kept_keys, new_keys)  # insertion points among the kept rows
    n_old, n_new = len(kept_keys), len(newer)
    where_new = pos + np.arange(n_new)
    where_old = np.arange(n_old) + np.searchsorted(pos, np.arange(n_old), side="right")
    data = {col: _scatter(earlier[col], newer[col], keep, where_old, where_new) for col in earlier.columns}
    return pd.DataFrame(data, index=pd.RangeIndex(n_old + n_new), copy=False)


def _scatter(old: pd.Series, new: pd.Series, keep: np.ndarray, where_old: np.ndarray,
             where_new: np.ndarray) -> pd.Series:
    """One column of :func:`catch_up`: the kept old values and the new ones at their places, in the
    old column's dtype (each value copied once)."""
    n = len(where_old) + len(where_new)
    if str(old.dtype) == "boolean":
        o, w = old.array, pd.array(new.to_numpy(dtype=object), dtype="boolean") if new.dtype != old.dtype else new.array
        values, mask = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
        values[where_old], mask[where_old] = o._data[keep], o._mask[keep]
        values[where_new], mask[where_new] = w._data, w._mask
        return pd.Series(pd.arrays.BooleanArray(values, mask), copy=False)
    o = old.to_numpy()
    out = np.empty(n, dtype=o.dtype)
    out[where_old] = o[keep]
    out[where_new] = new.to_numpy(dtype=o.dtype)
    return pd.Series(out, dtype=old.dtype, copy=False)
