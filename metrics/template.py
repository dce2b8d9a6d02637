"""The blank template (shared/spec/workbook.md, "The template"), generated from ``metrics.schema``.

Both sheet kinds with canonical headers in schema order, a frozen header row, widths fitting the
Chinese headers, an input hint per column (header comment and data-validation input message),
drop-down lists for every vocabulary, whole-number / decimal / date validation, text format for code
columns, one grey italic example row per sheet (its key begins with ``schema.EXAMPLE_PREFIX``), a
``填报说明`` sheet and a hidden ``选项`` sheet holding every list.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from metrics.schema import (
    BOOL_FALSE,
    BOOL_TRUE,
    EXAMPLE_PREFIX,
    FOLLOW_UP_DAYS,
    LEDGER,
    MONTHLY,
    NOT_GIVEN,
    PROACTIVE_SOURCES,
    TIME_LIMIT_DAYS,
    TOTAL_MARKERS,
    VOCABULARIES,
    Column,
    SheetKind,
)

INSTRUCTIONS_SHEET = "填报说明"
LISTS_SHEET = "选项"
VALIDATED_ROWS = 5000
"""Data validation covers the header's next this many rows."""
INLINE_LIST_LIMIT = 255
"""Excel refuses inline list validations longer than this (characters, commas included)."""
BOOL_CHOICES = ("是", "否")

EXAMPLE_ROWS: dict[str, dict[str, object]] = {
    "monthly": {
        "office_code": f"{EXAMPLE_PREFIX}3702020001", "office_name": "幸福社区警务室", "station": "城关派出所",
        "branch": "城区分局", "month": "2026-10", "officers": 2, "auxiliaries": 2, "grid_workers": 6,
        "households": 3200, "population": 9100, "visited_month": 180, "visited_ytd": 1450,
        "community_hours": 300, "officer_days": 44, "alerts": 35, "dispute_alerts": 12, "criminal_cases": 3,
        "fraud_cases": 1, "civil_to_criminal": 0, "officer_fam_sampled": 30, "officer_fam_known": 27,
        "resident_fam_surveyed": 50, "resident_fam_known": 41, "satisfaction_surveyed": 50,
        "satisfaction_satisfied": 48,
    },
    "ledger": {
        "dispute_id": f"{EXAMPLE_PREFIX}-2026-001", "office_code": f"{EXAMPLE_PREFIX}3702020001",
        "received_date": dt.date(2026, 10, 3), "source": "走访排查", "category": "邻里", "risk": "蓝",
        "complexity": "一般", "level": "社区", "status": "已化解", "resolved_date": dt.date(2026, 10, 6),
        "follow_up_date": dt.date(2026, 10, 15), "party_key": "张某某", "escalated": "否",
        "note": "楼上楼下噪音纠纷，经调解双方达成协议（示例行，系统自动跳过）",
    },
}


