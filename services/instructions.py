"""The warning loop (预警指令闭环, issue 13): every open early warning becomes an instruction that a station
signs for, answers, and an evaluator or leader verifies.

* :func:`sync` turns the bureau's early warnings as of a day — the same listing the screens show
  (``services.reading.bureau_warnings``, i.e. ``metrics.early_warnings``) — into instructions. The
  identity (``key``) is the rule plus the dispute id, or for a monthly-value warning the office, the
  month and the column: the same warning on a later sync is the same instruction. An open instruction
  whose warning is no longer listed is flagged ``condition_cleared`` (预警条件已消除) and stays open
  until verified; it is unflagged when the warning comes back. Run after every stored upload.
* Transitions (each one audited and kept in ``instruction_events``): ``new`` 待签收 → ``acknowledged``
  已签收 (the station head of the instruction's station) → ``answered`` 已反馈 (text required; may be
  repeated) → ``closed`` 已办结 or ``returned`` 已退回 (an evaluator, or leadership in scope; never someone
  who gave feedback on it; a return needs a reason) → ``answered`` again. An instruction whose condition
  cleared may be closed by a verifier from any open status.
* Deadlines (``config/instructions.toml``, validated, each version stored in ``instruction_settings``):
  every open status has a ``due_at`` — sign-off counted from the issue, feedback from sign-off or return,
  verification from the feedback — of the hours set for the risk colour. Past it, the instruction is
  overdue. Leadership may add 督办 notes (``instruction_notes``), listed first to the station.
* Optimistic concurrency: a caller may pass the ``version`` it showed; every UPDATE compares the stored
  version, and a changed one raises :class:`Conflict` "该指令已被他人处理，请刷新" — nothing is lost.

The board by role, the ledger download and the loop indicators are in ``services.instruction_views``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, bindparam, func, insert, select, update

from services import reading
from services.actors import Actor, reload, require_role
from services.context import App
from services.errors import Conflict, PermissionDenied, ServiceError
from store import audit, rows
from store.tables import instruction_events, instruction_notes, instruction_settings, instructions, offices

BUREAU_TZ = ZoneInfo("Asia/Shanghai")
SETTINGS_FILE = Path(__file__).resolve().parents[1] / "config" / "instructions.toml"
STATUS_LABELS = {"new": "待签收", "acknowledged": "已签收", "answered": "已反馈", "returned": "已退回",
                 "closed": "已办结"}
OPEN_STATUSES = ("new", "acknowledged", "answered", "returned")
RISK_COLOURS = {"红": "red", "黄": "yellow", "蓝": "blue"}
COLOUR_KEYS = ("red", "yellow", "blue", "none")
EVENT_LABELS = {"created": "生成指令", "acknowledged": "签收", "answered": "反馈", "closed": "核查办结",
                "returned": "核查退回", "supervised": "督办", "condition_cleared": "预警条件已消除",
                "condition_restored": "预警条件再次出现"}
"""Chinese names of the steps in an instruction's history."""
CONFLICT = "该指令已被他人处理，请刷新。"
TEXT_LIMIT = 2000
VERIFIERS = ("evaluator", "leadership")


# --- deadline settings ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeadlineSettings:
    """Hours per risk colour (``red``, ``yellow``, ``blue``, ``none``) and the file's own version label."""

    label: str
    hours: dict[str, int]
    body: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body.encode()).hexdigest()

    def hours_for(self, risk: str | None) -> int:
        return self.hours[RISK_COLOURS.get(risk or "", "none")]


