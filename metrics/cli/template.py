"""`python -m metrics template --out FILE.xlsx` — writes the blank template (shared/spec/cli.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from metrics.cli.common import UsageError, progress


class _ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 — argparse's signature
        super().add_usage(usage, actions, groups, prefix or "用法：")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "template",
        help="生成空白填报模板（.xlsx）",
        description="生成空白填报模板：含“警务室月报”“矛盾纠纷台账”两张表、下拉列表、填写提示、示例行和填报说明。",
        add_help=False,
        formatter_class=_ChineseHelpFormatter,
    )
    p._optionals.title = "选项"
    p.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    p.add_argument("--out", required=True, metavar="文件.xlsx", help="模板的保存路径（须以 .xlsx 结尾）")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from metrics.template import build_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"输出文件“{out}”须以 .xlsx 结尾。")
    if out.is_dir():
        raise UsageError(f"“{out}”是一个文件夹，请指定文件名，如 {out / '填报模板.xlsx'}。")
    if not out.parent.exists():
        raise UsageError(f"文件夹“{out.parent}”不存在，请先创建或换一个保存位置。")
    data = build_template()
    try:
        out.write_bytes(data)
    except PermissionError:
        raise UsageError(f"没有权限写入“{out}”，请换一个保存位置或关闭正在打开该文件的程序。") from None
    except OSError:
        raise UsageError(f"无法在“{out}”创建文件，请检查路径是否正确、磁盘是否可写。") from None
    progress(f"已生成填报模板：{out}")
    return 0
