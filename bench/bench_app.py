"""Benchmark: the 总览 and 星级评定 screens on a province-scale database, cold and warm, with AppTest.

The database (3,000 offices × 24 months, ~1,000,000 disputes, stored through the upload services) is
built once by :mod:`bench.make_province_db` into ``bench/data/province/`` (git-ignored) and reused.
Then, in this process, signed in as the evaluator (a real session token in session state, as
``app.py`` keeps it after the sign-in form):

* server start — installed custom components are discovered once (``streamlit run`` does this at start;
  AppTest would repeat it for every new AppTest, i.e. every session here, so each session is handed the
  registry found at start);
* baseline — an AppTest run of a one-line Streamlit script (what any AppTest run costs);
* cold — the first session after start: 总览 (opens the database, reads and computes), then 星级评定;
* warm — a second session (another user, same process): 总览 then 星级评定; and a rerun of each
  within that session (what a widget click costs).

Targets (issue): cold ≤ 3 s, warm ≤ 0.5 s per screen. Figures are printed with their ratio to the
target and to the baseline; nothing is asserted. Run ``python bench/bench_app.py [--offices N]``
(``--offices 300`` for a quick look on a smaller bureau).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import make_province_db as province  # noqa: E402

TARGET_COLD_S = 3.0
TARGET_WARM_S = 0.5
TIMEOUT_S = 900
PAGES = (("总览", "pages/overview.py"), ("星级评定", "pages/rating.py"))


def _timed_run(at, page: str | None = None) -> float:
    t = time.perf_counter()
    if page is not None:
        at.switch_page(page)
    at.run(timeout=TIMEOUT_S)
    took = time.perf_counter() - t
    if at.exception:
        raise SystemExit(f"页面出错：{page or 'app.py'}：{at.exception[0].value}")
    return took


_COMPONENTS: list = []
"""The custom-component registry, discovered once — as a started server does (``Runtime.__init__``)."""


def _server_components():
    """Discover installed custom components once, as ``streamlit run`` does at start. AppTest would
    otherwise scan every installed package's metadata again for each new AppTest (each new session
    here) — a cost a running server never charges a user."""
    if not _COMPONENTS:
        from streamlit.components.v2.component_manager import BidiComponentManager

        manager = BidiComponentManager()
        manager.discover_and_register_components(start_file_watching=False)
        _COMPONENTS.append(manager)
    return _COMPONENTS[0]


def _as_server(at):
    """``at`` sharing the server's component registry (AppTest keeps it in ``_bidi_component_manager``)."""
    at._bidi_component_manager = _server_components()
    return at


def _session(token: str):
    from streamlit.testing.v1 import AppTest

    from ui.state import TOKEN_KEY

    at = _as_server(AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S))
    at.session_state[TOKEN_KEY] = token
    return at


