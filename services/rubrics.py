"""Rubric versions as governed documents: draft → (pending) → published for a period → retired.

* Version 0 is the shipped default (``config/rubric.toml``), in force wherever no published version is.
* Evaluators save **drafts** (visible to evaluators only; editable; comparable). A draft is checked in
  the indicators' terms (``metrics.rubric.rubric_problems`` with ``strict``) every time it is saved.
* **Publishing** needs a comment (given with the draft) and the first period it applies to (e.g.
  2027Q1). When the second-evaluator rule is on (setting ``rubric_second_evaluator``, default on) and
  the bureau has more than one active evaluator, the first evaluator's publish leaves the version
  **pending** and another evaluator's publish of the same version and period completes it. A published
  version never changes.
* **Retired** versions rate nothing unless picked explicitly.
* A period is rated with the version **in force** for it: the published version with the latest first
  period not after the period's first month (no first period = from the start; equal first periods:
  the one published last), else version 0.

Every step is one typed audit event naming the version by :func:`metrics.rubric.version_name`, the one
name every screen, export and command uses.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from metrics.periods import Period, parse_period
from metrics.rubric import (
    DEFAULT_NAME,
    STATUS_LABELS,
    Rubric,
    RubricError,
    load_rubric,
    parse_rubric,
    rubric_problems,
    rubric_to_toml,
    version_name,
)
from services.actors import Actor, reload, require_role
from services.context import App
from services.errors import Conflict, PermissionDenied, ServiceError
from store import audit
from store.tables import rubric_versions, users

EDITOR_ROLES = ("evaluator",)
DEFAULT_VERSION = 0


class RubricRefused(ServiceError):
    """A rubric that may not be saved or published; the message lists every problem, one per line."""


@dataclass(frozen=True)
class VersionInfo:
    """One rubric version as every screen and command lists it."""

    number: int
    status: str
    effective_from: str | None
    comment: str
    author: str
    created_at: datetime | None
    based_on: int | None
    digest: str
    requested_by: str | None = None
    requested_by_id: int | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    retired_by: str | None = None
    retired_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def was_published(self) -> bool:
        return self.number == DEFAULT_VERSION or self.published_at is not None

    @property
    def name(self) -> str:
        return version_name(self.number, self.status, self.effective_from, self.was_published)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_json(self) -> dict[str, Any]:
        """The ``rubric list --json`` object."""
        def ts(v: datetime | None) -> str | None:
            return None if v is None else v.isoformat()

        return {"number": self.number, "name": self.name, "status": self.status,
                "effective_from": self.effective_from, "comment": self.comment, "digest": self.digest,
                "author": self.author, "created_at": ts(self.created_at), "based_on": self.based_on,
                "requested_by": self.requested_by, "published_by": self.published_by,
                "published_at": ts(self.published_at), "retired_by": self.retired_by,
                "retired_at": ts(self.retired_at)}  # fmt: skip


def _default_info() -> VersionInfo:
    return VersionInfo(DEFAULT_VERSION, "published", None, "随系统提供的默认评分规则", "系统", None, None,
                       load_rubric().digest())


@functools.lru_cache(maxsize=64)
def _stored_rubric(body: str) -> Rubric:
    # Keyed by the stored text itself (a frozen result): every screen run reads a few versions.
    # Stored versions were checked when saved; those saved before the checks of the indicators' meaning
    # existed are read as they were, so that ratings made with them stay the same.
    return parse_rubric(body, strict=False)


def _info(row) -> VersionInfo:
    return VersionInfo(
        number=int(row["version"]), status=row["status"], effective_from=row["effective_from"],
        comment=row["comment"] or "", author=row["author_name"], created_at=row["created_at"],
        based_on=row["based_on"], digest=_stored_rubric(row["body"]).digest(),
        requested_by=row["requested_by_name"], requested_by_id=row["requested_by_id"],
        published_by=row["published_by_name"], published_at=row["published_at"],
        retired_by=row["retired_by_name"], retired_at=row["retired_at"], updated_at=row["updated_at"],
    )  # fmt: skip


def _sees_drafts(actor: Actor | None) -> bool:
    return actor is not None and actor.role in EDITOR_ROLES


def _all(conn: Connection) -> list[VersionInfo]:
    rows = conn.execute(select(rubric_versions).order_by(rubric_versions.c.version.desc())).mappings()
    return [_info(r) for r in rows]


def list_versions(app: App, actor: Actor | int | None) -> list[VersionInfo]:
    """Every version the actor may see, newest first, version 0 last. Versions never published (drafts,
    pending, drafts retired unpublished) are seen by evaluators only; ``actor=None`` (the operators' console without ``--as``) sees the others."""
    with app.db.read() as conn:
        who = None if actor is None else reload(conn, actor)
        got = _all(conn)
    return [v for v in got if v.was_published or _sees_drafts(who)] + [_default_info()]


def version(app: App, actor: Actor | int | None, number: int) -> VersionInfo:
    """Version ``number`` (refused when it does not exist or is a draft the actor may not see)."""
    number = int(number)
    if number == DEFAULT_VERSION:
        return _default_info()
    with app.db.read() as conn:
        who = None if actor is None else reload(conn, actor)
        row = conn.execute(select(rubric_versions).where(rubric_versions.c.version == number)).mappings().first()
    if row is None:
        raise ServiceError(f"评分规则第 {number} 版不存在。")
    info = _info(row)
    if not info.was_published and not _sees_drafts(who):
        raise PermissionDenied(f"第 {number} 版是草稿，仅考评员可以查看。")
    return info


def rubric_of(app: App, actor: Actor | int | None, number: int) -> Rubric:
    """Version ``number`` as a validated :class:`Rubric` whose ``version`` is the version's one name."""
    info = version(app, actor, number)
    if info.number == DEFAULT_VERSION:
        rubric = load_rubric()
    else:
        with app.db.read() as conn:
            body = conn.execute(select(rubric_versions.c.body).where(rubric_versions.c.version == info.number)).scalar()
        rubric = _stored_rubric(body)
    return dataclasses.replace(rubric, version=info.name)


def _first_month(effective_from: str | None) -> str:
    return "" if effective_from is None else parse_period(effective_from).first


def in_force(app: App, period: Period | str) -> int:
    """The number of the version in force for ``period`` (module docstring); 0 = the shipped default."""
    first = parse_period(period).first
    with app.db.read() as conn:
        got = conn.execute(select(rubric_versions.c.version, rubric_versions.c.effective_from,
                                  rubric_versions.c.published_at)
                           .where(rubric_versions.c.status == "published")).all()
    best: tuple | None = None
    for number, eff, published_at in got:
        start = _first_month(eff)
        if start > first:
            continue
        key = (start, published_at.isoformat() if published_at else "", number)
        if best is None or key > best[0]:
            best = (key, int(number))
    return DEFAULT_VERSION if best is None else best[1]


def current_rubric(app: App, period: Period | str) -> tuple[Rubric, int]:
    """The rubric in force for ``period`` (named) and its number."""
    number = in_force(app, period)
    return rubric_of(app, None, number), number


@dataclass(frozen=True)
class Choice:
    """The rubric a rating of ``period`` uses: the one in force, or another picked explicitly."""

    rubric: Rubric
    info: VersionInfo
    in_force: VersionInfo

    @property
    def number(self) -> int:
        return self.info.number

    @property
    def is_current(self) -> bool:
        return self.info.number == self.in_force.number


def choose(app: App, actor: Actor | int | None, period: Period | str, number: int | None = None) -> Choice:
    """The version to rate ``period`` with: ``number`` when given (drafts for evaluators only), else the
    version in force for ``period``."""
    current = in_force(app, period)
    picked = current if number is None else int(number)
    info = version(app, actor, picked)
    return Choice(rubric_of(app, actor, picked), info, version(app, None, current) if picked != current else info)


# --- changes ------------------------------------------------------------------------------------------

def check(data_or_text: dict | str) -> Rubric:
    """The rubric of editor data or TOML text, checked in the indicators' terms; :class:`RubricRefused`
    listing every problem otherwise."""
    if isinstance(data_or_text, str):
        try:
            return parse_rubric(data_or_text)
        except RubricError as exc:
            raise RubricRefused(f"评分规则无效：\n{exc}") from None
    rubric, problems = rubric_problems(data_or_text)
    if rubric is None:
        raise RubricRefused("评分规则无效：\n" + "\n".join(problems))
    return rubric


def _editor(conn: Connection, actor: Actor | int) -> Actor:
    who = reload(conn, actor)
    require_role(who, *EDITOR_ROLES)
    return who


def _row(conn: Connection, number: int):
    row = conn.execute(select(rubric_versions).where(rubric_versions.c.version == int(number))).mappings().first()
    if row is None:
        raise ServiceError(f"评分规则第 {int(number)} 版不存在。")
    return row


def _body(rubric: Rubric, number: int) -> str:
    return rubric_to_toml(dataclasses.replace(rubric, version=f"第 {number} 版"))


def save_draft(app: App, actor: Actor | int, rubric_data: dict | str, comment: str, based_on: int | None) -> int:
    """Store a new draft (from the editor's data or a TOML file) edited from version ``based_on``;
    returns its number. Evaluators only; refused with every problem when the rubric is not valid."""
    rubric = check(rubric_data)
    if not (comment or "").strip():
        raise ServiceError("请填写本版本的说明（为什么修改、改了什么）。")
    try:
        with app.db.write() as conn:
            who = _editor(conn, actor)
            number = int(conn.execute(select(func.max(rubric_versions.c.version))).scalar() or 0) + 1
            conn.execute(insert(rubric_versions), {
                "version": number, "body": _body(rubric, number), "comment": comment.strip(), "based_on": based_on,
                "author_id": who.id, "author_name": who.username, "created_at": audit.now(), "status": "draft"})
            audit.append(conn, "RubricDraftSaved", actor_id=who.id, actor_name=who.username, version=number,
                         name=version_name(number, "draft"), based_on=based_on, comment=comment.strip(),
                         digest=rubric.digest())
    except IntegrityError:
        raise Conflict("另一位考评员正在同时保存草稿，请重新保存。") from None
    return number


def update_draft(app: App, actor: Actor | int, number: int, rubric_data: dict | str, comment: str,
                 expected_digest: str) -> VersionInfo:
    """Overwrite draft ``number`` with the edited rubric. :class:`Conflict` when someone changed the
    draft since it was loaded (its digest is no longer ``expected_digest``) or it is no longer a draft."""
    rubric = check(rubric_data)
    with app.db.write() as conn:
        who = _editor(conn, actor)
        row = _row(conn, number)
        if row["status"] != "draft":
            raise Conflict(f"{version_name(row['version'], row['status'], row['effective_from'])}已不是草稿，"
                           "不能再修改；请另存为新草稿。")
        if _stored_rubric(row["body"]).digest() != expected_digest:
            raise Conflict(f"第 {int(number)} 版草稿已被他人修改，请重新载入后再修改。")
        values = {"body": _body(rubric, int(number)), "updated_at": audit.now()}
        if (comment or "").strip():
            values["comment"] = comment.strip()
        conn.execute(update(rubric_versions).where(rubric_versions.c.version == int(number)).values(**values))
        audit.append(conn, "RubricDraftSaved", actor_id=who.id, actor_name=who.username, version=int(number),
                     name=version_name(int(number), "draft"), updated=True, digest=rubric.digest(),
                     comment=values.get("comment", row["comment"]))
        return _info(_row(conn, number))


def _effective(text: str) -> str:
    try:
        p = parse_period(text)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    if p.kind == "range":
        raise ServiceError(f"生效期间“{text}”应为一个月、季度或年（如 2027Q1），不能是区间。")
    return p.label


def active_evaluators(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(users)
                            .where(users.c.role == "evaluator", users.c.disabled.is_(False))).scalar_one())


