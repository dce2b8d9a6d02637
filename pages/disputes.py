"""矛盾纠纷: the three-colour board, overdue, follow-ups due, repeat disputes, resolution by level, ledger."""

import pandas as pd
import streamlit as st

import ui.analysis_text  # noqa: F401  (registers this screen's sentences)
from metrics.schema import CATEGORY, RISK, STATUS
from services import completeness
from services import rating_views as rv
from ui import risk_board
from ui.i18n import t
from ui.period import period_picker, show_completeness
from ui.state import current_actor, current_app
from ui.tables import show_table

app, actor = current_app(), current_actor()
st.title(t("page_disputes"))
sc = rv.scope(app, actor)
period = period_picker("dis", rv.months_in_scope(app, actor), defaults=completeness.default_periods(app, actor))
if period is None:
    st.stop()
show_completeness(completeness.period_completeness(app, actor, period))
board = rv.dispute_board(app, actor, period)
if board.as_of is None:
    st.info(t("dis_no_data"))
    st.stop()
st.caption(t("dis_period_caption", period=period.label_zh, as_of=board.as_of.isoformat(), n=board.received,
             version=sc.data_version))
labels = {**rv.LEDGER_HEADERS, "预警": "预警", "说明": "说明"}
brief = ["dispute_id", "office_name", "station", "received_date", "category", "risk", "status", "note"]


def _list(frame: pd.DataFrame, key: str, extra: list[str]) -> None:
    if frame.empty:
        st.info(t("dis_none"))
        return
    st.caption(t("dis_count", n=len(frame)))
    show_table(frame[[c for c in extra + brief if c in frame.columns]], key, labels=labels, download_name=key)


tabs = st.tabs([t("dis_tab_board"), t("dis_tab_overdue"), t("dis_tab_follow"), t("dis_tab_repeat"),
                t("dis_tab_level"), t("dis_tab_ledger")])
with tabs[0]:
    st.caption(t("dis_open_at_end", as_of=board.as_of.isoformat()))
    st.plotly_chart(risk_board.risk_board_figure(risk_board.board_counts(board.open)), key="dis_board_chart")
    shown = board.open[[c for c in brief if c in board.open.columns]].rename(columns=labels)
    risk_board.show(board.open, shown, key="dis_board")
with tabs[1]:
    _list(board.overdue, "dis_overdue", ["说明"])
with tabs[2]:
    _list(board.follow_up, "dis_follow", ["预警", "说明", "resolved_date"])
with tabs[3]:
    _list(board.repeat, "dis_repeat", ["说明"])
with tabs[4]:
    st.caption(t("dis_level_hint"))
    show_table(board.by_level, "dis_level", percent_cols=["基层化解率"], download_name="化解层级")
with tabs[5]:
    ledger = rv.ledger_view(app, actor)
    cols = st.columns(3)
    stations = sorted(ledger["station"].dropna().astype(str).unique())
    f_station = cols[0].multiselect(t("dis_filter_station"), stations, key="dis_f_station",
                                    placeholder=t("choose_placeholder"))
    f_status = cols[1].multiselect(t("dis_filter_status"), list(STATUS.values), key="dis_f_status",
                                    placeholder=t("choose_placeholder"))
    f_risk = cols[2].multiselect(t("dis_filter_risk"), list(RISK.values), key="dis_f_risk",
                                    placeholder=t("choose_placeholder"))
    cols = st.columns(3)
    f_cat = cols[0].multiselect(t("dis_filter_category"), list(CATEGORY.values), key="dis_f_category",
                                    placeholder=t("choose_placeholder"))
    received = pd.to_datetime(ledger["received_date"])
    lo, hi = (received.min().date(), received.max().date()) if len(ledger) else (board.as_of, board.as_of)
    start, end = max(lo, min(period.first_day, hi)), max(lo, min(board.as_of, hi))  # the period by default
    dates = cols[1].date_input(t("dis_filter_dates"), value=(start, end), min_value=lo, max_value=hi,
                               key=f"dis_f_dates_{period.label}", format="YYYY-MM-DD")
    f_text = cols[2].text_input(t("dis_filter_text"), key="dis_f_text").strip()
    keep = pd.Series(True, index=ledger.index)
    for col, chosen in (("station", f_station), ("status", f_status), ("risk", f_risk), ("category", f_cat)):
        if chosen:
            keep &= ledger[col].isin(chosen)
    if isinstance(dates, tuple) and len(dates) == 2:
        keep &= (received >= pd.Timestamp(dates[0])) & (received <= pd.Timestamp(dates[1]))
    if f_text:
        keep &= ledger["dispute_id"].astype(str).str.contains(f_text, regex=False)
    rows = ledger[keep]
    st.caption(t("dis_count", n=len(rows)))
    show_table(rows, "dis_ledger", labels=rv.LEDGER_HEADERS, download_name="纠纷台账")