def display_width(text: str) -> int:
    """Width in Excel character units: East Asian wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def choices(col: Column) -> tuple[str, ...]:
    """The drop-down values of ``col`` (canonical vocabulary, or 是/否), empty when it has none."""
    if col.vocabulary:
        return VOCABULARIES[col.vocabulary].values
    if col.type == "bool":
        return BOOL_CHOICES
    return ()


def _rule_text(col: Column) -> str:
    if col.type in ("int", "number"):
        kind = "整数" if col.type == "int" else "数字"
        if col.minimum is None:
            return kind
        return f"{kind}，{'>' if col.minimum_exclusive else '≥'}{col.minimum:g}"
    return {"code": "文本（编码）", "text": "文本", "month": "月份", "date": "日期", "enum": "从下拉列表选择",
            "bool": "是 / 否"}[col.type]


def _hint(col: Column) -> str:
    return f"{'必填' if col.required else '选填'}。{col.hint or _rule_text(col)}"


def _validation(col: Column, list_refs: dict[str, str], inline_limit: int) -> dict:
    """The xlsxwriter data-validation options for ``col`` (input message always; a rule where Excel has one)."""
    hint = _hint(col)
    opts: dict[str, object] = {
        "input_title": col.header[:32],
        "input_message": hint[:255],
        "show_input": True,
    }
    values = choices(col)
    if values:
        inline = ",".join(values)
        source = inline.split(",") if len(inline) <= inline_limit else list_refs[col.key]
        # A warning, not a stop: accepted spellings (e.g. “110”) typed by hand stay possible.
        opts.update(validate="list", source=source, error_type="warning", error_title="不在下拉列表中",
                    error_message=f"建议从下拉列表选择：{inline}"[:255])
    elif col.type == "int" and col.minimum is not None:
        op = ">" if col.minimum_exclusive else ">="
        opts.update(validate="integer", criteria=op, value=int(col.minimum), error_type="stop",
                    error_title="请输入整数", error_message=f"“{col.header}”应为{_rule_text(col)}。"[:255])
    elif col.type == "number" and col.minimum is not None:
        op = ">" if col.minimum_exclusive else ">="
        opts.update(validate="decimal", criteria=op, value=float(col.minimum), error_type="stop",
                    error_title="请输入数字", error_message=f"“{col.header}”应为{_rule_text(col)}。"[:255])
    elif col.type == "date":
        opts.update(validate="date", criteria="between", minimum=dt.date(2000, 1, 1),
                    maximum=dt.date(2099, 12, 31), error_type="stop", error_title="请输入日期",
                    error_message=f"“{col.header}”应为日期，如 2026-10-03。")
    else:
        opts["validate"] = "any"
    return opts


def list_ranges(kinds: tuple[SheetKind, ...]) -> dict[str, str]:
    """Column key → absolute range of its list on the hidden ``选项`` sheet (one column per list)."""
    refs: dict[str, str] = {}
    for kind in kinds:
        for col in kind.columns:
            values = choices(col)
            if values and col.key not in refs:
                letter = xl_col_to_name(len(refs))
                refs[col.key] = f"={LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    return refs


def _write_lists(wb: xlsxwriter.Workbook, kinds: tuple[SheetKind, ...]) -> None:
    """Every list on the hidden ``选项`` sheet, in the columns :func:`list_ranges` names."""
    ws = wb.add_worksheet(LISTS_SHEET)
    done: set[str] = set()
    for kind in kinds:
        for col in kind.columns:
            values = choices(col)
            if not values or col.key in done:
                continue
            j = len(done)
            done.add(col.key)
            ws.write_string(0, j, col.header)
            for i, v in enumerate(values, start=1):
                ws.write_string(i, j, v)
            ws.set_column(j, j, max(10, display_width(col.header) + 2))
    ws.hide()


@dataclass(frozen=True)
class PrefillRow:
    """One row written below the example row of a station's template.

    ``values``: column key → value (only the columns to pre-fill; everything else stays blank).
    ``floors``: column key → (month, value) of the last stored value the new one may not fall below,
    shown as a cell comment (e.g. 本年累计走访户数 within a year).
    """

    values: Mapping[str, object]
    floors: Mapping[str, tuple[str, float]] = field(default_factory=dict)


def floor_hint(header: str, month: str, value: float) -> str:
    """The comment text of a floor hint."""
    return f"{month}已上报{header} {value:g}，本月填写的数值不得低于此数（同一年度内）。"


def _write_cell(ws, i: int, j: int, v: object, fmts: dict, style: str) -> None:
    if v is None:
        ws.write_blank(i, j, None, fmts[style])
    elif isinstance(v, dt.date):
        ws.write_datetime(i, j, dt.datetime.combine(v, dt.time()), fmts[f"{style}_date"])
    elif isinstance(v, int | float):
        ws.write_number(i, j, v, fmts[style])
    else:
        ws.write_string(i, j, str(v), fmts[f"{style}_text"])


def _write_data_sheet(
    wb: xlsxwriter.Workbook, kind: SheetKind, list_refs: dict[str, str], fmts: dict, inline_limit: int,
    prefill: Sequence[PrefillRow] = (),
) -> None:
    ws = wb.add_worksheet(kind.title)
    example = EXAMPLE_ROWS[kind.key]
    for j, col in enumerate(kind.columns):
        width = max(10, display_width(col.header) + 4)
        if col.type in ("code", "text", "month"):
            col_fmt = fmts["text"]
        elif col.type == "date":
            col_fmt = fmts["date"]
        else:
            col_fmt = None
        ws.set_column(j, j, width, col_fmt)
        ws.write_string(0, j, col.header, fmts["head_required" if col.required else "head"])
        ws.write_comment(0, j, f"{col.header}：{_hint(col)}", {"x_scale": 2, "y_scale": 1.5})
        ws.data_validation(1, j, VALIDATED_ROWS, j, _validation(col, list_refs, inline_limit))
        _write_cell(ws, 1, j, example.get(col.key), fmts, "example")
        for i, row in enumerate(prefill, start=2):
            v = row.values.get(col.key)
            if v is not None:
                _write_cell(ws, i, j, v, fmts, "fill")
            if col.key in row.floors:
                month, value = row.floors[col.key]
                ws.write_comment(i, j, floor_hint(col.header, month, value), {"x_scale": 2})
    ws.set_row(0, 36)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, 0, len(kind.columns) - 1)


def _instruction_lines() -> list[tuple[str, str]]:
    """(style, text) lines of the 填报说明 sheet."""
    lines: list[tuple[str, str]] = [
        ("title", "社区警务星级评估 — 月报与矛盾纠纷台账填报说明"),
        ("h", "一、总体要求"),
        ("p", f"1. 本模板含“{MONTHLY.title}”和“{LEDGER.title}”两张表，可只填其中一张；一个文件可包含多个月份、多个警务室。"),
        ("p", "2. 请勿修改表头文字；表头上方可以有标题行和“填报单位/填报日期”说明行（最多10行）。"),
        ("p", f"3. 第2行为示例行（编号以“{EXAMPLE_PREFIX}”开头，灰色斜体），系统自动跳过，可保留或删除；请从示例行下方开始填写。"),
        ("p", "4. 表头为深色的列为必填列；把鼠标停在表头上可看到每列的填写提示。"),
        ("p", "5. 警务室编码、纠纷编号按文本填写（模板已设为文本格式），不要写成小数或科学计数。"),
        ("p", f"6. 选填的数值列不填时留空即可，也可填写：{'、'.join(v for v in NOT_GIVEN if v)}。"),
        ("p", f"7. 合计行（{'、'.join(TOTAL_MARKERS)}）会被自动跳过，不计入数据。"),
        ("p", "8. 月份可写作 2026-10、2026/10、2026.10、2026年10月、202610；日期可写作 2026-10-03、2026/10/3、2026年10月3日、20261003。"),
        ("p", "9. 公式单元格须在 Excel/WPS 中打开并保存后再上传，以便保存计算结果。"),
        ("p", "10. 支持 .xlsx、.xls、.ods、.csv（UTF-8 或 GBK 编码）文件。"),
        ("h", f"二、{MONTHLY.title}（每个警务室每月一行）"),
    ]
    for kind in (MONTHLY, LEDGER):
        if kind is LEDGER:
            lines.append(("h", f"三、{LEDGER.title}（每起纠纷一行；后续月份可重复上报同一编号以更新办理情况）"))
        lines.append(("cols", "列名\t是否必填\t填写要求\t也可写作"))
        for col in kind.columns:
            lines.append(("col", "\t".join((col.header, "必填" if col.required else "选填",
                                            col.hint or _rule_text(col), "、".join(col.aliases) or "—"))))
    lines += [
        ("h", "四、月报核对规则"),
        ("p", "1. 本年累计走访户数按1月1日以来走访过的不重复户数计，不得超过辖区户数，且不应低于同一警务室上月的数值。"),
        ("p", "2. 民警在岗天数不得超过社区民警数×当月天数；驻社区总时长÷民警在岗天数不得超过24小时（超过14小时将提示核对）。"),
        ("p", "3. 纠纷类警情数不得超过警情总数。"),
        ("p", "4. 民警熟悉度抽查户数/民警熟悉户数、群众知晓度调查人数/知晓社区民警人数、满意度调查人数/满意人数须成对填写，后者不得超过前者。"),
        ("h", "五、台账核对规则"),
        ("p", "1. 纠纷编号在同一文件中不得重复；警务室编码须为已上报月报的警务室。"),
        ("p", "2. 受理日期不得晚于上报日期；化解日期不得早于受理日期；回访日期不得早于化解日期。"),
        ("p", "3. 办理状态为“已化解”时必须填写化解日期；“化解中”时不填化解日期。"),
        ("p", "4. 化解时限（自受理日期起的自然日）：" + "，".join(f"{k} {v} 天" for k, v in TIME_LIMIT_DAYS.items())
              + f"；化解后应在 {FOLLOW_UP_DAYS} 天内回访。"),
        ("p", f"5. 事前排查来源：{'、'.join(v for v in VOCABULARIES['source'].values if v in PROACTIVE_SOURCES)}。"),
        ("p", "6. 当事人标识用于发现重复纠纷，系统入库时加密散列，不保存原文。"),
        ("p", f"7. 是否民转刑填写“是”或“否”，也可写作：{'、'.join(BOOL_TRUE[:4])} / {'、'.join(BOOL_FALSE[:4])} 等。"),
        ("h", "六、可选值及可接受的写法"),
        ("cols", "项目\t标准写法\t也可写作\t"),
    ]
    for vocab in VOCABULARIES.values():
        for value in vocab.values:
            lines.append(("col", "\t".join((vocab.label, value, "、".join(vocab.aliases.get(value, ())) or "—", ""))))
    lines.append(("p", "写法匹配时忽略首尾空格、全角/半角差异和简繁体差异。"))
    return lines


def _write_instructions(wb: xlsxwriter.Workbook, fmts: dict) -> None:
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 3, 36)
    for i, (style, text) in enumerate(_instruction_lines()):
        if style in ("cols", "col"):
            for j, part in enumerate(text.split("\t")):
                ws.write_string(i, j, part, fmts["head" if style == "cols" else "wrap"])
        else:
            ws.write_string(i, 0, text, fmts[style])


def build_template(*, inline_limit: int = INLINE_LIST_LIMIT, monthly_rows: Sequence[PrefillRow] = ()) -> bytes:
    """The template as .xlsx bytes: blank, or with ``monthly_rows`` written below the example row of the
    monthly sheet (a station's template for a month; the caller decides what to pre-fill).

    A drop-down list whose values joined by commas exceed ``inline_limit`` characters refers to its
    column on the hidden ``选项`` sheet instead of being written inline.
    """
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    grey = {"font_color": "#808080", "italic": True}
    fmts = {
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                               "align": "center", "valign": "vcenter"}),
        "head_required": wb.add_format({"bold": True, "bg_color": "#9BC2E6", "border": 1, "text_wrap": True,
                                        "align": "center", "valign": "vcenter"}),
        "text": wb.add_format({"num_format": "@"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "example": wb.add_format(grey),
        "example_text": wb.add_format({**grey, "num_format": "@"}),
        "example_date": wb.add_format({**grey, "num_format": "yyyy-mm-dd"}),
        "fill": wb.add_format({}),
        "fill_text": wb.add_format({"num_format": "@"}),
        "fill_date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "h": wb.add_format({"bold": True, "font_size": 12}),
        "p": wb.add_format({}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
    }
    kinds = (MONTHLY, LEDGER)
    list_refs = list_ranges(kinds)
    for kind in kinds:
        _write_data_sheet(wb, kind, list_refs, fmts, inline_limit, monthly_rows if kind is MONTHLY else ())
    _write_instructions(wb, fmts)
    _write_lists(wb, kinds)
    wb.worksheets()[0].activate()
    wb.close()
    return buf.getvalue()

