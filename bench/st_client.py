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
import concurrent.futures
import http.client
import secrets
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN
ERROR_FORMAT = 1  # streamlit.proto.Alert.Format.ERROR
SUCCESS_FORMAT = 4  # streamlit.proto.Alert.Format.SUCCESS


@dataclass
class Run:
    """One script run as the user sees it: wall seconds from the request to ``script_finished``,
    exception elements (tracebacks), error alerts (``st.error``), and the widgets drawn."""

    seconds: float
    exceptions: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)
    selectboxes: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    """label → (widget id, formatted options) of every select box of the run."""
    widgets: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)
    """(kind, label) → (widget id, disabled) of the buttons, check boxes and file uploaders."""
    successes: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    """Markdown, text, metric and alert texts of the run (what a test can look for)."""
    status: int = 0


def run_sync(coro):
    """``asyncio.run(coro)``, in a thread of its own when this thread already runs an event loop
    (Playwright's sync API keeps one running in the test session's main thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


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
        self.session_id = ""
        self.xsrf = ""
        """The ``_streamlit_xsrf`` cookie the page's first HTTP answer set (uploads send it back)."""
        self.pending: list[ForwardMsg] = []
        self.local_addr: str | None = None

    @classmethod
    async def open(cls, base_url: str, cookies: dict[str, str] | None = None,
                   timeout: float = 30, local_addr: str | None = None) -> Session:
        """Connect; ``local_addr`` binds the client side to that loopback address (a proxy that is
        sticky by client address then spreads the sessions as it would spread users)."""
        xsrf = ""
        cookies = dict(cookies or {})
        if "_streamlit_xsrf" not in cookies:  # as the page does: health check first, keep its XSRF cookie
            xsrf = await asyncio.to_thread(_xsrf_cookie, base_url, timeout)
            if xsrf:
                cookies["_streamlit_xsrf"] = xsrf
        ws_url = base_url.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        headers = {}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        ws = await websockets.connect(ws_url, subprotocols=["streamlit"], additional_headers=headers,
                                      max_size=None, open_timeout=timeout, ping_interval=None,
                                      **({"local_addr": (local_addr, 0)} if local_addr else {}))
        s = cls(ws, base_url)
        s.xsrf, s.local_addr = xsrf, local_addr
        return s

    async def close(self) -> None:
        await self.ws.close()

    def page_url(self, name: str) -> str:
        return self.base_url + ("/" + name if name else "")

    async def goto(self, page: str = "", timeout: float = 120) -> Run:
        """Open the page whose address is ``/page`` (``""``: the default page) with fresh widgets."""
        self.widgets = {}
        if page and not self.pages:
            # a session's first run: the menu (page hashes) is not known yet. Opened by its address
            # alone, a page of a server that has not run app.py's navigation yet runs without it
            # (ui/state.py ``_through_entry_script``), so land on the default page first, as a user
            # signing in does, and go on from its menu.
            await self.run(timeout=timeout)
        if page and page not in self.pages:
            raise ProtocolError(f"page {page!r} not in the menu {sorted(self.pages)}")
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
        # a button's trigger is sent once, as the browser does: the next run sees it unset
        self.widgets = {k: w for k, w in self.widgets.items() if w.WhichOneof("value") != "trigger_value"}
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
            if kind == "new_session" and fm.new_session.initialize.session_id:
                self.session_id = fm.new_session.initialize.session_id
            if kind == "file_urls_response":
                self.pending.append(fm)
            elif kind == "new_session":
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


    async def click(self, run: Run, label: str, kind: str = "button", timeout: float = 120) -> Run:
        """Click the button ``label`` of ``run`` (or tick the check box, ``kind="checkbox"``); rerun."""
        wid, disabled = self._widget(run, kind, label)
        if disabled:
            raise ProtocolError(f"{kind} {label!r} is disabled")
        self.widgets[wid] = (WidgetState(id=wid, trigger_value=True) if kind == "button"
                             else WidgetState(id=wid, bool_value=True))
        return await self.run(timeout=timeout)

    async def upload(self, run: Run, label: str, name: str, data: bytes, timeout: float = 120) -> Run:
        """Put one file into the file uploader ``label`` as the browser does — ask the server for an
        upload address (``file_urls_request``), PUT the file there with the XSRF cookie and header,
        then rerun with the uploader's state naming the file."""
        wid, _ = self._widget(run, "file_uploader", label)
        req = BackMsg()
        req.file_urls_request.request_id = secrets.token_hex(8)
        req.file_urls_request.session_id = self.session_id
        req.file_urls_request.file_names.append(name)
        await self.ws.send(req.SerializeToString())
        deadline = time.perf_counter() + timeout
        got = None
        while got is None:
            got = next((m for m in self.pending if m.file_urls_response.response_id == req.file_urls_request.request_id),
                       None)
            if got is not None:
                self.pending.remove(got)
                break
            try:
                raw = await asyncio.wait_for(self.ws.recv(), max(0.01, deadline - time.perf_counter()))
            except TimeoutError:
                raise ProtocolError("no upload address from the server") from None
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            if fm.WhichOneof("type") == "file_urls_response":
                self.pending.append(fm)
        urls = got.file_urls_response.file_urls[0]
        status = await asyncio.to_thread(_put_file, self.base_url + urls.upload_url, name, data, self.xsrf, timeout,
                                         self.local_addr)
        if status not in (200, 204):
            raise ProtocolError(f"upload refused with HTTP {status}")
        state = WidgetState(id=wid)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, name, len(data)
        info.file_urls.CopyFrom(urls)
        self.widgets[wid] = state
        return await self.run(timeout=timeout)

    @staticmethod
    def _widget(run: Run, kind: str, label: str) -> tuple[str, bool]:
        if (kind, label) not in run.widgets:
            raise ProtocolError(f"no {kind} {label!r} in {sorted(run.widgets)}")
        return run.widgets[(kind, label)]


