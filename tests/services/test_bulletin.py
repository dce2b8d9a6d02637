"""The monthly 通报 (.docx): opened with python-docx, its sections, every station in the table and every
figure equal to what the 总览 service gives, formatted as on screen; who may build it; the CLI."""

import io
from datetime import date

import docx
import pytest

from metrics.display import format_change, format_value
from metrics.periods import parse_period
from sample_data.generate import build_bureau, write_station_workbook
from services import bulletin, views
from services import uploads as svc
from services.errors import PermissionDenied, ServiceError
from tests.dbfixtures import create_users

PERIOD = parse_period("2026-10")


def _xlsx(monthly, ledger) -> bytes:
    buf = io.BytesIO()
    write_station_workbook(buf, monthly, ledger)
    return buf.getvalue()


@pytest.fixture
def stored(app):
    monthly, ledger = build_bureau(branches=2, stations=2, offices=3, months=("2025-10", "2026-10"), seed=21)
    late = sorted(set(monthly["station"]))[-1]  # this station has not reported 2026-10
    keep = ~((monthly["station"] == late) & (monthly["month"] == "2026-10"))
    u = create_users(app)
    plan = svc.prepare_upload(app, u["eval"], [("历史.xlsx", _xlsx(monthly[keep], ledger))],
                              upload_date=date(2026, 11, 5))
    assert not plan.blocked, [p.message for p in plan.problems][:5]
    svc.commit_upload(app, u["eval"], plan, acknowledge_warnings=True)
    return u, late


def _texts(d) -> list[str]:
    return [p.text for p in d.paragraphs]


def _rows(table) -> list[list[str]]:
    return [[c.text for c in r.cells] for r in table.rows]


def test_bulletin_holds_the_overview_figures_formatted_as_on_screen(app, stored):
    u, late = stored
    name, data = bulletin.bulletin(app, u["lead"], "2026-10")
    assert name == "社区警务工作通报_2026-10.docx"
    d = docx.Document(io.BytesIO(data))
    texts = _texts(d)
    assert texts[0] == bulletin.TITLE and texts[1] == "（2026年10月）"
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"] == list(bulletin.SECTIONS)
    assert bulletin.PLACEHOLDER in texts

    ov = views.overview(app, u["lead"], PERIOD)
    summary = texts[texts.index(bulletin.SECTIONS[0]) + 1]
    for key in views.KPI_KEYS:
        value, change = ov.total.get(key), ov.changes.get(key)
        delta = None if change is None else format_change(key, change.absolute, change.relative)
        if delta is None:  # not comparable like for like (services.changes): said so, no number made up
            assert f"{format_value(key, value)}（无上年同期数据）" in summary, key
        else:
            assert f"{format_value(key, value)}（同比{delta}）" in summary, key
    assert ov.changes["alerts"].known  # a year of history: the counts compare like for like
    assert f"共 {len(ov.offices)} 个警务室" in summary

    tables = d.tables
    stations = _rows(tables[0])
    assert stations[0][:2] == ["分局", "派出所"]
    want = {r["station"]: r for _, r in ov.stations.iterrows()}
    registered = set(views.office_registry(app, u["admin"])["station"])
    assert sorted(r[1] for r in stations[1:]) == sorted(want) == sorted(registered) and late in registered
    for row in stations[1:]:
        unit = want[row[1]]
        assert row[0] == unit["branch"]
        assert row[2:] == [format_value(k, unit[k]) for k in bulletin.STATION_KEYS]

    stars = _rows(tables[1])
    assert stars[1:] == [[r["label"], str(r["count"])] for _, r in ov.stars.iterrows()]

    before = views.overview(app, u["lead"], parse_period("2026-09"))
    old = {r["code"]: r["stars"] for _, r in before.offices.iterrows() if r["rated"]}
    now = {r["code"]: r["stars"] for _, r in ov.offices.iterrows() if r["rated"]}
    up = sum(1 for c in now if c in old and now[c] > old[c])
    down = sum(1 for c in now if c in old and now[c] < old[c])
    assert f"与2026年9月相比，{up} 个警务室星级上升，{down} 个下降。" in texts

    best = next(t for t in tables if _rows(t)[0] == ["排名", "警务室", "派出所", "得分", "星级"])
    assert [r[3] for r in _rows(best)[1:]] == [f"{s:.1f}" for s in ov.best["score"]]
    assert [r[0] for r in _rows(best)[1:]] == [str(int(x)) for x in ov.best["rank"]]

    warnings = views.warnings_list(app, u["lead"], ov.as_of)
    assert any(f"范围内共有预警 {len(warnings)} 条" in t for t in texts)

    missing = next(t for t in tables if _rows(t)[0] == ["分局", "派出所", "应报", "已报", "未报"])
    assert [r[1] for r in _rows(missing)[1:]] == [late]
    n = str(int((views.office_registry(app, u["admin"])["station"] == late).sum()))
    assert _rows(missing)[1][2:] == [n, "0", n]

    footer = d.sections[0].footer.paragraphs[0].text
    assert "2026年10月" in footer and f"数据版本：{ov.version}" in footer and ov.rubric_version in footer
    assert len(d.inline_shapes) == 2  # both charts (matplotlib + the Noto CJK font of scripts/test.sh)


