"""Read services behind the 指标分析, 矛盾纠纷, 星级评定 and 评分规则 screens, scope-checked on every call.

Every function takes the app and the acting user, reloads the user from the database and limits what
it returns to what their role and scope allow (architecture.md habit 10; hardening.md "Streamlit"):

* station heads see their own station's offices in full, and the bureau ranking (name, station, rank,
  score and stars of every office, but no other office's indicators, item points, caps, reasons or
  ledger rows);
* branch leadership sees its branch; bureau leadership, evaluators and admins see everything;
* only evaluators save rubric versions and compare them; ratings are exported by leadership,
  evaluators and admins, each export recorded as a ``RankingExported`` audit event.

Everything is read through ``services.reading`` (the one loader, scope and cache): indicators are
computed on the WHOLE stored dataset (a repeat dispute may involve another station's office) and only
then filtered to the scope. Heavy results are cached in-process by small keys (database, data version,
period, level, rubric) — never by user — and scope-filtered per call.

No Streamlit import here: the pages call these functions and render.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from metrics import early_warnings
from metrics.dataset import Dataset
from metrics.explain import Explanation, explain
from metrics.indicators import ledger as ledger_indicators
from metrics.indicators.components import ledger_components
from metrics.indicators.engine import sum_by_unit
from metrics.indicators.ledger_state import LedgerState
from metrics.indicators.prepared import LedgerReader
from metrics.indicators.registry import INDICATORS
from metrics.indicators.units import office_table
from metrics.periods import Period, shift_month
from metrics.ranking_export import ranking_csv_bytes, write_ranking_xlsx
from metrics.robustness import robustness
from metrics.rubric import Rubric, rubric_problems
from services import reading, rubrics
from services.actors import Actor, require_role
from services.context import App
from services.errors import PermissionDenied, ServiceError
from store import audit

DEFAULT_VERSION = rubrics.DEFAULT_VERSION
"""Rubric version 0 is the shipped ``config/rubric.toml``; saved versions are 1, 2, …"""
EXPORT_ROLES = ("leadership", "evaluator", "admin")
RUBRIC_ROLES = ("evaluator",)
FUNNEL_COMPONENTS = {
    "resolution_rate": ("resolved", "settleable", "应化解纠纷数"),
    "follow_up_rate": ("follow_up_done", "follow_up_due", "应回访纠纷数"),
}
"""Funnel indicator → (numerator, denominator, Chinese volume label)."""


# --- scope, loading and caching: the one read path of services.reading ---------------------------------

Scope = reading.Scope
scope = reading.scope
clear_cache = reading.clear_cache
_cached = reading.cached
_db_key = reading.db_key
_filter_units = reading.filter_units
_check_level = reading.check_level
_period = reading.period_of


def months_in_scope(app: App, actor: Actor | int) -> list[str]:
    """Months ("YYYY-MM") with monthly rows in the actor's scope, ascending (``reading.months_in_scope``),
    remembered per (data version, scope): every run of a screen asks, and the answer changes only with
    the data."""
    sc = scope(app, actor)
    return list(_cached((_db_key(app), "months", sc.key), lambda: reading.months_in_scope(app, sc.actor)))


def _dataset(app: App, version: int) -> Dataset:
    """Every current stored row (all stations) as a Dataset (``services.reading.stored``)."""
    return reading.stored(app, version).dataset


def visible_units(app: App, actor: Actor | int) -> pd.DataFrame:
    """The office registry in scope (``code, name, station, branch``), for drill-down pickers."""
    sc = scope(app, actor)
    ds = _dataset(app, sc.data_version)
    offs = office_table(ds.monthly, ds.ledger).reset_index().rename(columns={"office_code": "code"})
    offs = offs[["code", "name", "station", "branch"]]
    return _filter_units(offs, sc, "office")


# --- 指标分析 ------------------------------------------------------------------------------------------

@dataclass
class IndicatorView:
    period: Period
    as_of: date
    level: str
    units: pd.DataFrame
    """``compute(...).units`` for the units in scope (registry keys, Wilson bounds, prior figures)."""
    data_version: int


def _report(app: App, version: int, period: Period, level: str):
    """The bureau-wide Report of ``level`` (``services.reading.reports``: all levels computed once)."""
    return reading.reports(app, reading.stored(app, version), period)[level]


def indicator_view(app: App, actor: Actor | int, period: Period | str, level: str) -> IndicatorView:
    """Every indicator for each unit of ``level`` in the actor's scope over ``period``."""
    sc = scope(app, actor)
    _check_level(sc, level)
    p = _period(period)
    rep = _report(app, sc.data_version, p, level)
    return IndicatorView(p, rep.as_of, level, _filter_units(rep.units, sc, level), sc.data_version)


