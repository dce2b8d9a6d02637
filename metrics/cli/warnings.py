"""`python -m metrics warnings FILE... [--as-of YYYY-MM-DD] [--json]` — the early-warning list.

Files are successive uploads, as for ``report``; when any file has errors only the problems are
printed (exit status 1). ``--json`` prints ``{"as_of": ..., "warnings": [{rule, label, severity,
office_code, office_name, station, branch, dispute_id, month, message, details}]}``.
"""

from __future__ import annotations

import argparse

from metrics.cli.common import progress
from metrics.cli.report import as_of_arg, dump_json, load_dataset, new_parser


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = new_parser(
        sub, "warnings", "列出预警（重复纠纷、红色未化解、超期、回访、月报异常）",
        "列出 metrics.md 规定的预警：重复纠纷、红色纠纷超3天未化解、超期未化解、回访即将到期或逾期、"
        "月报数值明显偏离本警务室近12个月水平。退出码：0 成功，1 文件有错误，2 用法错误。",
    )
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                   help="截止日期；默认取最近上报月份月末与台账中最晚日期中较晚者")
    p.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from metrics.early_warnings import SEVERITY_LABELS, default_as_of, warnings

    as_of = as_of_arg(args.as_of)
    dataset = load_dataset(args.files, args.json)
    if dataset is None:
        return 1
    as_of = as_of or default_as_of(dataset)
    items = warnings(dataset, as_of) if as_of else []
    progress(f"共 {len(items)} 条预警。")
    if args.json:
        dump_json({"as_of": as_of.isoformat() if as_of else None, "warnings": [w.to_dict() for w in items]})
        return 0
    if not items:
        print(f"截至 {as_of.isoformat() if as_of else '—'}，没有预警。")
        return 0
    print(f"截至 {as_of.isoformat()}，共 {len(items)} 条预警：")
    for i, w in enumerate(items, start=1):
        where = "／".join(x for x in (w.branch, w.station, f"{w.office_name}（{w.office_code}）") if x)
        print(f"{i}. [{SEVERITY_LABELS[w.severity]}] {w.label}  {where}")
        print(f"   {w.message}")
    return 0
