"""Deterministic benchmark data: a dispute ledger (矛盾纠纷台账) .xlsx with the canonical headers.

``make_ledger_xlsx(path, rows=100_000, seed=1)`` writes the file with xlsxwriter in constant-memory mode
(dates as real date cells, codes as text) and returns the path; the same seed gives the same file
content. Data go to ``bench/data/`` (git-ignored), never into the repository.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrics.schema import LEDGER  # noqa: E402

DATA_DIR = Path(__file__).parent / "data"

_SOURCES = ("110报警", "12345热线", "来信来访", "窗口接待", "走访排查", "网格员上报", "预警推送", "其他")
_CATEGORIES = ("婚姻家庭", "邻里", "土地山林", "经济债务", "劳资", "物业", "交通事故", "其他")
_STATUS = ("已化解", "已化解", "已化解", "化解中", "已移交", "调解不成")


def make_ledger_xlsx(path: str | Path, rows: int = 100_000, seed: int = 1, offices: int = 200) -> Path:
    """Write a ledger of ``rows`` valid disputes over ``offices`` offices to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": dt.datetime(2026, 11, 1)})
    ws = wb.add_worksheet(LEDGER.title)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    headers = [c.header for c in LEDGER.columns]
    ws.write_row(0, 0, headers)
    start = dt.date(2026, 1, 1)
    for r in range(1, rows + 1):
        received = start + dt.timedelta(days=rnd.randrange(300))
        status = rnd.choice(_STATUS)
        resolved = received + dt.timedelta(days=rnd.randrange(0, 40)) if status == "已化解" else None
        follow = resolved + dt.timedelta(days=rnd.randrange(1, 20)) if resolved and rnd.random() < 0.7 else None
        values = {
            "dispute_id": f"JF{seed:02d}{r:08d}",
            "office_code": f"3702{rnd.randrange(offices):06d}",
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
            elif values.get(col.key):
                ws.write_string(r, c, values[col.key])
    wb.close()
    return path


if __name__ == "__main__":
    print(make_ledger_xlsx(DATA_DIR / "ledger_100k.xlsx"))
