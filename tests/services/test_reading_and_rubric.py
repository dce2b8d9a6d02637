"""Reading stored data within a scope and ranking exports (rubric versions: test_rubric_lifecycle.py)."""

import io
import zipfile

import openpyxl
import pytest

from services import rating_views, reading
from services.errors import PermissionDenied
from store import audit
from tests.dbfixtures import create_users, dispute_record, make_upload, monthly_record, store_as


def _seed(app, u):
    store_as(app, u["eval"].id, make_upload("all.xlsx",
             [monthly_record("A1", m) for m in ("2026-08", "2026-09")] +
             [monthly_record("B1", m, station="城南派出所") for m in ("2026-08", "2026-09")],
             [dispute_record("DA", "A1"), dispute_record("DB", "B1")]))


def test_a_station_head_reads_only_own_station_whatever_is_asked(app):
    u = create_users(app)
    _seed(app, u)
    stored = reading.stored(app)
    assert set(stored.dataset.monthly["station"]) == {"城关派出所", "城南派出所"} and stored.version >= 1
    assert reading.scope(app, u["head"]).stations == frozenset({"城关派出所"})
    assert reading.scope(app, u["lead"]).stations is None
    assert reading.months_in_scope(app, u["head"]) == ["2026-08", "2026-09"]
    assert list(rating_views.ledger_view(app, u["head"])["dispute_id"]) == ["DA"]
    assert set(rating_views.ledger_view(app, u["lead"])["dispute_id"]) == {"DA", "DB"}
    report, version = reading.indicators(app, u["head"], "2026-09")
    assert set(report.units["code"]) == {"A1"} and version == stored.version
    with pytest.raises(PermissionDenied):
        reading.indicators(app, u["head"], "2026-09", level="bureau")
    with pytest.raises(PermissionDenied):
        rating_views.export_ranking(app, u["head"], "2026-09", 0, "xlsx")


def test_ranking_export_is_bureau_wide_audited_and_carries_the_data_version(app):
    u = create_users(app)
    _seed(app, u)
    name, data = rating_views.export_ranking(app, u["lead"], "2026-09", 0, "xlsx")
    assert name.endswith(".xlsx") and zipfile.is_zipfile(io.BytesIO(data))
    with app.db.read() as conn:
        (ev,) = audit.events(conn, "RankingExported")
    assert ev["details"]["data_version"] == reading.data_version(app) and ev["actor_name"] == "lead"
    view = rating_views.rating_view(app, u["head"], "2026-09")
    assert set(view.ranked["code"]) == {"A1", "B1"} and view.rubric_number == 0
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    (source,) = [row for ws in book.worksheets for row in ws.iter_rows(values_only=True) if "all.xlsx" in row]
    assert str(reading.data_version(app)) in [str(c) for c in source[1:]]  # the file's row names its upload version
