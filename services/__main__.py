"""``python -m services`` — the operators' command line (the server console; separate from ``python -m metrics``).

Commands: ``init`` (create the data folder, secrets and database schema), ``create-admin`` (the first
admin of an empty database), the account commands of ``services/cli_accounts.py`` (``add-user``,
``set-role``, ``lock``, ``unlock``, ``reset-password``, ``list-users``, ``import-users``),
``import FILE... --as USER`` (store workbooks as that user, with the same checks as the app),
``export --period P --out FILE --as USER`` (ranking from stored data),
``rubric list|show|export|import|publish|retire`` (rubric versions),
``template --station S --month YYYY-MM --out FILE.xlsx --as USER`` (a station's pre-filled template),
``bulletin --period P --out FILE.docx --as USER`` (the 通报), ``backup [--out FILE]``,
``instructions sync|list|ack|answer|verify|supervise … --as USER`` (the warning loop).
Settings come from the environment (see ``services/settings.py``). Help and usage errors are in Chinese.
Exit status: 0 ok, 1 refused (errors in files, permission, conflict), 2 wrong usage or settings.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from pathlib import Path

from services import cli_accounts
from services.errors import ServiceError
from services.settings import SettingsError, from_env

_ARGPARSE_ZH = (
    (re.compile(r"the following arguments are required: (.*)"), "缺少必需的参数：{0}"),
    (re.compile(r"unrecognized arguments: (.*)"), "无法识别的参数：{0}"),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 需要一个值"),
    (re.compile(r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)"), "参数 {0} 的值 {1} 无效，可选：{2}"),
    (re.compile(r"argument (\S+): invalid (\S+) value: (.*)"), "参数 {0} 的值 {2} 无效"),
    (re.compile(r"argument (\S+): (.*)"), "参数 {0}：{1}"),
)


def _zh(message: str) -> str:
    """argparse's English usage errors in Chinese."""
    for pattern, text in _ARGPARSE_ZH:
        m = pattern.fullmatch(message)
        if m:
            return text.format(*m.groups())
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help and errors are in Chinese."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", False)
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        print(f"用法错误：{_zh(message)}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m services",
                description="社区警务星级评估看板 — 运维命令：初始化数据库、创建管理员、管理账号、导入文件、导出评定、备份。"
                            "数据库由环境变量 DASHBOARD_DATABASE_URL 指定（默认 data/ 下的 SQLite）。"
                            "退出状态：0 完成，1 被拒绝，2 用法或设置错误。")
    sub = p.add_subparsers(dest="command", required=True, metavar="命令", parser_class=_Parser)
    sub.add_parser("init", help="创建数据目录、密钥文件和数据库表（可重复执行）")
    a = sub.add_parser("create-admin", help="在空数据库中创建第一个管理员")
    a.add_argument("username", metavar="用户名", help="管理员的用户名")
    a.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（否则交互输入）")
    cli_accounts.add_parsers(sub)
    i = sub.add_parser("import", help="以指定用户身份导入月报/台账文件（与网页上报相同的校验）")
    i.add_argument("files", nargs="+", metavar="文件", help="月报或台账文件（.xlsx、.xls、.ods、.csv），多个文件为一次上报")
    i.add_argument("--as", dest="user", required=True, metavar="用户名", help="以此账号的身份与范围导入")
    i.add_argument("--accept-warnings", action="store_true", help="有警告时仍然保存")
    e = sub.add_parser("export", help="从已保存的数据导出星级评定排名（.xlsx 或 .csv）")
    e.add_argument("--period", required=True, metavar="期间", help="如 2026、2026Q3、2026-10")
    e.add_argument("--out", required=True, metavar="排名.xlsx", help="输出文件（.xlsx 或 .csv）")
    e.add_argument("--as", dest="user", required=True, metavar="用户名", help="以此账号的身份与范围导出")
    e.add_argument("--rubric-version", type=int, metavar="版本", help="评分规则版本（默认为当前生效的版本，0 为系统默认规则）")
    _add_rubric_parser(sub)
    _add_template_parser(sub)
    _add_bulletin_parser(sub)
    b = sub.add_parser("backup", help="在应用运行时备份数据库（SQLite 一致快照；PostgreSQL 给出 pg_dump 命令）")
    b.add_argument("--out", metavar="文件", help="备份文件路径（默认 data/backups/备份-时间.sqlite3）")
    _add_instructions(sub)
    return p


