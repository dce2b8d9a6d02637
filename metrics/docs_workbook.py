"""README section "workbook": both sheet kinds and the vocabularies, generated from ``metrics.schema``."""

from __future__ import annotations

from metrics import schema
from metrics.schema import Column, SheetKind

TYPE_LABEL = {
    "code": "编码（文本）",
    "text": "文本",
    "int": "整数",
    "number": "数字",
    "month": "月份",
    "date": "日期",
    "enum": "选项",
    "bool": "是/否",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _type(col: Column) -> str:
    label = TYPE_LABEL[col.type]
    if col.minimum is not None:
        label += f" {'>' if col.minimum_exclusive else '≥'} {col.minimum:g}"
    if col.vocabulary:
        label += f"（{schema.VOCABULARIES[col.vocabulary].label}）"
    return label


def kind_markdown(kind: SheetKind) -> str:
    """One sheet kind: its accepted names and a table of its columns."""
    names = "、".join(f"`{n}`" for n in kind.names)
    lines = [
        f"### {kind.title} · {kind.title_en}",
        "",
        f"工作表名称 · Sheet names: {names}；键 · Key: "
        + " + ".join(kind.column(k).header for k in kind.key_columns),
        "",
        "| 列 · header | 也接受 · also accepted | 类型 · type | 必填 · required | 填写说明 · hint |",
        "|---|---|---|---|---|",
    ]
    for col in kind.columns:
        lines.append(
            f"| {_cell(col.header)} | {_cell('、'.join(col.aliases))} | {_cell(_type(col))} | "
            f"{'是' if col.required else '否'} | {_cell(col.hint)} |"
        )
    return "\n".join(lines)


def vocabularies_markdown() -> str:
    """Each vocabulary: canonical values and the spellings accepted for them."""
    lines = ["### 选项 · Vocabularies", ""]
    for vocab in schema.VOCABULARIES.values():
        parts = []
        for value in vocab.values:
            alts = vocab.aliases.get(value, ())
            parts.append(f"`{value}`" + (f"（{'、'.join(alts)}）" if alts else ""))
        lines.append(f"- {vocab.label}: " + " · ".join(parts))
    lines.append(f"- 是/否: 是 ← {'、'.join(schema.BOOL_TRUE)}；否 ← {'、'.join(schema.BOOL_FALSE)}")
    return "\n".join(lines)


def workbook_markdown() -> str:
    """The README "workbook" section: both sheet kinds and the vocabularies."""
    intro = (
        f"表头行可在前 {schema.MAX_HEADER_SEARCH_ROWS} 行标题之下；表头匹配忽略空格、换行、全角/半角、繁简体和括号中的单位。"
        f"示例行（编码以“{schema.EXAMPLE_PREFIX}”开头）、空行和合计行不计入数据。\n"
        f"The header row may sit under up to {schema.MAX_HEADER_SEARCH_ROWS} title rows; header matching ignores spaces, line breaks, "
        "full/half width, traditional/simplified characters and a unit in brackets."
    )
    files = (
        "文件格式：`.xlsx`、`.xls`（Excel 97–2003）、`.ods`、`.csv`（UTF-8 或 GBK），以及 WPS 表格的 `.et`/`.ett`"
        "（内部为 .xls 格式时直接读取，WPS 专用格式请在 WPS 中另存为 .xlsx 后上传）。只设置了工作簿或工作表保护、"
        "以 Excel 默认密码加密的文件直接读取；设有打开密码、含宏（`.xlsm`）、已损坏或并非电子表格的文件会被拒绝并说明原因。\n"
        "Files: `.xlsx`, `.xls` (Excel 97–2003), `.ods`, `.csv` (UTF-8 or GBK), and WPS Spreadsheets' `.et`/`.ett` "
        "(read when .xls inside; WPS's own format: save as .xlsx in WPS). A file encrypted with Excel's default "
        "password (workbook or sheet protection only) is read; one with an opening password, macros (`.xlsm`), damage "
        "or that is no spreadsheet is refused with the reason."
    )
    blocks = [intro, files, *(kind_markdown(k) for k in schema.SHEET_KINDS.values()), vocabularies_markdown()]
    return "\n\n".join(blocks) + "\n"
