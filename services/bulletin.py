"""The monthly 通报 as a Word document (issue 14): what a leader sends to every station.

Every figure is taken from the service the 总览 screen uses (``services.views.overview``, the same
scope, period and rubric) and formatted as on screen (``metrics.display``, scores with one decimal);
nothing is computed here except which offices changed star level since the previous period (a
comparison of the two periods' engine results). Sections: 总体情况, 各分局/派出所情况, 星级评定结果,
排名靠前/靠后, 预警情况, 数据上报情况 and 下步工作 (an editable placeholder). The footer names the
period, the data version and the rubric version. Charts come from ``services.bulletin_charts`` when it
can draw them (matplotlib); the document is complete without them.
"""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from metrics.display import format_change, format_value
from metrics.early_warnings import SEVERITY_LABELS
from metrics.indicators.registry import label_in
from metrics.periods import Period, parse_period, shift_month
from services import clock, views
from services.actors import Actor, reload, require_role
from services.context import App
from services.errors import ServiceError

TITLE = "社区警务星级评定工作通报"
SECTIONS = ("一、总体情况", "二、各分局、派出所情况", "三、星级评定结果", "四、排名靠前、靠后的警务室",
            "五、预警情况", "六、数据上报情况", "七、下步工作")
PLACEHOLDER = "（此处填写下步工作安排：针对上述问题提出整改要求、责任单位和完成时限。）"
STATION_KEYS = ("resolution_rate", "on_time_rate", "follow_up_rate", "satisfaction", "visit_coverage", "alerts",
                "criminal_cases")
"""Indicator columns of the per-station table (the KPI cards' indicators but 红色未化解)."""
FONT = "宋体"


def previous(period: Period) -> Period:
    """The period just before ``period``, of the same length (2026-10 → 2026-09, 2026Q3 → 2026Q2)."""
    n = len(period.months)
    return Period(period.kind, shift_month(period.first, -n), shift_month(period.last, -n))


def score_text(v) -> str:
    return "—" if v is None or pd.isna(v) else f"{float(v):.1f}"


