"""The ranking as JSON, as a printable workbook and as CSV (shared/spec/rubric.md, "Output contract").

* :func:`ranking_json` — exactly the ``rank --json`` contract (unrounded numbers, ``null`` for missing).
* :func:`write_ranking_xlsx` — sheets 排名 (rank, office, station, branch, score, stars as ★ text, item
  points and key indicators), 评分规则 (the rubric used), 数据来源 (each input file's order, name, SHA-256,
  size and version) and 方法说明 (methodology); frozen header, filters, percent formats, column widths,
  A4 landscape. Written through xlsxwriter's public API with every text cell written as a string
  (3,000 offices × 32 columns take about half a second, within the one-second target of
  ``bench/bench_rating.py``).
* :func:`write_ranking_csv` — the ranking sheet as CSV, UTF-8 with BOM, formula triggers neutralised.

No text a user typed (office names, file names, rubric labels) can become a live formula: see
:mod:`metrics.safe_export`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd
import xlsxwriter

from metrics.explain import METRIC_LABELS, metric_kind
from metrics.robustness import DEFAULT_DRAWS, FLAG_SHARE, SPREAD
from metrics.rubric import Rubric
from metrics.safe_export import clean_text, csv_cell, xlsxwriter_options
from metrics.scoring import points_column, stars_text

SHEET_RANKING = "排名"
SHEET_RUBRIC = "评分规则"
SHEET_LINEAGE = "数据来源"
SHEET_METHOD = "方法说明"


def _num(v: Any) -> float | None:
    """A plain float for JSON/cells, None for missing (NaN, NA, None)."""
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _int(v: Any) -> int | None:
    f = _num(v)
    return None if f is None else int(f)


def _text(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


# --------------------------------------------------------------------------------------------------
# JSON


def ranking_json(ranked: pd.DataFrame, rubric: Rubric, period: str) -> dict[str, Any]:
    """The ``python -m metrics rank --json`` document for a ranked table (from ``ranking.rank``)."""
    offices = []
    for row in ranked.to_dict("records"):
        rated = bool(row["rated"])
        items = {}
        for it in rubric.items:
            pts = _num(row.get(points_column(it.key)))
            items[it.metric] = {"value": _num(row.get(it.metric)) if pts is not None else None, "points": pts}
        offices.append(
            {
                "code": _text(row.get("code")),
                "name": _text(row.get("name")),
                "station": _text(row.get("station")),
                "branch": _text(row.get("branch")),
                "score": _num(row["score"]) if rated else None,
                "stars": _int(row["stars"]) if rated else None,
                "rated": rated,
                "rank": _int(row.get("rank")) if rated else None,
                "rank_in_branch": _int(row.get("rank_in_branch")) if rated else None,
                "rank_in_station": _int(row.get("rank_in_station")) if rated else None,
                "capped_by": row.get("capped_by") if isinstance(row.get("capped_by"), str) else None,
                "missing": list(row.get("missing") or []),
                "items": items,
            }
        )
    return {"period": period, "rubric_version": rubric.version, "offices": offices}


# --------------------------------------------------------------------------------------------------
# The ranking table (shared by the workbook and the CSV)


@dataclass(frozen=True)
class Column:
    header: str
    kind: str  # "int", "text", "score", "points", "percent", "signed_percent", "hours", "number", "share"
    width: float


def _notes(ranked: pd.DataFrame, rated: Sequence[bool], rubric: Rubric) -> list[str]:
    """The 说明 column: why an office is 待评, or which cap / the five-star quota lowered its stars."""
    n = len(ranked)
    reasons = _values(ranked, "reason", n)
    capped = _values(ranked, "capped_by", n)
    dropped = _values(ranked, "quota_dropped", n, False)
    cap_labels = {c.metric: c.label for c in reversed(rubric.caps)}  # first cap of a metric wins
    notes = []
    for ok, reason, cap, drop in zip(rated, reasons, capped, dropped, strict=True):
        if not ok:
            notes.append(_text(reason))
            continue
        parts = []
        if isinstance(cap, str) and cap:
            parts.append(f"封顶：{cap_labels.get(cap, cap)}")
        if bool(drop):
            parts.append("五星名额限制")
        notes.append("；".join(parts))
    return notes


def _values(frame: pd.DataFrame, name: str, n: int, default: Any = None) -> list[Any]:
    """A column as a Python list, or ``default`` repeated when the frame lacks it."""
    return frame[name].tolist() if name in frame.columns else [default] * n


def _int_values(frame: pd.DataFrame, name: str) -> list[int | None]:
    """A numeric column as ints with None for missing (column-wise)."""
    return [None if v is None else int(v) for v in _column_values(frame, name)]


def _indicator_kind(metric: str) -> str:
    kind = metric_kind(metric)
    if kind == "percent":
        return "signed_percent" if metric.endswith("_yoy") else "percent"
    return {"hours": "hours", "count": "number"}.get(kind, "number")


def ranking_table(
    ranked: pd.DataFrame, rubric: Rubric, robust: pd.DataFrame | None = None
) -> tuple[list[Column], list[list[Any]]]:
    """Headers and rows of the ranking sheet (values unrounded; None for empty cells)."""
    cols = [
        Column("排名", "int", 6), Column("分局内排名", "int", 8), Column("派出所内排名", "int", 8),
        Column("警务室编码", "text", 14), Column("警务室", "text", 18), Column("派出所", "text", 14),
        Column("分局", "text", 12), Column("得分", "score", 8), Column("星级", "text", 10),
        Column("说明", "text", 24), Column("缺数据项", "text", 16),
    ]  # fmt: skip
    cols += [Column(f"{it.label}得分（满分{it.weight:g}）", "points", 10) for it in rubric.items]
    indicator_metrics = [it.metric for it in rubric.items]
    indicator_metrics += [c.metric for c in rubric.caps if c.metric not in indicator_metrics]
    labels = {it.metric: it.label for it in rubric.items}
    cols += [Column(labels.get(m, METRIC_LABELS.get(m, m)), _indicator_kind(m), 11) for m in indicator_metrics]
    rob = None
    if robust is not None:
        cols += [Column("排名中位数", "number", 9), Column("排名5%分位", "number", 9),
                 Column("排名95%分位", "number", 9), Column("星级变化比例", "share", 10),
                 Column("星级稳定性", "text", 10)]  # fmt: skip
        rob = robust.drop_duplicates("code").set_index(robust.drop_duplicates("code")["code"].astype(str))
    top = rubric.top_stars
    missing_label = {it.metric: it.label for it in rubric.items}
    n = len(ranked)
    rated = [bool(v) for v in ranked["rated"].tolist()]
    star_texts: dict[int | None, str] = {}
    stars = []
    for s, ok in zip(_int_values(ranked, "stars"), rated, strict=True):
        if not ok:
            stars.append("待评")
        elif s in star_texts:
            stars.append(star_texts[s])
        else:
            stars.append(star_texts.setdefault(s, stars_text(s, top)))
    data: list[list[Any]] = [
        _int_values(ranked, "rank"),
        _int_values(ranked, "rank_in_branch"),
        _int_values(ranked, "rank_in_station"),
        *([_text(v) for v in _values(ranked, name, n)] for name in ("code", "name", "station", "branch")),
        [v if ok else None for v, ok in zip(_column_values(ranked, "score"), rated, strict=True)],
        stars,
        _notes(ranked, rated, rubric),
        ["、".join(missing_label.get(m, m) for m in (v or [])) for v in _values(ranked, "missing", n)],
    ]
    data += [_column_values(ranked, points_column(it.key)) for it in rubric.items]
    data += [_column_values(ranked, m) for m in indicator_metrics]
    if rob is not None:
        codes = ranked["code"].astype(str)
        aligned = rob.reindex(codes)
        for name in ("median_rank", "rank_p5", "rank_p95", "star_change_share"):
            data.append(_column_values(aligned, name))
        flags = aligned["unstable"].tolist()
        data.append(["" if f is None or f is pd.NA or f != f else ("不稳定" if f else "稳定") for f in flags])
    rows = [list(r) for r in zip(*data, strict=True)] if n else []
    return cols, rows


def _column_values(frame: pd.DataFrame, name: str) -> list[float | None]:
    """A numeric column as floats with None for missing (fast, column-wise)."""
    if name not in frame.columns:
        return [None] * len(frame)
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=float("nan"))
    return [None if v != v else float(v) for v in values.tolist()]


# --------------------------------------------------------------------------------------------------
# Workbook


def _lineage_rows(sources: Sequence[Any] | None) -> list[dict[str, Any]]:
    rows = []
    for s in sources or ():
        if isinstance(s, Mapping):
            rows.append({"name": s.get("name"), "sha256": s.get("sha256"), "size": s.get("size"),
                         "version": s.get("version")})  # fmt: skip
        else:
            rows.append({"name": getattr(s, "name", ""), "sha256": getattr(s, "sha256", ""),
                         "size": getattr(s, "size", None), "version": getattr(s, "version", None)})  # fmt: skip
    return rows


def methodology_lines(rubric: Rubric) -> list[str]:
    """The methodology note (Chinese), one paragraph per line."""
    caps = "；".join(f"{c.label}（{c.metric} {c.op} {c.threshold:g}）最高 {c.max_stars} 星" for c in rubric.caps)
    bands = "，".join(f"≥{b.min_score:g} 分 {b.stars} 星" for b in rubric.bands)
    quota = (
        f"启用五星名额：五星不超过已评单位的 {rubric.quota.top_share:.0%}，超出者按得分由低到高降为下一档。"
        if rubric.quota.enabled
        else "未启用五星名额限制。"
    )
    return [
        f"评分规则版本：{rubric.version}。",
        "一、单项得分：每个评分项在“起点”（0 分）与“目标”（满分，即权重）之间线性计分，超出范围的取 0 分或满分；"
        "起点高于目标的项目为“越低越好”（如警情同比）。",
        f"二、缺数据：无数据的项目不得分并列为缺数据项；有数据项目的权重合计不低于 {rubric.min_weight_with_data:g} 分时，"
        f"总分 = 各项得分之和 × 100 ÷ 有数据项目的权重合计；否则为“待评”，不评分、不评星、不排名，并注明原因。",
        f"三、星级：按未经四舍五入的总分定档（{bands}，其余 1 星）；然后适用封顶规则：{caps or '无'}。{quota}",
        "四、排名：按总分由高到低；同分时依次比较矛盾纠纷化解率（高者在前）、驻社区日均时长（高者在前）、警务室编码（升序）。"
        "名次连续（1、2、3……），分别在全局、分局内、派出所内排名。总分显示保留两位小数，计算和比较均用原值。",
        f"五、稳健性（如附）：将各项权重分别乘以 [{1 - SPREAD:g}, {1 + SPREAD:g}] 内的随机系数后重新归一到 100 分，"
        f"抽样 {DEFAULT_DRAWS} 次（固定随机种子，可复现），给出排名中位数与 5%–95% 分位区间；"
        f"星级在超过 {FLAG_SHARE:.0%} 的抽样中发生变化的单位标为“不稳定”。名次相差两三位未必有实际意义。",
        "六、数据来源：见“数据来源”工作表，列出每个上传文件的名称、SHA-256 校验值和顺序；同一警务室同一月份以后上传的数据为准。",
    ]


def write_ranking_xlsx(
    target: str | Path | IO[bytes],
    ranked: pd.DataFrame,
    rubric: Rubric,
    *,
    period: str,
    sources: Sequence[Any] | None = None,
    robust: pd.DataFrame | None = None,
) -> None:
    """Write the ranking workbook to a path or a binary buffer.

    ``sources``: the data lineage, in upload order — ``SourceFile`` objects or dicts with ``name``,
    ``sha256``, ``size`` and optionally ``version``. ``robust``: optional output of
    :func:`metrics.robustness.robustness`, added as columns.
    """
    target_arg = str(target) if isinstance(target, str | Path) else target
    wb = xlsxwriter.Workbook(target_arg, {**xlsxwriter_options(), "in_memory": True})
    try:
        _fill_workbook(wb, ranked, rubric, period, sources, robust)
    finally:
        wb.close()


def _finite(v: Any) -> bool:
    """A number that can go into a cell: not None, NaN or ±inf."""
    return v is not None and v - v == 0


def _write_cells(ws, first_row: int, rows: Sequence[Sequence[Any]], is_text: Sequence[bool],
                 formats: Sequence[Any]) -> None:  # fmt: skip
    """The body through xlsxwriter's public API: text with ``write_string`` (never a formula), numbers
    with ``write_number``; empty text, missing and non-finite numbers leave the cell empty."""
    for r, values in enumerate(rows, start=first_row):
        for c, v in enumerate(values):
            if is_text[c]:
                text = clean_text(v)
                if text:
                    ws.write_string(r, c, text, formats[c])
            elif _finite(v):
                ws.write_number(r, c, v, formats[c])


def _fill_workbook(wb, ranked, rubric, period, sources, robust) -> None:
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center",
                          "bg_color": "#DDEBF7", "border": 1})  # fmt: skip
    fmts = {
        "int": wb.add_format({"num_format": "0"}),
        "text": wb.add_format({}),
        "score": wb.add_format({"num_format": "0.00"}),
        "points": wb.add_format({"num_format": "0.00"}),
        "percent": wb.add_format({"num_format": "0.0%"}),
        "signed_percent": wb.add_format({"num_format": "+0.0%;-0.0%;0.0%"}),
        "share": wb.add_format({"num_format": "0.0%"}),
        "hours": wb.add_format({"num_format": "0.00"}),
        "number": wb.add_format({"num_format": "General"}),
    }
    stars_fmt = wb.add_format({"font_color": "#C00000"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold = wb.add_format({"bold": True})

    # --- 排名 ---------------------------------------------------------------------------------------
    ws = wb.add_worksheet(SHEET_RANKING)
    cols, rows = ranking_table(ranked, rubric, robust)
    ws.set_row(0, 32)
    for c, col in enumerate(cols):
        ws.write_string(0, c, col.header, head)
        ws.set_column(c, c, col.width, fmts[col.kind] if col.kind != "text" else None)
    star_col = next(i for i, c in enumerate(cols) if c.header == "星级")
    cell_formats = [stars_fmt if c == star_col else (None if col.kind == "text" else fmts[col.kind])
                    for c, col in enumerate(cols)]  # fmt: skip
    _write_cells(ws, 1, rows, [c.kind == "text" for c in cols], cell_formats)
    ws.freeze_panes(1, 5)
    ws.autofilter(0, 0, max(len(rows), 1), len(cols) - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    title = clean_text(f"社区警务星级评定排名  期间 {period}  评分规则 {rubric.version}").replace("&", "&&")
    ws.set_header(f"&C{title}"[:250])
    ws.set_footer("&C第 &P 页，共 &N 页")

    # --- 评分规则 -----------------------------------------------------------------------------------
    rs = wb.add_worksheet(SHEET_RUBRIC)
    rs.set_column(0, 0, 22)
    rs.set_column(1, 6, 14)
    r = 0
    rs.write_string(r, 0, "评分规则版本", bold)
    rs.write_string(r, 1, clean_text(rubric.version))
    r += 1
    rs.write_string(r, 0, "内容校验值（SHA-256）", bold)
    rs.write_string(r, 1, rubric.digest())
    r += 1
    rs.write_string(r, 0, "有数据项目最低权重合计", bold)
    rs.write_number(r, 1, rubric.min_weight_with_data)
    r += 2
    for c, h in enumerate(("评分项", "指标键", "权重", "起点（0 分）", "目标（满分）", "方向")):
        rs.write_string(r, c, h, head)
    for it in rubric.items:
        r += 1
        pct = metric_kind(it.metric) == "percent"
        rs.write_string(r, 0, clean_text(it.label))
        rs.write_string(r, 1, clean_text(it.metric))
        rs.write_number(r, 2, it.weight)
        rs.write_number(r, 3, it.floor, fmts["percent"] if pct else fmts["hours"])
        rs.write_number(r, 4, it.target, fmts["percent"] if pct else fmts["hours"])
        rs.write_string(r, 5, "越低越好" if it.better == "lower" else "越高越好")
    r += 2
    for c, h in enumerate(("星级", "最低分（含）")):
        rs.write_string(r, c, h, head)
    for b in rubric.bands:
        r += 1
        rs.write_string(r, 0, stars_text(b.stars, rubric.top_stars))
        rs.write_number(r, 1, b.min_score)
    r += 1
    rs.write_string(r, 0, stars_text(1, rubric.top_stars))
    rs.write_string(r, 1, f"低于 {rubric.bands[-1].min_score:g}")
    r += 2
    for c, h in enumerate(("封顶规则", "指标键", "条件", "最高星级")):
        rs.write_string(r, c, h, head)
    for cap in rubric.caps:
        r += 1
        rs.write_string(r, 0, clean_text(cap.label))
        rs.write_string(r, 1, clean_text(cap.metric))
        rs.write_string(r, 2, f"{cap.op} {cap.threshold:g}")
        rs.write_string(r, 3, stars_text(cap.max_stars, rubric.top_stars))
    r += 2
    rs.write_string(r, 0, "五星名额", bold)
    rs.write_string(r, 1, f"启用，{rubric.quota.top_share:.0%}" if rubric.quota.enabled else "未启用")
    rs.set_landscape()
    rs.set_paper(9)
    rs.fit_to_pages(1, 0)

    # --- 数据来源 -----------------------------------------------------------------------------------
    ls = wb.add_worksheet(SHEET_LINEAGE)
    for c, (h, w) in enumerate((("顺序", 6), ("文件名", 40), ("SHA-256", 68), ("大小（字节）", 12), ("版本", 14))):
        ls.write_string(0, c, h, head)
        ls.set_column(c, c, w)
    lineage = _lineage_rows(sources)
    for i, s in enumerate(lineage, start=1):
        ls.write_number(i, 0, i)
        ls.write_string(i, 1, clean_text(s["name"]))
        ls.write_string(i, 2, clean_text(s["sha256"]))
        if _num(s["size"]) is not None:
            ls.write_number(i, 3, _num(s["size"]))
        if s["version"] not in (None, ""):
            ls.write_string(i, 4, clean_text(s["version"]))
    ls.freeze_panes(1, 0)
    ls.set_landscape()
    ls.set_paper(9)
    ls.fit_to_pages(1, 0)

    # --- 方法说明 -----------------------------------------------------------------------------------
    ms = wb.add_worksheet(SHEET_METHOD)
    ms.set_column(0, 0, 110, wrap)
    ms.write_string(0, 0, "方法说明", bold)
    for i, line in enumerate(methodology_lines(rubric), start=1):
        ms.write_string(i, 0, clean_text(line), wrap)
    ms.set_paper(9)
    ms.set_landscape()
    ms.fit_to_pages(1, 0)


# --------------------------------------------------------------------------------------------------
# CSV


def ranking_csv_bytes(ranked: pd.DataFrame, rubric: Rubric, robust: pd.DataFrame | None = None) -> bytes:
    """The ranking sheet as CSV bytes: UTF-8 with BOM, CRLF, formula triggers in text neutralised."""
    cols, rows = ranking_table(ranked, rubric, robust)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_cell(c.header) for c in cols])
    kinds = [c.kind for c in cols]
    for values in rows:
        w.writerow([csv_cell(clean_text(v)) if kinds[i] == "text" else csv_cell(v) for i, v in enumerate(values)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_ranking_csv(
    target: str | Path | IO[bytes], ranked: pd.DataFrame, rubric: Rubric, robust: pd.DataFrame | None = None
) -> None:
    """Write :func:`ranking_csv_bytes` to a path or a binary buffer."""
    data = ranking_csv_bytes(ranked, rubric, robust)
    if isinstance(target, str | Path):
        Path(target).write_bytes(data)
    else:
        target.write(data)