def funnel_view(app: App, actor: Actor | int, period: Period | str, level: str, key: str) -> pd.DataFrame:
    """Numerator and denominator of ``key`` (resolution_rate or follow_up_rate) per unit in scope:
    ``code, name, station, branch, num, den``; the volume label is in ``attrs["volume_label"]``."""
    if key not in FUNNEL_COMPONENTS:
        raise ServiceError(f"指标“{key}”没有漏斗图。")
    sc = scope(app, actor)
    _check_level(sc, level)
    p = _period(period)
    rep = _report(app, sc.data_version, p, level)

    def build() -> pd.DataFrame:
        ds = _dataset(app, sc.data_version)
        offs = office_table(ds.monthly, ds.ledger)
        comp = ledger_components(ds.ledger, offs, p.first_day, p.last_day, rep.as_of)
        comp["settleable"] = comp["disputes"] - comp["transferred"]
        return sum_by_unit(offs, comp, level).drop(columns="level")

    full = _cached((_db_key(app), "funnel", sc.data_version, p.label, level), build)
    num, den, label = FUNNEL_COMPONENTS[key]
    out = _filter_units(full, sc, level)[["code", "name", "station", "branch", num, den]]
    out = out.rename(columns={num: "num", den: "den"})
    out.attrs["volume_label"] = label
    return out


def trend_view(app: App, actor: Actor | int, key: str, level: str, last_month: str | None = None,
               months: int = 24) -> pd.DataFrame:
    """Indicator ``key`` per unit in scope for each of the ``months`` months up to ``last_month``
    (default: the month the screens open on, ``services.completeness.default_periods``): long form
    ``code, name, level, station, branch, month, value``."""
    if key not in INDICATORS:
        raise ServiceError(f"指标“{key}”不存在。")
    sc = scope(app, actor)
    _check_level(sc, level)
    ds = _dataset(app, sc.data_version)
    if last_month is None:
        if not len(ds.monthly):
            return pd.DataFrame(columns=["code", "name", "level", "station", "branch", "month", "value"])
        from services.completeness import default_periods

        last_month = default_periods(app, sc.actor)["month"]
    last_month = _period(last_month).months[-1]
    span = [shift_month(last_month, -i) for i in range(months - 1, -1, -1)]
    series = reading.series(app, reading.stored(app, sc.data_version), span, level, key)
    return _filter_units(series, sc, level)


# --- ledger and 矛盾纠纷 ------------------------------------------------------------------------------

LEDGER_HEADERS = {
    "dispute_id": "纠纷编号", "office_code": "警务室编码", "office_name": "警务室", "station": "派出所",
    "branch": "分局", "received_date": "受理日期", "source": "来源", "category": "纠纷类型",
    "risk": "风险等级", "complexity": "复杂程度", "level": "调解层级", "status": "办理状态",
    "resolved_date": "化解日期", "follow_up_date": "回访日期", "escalated": "是否民转刑", "note": "备注",
    "_file": "来源文件", "_sheet": "工作表", "_row": "行号",
}  # fmt: skip
"""Ledger columns shown to users (never ``party_key``), with their Chinese headers."""


def _ledger_in_scope(app: App, sc: Scope) -> pd.DataFrame:
    ds = _dataset(app, sc.data_version)
    offs = office_table(ds.monthly, ds.ledger)
    led = ds.ledger
    info = offs.reindex(led["office_code"].astype(object))
    led = led.assign(office_name=info["name"].to_numpy(), station=info["station"].to_numpy(),
                     branch=info["branch"].to_numpy())
    if sc.stations is not None:
        led = led[led["station"].isin(sc.stations)]
    return led[[c for c in LEDGER_HEADERS if c in led.columns]].reset_index(drop=True)


