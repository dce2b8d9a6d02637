"""The reader against every file of ``shared/realfiles`` — 1,048 spreadsheets other programs wrote.

None holds a 警务室月报 or 矛盾纠纷台账 sheet, so every answer must be a clean refusal: no exception
escapes (not even a BaseException such as a Rust panic), no hang, no memory beyond the limit, an error
in Chinese, no row kept, and an annotated-workbook download that can be made. For the files whose defect
is known (from their names in the manifest: encrypted, too many rows, corrupt, unrecognised formats, or
plain workbooks without our sheets) the reason must be of the right kind, and no file is told it is too
big unless it is one of the few that really declare or inflate to too much.

The files are read in-process by ``corpus_worker.py`` in two subprocesses (the machine has two cores),
each under RLIMIT_AS; this test supervises them and treats a file without an answer within
``PER_FILE_SECONDS`` (a hang) or a worker that dies on a file (a crash) as a failure of that file, and
goes on with the next. The corpus is read, never written (shared/ is read-only in CI).
"""

from __future__ import annotations

import csv
import json
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from realfiles import CORPUS, corpus_dir

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("corpus_worker.py")
MEMORY_LIMIT = 3 * 2**30
"""Address space of a worker (interpreter, pandas and pyarrow included)."""
PER_FILE_SECONDS = 60.0
"""A file answered later than this is a hang (most take milliseconds; the slowest well under a second)."""
WORKERS = 2

KINDS = {
    "encrypted": {"encrypted"},
    "too many rows": {"too_many_rows", "sheet_too_large"},
    "corrupt": {"corrupt_file", "bad_structure", "zip_bomb"},
    "unrecognised": {"unsupported_type", "html_as_xls", "wps_format"},
    "no sheet of ours": {"no_known_sheet"},
}

DEFAULT_PASSWORD = {  # encrypted with Excel's default password: decrypted, read, and found to hold no sheet of ours
    "edr__src__TestData__protectedsheet-xxx.xls", "edr__src__TestData__Test_git_issue289.xlsx",
    "edr__src__TestData__TestExcel_2040.xls", "edr__src__TestData__TestExcel_2040.xlsx",
    "poi__test-data__poifs__protect.xlsx", "calamine__tests__issue_385.xls",
}
READ_FINE = {  # issue 11: refused for a wrong reason before (too many rows, corrupt), plain workbooks really
    "calamine__tests__issue_174.xlsx", "poi__test-data__spreadsheet__style-alternate-content.xlsx",
    "edr__src__TestData__Test_Row1217NotRead.xls", "calamine__tests__OOM_alloc2.xls",
    "edr__src__TestData__Test_git_issue_301_IgnoreCase.xlsx", "poi__test-data__spreadsheet__51710.xlsx",
}
TOO_BIG = {  # the only files that may be refused for their size
    "calamine__tests__issue_594_dos.ods": "too many rows",
    "poi__test-data__spreadsheet__clusterfuzz-testcase-minimized-POIXSSFFuzzer-5265527465181184.xlsx": "corrupt",
}
SIZE_CODES = {"too_many_rows", "sheet_too_large", "file_too_large", "zip_bomb"}
UNRECOGNISED_EXT = {".xlsb", ".numbers", ".123", ".wk1", ".wk3", ".wk4", ".wks", ".wq1", ".wb1", ".wb3",
                    ".qpw", ".dbf", ".doc", ".zip", ".htm", ".fods"}
_ENCRYPTED_NAME = re.compile(r"password|encrypt|_pwd|pass_protected|protected_(passtika|sha512)|60320-protected"
                             r"|crypto", re.I)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def expected_kind(name: str) -> str | None:
    """The kind of answer a corpus file must get, when its defect is known from its name (fuzz cases
    are not: some of them are valid workbooks still, and only the general checks apply to them)."""
    suffix = Path(name).suffix.lower()
    if name in TOO_BIG:
        return TOO_BIG[name]
    if name in DEFAULT_PASSWORD or name in READ_FINE:
        return "no sheet of ours"
    if "workbookProtection-" in name:
        return "no sheet of ours"  # workbook/sheet structure protection: the file itself is not encrypted
    if name.startswith("xlsxwriter__") and suffix == ".xlsx":
        return "no sheet of ours"  # XlsxWriter's comparison files, saved by Excel
    if _ENCRYPTED_NAME.search(name):
        return "encrypted"
    if "clusterfuzz-testcase" in name or name == "xlrd__tests__samples__corrupted_error.xls":
        return None
    if re.search(r"corrupt|leftoverbytes|poc-xmlbomb|_oom\.", name):
        return "corrupt"
    if suffix in UNRECOGNISED_EXT:
        return "unrecognised"
    return None


def _reader(stream, q: queue.Queue) -> None:
    for line in stream:
        q.put(line)
    q.put(None)


