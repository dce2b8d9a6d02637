"""Screen-level reads for the app: what the 总览, 数据上报 and 系统管理 screens show, always scoped.

Every function takes the acting user and reads through ``services.reading``: the user is re-read from
the database (a forged role or scope widens nothing), the indicators, scores and warnings are computed
on the WHOLE bureau's stored rows and only then cut to the user's scope — so a station head sees the
same value for their office (and their station's total) as leadership does, repeat disputes across
stations included. Results carry the data version they came from, so the app can cache them by
(data version, rubric version, scope, period). No Streamlit import here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import select

from metrics.periods import Period, month_range, shift_month
from metrics.rubric import Rubric
from metrics.scoring import stars_text
from services import audit_text, clock, reading, rubrics
from services import changes as changes_mod
from services import completeness as completeness_mod
from services.actors import Actor, reload, require_role
from services.context import App
from store import audit
from store.tables import audit_events, offices

KPI_KEYS = ("resolution_rate", "on_time_rate", "follow_up_rate", "satisfaction", "visit_coverage",
            "alerts", "criminal_cases", "red_open")
"""Indicators shown as KPI cards on the overview, in order."""
TREND_KEYS = ("alerts", "dispute_alerts", "resolution_rate", "satisfaction", "visit_coverage",
              "criminal_cases")
"""Indicators offered as 24-month trends."""
TREND_MONTHS = 24
TOP_N = 5
WARNINGS_SHOWN = 200
"""The overview lists the scope's most severe warnings, at most this many; the full list is a download
(:func:`warnings_list`) — a province holds tens of thousands, which no screen table should carry."""


def data_version(app: App) -> int:
    """The newest stored upload's id (0 when empty): part of every cache key."""
    return reading.data_version(app)


def scope_label(actor: Actor) -> str:
    """The user's scope in Chinese: 全局, a branch or a station."""
    return actor.scope_value if actor.scope_kind != "bureau" and actor.scope_value else "全局"


def available_months(app: App, actor: Actor | int) -> list[str]:
    """Months ("YYYY-MM") with at least one monthly row in the user's scope, ascending."""
    return reading.months_in_scope(app, actor)


def current_rubric(app: App, period: Period) -> Rubric:
    """The rubric in force for ``period`` (``services.rubrics.in_force``), its ``version`` being the
    version's one name."""
    return rubrics.current_rubric(app, period)[0]


# --- 总览 -------------------------------------------------------------------------------------------

@dataclass
class Overview:
    period: Period
    as_of: date
    version: int
    scope: str
    rubric_version: str
    total: dict[str, float]
    """Scope total — the unit at the scope's level of the bureau-wide computation (the station for a
    station head, the branch for a branch leader, else the bureau): indicator key → value (NaN = null)."""
    changes: dict[str, changes_mod.Change]
    """KPI key → its like-for-like change on the prior year (``services.changes``: the engine's 同比 of
    the same rows, or the same offices' values a year earlier) — never a prior of all offices."""
    targets: dict[str, float]
    """Indicator key → target of the rubric item that scores it."""
    stars: pd.DataFrame
    """``label, stars, count`` — offices of the scope per star level and 待评 (bureau-wide scoring)."""
    branches: pd.DataFrame
    stations: pd.DataFrame
    offices: pd.DataFrame
    """The scope's offices, scored and ranked bureau-wide (``rank, code, name, station, branch, score,
    stars, stars_text`` …; ``rank`` is the bureau rank)."""
    best: pd.DataFrame
    worst: pd.DataFrame
    warnings: pd.DataFrame
    """The scope's early warnings of the period as of ``as_of`` (its end): about disputes received in the
    period or still open at its end (``reading.warnings_page(since=…)``), most severe first — the first
    ``WARNINGS_SHOWN`` of ``warnings_total`` (``early_warnings.COLUMNS``)."""
    completeness: pd.DataFrame
    """Per station of the scope: ``branch, station, offices, reported, missing`` — offices expected in
    ``period`` and offices that reported it (``services.completeness``), stations with missing first."""
    reported: completeness_mod.Completeness | None = None
    """The scope's ``已上报 N/M`` of the period."""
    empty: bool = False
    extra: dict = field(default_factory=dict)
    warnings_total: int = 0
    """How many early warnings the scope has in all (``warnings`` lists the first ``WARNINGS_SHOWN``)."""
    office_units: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The scope's offices' indicators of the period (``compute(...).units`` of the office level)."""
    total_level: str = "bureau"
    """The level of the scope's total unit: ``bureau``, ``branch`` or ``station``."""
    single_list: bool = False
    """Fewer than ``2 * TOP_N`` offices are rated: ``best`` ranks them all and ``worst`` is empty."""