def ledger_view(app: App, actor: Actor | int, *, period: Period | str | None = None, level: str = "office",
                unit: str | None = None, as_of: date | None = None) -> pd.DataFrame:
    """Dispute rows in scope (no party identity), newest first.

    With ``period``: disputes received in it (and not after ``as_of``, default per metrics.md). With
    ``unit``: only that unit of ``level`` (drill from a number to the rows behind it); a unit outside
    the scope is refused.
    """
    sc = scope(app, actor)
    led = _ledger_in_scope(app, sc)
    if period is not None:
        p = _period(period)
        if as_of is None:
            as_of = _report(app, sc.data_version, p, "office").as_of
        r = pd.to_datetime(led["received_date"])
        led = led[(r >= pd.Timestamp(p.first_day)) & (r <= pd.Timestamp(min(p.last_day, as_of)))]
    if unit is not None:
        _check_level(sc, level)
        col = {"office": "office_code", "station": "station", "branch": "branch"}.get(level)
        if col is not None:
            allowed = {"office_code": None, "station": sc.sees_station, "branch": sc.sees_branch}[col]
            if allowed is not None and not allowed(unit):
                raise PermissionDenied("无权查看该单位的纠纷台账。")
            led = led[led[col] == unit]
    return led.sort_values(["received_date", "dispute_id"], ascending=[False, True]).reset_index(drop=True)


@dataclass
class DisputeBoard:
    as_of: date | None
    open: pd.DataFrame
    """Disputes open at ``as_of`` (化解中, or resolved after as_of) in scope, whenever received, with ``risk``."""
    overdue: pd.DataFrame
    follow_up: pd.DataFrame
    repeat: pd.DataFrame
    by_level: pd.DataFrame
    """Resolved disputes by 调解层级 per station: ``station, 社区, 派出所, 县局, 未填, 合计, 基层化解率``."""
    period: Period | None = None
    """The period the lists are of (None: all time up to ``as_of``)."""
    received: int = 0
    """Disputes in scope received in the period (up to ``as_of``)."""


def dispute_board(app: App, actor: Actor | int, period: Period | str | None = None,
                  as_of: date | None = None) -> DisputeBoard:
    """The three-colour board, overdue disputes, follow-ups due, repeat disputes and resolution by
    mediation level for the actor's scope.

    With ``period``: ``as_of`` is the period's end as the engine reads it (metrics.md ``as_of``); the board
    lists the disputes open at that date (whenever received); overdue disputes, follow-ups and repeat
    disputes are the warnings as of that date about disputes received in the period or still open at its
    end (as 总览 lists them, ``reading.warnings_page(since=…)``); resolution by level counts the disputes
    received in the period and resolved by its end. Without: everything up to ``as_of`` (default: the
    data's latest date)."""
    sc = scope(app, actor)
    ds = _dataset(app, sc.data_version)
    p = _period(period) if period is not None else None
    if as_of is None:
        as_of = _report(app, sc.data_version, p, "office").as_of if p is not None and len(ds.monthly) else \
            early_warnings.default_as_of(ds)
    led = _ledger_in_scope(app, sc)
    empty = led.iloc[0:0]
    if as_of is None:
        return DisputeBoard(None, empty, empty, empty, empty, pd.DataFrame(), p)
    led = led[pd.to_datetime(led["received_date"]) <= pd.Timestamp(as_of)].reset_index(drop=True)
    state = LedgerState(LedgerReader(led), np.arange(len(led)), np.datetime64(as_of, "ns"))
    open_ = led[state.open].reset_index(drop=True)
    st = reading.stored(app, sc.data_version)
    since = p.first_day if p is not None else None
    warns = reading.warnings_page(app, sc, st, as_of, since=since)[0]
    in_period = np.ones(len(led), dtype=bool) if p is None else \
        (pd.to_datetime(led["received_date"]) >= pd.Timestamp(p.first_day)).to_numpy(dtype=bool)

    def listed(rules: tuple[str, ...]) -> pd.DataFrame:
        w = warns[warns["rule"].isin(rules)][["dispute_id", "label", "message"]]
        return w.merge(led, on="dispute_id", how="inner").rename(columns={"label": "预警", "message": "说明"})

    done = state.resolved & in_period
    by_level = resolution_by_level(led[done], state.grassroots[done], state.level_given[done])
    return DisputeBoard(as_of, open_, listed(("overdue",)), listed(("follow_up_due", "follow_up_late")),
                        listed(("repeat_dispute",)), by_level, p, int(in_period.sum()))


