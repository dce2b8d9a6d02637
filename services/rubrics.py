"""Rubric versions: evaluators save a new version with a comment; concurrent edits conflict.

Version 0 is the shipped default (``config/rubric.toml``); each save adds version ``n + 1`` and must
name the version it was edited from (``based_on``): if someone saved in between, the save is refused
with a message to reload, never silently overwriting their change.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from metrics.rubric import Rubric, RubricError, load_rubric, parse_rubric
from services.actors import Actor, reload, require_role
from services.context import App
from services.errors import Conflict, ServiceError
from store import audit
from store.tables import rubric_versions


def latest_version(conn) -> int:
    return int(conn.execute(select(func.max(rubric_versions.c.version))).scalar() or 0)


def current_rubric(app: App, version: int | None = None) -> tuple[Rubric, int]:
    """The rubric in force (or ``version``) and its stored version number (0 = the shipped default)."""
    with app.db.read() as conn:
        v = latest_version(conn) if version is None else version
        if v == 0:
            return load_rubric(), 0
        body = conn.execute(select(rubric_versions.c.body).where(rubric_versions.c.version == v)).scalar()
    if body is None:
        raise ServiceError(f"评分规则第 {v} 版不存在。")
    return parse_rubric(body), v


def list_versions(app: App, actor: Actor | int) -> list[dict]:
    with app.db.read() as conn:
        reload(conn, actor)
        cols = [c for c in rubric_versions.c if c.name != "body"]
        return [dict(r) for r in conn.execute(select(*cols).order_by(rubric_versions.c.version.desc())).mappings()]


def save_rubric(app: App, actor: Actor | int, toml_text: str, comment: str, based_on: int) -> int:
    """Store ``toml_text`` as a new version edited from ``based_on``; returns the new version number."""
    try:
        parse_rubric(toml_text)
    except RubricError as exc:
        raise ServiceError(f"评分规则无效：{exc}") from None
    if not comment.strip():
        raise ServiceError("请填写本次修改的说明。")
    try:
        with app.db.write() as conn:
            who = reload(conn, actor)
            require_role(who, "evaluator")
            latest = latest_version(conn)
            if latest != based_on:
                raise Conflict(f"评分规则已被他人修改为第 {latest} 版（您编辑的是第 {based_on} 版），请重新载入后再修改。")
            conn.execute(insert(rubric_versions), {
                "version": latest + 1, "body": toml_text, "comment": comment.strip(), "based_on": based_on,
                "author_id": who.id, "author_name": who.username, "created_at": audit.now()})
            audit.append(conn, "RubricChanged", actor_id=who.id, actor_name=who.username,
                         version=latest + 1, based_on=based_on, comment=comment.strip())
            return latest + 1
    except IntegrityError:
        raise Conflict("评分规则正被他人同时保存，请重新载入后再修改。") from None