def _row(frame: pd.DataFrame) -> dict[str, float]:
    if frame.empty:
        return {}
    return {k: float(v) if pd.notna(v) else float("nan") for k, v in frame.iloc[0].items()
            if isinstance(v, (int, float)) or v is None or pd.isna(v)}


def _star_counts(ranked: pd.DataFrame, top: int) -> pd.DataFrame:
    recs = []
    for s in range(top, 0, -1):
        recs.append({"label": stars_text(s, top), "stars": s, "count": int((ranked["stars"] == s).sum())})
    recs.append({"label": "待评", "stars": 0, "count": int(ranked["stars"].isna().sum())})
    return pd.DataFrame(recs)


def _completeness(app: App, sc: reading.Scope, st: reading.Stored, period: Period) -> pd.DataFrame:
    status = reading.filter_units(completeness_mod.office_status(app, st, period), sc, "office")
    per = completeness_mod.unit_counts(status, "station")
    out = per.rename(columns={"expected": "offices"})[["branch", "station", "offices", "reported", "missing"]]
    out = out.astype({"offices": int, "reported": int, "missing": int})
    return out.sort_values(["missing", "branch", "station"], ascending=[False, True, True], ignore_index=True)


def completeness(app: App, actor: Actor | int, period: Period | str) -> pd.DataFrame:
    """Per station in the user's scope: ``branch, station, offices, reported, missing`` for ``period``
    (a month label or a Period; offices expected and reported as ``services.completeness`` counts them),
    stations with missing offices first."""
    sc = reading.scope(app, actor)
    return _completeness(app, sc, reading.stored(app, sc.data_version), reading.period_of(period))


def overview(app: App, actor: Actor | int, period: Period, rubric: Rubric | None = None) -> Overview:
    """Everything the 总览 screen shows for ``period``: computed on the whole bureau, cut to the scope."""
    sc = reading.scope(app, actor)
    st = reading.stored(app, sc.data_version)
    rubric = rubric or current_rubric(app, period)
    targets = {it.metric: it.target for it in rubric.items}
    label = scope_label(sc.actor)
    reported = completeness_mod.period_completeness(app, sc.actor, period)
    if st.empty:
        empty = pd.DataFrame()
        return Overview(period, period.last_day, st.version, label, rubric.version, {}, {},
                        targets, empty, empty, empty, empty, empty, empty, empty,
                        _completeness(app, sc, st, period), reported=reported, empty=True)
    reports = reading.reports(app, st, period)
    as_of = reports["office"].as_of
    ranked = reading.filter_units(reading.ranked(app, st, period, rubric), sc, "office")
    ranked["stars_text"] = [stars_text(None if pd.isna(s) else int(s), rubric.top_stars) for s in ranked["stars"]]
    rated = ranked[ranked["rated"]]
    cols = ["rank", "code", "name", "station", "branch", "score", "stars_text"]
    if len(rated) < 2 * TOP_N:  # too few for two lists of five that do not overlap: one ranked list
        best, worst = rated[cols].reset_index(drop=True), rated.iloc[0:0][cols].reset_index(drop=True)
    else:
        best = rated.head(TOP_N)[cols].reset_index(drop=True)
        worst = rated.tail(TOP_N).iloc[::-1][cols].reset_index(drop=True)
    warns, warnings_total = reading.warnings_page(app, sc, st, as_of, WARNINGS_SHOWN, since=period.first_day)
    return Overview(
        period=period, as_of=as_of, version=st.version, scope=label, rubric_version=rubric.version,
        total=_row(reading.scope_total(reports, sc)),
        changes=changes_mod.changes(app, st, sc, period, reports, KPI_KEYS),
        targets=targets, stars=_star_counts(ranked, rubric.top_stars),
        branches=reading.filter_units(reports["branch"].units, sc, "branch"),
        stations=reading.filter_units(reports["station"].units, sc, "station"),
        offices=ranked, best=best, worst=worst, warnings=warns,
        completeness=_completeness(app, sc, st, period), reported=reported, empty=ranked.empty,
        warnings_total=warnings_total, single_list=len(rated) < 2 * TOP_N,
        office_units=reading.filter_units(reports["office"].units, sc, "office"), total_level=sc.total_level,
    )


