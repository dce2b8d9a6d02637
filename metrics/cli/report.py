"""`python -m metrics report FILE... --period P [--level L] [--as-of YYYY-MM-DD] [--json]`.

The indicators of metrics.md for each unit. Files are read in the order given as successive uploads
(a later row replaces an earlier one with the same key). When any file has errors the problems are
printed (as ``validate`` prints them) and nothing else: exit status 1. A bad period, level or date is
a usage error: exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date
from typing import TYPE_CHECKING

from metrics.cli.common import UsageError, progress, read_paths
from metrics.cli.validate import ChineseHelpFormatter, problem_table, summary
from metrics.periods import Period, parse_date, parse_period

if TYPE_CHECKING:  # pandas and the engine are imported by the command that runs, not by --help
    from metrics.dataset import Dataset

LEVEL_CHOICES = "office（警务室）、station（派出所）、branch（分局）、bureau（全局）"
UNITS_PER_BLOCK = 6


def new_parser(sub: argparse._SubParsersAction, name: str, help_text: str, description: str) -> argparse.ArgumentParser:
    """A sub-command parser with Chinese headings and ``-h/--help``."""
    p = sub.add_parser(name, help=help_text, description=description, add_help=False,
                       formatter_class=ChineseHelpFormatter)
    p._positionals.title = "参数"
    p._optionals.title = "选项"
    p.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    p.add_argument("files", nargs="+", metavar="文件", help="月报/台账工作簿（.xlsx/.xls/.ods/.csv），按先后上报顺序给出")
    return p


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = new_parser(
        sub, "report", "计算各单位的考评指标",
        "按 metrics.md 的定义计算每个单位的全部指标。多个文件按给出的顺序视为先后上报，后上报的同键行替换先前的行。"
        "退出码：0 成功，1 文件有错误（只列出问题，不输出指标），2 用法错误。",
    )
    p.add_argument("--period", metavar="统计期", help="如 2026-10、2026Q3、2026 或 2025-11..2026-10（必填）")
    p.add_argument("--level", default="office", metavar="层级", help=f"统计层级：{LEVEL_CHOICES}，默认 office")
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                   help="台账截止日期；默认取统计期末与最近上报月份月末中较早者")
    p.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出（比率为小数，空值为 null）")
    p.set_defaults(run=run)


# --------------------------------------------------------------------------------------------------
# Shared by report, warnings (and rank): usage checks and reading files
# --------------------------------------------------------------------------------------------------


def period_arg(text: str | None) -> Period:
    """``--period`` checked; a missing or bad one is a :class:`UsageError`."""
    if not text:
        raise UsageError("缺少 --period 统计期，例如 --period 2026Q3。")
    try:
        return parse_period(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def level_arg(text: str) -> str:
    from metrics.indicators.units import LEVELS

    if text not in LEVELS:
        raise UsageError(f"层级“{text}”无效，可选：{LEVEL_CHOICES}。")
    return text


def as_of_arg(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def load_dataset(files: list[str], as_json: bool, what: str = "指标") -> Dataset | None:
    """Read ``files`` as successive uploads and merge them; on any error print the problems (JSON or
    table, as ``validate``) and return None — nothing of ``what`` is computed. A missing file is a
    :class:`UsageError`."""
    from metrics.dataset import merge

    uploads = read_paths(files)
    problems = [p for up in uploads for p in up.problems]
    if any(p.severity == "error" for p in problems):
        if as_json:
            json.dump({"ok": False, "problems": [p.to_dict() for p in problems]}, sys.stdout, ensure_ascii=False,
                      indent=1)
            sys.stdout.write("\n")
        else:
            print(problem_table(problems))
            print()
            print(summary(len(uploads), problems))
        progress(f"文件存在错误，未计算{what}。")
        return None
    if problems:
        progress(f"文件有 {len(problems)} 个警告（不影响计算），可用 validate 命令查看。")
    return merge(uploads)


def dump_json(payload: dict) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=1, allow_nan=False)
    sys.stdout.write("\n")


# --------------------------------------------------------------------------------------------------
# The Chinese table
# --------------------------------------------------------------------------------------------------


def _isnull(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_value(key: str, value, low=None, high=None) -> str:
    """One indicator value as a reader expects it: percent with one decimal, "—" for null."""
    from metrics.indicators import INDICATORS

    if _isnull(value):
        return "—"
    unit = INDICATORS[key].unit
    if unit == "ratio":
        text = f"{value * 100:.1f}%"
        if not _isnull(low) and not _isnull(high):
            text += f"（{low * 100:.1f}%–{high * 100:.1f}%）"
        return text
    if unit == "pp":
        return f"{value * 100:+.1f}个百分点"
    if unit == "z":
        return f"{value:+.1f}"
    if unit == "hours":
        return f"{value:.1f}小时"
    return f"{value:.0f}"


def report_table(report) -> str:
    """The report as plain-text blocks: indicators down, up to six units across."""
    from metrics.cli.validate import display_width
    from metrics.indicators import INDICATORS
    from metrics.indicators.units import LEVEL_LABELS

    lines = [f"统计期：{report.period.label_zh}（{report.period.label}）  台账截止：{report.as_of.isoformat()}  "
             f"层级：{LEVEL_LABELS[report.level]}  单位数：{len(report.units)}"]
    rows = report.units.to_dict("records")
    for start in range(0, len(rows), UNITS_PER_BLOCK):
        block = rows[start:start + UNITS_PER_BLOCK]
        table = [["指标", *[str(u["name"]) for u in block]]]
        if report.level == "office":
            table.append(["编码", *[str(u["code"]) for u in block]])
        for key, ind in INDICATORS.items():
            cells = [format_value(key, u[key], u.get(f"{key}_low"), u.get(f"{key}_high")) for u in block]
            table.append([ind.label, *cells])
        widths = [max(display_width(r[i]) for r in table) for i in range(len(table[0]))]
        lines.append("")
        for j, r in enumerate(table):
            lines.append("  ".join(c + " " * (w - display_width(c)) for c, w in zip(r, widths, strict=True)).rstrip())
            if j == 0:
                lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from metrics.indicators import compute

    period = period_arg(args.period)
    level = level_arg(args.level)
    as_of = as_of_arg(args.as_of)
    dataset = load_dataset(args.files, args.json)
    if dataset is None:
        return 1
    progress(f"正在计算 {period.label} 的指标 …")
    report = compute(dataset, period, level=level, as_of=as_of)
    if args.json:
        dump_json(report.to_json())
    else:
        print(report_table(report))
    return 0
