"""Normalisation: how headers, sheet names and vocabulary spellings are matched."""

import pytest

from metrics.schema import LEDGER, MONTHLY
from metrics.text import (
    clean_text,
    header_key,
    header_lookup,
    normalize,
    sheet_name_keys,
    vocab_key,
    vocabulary_lookup,
)


def test_normalize_makes_full_width_half_width_and_drops_invisible_spaces():
    assert normalize("\u3000１２３\u200b\ufeff ") == "123"
    assert normalize("\u00a0（小时）") == "(小时)"


def test_normalize_turns_traditional_into_simplified():
    assert normalize("警務室編碼") == "警务室编码"
    assert normalize("調解中") == "调解中"


@pytest.mark.parametrize(
    "written",
    ["驻社区总时长(小时)", "驻社区总时长（小时）", "驻社区总时长（h）", "驻社区总时长(h)", "驻 社 区\n总时长",
     "  驻社区总时长  ", "駐社區總時長【小時】"],
)
def test_header_spellings_of_community_hours_all_match_the_column(written):
    assert header_lookup("monthly")[header_key(written)] == "community_hours"


def test_alias_in_traditional_characters_matches_its_column():
    assert header_lookup("monthly")[header_key("驻社区時長")] == "community_hours"
    assert header_lookup("monthly")[header_key("警務室編碼")] == "office_code"


def test_every_header_and_alias_of_both_kinds_is_in_its_lookup():
    for kind in (MONTHLY, LEDGER):
        lookup = header_lookup(kind.key)
        for col in kind.columns:
            for spelling in col.headers:
                assert lookup[header_key(spelling)] == col.key


def test_sheet_name_matching_ignores_spaces_width_and_script():
    assert header_key(" 警務室 月報 ") in sheet_name_keys("monthly")
    assert header_key("矛盾纠纷台账") in sheet_name_keys("ledger")
    assert header_key("填报说明") not in sheet_name_keys("monthly") | sheet_name_keys("ledger")


@pytest.mark.parametrize(
    ("vocab", "written", "canonical"),
    [("level", "村（社区）", "社区"), ("level", " 村 (社區) ", "社区"), ("level", "县（市）局", "县局"),
     ("status", "調解中", "化解中"), ("status", " 化解 ", "已化解"), ("risk", "高風險", "红"),
     ("source", "１１０", "110报警")],
)
def test_vocabulary_spellings_map_to_their_canonical_value(vocab, written, canonical):
    assert vocabulary_lookup(vocab)[vocab_key(written)] == canonical


def test_clean_text_strips_control_characters_but_keeps_the_text_as_written():
    assert clean_text("\x00=cmd|'/c calc'!A1\x07 ") == "=cmd|'/c calc'!A1"
    assert clean_text("警務室<script>") == "警務室<script>"
