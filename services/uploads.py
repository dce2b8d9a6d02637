"""Uploading workbooks: read and validate → preview what would change → store it all in one transaction.

``prepare_upload`` reads every file with the engine's reader, adds the checks only storage can make
(the station head's scope — of the new rows and of the stored disputes they would replace —, rows that
disagree with the office registry about a known office's station or branch, the same key in two files of
one batch, a file already stored), and computes the preview against what is stored. ``commit_upload`` stores a plan that has no errors in ONE write
transaction, with its audit events, after re-checking — inside that transaction — the user's role and
scope, the rows, and that nothing stored for the same offices has changed since the preview.

Replacing an office-month or updating a dispute keeps the earlier version (``is_current`` false,
``replaced_by_upload_id`` set). Rows identical to the current version are not stored again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from metrics import problems as pb
from metrics.dataset import SourceFile, Upload
from metrics.problems import Problem
from metrics.schema import LEDGER, MONTHLY
from services import clock, instructions
from services.actors import Actor, may_upload_station, reload, require_role, visible_stations
from services.context import App
from services.errors import Conflict, PermissionDenied, ServiceError
from services.settings import Settings
from store import audit, rows
from store.tables import LEDGER_VALUE_KEYS, MONTHLY_VALUE_KEYS, dispute_rows, monthly_rows, uploads

UPLOAD_ROLES = ("station_head", "evaluator")
MONTHLY_COMPARED = tuple(k for k in MONTHLY_VALUE_KEYS if k != "month")
LEDGER_COMPARED = ("office_code", *LEDGER_VALUE_KEYS)


@dataclass
class RowChange:
    """A stored row that the upload replaces: its key, its current version and the fields that change."""

    key: tuple[str, ...]
    old_version: int
    changes: dict[str, tuple[Any, Any]]
    """field → (stored value, uploaded value), only fields that differ."""


@dataclass
class Diff:
    new_months: list[tuple[str, str]] = field(default_factory=list)
    replaced_months: list[RowChange] = field(default_factory=list)
    unchanged_months: int = 0
    new_disputes: list[str] = field(default_factory=list)
    updated_disputes: list[RowChange] = field(default_factory=list)
    unchanged_disputes: int = 0
    # what storing means, row by row
    monthly_to_store: pd.DataFrame | None = None
    monthly_versions: list[int] = field(default_factory=list)
    monthly_retire: list[int] = field(default_factory=list)
    ledger_to_store: pd.DataFrame | None = None
    ledger_versions: list[int] = field(default_factory=list)
    ledger_retire: list[int] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.new_months or self.replaced_months or self.new_disputes or self.updated_disputes)


@dataclass
class FilePlan:
    source: SourceFile
    upload: Upload
    problems: list[Problem] = field(default_factory=list)
    stations: list[str] = field(default_factory=list)
    duplicate_of: dict | None = None
    """The stored upload with the same SHA-256, when there is one: this file is then not stored again."""
    diff: Diff = field(default_factory=Diff)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass
class UploadPlan:
    actor_id: int
    files: list[FilePlan]
    stamps: dict[str, tuple]
    """Fingerprint of what was stored for every office the plan touches, when the preview was made."""

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    @property
    def blocked(self) -> bool:
        """True when any file has an error: nothing of the batch may be stored."""
        return any(f.errors for f in self.files if f.duplicate_of is None)

    @property
    def has_warnings(self) -> bool:
        return any(f.warnings for f in self.files if f.duplicate_of is None)

    @property
    def to_store(self) -> list[FilePlan]:
        return [f for f in self.files if f.duplicate_of is None and f.diff.changes_anything]


@dataclass
class UploadReceipt:
    upload_ids: list[int]
    message: str
    skipped: list[str] = field(default_factory=list)


def duplicate_message(fp: FilePlan, settings: Settings | None = None) -> str:
    """Why a file is not stored again; the earlier upload's time in the bureau's time zone."""
    d = fp.duplicate_of or {}
    when = clock.local_text(d.get("created_at"), settings, seconds=False)
    return (f"文件“{fp.source.name}”与 {when} 由 {d.get('uploader_name')} "
            f"上传的“{d.get('file_name')}”（第 {d.get('id')} 号上传）内容完全相同（SHA-256 一致），本次不重复保存。")


# --- checks only storage can make --------------------------------------------------------------------

def _batch_stations(ups: list[Upload]) -> dict[str, str]:
    """office → station of the monthly rows of every file of one upload: a ledger file may rely on the
    monthly sheet of another file of the same upload (a monthly CSV and a ledger CSV together)."""
    return {code: st for up in ups for code, st in zip(up.monthly["office_code"], up.monthly["station"], strict=False)}


def _scope_problems(actor: Actor, up: Upload, registry: dict[str, dict],
                    stored_office: dict[str, str], batch_stations: dict[str, str] | None = None) -> list[Problem]:
    """Rows the actor may not store: another station's offices (by the row, or by the registry), and
    another station's stored disputes (whatever office the new row names: storing it would move the
    stored dispute to the actor's station)."""
    out: list[Problem] = []
    if actor.role == "evaluator":
        return out
    own = actor.scope_value or ""
    m = up.monthly
    for code, station, sheet, row in zip(m["office_code"], m["station"], m.get("_sheet", [""] * len(m)),
                                         m.get("_row", [None] * len(m)), strict=False):
        reg_station = registry.get(code, {}).get("station")
        for st in {station, reg_station} - {None}:
            if not may_upload_station(actor, st):
                out.append(pb.make("out_of_scope", file=up.source.name, sheet=sheet, row=_int(row),
                                   column=MONTHLY.column("office_code").header, value=code,
                                   station=st, own=own))
                break
    month_station = {**(batch_stations or {}), **dict(zip(m["office_code"], m["station"], strict=False))}
    lg = up.ledger
    for did, code, sheet, row in zip(lg["dispute_id"], lg["office_code"], lg.get("_sheet", [""] * len(lg)),
                                     lg.get("_row", [None] * len(lg)), strict=False):
        st = registry.get(code, {}).get("station") or month_station.get(code)
        if st is None and up.errors:
            # Neither registered nor among this file's clean monthly rows: the reader has already
            # reported it (unknown_office, or an error on that office's monthly row) and the upload is
            # blocked — saying it again as "another station's row" would only mislead.
            continue
        if st is None or not may_upload_station(actor, st):
            out.append(pb.make("out_of_scope", file=up.source.name, sheet=sheet, row=_int(row),
                               column=LEDGER.column("office_code").header, value=code,
                               station=st or "未登记的警务室", own=own))
            continue
        held_by = stored_office.get(did)
        if held_by is not None and not may_upload_station(actor, registry.get(held_by, {}).get("station") or ""):
            out.append(pb.make("dispute_of_other_station", file=up.source.name, sheet=sheet, row=_int(row),
                               column=LEDGER.column("dispute_id").header, value=did))
    return out


