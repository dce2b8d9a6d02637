"""Screen-level reads for the app: what the 总览, 数据上报 and 系统管理 screens show, always scoped.

Every function takes the acting user, re-reads them from the database (``services.actors.reload``) and
reads only the stations ``visible_stations`` allows: a station head's overview holds their station's
offices and nothing else, whatever the page passes. Results carry the data version they came from, so
the app can cache them by (data version, rubric version, scope, period). No Streamlit import here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from metrics import early_warnings
from metrics.dataset import Dataset
from metrics.indicators import compute_levels, monthly_series
from metrics.periods import Period, month_range, shift_month
from metrics.ranking import rank
from metrics.rubric import Rubric, load_rubric
from metrics.scoring import score, stars_text
from services.actors import Actor, reload, require_role, visible_stations
from services.context import App
from services.errors import ServiceError
from store import audit, rows
from store.tables import audit_events, offices

KPI_KEYS = ("resolution_rate", "on_time_rate", "follow_up_rate", "satisfaction", "visit_coverage",
            "alerts", "criminal_cases", "red_open")
"""Indicators shown as KPI cards on the overview, in order."""
TREND_KEYS = ("alerts", "dispute_alerts", "resolution_rate", "satisfaction", "visit_coverage",
              "criminal_cases")
"""Indicators offered as 24-month trends."""
TREND_MONTHS = 24
TOP_N = 5
_TRACE = ["_id", "_upload", "_version"]


@dataclass(frozen=True)
class Scoped:
    """The rows one user may read, with the data version they came from."""

    actor: Actor
    stations: frozenset[str] | None
    """Stations the user may read in full; None = every station."""
    version: int
    dataset: Dataset


def scoped_data(app: App, actor: Actor | int) -> Scoped:
    """The current monthly and ledger rows of the stations the user may read (one snapshot)."""
    with app.db.read() as conn:
        who = reload(conn, actor)
        stations = visible_stations(conn, who)
        monthly = rows.current_monthly(conn, stations=stations)
        ledger = rows.current_ledger(conn, stations=stations)
        version = rows.data_version(conn)
    ds = Dataset(monthly=monthly.drop(columns=_TRACE, errors="ignore"),
                 ledger=ledger.drop(columns=_TRACE, errors="ignore"))
    return Scoped(who, frozenset(stations) if stations is not None else None, version, ds)


def data_version(app: App) -> int:
    """The newest stored upload's id (0 when empty): part of every cache key."""
    with app.db.read() as conn:
        return rows.data_version(conn)


def scope_label(actor: Actor) -> str:
    """The user's scope in Chinese: 全局, a branch or a station."""
    return actor.scope_value if actor.scope_kind != "bureau" and actor.scope_value else "全局"


def available_months(app: App, actor: Actor | int) -> list[str]:
    """Months ("YYYY-MM") with at least one monthly row in the user's scope, ascending."""
    data = scoped_data(app, actor)
    return sorted(set(data.dataset.monthly["month"].astype(str)))


def current_rubric(app: App) -> Rubric:
    """The rubric in force: the newest saved version when the rubric service provides one, else the
    shipped ``config/rubric.toml``."""
    try:
        from services import rubrics  # type: ignore[attr-defined]  # engineer E's versions, when present

        getter = getattr(rubrics, "current_rubric", None)
        if getter is not None:
            got = getter(app)
            return got[0] if isinstance(got, tuple) else got
    except ImportError:
        pass
    return load_rubric()


# --- 总览 -------------------------------------------------------------------------------------------

@dataclass
class Overview:
    period: Period
    as_of: date
    version: int
    scope: str
    rubric_version: str
    total: dict[str, float]
    """Scope total (the "bureau" level of the user's rows): indicator key → value (NaN = null)."""
    prior: dict[str, float]
    """The same indicators over the same months a year earlier."""
    targets: dict[str, float]
    """Indicator key → target of the rubric item that scores it."""
    stars: pd.DataFrame
    """``label, stars, count`` — offices per star level and 待评."""
    branches: pd.DataFrame
    stations: pd.DataFrame
    offices: pd.DataFrame
    """Scored and ranked offices (``rank, code, name, station, branch, score, stars, stars_text`` …)."""
    best: pd.DataFrame
    worst: pd.DataFrame
    warnings: pd.DataFrame
    completeness: pd.DataFrame
    """Per station of the scope: offices registered, offices that reported ``period.last``, missing."""
    empty: bool = False
    extra: dict = field(default_factory=dict)


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


def completeness(app: App, actor: Actor | int, month: str) -> pd.DataFrame:
    """Per station in the user's scope: ``branch, station, offices, reported, missing`` for ``month``,
    stations with missing offices first."""
    with app.db.read() as conn:
        who = reload(conn, actor)
        stations = visible_stations(conn, who)
        q = select(offices.c.code, offices.c.station, offices.c.branch)
        if stations is not None:
            q = q.where(offices.c.station.in_(sorted(stations)))
        reg = pd.DataFrame(conn.execute(q).all(), columns=["code", "station", "branch"])
        monthly = rows.current_monthly(conn, stations=stations)
    done = set(monthly.loc[monthly["month"] == month, "office_code"])
    if reg.empty:
        return pd.DataFrame(columns=["branch", "station", "offices", "reported", "missing"])
    reg["reported"] = reg["code"].isin(done)
    out = reg.groupby(["branch", "station"], as_index=False).agg(offices=("code", "size"),
                                                                   reported=("reported", "sum"))
    out["reported"] = out["reported"].astype(int)
    out["missing"] = out["offices"] - out["reported"]
    return out.sort_values(["missing", "branch", "station"], ascending=[False, True, True], ignore_index=True)