def _supervise(files: list[Path]) -> tuple[dict[str, dict], list[str]]:
    """Run the worker over ``files``; results by name, and the failures (hangs, crashes) by message.
    After a hang or a crash the worker is started again on the files after the one that failed."""
    results: dict[str, dict] = {}
    failures: list[str] = []
    pending = list(files)
    while pending:
        proc = subprocess.Popen([sys.executable, str(WORKER), str(MEMORY_LIMIT), *map(str, pending)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
        q: queue.Queue = queue.Queue()
        threading.Thread(target=_reader, args=(proc.stdout, q), daemon=True).start()
        current: str | None = None
        while True:
            try:
                line = q.get(timeout=PER_FILE_SECONDS)
            except queue.Empty:
                proc.kill()
                failures.append(f"{current}: no answer within {PER_FILE_SECONDS:.0f} s (hang)")
                break
            if line is None:
                if proc.wait() != 0 or current is not None:
                    failures.append(f"{current}: the reader's process died (exit {proc.returncode})")
                break
            msg = json.loads(line)
            if "start" in msg:
                current = msg["start"]
            else:
                results[msg["file"]] = msg
                current = None
        proc.wait()
        names = [f.name for f in pending]
        if current is None or current not in names:
            missing = [f for f in pending if f.name not in results]
            if missing:
                failures.append(f"{len(missing)} files never read (first: {missing[0].name})")
            break
        pending = pending[names.index(current) + 1 :]
    return results, failures


@pytest.fixture(scope="module")
def corpus_results():
    files = sorted(corpus_dir().iterdir())
    assert len(files) >= 1000, f"expected the 1,048 corpus files, found {len(files)}"
    manifest = CORPUS / "manifest.tsv"
    with manifest.open(encoding="utf-8") as fh:
        listed = {row["file"] for row in csv.DictReader(fh, delimiter="\t")}
    assert listed == {f.name for f in files}, "manifest.tsv and files/ disagree"
    shares = [files[i::WORKERS] for i in range(WORKERS)]
    out: list = [None] * WORKERS
    started = time.perf_counter()

    def run(i: int) -> None:
        out[i] = _supervise(shares[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = {k: v for r, _ in out for k, v in r.items()}
    failures = [f for _, fs in out for f in fs]
    return files, results, failures, time.perf_counter() - started


def test_every_file_gets_an_answer_without_hang_crash_or_escaped_exception(corpus_results):
    files, results, failures, _ = corpus_results
    escaped = [f"{name}: {r['escaped']}" for name, r in results.items() if "escaped" in r]
    assert not failures and not escaped, failures + escaped
    assert set(results) == {f.name for f in files}


def test_every_answer_is_a_refusal_with_a_chinese_message_and_no_row_kept(corpus_results):
    _, results, _, _ = corpus_results
    bad = []
    for name, r in results.items():
        if "escaped" in r:
            continue
        errors = [(code, msg) for code, severity, msg in r["problems"] if severity == "error"]
        if not errors or r["rows"] or not all(_CJK.search(msg) for _, msg in errors):
            bad.append((name, r["problems"][:2], r["rows"]))
    assert not bad, bad[:20]


def test_the_annotated_workbook_can_be_made_for_every_file(corpus_results):
    _, results, _, _ = corpus_results
    bad = [(name, r.get("annotated")) for name, r in results.items() if r.get("annotated") not in ("ok", "refused")]
    assert not bad, bad[:20]


def test_known_defects_are_refused_for_the_right_reason(corpus_results):
    files, results, _, _ = corpus_results
    wrong = []
    checked = 0
    for f in files:
        kind = expected_kind(f.name)
        r = results.get(f.name)
        if kind is None or r is None or "escaped" in r:
            continue
        checked += 1
        codes = {code for code, severity, _ in r["problems"] if severity == "error"}
        if not codes & KINDS[kind]:
            wrong.append((f.name, kind, sorted(codes)))
    assert not wrong, wrong
    assert checked >= 240  # the rules above cover a good part of the corpus


def test_macro_workbooks_are_refused_as_such(corpus_results):
    _, results, _, _ = corpus_results
    xlsm = {n: r for n, r in results.items() if n.endswith(".xlsm")}
    assert xlsm
    wrong = [n for n, r in xlsm.items() if "macro_workbook" not in {c for c, _, _ in r["problems"]}]
    assert not wrong, wrong


def test_no_file_is_told_it_is_too_big_unless_it_is(corpus_results):
    _, results, _, _ = corpus_results
    wrong = [(n, sorted(c for c, _, _ in r["problems"] if c in SIZE_CODES)) for n, r in results.items()
             if n not in TOO_BIG and any(c in SIZE_CODES for c, _, _ in r.get("problems", []))]
    assert not wrong, wrong


def test_the_whole_corpus_runs_within_a_few_minutes(corpus_results):
    *_, seconds = corpus_results
    assert seconds < 600, seconds
