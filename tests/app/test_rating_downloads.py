"""星级评定's table downloads are built only when clicked (3,000 offices at province scale would be
written to CSV on every run), and hold what the screen's tables hold."""

from __future__ import annotations

import csv
import io

import analysis_helpers
import streamlit
from app_helpers import no_failure, sign_in

demo = analysis_helpers.demo  # the module-scoped demo installation (a fixture)


def test_ranking_and_robustness_csv_are_deferred_and_hold_every_listed_row(demo, monkeypatch):
    made = {}
    real = streamlit.download_button

    def recording(label, data, *args, **kwargs):
        made[kwargs.get("key")] = data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording)
    at = sign_in(demo, "evaluator", "pages/rating.py")
    no_failure(at)
    assert callable(made["rat_ranking_csv"]) and callable(made["rat_robust_csv"])  # nothing built yet
    tables = {len(df.value.columns): df.value for df in at.dataframe}
    for key, header in (("rat_ranking_csv", "排名"), ("rat_robust_csv", "排名中位数")):
        data = made[key]()
        assert data.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert any(header in h for h in rows[0])
        shown = next(df for df in tables.values() if len(df.columns) == len(rows[0]))
        assert len(rows) - 1 == len(shown) > 0
