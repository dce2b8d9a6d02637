"""Router and sign-in gate (being built: see the issues)."""

import streamlit as st

st.set_page_config(page_title="社区警务星级评估看板", layout="wide")
st.title("社区警务星级评估看板")
st.info("系统建设中：数据上报、指标分析、星级评定等页面即将上线。")
