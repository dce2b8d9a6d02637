"""Roles and their scopes: which scope kinds fit a role, and which stations and branches exist.

The scope kind follows from the role (app.md): a 所长 sees one station, 局领导 the whole bureau or one
branch, 考评员 and 管理员 the whole bureau. A station or branch scope must name one the office registry
knows (``store.tables.offices``, filled by stored uploads). One check here serves the app, the command
line and the CSV import alike; it is called inside the writing transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from services.actors import ROLE_LABELS, Actor, reload, require_role
from services.context import App
from services.errors import ServiceError
from store.tables import ROLES, SCOPE_KINDS, offices

ROLE_SCOPE_KINDS: dict[str, tuple[str, ...]] = {
    "station_head": ("station",),
    "leadership": ("bureau", "branch"),
    "evaluator": ("bureau",),
    "admin": ("bureau",),
}
"""Role → the scope kinds it may have; the first is the default."""
assert set(ROLE_SCOPE_KINDS) == set(ROLES)

SCOPE_RULES = {
    "station_head": "所长的范围必须是一个派出所。",
    "leadership": "局领导的范围应为全局或一个分局。",
    "evaluator": "考评员的范围只能是全局。",
    "admin": "管理员的范围只能是全局。",
}

SCOPE_KIND_LABELS = {"bureau": "全局", "branch": "分局", "station": "派出所"}
assert set(SCOPE_KIND_LABELS) == set(SCOPE_KINDS)

NO_REGISTRY = "尚无警务室登记：请先上报或导入警务室登记，再创建所长账号或指定分局范围。"


@dataclass(frozen=True)
class ScopeOptions:
    """What the registry offers as scopes: stations as (branch, station) pairs and branches, sorted."""

    stations: list[tuple[str, str]]
    branches: list[str]

    @property
    def empty(self) -> bool:
        return not self.stations


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def describe(role: str, scope_kind: str | None, scope_value: str | None) -> str:
    """A role with its scope in Chinese, e.g. "所长（兰街派出所）", "管理员（全局）"."""
    where = scope_value if scope_kind in ("branch", "station") and scope_value else "全局"
    return f"{role_label(role)}（{where}）"


def _registry(conn: Connection) -> ScopeOptions:
    pairs = sorted({(r.branch, r.station) for r in conn.execute(select(offices.c.branch, offices.c.station)
                                                                .distinct())})
    return ScopeOptions(stations=pairs, branches=sorted({b for b, _ in pairs}))


def options(app: App, actor: Actor | int) -> ScopeOptions:
    """The stations and branches a scope may name (admins only: they assign scopes)."""
    with app.db.read() as conn:
        require_role(reload(conn, actor), "admin")
        return _registry(conn)


def default_kind(role: str) -> str:
    return ROLE_SCOPE_KINDS.get(role, ("bureau",))[0]


def check(conn: Connection, role: str, scope_kind: str | None,
          scope_value: str | None) -> tuple[str, str, str | None]:
    """``(role, scope_kind, scope_value)`` checked against the role and the registry, normalised
    (no kind → the role's default; a bureau scope has no value). Raises a Chinese ServiceError."""
    if role not in ROLES:
        allowed = "、".join(f"{r}（{role_label(r)}）" for r in ROLES)
        raise ServiceError(f"未知角色“{role}”，应为：{allowed}。")
    kinds = ROLE_SCOPE_KINDS[role]
    kind = scope_kind or kinds[0]
    if kind not in SCOPE_KINDS:
        allowed = "、".join(f"{k}（{v}）" for k, v in SCOPE_KIND_LABELS.items())
        raise ServiceError(f"未知范围类型“{kind}”，应为：{allowed}。")
    if kind not in kinds:
        raise ServiceError(f"{SCOPE_RULES[role]}（收到“{SCOPE_KIND_LABELS[kind]}”）")
    value = (scope_value or "").strip() or None
    if kind == "bureau":
        if value:
            raise ServiceError(f"范围类型为全局时不填写范围（收到“{value}”）。")
        return role, kind, None
    reg = _registry(conn)
    if reg.empty:
        raise ServiceError(NO_REGISTRY)
    label = SCOPE_KIND_LABELS[kind]
    if not value:
        raise ServiceError(f"{role_label(role)}需要指定一个{label}。")
    known = {s for _, s in reg.stations} if kind == "station" else set(reg.branches)
    if value not in known:
        raise ServiceError(f"警务室登记中没有名为“{value}”的{label}，请从已登记的{label}中选择。")
    return role, kind, value


# --- codes or Chinese labels, as an operator types them ------------------------------------------------

def parse_role(text: str) -> str:
    """A role code from its code or Chinese label ("所长" → "station_head"); ServiceError otherwise."""
    t = (text or "").strip()
    by_label = {v: k for k, v in ROLE_LABELS.items()}
    if t.lower() in ROLES:
        return t.lower()
    if t in by_label:
        return by_label[t]
    allowed = "、".join(f"{r}（{role_label(r)}）" for r in ROLES)
    raise ServiceError(f"未知角色“{t}”，应为：{allowed}。")


def parse_scope_kind(text: str | None) -> str | None:
    """A scope kind from its code or Chinese label ("派出所" → "station"); empty → None (the role's default)."""
    t = (text or "").strip()
    if not t:
        return None
    by_label = {v: k for k, v in SCOPE_KIND_LABELS.items()}
    by_label.update({"局": "bureau", "全局（局）": "bureau", "分县局": "branch", "所": "station"})
    if t.lower() in SCOPE_KINDS:
        return t.lower()
    if t in by_label:
        return by_label[t]
    allowed = "、".join(f"{k}（{v}）" for k, v in SCOPE_KIND_LABELS.items())
    raise ServiceError(f"未知范围类型“{t}”，应为：{allowed}。")
