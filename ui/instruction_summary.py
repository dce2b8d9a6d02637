"""The 总览 block of the warning loop for leadership and evaluators: overdue instructions per station and
per branch, and the instructions with a 督办 note (the full board is on 预警处置)."""

from __future__ import annotations

import streamlit as st

import ui.instructions_text  # noqa: F401  (registers the sentences)
from services import instruction_views as iv
from services.actors import Actor
from services.context import App
from ui.i18n import t
from ui.tables import show_table


def show_overdue(app: App, actor: Actor) -> None:
    if actor.role not in ("leadership", "evaluator"):
        return
    b = iv.board(app, actor)
    st.subheader(t("ins_ov_title"))
    if b.overdue.empty:
        st.info(t("ins_ov_none"))
        return
    st.caption(t("ins_ov_count", n=len(b.overdue), supervised=int((b.overdue["supervision_notes"] > 0).sum())))
    c1, c2 = st.columns(2)
    with c1:
        show_table(b.by_station[b.by_station["逾期"] > 0][["station", "逾期"]], "ov_ins_station",
                   labels={"station": "派出所", "逾期": "逾期指令"})
    with c2:
        show_table(b.by_branch[b.by_branch["逾期"] > 0][["branch", "逾期"]], "ov_ins_branch",
                   labels={"branch": "分局", "逾期": "逾期指令"})
