"""Local accounts: the first admin, users and roles, sign-in with back-off and lockout, sessions.

* Passwords are hashed with argon2id (argon2-cffi); neither they nor session tokens are ever stored
  or logged in clear (tokens are stored as SHA-256).
* Failed sign-ins are counted per user **in the database**: from the 3rd failure in a row each
  attempt must wait longer (2, 4, 8 … s), and the 5th locks the account for 15 minutes. A new tab or
  a new process does not reset anything. Every failure is audited.
* Sessions (``services/sessions.py``) live in the database and in the browser's cookie; they end on
  sign-out, after the inactivity timeout or the absolute lifetime (settings), on a password change or
  reset (every session of that user, the current one included), on locking and when an admin ends
  them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, insert, select, update

from services import scopes
from services import sessions as session_store
from services.actors import Actor, reload, require_role
from services.context import App
from services.errors import PermissionDenied, ServiceError
from store import audit
from store.tables import sessions, users

HASHER = PasswordHasher()
MIN_PASSWORD = 10
BACKOFF_AFTER = 3
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
_DUMMY_HASH = HASHER.hash("timing-equaliser-not-a-password")


@dataclass(frozen=True)
class SignedIn:
    token: str
    """Give it back to :func:`validate_session`; only its SHA-256 is stored."""
    actor: Actor
    handoff: str | None = None
    """One-time value that ``/auth/complete`` turns into the session cookie (``services/sessions.py``);
    None when the sign-in had no browser to bind it to."""


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def check_password_strength(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise ServiceError(f"密码至少 {MIN_PASSWORD} 个字符。")
    if username and username.lower() in password.lower():
        raise ServiceError("密码不能包含用户名。")
    if len(set(password)) < 4:
        raise ServiceError("密码过于简单，请混合使用字母、数字和符号。")


def check_username(username: str) -> str:
    """``username`` stripped, or a Chinese refusal (empty, too long, or control characters)."""
    name = (username or "").strip()
    if not name or len(name) > 64:
        raise ServiceError("用户名不能为空，且不超过 64 个字符。")
    if any(not ch.isprintable() or ch.isspace() for ch in name):
        raise ServiceError(f"用户名“{name}”不能含空格或控制字符。")
    return name


def insert_user(conn: Connection, username: str, password: str | None, role: str, scope_kind: str | None,
                 scope_value: str | None, display_name: str = "", *,
                 password_hash: str | None = None) -> tuple[int, str, str | None]:
    """Insert a checked account; its id and its normalised scope kind and value. ``password_hash``
    (of a password already checked for strength) spares the caller's transaction the hashing."""
    username = check_username(username)
    if len((display_name or "").strip()) > 128:
        raise ServiceError("姓名不超过 128 个字符。")
    if password_hash is None:
        check_password_strength(password or "", username)
    role, scope_kind, scope_value = scopes.check(conn, role, scope_kind, scope_value)
    if conn.execute(select(users.c.id).where(func.lower(users.c.username) == username.lower())).first():
        raise ServiceError(f"用户名“{username}”已存在。")
    now = audit.now()
    uid = conn.execute(insert(users).returning(users.c.id), {
        "username": username, "display_name": (display_name or "").strip() or username,
        "password_hash": password_hash or HASHER.hash(password), "role": role, "scope_kind": scope_kind,
        "scope_value": scope_value, "disabled": False,
        "failed_logins": 0, "password_changed_at": now, "created_at": now,
    }).scalar_one()
    return uid, scope_kind, scope_value


def has_users(app: App) -> bool:
    with app.db.read() as conn:
        return conn.execute(select(func.count()).select_from(users)).scalar_one() > 0


def create_first_admin(app: App, username: str, password: str) -> Actor:
    """The first account of an empty installation (an admin). Refused once any user exists."""
    with app.db.write() as conn:
        if conn.execute(select(func.count()).select_from(users)).scalar_one():
            raise PermissionDenied("系统已有用户，不能再创建初始管理员；请由管理员创建账号。")
        uid, _kind, _value = insert_user(conn, username, password, "admin", "bureau", None)
        audit.append(conn, "UserCreated", actor_id=uid, actor_name=username.strip(), user=username.strip(),
                     role="admin", first_admin=True)
        return reload(conn, uid)


def create_user(app: App, actor: Actor | int, username: str, password: str, role: str,
                scope_kind: str | None = None, scope_value: str | None = None, display_name: str = "") -> Actor:
    """A new account (admins and the console). The scope kind defaults to the role's (全局 for leadership,
    evaluators and admins); a station or branch must be one the office registry knows."""
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "admin")
        uid, kind, value = insert_user(conn, username, password, role, scope_kind, scope_value, display_name)
        audit.append(conn, "UserCreated", actor_id=who.id, actor_name=who.username, user=username.strip(),
                     role=role, scope_kind=kind, scope_value=value)
        return reload(conn, uid)


