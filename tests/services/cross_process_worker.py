"""One app process for ``test_cross_process.py``: its own :class:`services.context.App` over the
database named by ``DASHBOARD_DATABASE_URL``, with its own in-process caches (``services.reading``,
``services.snapshots``), answering one JSON command per line on stdin with one JSON line on stdout.

Commands: ``{"do": "seed"}`` (the demo bureau but its last station), ``{"do": "read", "user": ...}``
(总览 of the newest month and 星级评定 of its quarter for that demo user), ``{"do": "store",
"user": ..., "file": ...}`` (a workbook through prepare → commit), ``{"do": "origins"}``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from metrics.periods import parse_period  # noqa: E402
from services import accounts, rating_views, snapshots, uploads, views  # noqa: E402
from services.context import open_app  # noqa: E402
from services.demo import DEMO_PASSWORD, UPLOAD_DATE, ensure_demo  # noqa: E402
from services.settings import from_env  # noqa: E402


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def main() -> None:
    app = open_app(from_env())
    actors = {}

    def actor(name: str):
        if name not in actors:
            actors[name] = accounts.authenticate(app, name, DEMO_PASSWORD).actor
        return actors[name]

    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["do"] == "seed":
            out = {"seeded": ensure_demo(app, skip_stations=1)}
        elif cmd["do"] == "read":
            who = actor(cmd["user"])
            month = views.available_months(app, who)[-1]
            ov = views.overview(app, who, parse_period(month))
            quarter = parse_period(f"{month[:4]}Q{(int(month[5:]) - 1) // 3 + 1}")
            rv = rating_views.rating_view(app, who, quarter)
            ranked = rv.ranked
            out = {"version": ov.version, "month": month,
                   "reported": int(ov.completeness["reported"].sum()),
                   "offices": int(ov.completeness["offices"].sum()),
                   "total": _clean(ov.total),
                   "rating_version": rv.data_version,
                   "scores": {str(c): (None if s != s else round(float(s), 6))
                              for c, s in zip(ranked["code"], ranked["score"], strict=True)}}
        elif cmd["do"] == "store":
            who = actor(cmd["user"])
            path = Path(cmd["file"])
            plan = uploads.prepare_upload(app, who, [(path.name, path.read_bytes())], upload_date=UPLOAD_DATE)
            receipt = uploads.commit_upload(app, who, plan, acknowledge_warnings=True)
            out = {"ids": receipt.upload_ids}
        elif cmd["do"] == "origins":
            out = dict(snapshots.ORIGINS)
        else:
            out = {"error": cmd["do"]}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    app.close()


if __name__ == "__main__":
    main()