def test_who_may_build_it_and_bad_periods(app, stored):
    u, _ = stored
    with pytest.raises(PermissionDenied):
        bulletin.bulletin(app, u["head"], "2026-10")
    assert bulletin.bulletin(app, u["eval"], "2026Q4")[1][:2] == b"PK"
    with pytest.raises(ServiceError, match="没有可通报"):
        bulletin.bulletin(app, u["lead"], "2020-01")
    with pytest.raises(ServiceError):
        bulletin.bulletin(app, u["lead"], "2026-13")


def test_previous_period_has_the_same_length():
    assert bulletin.previous(parse_period("2026-01")).label == "2025-12"
    assert bulletin.previous(parse_period("2026Q1")).label == "2025Q4"
    assert bulletin.previous(parse_period("2026")).label == "2025"


def test_cli_bulletin(db, tmp_path, monkeypatch, capsys):
    from services.__main__ import main
    from services.context import open_app
    from services.settings import from_env

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", db.engine.url.render_as_string(False))
    assert main(["init"]) == 0
    monthly, ledger = build_bureau(branches=1, stations=2, offices=2, months=("2026-08", "2026-10"), seed=5)
    app = open_app(from_env())
    try:
        u = create_users(app)
        plan = svc.prepare_upload(app, u["eval"], [("历史.xlsx", _xlsx(monthly, ledger))],
                                  upload_date=date(2026, 11, 5))
        svc.commit_upload(app, u["eval"], plan, acknowledge_warnings=True)
    finally:
        app.close()
    capsys.readouterr()
    out = tmp_path / "通报.docx"
    assert main(["bulletin", "--period", "2026-10", "--out", str(out), "--as", "lead"]) == 0
    assert "已写出" in capsys.readouterr().out
    assert docx.Document(out).paragraphs[0].text == bulletin.TITLE
    assert main(["bulletin", "--period", "2026-10", "--out", str(out), "--as", "head"]) == 1
    assert "无权" in capsys.readouterr().err
    assert main(["bulletin", "--period", "2026Q5", "--out", str(out), "--as", "lead"]) == 2
    assert main(["bulletin", "--period", "2026-10", "--out", str(tmp_path / "a.pdf"), "--as", "lead"]) == 2


def test_without_a_cjk_font_there_are_no_charts(monkeypatch):
    from services import bulletin_charts
    monkeypatch.setattr(bulletin_charts, "CJK_FAMILIES", ("No Such Font 字体",))
    assert bulletin_charts.render(object()) == []