def _add_template_parser(sub) -> None:
    t = sub.add_parser("template", help="生成一个派出所某月的预填月报模板（列出本所警务室，带入户数、人口）")
    t.add_argument("--station", required=True, metavar="派出所", help="派出所名称（与警务室登记一致）")
    t.add_argument("--month", required=True, metavar="月份", help="如 2026-10")
    t.add_argument("--out", required=True, metavar="模板.xlsx", help="输出文件（.xlsx）")
    t.add_argument("--as", dest="user", required=True, metavar="用户名", help="以此账号的身份生成（所长仅限本所）")


def _out_path(arg: str, suffix: str) -> Path | None:
    """``--out`` as a path when it ends in ``suffix``; otherwise None, after saying so (exit 2 follows)."""
    out = Path(arg)
    if out.suffix.lower() != suffix:
        print(f"--out 的文件名应以 {suffix} 结尾。", file=sys.stderr)
        return None
    return out


def _run_template(app, args: argparse.Namespace) -> int:
    from services import templates
    out = _out_path(args.out, ".xlsx")
    if out is None:
        return 2
    try:
        month = templates.parse_month(args.month)
    except ServiceError as exc:
        print(f"用法错误：{exc}", file=sys.stderr)
        return 2
    _name, data = templates.station_template(app, _user_id(app, args.user), args.station, month)
    out.write_bytes(data)
    print(f"已写出 {out}（{args.station} {month} 月报模板，{len(data)} 字节）。")
    return 0


def _add_bulletin_parser(sub) -> None:
    b = sub.add_parser("bulletin", help="生成一个期间的社区警务工作通报（Word 文档，数字与总览一致）")
    b.add_argument("--period", required=True, metavar="期间", help="如 2026-10、2026Q3、2026")
    b.add_argument("--out", required=True, metavar="通报.docx", help="输出文件（.docx）")
    b.add_argument("--as", dest="user", required=True, metavar="用户名", help="以此账号的身份与范围生成")


def _run_bulletin(app, args: argparse.Namespace) -> int:
    from metrics.periods import parse_period
    from services import bulletin
    out = _out_path(args.out, ".docx")
    if out is None:
        return 2
    try:
        period = parse_period(args.period)
    except ValueError as exc:
        print(f"用法错误：{exc}", file=sys.stderr)
        return 2
    _name, data = bulletin.bulletin(app, _user_id(app, args.user), period)
    out.write_bytes(data)
    print(f"已写出 {out}（{period.label_zh}通报，{len(data)} 字节）。")
    return 0