def _registry_problems(up: Upload, registry: dict[str, dict], skip_rows: set) -> list[Problem]:
    """Monthly rows that give a registered office another station or branch (any role): where an office
    belongs is the registry's, changed only by an admin (services.offices_admin), never by an upload."""
    out: list[Problem] = []
    m = up.monthly
    for code, station, branch, sheet, row in zip(m["office_code"], m["station"], m["branch"],
                                                 m.get("_sheet", [""] * len(m)), m.get("_row", [None] * len(m)),
                                                 strict=False):
        reg = registry.get(code)
        if reg is None or (sheet, _int(row)) in skip_rows:
            continue
        if (station, branch) != (reg["station"], reg["branch"]):
            out.append(pb.make("office_registry_mismatch", file=up.source.name, sheet=sheet, row=_int(row),
                               column=MONTHLY.column("office_code").header, value=code,
                               reg_branch=reg["branch"], reg_station=reg["station"],
                               branch=branch, station=station))
    return out


def _storage_problems(actor: Actor, up: Upload, registry: dict[str, dict], stored_office: dict[str, str],
                      batch_stations: dict[str, str] | None = None) -> list[Problem]:
    """Every check only storage can make on one file: scope, then the registry (one error per row)."""
    scope = _scope_problems(actor, up, registry, stored_office, batch_stations)
    return scope + _registry_problems(up, registry, {(p.sheet, p.row) for p in scope})


def _int(v: Any) -> int | None:
    return None if rows.is_missing(v) else int(v)