MEDIATION_LEVELS = {"社区": "社区调解", "派出所": "派出所调解", "县局": "县局调解"}


def resolution_by_level(resolved: pd.DataFrame, grassroots: np.ndarray, level_given: np.ndarray) -> pd.DataFrame:
    """Resolved disputes per station by 调解层级 (小事不出村): counts per level, 未填层级, 合计 and
    基层化解率 — the indicator ``grassroots_rate`` of each station's ``grassroots`` and ``level_given``
    disputes (the masks of :class:`~metrics.indicators.ledger_state.LedgerState` at these rows)."""
    cols = [*MEDIATION_LEVELS.values(), "未填层级"]
    if not len(resolved):
        return pd.DataFrame(columns=["派出所", *cols, "合计", "基层化解率"])
    lv = resolved["level"].map(MEDIATION_LEVELS).fillna("未填层级")
    stations = resolved["station"].to_numpy()
    table = pd.crosstab(stations, lv.to_numpy()).reindex(columns=cols, fill_value=0)
    table["合计"] = table.sum(axis=1)
    sums = pd.DataFrame({"grassroots": grassroots, "level_given": level_given}, dtype="float64")
    sums = sums.groupby(stations).sum().reindex(table.index, fill_value=0.0)
    table["基层化解率"] = ledger_indicators.grassroots_rate(
        {c: sums[c].to_numpy(dtype="float64") for c in sums.columns})
    table.columns.name = None
    return table.rename_axis("派出所").reset_index()


# --- rubric versions (services.rubrics holds their life; these are the screens' reads) -------------------

def validate_rubric(data: Mapping[str, Any]) -> tuple[Rubric | None, list[str]]:
    """The rubric the editor's data makes, or every problem (one Chinese sentence each, naming the
    item), checked in the indicators' terms as saving and publishing check it."""
    return rubric_problems(data)


def editable_rubric(app: App, actor: Actor | int, number: int) -> dict[str, Any]:
    """Version ``number`` as plain editable data (the dict ``metrics.rubric.rubric_from_dict`` reads)."""
    return tomllib.loads(rubrics.toml_of(app, actor, number))


# --- 星级评定 ------------------------------------------------------------------------------------------

@dataclass
class RatingView:
    period: Period
    as_of: date
    rubric: Rubric
    """The rubric used, its ``version`` being the version's one name (``metrics.rubric.version_name``)."""
    rubric_number: int
    ranked: pd.DataFrame
    """Every office ranked (bureau ranking). Outside the scope only ``OUTSIDE_COLUMNS`` are filled."""
    visible: frozenset[str]
    """Codes of offices the actor sees in full."""
    data_version: int
    choice: rubrics.Choice | None = None
    """Which version rates the period and whether it is the one in force (``choice.is_current``)."""


def _ranked(app: App, version: int, p: Period, rubric: Rubric) -> pd.DataFrame:
    """The bureau ranking (``services.reading.ranked``) under ``rubric``."""
    return reading.ranked(app, reading.stored(app, version), p, rubric)


OUTSIDE_COLUMNS = ("code", "name", "level", "station", "branch", "rank", "score", "stars", "rated")
"""What the bureau ranking shows of an office outside the actor's scope (app.md: a station head sees the
bureau ranking): who it is, its rank, score and stars. Its indicators, item points, caps, reasons,
ranks within branch and station and every other fact are blanked here, in the service."""


