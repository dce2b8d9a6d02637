"""Problems found in uploaded files: one record per bad file, sheet, row or cell.

Logic uses the stable ``code``; the Chinese sentence is looked up here, in one place, from
``MESSAGES``. Message templates are ``str.format``
strings; the fields they may use are those passed as ``**details`` to :func:`make`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from metrics.schema import Severity


@dataclass(frozen=True)
class Problem:
    file: str
    sheet: str
    row: int | None
    """Row number as Excel shows it (1-based, title rows counted); None for a file or sheet problem."""
    column: str
    """The header as the user wrote it, or the canonical header when the column is missing."""
    value: str
    """The cell's value as written ("" when there is none)."""
    code: str
    severity: Severity
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# code → (severity, Chinese message template). Keep codes stable: tests, stored reports and the UI use them.
MESSAGES: dict[str, tuple[Severity, str]] = {
    # --- the file as a whole -------------------------------------------------------------------------
    "file_too_large": ("error", "文件大小为 {size_mb:.1f} MB，超过 {limit_mb:.0f} MB 的上限，请拆分后分别上传。"),
    "file_empty": ("error", "文件为空（0 字节），请确认选择了正确的文件。"),
    "unsupported_type": ("error", "无法识别的文件格式（{detected}），请上传 .xlsx、.xls、.ods 或 .csv 文件。"),
    "wps_format": ("error", "该文件是 WPS 表格专用格式（.et/.ett），无法直接读取，请在 WPS 中另存为 .xlsx 后上传。"),
    "html_as_xls": ("error", "该文件实为网页格式（常见于业务系统导出），请用 Excel 打开后另存为 .xlsx 再上传。"),
    "macro_workbook": ("error", "不接受含宏的工作簿（.xlsm），请在 Excel 中另存为 .xlsx（不含宏）后上传。"),
    "encrypted": ("error", "文件设有打开密码或已加密，请取消文件密码后上传。"),
    "corrupt_file": ("error", "文件已损坏或不完整，无法读取，请重新导出或另存后上传。"),
    "zip_bomb": ("error", "文件解压后体积异常（{detail}），出于安全原因拒绝读取。"),
    "bad_structure": ("error", "文件结构无效，无法安全读取，请用 Excel/WPS 打开后另存为 .xlsx 再上传。"),
    "too_many_rows": ("error", "工作表“{sheet}”超过 {limit} 行的上限，请拆分后分别上传。"),
    "sheet_too_large": ("error", "工作表“{sheet}”的数据区域过大（{rows} 行 × {cols} 列，超过 {limit} 个单元格的上限），请删除多余的行、列（或远处误填的单元格）后上传。"),
    "bad_encoding": ("error", "CSV 文件编码无法识别，请另存为“CSV UTF-8”或 GBK 编码后上传。"),
    "no_known_sheet": ("error", "文件中没有找到“警务室月报”或“矛盾纠纷台账”工作表，请使用系统提供的模板填报。"),
    "duplicate_sheet_kind": ("error", "文件中有多个“{kind}”工作表（{sheets}），请合并为一个后上传。"),
    # --- a sheet -------------------------------------------------------------------------------------
    "header_not_found": ("error", "工作表“{sheet}”前 {rows} 行中没有找到表头行，请确认表头包含“{example}”等列名。"),
    "missing_column": ("error", "缺少必填列“{header}”，请按模板补充该列。"),
    "duplicate_column": ("error", "列“{header}”出现了两次（第 {first} 列和第 {second} 列），请删除或改名其中一列。"),
    "unknown_column": ("warning", "列“{header}”不是模板中的列，已忽略。"),
    "no_data_rows": ("warning", "工作表“{sheet}”没有数据行。"),
    # --- a row ---------------------------------------------------------------------------------------
    "total_row_skipped": ("warning", "第 {row} 行是合计行，已跳过，不计入数据。"),
    "note_row_skipped": ("warning", "第 {row} 行是表尾的填报说明（“{value}”），不是数据，已跳过。"),
    "duplicate_key": ("error", "与第 {other_rows} 行重复（{key_desc}），同一文件中每个{key_name}只能出现一次。"),
    "pair_incomplete": ("error", "“{given}”与“{missing}”须同时填写或同时不填，本行只填写了“{given}”。"),
    # --- a cell --------------------------------------------------------------------------------------
    "required_missing": ("error", "“{header}”为必填项，不能为空。"),
    "not_a_number": ("error", "“{header}”应为数字，“{value}”无法识别为数字。"),
    "not_an_integer": ("error", "“{header}”应为整数，“{value}”不是整数。"),
    "not_finite": ("error", "“{header}”的值“{value}”不是有效数字。"),
    "out_of_range": ("error", "“{header}”应{rule}，实际为 {value}。"),
    "bad_month": ("error", "“{header}”的值“{value}”无法识别为月份，请填写如 2026-10 或 2026年10月。"),
    "bad_date": ("error", "“{header}”的值“{value}”无法识别为日期，请填写如 2026-10-03。"),
    "implausible_date": ("error", "“{header}”的值“{value}”超出合理范围（{low}至{high}），请检查。"),
    "bad_enum": ("error", "“{header}”的值“{value}”不在可选范围内，可选：{choices}。"),
    "bad_bool": ("error", "“{header}”的值“{value}”无法识别，请填写“是”或“否”。"),
    "code_too_long": ("error", "“{header}”以数字格式保存且超过 15 位，末尾数字已被 Excel 丢失，请将该列设为文本后重新填写。"),
    "bad_code": ("error", "“{header}”的值“{value}”不是有效编码（不得为小数或含空格）。"),
    "formula_without_value": ("error", "该单元格是公式但没有保存计算结果，请在 Excel/WPS 中打开并保存后再上传。"),
    "error_cell": ("error", "单元格为错误值 {value}，请修正公式或填写数值。"),
    # --- rules between cells and rows (workbook.md) --------------------------------------------------
    "visited_exceeds_households": ("warning", "本月走访户数 {value} 大于辖区户数 {households}，请核对。"),
    "visited_ytd_exceeds_households": ("error", "本年累计走访户数 {value} 大于辖区户数 {households}，累计走访按不重复户数计，请核对。"),
    "visited_ytd_decreased": ("warning", "本年累计走访户数 {value} 低于上月（{prev_month}）的 {prev_value}，累计数不应减少，请核对。"),
    "officer_days_exceed": ("error", "民警在岗天数 {value} 超过社区民警数 {officers} × 当月天数 {days} = {limit}。"),
    "daily_hours_impossible": ("error", "驻社区总时长 / 民警在岗天数 = {ratio:.1f} 小时/人·天，超过 24 小时，请核对单位是否为小时。"),
    "hours_without_officer_days": ("error", "驻社区总时长为 {value} 小时，但民警在岗天数为 0，无法折算每人每天的时长，请核对在岗天数或总时长。"),
    "daily_hours_high": ("warning", "驻社区总时长 / 民警在岗天数 = {ratio:.1f} 小时/人·天，超过 14 小时，请核对。"),
    "part_exceeds_total": ("error", "“{header}” {value} 大于“{total_header}” {total}。"),
    "unknown_office": ("error", "警务室编码“{value}”不在本次上报的月报中，也未曾上报过，请先上报该警务室的月报或核对编码。"),
    "date_in_future": ("error", "“{header}” {value} 晚于上报日期 {upload_date}。"),
    "resolved_date_missing": ("error", "办理状态为“已化解”时必须填写化解日期。"),
    "resolved_date_while_open": ("error", "办理状态为“化解中”时不应填写化解日期（{value}），请核对状态或删除日期。"),
    "date_before": ("error", "“{header}” {value} 早于“{other_header}” {other}。"),
    "follow_up_without_resolution": ("warning", "填写了回访日期但没有化解日期，回访将不计入回访率。"),
    # --- storing an upload (services.uploads) -------------------------------------------------------
    "out_of_scope": ("error", "本行属于“{station}”，您只能上报“{own}”的数据，请删除其他派出所的行后重新上传。"),
    "dispute_of_other_station": ("error", "纠纷编号“{value}”已属于其他派出所的警务室，不能在本站上报中修改；"
                                          "如确属本站纠纷，请联系考评员处理。"),
    "office_registry_mismatch": ("error", "警务室“{value}”登记为“{reg_branch} {reg_station}”，本行填写为“{branch} {station}”；"
                                          "警务室的所属分局、派出所只能由管理员在“系统管理 → 警务室登记”中修改，"
                                          "请按登记填写后重新上传。"),
    "batch_duplicate_key": ("error", "本批次的另一个文件“{other_file}”也包含{key_desc}，同一批次中每条数据只能出现一次。"),
}


def severity_of(code: str) -> Severity:
    return MESSAGES[code][0]


def message(code: str, **details: Any) -> str:
    """The Chinese sentence for ``code`` filled with ``details``."""
    return MESSAGES[code][1].format(**details)


def make(
    code: str,
    *,
    file: str,
    sheet: str = "",
    row: int | None = None,
    column: str = "",
    value: Any = "",
    severity: Severity | None = None,
    **details: Any,
) -> Problem:
    """Build a :class:`Problem` whose message comes from the catalogue.

    ``value`` is shown as written; ``details`` fill the message template (``value`` and ``header``
    are available to the template too).
    """
    shown = "" if value is None else str(value)
    details.setdefault("value", shown)
    details.setdefault("header", column)
    details.setdefault("sheet", sheet)
    details.setdefault("row", row)
    return Problem(
        file=file,
        sheet=sheet,
        row=row,
        column=column,
        value=shown,
        code=code,
        severity=severity or severity_of(code),
        message=message(code, **details),
    )
