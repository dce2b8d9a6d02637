"""The one read path for stored data: load the WHOLE bureau, compute on it, then cut to the user's scope.

Every read service (总览 in ``services.views``; 指标分析, 矛盾纠纷, 星级评定 and 评分规则 in
``services.rating_views``) goes through this module:

* :func:`stored` — the bureau-wide current rows as one :class:`Stored` (a ``Dataset`` with its sources,
  the data version, and each source's upload version for lineage), read in one transaction and cached
  in-process by (database URL, data version);
* :func:`scope` — the acting user re-read from the database now, as one :class:`Scope` (visible stations,
  branch, allowed levels, the unit level of the scope's total);
* :func:`reports` / :func:`ranked` / :func:`series` — the engine's results on the whole bureau, cached by
  small keys (database, data version, period, level, rubric digest) — never by user;
* :func:`filter_units`, :func:`scope_total` and :func:`warnings_in_scope` — the cut to the scope.

Indicators are never computed on a scope's rows alone: a repeat dispute's partner may sit at another
station (metrics.md ``repeat_disputes``: "another dispute (any office)"), so a station head must see the
same value for their office as leadership does. A repeat-dispute warning whose partner lies outside the
scope names it only as "其他派出所的纠纷" with the days between, never its id or office.

No Streamlit import here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from metrics import early_warnings
from metrics.dataset import Dataset, SourceFile
from metrics.indicators import Report, compute_levels, monthly_series
from metrics.indicators.components import REPEAT_WINDOW_DAYS
from metrics.indicators.prepared import prepare
from metrics.indicators.units import LEVELS, office_table
from metrics.periods import Period, parse_period
from metrics.ranking import rank
from metrics.rubric import Rubric
from metrics.scoring import score
from services import snapshots
from services.actors import Actor, reload
from services.context import App
from services.errors import PermissionDenied, ServiceError
from store import rows
from store.tables import offices

LEVEL_ZH = {"office": "警务室", "station": "派出所", "branch": "分局", "bureau": "全局"}
ELSEWHERE = "其他派出所的纠纷"
"""How a repeat dispute's partner outside the user's scope is named (no id, no office)."""
_TRACE = ["_id", "_upload", "_version"]


# --- the scope --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """What the acting user may see in full: ``stations`` None means every station."""

    actor: Actor
    stations: frozenset[str] | None
    branch: str | None
    data_version: int

    @property
    def key(self) -> tuple:
        """A small hashable key for UI caches: role, scope and data version."""
        st = tuple(sorted(self.stations)) if self.stations is not None else None
        return (self.actor.role, st, self.branch, self.data_version)

    @property
    def levels(self) -> tuple[str, ...]:
        """Levels the user may look at (no bureau or branch totals beyond their scope)."""
        if self.actor.role == "station_head":
            return ("office", "station")
        if self.branch is not None:
            return ("office", "station", "branch")
        return LEVELS

    @property
    def total_level(self) -> str:
        """The level of the unit that is the scope's total: station, branch or bureau."""
        return self.levels[-1]

    def sees_station(self, station: Any) -> bool:
        return self.stations is None or station in self.stations

    def sees_branch(self, branch: Any) -> bool:
        return self.stations is None or (self.branch is not None and branch == self.branch)


def scope(app: App, actor: Actor | int) -> Scope:
    """The acting user's scope, read from the database now (a forged role or scope changes nothing)."""
    with app.db.read() as conn:
        who = reload(conn, actor)
        version = rows.data_version(conn)
        if who.role in ("evaluator", "admin"):
            return Scope(who, None, None, version)
        if who.role == "station_head":
            return Scope(who, frozenset({who.scope_value or ""}), None, version)
        if who.role == "leadership" and who.scope_kind == "branch":
            sts = conn.execute(select(offices.c.station).where(offices.c.branch == who.scope_value).distinct())
            return Scope(who, frozenset(r[0] for r in sts), who.scope_value, version)
        if who.role == "leadership":
            return Scope(who, None, None, version)
    return Scope(who, frozenset(), None, version)


def check_level(sc: Scope, level: str) -> None:
    """ServiceError for an unknown level, PermissionDenied for a level above the user's scope."""
    if level not in LEVELS:
        raise ServiceError(f"层级“{level}”无效。")
    if level not in sc.levels:
        raise PermissionDenied(f"{sc.actor.role_label}只能查看本辖区的数据，不能查看{LEVEL_ZH[level]}汇总。")


