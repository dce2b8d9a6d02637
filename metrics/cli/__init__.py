"""``python -m metrics`` — the engine's command line (shared/spec/cli.md).

Each command lives in its own module exposing ``add_parser(subparsers)`` and ``run(args) -> int``.
``--json`` output goes to stdout only; progress and messages go to stderr. Exit status: 0 ok,
1 the files have errors, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import sys

from metrics.cli import rank, report, template, validate, warnings
from metrics.cli.common import UsageError

COMMANDS = (validate, report, rank, warnings, template)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default is English and terse
        self.print_usage(sys.stderr)
        print(f"用法错误：{message}", file=sys.stderr)
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
