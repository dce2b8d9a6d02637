"""The workbook schema: both sheet kinds of ``shared/spec/workbook.md``, declared once.

Every other part of the program — the validator, the template, the UI labels and the docs — reads
these declarations; nothing else spells a header, an accepted spelling or a vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["code", "text", "int", "number", "month", "date", "enum", "bool"]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Vocabulary:
    """A closed list of canonical values and the spellings accepted for each."""

    key: str
    label: str
    values: tuple[str, ...]
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def spellings(self) -> dict[str, str]:
        """Every accepted spelling (canonical ones included) → canonical value, not yet normalised."""
        out = {v: v for v in self.values}
        for canonical, alts in self.aliases.items():
            for alt in alts:
                out[alt] = canonical
        return out


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    type: ColumnType = "text"
    required: bool = False
    minimum: float | None = None
    """Smallest allowed value (inclusive unless ``minimum_exclusive``)."""
    minimum_exclusive: bool = False
    vocabulary: str | None = None
    label_en: str = ""
    hint: str = ""
    """Input hint shown in the template (Chinese)."""

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class SheetKind:
    key: Literal["monthly", "ledger"]
    title: str
    title_en: str
    names: tuple[str, ...]
    columns: tuple[Column, ...]
    key_columns: tuple[str, ...]
    example_column: str
    """Rows whose value in this column starts with ``EXAMPLE_PREFIX`` are template examples: skipped."""

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def required_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)


EXAMPLE_PREFIX = "示例"

# Spellings meaning "not given" in an optional cell (after normalisation).
NOT_GIVEN = ("", "-", "—", "–", "/", "无", "－", "——", "N/A", "n/a", "NA")

# Values of the first cells of a row that mark a totals row (after removing inner spaces).
TOTAL_MARKERS = ("合计", "总计", "小计", "累计合计", "全局合计")

MAX_HEADER_SEARCH_ROWS = 10
"""The header row may be preceded by up to this many title and note rows."""

# ---------------------------------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------------------------------

SOURCE = Vocabulary(
    key="source",
    label="来源",
    values=("110报警", "12345热线", "来信来访", "窗口接待", "走访排查", "网格员上报", "预警推送", "其他"),
    aliases={
        "110报警": ("110", "报警", "110接警"),
        "12345热线": ("12345", "热线", "政务热线"),
        "来信来访": ("来访", "信访"),
        "窗口接待": ("窗口",),
        "走访排查": ("走访", "排查", "入户走访"),
        "网格员上报": ("网格", "网格员"),
        "预警推送": ("预警", "平台预警"),
    },
)

CATEGORY = Vocabulary(
    key="category",
    label="纠纷类型",
    values=("婚姻家庭", "邻里", "土地山林", "经济债务", "劳资", "医患", "征地拆迁", "物业", "交通事故", "其他"),
    aliases={
        "婚姻家庭": ("家庭", "婚姻"),
        "土地山林": ("土地", "山林", "资源"),
        "经济债务": ("经济", "债务"),
        "征地拆迁": ("拆迁", "征地"),
        "交通事故": ("交通",),
    },
)

RISK = Vocabulary(
    key="risk",
    label="风险等级",
    values=("红", "黄", "蓝"),
    aliases={
        "红": ("红色", "高", "高风险"),
        "黄": ("黄色", "中", "中风险"),
        "蓝": ("蓝色", "低", "低风险"),
    },
)

COMPLEXITY = Vocabulary(
    key="complexity",
    label="复杂程度",
    values=("一般", "复杂", "疑难"),
    aliases={"一般": ("简单",), "疑难": ("重大疑难",)},
)

LEVEL = Vocabulary(
    key="level",
    label="调解层级",
    values=("社区", "派出所", "县局"),
    aliases={
        "社区": ("村", "村(社区)", "社区(村)", "网格", "警务室"),
        "派出所": ("所", "所级"),
        "县局": ("县(市)局", "分局", "局", "调解中心"),
    },
)

STATUS = Vocabulary(
    key="status",
    label="办理状态",
    values=("已化解", "化解中", "已移交", "调解不成"),
    aliases={
        "已化解": ("化解", "化解成功", "已调解", "成功", "办结"),
        "化解中": ("在办", "办理中", "调解中", "未办结"),
        "已移交": ("移交", "移送"),
        "调解不成": ("失败", "未化解", "调解失败"),
    },
)

VOCABULARIES: dict[str, Vocabulary] = {v.key: v for v in (SOURCE, CATEGORY, RISK, COMPLEXITY, LEVEL, STATUS)}

BOOL_TRUE = ("是", "Y", "y", "YES", "yes", "Yes", "1", "√", "✓", "TRUE", "True", "true", "T")
BOOL_FALSE = ("否", "N", "n", "NO", "no", "No", "0", "×", "✗", "FALSE", "False", "false", "F")

PROACTIVE_SOURCES = frozenset({"走访排查", "网格员上报", "预警推送"})
"""Sources that count as 事前排查 (found before anyone called the police)."""

TIME_LIMIT_DAYS: dict[str, int] = {"一般": 7, "复杂": 15, "疑难": 60}
"""Resolution time limit per complexity, calendar days from received_date (configurable by callers)."""

FOLLOW_UP_DAYS = 14
"""A resolved dispute is followed up within this many days of resolved_date."""

# ---------------------------------------------------------------------------------------------------
# Sheet A — 警务室月报
# ---------------------------------------------------------------------------------------------------

_count = dict(type="int", minimum=0)

MONTHLY = SheetKind(
    key="monthly",
    title="警务室月报",
    title_en="Office monthly report",
    names=("警务室月报", "月报", "警务室月报表", "社区警务月报"),
    key_columns=("office_code", "month"),
    example_column="office_code",
    columns=(
        Column("office_code", "警务室编码", ("警务室代码", "编码", "单位编码"), "code", True,
               label_en="Office code", hint="警务室编码，按文本填写，如 3702020001"),
        Column("office_name", "警务室名称", ("警务室", "单位名称"), "text", True,
               label_en="Office name", hint="警务室全称"),
        Column("station", "所属派出所", ("派出所",), "text", True,
               label_en="Police station", hint="所属派出所全称"),
        Column("branch", "所属分局", ("分局", "所属分县局"), "text", True,
               label_en="Branch", hint="所属分局（分县局）全称"),
        Column("month", "统计月份", ("月份", "统计期"), "month", True,
               label_en="Month", hint="如 2026-10 或 2026年10月"),
        Column("officers", "社区民警数", ("社区民警人数", "民警数"), required=True,
               label_en="Community officers", hint="整数，≥0", **_count),
        Column("auxiliaries", "辅警数", ("辅警人数",), required=False,
               label_en="Auxiliary officers", hint="整数，≥0，可不填", **_count),
        Column("grid_workers", "网格员数", ("网格员人数",), required=False,
               label_en="Grid workers", hint="整数，≥0，可不填", **_count),
        Column("households", "辖区户数", ("实有户数",), "int", True, minimum=0, minimum_exclusive=True,
               label_en="Households", hint="整数，>0"),
        Column("population", "辖区人口", ("实有人口",), "int", True, minimum=0, minimum_exclusive=True,
               label_en="Population", hint="整数，>0"),
        Column("visited_month", "本月走访户数", ("走访户数",), required=True,
               label_en="Households visited this month", hint="整数，≥0，一般不超过辖区户数", **_count),
        Column("visited_ytd", "本年累计走访户数", ("累计走访户数",), required=True,
               label_en="Distinct households visited this year",
               hint="自1月1日起走访过的不重复户数，不得超过辖区户数，且不应低于上月", **_count),
        Column("community_hours", "驻社区总时长(小时)", ("驻社区时长", "驻社区工时"), "number", True, minimum=0,
               label_en="Officer-hours in the community", hint="本月全体社区民警驻社区小时数合计，≥0"),
        Column("officer_days", "民警在岗天数", ("在岗天数", "出勤天数"), required=True,
               label_en="Officer-days on duty", hint="本月民警在岗人·天数合计，不超过民警数×当月天数", **_count),
        Column("alerts", "警情总数", ("接报警情数",), required=True,
               label_en="Police calls", hint="整数，≥0", **_count),
        Column("dispute_alerts", "纠纷类警情数", ("纠纷警情数",), required=True,
               label_en="Dispute calls", hint="整数，≥0，不超过警情总数", **_count),
        Column("criminal_cases", "刑事立案数", ("刑事案件立案数",), required=True,
               label_en="Criminal cases filed", hint="整数，≥0", **_count),
        Column("fraud_cases", "电信网络诈骗案件数", ("电诈案件数",), required=False,
               label_en="Telecom fraud cases", hint="整数，≥0，可不填", **_count),
        Column("civil_to_criminal", "民转刑案件数", ("民转刑",), required=True,
               label_en="Disputes turned criminal", hint="由矛盾纠纷引发的刑事案件数，≥0", **_count),
        Column("officer_fam_sampled", "民警熟悉度抽查户数", ("熟悉度抽查户数",), required=False,
               label_en="Households sampled (officer familiarity)", hint="随机抽查户数；与“民警熟悉户数”同填或同不填",
               **_count),
        Column("officer_fam_known", "民警熟悉户数", ("熟悉户数",), required=False,
               label_en="Households the officer knew", hint="不超过抽查户数", **_count),
        Column("resident_fam_surveyed", "群众知晓度调查人数", ("知晓度调查人数",), required=False,
               label_en="Residents surveyed (know officer)", hint="调查人数；与“知晓社区民警人数”同填或同不填",
               **_count),
        Column("resident_fam_known", "知晓社区民警人数", ("知晓人数",), required=False,
               label_en="Residents who know their officer", hint="不超过调查人数", **_count),
        Column("satisfaction_surveyed", "满意度调查人数", (), required=False,
               label_en="Residents surveyed (satisfaction)", hint="调查人数；与“满意人数”同填或同不填", **_count),
        Column("satisfaction_satisfied", "满意人数", (), required=False,
               label_en="Residents satisfied", hint="不超过满意度调查人数", **_count),
    ),
)

SURVEY_PAIRS: tuple[tuple[str, str], ...] = (
    ("officer_fam_sampled", "officer_fam_known"),
    ("resident_fam_surveyed", "resident_fam_known"),
    ("satisfaction_surveyed", "satisfaction_satisfied"),
)
"""Each pair is given together or not at all; the second is never larger than the first."""

MAX_DAILY_HOURS = 24.0
"""community_hours / officer_days above this is impossible (error)."""
WARN_DAILY_HOURS = 14.0
"""… and above this is suspicious (warning)."""

# ---------------------------------------------------------------------------------------------------
# Sheet B — 矛盾纠纷台账
# ---------------------------------------------------------------------------------------------------

LEDGER = SheetKind(
    key="ledger",
    title="矛盾纠纷台账",
    title_en="Dispute ledger",
    names=("矛盾纠纷台账", "纠纷台账", "矛盾纠纷排查化解台账", "台账"),
    key_columns=("dispute_id",),
    example_column="dispute_id",
    columns=(
        Column("dispute_id", "纠纷编号", ("编号", "台账编号"), "code", True,
               label_en="Dispute number", hint="本台账内唯一，按文本填写"),
        Column("office_code", "警务室编码", ("警务室代码",), "code", True,
               label_en="Office code", hint="须为已上报月报的警务室编码"),
        Column("received_date", "受理日期", ("登记日期", "发现日期"), "date", True,
               label_en="Received", hint="如 2026-10-03，不得晚于上报日期"),
        Column("source", "来源", ("纠纷来源", "发现渠道"), "enum", True, vocabulary="source",
               label_en="Source", hint="从下拉列表选择"),
        Column("category", "纠纷类型", ("类型",), "enum", True, vocabulary="category",
               label_en="Category", hint="从下拉列表选择"),
        Column("risk", "风险等级", ("风险", "预警等级"), "enum", True, vocabulary="risk",
               label_en="Risk", hint="红 / 黄 / 蓝"),
        Column("complexity", "复杂程度", ("难易程度",), "enum", True, vocabulary="complexity",
               label_en="Complexity", hint="一般 / 复杂 / 疑难（化解时限 7 / 15 / 60 天）"),
        Column("level", "调解层级", ("化解层级",), "enum", False, vocabulary="level",
               label_en="Mediation level", hint="社区 / 派出所 / 县局，可不填"),
        Column("status", "办理状态", ("状态", "化解情况"), "enum", True, vocabulary="status",
               label_en="Status", hint="已化解 / 化解中 / 已移交 / 调解不成"),
        Column("resolved_date", "化解日期", ("办结日期",), "date", False,
               label_en="Resolved", hint="状态为“已化解”时必填；不得早于受理日期；“化解中”不填"),
        Column("follow_up_date", "回访日期", (), "date", False,
               label_en="Follow-up", hint="不得早于化解日期，可不填"),
        Column("party_key", "当事人标识", ("当事人", "当事人身份证号"), "text", False,
               label_en="Party key", hint="用于发现重复纠纷；入库时加密散列，不保存原文"),
        Column("escalated", "是否民转刑", ("民转刑",), "bool", False,
               label_en="Turned criminal", hint="是 / 否"),
        Column("note", "备注", (), "text", False, label_en="Note", hint="自由填写"),
    ),
)

SHEET_KINDS: dict[str, SheetKind] = {MONTHLY.key: MONTHLY, LEDGER.key: LEDGER}