def _check_page(at, title: str) -> None:
    shown = [t.value for t in at.title]
    if not any(title in str(v) for v in shown):
        raise SystemExit(f"未显示“{title}”页面（标题：{shown}）——登录或页面是否失败？")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="总览与星级评定页面的冷启动/热启动耗时（AppTest）")
    parser.add_argument("--offices", type=int, default=province.SCALE["offices"], help="警务室数（默认 3000）")
    args = parser.parse_args(argv)
    province.main(["--offices", str(args.offices)])
    data_dir = (province.DATA_DIR if args.offices == province.SCALE["offices"]
                else province.DATA_DIR.with_name(f"province_{args.offices}"))
    for key in [k for k in os.environ if k.startswith("DASHBOARD_")]:
        del os.environ[key]
    os.environ["DASHBOARD_DATA_DIR"] = str(data_dir)
    os.environ["DASHBOARD_SECRET_KEY_FILE"] = str(data_dir / "secret.key")

    # What a started server has already imported (not part of a user's wait).
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    from streamlit import logger as st_logger
    from streamlit.testing.v1 import AppTest

    from services import accounts
    from services.context import open_app

    st_logger.set_log_level("error")  # "missing ScriptRunContext" noise from bare-mode imports
    trivial = "import streamlit as st\nst.title('基准')"
    t = time.perf_counter()
    _server_components()
    discovery = time.perf_counter() - t
    t = time.perf_counter()
    _as_server(AppTest.from_string(trivial)).run(timeout=TIMEOUT_S)
    first_baseline = time.perf_counter() - t
    baseline = min(_timed_run(_as_server(AppTest.from_string(trivial))) for _ in range(3))  # a new session
    one = _as_server(AppTest.from_string(trivial))
    one.run(timeout=TIMEOUT_S)
    baseline_rerun = min(_timed_run(one) for _ in range(5))  # a rerun within a session

    from services import reading, snapshots
    from store import snapshot as snap

    helper = open_app(province.settings_for(data_dir))
    token = accounts.authenticate(helper, province.EVALUATOR, province.PASSWORD).token
    token2 = accounts.authenticate(helper, province.EVALUATOR, province.PASSWORD).token
    with helper.db.read() as conn:
        current = snapshots.folder(helper) / snap.folder_name(snap.Meta.of(snap.read_state(conn)))
    if not current.is_dir():  # what the server's first read after an upload leaves behind
        print(f"数据快照不存在，先生成（从数据库读取）：{current}", flush=True)
        snapshots.refresh(helper)
    helper.close()
    snapshots.forget()
    reading.clear_cache()

    loads: list[tuple[float, str]] = []  # (seconds, origin) of every load of the stored rows
    real_load = reading._load

    def timed_load(app, previous=None):
        t = time.perf_counter()
        got = real_load(app, previous)
        loads.append((time.perf_counter() - t, snapshots._MEMORY[str(snapshots.folder(app))].origin))
        return got

    reading._load = timed_load

    rows: list[tuple[str, float, float, float]] = []  # scenario, seconds, target, baseline
    cold = _session(token)
    took = _timed_run(cold)  # first run: default page 总览
    _check_page(cold, "总览")
    rows.append(("冷启动 总览（首个会话，打开数据库）", took, TARGET_COLD_S, baseline))
    took = _timed_run(cold, PAGES[1][1])
    _check_page(cold, "星级评定")
    rows.append(("冷启动 星级评定（首次计算评分）", took, TARGET_COLD_S, baseline_rerun))

    warm = _session(token2)
    for i, (title, path) in enumerate(PAGES):
        took = _timed_run(warm, path if i else None)  # the first run opens the default page (总览)
        _check_page(warm, title)
        rows.append((f"热启动 {title}（第二个会话）", took, TARGET_WARM_S, baseline if not i else baseline_rerun))
        took = _timed_run(warm)
        rows.append((f"热启动 {title}（同一会话重新运行）", took, TARGET_WARM_S, baseline_rerun))

    print(f"\n应用基准（{args.offices} 个警务室，数据目录 {data_dir}）")
    print(f"基线：一行脚本的 AppTest 新会话 {baseline * 1000:.0f} 毫秒（进程内首次 {first_baseline * 1000:.0f} 毫秒），"
          f"同一会话重新运行 {baseline_rerun * 1000:.1f} 毫秒。")
    print(f"服务器启动时发现自定义组件一次：{discovery:.2f} 秒（streamlit run 在启动时做；不计入任何会话）。")
    print("“耗时/基线”按同类运行比较：新会话的首次运行对新会话基线，切换页面和重新运行对重新运行基线。")
    print(f"{'场景':<30}{'耗时(秒)':>9}{'目标(秒)':>9}{'耗时/目标':>9}{'基线(秒)':>9}{'耗时/基线':>10}")
    for name, took, target, base in rows:
        flag = "" if took <= target else "  超出目标"
        print(f"{name:<30}{took:>9.2f}{target:>9.1f}{took / target:>9.2f}{base:>9.3f}{took / base:>10.1f}{flag}")
    for took, origin in loads:
        print(f"其中读取已保存的数据（services.reading._load，来源：{origin}）：{took:.2f} 秒；其余为计算与页面渲染。")
    try:
        load = os.getloadavg()[0]
        print(f"（测量时系统 1 分钟平均负载 {load:.1f}，CPU 核数 {os.cpu_count()}；负载高时耗时偏大。）")
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
