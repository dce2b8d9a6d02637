"""Deterministic benchmark data: a dispute ledger (矛盾纠纷台账) .xlsx with the canonical headers.

``make_ledger_xlsx(path, rows=100_000, seed=1)`` writes the file with xlsxwriter in constant-memory mode
(dates as real date cells, codes as text) and returns the path; the same seed gives the same file
content. With ``monthly=True`` (the default) the workbook also carries a 警务室月报 sheet naming every
office, so that the ledger is valid on its own: ``python -m metrics validate`` then reads it as a real
upload would and reports no errors (all dates lie in 2025, before any upload date). Data go to
``bench/data/`` (git-ignored), never into the repository.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrics.schema import LEDGER, MONTHLY  # noqa: E402

DATA_DIR = Path(__file__).parent / "data"
VERSION = 2
"""Bumped whenever the generated content changes (it is part of the file name)."""

_SOURCES = ("110报警", "12345热线", "来信来访", "窗口接待", "走访排查", "网格员上报", "预警推送", "其他")
_CATEGORIES = ("婚姻家庭", "邻里", "土地山林", "经济债务", "劳资", "物业", "交通事故", "其他")
_STATUS = ("已化解", "已化解", "已化解", "化解中", "已移交", "调解不成")
_MONTH = "2025-12"


def ledger_path(rows: int, formula_ids: bool = False) -> Path:
    """Where the benchmark ledger of ``rows`` rows lives (``formula_ids``: the one whose 纠纷编号 are formulas)."""
    return DATA_DIR / f"ledger_v{VERSION}_{rows}{'_formula' if formula_ids else ''}.xlsx"


def _office(i: int) -> str:
    return f"3702{i:06d}"


def _monthly_rows(offices: int) -> list[dict]:
    """One valid monthly row per office (every rule of workbook.md table A passes)."""
    return [
        {"office_code": _office(i), "office_name": f"第{i + 1}警务室", "station": f"第{i // 10 + 1}派出所",
         "branch": "市南分局", "month": _MONTH, "officers": 2, "auxiliaries": 1, "grid_workers": 3,
         "households": 1000, "population": 3000, "visited_month": 100, "visited_ytd": 900,
         "community_hours": 300, "officer_days": 40, "alerts": 30, "dispute_alerts": 10, "criminal_cases": 2,
         "fraud_cases": 1, "civil_to_criminal": 0}
        for i in range(offices)
    ]


def make_ledger_xlsx(path: str | Path, rows: int = 100_000, seed: int = 1, offices: int = 200,
                     monthly: bool = True, formula_ids: bool = False) -> Path:
    """Write a ledger of ``rows`` valid disputes over ``offices`` offices to ``path`` (and, with
    ``monthly``, the monthly sheet of those offices first). With ``formula_ids`` every 纠纷编号 is a
    formula (``="JF01"&TEXT(ROW()-1,"00000000")``, as hand-made sheets number their rows) with its
    result saved, so the file reads the same values as without."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": dt.datetime(2026, 11, 1)})
    if monthly:
        ms = wb.add_worksheet(MONTHLY.title)
        ms.write_row(0, 0, [c.header for c in MONTHLY.columns])
        for r, values in enumerate(_monthly_rows(offices), start=1):
            for c, col in enumerate(MONTHLY.columns):
                v = values.get(col.key)
                if isinstance(v, str):
                    ms.write_string(r, c, v)
                elif v is not None:
                    ms.write_number(r, c, v)
    ws = wb.add_worksheet(LEDGER.title)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    headers = [c.header for c in LEDGER.columns]
    ws.write_row(0, 0, headers)
    start = dt.date(2025, 1, 1)
    for r in range(1, rows + 1):
        received = start + dt.timedelta(days=rnd.randrange(300))
        status = rnd.choice(_STATUS)
        resolved = received + dt.timedelta(days=rnd.randrange(0, 40)) if status == "已化解" else None
        follow = resolved + dt.timedelta(days=rnd.randrange(1, 20)) if resolved and rnd.random() < 0.7 else None
        values = {
            "dispute_id": f"JF{seed:02d}{r:08d}",
            "office_code": _office(rnd.randrange(offices)),
            "source": rnd.choice(_SOURCES),
            "category": rnd.choice(_CATEGORIES),
            "risk": rnd.choice("红黄蓝蓝"),
            "complexity": rnd.choice(("一般", "一般", "复杂", "疑难")),
            "level": rnd.choice(("社区", "派出所", "县局", None)),
            "status": status,
            "party_key": f"P{rnd.randrange(10**9):09d}",
            "escalated": rnd.choice(("否", "否", "否", "是")),
            "note": rnd.choice(("", "双方当事人已签订调解协议", "已回访，当事人满意", "涉及宅基地边界")),
        }
        for c, col in enumerate(LEDGER.columns):
            if col.key == "received_date":
                ws.write_datetime(r, c, dt.datetime.combine(received, dt.time()), date_fmt)
            elif col.key == "resolved_date":
                if resolved:
                    ws.write_datetime(r, c, dt.datetime.combine(resolved, dt.time()), date_fmt)
            elif col.key == "follow_up_date":
                if follow:
                    ws.write_datetime(r, c, dt.datetime.combine(follow, dt.time()), date_fmt)
            elif col.key == "dispute_id" and formula_ids:
                ws.write_formula(r, c, f'="JF{seed:02d}"&TEXT(ROW()-1,"00000000")', None, values[col.key])
            elif values.get(col.key):
                ws.write_string(r, c, values[col.key])
    wb.close()
    return path


if __name__ == "__main__":
    print(make_ledger_xlsx(ledger_path(100_000)))
