"""A Streamlit client that speaks the browser's protocol: one WebSocket ``/_stcore/stream`` per session,
``BackMsg`` out and ``ForwardMsg`` in, from the installed ``streamlit.proto``.

What the frontend does and this client copies:

* it connects with the subprotocol ``streamlit`` (the header also carries the XSRF token and a
  session id to resume; both left empty here) and sends the cookies of the page (the app's
  ``dashboard_session`` cookie signs the session in, as a reload of a signed-in browser does);
* every run is a ``BackMsg.rerun_script`` holding a ``ClientState``: the query string, the page
  (``page_script_hash`` from the ``navigation`` ForwardMsg of an earlier run, and ``page_name``,
  the page's address, which alone names it on a session's first run), and the state of every widget the user has set (``WidgetStates``; a select box's
  value is its formatted option, ``string_value``);
* a run ends with a ``script_finished`` ForwardMsg; ``FINISHED_EARLY_FOR_RERUN`` is followed by
  another run (``st.rerun``, ``st.switch_page``), so the run a user waits for ends with any other
  status.

No app code here: the client sees only what a browser would.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN
ERROR_FORMAT = 1  # streamlit.proto.Alert.Format.ERROR


@dataclass
class Run:
    """One script run as the user sees it: wall seconds from the request to ``script_finished``,
    exception elements (tracebacks), error alerts (``st.error``), and the widgets drawn."""

    seconds: float
    exceptions: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)
    selectboxes: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    """label → (widget id, formatted options) of every select box of the run."""
    texts: list[str] = field(default_factory=list)
    """Markdown, text, metric and alert texts of the run (what a test can look for)."""
    status: int = 0


class ProtocolError(RuntimeError):
    """The server closed the socket, or a run did not finish in time."""


class Session:
    """One browser tab: ``await Session.open(base_url, cookies)``, then ``await s.run(...)``."""

    def __init__(self, ws, base_url: str):
        self.ws = ws
        self.base_url = base_url
        self.pages: dict[str, str] = {}
        """url_pathname → page_script_hash (from the last ``navigation`` message)."""
        self.page_hash = ""
        self.page_name = ""
        self.widgets: dict[str, WidgetState] = {}

    @classmethod
    async def open(cls, base_url: str, cookies: dict[str, str] | None = None,
                   timeout: float = 30, local_addr: str | None = None) -> Session:
        """Connect; ``local_addr`` binds the client side to that loopback address (a proxy that is
        sticky by client address then spreads the sessions as it would spread users)."""
        ws_url = base_url.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        headers = {}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        ws = await websockets.connect(ws_url, subprotocols=["streamlit"], additional_headers=headers,
                                      max_size=None, open_timeout=timeout, ping_interval=None,
                                      **({"local_addr": (local_addr, 0)} if local_addr else {}))
        return cls(ws, base_url)

    async def close(self) -> None:
        await self.ws.close()

    def page_url(self, name: str) -> str:
        return self.base_url + ("/" + name if name else "")

    async def goto(self, page: str = "", timeout: float = 120) -> Run:
        """Open the page whose address is ``/page`` (``""``: the default page) with fresh widgets."""
        self.widgets = {}
        if page and self.pages and page not in self.pages:
            raise ProtocolError(f"page {page!r} not in the menu {sorted(self.pages)}")
        # before the first run the menu is unknown: the address alone names the page, as on a reload
        self.page_hash, self.page_name = self.pages.get(page, ""), page
        return await self.run(timeout=timeout)

    async def choose(self, run: Run, label: str, option: str | int, timeout: float = 120) -> Run:
        """Pick ``option`` (its text, or its position) in the select box ``label`` of ``run``; rerun."""
        if label not in run.selectboxes:
            raise ProtocolError(f"no select box {label!r} in {sorted(run.selectboxes)}")
        wid, options = run.selectboxes[label]
        value = options[option] if isinstance(option, int) else option
        self.widgets[wid] = WidgetState(id=wid, string_value=value)
        return await self.run(timeout=timeout)

    async def run(self, timeout: float = 120) -> Run:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = ""
        cs.page_script_hash = self.page_hash
        cs.page_name = self.page_name
        cs.widget_states.widgets.extend(self.widgets.values())
        cs.context_info.timezone = "Asia/Shanghai"
        cs.context_info.locale = "zh-CN"
        cs.context_info.url = self.base_url
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        run = Run(0.0)
        deadline = started + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise ProtocolError(f"run did not finish in {timeout:.0f} s")
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                raise ProtocolError(f"run did not finish in {timeout:.0f} s") from None
            except websockets.ConnectionClosed as exc:
                raise ProtocolError(f"server closed the WebSocket ({exc})") from None
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                run = Run(0.0)  # a new run begins: what came before belongs to the one it replaced
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
                if fm.navigation.page_script_hash:
                    self.page_hash = fm.navigation.page_script_hash
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                _collect(run, fm.delta.new_element)
            elif kind == "script_finished":
                if fm.script_finished == EARLY:
                    continue
                run.seconds = time.perf_counter() - started
                run.status = fm.script_finished
                return run


def _collect(run: Run, el) -> None:
    kind = el.WhichOneof("type")
    if kind == "exception":
        run.exceptions.append(f"{el.exception.type}: {el.exception.message}")
    elif kind == "alert":
        run.texts.append(el.alert.body)
        if el.alert.format == ERROR_FORMAT:
            run.error_alerts.append(el.alert.body)
    elif kind == "selectbox":
        run.selectboxes.setdefault(el.selectbox.label, (el.selectbox.id, list(el.selectbox.options)))
    elif kind == "markdown":
        run.texts.append(el.markdown.body)
    elif kind == "text":
        run.texts.append(el.text.body)
    elif kind == "metric":
        run.texts.append(f"{el.metric.label} {el.metric.body}")
