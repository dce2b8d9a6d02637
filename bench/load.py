"""Load driver: concurrent Streamlit sessions by role against a running app, over Streamlit's own
protocol (``bench/st_client.py``), on loopback only.

    # the app, e.g. in demo mode:  DASHBOARD_DEMO=1 DASHBOARD_DATA_DIR=data-demo bash scripts/run.sh --server.port 8501
    DASHBOARD_DEMO=1 DASHBOARD_DATA_DIR=data-demo \\
        python -m bench.load --url http://127.0.0.1:8501 --sessions 10,25,50 --duration 120 --think 5 \\
                             --server-pid "$(pgrep -f 'streamlit run serve.py' | head -1)" --out test-output/load

The driver signs its users in through the services (``accounts.authenticate`` on the same database as
the server: it reads the same ``DASHBOARD_*`` settings from its environment) and sends the session
token as the ``dashboard_session`` cookie on the WebSocket, as a browser that signed in earlier does.
In demo mode it seeds the demo bureau first when nobody has (``services.demo.ensure_demo``).

Scenarios (each session loops its steps, with a think time of ``--think`` s ±50 % between steps):

* ``leader`` (demo_leader): open 总览 (the default page), pick the previous month in 统计期;
* ``evaluator`` (demo_eval): open 星级评定, 统计期类型 → 季度, pick the previous quarter;
* ``head`` (only with ``--scenarios …,head``, demo mode only: it stores data): one station head per
  sample station (``load_head_<n>``, created through the services) opens 数据上报, uploads its
  station's workbook through ``/_stcore/upload_file`` with the XSRF cookie (a new variant each time:
  警情总数 of the first office raised by one), previews, acknowledges warnings, stores; its
  upload-to-receipt seconds are reported, and the receipts are compared with the uploads the
  database stored in the meantime (none lost, none doubled).

For each level of ``--sessions`` the sessions start over ``--ramp`` s and run for ``--duration`` s
(at most ``--max-runs`` runs each), then close; the server's RSS and CPU (from /proc of
``--server-pid``, one or more, and their children) are sampled every second, also ``--cooldown`` s after the last
level. Output in ``--out``: ``summary.json`` (per level and scenario: p50/p95/max rerun seconds,
runs, errors, script exceptions, error alerts; upload-to-receipt for ``head``), ``runs.csv`` (one row per run), ``resources.csv``
and, when matplotlib is installed, ``latency.png`` (p50/p95 against concurrent sessions) and
``resources.png`` (RSS and CPU over time).

Figures taken on a machine other programs are loading say little about the app: take them on a
quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.st_client import ProtocolError, Run, Session, run_sync  # noqa: E402

ROLES = {"leader": "demo_leader", "evaluator": "demo_eval"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


# --- scenarios -------------------------------------------------------------------------------------

async def leader(s: Session):
    """总览, then the previous month; yields (step name, Run) after each run."""
    first = await s.goto("")
    yield "overview_open", first
    yield "overview_period", await s.choose(first, "统计期", 1)


async def evaluator(s: Session):
    """星级评定, quarter, the previous quarter."""
    first = await s.goto("rating")
    yield "rating_open", first
    quarter = await s.choose(first, "统计期类型", "季度")
    yield "rating_quarter", quarter
    yield "rating_prev_quarter", await s.choose(quarter, "统计期", 1)


CHOOSE = "选择月报文件（.xlsx / .xls / .ods / .csv / WPS .et）"
ACK = "我已核对以上警告，确认数据无误"
UPLOADS = {"receipts": 0, "conflicts": 0}
"""Uploads the head scenario saw stored (a success receipt) or refused as a conflict."""


async def head(s: Session, workbook):
    """数据上报: upload this head's station workbook (a fresh variant each time), preview, store.
    Yields each run, then ``upload_to_receipt``: the seconds from choosing the file to the receipt."""
    first = await s.goto("upload")
    yield "upload_open", first
    name, data = await asyncio.to_thread(workbook)
    started = time.perf_counter()
    chosen = await s.upload(first, CHOOSE, name, data)
    yield "upload_file", chosen
    preview = await s.click(chosen, "检查并预览")
    yield "upload_preview", preview
    if ("checkbox", ACK) in preview.widgets:
        preview = await s.click(preview, ACK, kind="checkbox")
        yield "upload_ack", preview
    receipt = await s.click(preview, "确认保存")
    yield "upload_store", receipt
    if any(t.startswith("已保存 ") for t in receipt.successes):
        UPLOADS["receipts"] += 1
        yield "upload_to_receipt", Run(time.perf_counter() - started)
    else:
        UPLOADS["conflicts"] += 1
        raise ProtocolError(f"no receipt: {receipt.error_alerts or receipt.texts[-3:]}")


SCENARIOS = {"leader": leader, "evaluator": evaluator, "head": head}
DEFAULT_SCENARIOS = ("leader", "evaluator")


# --- one level -------------------------------------------------------------------------------------

@dataclass
class Record:
    level: int
    scenario: str
    step: str
    started: float
    seconds: float
    concurrent: int
    error: str = ""
    exceptions: int = 0
    error_alerts: int = 0


@dataclass
class Level:
    sessions: int
    records: list[Record] = field(default_factory=list)
    active: int = 0


async def _user(level: Level, url: str, scenario: str, token, think: float, until: float,
                max_runs: int, delay: float, t0: float, local_addr: str | None) -> None:
    await asyncio.sleep(delay)
    runs = 0
    try:
        token, workbook = token if isinstance(token, tuple) else (token, None)
        s = await Session.open(url, {"dashboard_session": token}, local_addr=local_addr)
    except Exception as exc:  # noqa: BLE001 — a refused connection is an error to count, not a crash
        level.records.append(Record(level.sessions, scenario, "connect", time.perf_counter() - t0, 0.0,
                                    level.active, error=f"{type(exc).__name__}: {exc}"))
        return
    level.active += 1
    try:
        while time.perf_counter() < until and runs < max_runs:
            steps = SCENARIOS[scenario](s, workbook) if workbook else SCENARIOS[scenario](s)
            try:
                while True:
                    started = time.perf_counter()
                    try:
                        step, run = await steps.__anext__()
                    except StopAsyncIteration:
                        break
                    level.records.append(_record(level, scenario, step, started - t0, run))
                    runs += 1
                    if time.perf_counter() >= until or runs >= max_runs:
                        break
                    await asyncio.sleep(think * random.uniform(0.5, 1.5))
            except ProtocolError as exc:
                level.records.append(Record(level.sessions, scenario, "run", started - t0,
                                            time.perf_counter() - started, level.active, error=str(exc)))
                break
            finally:
                await steps.aclose()
    finally:
        level.active -= 1
        await s.close()


def _record(level: Level, scenario: str, step: str, started: float, run: Run) -> Record:
    return Record(level.sessions, scenario, step, started, run.seconds, level.active,
                  exceptions=len(run.exceptions), error_alerts=len(run.error_alerts))


async def run_level(url: str, level: Level, tokens: dict[str, list[str]], *, think: float, duration: float,
                    ramp: float, max_runs: int, spread: int = 0) -> Level:
    """Run one level; with ``spread`` session i connects from 127.0.0.(2 + i mod spread)."""
    sessions = level.sessions
    t0 = time.perf_counter()
    until = t0 + ramp + duration
    names = list(tokens)
    tasks = []
    for i in range(sessions):
        scenario = names[i % len(names)]
        pool = tokens[scenario]
        tasks.append(_user(level, url, scenario, pool[i % len(pool)], think, until, max_runs,
                           ramp * i / max(1, sessions), t0,
                           f"127.0.0.{2 + i % spread}" if spread else None))
    await asyncio.gather(*tasks)
    return level


# --- the server's resources ------------------------------------------------------------------------

def _family(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc)."""
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def sample(pids: list[int]) -> tuple[float, float]:
    """(RSS in MB, CPU seconds used so far) of ``pids`` and their children, together."""
    rss, cpu = 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for p in {q for pid in pids for q in _family(pid)}:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
        except (OSError, IndexError, ValueError):
            continue
    return rss, cpu