def visible_mask(units: pd.DataFrame, sc: Scope, level: str) -> np.ndarray:
    """Which rows of a ``units``-shaped frame (``station``, ``branch`` columns) of ``level`` the scope sees."""
    n = len(units)
    if sc.stations is None:
        return np.ones(n, dtype=bool)
    if level in ("office", "station"):
        keep = units["station"].isin(sc.stations).to_numpy(dtype=bool)
        if sc.branch is not None:
            keep = keep & (units["branch"] == sc.branch).to_numpy(dtype=bool)
        return keep
    if level == "branch" and sc.branch is not None:
        return (units["branch"] == sc.branch).to_numpy(dtype=bool)
    return np.zeros(n, dtype=bool)


def filter_units(units: pd.DataFrame, sc: Scope, level: str) -> pd.DataFrame:
    """The rows of a bureau-wide ``units`` frame of ``level`` that lie within the scope."""
    return units.loc[visible_mask(units, sc, level)].reset_index(drop=True)


def scope_total(by_level: dict[str, Report], sc: Scope) -> pd.DataFrame:
    """The scope's total as one unit row of a bureau-wide computation: the station's unit for a station
    head, the branch's for a branch leader, the bureau's for everyone else (empty when absent)."""
    level = sc.total_level
    return filter_units(by_level[level].units, sc, level)


# --- in-process cache (small keys; never per user) ---------------------------------------------------

_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64
_DATASETS: dict[str, Stored] = {}
_LOAD_LOCK = threading.Lock()