def _mask_outside(ranked: pd.DataFrame, rubric: Rubric, visible: np.ndarray) -> pd.DataFrame:
    if visible.all():
        return ranked.copy()
    out = ranked.copy()
    hidden = ~visible
    for col in out.columns:
        if col in OUTSIDE_COLUMNS:
            continue
        if col == "missing":
            out[col] = pd.Series([v if keep else [] for v, keep in zip(out[col], visible, strict=True)],
                                 index=out.index, dtype=object)
        elif pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("boolean")
            out.loc[hidden, col] = pd.NA
        elif pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype("float64")
            out.loc[hidden, col] = np.nan
        else:
            out[col] = out[col].astype(object)
            out.loc[hidden, col] = None
    return out


def rating_view(app: App, actor: Actor | int, period: Period | str, rubric_number: int | None = None) -> RatingView:
    """The bureau ranking for ``period`` under the rubric version in force for it, or under version
    ``rubric_number`` when one is picked explicitly (drafts: evaluators only)."""
    sc = scope(app, actor)
    p = _period(period)
    choice = rubrics.choose(app, sc.actor, p, rubric_number)
    rubric = choice.rubric
    ranked = _ranked(app, sc.data_version, p, rubric)
    visible = ranked["station"].isin(sc.stations).to_numpy() if sc.stations is not None else np.ones(len(ranked), bool)
    if sc.branch is not None:
        visible = visible & (ranked["branch"] == sc.branch).to_numpy()
    rep = _report(app, sc.data_version, p, "office")
    return RatingView(p, rep.as_of, rubric, choice.number, _mask_outside(ranked, rubric, visible),
                      frozenset(ranked.loc[visible, "code"].astype(str)), sc.data_version, choice)


def explain_office(app: App, actor: Actor | int, period: Period | str, rubric_number: int | None,
                   code: str) -> Explanation:
    """Why one office in scope has its score and stars (waterfall, caps, next star)."""
    view = rating_view(app, actor, period, rubric_number)
    if str(code) not in view.visible:
        raise PermissionDenied("无权查看该警务室的评分明细。")
    full = _ranked(app, view.data_version, view.period, view.rubric)
    row = full[full["code"].astype(str) == str(code)].iloc[0]
    return explain(row, view.rubric)


def robustness_view(app: App, actor: Actor | int, period: Period | str, rubric_number: int | None = None,
                    draws: int = 1000) -> pd.DataFrame:
    """Rank ranges under perturbed weights (rubric.md) for the offices in scope, best median first."""
    view = rating_view(app, actor, period, rubric_number)
    rep = _report(app, view.data_version, view.period, "office")
    rob = _cached((_db_key(app), "robust", view.data_version, view.period.label, view.rubric.digest(), draws),
                  lambda: robustness(rep.units, view.rubric, draws=draws))
    out = rob[rob["code"].astype(str).isin(view.visible)]
    return out.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)


def export_ranking(app: App, actor: Actor | int, period: Period | str, rubric_number: int | None, fmt: str,
                   *, target: str = "下载") -> tuple[str, bytes]:
    """The ranking workbook (``xlsx``) or CSV for the offices in scope: (file name, bytes) — the one
    ranking export (the screen's download and ``python -m services export`` alike), under the version
    in force for the period unless ``rubric_number`` names another.

    Leadership, evaluators and admins only; recorded as a ``RankingExported`` audit event naming
    ``target`` (where the bytes go) and the rubric version (name and digest). The workbook names the
    version and its digest on its rubric sheet; the lineage sheet lists each stored file with its
    upload version.
    """
    if fmt not in ("xlsx", "csv"):
        raise ServiceError("导出格式只能是 xlsx 或 csv。")
    view_actor = scope(app, actor).actor
    require_role(view_actor, *EXPORT_ROLES)
    view = rating_view(app, actor, period, rubric_number)
    full = _ranked(app, view.data_version, view.period, view.rubric)
    ranked = full[full["code"].astype(str).isin(view.visible)].reset_index(drop=True)
    rob = robustness_view(app, actor, period, view.rubric_number)
    sources = reading.stored(app, view.data_version).lineage()
    name = f"星级评定_{view.period.label}_第{view.rubric_number}版.{fmt}"
    if fmt == "csv":
        data = ranking_csv_bytes(ranked, view.rubric, rob)
    else:
        import io

        buf = io.BytesIO()
        write_ranking_xlsx(buf, ranked, view.rubric, period=view.period.label, sources=sources, robust=rob)
        data = buf.getvalue()
    with app.db.write() as conn:
        audit.append(conn, "RankingExported", actor_id=view_actor.id, actor_name=view_actor.username,
                     period=view.period.label, rubric_version=view.rubric.version, rubric_number=view.rubric_number,
                     rubric_digest=view.rubric.digest(), format=fmt, offices=len(ranked),
                     data_version=view.data_version, target=target)
    return name, data


