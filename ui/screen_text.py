"""Sentences about reporting completeness, like-for-like changes and rankings, added to the one message
table (as ``ui.analysis_text`` does): importing this module registers them in ``ui.i18n.MESSAGES``."""

from __future__ import annotations

from ui import i18n

ENTRIES: dict[str, tuple[str, str]] = {
    "reported_offices": ("已上报 {n}/{m} 个警务室", "{n}/{m} offices reported"),
    "period_incomplete": ("本期数据不完整，同比仅比较已上报的警务室。",
                          "This period is incomplete: changes on last year compare only the offices that reported."),
    "period_default_note": ("默认显示最近一个报齐的统计期（已上报警务室不少于 {share}）；可选择其他统计期。",
                            "Opens on the latest complete period (at least {share} of offices reported); "
                            "any other period can be chosen."),
    "kpi_change_engine": ("同比：本期各月报行与同一警务室上年同月行相比（同口径）",
                          "Change: each monthly row against the same office's row a year earlier"),
    "kpi_change_same": ("同比：本期与上年同期均有月报的 {n} 个警务室相比", "Change: the {n} offices that reported in both years"),
    "kpi_change_missing": ("无法同比：上年同月缺报或无数据", "No change shown: last year's rows are missing"),
    "col_not_reported": ("未上报警务室", "Offices not reported"),
    "ranking_all": ("本范围警务室排名", "Ranking of the offices in scope"),
    "not_reported_bar": ("未上报", "not reported"),
    "offices_level": ("警务室", "Offices"),
    "choose_placeholder": ("请选择", "Choose"),
    "trend_incomplete": ("未报齐的月份（数值偏低不代表下降）", "Months not fully reported"),
    "dis_period_caption": ("{period} · 本期受理纠纷 {n} 件 · 数据截至 {as_of} · 数据版本 {version}",
                           "{period} · {n} disputes received · as of {as_of} · data version {version}"),
    "dis_open_at_end": ("截至 {as_of}（本期末）仍未化解的纠纷，不论受理于何时；超期、回访、重复纠纷与化解层级只计本期受理（或本期末仍未化解）的纠纷。",
                        "Disputes still open on {as_of} (the period's end), whenever received; the other tabs "
                        "count the disputes received in the period (or open at its end)."),
}


def register() -> None:
    """Add :data:`ENTRIES` to the app's message table (idempotent; existing keys are not overwritten)."""
    for key, value in ENTRIES.items():
        i18n.MESSAGES.setdefault(key, value)


register()
