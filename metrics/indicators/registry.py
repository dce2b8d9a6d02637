"""The registry of indicators: every key of metrics.md, registered once, in display order.

Everything else — cards, colours, scores, warnings, exports, the README table — reads the label, the
unit and the better direction from here. ``direction(key)`` says whether a rise is good news.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from metrics.indicators import ledger, monthly, yoy

Unit = Literal["ratio", "count", "hours", "pp", "z"]
Better = Literal["higher", "lower"] | None


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    """Chinese label (指标)."""
    label_en: str
    unit: Unit
    better: Better
    source: Literal["monthly", "ledger"]
    func: Callable[..., pd.Series]
    definition: str
    """The formula in Chinese, for the README and the "why" views."""
    survey: bool = False
    """A survey rate: carries a 95 % Wilson interval (``<key>_low`` / ``<key>_high``)."""

    @property
    def is_rate(self) -> bool:
        return self.unit == "ratio"


_PRIOR = "X_prior 为本期每一行对应的上年同月行之和（同口径）"

_ROWS: tuple[tuple, ...] = (
    # key, label, label_en, unit, better, source, func, definition, survey
    ("alerts", "警情总数", "Police calls", "count", "lower", "monthly", monthly.alerts,
     "本期各月“警情总数”之和；本期无月报行时为空", False),
    ("dispute_alerts", "纠纷类警情", "Dispute calls", "count", "lower", "monthly", monthly.dispute_alerts,
     "本期各月“纠纷类警情数”之和；本期无月报行时为空", False),
    ("criminal_cases", "刑事立案", "Criminal cases", "count", "lower", "monthly", monthly.criminal_cases,
     "本期各月“刑事立案数”之和；本期无月报行时为空", False),
    ("fraud_cases", "电诈案件", "Telecom fraud cases", "count", "lower", "monthly", monthly.fraud_cases,
     "填报了“电信网络诈骗案件数”的各行之和；均未填报时为空", False),
    ("civil_to_criminal", "民转刑", "Disputes turned criminal", "count", "lower", "monthly",
     monthly.civil_to_criminal, "本期各月“民转刑案件数”之和；本期无月报行时为空", False),
    ("avg_daily_hours", "驻社区日均时长", "Hours in community per officer-day", "hours", "higher", "monthly",
     monthly.avg_daily_hours, "Σ驻社区总时长 ÷ Σ民警在岗天数（小时/人·天）", False),
    ("visit_coverage", "走访覆盖率", "Visit coverage", "ratio", "higher", "monthly", monthly.visit_coverage,
     "各警务室取本期最后一个月：Σ本年累计走访户数 ÷ Σ辖区户数", False),
    ("officer_familiarity", "民警对群众熟悉率", "Officer knows households", "ratio", "higher", "monthly",
     monthly.officer_familiarity, "Σ民警熟悉户数 ÷ Σ民警熟悉度抽查户数（附95%威尔逊区间）", True),
    ("resident_familiarity", "群众对民警熟悉率", "Residents know officer", "ratio", "higher", "monthly",
     monthly.resident_familiarity, "Σ知晓社区民警人数 ÷ Σ群众知晓度调查人数（附95%威尔逊区间）", True),
    ("satisfaction", "群众满意度", "Satisfaction", "ratio", "higher", "monthly", monthly.satisfaction,
     "Σ满意人数 ÷ Σ满意度调查人数（附95%威尔逊区间）", True),
    ("alerts_yoy", "警情总数同比", "Police calls YoY", "ratio", "lower", "monthly", yoy.alerts_yoy,
     f"(X − X_prior) ÷ X_prior，{_PRIOR}；上年同月缺报、X_prior 为 0 或 X 为空时为空", False),
    ("dispute_alerts_yoy", "纠纷类警情同比", "Dispute calls YoY", "ratio", "lower", "monthly",
     yoy.dispute_alerts_yoy, "同上，X 为纠纷类警情", False),
    ("criminal_cases_yoy", "刑事立案同比", "Criminal cases YoY", "ratio", "lower", "monthly",
     yoy.criminal_cases_yoy, "同上，X 为刑事立案", False),
    ("fraud_cases_yoy", "电诈案件同比", "Telecom fraud YoY", "ratio", "lower", "monthly", yoy.fraud_cases_yoy,
     "同上，X 为电诈案件（只比较填报了该项的行，其上年同月行也须填报）", False),
    ("alerts_yoy_z", "警情总数变化显著性", "Police calls change z", "z", None, "monthly", yoy.alerts_yoy_z,
     "2·(√X − √X_prior)，泊松 z 值；|z| ≥ 2 值得关注，≥ 3 为信号；X_prior 为 0 时仍有值", False),
    ("dispute_alerts_yoy_z", "纠纷类警情变化显著性", "Dispute calls change z", "z", None, "monthly",
     yoy.dispute_alerts_yoy_z, "同上，X 为纠纷类警情", False),
    ("criminal_cases_yoy_z", "刑事立案变化显著性", "Criminal cases change z", "z", None, "monthly",
     yoy.criminal_cases_yoy_z, "同上，X 为刑事立案", False),
    ("fraud_cases_yoy_z", "电诈案件变化显著性", "Telecom fraud change z", "z", None, "monthly",
     yoy.fraud_cases_yoy_z, "同上，X 为电诈案件", False),
    ("officer_familiarity_yoy_pp", "民警对群众熟悉率同比变化", "Officer familiarity change", "pp", "higher",
     "monthly", yoy.officer_familiarity_yoy_pp,
     "R − R_prior（以小数表示，0.133 即 13.3 个百分点），R_prior 为上年同月现有各行的同一比率；任一为空时为空",
     False),
    ("resident_familiarity_yoy_pp", "群众对民警熟悉率同比变化", "Resident familiarity change", "pp", "higher",
     "monthly", yoy.resident_familiarity_yoy_pp, "同上，R 为群众对民警熟悉率", False),
    ("satisfaction_yoy_pp", "群众满意度同比变化", "Satisfaction change", "pp", "higher", "monthly",
     yoy.satisfaction_yoy_pp, "同上，R 为群众满意度", False),
    ("months_reported", "已报月数", "Months reported", "count", None, "monthly", monthly.months_reported,
     "本期已上报的警务室·月行数", False),
    ("months_expected", "应报月数", "Months expected", "count", None, "monthly", monthly.months_expected,
     "单位内警务室数（曾上报过月报的）× 本期截至 as_of 所在月的月数", False),
    ("disputes", "受理纠纷数", "Disputes received", "count", None, "ledger", ledger.disputes,
     "受理日期在本期内（且不晚于 as_of）的纠纷数", False),
    ("resolved", "已化解", "Resolved", "count", None, "ledger", ledger.resolved,
     "状态为已化解且化解日期 ≤ as_of", False),
    ("transferred", "已移交", "Transferred", "count", None, "ledger", ledger.transferred, "状态为已移交", False),
    ("failed", "调解不成", "Mediation failed", "count", None, "ledger", ledger.failed, "状态为调解不成", False),
    ("open", "化解中", "Open", "count", None, "ledger", ledger.open_disputes,
     "状态为化解中，或已化解但化解日期晚于 as_of", False),
    ("resolution_rate", "矛盾纠纷化解率", "Resolution rate", "ratio", "higher", "ledger", ledger.resolution_rate,
     "已化解 ÷ (受理纠纷数 − 已移交)", False),
    ("on_time_rate", "按期化解率", "On-time resolution rate", "ratio", "higher", "ledger", ledger.on_time_rate,
     "化解用时（化解日期 − 受理日期）不超过时限（一般7天、复杂15天、疑难60天）的已化解数 ÷ 已化解", False),
    ("follow_up_rate", "回访率", "Follow-up rate", "ratio", "higher", "ledger", ledger.follow_up_rate,
     "回访日期 ≤ as_of 且在化解后14天内的已化解数 ÷ 应回访数（化解日期+14天 ≤ as_of，或已回访）", False),
    ("proactive_rate", "事前排查率", "Found before a call", "ratio", "higher", "ledger", ledger.proactive_rate,
     "来源为走访排查、网格员上报、预警推送的纠纷数 ÷ 受理纠纷数", False),
    ("grassroots_rate", "基层化解率", "Resolved in the community", "ratio", "higher", "ledger",
     ledger.grassroots_rate, "调解层级为社区的已化解数 ÷ 填写了调解层级的已化解数（小事不出村）", False),
    ("overdue_open", "超期未化解", "Open past time limit", "count", "lower", "ledger", ledger.overdue_open,
     "化解中且 (as_of − 受理日期) 超过其时限的纠纷数", False),
    ("red_open", "红色未化解", "Red-risk open", "count", "lower", "ledger", ledger.red_open,
     "化解中且风险等级为红的纠纷数", False),
    ("repeat_disputes", "重复纠纷", "Repeat disputes", "count", "lower", "ledger", ledger.repeat_disputes,
     "当事人标识在受理日期前90天内（含当天，任一警务室）出现于另一纠纷的纠纷数", False),
)

INDICATORS: dict[str, Indicator] = {
    row[0]: Indicator(*row[:8], survey=row[8]) for row in _ROWS
}
"""Every indicator key of metrics.md → its :class:`Indicator`, in display order."""

KEYS: tuple[str, ...] = tuple(INDICATORS)
SURVEY_KEYS: tuple[str, ...] = tuple(k for k, ind in INDICATORS.items() if ind.survey)


def direction(key: str) -> Better:
    """``"higher"``, ``"lower"`` or ``None``: which way is better for indicator ``key``.

    Cards colour a change green when it goes this way (a fall in alerts is good news).
    """
    return INDICATORS[key].better


def label(key: str) -> str:
    """The Chinese label of indicator ``key``."""
    return INDICATORS[key].label


def label_in(key: str, language: str = "zh") -> str:
    """The label of indicator ``key`` in ``language``: ``"en"`` gives the English label (metrics.md's
    wording), anything else the Chinese one."""
    ind = INDICATORS[key]
    return ind.label_en if language == "en" else ind.label

