"""Reading stored data: the engine's indicators and ratings over the CURRENT rows, within the user's scope.

Every result says which data version it came from (the newest stored upload id). Station heads see
their own station's rows in full; leadership their branch or the bureau; rankings are bureau-wide and
visible to every role (app.md), but exporting them is for leadership, evaluators and admins.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import IO

import pandas as pd
from sqlalchemy import select

from metrics.dataset import Dataset, SourceFile
from services.actors import Actor, reload, require_role, visible_stations
from services.context import App
from services.rubrics import current_rubric
from store import audit, rows
from store.tables import uploads


def _strip(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in ("_id", "_upload", "_version") if c in df])


def _sources(conn) -> list[SourceFile]:
    q = select(uploads.c.file_name, uploads.c.sha256, uploads.c.size).where(uploads.c.result == "stored") \
        .order_by(uploads.c.id)
    return [SourceFile(name=r[0], sha256=r[1], size=int(r[2])) for r in conn.execute(q)]


def stored_dataset(app: App, actor: Actor | int, *, bureau_wide: bool = False) -> tuple[Dataset, int]:
    """The current stored rows the actor may read (all of them when ``bureau_wide``), and the data version."""
    with app.db.read() as conn:
        who = reload(conn, actor)
        stations = None if bureau_wide else visible_stations(conn, who)
        ds = Dataset(monthly=_strip(rows.current_monthly(conn, stations=stations)),
                     ledger=_strip(rows.current_ledger(conn, stations=stations)), sources=_sources(conn))
        return ds, rows.data_version(conn)


def indicators(app: App, actor: Actor | int, period, level: str = "office", as_of: date | None = None):
    """(Report, data version) of the indicators over the actor's scope."""
    from metrics.indicators import compute

    ds, version = stored_dataset(app, actor)
    return compute(ds, period, level=level, as_of=as_of), version


def ranking(app: App, actor: Actor | int, period, rubric_version: int | None = None):
    """(ranked frame, rubric, rubric version, data version) — the bureau-wide ranking."""
    from metrics.indicators import compute
    from metrics.ranking import rank
    from metrics.scoring import score

    ds, version = stored_dataset(app, actor, bureau_wide=True)
    rubric, rv = current_rubric(app, rubric_version)
    ranked = rank(score(compute(ds, period, level="office").units, rubric))
    return ranked, rubric, rv, version


def export_ranking(app: App, actor: Actor | int, period, target: str | Path | IO[bytes],
                   rubric_version: int | None = None) -> int:
    """Write the ranking workbook (or CSV for a ``.csv`` path), audited; returns the data version."""
    from metrics.periods import parse_period
    from metrics.ranking_export import write_ranking_csv, write_ranking_xlsx

    with app.db.read() as conn:
        who = reload(conn, actor)
        require_role(who, "leadership", "evaluator", "admin")
    p = parse_period(period)
    ranked, rubric, rv, version = ranking(app, who, p, rubric_version)
    label = getattr(p, "label", str(period))
    with app.db.read() as conn:
        sources = [{"name": s.name, "sha256": s.sha256, "size": s.size} for s in _sources(conn)]
    if isinstance(target, str | Path) and str(target).lower().endswith(".csv"):
        write_ranking_csv(target, ranked, rubric)
    else:
        write_ranking_xlsx(target, ranked, rubric, period=label, sources=sources)
    with app.db.write() as conn:
        audit.append(conn, "RankingExported", actor_id=who.id, actor_name=who.username, period=label,
                     rubric_version=rv, data_version=version, target=str(target) if isinstance(target, str | Path) else "下载")
    return version