def warnings_list(app: App, actor: Actor | int, as_of: date, since: date | None = None) -> pd.DataFrame:
    """Every early warning in the user's scope as of ``as_of`` (of the period starting ``since`` when
    given, as :attr:`Overview.warnings`), most severe first (the overview's full list, of which it shows
    the first ``WARNINGS_SHOWN``)."""
    sc = reading.scope(app, actor)
    return reading.warnings_page(app, sc, reading.stored(app, sc.data_version), as_of, since=since)[0]


def trend(app: App, actor: Actor | int, key: str, last_month: str, months: int = TREND_MONTHS) -> pd.DataFrame:
    """Indicator ``key`` of the user's scope total (the unit at the scope's level, computed on the whole
    bureau) for each of the ``months`` months ending at ``last_month``: columns ``month, value``
    (NaN = null; each point as its own one-month period) and ``complete`` (the scope had reported the
    month, ``services.completeness``: a dip in a month still being reported is not a fall)."""
    sc = reading.scope(app, actor)
    st = reading.stored(app, sc.data_version)
    every = month_range(shift_month(last_month, -(months - 1)), last_month)
    if st.empty:
        return pd.DataFrame({"month": every, "value": float("nan"), "complete": False})
    level = sc.total_level
    s = reading.filter_units(reading.series(app, st, every, level, key), sc, level)
    got = s.groupby("month", sort=False)["value"].first() if len(s) else pd.Series(dtype="float64")
    complete = [completeness_mod.scope_completeness(app, sc, st, Period("month", m, m)).complete for m in every]
    return pd.DataFrame({"month": every, "value": got.reindex(every).to_numpy(dtype="float64"), "complete": complete})


# --- 系统管理 ----------------------------------------------------------------------------------------

def office_registry(app: App, actor: Actor | int) -> pd.DataFrame:
    """The office registry (``code, name, station, branch, created_upload_id, updated_upload_id``) of the
    stations the user may read."""
    sc = reading.scope(app, actor)
    with app.db.read() as conn:
        q = select(offices).order_by(offices.c.branch, offices.c.station, offices.c.code)
        if sc.stations is not None:
            q = q.where(offices.c.station.in_(sorted(sc.stations)))
            if sc.branch is not None:
                q = q.where(offices.c.branch == sc.branch)
        return pd.DataFrame([dict(r) for r in conn.execute(q).mappings()],
                            columns=[c.name for c in offices.c])


AUDIT_COLUMNS = ("id", "at", "kind", "event", "actor_name", "upload_id", "details")


def audit_log(app: App, actor: Actor | int, *, kinds: list[str] | None = None, actor_contains: str = "",
              since: date | None = None, until: date | None = None, limit: int = 2000) -> pd.DataFrame:
    """Audit events, newest first, filtered by kind, actor name (substring) and day range (admins only).

    Days and ``at`` (text "YYYY-MM-DD HH:MM:SS") are in the bureau's time zone; ``kind`` is the event's
    code, ``event`` its Chinese name and ``details`` its Chinese sentence (``services.audit_text``).
    """
    tz = clock.zone(app.settings)
    with app.db.read() as conn:
        require_role(reload(conn, actor), "admin")
        q = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
        if kinds:
            q = q.where(audit_events.c.kind.in_(list(kinds)))
        if actor_contains.strip():
            q = q.where(audit_events.c.actor_name.contains(actor_contains.strip(), autoescape=True))
        if since:
            q = q.where(audit_events.c.at >= datetime(since.year, since.month, since.day, tzinfo=tz).astimezone(UTC))
        if until:
            end = datetime(until.year, until.month, until.day, tzinfo=tz) + timedelta(days=1)
            q = q.where(audit_events.c.at < end.astimezone(UTC))
        recs = []
        for r in conn.execute(q).mappings():
            d = dict(r)
            try:
                details = json.loads(d["details"])
            except (TypeError, ValueError):
                details = {}
            recs.append({"id": d["id"], "at": clock.local_text(d["at"], app.settings), "kind": d["kind"],
                         "event": audit_text.kind_name(d["kind"]), "actor_name": d["actor_name"],
                         "upload_id": d["upload_id"],
                         "details": audit_text.sentence(d["kind"], details, app.settings)})
    return pd.DataFrame(recs, columns=list(AUDIT_COLUMNS))


def audit_kinds() -> list[str]:
    """Every kind of audit event, in the order of their Chinese names."""
    return sorted(audit.EVENT_KINDS, key=audit_text.kind_name)