def cached(key: tuple, build: Callable[[], Any]) -> Any:
    """``build()``'s value, remembered under ``key`` (least recently used dropped beyond 64 entries)."""
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    value = build()
    with _CACHE_LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget every cached result and loaded dataset (tests; after a restore)."""
    with _CACHE_LOCK:
        _CACHE.clear()
        _DATASETS.clear()


def db_key(app: App) -> str:
    """The database part of every cache key (its URL, password hidden)."""
    return str(app.db.engine.url)


# --- the one loader ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stored:
    """The bureau's current stored rows: a Dataset (sources in upload order), the data version it is,
    and the upload id (version) of each source."""

    dataset: Dataset
    version: int
    upload_ids: tuple[int, ...]

    @property
    def empty(self) -> bool:
        return self.dataset.monthly.empty and self.dataset.ledger.empty

    def lineage(self) -> list[dict[str, Any]]:
        """One row per stored file: ``name, sha256, size, version`` (the upload's id)."""
        return [{"name": s.name, "sha256": s.sha256, "size": s.size, "version": v}
                for s, v in zip(self.dataset.sources, self.upload_ids, strict=True)]


def data_version(app: App) -> int:
    """The newest stored upload's id (0 when empty): part of every cache key."""
    with app.db.read() as conn:
        return rows.data_version(conn)


def _load(app: App, previous: Stored | None = None) -> Stored:
    """The current rows with their sources and data version, all of one database state: from the
    columnar snapshot, the rows still held (``previous``) caught up, or the database
    (``services.snapshots`` decides, and proves each source equals the database)."""
    got = snapshots.load(app, previous.dataset.ledger if previous is not None else None)
    ups = got.state.uploads
    sources = [SourceFile(name=u.file_name, sha256=u.sha256, size=u.size) for u in ups]
    # Prepared once per data version: every period, level and trend computed on it reuses its codes.
    ds = prepare(Dataset(monthly=got.monthly, ledger=got.ledger, sources=sources), ledger_codes=got.ledger_codes)
    return Stored(ds, got.state.version,
                  tuple(u.id for u in ups))


def stored(app: App, version: int | None = None) -> Stored:
    """Every current stored row of the bureau (all stations), cached by (database URL, data version).

    ``version`` is the data version the caller read (``Scope.data_version``); when the cached rows are
    of another version they are read again. The returned ``Stored.version`` is the version the rows
    really are (newer than asked when an upload was stored in between). Treat the frames as read-only.
    """
    key = db_key(app)
    if version is None:
        version = data_version(app)
    hit = _DATASETS.get(key)
    if hit is not None and hit.version == version:
        return hit
    with _LOAD_LOCK:  # one load at a time: concurrent sessions after an upload share it
        hit = _DATASETS.get(key)
        if hit is not None and hit.version == version:
            return hit
        got = _load(app, hit)
        _DATASETS[key] = got
        return got


def months_in_scope(app: App, actor: Actor | int) -> list[str]:
    """Months ("YYYY-MM") with monthly rows in the actor's scope, ascending (what pickers offer)."""
    sc = scope(app, actor)
    m = stored(app, sc.data_version).dataset.monthly
    if sc.stations is not None:
        m = m[visible_mask(m, sc, "office")]
    return sorted(str(v) for v in pd.unique(m["month"].to_numpy(dtype=object)))


# --- bureau-wide results, cached -----------------------------------------------------------------------

def period_of(period: Period | str) -> Period:
    """``period`` parsed, or ServiceError with the Chinese message."""
    try:
        return parse_period(period)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None


def reports(app: App, st: Stored, period: Period, as_of: date | None = None) -> dict[str, Report]:
    """Every level's Report of ``period`` on the whole bureau (level → Report), cached."""
    return cached((db_key(app), "reports", st.version, period.label, as_of),
                  lambda: compute_levels(st.dataset, period, as_of=as_of))


def ranked(app: App, st: Stored, period: Period, rubric: Rubric) -> pd.DataFrame:
    """The bureau ranking of ``period`` under ``rubric`` (every office scored, best first), cached."""
    return cached((db_key(app), "ranked", st.version, period.label, rubric.digest()),
                  lambda: rank(score(reports(app, st, period)["office"].units, rubric)))


def series(app: App, st: Stored, months: list[str], level: str, key: str) -> pd.DataFrame:
    """``monthly_series`` of ``key`` for every unit of ``level`` on the whole bureau, cached."""
    return cached((db_key(app), "series", st.version, tuple(months), level, key),
                  lambda: monthly_series(st.dataset, months, level, key))


def bureau_listing(app: App, st: Stored, as_of: date) -> early_warnings.Listing:
    """Every early warning of the bureau as of ``as_of``, sorted, text not yet written, cached."""
    return cached((db_key(app), "warning_listing", st.version, as_of.isoformat()),
                  lambda: early_warnings.listing(st.dataset, as_of))


def bureau_warnings(app: App, st: Stored, as_of: date) -> pd.DataFrame:
    """Every early warning of the bureau as of ``as_of`` (``early_warnings.COLUMNS``), cached."""
    return cached((db_key(app), "warnings", st.version, as_of.isoformat()),
                  lambda: bureau_listing(app, st, as_of).table())


def warnings_in_scope(app: App, sc: Scope, st: Stored, as_of: date | None = None) -> pd.DataFrame:
    """The bureau's early warnings as of ``as_of`` (default: the data's latest date) for the offices in
    the scope. A repeat dispute's partner outside the scope is named "其他派出所的纠纷" with the days
    between — its dispute id and office are not disclosed (message and details alike)."""
    return warnings_page(app, sc, st, as_of)[0]


def period_disputes(app: App, st: Stored, first_day: date, as_of: date) -> frozenset[str]:
    """Ids of the disputes that concern a period ending at ``as_of``: received in it (from ``first_day``
    up to ``as_of``), or received earlier and still open at ``as_of`` (cached)."""
    from metrics.indicators.ledger_state import LedgerState
    from metrics.indicators.prepared import LedgerReader

    def build() -> frozenset[str]:
        led = st.dataset.ledger
        if not len(led):
            return frozenset()
        state = LedgerState(LedgerReader(led), np.arange(len(led)), np.datetime64(as_of, "ns"))
        received = state.received
        upto = received <= np.datetime64(as_of, "ns")
        inside = upto & (received >= np.datetime64(first_day, "ns"))
        still_open = upto & state.open
        return frozenset(led["dispute_id"].to_numpy(dtype=object)[inside | still_open].tolist())

    return cached((db_key(app), "period_disputes", st.version, first_day.isoformat(), as_of.isoformat()), build)


def warnings_page(app: App, sc: Scope, st: Stored, as_of: date | None = None,
                  limit: int | None = None, since: date | None = None) -> tuple[pd.DataFrame, int]:
    """(the first ``limit`` of the scope's warnings — all when None —, how many the scope has): as
    :func:`warnings_in_scope`, but with a limit only the rows returned have their text written.

    With ``since`` (a period's first day), only the warnings of that period: a dispute's warning when the
    dispute was received in the period or is still open at ``as_of`` (:func:`period_disputes`) — a
    follow-up missed in 2024 on a dispute resolved in 2024 is not a warning of 2026-10 — and every
    warning about a month (``monthly_jump``, which is about the latest month by its rule)."""
    as_of = as_of or early_warnings.default_as_of(st.dataset)
    if as_of is None:
        return pd.DataFrame(columns=list(early_warnings.COLUMNS)), 0
    listed = bureau_listing(app, st, as_of) if (limit is not None or since is not None) else None
    if listed is None:
        warns = bureau_warnings(app, st, as_of)
        if sc.stations is not None:
            warns = warns[visible_mask(warns, sc, "office")]
        total, warns = len(warns), warns.reset_index(drop=True)
    else:
        keep = np.ones(len(listed), dtype=bool) if sc.stations is None else visible_mask(listed.keys(), sc, "office")
        if since is not None:
            ids = period_disputes(app, st, since, as_of)
            did = listed.dispute_id
            keep = keep & np.array([not isinstance(d, str) or d in ids for d in did.tolist()], dtype=bool)
        rows = np.flatnonzero(keep)
        total, warns = len(rows), listed.table(rows if limit is None else rows[:limit])
    return (warns if sc.stations is None else partners_outside(warns, sc, st)), total


def partners_outside(warns: pd.DataFrame, sc: Scope, st: Stored) -> pd.DataFrame:
    """``warns`` with every repeat dispute's partner outside the scope named "其他派出所的纠纷"."""
    repeat = np.flatnonzero((warns["rule"] == "repeat_dispute").to_numpy())
    if not len(repeat):
        return warns
    ds = st.dataset
    messages, details = warns["message"].to_numpy(dtype=object).copy(), warns["details"].to_numpy(dtype=object).copy()
    partners = {pid for i in repeat for pid in details[i].get("earlier", [])}
    hit = ds.ledger.loc[ds.ledger["dispute_id"].isin(partners), ["dispute_id", "office_code"]]
    where = dict(zip(hit["dispute_id"], hit["office_code"], strict=True))
    offs = office_table(ds.monthly[ds.monthly["office_code"].isin(set(where.values()))])
    for i in repeat:
        d = dict(details[i])
        shown, earlier = [], []
        for pid, days in zip(d.get("earlier", []), d.get("days_since", []), strict=True):
            code = where.get(pid)
            station = offs.at[code, "station"] if code in offs.index else None
            branch = offs.at[code, "branch"] if code in offs.index else None
            seen = code is not None and sc.sees_station(station) and (sc.branch is None or branch == sc.branch)
            if seen:
                received = pd.Timestamp(d["received_date"]) - pd.Timedelta(days=int(days))
                shown.append(f"{pid}（{code}，{received.date()}）")
                earlier.append(pid)
            else:
                shown.append(f"{ELSEWHERE}（相隔 {int(days)} 天）")
                earlier.append(ELSEWHERE)
        d["earlier"] = earlier
        details[i] = d
        messages[i] = (f"纠纷 {warns.at[i, 'dispute_id']}（{d['received_date']} 受理）的当事人在此前 "
                       f"{REPEAT_WINDOW_DAYS} 天内已有纠纷：{'、'.join(shown)}。")
    return warns.assign(message=messages, details=details)


# --- indicators for one user ----------------------------------------------------------------------------

def indicators(app: App, actor: Actor | int, period: Period | str, level: str = "office",
               as_of: date | None = None) -> tuple[Report, int]:
    """(Report, data version): the indicators of ``level`` computed on the whole bureau, then cut to the
    units in the actor's scope (a level above the scope is refused)."""
    sc = scope(app, actor)
    check_level(sc, level)
    p = period_of(period)
    st = stored(app, sc.data_version)
    rep = reports(app, st, p, as_of)[level]
    return replace(rep, units=filter_units(rep.units, sc, level)), st.version


__all__ = [
    "ELSEWHERE", "LEVEL_ZH", "Scope", "Stored", "bureau_listing", "bureau_warnings", "cached", "check_level", "clear_cache",
    "data_version", "db_key", "filter_units", "indicators", "months_in_scope", "period_of", "ranked",
    "reports", "scope", "scope_total", "series", "stored", "visible_mask", "warnings_in_scope", "warnings_page",
]  # fmt: skip