def _batch_duplicates(files: list[FilePlan]) -> None:
    """The same office-month or dispute in two files of one batch: an error in the later file."""
    seen_m: dict[tuple, str] = {}
    seen_d: dict[str, str] = {}
    for fp in files:
        if fp.duplicate_of is not None:
            continue
        up = fp.upload
        for code, month, sheet, row in zip(up.monthly["office_code"], up.monthly["month"],
                                           up.monthly["_sheet"], up.monthly["_row"], strict=False):
            other = seen_m.get((code, month))
            if other and other != fp.source.name:
                fp.problems.append(pb.make("batch_duplicate_key", file=fp.source.name, sheet=sheet, row=_int(row),
                                           column=MONTHLY.column("office_code").header, value=code,
                                           other_file=other, key_desc=f"警务室“{code}”{month}的月报"))
            seen_m.setdefault((code, month), fp.source.name)
        for did, sheet, row in zip(up.ledger["dispute_id"], up.ledger["_sheet"], up.ledger["_row"], strict=False):
            other = seen_d.get(did)
            if other and other != fp.source.name:
                fp.problems.append(pb.make("batch_duplicate_key", file=fp.source.name, sheet=sheet, row=_int(row),
                                           column=LEDGER.column("dispute_id").header, value=did,
                                           other_file=other, key_desc=f"纠纷编号“{did}”"))
            seen_d.setdefault(did, fp.source.name)


# --- the preview -------------------------------------------------------------------------------------

def _changes(new: dict, old: dict, fields: tuple[str, ...]) -> dict[str, tuple[Any, Any]]:
    return {f: (rows.to_db_value(old.get(f)), rows.to_db_value(new.get(f)))
            for f in fields if not rows.same_value(new.get(f), old.get(f))}


def compute_diff(conn: Connection, up: Upload) -> Diff:
    """What storing ``up`` would change, against the current stored rows."""
    d = Diff()
    m = up.monthly.reset_index(drop=True)
    cur = rows.current_monthly(conn, office_codes=set(m["office_code"])) if len(m) else None
    by_key = {} if cur is None else {
        (r["office_code"], r["month"]): r for r in cur.to_dict("records")}
    keep, versions, retire = [], [], []
    existing = [(c, mo) in by_key for c, mo in zip(m["office_code"], m["month"], strict=True)]
    for i, (c, mo, ex) in enumerate(zip(m["office_code"], m["month"], existing, strict=True)):
        if not ex:
            d.new_months.append((c, mo))
            keep.append(i)
            versions.append(1)
    old_recs = m[existing].to_dict("records") if any(existing) else []
    for i, rec in zip([i for i, ex in enumerate(existing) if ex], old_recs, strict=True):
        key = (rec["office_code"], rec["month"])
        old = by_key[key]
        ch = _changes(rec, old, MONTHLY_COMPARED)
        if not ch:
            d.unchanged_months += 1
            continue
        d.replaced_months.append(RowChange(key, int(old["_version"]), ch))
        keep.append(i)
        versions.append(int(old["_version"]) + 1)
        retire.append(int(old["_id"]))
    d.monthly_to_store, d.monthly_versions, d.monthly_retire = m.iloc[keep], versions, retire

    lg = up.ledger.reset_index(drop=True)
    curl = rows.current_disputes_by_id(conn, lg["dispute_id"]) if len(lg) else None
    by_id = {} if curl is None else {r["dispute_id"]: r for r in curl.to_dict("records")}
    keep, versions, retire = [], [], []
    existing = [did in by_id for did in lg["dispute_id"]]
    for i, (did, ex) in enumerate(zip(lg["dispute_id"], existing, strict=True)):
        if not ex:
            d.new_disputes.append(did)
            keep.append(i)
            versions.append(1)
    old_recs = lg[existing].to_dict("records") if any(existing) else []
    for i, rec in zip([i for i, ex in enumerate(existing) if ex], old_recs, strict=True):
        old = by_id[rec["dispute_id"]]
        ch = _changes(rec, old, LEDGER_COMPARED)
        if not ch:
            d.unchanged_disputes += 1
            continue
        d.updated_disputes.append(RowChange((rec["dispute_id"],), int(old["_version"]), ch))
        keep.append(i)
        versions.append(int(old["_version"]) + 1)
        retire.append(int(old["_id"]))
    d.ledger_to_store, d.ledger_versions, d.ledger_retire = lg.iloc[keep], versions, retire
    return d