def parse_settings(text: str) -> DeadlineSettings:
    """The settings in ``text`` (TOML), or ServiceError naming what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ServiceError(f"预警指令时限设置不是有效的 TOML：{exc}") from None
    label = data.get("version")
    if not isinstance(label, str) or not label.strip():
        raise ServiceError("预警指令时限设置缺少 version（版本名称）。")
    hours = data.get("hours")
    if not isinstance(hours, dict):
        raise ServiceError("预警指令时限设置缺少 [hours] 表。")
    unknown = sorted(set(hours) - set(COLOUR_KEYS))
    if unknown:
        raise ServiceError("预警指令时限设置含未知的风险等级：" + "、".join(unknown) + "（只能是 red、yellow、blue、none）。")
    out = {}
    for key in COLOUR_KEYS:
        v = hours.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 24 * 90:
            raise ServiceError(f"预警指令时限 hours.{key} 应为 1 到 2160 之间的整数小时，实际为 {v!r}。")
        out[key] = v
    return DeadlineSettings(label.strip(), out, text)


def load_settings(path: Path = SETTINGS_FILE) -> DeadlineSettings:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ServiceError(f"无法读取预警指令时限设置 {path}（{type(exc).__name__}）。") from None
    return parse_settings(text)


def _settings_version(conn: Connection, s: DeadlineSettings, who: Actor | None) -> int:
    """The stored version of ``s``: the latest one when its text is the same, else a new one (audited)."""
    latest = conn.execute(select(instruction_settings).order_by(instruction_settings.c.version.desc())
                          .limit(1)).mappings().first()
    if latest is not None and latest["digest"] == s.digest:
        return latest["version"]
    version = (latest["version"] if latest else 0) + 1
    conn.execute(insert(instruction_settings), {"version": version, "digest": s.digest, "body": s.body,
                                                "author_name": who.username if who else "系统",
                                                "created_at": audit.now()})
    audit.append(conn, "InstructionSettingsStored", actor_id=who.id if who else None,
                 actor_name=who.username if who else "系统", version=version, label=s.label, hours=s.hours)
    return version


# --- time -----------------------------------------------------------------------------------------------

def today() -> date:
    """Today in the bureau's time zone."""
    return datetime.now(BUREAU_TZ).date()


def now_or_clock(now: datetime | None) -> datetime:
    return now if now is not None else audit.now()


def as_utc(t: datetime | None) -> datetime | None:
    """Stored times are UTC; SQLite gives them back naive."""
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=ZoneInfo("UTC"))


# --- sync -----------------------------------------------------------------------------------------------

def warning_key(w: dict) -> str:
    """The stable identity of a warning (a row of ``early_warnings.COLUMNS``)."""
    if w.get("dispute_id") is not None and not pd.isna(w["dispute_id"]):
        return f"{w['rule']}|dispute|{w['dispute_id']}"
    column = (w.get("details") or {}).get("column", "")
    return f"{w['rule']}|office|{w['office_code']}|{w.get('month') or ''}|{column}"


@dataclass(frozen=True)
class SyncResult:
    as_of: date
    warnings: int
    created: int
    cleared: int
    restored: int

    @property
    def message(self) -> str:
        return (f"截至 {self.as_of.isoformat()} 共 {self.warnings} 条预警：新生成指令 {self.created} 条，"
                f"预警条件已消除 {self.cleared} 条，再次出现 {self.restored} 条。")


def _station_messages(app: App, st: reading.Stored, warns: pd.DataFrame) -> pd.DataFrame:
    """The warnings' messages as their own station may read them: a repeat dispute's partner in another
    station is named as ``reading`` names it for a station head (no dispute id, no office)."""
    if not len(warns) or not (warns["rule"] == "repeat_dispute").any():
        return warns
    parts = []
    for station, part in warns.groupby("station", sort=False):
        sc = reading.Scope(Actor(0, "", "station_head", "station", station), frozenset({station}), None,
                           st.version)
        parts.append(reading.partners_outside(part.reset_index(drop=True), sc, st))
    return pd.concat(parts, ignore_index=True)


def _risks(st: reading.Stored, ids: set[str]) -> dict[str, str | None]:
    led = st.dataset.ledger
    if not ids or not len(led):
        return {}
    hit = led.loc[led["dispute_id"].isin(ids), ["dispute_id", "risk"]]
    return {str(d): (None if pd.isna(r) else str(r)) for d, r in zip(hit["dispute_id"], hit["risk"], strict=True)}