def publish(app: App, actor: Actor | int, number: int, effective_from: str) -> VersionInfo:
    """Publish version ``number`` from period ``effective_from`` (or, under the second-evaluator rule,
    ask for it — the version is then pending — or confirm another evaluator's request)."""
    number = int(number)
    if number == DEFAULT_VERSION:
        raise ServiceError(f"{DEFAULT_NAME}随系统提供，始终可用，无需发布。")
    start = _effective(effective_from)
    with app.db.write() as conn:
        who = _editor(conn, actor)
        row = _row(conn, number)
        if row["status"] in ("published", "retired"):
            raise ServiceError(f"{version_name(number, row['status'], row['effective_from'])}"
                               f"已{STATUS_LABELS[row['status']]}，不能再次发布；如需修改请另存为新草稿。")
        rubric = check(row["body"])
        now = audit.now()
        details = {"version": number, "effective_from": start, "comment": row["comment"], "digest": rubric.digest()}
        second = app.settings.rubric_second_evaluator and active_evaluators(conn) > 1
        if row["status"] == "pending":
            if row["effective_from"] != start:
                raise ServiceError(f"第 {number} 版申请自 {row['effective_from']} 起发布，确认时的生效期间"
                                   f"（{start}）与之不同；如需改期，请先停用再另存为新草稿。")
            if second and row["requested_by_id"] == who.id:
                raise PermissionDenied(f"第 {number} 版由您申请发布，须由另一位考评员确认。")
        elif second:
            conn.execute(update(rubric_versions).where(rubric_versions.c.version == number).values(
                status="pending", effective_from=start, requested_by_id=who.id, requested_by_name=who.username,
                requested_at=now))
            audit.append(conn, "RubricPublishRequested", actor_id=who.id, actor_name=who.username,
                         name=version_name(number, "pending", start), **details)
            return _info(_row(conn, number))
        conn.execute(update(rubric_versions).where(rubric_versions.c.version == number).values(
            status="published", effective_from=start, published_by_name=who.username, published_at=now))
        audit.append(conn, "RubricPublished", actor_id=who.id, actor_name=who.username,
                     name=version_name(number, "published", start), requested_by=row["requested_by_name"],
                     **details)
        return _info(_row(conn, number))


