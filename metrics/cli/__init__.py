"""``python -m metrics`` — the engine's command line (shared/spec/cli.md).

Each command lives in its own module exposing ``add_parser(subparsers)`` and ``run(args) -> int``.
``--json`` output goes to stdout only; progress and messages go to stderr. Exit status: 0 ok,
1 the files have errors, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import re
import sys

from metrics.cli import rank, report, template, validate, warnings
from metrics.cli.common import UsageError

COMMANDS = (validate, report, rank, warnings, template)


# argparse's own messages are English; users read Chinese.
_ARGPARSE_ZH = (
    (re.compile(r"the following arguments are required: (.*)"), r"缺少必需的参数：\1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"无法识别的参数：\1"),
    (re.compile(r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)"), r"参数 \1 的值 \2 无效，可选：\3"),
    (re.compile(r"argument (\S+): expected one argument"), r"参数 \1 需要一个值"),
    (re.compile(r"argument (\S+): invalid (\w+) value: (.*)"), r"参数 \1 的值 \3 无效"),
)


def _to_chinese(message: str) -> str:
    for pattern, repl in _ARGPARSE_ZH:
        if pattern.search(message):
            return pattern.sub(repl, message)
    return message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        print(f"用法错误：{_to_chinese(message)}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m metrics",
        description="社区警务星级评估 — 读取和校验月报/台账、计算指标、评定星级、生成模板。",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="命令")
    for cmd in COMMANDS:
        cmd.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"用法错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