def _touched_offices(conn: Connection, ups: list[Upload]) -> tuple[set[str], dict[str, str]]:
    """Offices the uploads touch (their rows' offices and the offices holding their disputes now), and
    stored dispute id → the office holding it."""
    codes: set[str] = set()
    held: dict[str, str] = {}
    for up in ups:
        codes |= set(up.monthly["office_code"]) | set(up.ledger["office_code"])
        if len(up.ledger):
            held.update(rows.current_dispute_offices(conn, up.ledger["dispute_id"]))
    return codes | set(held.values()), held


def plan_uploads(app: App, actor: Actor | int, uploads_read: list[Upload]) -> UploadPlan:
    """The plan for files already read: storage checks added and the preview computed (stores nothing,
    except the record and audit event of a refused batch)."""
    with app.db.read() as conn:
        who = reload(conn, actor)
        require_role(who, *UPLOAD_ROLES)
        files = []
        for up in uploads_read:
            fp = FilePlan(source=up.source, upload=up, problems=list(up.problems))
            fp.stations = sorted(set(up.monthly["station"]))
            dup = rows.stored_upload_with_sha(conn, up.source.sha256)
            if dup is not None:
                fp.duplicate_of = dup
            files.append(fp)
        live = [f for f in files if f.duplicate_of is None]
        codes, held = _touched_offices(conn, [f.upload for f in live])
        registry = rows.office_registry(conn, codes)
        batch = _batch_stations([f.upload for f in live])
        for fp in live:
            fp.problems += _storage_problems(who, fp.upload, registry, held, batch)
            if not fp.stations:
                fp.stations = sorted({registry[c]["station"] for c in fp.upload.ledger["office_code"]
                                      if c in registry})
        _batch_duplicates(files)
        plan = UploadPlan(actor_id=who.id, files=files, stamps=rows.office_stamps(conn, codes))
        if not plan.blocked:
            for fp in live:
                fp.diff = compute_diff(conn, fp.upload)
    if plan.blocked:
        _record_rejection(app, who, plan)
    return plan


UPLOAD_EXTENSIONS = ("xlsx", "xlsm", "xls", "ods", "csv", "et", "ett")
"""File name endings the upload screen accepts (the reader trusts the content, never the name; an .xlsm
is accepted by name so that the reader can say why it is refused)."""


def refused_names(names: list[str]) -> list[str]:
    """The names among ``names`` the upload screen refuses: another ending, or control characters."""
    def bad(name: str) -> bool:
        return (any(ord(ch) < 32 for ch in name)
                or "." not in name or name.rsplit(".", 1)[-1].lower() not in UPLOAD_EXTENSIONS)
    return [n for n in names if bad(n)]


def read_limits(app: App):
    """The reader's limits for this installation (``metrics.filesafety.Limits``): what reading an upload
    and building its annotated copy may cost."""
    from metrics.rawbook import Limits

    return Limits(max_bytes=app.settings.upload_limit_bytes)


def annotatable(fp: FilePlan) -> bool:
    """A file of the plan with problems to mark that the reader read (not one it refused as a whole)."""
    from metrics.rawbook import REFUSAL_CODES

    return (fp.duplicate_of is None and bool(fp.problems)
            and not any(p.code in REFUSAL_CODES for p in fp.problems))


def annotated_workbook(app: App, fp: FilePlan, data: bytes) -> bytes:
    """The annotated problem workbook of one file of a plan (``metrics.annotate``), built under the
    reader's limits; ServiceError for a file with nothing to annotate."""
    from metrics import annotate

    if not annotatable(fp):
        raise ServiceError(f"文件“{fp.source.name}”未能读取，没有可标注的内容，请按问题清单处理后重新上传。")
    if SourceFile.from_bytes(fp.source.name, data).sha256 != fp.source.sha256:
        raise ServiceError("文件内容与检查时不一致，请重新检查文件。")
    try:
        return annotate.annotate(data, fp.source.name, list(fp.problems), limits=read_limits(app))
    except annotate.FileRefused as exc:
        raise ServiceError(f"文件“{fp.source.name}”无法生成标注工作簿：{exc}") from None