def retire(app: App, actor: Actor | int, number: int) -> VersionInfo:
    """Retire version ``number``: it rates nothing from now on unless picked explicitly; the periods
    it was in force for fall back to the version published before it (or version 0)."""
    number = int(number)
    if number == DEFAULT_VERSION:
        raise ServiceError(f"{DEFAULT_NAME}不能停用：没有其他版本生效时使用它。")
    with app.db.write() as conn:
        who = _editor(conn, actor)
        row = _row(conn, number)
        if row["status"] == "retired":
            raise ServiceError(f"第 {number} 版已停用。")
        conn.execute(update(rubric_versions).where(rubric_versions.c.version == number).values(
            status="retired", retired_by_name=who.username, retired_at=audit.now()))
        audit.append(conn, "RubricRetired", actor_id=who.id, actor_name=who.username, version=number,
                     previous_status=row["status"],
                     name=version_name(number, "retired", row["effective_from"], row["published_at"] is not None))
        return _info(_row(conn, number))


def toml_of(app: App, actor: Actor | int | None, number: int) -> str:
    """Version ``number`` as a TOML file (``python -m metrics rank --rubric`` reads it); its
    ``version`` is the version's name."""
    return rubric_to_toml(rubric_of(app, actor, number))


def suggested_start(now: datetime | None = None) -> str:
    """The quarter after the current one in the bureau's time zone (Asia/Shanghai): what the publish
    form proposes, so that a new version never changes a period already being rated by default."""
    from zoneinfo import ZoneInfo

    local = (now or audit.now()).astimezone(ZoneInfo("Asia/Shanghai"))
    q = (local.month - 1) // 3 + 1
    year, q = (local.year + 1, 1) if q == 4 else (local.year, q + 1)
    return f"{year}Q{q}"