def _xsrf_cookie(base_url: str, timeout: float) -> str:
    """The ``_streamlit_xsrf`` cookie (empty when the server sets none): the frontend gets it from the
    health check it makes before opening the WebSocket."""
    with urllib.request.urlopen(base_url + "/_stcore/health", timeout=timeout) as resp:
        for header in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == "_streamlit_xsrf":
                return rest.split(";", 1)[0]
    return ""


def _put_file(url: str, name: str, data: bytes, xsrf: str, timeout: float, local_addr: str | None) -> int:
    """PUT ``data`` as the multipart form the frontend sends, from the WebSocket's own client address
    (a proxy sticky by address must send it to the process of the session); the HTTP status."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.xlsx\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout,
                                      source_address=(local_addr, 0) if local_addr else None)
    try:
        conn.request("PUT", u.path, body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": xsrf,
            "Cookie": f"_streamlit_xsrf={xsrf}"})
        return conn.getresponse().status
    finally:
        conn.close()


def _collect(run: Run, el) -> None:
    kind = el.WhichOneof("type")
    if kind == "exception":
        run.exceptions.append(f"{el.exception.type}: {el.exception.message}")
    elif kind == "alert":
        run.texts.append(el.alert.body)
        if el.alert.format == ERROR_FORMAT:
            run.error_alerts.append(el.alert.body)
        elif el.alert.format == SUCCESS_FORMAT:
            run.successes.append(el.alert.body)
    elif kind in ("button", "checkbox", "file_uploader"):
        w = getattr(el, kind)
        run.widgets.setdefault((kind, w.label), (w.id, bool(w.disabled)))
    elif kind == "selectbox":
        run.selectboxes.setdefault(el.selectbox.label, (el.selectbox.id, list(el.selectbox.options)))
    elif kind == "markdown":
        run.texts.append(el.markdown.body)
    elif kind == "text":
        run.texts.append(el.text.body)
    elif kind == "metric":
        run.texts.append(f"{el.metric.label} {el.metric.body}")
