"""The loop indicators on hand-made instructions with a fixed clock, against counts worked out by hand."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from metrics.instruction_loop import FRAME_COLUMNS, loop_indicators

T = datetime(2026, 10, 5, 0, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _row(i, station, status, ack=None, answer=None, closed=None, due=None, hours=24, office="A"):
    return {"id": i, "office_code": office, "office_name": office, "station": station, "branch": "东城分局",
            "month": "2026-10", "status": status, "created_at": T, "hours": hours, "acknowledged_at": ack,
            "first_answer_at": answer, "closed_at": closed, "due_at": due or T + 24 * H}


def frame():
    return pd.DataFrame([
        _row(1, "甲所", "closed", ack=T + 2 * H, answer=T + 10 * H, closed=T + 48 * H),   # all on time, 2 days
        _row(2, "甲所", "answered", ack=T + 30 * H, answer=T + 80 * H, due=T + 200 * H),  # both late
        _row(3, "甲所", "new", due=T + 24 * H),                                         # not signed, deadline past
        _row(4, "乙所", "new", hours=168, due=T + 168 * H),                             # within its deadline
        _row(5, "乙所", "closed", ack=T + H, answer=T + 2 * H, closed=T + 96 * H),      # 4 days
    ], columns=list(FRAME_COLUMNS))


def test_station_values_match_the_hand_counts():
    now = T + 100 * H
    got = loop_indicators(frame(), "station", ["2026-10"], now).set_index("station")
    a, b = got.loc["甲所"], got.loc["乙所"]
    assert a["issued"] == 3 and a["ack_on_time_rate"] == pytest.approx(1 / 3)  # 1 on time of 1+1 signed, 1 past
    assert a["answer_on_time_rate"] == pytest.approx(1 / 2)
    assert a["close_rate"] == pytest.approx(1 / 3) and a["avg_close_days"] == pytest.approx(2.0)
    assert a["overdue_count"] == 1  # #3 (past due); #2 is due later
    assert b["ack_on_time_rate"] == pytest.approx(1.0)  # #4 is still within its 7 days: not counted
    assert b["avg_close_days"] == pytest.approx(4.0) and b["overdue_count"] == 0


def test_bureau_and_empty_denominators():
    bureau = loop_indicators(frame(), "bureau", ["2026-10"], T + 100 * H)
    assert len(bureau) == 1 and bureau["issued"].iat[0] == 5
    assert bureau["avg_close_days"].iat[0] == pytest.approx(3.0)
    early = loop_indicators(frame().iloc[[3]], "office", ["2026-10"], T + H)
    assert np.isnan(early["ack_on_time_rate"].iat[0]) and np.isnan(early["avg_close_days"].iat[0])
    assert loop_indicators(frame(), "station", ["2026-09"], T).empty
    with pytest.raises(ValueError):
        loop_indicators(frame(), "planet", ["2026-10"], T)
