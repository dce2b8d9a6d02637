"""The README's indicator table is generated from the registry and lists every indicator."""

from metrics import readme
from metrics.indicators import INDICATORS
from metrics.indicators.docs import indicators_markdown


def test_readme_indicator_table_matches_the_registry():
    text = readme.README.read_text(encoding="utf-8")
    assert readme.section(text, "indicators") == indicators_markdown(), "run python -m metrics.readme"


def test_indicator_table_has_one_row_per_key_with_label_and_direction():
    table = indicators_markdown()
    for key, ind in INDICATORS.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{key}` |"))
        assert ind.label in row
        assert ("越高越好" in row) == (ind.better == "higher")
        assert ("越低越好" in row) == (ind.better == "lower")


def test_registry_holds_exactly_the_keys_of_metrics_md():
    counts = ["alerts", "dispute_alerts", "criminal_cases", "fraud_cases"]
    rates = ["officer_familiarity", "resident_familiarity", "satisfaction"]
    expected = {
        *counts, "civil_to_criminal", "avg_daily_hours", "visit_coverage", *rates,
        *(f"{x}_yoy" for x in counts), *(f"{x}_yoy_z" for x in counts), *(f"{r}_yoy_pp" for r in rates),
        "months_reported", "months_expected", "disputes", "resolved", "transferred", "failed", "open",
        "resolution_rate", "on_time_rate", "follow_up_rate", "proactive_rate", "grassroots_rate", "overdue_open",
        "red_open", "repeat_disputes",
    }
    assert set(INDICATORS) == expected