def _add_rubric_parser(sub) -> None:
    r = sub.add_parser("rubric", help="评分规则版本：列出、查看、导出、导入为草稿、发布、停用")
    rs = r.add_subparsers(dest="rubric_command", required=True, metavar="子命令", parser_class=_Parser)
    li = rs.add_parser("list", help="列出评分规则版本（草稿仅考评员可见）")
    li.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出")
    sh = rs.add_parser("show", help="显示一个版本的内容（TOML）")
    sh.add_argument("number", type=int, metavar="版本号")
    ex = rs.add_parser("export", help="把一个版本写成 TOML 文件（0 为系统默认规则），可供 python -m metrics rank --rubric 使用")
    ex.add_argument("number", type=int, metavar="版本号")
    ex.add_argument("--out", required=True, metavar="文件.toml")
    im = rs.add_parser("import", help="把 TOML 文件导入为新草稿（打印草稿的版本号）")
    im.add_argument("file", metavar="文件.toml")
    im.add_argument("--comment", required=True, metavar="说明", help="为什么修改、改了什么")
    pu = rs.add_parser("publish", help="发布一个草稿，自指定期间起生效（需第二位考评员确认时先进入待确认）")
    pu.add_argument("number", type=int, metavar="版本号")
    pu.add_argument("--from", dest="effective_from", required=True, metavar="期间", help="首个生效期间，如 2027Q1、2027-01、2027")
    rt = rs.add_parser("retire", help="停用一个版本")
    rt.add_argument("number", type=int, metavar="版本号")
    for cmd, required in ((li, False), (sh, False), (ex, False), (im, True), (pu, True), (rt, True)):
        cmd.add_argument("--as", dest="user", required=required, metavar="用户名",
                         help="以该用户身份执行（其角色决定能看到和能做的事）")


def _run_rubric(app, args: argparse.Namespace) -> int:
    import json

    from metrics.periods import parse_period
    from services import rubrics
    uid = _user_id(app, args.user) if args.user else None
    cmd = args.rubric_command
    if cmd == "list":
        versions = rubrics.list_versions(app, uid)
        if args.json:
            print(json.dumps([v.as_json() for v in versions], ensure_ascii=False, indent=2))
        else:
            for v in versions:
                print(f"{v.name}\t{v.status_label}\t{v.comment}\t{v.digest[:12]}")
        return 0
    if cmd == "show":
        print(rubrics.toml_of(app, uid, args.number), end="")
        return 0
    if cmd == "export":
        out = _out_path(args.out, ".toml")
        if out is None:
            return 2
        text = rubrics.toml_of(app, uid, args.number)
        out.write_text(text, encoding="utf-8")
        print(f"已写出 {out}（{rubrics.version(app, uid, args.number).name}）。")
        return 0
    if cmd == "import":
        path = Path(args.file)
        if not path.is_file():
            print(f"找不到文件：{path}", file=sys.stderr)
            return 2
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            print(f"评分规则文件“{path.name}”不是 UTF-8 编码。", file=sys.stderr)
            return 1
        number = rubrics.save_draft(app, uid, text, args.comment, based_on=None)
        print(number)
        print(f"已导入为{rubrics.version(app, uid, number).name}。", file=sys.stderr)
        return 0
    if cmd == "publish":
        try:
            parse_period(args.effective_from)
        except ValueError as exc:
            print(f"用法错误：{exc}", file=sys.stderr)
            return 2
        info = rubrics.publish(app, uid, args.number, args.effective_from)
        if info.status == "pending":
            print(f"{info.name}已申请自 {info.effective_from} 起发布，须由另一位考评员执行同一命令确认。")
        else:
            print(f"已发布{info.name}。")
        return 0
    info = rubrics.retire(app, uid, args.number)
    print(f"已停用{info.name}。")
    return 0


