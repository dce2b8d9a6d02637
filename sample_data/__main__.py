"""``python -m sample_data [--out DIR]`` — (re)generate the sample bureau and the broken workbooks.

Writes ``DIR/bureau/`` (one workbook per station for the last month, and the history workbook) and
``DIR/broken/`` (the deliberately faulty workbooks). DIR defaults to this package's folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sample_data.broken import write_broken
from sample_data.generate import write_bureau


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data",
        description="生成示例数据：临海市公安局各派出所的月报、历史数据，以及用于演示校验的错误示例文件。",
        add_help=False,
    )
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent, metavar="目录",
                        help="输出目录（默认：sample_data/），其下写入 bureau/ 和 broken/")
    args = parser.parse_args(argv)
    try:
        bureau = write_bureau(args.out / "bureau")
        broken = write_broken(args.out / "broken")
    except OSError as exc:
        print(f"无法写入“{args.out}”：请检查目录是否存在且可写（{exc.__class__.__name__}）。", file=sys.stderr)
        return 2
    print(f"已生成 {len(bureau)} 个示例工作簿到 {args.out / 'bureau'}，"
          f"{len(broken)} 个错误示例到 {args.out / 'broken'}。", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
