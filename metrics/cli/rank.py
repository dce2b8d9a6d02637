"""`python -m metrics rank FILE... --period P [--rubric FILE.toml] [--json] [--out FILE.xlsx]`.

Reads the files as successive uploads, computes the office indicators for the period, scores them with
the rubric (``config/rubric.toml`` by default), ranks them and prints the ranking — JSON on stdout with
``--json`` (shared/spec/rubric.md), otherwise a Chinese table — and with ``--out`` writes the ranking
workbook (or CSV when the name ends in ``.csv``). Exit status: 0, 1 when the files have errors (the
problems are printed, no numbers), 2 for wrong usage (bad period, broken rubric, bad output name).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from metrics.cli.common import UsageError, progress
from metrics.cli.report import load_dataset, period_arg


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rank",
        help="按评分规则评定星级并排名",
        description="读取月报/台账文件，按评分规则计算得分、星级和排名（全局、分局内、派出所内）。",
    )
    p.add_argument("files", nargs="+", metavar="文件", help="月报或台账工作簿，按给出的顺序作为先后上传")
    p.add_argument("--period", required=True, metavar="期间", help="如 2026、2026Q3、2026-10、2025-11..2026-10")
    p.add_argument("--rubric", metavar="规则.toml", help="评分规则文件（默认 config/rubric.toml）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出")
    p.add_argument("--out", metavar="排名.xlsx", help="同时写出排名工作簿（.xlsx）或 CSV（.csv）")
    p.set_defaults(run=run)


def _table(ranked: Any, rubric: Any, period: str) -> str:
    from metrics.scoring import stars_text

    lines = [f"期间 {period}，评分规则 {rubric.version}，共 {len(ranked)} 个警务室"]
    header = f"{'排名':>4}  {'警务室编码':<12} {'警务室':<14} {'派出所':<12} {'分局':<10} {'得分':>7}  星级"
    lines.append(header)
    for row in ranked.to_dict("records"):
        if row["rated"]:
            rank = str(int(row["rank"]))
            score = f"{row['score']:.2f}"
            stars = stars_text(int(row["stars"]), rubric.top_stars)
            note = f"（封顶：{row['capped_by']}）" if row.get("capped_by") else ""
        else:
            rank, score, stars, note = "—", "—", "待评", f"（{row['reason']}）"
        lines.append(
            f"{rank:>4}  {str(row['code']):<12} {str(row['name']):<14} {str(row['station']):<12} "
            f"{str(row['branch']):<10} {score:>7}  {stars}{note}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from metrics.indicators import compute
    from metrics.ranking import rank
    from metrics.ranking_export import ranking_json, write_ranking_csv, write_ranking_xlsx
    from metrics.rubric import RubricError, load_rubric
    from metrics.scoring import score

    try:
        rubric = load_rubric(args.rubric)
    except RubricError as exc:
        raise UsageError(f"评分规则无效：{exc}") from None
    out = Path(args.out) if args.out else None
    if out is not None:
        if out.suffix.lower() not in (".xlsx", ".csv"):
            raise UsageError(f"--out 的文件名应以 .xlsx 或 .csv 结尾：{args.out}")
        if out.parent and not out.parent.exists():
            raise UsageError(f"--out 的目录不存在：{out.parent}")

    period = period_arg(args.period)
    label = period.label
    dataset = load_dataset(args.files, args.json, what="排名")
    if dataset is None:
        return 1
    progress("计算指标并评分……")
    report = compute(dataset, period, level="office")
    ranked = rank(score(report.units, rubric))

    if out is not None:
        try:
            if out.suffix.lower() == ".csv":
                write_ranking_csv(out, ranked, rubric)
            else:
                write_ranking_xlsx(out, ranked, rubric, period=label, sources=dataset.sources)
        except OSError as exc:
            print(f"无法写出文件“{out}”：{exc.strerror or exc}", file=sys.stderr)
            return 1
        progress(f"已写出 {out}")

    if args.json:
        print(json.dumps(ranking_json(ranked, rubric, label), ensure_ascii=False, indent=2, allow_nan=False))
    else:
        print(_table(ranked, rubric, label))
    return 0