def find_user(app: App, actor: Actor | int, username: str) -> dict:
    """The account named ``username`` (case-insensitive), without its password hash (admins only)."""
    with app.db.read() as conn:
        require_role(reload(conn, actor), "admin")
        cols = [c for c in users.c if c.name != "password_hash"]
        r = conn.execute(select(*cols).where(func.lower(users.c.username) == (username or "").strip().lower())
                         ).mappings().first()
    if r is None:
        raise ServiceError(f"用户“{(username or '').strip()}”不存在。")
    return dict(r)


def _target(conn: Connection, user_id: int) -> dict:
    r = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    if r is None:
        raise ServiceError("用户不存在。")
    return dict(r)


def _revoke(conn: Connection, user_id: int) -> int:
    return session_store.revoke_all(conn, user_id)


def change_role(app: App, actor: Actor | int, user_id: int, role: str, scope_kind: str | None = None,
                scope_value: str | None = None) -> Actor:
    """Give ``user_id`` another role and/or scope (checked as for a new account); their sessions end.
    Refused when nothing would change, and when it would leave no active administrator."""
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "admin")
        old = _target(conn, user_id)
        role, scope_kind, scope_value = scopes.check(conn, role, scope_kind, scope_value)
        before = (old["role"], old["scope_kind"], old["scope_value"] if old["scope_kind"] != "bureau" else None)
        if before == (role, scope_kind, scope_value):
            raise ServiceError(f"“{old['username']}”已是{scopes.describe(*before)}，未作修改。")
        if role != "admin":
            _keep_an_admin(conn, old)
        conn.execute(update(users).where(users.c.id == user_id).values(
            role=role, scope_kind=scope_kind, scope_value=scope_value))
        _revoke(conn, user_id)
        audit.append(conn, "RoleChanged", actor_id=who.id, actor_name=who.username, user=old["username"],
                     old=list(before), new=[role, scope_kind, scope_value])
        return Actor(user_id, old["username"], role, scope_kind, scope_value)


def _admins(conn: Connection) -> int:
    """Active administrators: role admin and not disabled."""
    return conn.execute(select(func.count()).select_from(users).where(
        users.c.role == "admin", users.c.disabled.is_(False))).scalar_one()


def _keep_an_admin(conn: Connection, target: dict) -> None:
    """Refuse a change that takes ``target`` out of the active administrators when it is the last one."""
    if target["role"] == "admin" and not target["disabled"] and _admins(conn) <= 1:
        raise ServiceError(f"“{target['username']}”是系统中唯一的有效管理员，不能撤销其管理员角色或停用该账号；"
                           "请先为其他人授予管理员角色。")


def reset_password(app: App, actor: Actor | int, user_id: int, new_password: str) -> None:
    """An admin sets a new password: the user's sessions end and the failure counter is cleared."""
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "admin")
        target = _target(conn, user_id)
        check_password_strength(new_password, target["username"])
        conn.execute(update(users).where(users.c.id == user_id).values(
            password_hash=HASHER.hash(new_password), password_changed_at=audit.now(),
            failed_logins=0, locked_until=None))
        _revoke(conn, user_id)
        audit.append(conn, "PasswordReset", actor_id=who.id, actor_name=who.username, user=target["username"])


def set_locked(app: App, actor: Actor | int, user_id: int, locked: bool) -> None:
    """Disable (lock) or re-enable an account; locking ends its sessions, unlocking clears lockouts."""
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "admin")
        target = _target(conn, user_id)
        if locked and target["id"] == who.id:
            raise ServiceError("不能停用自己的账号。")
        if locked and target["disabled"]:
            raise ServiceError(f"账号“{target['username']}”已是停用状态。")
        if locked:
            _keep_an_admin(conn, target)
        values = {"disabled": locked} if locked else {"disabled": False, "failed_logins": 0, "locked_until": None}
        conn.execute(update(users).where(users.c.id == user_id).values(**values))
        if locked:
            _revoke(conn, user_id)
        audit.append(conn, "AccountLocked" if locked else "AccountUnlocked", actor_id=who.id,
                     actor_name=who.username, user=target["username"], by_admin=True)


def list_users(app: App, actor: Actor | int) -> list[dict]:
    with app.db.read() as conn:
        require_role(reload(conn, actor), "admin")
        cols = [c for c in users.c if c.name != "password_hash"]
        return [dict(r) for r in conn.execute(select(*cols).order_by(users.c.id)).mappings()]