def sync(app: App, as_of: date | None = None, actor: Actor | int | None = None, *,
         now: datetime | None = None, settings: DeadlineSettings | None = None) -> SyncResult:
    """Make the instructions match the bureau's early warnings as of ``as_of`` (default: today in the
    bureau's time zone). ``actor`` None is the system (after an upload); a person must be an evaluator,
    leadership or admin."""
    as_of = as_of or today()
    at = now_or_clock(now)
    settings = settings or load_settings()
    for _attempt in range(5):
        try:
            return _sync_once(app, as_of, actor, at, settings)
        except _Stale:  # an upload was stored meanwhile: compute again on the newer data
            continue
    raise ServiceError("数据正在频繁更新，预警指令未能同步；请稍后再执行 python -m services instructions sync。")


class _Stale(Exception):
    """The warnings were computed on a data version that is no longer the newest."""


def _sync_once(app: App, as_of: date, actor: Actor | int | None, at: datetime,
               settings: DeadlineSettings) -> SyncResult:
    st = reading.stored(app)
    warns = reading.bureau_warnings(app, st, as_of) if not st.empty else pd.DataFrame()
    warns = _station_messages(app, st, warns)
    recs = warns.to_dict("records") if len(warns) else []
    risks = _risks(st, {str(w["dispute_id"]) for w in recs if w.get("dispute_id") is not None
                        and not pd.isna(w["dispute_id"])})
    with app.db.write() as conn:
        if rows.data_version(conn) != st.version:
            raise _Stale()
        who = None
        if actor is not None:
            who = reload(conn, actor)
            require_role(who, "evaluator", "leadership", "admin")
        version = _settings_version(conn, settings, who)
        fields = ("office_code", "office_name", "station", "branch", "message", "details", "last_as_of")
        existing = {r["key"]: r for r in conn.execute(
            select(instructions.c.id, instructions.c.key, instructions.c.status, instructions.c.condition_cleared,
                   *(instructions.c[f] for f in fields))).mappings()}
        seen: set[str] = set()
        new_rows, restored, changed = [], [], []
        for w in recs:
            key = warning_key(w)
            if key in seen:
                continue
            seen.add(key)
            dispute = None if w.get("dispute_id") is None or pd.isna(w["dispute_id"]) else str(w["dispute_id"])
            values = {"office_code": str(w["office_code"]), "office_name": str(w["office_name"] or ""),
                      "station": str(w["station"] or ""), "branch": str(w["branch"] or ""),
                      "message": str(w["message"]),
                      "details": json.dumps(w["details"], ensure_ascii=False, default=str, sort_keys=True),
                      "last_as_of": as_of}
            old = existing.get(key)
            if old is None:
                risk = risks.get(dispute) if dispute else None
                month = None if w.get("month") is None or pd.isna(w["month"]) else str(w["month"])
                new_rows.append({**values, "key": key, "rule": str(w["rule"]), "dispute_id": dispute,
                                 "month": month, "jump_column": (w["details"] or {}).get("column") if not dispute else None,
                                 "risk": risk, "status": "new", "condition_cleared": False, "first_as_of": as_of,
                                 "settings_version": version, "created_at": at,
                                 "due_at": at + timedelta(hours=settings.hours_for(risk)), "version": 1})
                continue
            back = bool(old["condition_cleared"]) and old["status"] != "closed"
            if back:
                restored.append(old)
            if back or any(old[f] != values[f] for f in fields):  # only what changed is written
                changed.append({"_id": old["id"], **values,
                                "condition_cleared": False if back else bool(old["condition_cleared"])})
        if changed:
            conn.execute(update(instructions).where(instructions.c.id == bindparam("_id"))
                         .values({c: bindparam(c) for c in (*fields, "condition_cleared")}), changed)
        if new_rows:
            conn.execute(insert(instructions), new_rows)
            fresh = {r["key"] for r in new_rows}
            ids = {k: i for k, i in conn.execute(select(instructions.c.key, instructions.c.id)) if k in fresh}
            _events(conn, [(ids[r["key"]], "created", None, "new", r["message"]) for r in new_rows], who, at)
        cleared = [r for k, r in existing.items()
                   if k not in seen and r["status"] != "closed" and not r["condition_cleared"]]
        if cleared:
            conn.execute(update(instructions).where(instructions.c.id == bindparam("_id"))
                         .values(condition_cleared=True), [{"_id": r["id"]} for r in cleared])
        _events(conn, [(r["id"], "condition_cleared", r["status"], r["status"], f"截至 {as_of.isoformat()} 预警已不再出现")
                       for r in cleared], who, at)
        _events(conn, [(r["id"], "condition_restored", r["status"], r["status"], f"截至 {as_of.isoformat()} 预警再次出现")
                       for r in restored], who, at)
        result = SyncResult(as_of, len(seen), len(new_rows), len(cleared), len(restored))
        audit.append(conn, "InstructionsSynced", actor_id=who.id if who else None,
                     actor_name=who.username if who else "系统", as_of=as_of.isoformat(), warnings=result.warnings,
                     created=result.created, cleared=result.cleared, restored=result.restored,
                     settings_version=version)
    return result