@dataclass(frozen=True)
class Comparison:
    """What changes for ``period`` when version ``b`` rates it instead of version ``a``."""

    period: Period
    a: rubrics.VersionInfo
    b: rubrics.VersionInfo
    moves: pd.DataFrame
    """Per office ``code, name, station, branch, rank_a, stars_a, score_a, rank_b, stars_b, score_b,
    rank_move, star_move`` (a positive rank move = up the ranking), biggest movers first."""
    star_changes: int
    """Offices whose stars change (including rated ↔ 待评)."""
    stars_up: int
    stars_down: int
    rank_moves: int
    """Offices whose rank changes."""
    largest: pd.DataFrame
    """The (at most five) offices whose rank moves most."""

    @property
    def nothing_moves(self) -> bool:
        return self.star_changes == 0 and self.rank_moves == 0


def compare_rubrics(app: App, actor: Actor | int, period: Period | str, a: int, b: int) -> Comparison:
    """How ranks and stars move from rubric version ``a`` to ``b`` (any two versions the evaluator sees,
    drafts included) for ``period`` — evaluators only."""
    sc = scope(app, actor)
    require_role(sc.actor, *RUBRIC_ROLES)
    p = _period(period)
    info_a, info_b = rubrics.version(app, sc.actor, a), rubrics.version(app, sc.actor, b)
    ra = _ranked(app, sc.data_version, p, rubrics.rubric_of(app, sc.actor, a))
    rb = _ranked(app, sc.data_version, p, rubrics.rubric_of(app, sc.actor, b))
    cols = ["code", "name", "station", "branch", "rank", "stars", "score"]
    m = ra[cols].merge(rb[["code", "rank", "stars", "score"]], on="code", suffixes=("_a", "_b"))
    ra_f = pd.to_numeric(m["rank_a"], errors="coerce")
    rb_f = pd.to_numeric(m["rank_b"], errors="coerce")
    m["rank_move"] = ra_f - rb_f
    sa = pd.to_numeric(m["stars_a"], errors="coerce")
    sb = pd.to_numeric(m["stars_b"], errors="coerce")
    m["star_move"] = sb - sa
    key = m["rank_move"].abs().fillna(-1) + 1000 * m["star_move"].abs().fillna(0)
    moves = m.assign(_k=key).sort_values(["_k", "code"], ascending=[False, True]).drop(columns="_k")
    moves = moves.reset_index(drop=True)
    star_changed = ~((sa == sb) | (sa.isna() & sb.isna()))
    rank_changed = ~((ra_f == rb_f) | (ra_f.isna() & rb_f.isna()))
    moved = moves[moves["rank_move"].fillna(0) != 0]
    largest = moved.reindex(moved["rank_move"].abs().sort_values(ascending=False, kind="stable").index).head(5)
    return Comparison(p, info_a, info_b, moves, int(star_changed.sum()), int((m["star_move"] > 0).sum()),
                      int((m["star_move"] < 0).sum()), int(rank_changed.sum()), largest.reset_index(drop=True))


__all__ = [
    "DEFAULT_VERSION", "Comparison", "DisputeBoard", "IndicatorView", "LEDGER_HEADERS", "RatingView", "Scope",
    "clear_cache", "compare_rubrics", "dispute_board", "editable_rubric", "explain_office", "export_ranking",
    "funnel_view", "indicator_view", "months_in_scope", "visible_units", "ledger_view",
    "rating_view", "robustness_view", "scope", "trend_view", "validate_rubric",
]  # fmt: skip