def prepare_upload(
    app: App,
    actor: Actor | int,
    files: list[tuple[str, bytes]],
    on_progress: Callable[[float, str], None] | None = None,
    upload_date: date | None = None,
) -> UploadPlan:
    """Read and validate ``files`` (name as given, bytes), then plan as :func:`plan_uploads` does."""
    from metrics.reader import read_upload  # the foundation reader

    with app.db.read() as conn:
        who = reload(conn, actor)
        require_role(who, *UPLOAD_ROLES)
        known = frozenset(rows.office_registry(conn))
        previous = rows.current_monthly(conn, stations=visible_stations(conn, who))
    previous = previous.drop(columns=["_id", "_upload", "_version"])
    def read_one(name: str, data: bytes, offices: frozenset[str]) -> Upload:
        return read_upload(data, name, known_offices=offices, upload_date=upload_date or date.today(),
                           party_key_secret=app.party_key_secret, previous_monthly=previous,
                           limits=read_limits(app))

    read: list[Upload] = []
    for i, (name, data) in enumerate(files):
        if on_progress:
            on_progress(i / max(len(files), 1), f"正在读取“{name}”（{i + 1}/{len(files)}）")
        read.append(read_one(name, data, known))
    # The offices of this upload are those of every file's monthly rows (workbook.md: "in this upload or
    # already stored"): a file whose ledger named one of another file is read again knowing them all.
    batch = frozenset(code for up in read for code in up.monthly["office_code"])
    for i, (name, data) in enumerate(files):
        if any(p.code == "unknown_office" and p.value in batch for p in read[i].problems):
            read[i] = read_one(name, data, known | batch)
    if on_progress:
        on_progress(1.0, "正在比对已保存的数据")
    return plan_uploads(app, who, read)


def _problems_json(problems: list[Problem]) -> str:
    return json.dumps([p.to_dict() for p in problems], ensure_ascii=False)


def _record_rejection(app: App, who: Actor, plan: UploadPlan) -> None:
    with app.db.write() as conn:
        for fp in plan.files:
            if fp.duplicate_of is not None:
                continue
            uid = conn.execute(insert(uploads).returning(uploads.c.id), {
                "file_name": fp.source.name, "sha256": fp.source.sha256, "size": fp.source.size,
                "uploader_id": who.id, "uploader_name": who.username, "stations": "、".join(fp.stations),
                "created_at": audit.now(), "result": "rejected", "monthly_new": 0, "monthly_replaced": 0,
                "disputes_new": 0, "disputes_updated": 0, "warnings_acknowledged": False,
                "problems_json": _problems_json(fp.problems),
            }).scalar_one()
            audit.append(conn, "UploadRejected", actor_id=who.id, actor_name=who.username, upload_id=uid,
                         file=fp.source.name, sha256=fp.source.sha256, errors=len(fp.errors),
                         codes=sorted({p.code for p in fp.errors}))


# --- storing -----------------------------------------------------------------------------------------

def commit_upload(app: App, actor: Actor | int, plan: UploadPlan, acknowledge_warnings: bool = False, *,
                  sync_instructions: bool = True) -> UploadReceipt:
    """Store the plan in one transaction with its audit events, or store nothing and say why; then bring
    the warning instructions up to date (``sync_instructions=False``: the caller syncs itself)."""
    if plan.blocked:
        raise ServiceError("上传文件中有错误，未保存任何数据；请修正后重新上传。")
    if plan.has_warnings and not acknowledge_warnings:
        raise ServiceError("上传文件中有警告，请确认已核对警告后再保存。")
    skipped = [f.source.name for f in plan.files if f.duplicate_of is not None]
    try:
        with app.db.write() as conn:
            who = reload(conn, actor)
            require_role(who, *UPLOAD_ROLES)
            if who.id != plan.actor_id:
                raise PermissionDenied("该预览由其他用户生成，请重新上传预览后再保存。")
            live = [f for f in plan.files if f.duplicate_of is None]
            codes, held = _touched_offices(conn, [f.upload for f in live])
            registry = rows.office_registry(conn, codes)
            batch = _batch_stations([f.upload for f in live])
            for fp in live:
                bad = _storage_problems(who, fp.upload, registry, held, batch)
                if bad:
                    where = "；".join(f"{p.sheet}第{p.row}行" for p in bad[:5])
                    if all(p.code == "office_registry_mismatch" for p in bad):
                        raise PermissionDenied(f"上传中警务室的所属派出所或分局与登记不符（{where}），"
                                               "未保存任何数据；请重新预览。")
                    raise PermissionDenied(f"上传中含有其他派出所的数据（{where}），未保存任何数据。")
            # The same user stored this file since the preview (files stored before it are not ``live``):
            # a second click on the same preview, or the same request sent again.
            for fp in live:
                done = rows.stored_upload_with_sha(conn, fp.source.sha256)
                if done is not None and done["uploader_id"] == who.id:
                    raise Conflict(f"该预览的文件“{fp.source.name}”已保存（第 {done['id']} 号上传），不会重复保存。")
            if rows.office_stamps(conn, codes) != plan.stamps:
                raise Conflict("预览之后，相关警务室的数据已被其他上传更新，请重新预览后再保存。")
            ids = []
            # Files with monthly rows first: they register the offices a ledger file of the batch names.
            for fp in sorted(live, key=lambda f: len(f.upload.monthly) == 0):
                if rows.stored_upload_with_sha(conn, fp.source.sha256) is not None:
                    raise Conflict(f"文件“{fp.source.name}”已由其他人同时上传并保存，请重新预览。")
                diff = compute_diff(conn, fp.upload)
                if not diff.changes_anything:
                    skipped.append(fp.source.name)
                    continue
                ids.append(_store_file(conn, who, fp, diff, acknowledge_warnings))
    except IntegrityError:
        raise Conflict("保存时发现同一数据正被其他上传同时保存，未保存任何数据；请重新预览后再保存。") from None
    except SQLAlchemyError as exc:
        raise ServiceError(f"数据库写入失败，未保存任何数据（{type(exc).__name__}）；请稍后重试或联系管理员。") from None
    msg = f"已保存 {len(ids)} 个文件。" if ids else "没有需要保存的新数据。"
    if skipped:
        msg += "未重复保存：" + "、".join(skipped) + "。"
    if ids and sync_instructions:  # the warning loop follows the stored data (issue 13)
        msg += instructions.sync_after_upload(app) or ""
    return UploadReceipt(upload_ids=ids, message=msg, skipped=skipped)


