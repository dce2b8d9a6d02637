"""Accounts from a list: a CSV with 用户名, 角色, 范围类型, 范围, 初始密码 (and optionally 姓名).

All or nothing: every row is checked — the same checks as one account created in the app
(``accounts.insert_user``: user name, password strength, role, scope against the office registry,
names already taken) plus names repeated in the file — and every bad row is reported with its CSV line
number; only when none is bad are all accounts stored, in one transaction, each with its own
``UserCreated`` audit event. Roles and scope kinds may be written as codes (``station_head``) or their
Chinese labels (所长). An empty 初始密码 gets a generated one-time password, returned once to the caller.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass

from services import accounts, scopes
from services.actors import Actor, reload, require_role
from services.context import App
from services.errors import ServiceError
from store import audit

COLUMNS = {"用户名": "username", "角色": "role", "范围类型": "scope_kind", "范围": "scope_value",
           "初始密码": "password"}
OPTIONAL = {"姓名": "display_name"}
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789-"


class ImportRefused(ServiceError):
    """Nothing was stored; ``problems`` lists every bad line ("第 N 行：…")."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"用户清单有 {len(problems)} 处问题，未创建任何账号：\n" + "\n".join(problems))


@dataclass(frozen=True)
class UserRow:
    line: int
    username: str
    role: str
    scope_kind: str | None
    scope_value: str | None
    password: str
    display_name: str = ""


@dataclass(frozen=True)
class Created:
    username: str
    role: str
    scope_kind: str
    scope_value: str | None
    one_time_password: str | None
    """The generated password when the list gave none (shown once, never stored in clear)."""


def one_time_password(username: str = "") -> str:
    """A random 14-character password that passes :func:`accounts.check_password_strength`."""
    while True:
        pw = "".join(secrets.choice(_ALPHABET) for _ in range(14))
        try:
            accounts.check_password_strength(pw, username)
        except ServiceError:
            continue
        return pw


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(["文件编码无法识别，请另存为“CSV UTF-8”或 GBK 编码后重试。"])


def _header(cell: str) -> str:
    return "".join((cell or "").replace("\ufeff", "").split())


def read_rows(data: bytes) -> tuple[list[UserRow], list[str]]:
    """The list's rows and the problems found in the file alone (columns, values, repeated names)."""
    if len(data) > MAX_BYTES:
        raise ImportRefused([f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后分别导入。"])
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportRefused(["文件为空或不是 CSV，第 1 行应为列名：" + "、".join(COLUMNS) + "。"]) from None
    names = [_header(c) for c in header]
    known = {**COLUMNS, **OPTIONAL}
    problems = [f"第 1 行：缺少列“{c}”。" for c in COLUMNS if c not in names]
    problems += [f"第 1 行：“{c}”不是用户清单的列（应为：{'、'.join(known)}）。" for c in names if c and c not in known]
    problems += [f"第 1 行：列“{c}”出现了不止一次。" for c in dict.fromkeys(n for n in names if n and names.count(n) > 1)]
    if problems:
        raise ImportRefused(problems)
    where = {known[n]: i for i, n in enumerate(names) if n}
    out: list[UserRow] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any((c or "").strip() for c in cells):
                continue
            if len(out) >= MAX_ROWS:
                raise ImportRefused([f"一次最多导入 {MAX_ROWS} 个账号，请拆分后分别导入。"])
            value = {k: (cells[i].strip() if i < len(cells) else "") for k, i in where.items()}
            try:
                username = accounts.check_username(value["username"])
                role = scopes.parse_role(value["role"])
                kind = scopes.parse_scope_kind(value["scope_kind"])
                if value["password"]:
                    accounts.check_password_strength(value["password"], username)
            except ServiceError as exc:
                problems.append(f"第 {line} 行：{exc}")
                continue
            if username.lower() in seen:
                problems.append(f"第 {line} 行：用户名“{username}”与第 {seen[username.lower()]} 行重复。")
                continue
            seen[username.lower()] = line
            out.append(UserRow(line, username, role, kind, value["scope_value"] or None, value["password"],
                               value.get("display_name", "")))
    except csv.Error as exc:
        raise ImportRefused([*problems, f"第 {reader.line_num} 行：CSV 格式错误（{exc}）。"]) from None
    if not out and not problems:
        problems.append("文件中没有任何账号（第 2 行起每行一个账号）。")
    return out, problems


def import_users(app: App, actor: Actor | int, data: bytes, source: str = "") -> list[Created]:
    """Create every account of the CSV ``data``, or none (:class:`ImportRefused` names every bad line)."""
    with app.db.read() as conn:
        require_role(reload(conn, actor), "admin")
    rows, problems = read_rows(data)
    passwords = {r.line: r.password or one_time_password(r.username) for r in rows}
    # Hash outside the writing transaction (argon2 is slow by design); skip it when nothing will be stored.
    hashes = {line: (accounts.HASHER.hash(pw) if not problems else "!") for line, pw in passwords.items()}
    created: list[Created] = []
    with app.db.write() as conn:  # an ImportRefused raised inside rolls every account back
        who = reload(conn, actor)
        require_role(who, "admin")
        for r in rows:
            try:
                _uid, kind, value = accounts.insert_user(
                    conn, r.username, None, r.role, r.scope_kind, r.scope_value, r.display_name,
                    password_hash=hashes[r.line])
            except ServiceError as exc:
                problems.append(f"第 {r.line} 行：{exc}")
                continue
            created.append(Created(r.username, r.role, kind, value, None if r.password else passwords[r.line]))
            audit.append(conn, "UserCreated", actor_id=who.id, actor_name=who.username, user=r.username,
                         role=r.role, scope_kind=kind, scope_value=value, source=source or "用户清单")
        if problems:
            raise ImportRefused(sorted(problems, key=_line_of))
    return created


def _line_of(problem: str) -> int:
    try:
        return int(problem.split(" ")[1])
    except (IndexError, ValueError):
        return 0
