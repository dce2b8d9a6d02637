"""`python -m metrics validate FILE... [--json]` — read and check workbooks, print every problem.

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 wrong usage (e.g. a file that does not
exist). ``--json`` prints ``{"ok": bool, "problems": [...]}`` on stdout only; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata

from metrics.cli.common import read_paths
from metrics.problems import Problem

COLUMNS = (("文件", "file"), ("工作表", "sheet"), ("行", "row"), ("列", "column"), ("值", "value"),
           ("级别", "severity"), ("说明", "message"))
SEVERITY_LABEL = {"error": "错误", "warning": "警告"}
MAX_VALUE_WIDTH = 30


class ChineseHelpFormatter(argparse.HelpFormatter):
    """argparse's help with the usage line headed in Chinese."""

    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 — argparse's signature
        return super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="读取并校验月报/台账工作簿，列出全部问题",
        description="读取并校验月报（警务室月报）和矛盾纠纷台账工作簿，一次列出全部问题。"
        "多个文件按给出的顺序视为先后上报：前面文件中的警务室在后面的文件中视为已上报。"
        "退出码：0 无错误（可有警告），1 发现错误，2 用法错误。",
        add_help=False,
        formatter_class=ChineseHelpFormatter,
    )
    p._positionals.title = "参数"
    p._optionals.title = "选项"
    p.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    p.add_argument("files", nargs="+", metavar="文件", help="要校验的 .xlsx / .xls / .ods / .csv 文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出：{\"ok\": 是否无错误, \"problems\": [...]}")
    p.set_defaults(run=run)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, limit: int) -> str:
    if display_width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def _cell(p: Problem, field: str) -> str:
    value = getattr(p, field)
    if field == "severity":
        return SEVERITY_LABEL.get(value, value)
    if value is None:
        return ""
    text = " ".join(str(value).split())  # line breaks in headers or notes would break the table
    return _fit(text, MAX_VALUE_WIDTH) if field == "value" else text


def problem_table(problems: list[Problem]) -> str:
    """The problems as an aligned plain-text table with Chinese headings."""
    rows = [[title for title, _ in COLUMNS]] + [[_cell(p, f) for _, f in COLUMNS] for p in problems]
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    lines = []
    for r in rows:
        cells = [c + " " * (w - display_width(c)) for c, w in zip(r, widths, strict=False)]
        lines.append("  ".join([*cells, r[-1]]).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 8)
    return "\n".join(lines)


def summary(n_files: int, problems: list[Problem]) -> str:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return f"共校验 {n_files} 个文件，未发现问题。"
    verdict = "存在错误，文件不能入库，请修正后重新上传。" if errors else "没有错误，确认警告后可以入库。"
    return f"共校验 {n_files} 个文件：错误 {errors} 个，警告 {warnings} 个。{verdict}"


def run(args: argparse.Namespace) -> int:
    uploads = read_paths(args.files, keep_parties=False)  # problems only: no party identity is needed
    problems = [p for up in uploads for p in up.problems]
    ok = not any(p.severity == "error" for p in problems)
    if args.json:
        json.dump({"ok": ok, "problems": [p.to_dict() for p in problems]}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        if problems:
            print(problem_table(problems))
            print()
        print(summary(len(uploads), problems))
    return 0 if ok else 1