async def monitor(pids: list[int], out: list[tuple[float, float, float, int]], t0: float, active, stop: asyncio.Event):
    """Every second: (t, RSS MB, CPU % of one core since the last sample, active sessions)."""
    if not pids:
        return
    last_t, (_, last_cpu) = time.perf_counter(), sample(pids)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except TimeoutError:
            pass
        now = time.perf_counter()
        rss, cpu = sample(pids)
        out.append((now - t0, rss, 100 * (cpu - last_cpu) / max(1e-6, now - last_t), active()))
        last_t, last_cpu = now, cpu


# --- report ----------------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(q * (len(v) - 1))))]


def summarise(levels: list[Level]) -> list[dict]:
    rows = []
    for lv in levels:
        for scenario in [*SCENARIOS, "all"]:
            recs = [r for r in lv.records if scenario in ("all", r.scenario) and r.step != "upload_to_receipt"]
            if not recs and scenario != "all":
                continue
            ok = [r.seconds for r in recs if not r.error]
            rows.append({"sessions": lv.sessions, "scenario": scenario, "runs": len(ok),
                         "p50_s": pct(ok, 0.5), "p95_s": pct(ok, 0.95), "max_s": max(ok) if ok else None,
                         "mean_s": statistics.fmean(ok) if ok else None,
                         "errors": sum(1 for r in recs if r.error),
                         "script_exceptions": sum(r.exceptions for r in recs),
                         "error_alerts": sum(r.error_alerts for r in recs),
                         "first_errors": [r.error for r in recs if r.error][:3]})
            if scenario == "head":
                up = [r.seconds for r in lv.records if r.step == "upload_to_receipt"]
                rows[-1].update(uploads=len(up), upload_to_receipt_p50_s=pct(up, 0.5),
                                upload_to_receipt_p95_s=pct(up, 0.95), upload_to_receipt_max_s=max(up) if up else None)
    return rows


