"""Worker of ``test_realfiles_corpus``: reads corpus files in-process, one JSON line per file.

``python corpus_worker.py MEMORY_BYTES FILE...`` sets RLIMIT_AS to MEMORY_BYTES, then for each file
prints ``{"start": name}`` before reading it and, after, ``{"file": name, ...}`` with what the reader
said (problem codes, severities, messages, rows kept) and whether the annotated-workbook download was
made. Anything that escapes the reader (even a BaseException) is caught *here* and reported as
``"escaped"``, so the test sees it; a hang or a crash shows as a ``start`` line with no result, which the
supervising test turns into a failure for that file.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _annotated_ok(data: bytes, name: str, problems) -> str:
    from metrics.annotate import FileRefused, annotate

    try:
        out = annotate(data, name, problems)
    except FileRefused:
        return "refused" if any(p.severity == "error" for p in problems) else "refused a file the reader read"
    names = zipfile.ZipFile(io.BytesIO(out)).namelist()
    return "ok" if "xl/workbook.xml" in names else "not an xlsx"


def main() -> None:
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from metrics.reader import read_upload

    for arg in sys.argv[2:]:
        path = Path(arg)
        print(json.dumps({"start": path.name}), flush=True)
        started = time.perf_counter()
        result: dict = {"file": path.name}
        try:
            data = path.read_bytes()
            up = read_upload(data, path.name)
            result["problems"] = [[p.code, p.severity, p.message] for p in up.problems]
            result["rows"] = len(up.monthly) + len(up.ledger)
            result["annotated"] = _annotated_ok(data, path.name, up.problems)
        except BaseException as exc:  # noqa: BLE001 — the point: report whatever escapes
            result["escaped"] = f"{type(exc).__module__}.{type(exc).__name__}: {exc}"[:300]
        result["seconds"] = round(time.perf_counter() - started, 3)
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
