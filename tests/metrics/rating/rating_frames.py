"""Hand-made office indicator tables for the rating tests (the shape of ``compute(...).units``)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from metrics.rubric import Rubric, load_rubric, rubric_from_dict

# Every item of the default rubric exactly at its target, and no cap triggered.
PERFECT: dict[str, float] = {
    "resolution_rate": 0.98,
    "on_time_rate": 0.95,
    "follow_up_rate": 1.0,
    "proactive_rate": 0.95,
    "dispute_alerts_yoy": -0.20,
    "criminal_cases_yoy": -0.20,
    "avg_daily_hours": 8.0,
    "officer_familiarity": 0.95,
    "resident_familiarity": 0.90,
    "visit_coverage": 0.80,
    "civil_to_criminal": 0.0,
}


def office(code: str, *, name: str | None = None, station: str = "城关派出所", branch: str = "市南分局",
           **metrics: Any) -> dict[str, Any]:
    """One office row: PERFECT indicators with ``metrics`` overriding (None → NaN = null)."""
    values = {**PERFECT, **metrics}
    values = {k: (math.nan if v is None else float(v)) for k, v in values.items()}
    return {"code": code, "name": name or f"警务室{code}", "level": "office", "station": station,
            "branch": branch, **values}


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def default() -> Rubric:
    return load_rubric()


def variant(**changes: Any) -> Rubric:
    """The default rubric with top-level entries replaced (e.g. ``quota={...}``, ``items=[...]``)."""
    data = load_rubric().to_dict()
    data.update(changes)
    return rubric_from_dict(data)


def single_item_rubric(metric: str = "resolution_rate", floor: float = 0.0, target: float = 1.0) -> Rubric:
    """One item worth all 100 points, so that score = 100 × the item's fraction (caps kept)."""
    data = load_rubric().to_dict()
    data["items"] = [{"key": metric, "label": "单项", "metric": metric, "weight": 100, "floor": floor,
                      "target": target}]
    return rubric_from_dict(data)