def _add_instructions(sub) -> None:
    """``instructions sync|list|ack|answer|verify|supervise`` — the warning loop (issue 13)."""
    p = sub.add_parser("instructions", help="预警指令闭环：生成、列出、签收、反馈、核查、督办")
    isub = p.add_subparsers(dest="action", required=True, metavar="操作", parser_class=_Parser)
    s = isub.add_parser("sync", help="按预警生成/更新指令（默认截至今天，分局所在时区）")
    s.add_argument("--as-of", metavar="YYYY-MM-DD", help="预警的截止日期（便于复现）")
    ls = isub.add_parser("list", help="列出可见范围内的指令（逾期在前）")
    ls.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出")
    ls.add_argument("--station", metavar="派出所")
    ls.add_argument("--status", metavar="状态", help="new、acknowledged、answered、returned、closed 之一")
    a = isub.add_parser("ack", help="签收指令（本所所长）")
    a.add_argument("id", type=int, metavar="指令号")
    an = isub.add_parser("answer", help="反馈处置情况（本所所长，可多次）")
    an.add_argument("id", type=int, metavar="指令号")
    an.add_argument("--text", required=True, metavar="反馈内容")
    v = isub.add_parser("verify", help="核查：办结或退回（考评员、局领导；不能核查自己的反馈）")
    v.add_argument("id", type=int, metavar="指令号")
    how = v.add_mutually_exclusive_group(required=True)
    how.add_argument("--close", action="store_true", help="办结")
    how.add_argument("--return", dest="send_back", action="store_true", help="退回（须写 --reason）")
    v.add_argument("--reason", metavar="原因")
    n = isub.add_parser("supervise", help="督办意见（局领导）")
    n.add_argument("id", type=int, metavar="指令号")
    n.add_argument("--text", required=True, metavar="督办意见")
    for parser in (s, ls, a, an, v, n):
        parser.add_argument("--as", dest="user", required=True, metavar="用户名")


def _run_instructions(app, args: argparse.Namespace) -> int:
    import json
    from datetime import date

    from services import instructions as ins
    uid = _user_id(app, args.user)
    if args.action == "sync":
        try:
            as_of = date.fromisoformat(args.as_of) if args.as_of else None
        except ValueError:
            print(f"用法错误：--as-of 应为 YYYY-MM-DD，实际为“{args.as_of}”。", file=sys.stderr)
            return 2
        print(ins.sync(app, as_of, uid).message)
        return 0
    if args.action == "list":
        items = ins.list_instructions(app, uid, station=args.station, status=args.status)
        if args.json:
            print(json.dumps(items, ensure_ascii=False, indent=2))
        else:
            for i in items:
                print(f"#{i['id']} [{i['status_label']}{'·逾期' if i['overdue'] else ''}"
                      f"{'·预警条件已消除' if i['condition_cleared'] else ''}] {i['station']} {i['office_name']} "
                      f"期限 {i['due']}：{i['message']}")
            print(f"共 {len(items)} 条指令。", file=sys.stderr)
        return 0
    if args.action == "ack":
        got = ins.acknowledge(app, uid, args.id)
    elif args.action == "answer":
        got = ins.answer(app, uid, args.id, args.text)
    elif args.action == "verify":
        got = ins.verify(app, uid, args.id, close=args.close, reason=args.reason)
    else:
        got = ins.supervise(app, uid, args.id, args.text)
    print(f"第 {got['id']} 号指令：{got['status_label']}（期限 {got['due']}）。")
    return 0


def _user_id(app, username: str) -> int:
    from sqlalchemy import select

    from store.tables import users
    with app.db.read() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if uid is None:
        raise ServiceError(f"用户“{username}”不存在。")
    return uid


def _print_problems(problems) -> None:
    for p in problems:
        where = "，".join(x for x in (p.file, f"工作表“{p.sheet}”" if p.sheet else "",
                                      f"第 {p.row} 行" if p.row else "", f"列“{p.column}”" if p.column else "") if x)
        print(f"[{'错误' if p.severity == 'error' else '警告'}] {where}：{p.message}", file=sys.stderr)