def overview(app: App, actor: Actor | int, period: Period, rubric: Rubric | None = None) -> Overview:
    """Everything the 总览 screen shows for ``period``, over the user's scope only."""
    data = scoped_data(app, actor)
    rubric = rubric or current_rubric(app)
    ds = data.dataset
    targets = {it.metric: it.target for it in rubric.items}
    if ds.monthly.empty and ds.ledger.empty:
        empty = pd.DataFrame()
        return Overview(period, period.last_day, data.version, scope_label(data.actor), rubric.version, {}, {},
                        targets, empty, empty, empty, empty, empty, empty, empty,
                        completeness(app, data.actor, period.last), empty=True)
    reports = compute_levels(ds, period)
    prior = compute_levels(ds, period.prior_year(), levels=("bureau",))["bureau"]
    office_units = reports["office"].units
    ranked = rank(score(office_units, rubric))
    ranked["stars_text"] = [stars_text(None if pd.isna(s) else int(s), rubric.top_stars) for s in ranked["stars"]]
    rated = ranked[ranked["rated"]]
    cols = ["rank", "code", "name", "station", "branch", "score", "stars_text"]
    best = rated.head(TOP_N)[cols].reset_index(drop=True)
    worst = rated.tail(TOP_N).iloc[::-1][cols].reset_index(drop=True)
    warn = early_warnings.warnings_frame(early_warnings.warnings(ds, as_of=reports["office"].as_of))
    return Overview(
        period=period, as_of=reports["office"].as_of, version=data.version, scope=scope_label(data.actor),
        rubric_version=rubric.version, total=_row(reports["bureau"].units), prior=_row(prior.units),
        targets=targets, stars=_star_counts(ranked, rubric.top_stars),
        branches=reports["branch"].units,
        stations=reports["station"].units, offices=ranked, best=best, worst=worst, warnings=warn,
        completeness=completeness(app, data.actor, period.last),
    )


def trend(app: App, actor: Actor | int, key: str, last_month: str, months: int = TREND_MONTHS) -> pd.DataFrame:
    """Indicator ``key`` of the user's scope total for each of the ``months`` months ending at
    ``last_month``: columns ``month, value`` (NaN = null; each point as its own one-month period)."""
    data = scoped_data(app, actor)
    every = month_range(shift_month(last_month, -(months - 1)), last_month)
    if data.dataset.monthly.empty and data.dataset.ledger.empty:
        return pd.DataFrame({"month": every, "value": float("nan")})
    s = monthly_series(data.dataset, every, "bureau", key)
    return s[["month", "value"]].reset_index(drop=True)


# --- 系统管理 ----------------------------------------------------------------------------------------

def office_registry(app: App, actor: Actor | int) -> pd.DataFrame:
    """The office registry (``code, name, station, branch, created_upload_id, updated_upload_id``) of the
    stations the user may read."""
    with app.db.read() as conn:
        who = reload(conn, actor)
        stations = visible_stations(conn, who)
        q = select(offices).order_by(offices.c.branch, offices.c.station, offices.c.code)
        if stations is not None:
            q = q.where(offices.c.station.in_(sorted(stations)))
        return pd.DataFrame([dict(r) for r in conn.execute(q).mappings()],
                            columns=[c.name for c in offices.c])


AUDIT_COLUMNS = ("id", "at", "kind", "actor_name", "upload_id", "details")


def audit_log(app: App, actor: Actor | int, *, kinds: list[str] | None = None, actor_contains: str = "",
              since: date | None = None, until: date | None = None, limit: int = 2000) -> pd.DataFrame:
    """Audit events, newest first, filtered by kind, actor name (substring) and day range (admins only).

    ``details`` is the event's JSON as compact text (shown as text, never interpreted).
    """
    with app.db.read() as conn:
        require_role(reload(conn, actor), "admin")
        q = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
        if kinds:
            q = q.where(audit_events.c.kind.in_(list(kinds)))
        if actor_contains.strip():
            q = q.where(audit_events.c.actor_name.contains(actor_contains.strip(), autoescape=True))
        if since:
            q = q.where(audit_events.c.at >= datetime(since.year, since.month, since.day, tzinfo=UTC))
        if until:
            end = datetime(until.year, until.month, until.day, tzinfo=UTC) + pd.Timedelta(days=1)
            q = q.where(audit_events.c.at < end)
        recs = []
        for r in conn.execute(q).mappings():
            d = dict(r)
            try:
                d["details"] = json.dumps(json.loads(d["details"]), ensure_ascii=False)
            except (TypeError, ValueError):
                pass
            recs.append({k: d.get(k) for k in AUDIT_COLUMNS})
    return pd.DataFrame(recs, columns=list(AUDIT_COLUMNS))


def audit_kinds() -> list[str]:
    """Every kind of audit event, sorted."""
    return sorted(audit.EVENT_KINDS)


def backup(app: App, actor: Actor | int) -> tuple[str, bytes]:
    """A consistent copy of the database (admins only) as (file name, bytes), through the backup
    service (SQLite backup API; audited there). PostgreSQL: ServiceError with the pg_dump advice."""
    from services.backup import take_backup

    result = take_backup(app, actor)
    if isinstance(result, str):
        raise ServiceError(result)
    path = Path(result)
    return path.name, path.read_bytes()