def sync_after_upload(app: App) -> str | None:
    """The hook of a stored upload: sync as of today; a failure never undoes the stored upload — it
    returns the Chinese sentence to show instead (the next sync catches up)."""
    try:
        sync(app)
    except Exception as exc:  # noqa: BLE001 — the upload is stored; the instructions catch up later
        return f"数据已保存，但预警指令未能更新（{type(exc).__name__}）；可稍后执行 python -m services instructions sync。"
    return None


def _events(conn: Connection, items: list[tuple], who: Actor | None, at: datetime) -> None:
    if not items:
        return
    conn.execute(insert(instruction_events), [
        {"instruction_id": iid, "at": at, "kind": kind, "actor_id": who.id if who else None,
         "actor_name": who.username if who else "系统", "old_status": old, "new_status": new, "text": text}
        for iid, kind, old, new, text in items])


# --- reading --------------------------------------------------------------------------------------------

def visible_station_set(conn: Connection, who: Actor) -> set[str] | None:
    """Stations whose instructions ``who`` may see; None = every station."""
    if who.role in ("evaluator", "admin"):
        return None
    if who.role == "station_head":
        return {who.scope_value or ""}
    if who.role == "leadership" and who.scope_kind == "branch":
        sts = set(conn.execute(select(offices.c.station).where(offices.c.branch == who.scope_value)).scalars())
        sts |= set(conn.execute(select(instructions.c.station).where(instructions.c.branch == who.scope_value)
                                ).scalars())
        return sts
    if who.role == "leadership":
        return None
    return set()


def _public(r, at: datetime, notes: int = 0) -> dict:
    due = as_utc(r["due_at"])
    return {
        "id": r["id"], "key": r["key"], "rule": r["rule"], "office": r["office_code"],
        "office_name": r["office_name"], "station": r["station"], "branch": r["branch"],
        "dispute": r["dispute_id"], "month": r["month"], "risk": r["risk"], "message": r["message"],
        "status": r["status"], "status_label": STATUS_LABELS[r["status"]],
        "due": due.astimezone(BUREAU_TZ).isoformat(timespec="seconds"),
        "overdue": r["status"] != "closed" and at > due, "condition_cleared": bool(r["condition_cleared"]),
        "created_at": as_utc(r["created_at"]).astimezone(BUREAU_TZ).isoformat(timespec="seconds"),
        "supervision_notes": notes, "version": r["version"],
    }


def list_instructions(app: App, actor: Actor | int, *, station: str | None = None, status: str | None = None,
                      now: datetime | None = None) -> list[dict]:
    """The instructions the actor may see (optionally of one station / status): overdue first, then by
    due time. Each a dict with ``id, rule, office, station, dispute, status, due, overdue,
    condition_cleared`` and more (see :func:`_public`)."""
    if status is not None and status not in STATUS_LABELS:
        raise ServiceError(f"未知的指令状态“{status}”（可选：{'、'.join(STATUS_LABELS)}）。")
    at = now_or_clock(now)
    with app.db.read() as conn:
        who = reload(conn, actor)
        q = select(instructions)
        vis = visible_station_set(conn, who)
        if vis is not None:
            q = q.where(instructions.c.station.in_(sorted(vis)))
        if station is not None:
            q = q.where(instructions.c.station == station)
        if status is not None:
            q = q.where(instructions.c.status == status)
        rows_ = conn.execute(q.order_by(instructions.c.due_at, instructions.c.id)).mappings().all()
        counts = dict(conn.execute(select(instruction_notes.c.instruction_id, func.count())
                                   .group_by(instruction_notes.c.instruction_id)).all())
    out = [_public(r, at, counts.get(r["id"], 0)) for r in rows_]
    out.sort(key=lambda d: (not d["overdue"], d["due"], d["id"]))
    return out