def write_outputs(out: Path, levels: list[Level], resources: list, info: dict) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    summary = {**info, "levels": summarise(levels)}
    if resources:
        rss = [r[1] for r in resources]
        summary["rss_mb"] = {"start": rss[0], "max": max(rss), "end": rss[-1]}
        summary["cpu_pct_max"] = max(r[2] for r in resources)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    with open(out / "runs.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(Record.__dataclass_fields__))
        w.writeheader()
        for lv in levels:
            w.writerows(asdict(r) for r in lv.records)
    with open(out / "resources.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["t_s", "rss_mb", "cpu_pct", "active_sessions"])
        w.writerows(resources)
    summary["plots"] = plot(out, summary["levels"], resources)
    return summary


def plot(out: Path, rows: list[dict], resources: list) -> list[str]:
    """latency.png and resources.png; none (and the CSVs say it all) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    made = []
    fig, ax = plt.subplots(figsize=(7, 4))
    for scenario in sorted({r["scenario"] for r in rows}):
        pts = [r for r in rows if r["scenario"] == scenario and r["p50_s"] is not None]
        if pts:
            x = [r["sessions"] for r in pts]
            ax.plot(x, [r["p95_s"] for r in pts], marker="o", label=f"{scenario} p95")
            ax.plot(x, [r["p50_s"] for r in pts], marker=".", linestyle="--", label=f"{scenario} p50")
    ax.set_xlabel("concurrent sessions")
    ax.set_ylabel("rerun latency (s)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
    made.append("latency.png")
    if resources:
        fig, ax = plt.subplots(figsize=(7, 4))
        t = [r[0] for r in resources]
        ax.plot(t, [r[1] for r in resources], label="RSS (MB)")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("RSS (MB)")
        ax2 = ax.twinx()
        ax2.plot(t, [r[2] for r in resources], color="tab:orange", alpha=0.6, label="CPU (% of one core)")
        ax2.plot(t, [r[3] for r in resources], color="tab:green", alpha=0.6, label="active sessions")
        ax2.set_ylabel("CPU % / sessions")
        fig.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        fig.savefig(out / "resources.png", dpi=110)
        plt.close(fig)
        made.append("resources.png")
    return made


# --- sign-in ---------------------------------------------------------------------------------------

def sign_in_tokens(per_role: int, scenarios: list[str]) -> tuple[dict[str, list], int]:
    """(session tokens per scenario — ``per_role`` for each demo user; for ``head`` one station head
    per sample station, ``load_head_<n>``, with that station's workbook —, stored uploads now)."""
    from services import accounts
    from services.context import open_app
    from services.demo import DEMO_PASSWORD, ensure_demo
    from services.settings import from_env
    from store import rows

    app = open_app(from_env())
    try:
        if app.settings.demo:
            ensure_demo(app)
        out: dict[str, list] = {sc: [accounts.authenticate(app, user, DEMO_PASSWORD).token for _ in range(per_role)]
                                for sc, user in ROLES.items() if sc in scenarios}
        if "head" in scenarios:
            if not app.settings.demo:
                raise SystemExit("the head scenario stores uploads: only in demo mode (DASHBOARD_DEMO=1)")
            out["head"] = _station_heads(app, accounts, DEMO_PASSWORD)
        with app.db.read() as conn:
            return out, rows.data_version(conn)
    finally:
        app.close()


def _station_heads(app, accounts, password: str) -> list[tuple[str, object]]:
    from services.demo import sample_files
    from services.errors import ServiceError

    admin = accounts.authenticate(app, "demo_admin", password).actor
    heads = []
    for i, path in enumerate(sample_files()[1]):
        station = path.name.split("_")[1]
        user = f"load_head_{i}"
        try:
            accounts.create_user(app, admin, user, password, "station_head", "station", station)
        except ServiceError:  # made by an earlier run
            pass
        heads.append((accounts.authenticate(app, user, password).token, _variants(path)))
    return heads


def _variants(path: Path):
    """A function giving (name, bytes) of ``path`` with 警情总数 of its first office raised by one more
    each call: a new file each time (never a duplicate), valid as the original."""
    import io

    import openpyxl

    counter = [0]

    def make() -> tuple[str, bytes]:
        counter[0] += 1
        wb = openpyxl.load_workbook(path)
        ws = wb["警务室月报"]
        header = [c.value for c in ws[3]]
        cell = ws.cell(row=4, column=header.index("警情总数") + 1)
        cell.value = int(cell.value or 0) + counter[0]
        buf = io.BytesIO()
        wb.save(buf)
        return path.name, buf.getvalue()

    return make


def _stored_since(version: int) -> int:
    """How many uploads were stored after data version ``version`` (to compare with the receipts)."""
    from sqlalchemy import func, select

    from services.context import open_app
    from services.settings import from_env
    from store.tables import uploads

    app = open_app(from_env())
    try:
        with app.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(uploads).where(
                uploads.c.id > version, uploads.c.result == "stored")).scalar())
    finally:
        app.close()


# --- main ------------------------------------------------------------------------------------------

async def drive(url: str, levels: list[int], *, think: float, duration: float, ramp: float, max_runs: int,
                server_pids: list[int], cooldown: float, tokens: dict[str, list[str]], spread: int = 0):
    resources: list = []
    done: list[Level] = []
    current: list[Level] = []
    stop = asyncio.Event()
    t0 = time.perf_counter()
    mon = asyncio.create_task(monitor(server_pids, resources, t0, lambda: current[-1].active if current else 0, stop))
    for n in levels:
        current.append(Level(n))
        lv = await run_level(url, current[-1], tokens, think=think, duration=duration, ramp=ramp,
                             max_runs=max_runs, spread=spread)
        done.append(lv)
        print(f"{n} sessions: {len(lv.records)} runs, {sum(1 for r in lv.records if r.error)} errors", flush=True)
    await asyncio.sleep(cooldown)
    stop.set()
    await mon
    return done, resources


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="the app's base URL on loopback, e.g. http://127.0.0.1:8501")
    ap.add_argument("--sessions", default="10", help="comma-separated concurrency levels, e.g. 10,25,50")
    ap.add_argument("--duration", type=float, default=60, help="seconds each level runs after its ramp")
    ap.add_argument("--ramp", type=float, default=5, help="seconds over which a level's sessions start")
    ap.add_argument("--think", type=float, default=5, help="mean think time between a session's runs")
    ap.add_argument("--max-runs", type=int, default=1000, help="at most this many runs per session")
    ap.add_argument("--max-sessions", type=int, default=200, help="refuse levels above this")
    ap.add_argument("--server-pid", default="", help="the server's pid(s), comma-separated, for RSS and CPU")
    ap.add_argument("--cooldown", type=float, default=0, help="seconds to keep sampling after the last level")
    ap.add_argument("--spread", type=int, default=0,
                    help="connect session i from 127.0.0.(2 + i mod N), so that a proxy sticky by client "
                         "address (deploy/nginx-dashboard.conf) spreads the sessions over its processes")
    ap.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS),
                    help="comma-separated: leader, evaluator, head (head stores uploads: demo mode only)")
    ap.add_argument("--out", type=Path, default=Path("test-output/load"))
    a = ap.parse_args(argv)
    if urlparse(a.url).hostname not in LOOPBACK:
        ap.error("the driver talks to loopback only (127.0.0.1, localhost, ::1)")
    levels = [int(x) for x in a.sessions.split(",") if x.strip()]
    if not 0 <= a.spread <= 250:
        ap.error("--spread must lie between 0 and 250")
    if not levels or max(levels) > a.max_sessions or min(levels) < 1:
        ap.error(f"--sessions must lie between 1 and {a.max_sessions}")
    scenarios = [x.strip() for x in a.scenarios.split(",") if x.strip()]
    if not scenarios or any(x not in SCENARIOS for x in scenarios):
        ap.error(f"--scenarios: some of {', '.join(SCENARIOS)}")
    UPLOADS.update(receipts=0, conflicts=0)  # this run's counts only (main may be called again)
    tokens, version_before = sign_in_tokens(max(1, min(20, (max(levels) + 1) // 2)), scenarios)
    done, resources = run_sync(drive(a.url.rstrip("/"), levels, think=a.think, duration=a.duration,
                                        ramp=a.ramp, max_runs=a.max_runs, server_pids=[int(p) for p in a.server_pid.split(",") if p.strip()],
                                        cooldown=a.cooldown, tokens=tokens, spread=a.spread))
    info = {"url": a.url, "think_s": a.think, "duration_s": a.duration, "ramp_s": a.ramp,
            "cpu_count": os.cpu_count(), "load_avg_at_end": os.getloadavg()}
    if "head" in scenarios:
        info["uploads"] = {**UPLOADS, "stored_in_database": _stored_since(version_before)}
    summary = write_outputs(a.out, done, resources, info)
    for r in summary["levels"]:
        def f(v):
            return "-" if v is None else f"{v:.2f}"
        print(f"  {r['sessions']:>4} {r['scenario']:<10} runs {r['runs']:>5}  p50 {f(r['p50_s'])} s  "
              f"p95 {f(r['p95_s'])} s  max {f(r['max_s'])} s  errors {r['errors']}  "
              f"exceptions {r['script_exceptions']}  error alerts {r['error_alerts']}"
              + (f"  upload→receipt p50 {f(r['upload_to_receipt_p50_s'])} s p95 {f(r['upload_to_receipt_p95_s'])} s"
                 f" max {f(r['upload_to_receipt_max_s'])} s" if "uploads" in r else ""))
    if "uploads" in summary:
        print(f"  uploads: {summary['uploads']}")
    if "rss_mb" in summary:
        m = summary["rss_mb"]
        print(f"  server RSS {m['start']:.0f} → max {m['max']:.0f} → end {m['end']:.0f} MB; "
              f"CPU max {summary['cpu_pct_max']:.0f} % of one core")
    print(f"  written to {a.out}: summary.json runs.csv resources.csv {' '.join(summary['plots'])}")
    return summary


if __name__ == "__main__":
    main()
