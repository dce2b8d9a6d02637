"""The account commands of ``python -m services`` (operator.md): add-user, set-role, lock, unlock,
reset-password, list-users, import-users.

The operator at the console acts as :data:`services.actors.CONSOLE` (an administrator, audited as
"命令行") and goes through the same service functions as 系统管理 — the same checks, the same audit
events. Passwords come from ``--password-stdin`` (one line) or are asked without echo, never from an
argument. Messages go to stderr, results to stdout; exit status 0 done, 1 refused, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from services import accounts, clock, scopes, user_import
from services.actors import CONSOLE, ROLE_LABELS
from services.context import App
from services.errors import ServiceError
from store import audit

COMMANDS = ("add-user", "set-role", "lock", "unlock", "reset-password", "list-users", "import-users")
ROLE_HELP = "角色：evaluator（考评员）、leadership（局领导）、station_head（所长）、admin（管理员），也可写中文"
KIND_HELP = "范围类型：bureau（全局）、branch（分局）、station（派出所），也可写中文；省略时按角色取默认（所长为派出所，其余为全局）"
SCOPE_HELP = "范围：警务室登记中的派出所或分局名称（范围类型为全局时不填）"


def add_parsers(sub) -> None:
    """Register the account commands on the ``python -m services`` sub-parser set ``sub``."""
    a = sub.add_parser("add-user", help="创建账号（与“系统管理”相同的校验与审计）",
                       description="创建一个账号。范围须为警务室登记中已有的派出所或分局，且与角色相符。")
    a.add_argument("username", metavar="用户名", help="新账号的用户名")
    _role_args(a, required=True)
    a.add_argument("--display-name", metavar="姓名", default="", help="姓名（默认同用户名）")
    a.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码（否则交互输入）")

    r = sub.add_parser("set-role", help="修改账号的角色与范围（该账号的登录将全部退出）",
                       description="修改账号的角色与范围。不能撤销最后一个有效管理员的管理员角色。")
    r.add_argument("username", metavar="用户名", help="要修改的账号")
    _role_args(r, required=True)

    for name, text in (("lock", "停用账号（其登录全部退出；不能停用最后一个有效管理员）"),
                       ("unlock", "启用账号，并清除登录失败造成的临时锁定")):
        p = sub.add_parser(name, help=text, description=text + "。")
        p.add_argument("username", metavar="用户名", help="账号的用户名")

    p = sub.add_parser("reset-password", help="重置账号密码（其登录全部退出，失败计数清零）",
                       description="为账号设置新密码：其登录全部退出，登录失败计数与临时锁定清除。")
    p.add_argument("username", metavar="用户名", help="账号的用户名")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为新密码（否则交互输入）")

    p = sub.add_parser("list-users", help="列出全部账号（角色、范围、状态）",
                       description="列出全部账号。时间按本局时区（DASHBOARD_TIMEZONE）显示。")
    p.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出（对象数组）")

    p = sub.add_parser("import-users", help="从 CSV 用户清单批量创建账号（全部成功或全部不创建）",
                       description="从 CSV 用户清单创建账号。列：用户名、角色、范围类型、范围、初始密码（可选列：姓名）。"
                                   "角色与范围类型可写代码或中文；初始密码为空时自动生成一次性密码，只在此显示一次。"
                                   "任何一行有问题时不创建任何账号，并按行号列出全部问题。")
    p.add_argument("file", metavar="清单.csv", help="UTF-8 或 GBK 编码的 CSV 文件")


def _role_args(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--role", required=required, metavar="角色", help=ROLE_HELP)
    p.add_argument("--scope-kind", metavar="范围类型", help=KIND_HELP)
    p.add_argument("--scope", metavar="范围", help=SCOPE_HELP)


def _password(from_stdin: bool, prompt: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("再次输入：") != first:
        raise ServiceError("两次输入的密码不一致。")
    return first


def _role_of(args) -> tuple[str, str | None] | None:
    try:
        return scopes.parse_role(args.role), scopes.parse_scope_kind(args.scope_kind)
    except ServiceError as exc:
        print(f"用法错误：{exc}", file=sys.stderr)
        return None


def _user_record(u: dict, app: App) -> dict:
    return {
        "username": u["username"], "display_name": u["display_name"], "role": u["role"],
        "role_label": ROLE_LABELS.get(u["role"], u["role"]), "scope_kind": u["scope_kind"],
        "scope_value": u["scope_value"], "disabled": bool(u["disabled"]), "failed_logins": u["failed_logins"],
        "locked_until": _iso(u["locked_until"], app), "created_at": _iso(u["created_at"], app),
    }


def _iso(value, app: App) -> str | None:
    local = clock.to_local(value, app.settings)
    return None if local is None else local.isoformat(timespec="seconds")


def run(app: App, args: argparse.Namespace) -> int | None:
    """Run ``args.command`` when it is an account command (its exit status), else None."""
    cmd = args.command
    if cmd == "add-user":
        parsed = _role_of(args)
        if parsed is None:
            return 2
        role, kind = parsed
        pw = _password(args.password_stdin, "新账号密码：")
        u = accounts.create_user(app, CONSOLE, args.username, pw, role, kind, args.scope, args.display_name)
        print(f"已创建账号“{u.username}”：{scopes.describe(u.role, u.scope_kind, u.scope_value)}。")
        return 0
    if cmd == "set-role":
        parsed = _role_of(args)
        if parsed is None:
            return 2
        role, kind = parsed
        target = accounts.find_user(app, CONSOLE, args.username)
        u = accounts.change_role(app, CONSOLE, target["id"], role, kind, args.scope)
        old = scopes.describe(target["role"], target["scope_kind"], target["scope_value"])
        print(f"已将“{u.username}”从 {old}改为 {scopes.describe(u.role, u.scope_kind, u.scope_value)}；"
              "该账号需重新登录。")
        return 0
    if cmd in ("lock", "unlock"):
        target = accounts.find_user(app, CONSOLE, args.username)
        accounts.set_locked(app, CONSOLE, target["id"], cmd == "lock")
        print(f"已{'停用' if cmd == 'lock' else '启用'}账号“{target['username']}”。")
        return 0
    if cmd == "reset-password":
        target = accounts.find_user(app, CONSOLE, args.username)
        accounts.reset_password(app, CONSOLE, target["id"], _password(args.password_stdin, "新密码："))
        print(f"已重置“{target['username']}”的密码，其登录已全部退出。")
        return 0
    if cmd == "list-users":
        users = [_user_record(u, app) for u in accounts.list_users(app, CONSOLE)]
        if args.json:
            print(json.dumps(users, ensure_ascii=False, indent=2))
            return 0
        now = clock.to_local(audit.now(), app.settings).isoformat(timespec="seconds")
        for u in users:
            locked = u["locked_until"] and u["locked_until"] > now
            state = "已停用" if u["disabled"] else ("临时锁定至 " + u["locked_until"][:16].replace("T", " ")
                                                 if locked else "正常")
            print(f"{u['username']}\t{u['display_name']}\t"
                  f"{scopes.describe(u['role'], u['scope_kind'], u['scope_value'])}\t{state}")
        print(f"共 {len(users)} 个账号。", file=sys.stderr)
        return 0
    if cmd == "import-users":
        path = Path(args.file)
        if not path.is_file():
            print(f"找不到文件：{path}", file=sys.stderr)
            return 2
        print("正在检查用户清单并创建账号（密码散列较慢，请稍候）……", file=sys.stderr, flush=True)
        try:
            created = user_import.import_users(app, CONSOLE, path.read_bytes(), source=path.name)
        except user_import.ImportRefused as exc:
            print(str(exc), file=sys.stderr)
            return 1
        print(f"已创建 {len(created)} 个账号。", file=sys.stderr)
        fresh = [c for c in created if c.one_time_password]
        if fresh:
            print("以下账号的初始密码只显示这一次，请分别转交本人，并提醒其登录后立即修改：", file=sys.stderr)
            print("用户名\t初始密码")
            for c in fresh:
                print(f"{c.username}\t{c.one_time_password}")
        return 0
    return None