def _load(conn: Connection, who: Actor, iid: int) -> dict:
    r = conn.execute(select(instructions).where(instructions.c.id == iid)).mappings().first()
    vis = visible_station_set(conn, who) if r is not None else None
    if r is None or (vis is not None and r["station"] not in vis):
        raise ServiceError(f"第 {iid} 号指令不存在或不在您的范围内。")
    return dict(r)


def instruction(app: App, actor: Actor | int, iid: int, *, now: datetime | None = None) -> dict:
    """One instruction with its warning details, 督办 notes (newest first) and history (in order)."""
    at = now_or_clock(now)
    with app.db.read() as conn:
        who = reload(conn, actor)
        r = _load(conn, who, iid)
        notes = [dict(n) for n in conn.execute(select(instruction_notes).where(
            instruction_notes.c.instruction_id == iid).order_by(instruction_notes.c.id.desc())).mappings()]
        events = [dict(e) for e in conn.execute(select(instruction_events).where(
            instruction_events.c.instruction_id == iid).order_by(instruction_events.c.id)).mappings()]
    out = _public(r, at, len(notes))
    out["details"] = json.loads(r["details"])
    out["notes"] = [{"at": as_utc(n["at"]).astimezone(BUREAU_TZ).isoformat(timespec="seconds"),
                     "author": n["author_name"], "text": n["text"]} for n in notes]
    out["history"] = [{"at": as_utc(e["at"]).astimezone(BUREAU_TZ).isoformat(timespec="seconds"),
                       "kind": e["kind"], "label": EVENT_LABELS.get(e["kind"], e["kind"]),
                       "actor": e["actor_name"], "old_status": e["old_status"], "new_status": e["new_status"],
                       "text": e["text"]} for e in events]
    return out


def dispute_rows(app: App, actor: Actor | int, iid: int) -> pd.DataFrame:
    """The current ledger rows behind the instruction (its dispute), empty for a monthly-value warning."""
    with app.db.read() as conn:
        who = reload(conn, actor)
        r = _load(conn, who, iid)
    led = reading.stored(app).dataset.ledger
    if r["dispute_id"] is None or not len(led):
        return led.iloc[0:0]
    return led[led["dispute_id"] == r["dispute_id"]].reset_index(drop=True)


# --- transitions ----------------------------------------------------------------------------------------

def _clean_text(text: str | None, what: str) -> str:
    t = (text or "").strip()
    if not t:
        raise ServiceError(f"请填写{what}。")
    if len(t) > TEXT_LIMIT:
        raise ServiceError(f"{what}不能超过 {TEXT_LIMIT} 字。")
    return t


def _settings_hours(conn: Connection, r: dict) -> int:
    body = conn.execute(select(instruction_settings.c.body).where(
        instruction_settings.c.version == r["settings_version"])).scalar_one()
    return parse_settings(body).hours_for(r["risk"])


def _transition(conn: Connection, who: Actor, r: dict, version: int | None, new_status: str, kind: str,
                text: str, at: datetime, **values) -> None:
    if version is not None and version != r["version"]:
        raise Conflict(CONFLICT)
    res = conn.execute(update(instructions)
                       .where(instructions.c.id == r["id"], instructions.c.version == r["version"])
                       .values(status=new_status, version=r["version"] + 1, **values))
    if res.rowcount != 1:
        raise Conflict(CONFLICT)
    _events(conn, [(r["id"], kind, r["status"], new_status, text)], who, at)
    audit_kind = {"acknowledged": "InstructionAcknowledged", "answered": "InstructionAnswered",
                  "closed": "InstructionClosed", "returned": "InstructionReturned"}[kind]
    audit.append(conn, audit_kind, actor_id=who.id, actor_name=who.username, instruction_id=r["id"],
                 old_status=r["status"], new_status=new_status, text=text)


def _wrong_status(r: dict, action: str) -> ServiceError:
    return Conflict(f"第 {r['id']} 号指令当前为“{STATUS_LABELS[r['status']]}”，不能{action}；{CONFLICT}")


