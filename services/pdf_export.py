"""PDF of the ranking and of one office's score card (issue 14), with the Chinese font embedded.

Drawn with fpdf2, which embeds a subset of an OpenType font with CFF outlines — the Noto Sans CJK
collection that ``scripts/test.sh`` installs (``fonts-noto-cjk``); ReportLab cannot embed those, and its
built-in CID fonts are not embedded at all. The content comes from ``services.rating_views`` (the same
ranking and explanation the 星级评定 screen shows), scores with two decimals as on screen.
"""

from __future__ import annotations

import glob
from datetime import datetime

import pandas as pd

from metrics.explain import format_value
from metrics.periods import Period
from metrics.scoring import stars_text
from services import clock, reading
from services import rating_views as rv
from services.actors import Actor, require_role
from services.context import App
from services.errors import ServiceError
from store import audit

FONT_GLOBS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-{w}.ttc", "/usr/share/fonts/**/NotoSansCJK*-{w}.ttc",
              "/usr/share/fonts/**/NotoSansCJK*SC*-{w}.otf", "/usr/share/fonts/**/NotoSansSC-{w}.otf")
FAMILY = "Noto Sans CJK SC"
NO_FONT = "服务器未安装中文字体（Noto Sans CJK），无法生成 PDF；请管理员安装 fonts-noto-cjk 后重试。"


def _font_file(weight: str) -> tuple[str, int] | None:
    """(path, index in the collection) of the Simplified Chinese Noto Sans CJK face of ``weight``."""
    from fontTools.ttLib import TTCollection
    for pattern in FONT_GLOBS:
        for path in sorted(glob.glob(pattern.format(w=weight), recursive=True)):
            if not path.endswith(".ttc"):
                return path, 0
            for i, face in enumerate(TTCollection(path, lazy=True).fonts):
                if FAMILY in {str(n) for n in face["name"].names if n.nameID == 1}:
                    return path, i
            return path, 0
    return None