def star_movement(current: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Offices rated in both periods whose star level changed: ``code, name, station, before, now, stars_text,
    before_text`` (ups first)."""
    cols = ["code", "name", "station", "stars", "stars_text"]
    if current.empty or before.empty:
        return pd.DataFrame(columns=[*cols, "before", "before_text"])
    cur = current[current["rated"]][cols]
    old = before[before["rated"]][["code", "stars", "stars_text"]].rename(
        columns={"stars": "before", "stars_text": "before_text"})
    both = cur.merge(old, on="code")
    moved = both[both["stars"] != both["before"]].copy()
    moved["up"] = moved["stars"] > moved["before"]
    return moved.sort_values(["up", "station", "code"], ascending=[False, True, True], ignore_index=True)


# --- the document ---------------------------------------------------------------------------------

def _font(run, size: float | None = None, bold: bool = False) -> None:
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    run.bold = bold


def _para(doc, text: str, *, size: float = 12, bold: bool = False, align=None, style: str | None = None):
    p = doc.add_paragraph(style=style)
    _font(p.add_run(text), size, bold)
    if align is not None:
        p.alignment = align
    return p


def _heading(doc, text: str) -> None:
    h = doc.add_heading(level=1)
    _font(h.add_run(text), 14, True)


def _table(doc, header: list[str], body: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), 10.5, True)
    for row in body:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), 10.5)


def _kpi_sentence(ov: views.Overview) -> str:
    parts = []
    for key in views.KPI_KEYS:
        value, change = ov.total.get(key), ov.changes.get(key)
        text = f"{label_in(key)}{format_value(key, value)}"
        delta = None if change is None else format_change(key, change.absolute, change.relative)
        parts.append(f"{text}（同比{delta}）" if delta is not None else f"{text}（无上年同期数据）")
    return "；".join(parts) + "。"


def build_document(ov: views.Overview, before: views.Overview | None, warnings: pd.DataFrame,
                   generated: str, charts: list[bytes]) -> bytes:
    """The 通报 as .docx bytes from the 总览 results of the period (``ov``) and of the previous one."""
    doc = Document()
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.5)
    _para(doc, TITLE, size=20, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"（{ov.period.label_zh}）", size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"范围：{ov.scope}　　统计截至：{ov.as_of.isoformat()}　　评分规则：{ov.rubric_version}", size=10.5,
          align=WD_ALIGN_PARAGRAPH.CENTER)

    offices = ov.offices
    rated = int(offices["rated"].sum()) if len(offices) else 0
    _heading(doc, SECTIONS[0])
    _para(doc, f"{ov.period.label_zh}，{ov.scope}共 {len(offices)} 个警务室参加评定，其中 {rated} 个得出星级，"
               f"{len(offices) - rated} 个待评。主要指标：{_kpi_sentence(ov)}")
    if charts:
        doc.add_picture(io.BytesIO(charts[0]), width=Cm(15))

    _heading(doc, SECTIONS[1])
    header = ["分局", "派出所", *[label_in(k) for k in STATION_KEYS]]
    body = [[str(r["branch"]), str(r["station"]), *[format_value(k, r[k]) for k in STATION_KEYS]]
            for _, r in ov.stations.sort_values(["branch", "station"]).iterrows()]
    _table(doc, header, body)
    if len(charts) > 1:
        doc.add_picture(io.BytesIO(charts[1]), width=Cm(15))

    _heading(doc, SECTIONS[2])
    _table(doc, ["星级", "警务室数"], [[str(r["label"]), str(int(r["count"]))] for _, r in ov.stars.iterrows()])
    if before is None or before.empty:
        _para(doc, "上期无评定结果，不作星级变动比较。")
    else:
        moved = star_movement(offices, before.offices)
        ups = int(moved["up"].sum()) if len(moved) else 0
        _para(doc, f"与{before.period.label_zh}相比，{ups} 个警务室星级上升，{len(moved) - ups} 个下降。")
        if len(moved):
            _table(doc, ["警务室", "派出所", "上期星级", "本期星级"],
                   [[f"{r['name']}（{r['code']}）", str(r["station"]), str(r["before_text"]), str(r["stars_text"])]
                    for _, r in moved.iterrows()])

    _heading(doc, SECTIONS[3])
    head = ["排名", "警务室", "派出所", "得分", "星级"]
    for label, frame in (("得分最高的警务室：", ov.best), ("得分最低的警务室：", ov.worst)):
        _para(doc, label, bold=True)
        _table(doc, head, [[str(int(r["rank"])), f"{r['name']}（{r['code']}）", str(r["station"]),
                            score_text(r["score"]), str(r["stars_text"])] for _, r in frame.iterrows()])

    _heading(doc, SECTIONS[4])
    if warnings.empty:
        _para(doc, "截至统计日，范围内无预警。")
    else:
        sev = "，".join(f"{SEVERITY_LABELS[s]}级 {int((warnings['severity'] == s).sum())} 条"
                        for s in SEVERITY_LABELS if (warnings["severity"] == s).any())
        _para(doc, f"截至 {ov.as_of.isoformat()}，范围内共有预警 {len(warnings)} 条（{sev}）。")
        counts = warnings.groupby("label", sort=False).size().sort_values(ascending=False)
        _table(doc, ["预警规则", "条数"], [[str(k), str(int(v))] for k, v in counts.items()])

    _heading(doc, SECTIONS[5])
    comp = ov.completeness
    missing = comp[comp["missing"] > 0] if len(comp) else comp
    if missing.empty:
        _para(doc, f"范围内所有派出所均已上报 {ov.period.last} 月报。")
    else:
        _para(doc, f"{ov.period.last} 月报尚有 {int(missing['missing'].sum())} 个警务室未上报：")
        _table(doc, ["分局", "派出所", "应报", "已报", "未报"],
               [[str(r["branch"]), str(r["station"]), str(int(r["offices"])), str(int(r["reported"])),
                 str(int(r["missing"]))] for _, r in missing.iterrows()])

    _heading(doc, SECTIONS[6])
    p = doc.add_paragraph()
    run = p.add_run(PLACEHOLDER)
    _font(run, 12)
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(footer.add_run(f"统计期间：{ov.period.label_zh}（{ov.period.label}）　数据版本：{ov.version}　"
                         f"评分规则：{ov.rubric_version}　生成时间：{generated}"), 9)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def file_name(period: Period) -> str:
    return f"社区警务工作通报_{period.label}.docx"


def bulletin(app: App, actor: Actor | int, period: Period | str) -> tuple[str, bytes]:
    """(file name, .docx bytes) of the 通报 for ``period`` over the actor's scope (局领导, 考评员, 管理员)."""
    try:
        period = parse_period(period)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    with app.db.read() as conn:
        require_role(reload(conn, actor), "leadership", "evaluator", "admin")
    ov = views.overview(app, actor, period)
    if ov.empty or not set(period.months) & set(views.available_months(app, actor)):
        raise ServiceError(f"{period.label_zh}没有可通报的评定结果（范围内无数据）。")
    before = views.overview(app, actor, previous(period))
    warnings = views.warnings_list(app, actor, ov.as_of)
    from services import bulletin_charts
    charts = bulletin_charts.render(ov)
    generated = datetime.now(clock.zone(app.settings)).strftime("%Y-%m-%d %H:%M")
    return file_name(period), build_document(ov, before, warnings, generated, charts)
