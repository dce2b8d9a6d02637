"""The annotated-workbook download survives every file the reader survives: crafted hostile files and
real files that hang openpyxl are refused as a whole (nothing to annotate), quickly and in little memory,
without openpyxl ever seeing them."""

from __future__ import annotations

import io
import tracemalloc

import openpyxl
import pytest
from realfiles import real_file
from test_filesafety import bomb_xlsx, lie_about_sizes, rezip, small_xlsx

import metrics.annotate as annotate_mod
from metrics.annotate import LIST_SHEET, FileRefused, annotate
from metrics.reader import read_upload

DTD = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
       b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')


def _entity_bomb() -> bytes:
    def evil(name: str, body: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return DTD + body.split(b"?>", 1)[-1].replace(b"JF001", b"&lol2;")
        return body
    return rezip(small_xlsx(), change=evil)


HOSTILE = {
    "zip bomb": lambda: bomb_xlsx(300),
    "zip bomb lying about its sizes": lambda: lie_about_sizes(bomb_xlsx(300), "xl/worksheets/sheet1.xml", 4000),
    "entity bomb": _entity_bomb,
    "calamine panic": lambda: real_file("edr__src__TestData__Test_git_issue_467_empty_continue_leftoverbytes.xls"),
    "hangs openpyxl": lambda: real_file("poi__test-data__spreadsheet__poc-shared-strings.xlsx"),
    "truncated": lambda: small_xlsx()[:-200],
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_refused_file_is_refused_again_without_openpyxl(case, monkeypatch):
    data = HOSTILE[case]()
    up = read_upload(data, "上报.xlsx")
    assert up.errors

    handed: list[int] = []

    def no_openpyxl(*_a, **_k):
        handed.append(1)
        raise RuntimeError("openpyxl was handed a file the reader refused")

    monkeypatch.setattr(annotate_mod, "_annotate_openpyxl", no_openpyxl)
    tracemalloc.start()
    with pytest.raises(FileRefused) as refused:
        annotate(data, "上报.xlsx", up.problems)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert not handed
    assert peak < 64 * 2**20
    assert refused.value.problem is not None and refused.value.problem.code == up.errors[0].code


def test_a_file_the_reader_read_is_still_copied_with_openpyxl(monkeypatch):
    data = small_xlsx()
    up = read_upload(data, "上报.xlsx")
    called = []
    real = annotate_mod._annotate_openpyxl
    monkeypatch.setattr(annotate_mod, "_annotate_openpyxl", lambda d, p: called.append(1) or real(d, p))
    out = annotate(data, "上报.xlsx", up.problems)
    assert called and LIST_SHEET in openpyxl.load_workbook(io.BytesIO(out)).sheetnames