def _pdf(title: str, footer_text: str, *, landscape: bool):
    from fpdf import FPDF

    regular, bold = _font_file("Regular"), _font_file("Bold")
    if regular is None:
        raise ServiceError(NO_FONT)

    class Doc(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("cjk", size=8)
            self.cell(0, 8, f"{footer_text}　第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")

    pdf = Doc(orientation="L" if landscape else "P", format="A4")
    pdf.set_title(title)
    pdf.add_font("cjk", "", regular[0], collection_font_number=regular[1])
    b = bold or regular
    pdf.add_font("cjk", "B", b[0], collection_font_number=b[1])
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_font("cjk", "B", 16)
    pdf.cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    return pdf


def _line(pdf, text: str, size: float = 10, bold: bool = False) -> None:
    pdf.set_font("cjk", "B" if bold else "", size)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _table(pdf, header: list[str], body: list[list[str]], widths: tuple[float, ...]) -> None:
    pdf.set_font("cjk", size=8.5)
    from fpdf.fonts import FontFace
    with pdf.table(col_widths=widths, headings_style=FontFace(family="cjk", emphasis="BOLD", fill_color=(221, 235, 247)),
                   line_height=5.5, repeat_headings=1, text_align="LEFT") as table:
        row = table.row()
        for h in header:
            row.cell(h)
        for values in body:
            row = table.row()
            for v in values:
                row.cell(v)


def _num(v, digits: int = 2) -> str:
    return "—" if v is None or pd.isna(v) else f"{float(v):.{digits}f}"


def _footer(view: rv.RatingView, app: App) -> str:
    made = datetime.now(clock.zone(app.settings)).strftime("%Y-%m-%d %H:%M")
    return f"{view.period.label_zh}　评分规则 {view.rubric.version}　数据版本 {view.data_version}　生成 {made}"


def ranking_pdf(app: App, actor: Actor | int, period: Period | str, rubric_number: int | None = None,
                *, target: str = "下载") -> tuple[str, bytes]:
    """(file name, PDF bytes) of the ranking of the offices in the actor's scope (局领导, 考评员, 管理员),
    recorded as a ``RankingExported`` audit event (format ``pdf``) naming ``target``."""
    who = reading.scope(app, actor).actor
    require_role(who, *rv.EXPORT_ROLES)
    view = rv.rating_view(app, actor, period, rubric_number)
    ranked = view.ranked[view.ranked["code"].astype(str).isin(view.visible)]
    if ranked.empty:
        raise ServiceError(f"{view.period.label_zh}没有可导出的评定结果。")
    rubric = view.rubric
    pdf = _pdf(f"{view.period.label_zh}星级警务室评定结果", _footer(view, app), landscape=True)
    _line(pdf, f"评分规则：{rubric.version}（摘要 {rubric.digest()[:12]}）　统计截至：{view.as_of.isoformat()}　"
               f"数据版本：{view.data_version}", 9)
    caps = {c.metric: c.label for c in rubric.caps}
    body = []
    for _, r in ranked.sort_values(["rank", "code"], na_position="last").iterrows():
        note = [f"封顶：{caps.get(r['capped_by'], r['capped_by'])}" if r.get("capped_by") else "",
                str(r["reason"]) if isinstance(r.get("reason"), str) else ""]
        body.append(["" if pd.isna(r["rank"]) else str(int(r["rank"])), str(r["code"]), str(r["name"]),
                     str(r["station"]), str(r["branch"]), _num(r["score"]),
                     stars_text(None if pd.isna(r["stars"]) else int(r["stars"]), rubric.top_stars),
                     "；".join(n for n in note if n)])
    _table(pdf, ["排名", "警务室编码", "警务室", "派出所", "分局", "得分", "星级", "说明"], body,
           (10, 28, 40, 30, 26, 14, 22, 107))
    data = bytes(pdf.output())
    with app.db.write() as conn:  # recorded like the workbook and CSV exports
        audit.append(conn, "RankingExported", actor_id=who.id, actor_name=who.username, period=view.period.label,
                     rubric_version=rubric.version, rubric_number=view.rubric_number, rubric_digest=rubric.digest(),
                     format="pdf", offices=len(ranked), data_version=view.data_version, target=target)
    return f"星级评定_{view.period.label}_第{view.rubric_number}版.pdf", data


def scorecard_pdf(app: App, actor: Actor | int, period: Period | str, rubric_number: int | None,
                  code: str) -> tuple[str, bytes]:
    """(file name, PDF bytes) of one office's score card: items, points, caps, the waterfall's steps and
    what lifts it to the next star (an office the actor may see in full)."""
    view = rv.rating_view(app, actor, period, rubric_number)
    ex = rv.explain_office(app, actor, period, view.rubric_number, code)
    rubric = view.rubric
    pdf = _pdf(f"{ex.name}（{ex.code}）评分卡", _footer(view, app), landscape=False)
    _line(pdf, f"{view.period.label_zh}　评分规则：{rubric.version}　统计截至：{view.as_of.isoformat()}", 9)
    _line(pdf, f"得分：{_num(ex.score)}　星级：{stars_text(ex.stars, rubric.top_stars)}", 12, bold=True)
    body = [[it.label, format_value(it.metric, it.value), format_value(it.metric, it.floor),
             format_value(it.metric, it.target), f"{it.weight:g}", _num(it.points),
             _num(it.lost), _num(it.contribution)] for it in ex.items]
    _table(pdf, ["评分项目", "数值", "起点", "目标", "满分", "得分", "失分", "计入总分"], body,
           (44, 20, 20, 20, 14, 18, 18, 26))
    pdf.ln(3)
    _line(pdf, "封顶：" + (ex.cap_sentence or "未触发封顶。"))
    _line(pdf, "升星：" + ex.next_star_sentence)
    pdf.ln(2)
    _line(pdf, "逐项说明", 10, bold=True)
    for s in ex.sentences:
        _line(pdf, s, 9)
    return f"评分卡_{ex.code}_{view.period.label}.pdf", bytes(pdf.output())
