"""The comparison of two rubric versions on the 评分规则 screen: it always answers — how many offices
change stars and rank, the largest movers, a plain sentence when nothing moves, and, with a single
version, that there is nothing to compare yet."""

from __future__ import annotations

import streamlit as st

import ui.analysis_text  # noqa: F401  (registers the column labels)
import ui.rubric_text  # noqa: F401  (registers the sentences)
from metrics.scoring import stars_text
from services import completeness, rubrics
from services import rating_views as rv
from ui.i18n import t
from ui.period import period_picker, show_completeness
from ui.tables import show_table


def show(app, actor, versions: list[rubrics.VersionInfo], number: int) -> None:
    """Pick a period and two versions (the one in force for the period against ``number`` by default)."""
    by_number = {v.number: v for v in versions}
    if len(versions) < 2:
        st.info(t("rub_compare_single", name=versions[0].name))
        return
    period = period_picker("rub", rv.months_in_scope(app, actor), defaults=completeness.default_periods(app, actor))
    if period is None:
        return
    show_completeness(completeness.period_completeness(app, actor, period))
    current = rubrics.in_force(app, period)
    numbers = list(by_number)
    c = st.columns(2)
    a = c[0].selectbox(t("rub_compare_a"), numbers, index=numbers.index(current), format_func=lambda n: by_number[n].name,
                       key="rub_cmp_a")
    other = number if number != a else next(n for n in numbers if n != a)
    b = c[1].selectbox(t("rub_compare_b"), numbers, index=numbers.index(other), format_func=lambda n: by_number[n].name,
                       key="rub_cmp_b")
    if a == b:
        st.info(t("rub_compare_same"))
        return
    cmp = rv.compare_rubrics(app, actor, period, a, b)
    words = {"period": period.label_zh, "a": cmp.a.name, "b": cmp.b.name}
    if cmp.nothing_moves:
        st.info(t("rub_compare_nothing", **words))
    else:
        st.text(t("rub_compare_result", stars=cmp.star_changes, up=cmp.stars_up, down=cmp.stars_down,
                  ranks=cmp.rank_moves, **words))
        if len(cmp.largest):
            st.text(t("rub_compare_movers") + "；".join(
                t("rub_compare_mover", name=r["name"], ra=int(r["rank_a"]), rb=int(r["rank_b"]))
                for _, r in cmp.largest.iterrows()))
    moves = cmp.moves.copy()
    for side in ("a", "b"):
        moves[f"stars_{side}"] = [stars_text(s) for s in moves[f"stars_{side}"]]
    show_table(moves, "rub_compare_table", labels={
        "code": t("col_unit_code"), "name": t("col_unit_name"), "station": t("col_station"),
        "branch": t("col_branch"), "rank_a": t("col_rank_a"), "rank_b": t("col_rank_b"),
        "stars_a": t("col_stars_a"), "stars_b": t("col_stars_b"), "score_a": t("col_score_a"),
        "score_b": t("col_score_b"), "rank_move": t("col_rank_move"), "star_move": t("col_star_move")},
        decimals={"score_a": 2, "score_b": 2}, download_name=f"规则比较_{a}_{b}")
