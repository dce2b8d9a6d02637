"""Who is acting: the user as stored in the database, and what their role and scope allow.

Services never trust the role or scope of an object handed to them: :func:`reload` reads the user
again from the database on every call, inside the service's own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from services.errors import NotSignedIn, PermissionDenied
from store.tables import offices, users

ROLE_LABELS = {"leadership": "局领导", "station_head": "所长", "evaluator": "考评员", "admin": "管理员"}


@dataclass(frozen=True)
class Actor:
    id: int | None
    username: str
    role: str
    scope_kind: str = "bureau"
    scope_value: str | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


CONSOLE = Actor(None, "命令行", "admin")
"""The operator at the server's console (``python -m services``): acts as an administrator of the whole
bureau, audited as "命令行" without a user id. Only code running on the server can hand this very object
to a service (:func:`reload` recognises it by identity); an equal-looking copy is refused."""


def reload(conn: Connection, actor: Actor | int) -> Actor:
    """The acting user as stored now; refuses unknown or disabled accounts (:data:`CONSOLE` is itself)."""
    if actor is CONSOLE:
        return CONSOLE
    uid = actor if isinstance(actor, int) else actor.id
    r = conn.execute(select(users).where(users.c.id == uid)).mappings().first()
    if r is None or r["disabled"]:
        raise NotSignedIn("账号不存在或已停用，请重新登录。")
    return Actor(r["id"], r["username"], r["role"], r["scope_kind"], r["scope_value"])


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        allowed = "、".join(ROLE_LABELS[r] for r in roles)
        raise PermissionDenied(f"{actor.role_label}无权执行此操作（仅限{allowed}）。")


def visible_stations(conn: Connection, actor: Actor) -> set[str] | None:
    """Stations whose rows the actor may read in full; None means every station."""
    if actor.role in ("evaluator", "admin"):
        return None
    if actor.role == "station_head":
        return {actor.scope_value or ""}
    if actor.role == "leadership":
        if actor.scope_kind == "branch":
            rows = conn.execute(select(offices.c.station).where(offices.c.branch == actor.scope_value).distinct())
            return {r[0] for r in rows}
        return None
    return set()


def may_upload_station(actor: Actor, station: str) -> bool:
    if actor.role == "evaluator":
        return True
    return actor.role == "station_head" and station == actor.scope_value