def _store_file(conn: Connection, who: Actor, fp: FilePlan, diff: Diff, acknowledged: bool) -> int:
    uid = conn.execute(insert(uploads).returning(uploads.c.id), {
        "file_name": fp.source.name, "sha256": fp.source.sha256, "size": fp.source.size,
        "uploader_id": who.id, "uploader_name": who.username, "stations": "、".join(fp.stations),
        "created_at": audit.now(), "result": "stored",
        "monthly_new": len(diff.new_months), "monthly_replaced": len(diff.replaced_months),
        "disputes_new": len(diff.new_disputes), "disputes_updated": len(diff.updated_disputes),
        "warnings_acknowledged": bool(acknowledged and fp.warnings),
        "problems_json": _problems_json(fp.problems),
    }).scalar_one()
    rows.upsert_offices(conn, uid, fp.upload.monthly)
    rows.retire(conn, monthly_rows, diff.monthly_retire, uid)
    rows.retire(conn, dispute_rows, diff.ledger_retire, uid)
    rows.insert_monthly(conn, uid, diff.monthly_to_store, diff.monthly_versions)
    rows.insert_disputes(conn, uid, diff.ledger_to_store, diff.ledger_versions)
    kind = "UploadReplaced" if diff.replaced_months else "UploadStored"
    audit.append(conn, kind, actor_id=who.id, actor_name=who.username, upload_id=uid,
                 file=fp.source.name, sha256=fp.source.sha256, size=fp.source.size,
                 stations=fp.stations, monthly_new=len(diff.new_months),
                 monthly_replaced=[f"{c.key[0]} {c.key[1]}" for c in diff.replaced_months[:200]],
                 disputes_new=len(diff.new_disputes), disputes_updated=len(diff.updated_disputes),
                 warnings=len(fp.warnings))
    return uid


def upload_history(app: App, actor: Actor | int, station: str | None = None, limit: int = 500) -> list[dict]:
    """Uploads (stored and refused), newest first: who, when, file name, checksum, size, version, result.

    A station head sees their own station's uploads (and their own refused ones) whatever ``station``
    they pass; leadership sees the stations in their scope.
    """
    with app.db.read() as conn:
        who = reload(conn, actor)
        allowed = visible_stations(conn, who)
        q = select(uploads).order_by(uploads.c.id.desc())
        out = []
        for r in conn.execute(q).mappings():
            sts = set(filter(None, (r["stations"] or "").split("、")))
            if allowed is not None and not (sts & allowed or (r["uploader_id"] == who.id and not sts)):
                continue
            if station is not None and station not in sts:
                continue
            d = dict(r)
            d["version"] = d["id"]
            d["problems"] = json.loads(d.pop("problems_json"))
            out.append(d)
            if len(out) >= limit:
                break
        return out