def _own_station(who: Actor, r: dict) -> None:
    require_role(who, "station_head")
    if r["station"] != who.scope_value:
        raise PermissionDenied("只能处理本派出所的指令。")


def acknowledge(app: App, actor: Actor | int, iid: int, *, version: int | None = None,
                now: datetime | None = None) -> dict:
    """签收: the station head of the instruction's station; only a new instruction."""
    at = now_or_clock(now)
    with app.db.write() as conn:
        who = reload(conn, actor)
        r = _load(conn, who, iid)
        _own_station(who, r)
        if r["status"] != "new":
            raise _wrong_status(r, "签收")
        due = at + timedelta(hours=_settings_hours(conn, r))
        _transition(conn, who, r, version, "acknowledged", "acknowledged", "", at, acknowledged_at=at, due_at=due)
    return instruction(app, actor, iid, now=at)


def answer(app: App, actor: Actor | int, iid: int, text: str, *, version: int | None = None,
           now: datetime | None = None) -> dict:
    """反馈: what was done (required), by the station head; after sign-off, after a return, or again."""
    at = now_or_clock(now)
    body = _clean_text(text, "反馈内容（做了什么）")
    with app.db.write() as conn:
        who = reload(conn, actor)
        r = _load(conn, who, iid)
        _own_station(who, r)
        if r["status"] not in ("acknowledged", "answered", "returned"):
            raise _wrong_status(r, "反馈") if r["status"] == "closed" else \
                ServiceError(f"第 {iid} 号指令尚未签收，请先签收再反馈。")
        due = at + timedelta(hours=_settings_hours(conn, r))
        _transition(conn, who, r, version, "answered", "answered", body, at, answered_at=at, due_at=due,
                    last_answer_by=who.id)
    return instruction(app, actor, iid, now=at)


def verify(app: App, actor: Actor | int, iid: int, *, close: bool, reason: str | None = None,
           version: int | None = None, now: datetime | None = None) -> dict:
    """核查: an evaluator or leadership in scope, never someone who gave feedback on it. ``close`` →
    办结; otherwise 退回 with a reason. Verifies an answered instruction, or closes any open one whose
    warning condition has cleared."""
    at = now_or_clock(now)
    text = (reason or "").strip() if close else _clean_text(reason, "退回原因")
    if len(text) > TEXT_LIMIT:
        raise ServiceError(f"说明不能超过 {TEXT_LIMIT} 字。")
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, *VERIFIERS)
        r = _load(conn, who, iid)
        authors = set(conn.execute(select(instruction_events.c.actor_id).where(
            instruction_events.c.instruction_id == iid, instruction_events.c.kind == "answered")).scalars())
        if who.id in authors:
            raise PermissionDenied("不能核查自己反馈的指令。")
        may = r["status"] == "answered" or (close and r["condition_cleared"] and r["status"] in OPEN_STATUSES)
        if not may:
            raise _wrong_status(r, "办结" if close else "退回")
        if close:
            _transition(conn, who, r, version, "closed", "closed", text, at, closed_at=at)
        else:
            due = at + timedelta(hours=_settings_hours(conn, r))
            _transition(conn, who, r, version, "returned", "returned", text, at, due_at=due)
    return instruction(app, actor, iid, now=at)


def supervise(app: App, actor: Actor | int, iid: int, text: str, *, now: datetime | None = None) -> dict:
    """督办: a note by leadership (in scope) on an open instruction, shown first to the station."""
    at = now_or_clock(now)
    body = _clean_text(text, "督办意见")
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "leadership")
        r = _load(conn, who, iid)
        if r["status"] == "closed":
            raise ServiceError(f"第 {iid} 号指令已办结，无需督办。")
        conn.execute(insert(instruction_notes), {"instruction_id": iid, "at": at, "author_id": who.id,
                                                 "author_name": who.username, "text": body})
        _events(conn, [(iid, "supervised", r["status"], r["status"], body)], who, at)
        audit.append(conn, "InstructionSupervised", actor_id=who.id, actor_name=who.username,
                     instruction_id=iid, text=body)
    return instruction(app, actor, iid, now=at)