def _refresh_snapshot(app) -> None:
    """Leave the columnar snapshot of the stored rows current (the app's next start then loads fast);
    a failure only costs that speed, never the stored data."""
    from services import snapshots
    try:
        print("正在更新数据快照……", file=sys.stderr, flush=True)
        snapshots.refresh(app)
    except Exception as exc:  # noqa: BLE001 — the data is stored; the snapshot is only a cache
        print(f"数据快照未更新（{type(exc).__name__}），应用首次打开时会从数据库读取。", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from services.context import open_app

    app = open_app(from_env())
    try:
        if args.command in cli_accounts.COMMANDS:
            return cli_accounts.run(app, args)
        if args.command == "init":
            from store import migrate
            print(f"数据库已就绪（版本 {migrate.current_revision(app.db)}）：{app.db.engine.url.render_as_string()}")
            if app.settings.demo:
                from services.demo import DEMO_PASSWORD, DEMO_USERS, ensure_demo
                print("演示模式：正在载入示例分局数据（首次约需半分钟）……", file=sys.stderr, flush=True)
                seeded = ensure_demo(app)
                print("演示数据已载入。" if seeded else "已有账号，未重复载入演示数据。")
                print("演示账号（密码 " + DEMO_PASSWORD + "）：" + "、".join(DEMO_USERS.values()))
            return 0
        if args.command == "create-admin":
            from services.accounts import create_first_admin
            pw = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("新管理员密码：")
            create_first_admin(app, args.username, pw)
            print(f"已创建管理员“{args.username}”。")
            return 0
        if args.command == "import":
            from services import uploads
            missing = [f for f in args.files if not Path(f).is_file()]
            if missing:
                print("找不到文件：" + "、".join(missing), file=sys.stderr)
                return 2
            uid = _user_id(app, args.user)
            plan = uploads.prepare_upload(app, uid, [(Path(f).name, Path(f).read_bytes()) for f in args.files],
                                          on_progress=lambda _f, text: print(text, file=sys.stderr))
            _print_problems(plan.problems)
            for fp in plan.files:
                if fp.duplicate_of is not None:
                    print(uploads.duplicate_message(fp, app.settings), file=sys.stderr)
                else:
                    d = fp.diff
                    print(f"{fp.source.name}：新增月报 {len(d.new_months)} 条，替换 {len(d.replaced_months)} 条；"
                          f"新增纠纷 {len(d.new_disputes)} 条，更新 {len(d.updated_disputes)} 条。", file=sys.stderr)
            if plan.blocked:
                print("文件有错误，未保存任何数据。", file=sys.stderr)
                return 1
            if plan.has_warnings and not args.accept_warnings:
                print("文件有警告；核对后加 --accept-warnings 再次执行即可保存。", file=sys.stderr)
                return 1
            receipt = uploads.commit_upload(app, uid, plan, acknowledge_warnings=args.accept_warnings)
            print(receipt.message)
            if receipt.upload_ids:
                _refresh_snapshot(app)
            return 0
        if args.command == "export":
            from metrics.periods import parse_period
            from services.rating_views import export_ranking
            from services.rubrics import choose
            out = Path(args.out)
            if out.suffix.lower() not in (".xlsx", ".csv"):
                print("--out 的文件名应以 .xlsx 或 .csv 结尾。", file=sys.stderr)
                return 2
            try:
                period = parse_period(args.period)
            except ValueError as exc:
                print(f"用法错误：{exc}", file=sys.stderr)
                return 2
            uid = _user_id(app, args.user)
            picked = choose(app, uid, period, args.rubric_version)  # in force for the period unless named
            _name, data = export_ranking(app, uid, period, picked.number, out.suffix.lower().lstrip("."),
                                         target=str(out))
            out.write_bytes(data)
            note = "" if picked.is_current else "，非现行"
            print(f"已写出 {out}（评分规则{picked.info.name}{note}，{len(data)} 字节）。")
            return 0
        if args.command == "rubric":
            return _run_rubric(app, args)
        if args.command == "instructions":
            return _run_instructions(app, args)
        if args.command == "template":
            return _run_template(app, args)
        if args.command == "bulletin":
            return _run_bulletin(app, args)
        if args.command == "backup":
            from services.backup import take_backup
            result = take_backup(app, None, Path(args.out) if args.out else None)
            print(f"已备份到 {result}" if isinstance(result, Path) else result)
            return 0
    finally:
        app.close()
    return 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except SettingsError as exc:
        print(f"设置错误：{exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 — no traceback reaches an operator
        print(f"操作失败（{type(exc).__name__}），请检查设置后重试或联系开发人员。", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
