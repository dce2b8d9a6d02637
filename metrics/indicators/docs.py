"""The README's indicator table, generated from the registry (a test fails when they disagree)."""

from __future__ import annotations

from metrics.indicators.registry import INDICATORS

UNIT_LABELS = {"ratio": "比率", "count": "个数", "hours": "小时/人·天", "pp": "百分点（小数）", "z": "z 值"}
BETTER_LABELS = {"higher": "越高越好", "lower": "越低越好", None: "—"}
SOURCE_LABELS = {"monthly": "月报", "ledger": "台账"}


def indicators_markdown() -> str:
    """A Markdown table: key, 指标, 定义, 来源, 单位, 方向 — one row per registered indicator."""
    lines = [
        "比率以小数表示（0.907 即 90.7%）；分母为 0 时为空（显示“—”）。警务室以上各级的比率均为分子之和除以分母之和。",
        "",
        "| key | 指标 | 定义 | 来源 | 单位 | 方向 |",
        "|---|---|---|---|---|---|",
    ]
    for key, ind in INDICATORS.items():
        definition = ind.definition.replace("|", "\\|")
        lines.append(f"| `{key}` | {ind.label} | {definition} | {SOURCE_LABELS[ind.source]} | "
                     f"{UNIT_LABELS[ind.unit]} | {BETTER_LABELS[ind.better]} |")
    return "\n".join(lines) + "\n"