def authenticate(app: App, username: str, password: str, now: datetime | None = None,
                 binding: str | None = None) -> SignedIn:
    """Sign in: a new session, or a Chinese refusal (wrong credentials, wait, or locked).

    ``binding`` identifies the browser (its Streamlit XSRF token); with it the sign-in also gets a
    one-time handoff for the session cookie (``services/sessions.py``)."""
    now = now or audit.now()
    refusal: str | None = None
    with app.db.write() as conn:
        r = conn.execute(select(users).where(func.lower(users.c.username) == username.strip().lower())
                         ).mappings().first()
        if r is None:
            try:
                HASHER.verify(_DUMMY_HASH, password)  # same work as for a real account
            except VerificationError:
                pass
            audit.append(conn, "LoginFailed", actor_id=None, actor_name=username.strip()[:64], reason="unknown_user")
            refusal = "用户名或密码错误。"
        elif r["disabled"]:
            audit.append(conn, "LoginFailed", actor_id=r["id"], actor_name=r["username"], reason="disabled")
            refusal = "账号已停用，请联系管理员。"
        elif (left := _wait(r, now)) > 0:
            locked = r["failed_logins"] >= LOCK_AFTER
            refusal, shown = _wait_refusal(left, locked)
            audit.append(conn, "LoginFailed", actor_id=r["id"], actor_name=r["username"],
                         reason="locked" if locked else "backoff", wait=shown)
            # the wait the message names is the wait enforced: no attempt is checked before it ends
            conn.execute(update(users).where(users.c.id == r["id"]).values(
                locked_until=now + timedelta(seconds=shown)))
        else:
            try:
                ok = HASHER.verify(r["password_hash"], password)
            except (VerificationError, InvalidHashError):
                ok = False
            if not ok:
                failures = r["failed_logins"] + 1
                values = {"failed_logins": failures, "last_failed_at": now}
                audit.append(conn, "LoginFailed", actor_id=r["id"], actor_name=r["username"],
                             reason="bad_password", failures=failures)
                refusal = "用户名或密码错误。"
                if failures >= LOCK_AFTER:
                    values["locked_until"] = now + LOCK_FOR
                    audit.append(conn, "AccountLocked", actor_id=r["id"], actor_name=r["username"],
                                 until=str(now + LOCK_FOR), failures=failures)
                    refusal = f"登录失败次数过多，账号已临时锁定 {int(LOCK_FOR.total_seconds() // 60)} 分钟。"
                conn.execute(update(users).where(users.c.id == r["id"]).values(**values))
            else:
                values = {"failed_logins": 0, "locked_until": None, "last_failed_at": None}
                if HASHER.check_needs_rehash(r["password_hash"]):
                    values["password_hash"] = HASHER.hash(password)
                conn.execute(update(users).where(users.c.id == r["id"]).values(**values))
                token, handoff = session_store.start(conn, app, r["id"], now, binding)
                audit.append(conn, "LoginSucceeded", actor_id=r["id"], actor_name=r["username"])
                return SignedIn(token=token, actor=reload(conn, r["id"]), handoff=handoff)
    raise ServiceError(refusal)


def _wait(r, now: datetime) -> float:
    """Seconds before the next attempt of account ``r`` may be checked (<= 0: now): the later of its
    lockout (or a wait already announced) and the back-off after its last failure (2, 4, 8 … s from the
    3rd failure in a row)."""
    ends = [_aware(r["locked_until"])] if r["locked_until"] else []
    if r["failed_logins"] >= BACKOFF_AFTER and r["last_failed_at"] is not None:
        delay = 2 ** (r["failed_logins"] - BACKOFF_AFTER + 1)
        ends.append(_aware(r["last_failed_at"]) + timedelta(seconds=delay))
    return max(((end - now).total_seconds() for end in ends), default=0.0)


def _wait_refusal(left: float, locked: bool) -> tuple[str, int]:
    """The refusal for a wait of ``left`` seconds and the whole seconds it names (rounded up, to whole
    minutes from one minute on), which the caller then enforces."""
    seconds = math.ceil(left)
    if seconds >= 60:
        minutes = math.ceil(seconds / 60)
        head = "登录失败次数过多，账号已临时锁定" if locked else "登录失败次数较多"
        return f"{head}，请 {minutes} 分钟后再试。", minutes * 60
    if locked:
        return f"登录失败次数过多，账号已临时锁定，请 {seconds} 秒后再试。", seconds
    return f"登录失败次数较多，请 {seconds} 秒后再试。", seconds


def validate_session(app: App, token: str, now: datetime | None = None) -> Actor:
    """The signed-in user for ``token`` (see :func:`services.sessions.validate`)."""
    return session_store.validate(app, token, now)


def sign_out(app: App, token: str) -> None:
    """End this session (every tab holding its cookie, on every process)."""
    with app.db.write() as conn:
        s = conn.execute(select(sessions).where(sessions.c.token_hash == session_store.token_hash(token))
                         ).mappings().first()
        if s is None or s["revoked_at"] is not None:
            return
        conn.execute(update(sessions).where(sessions.c.id == s["id"]).values(revoked_at=audit.now()))
        u = _target(conn, s["user_id"])
        audit.append(conn, "LoggedOut", actor_id=u["id"], actor_name=u["username"])


def change_password(app: App, token: str, old_password: str, new_password: str) -> None:
    """The signed-in user changes their password; every session of theirs ends, this one included
    (they sign in again with the new password)."""
    who = validate_session(app, token)
    with app.db.write() as conn:
        u = _target(conn, who.id)
        try:
            HASHER.verify(u["password_hash"], old_password)
        except (VerificationError, InvalidHashError):
            raise ServiceError("原密码不正确。") from None
        check_password_strength(new_password, u["username"])
        conn.execute(update(users).where(users.c.id == who.id).values(
            password_hash=HASHER.hash(new_password), password_changed_at=audit.now()))
        _revoke(conn, who.id)
        audit.append(conn, "PasswordChanged", actor_id=who.id, actor_name=who.username)
