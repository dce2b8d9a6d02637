"""What users' browsers may not reach of Streamlit's own server, enforced in front of it (ASGI).

* ``/_stcore/metrics`` (the server's internal counters) answers 404.
* ``/_stcore/host-config`` is answered here with a fixed document: no origin may drive the app
  from a parent frame (``allowedOrigins`` empty), no metrics address. Streamlit's page cannot start
  without fetching it, so it is replaced rather than removed; Streamlit's handler (which lists
  Streamlit Cloud's origins by default) is never reached.
* A WebSocket whose ``Origin`` is not this very address (or one of ``server.corsAllowedOrigins``)
  is refused before Streamlit sees it. Streamlit's own origin check
  would otherwise ask an external service for the machine's public IP address for every such
  connection (``streamlit.net_util.get_external_ip``); ``serve.py`` also switches that lookup off.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

from starlette.types import ASGIApp, Receive, Scope, Send

HOST_CONFIG = {
    "allowedOrigins": [],
    "useExternalAuthToken": False,
    "enableCustomParentMessages": False,
    "enforceDownloadInNewTab": False,
    "metricsUrl": "",
    "blockErrorDialogs": False,
    "resourceCrossOriginMode": None,
}
BLOCKED = ("/_stcore/metrics",)
HOST_CONFIG_PATH = "/_stcore/host-config"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def origin_allowed(origin: str | None, host: str | None, extra_origins: list[str] | tuple[str, ...] = ()) -> bool:
    """Whether a WebSocket from ``origin`` to ``host`` is one of this app's own pages."""
    if origin is None:  # not a browser; Streamlit accepts it too (and needs no lookup for it)
        return True
    parsed = urlparse(origin)
    if host and parsed.netloc == host:
        return True
    allowed = {urlparse(o).netloc for o in extra_origins if o}
    return bool(parsed.netloc) and parsed.netloc in allowed


def no_external_ip() -> None:
    """Stands in for ``streamlit.net_util.get_external_ip``: never asks the internet."""
    return None


class InternalAddresses:
    """ASGI middleware: the rules of the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http":
            if any(path == p or path.startswith(p + "/") for p in BLOCKED):
                await _respond(send, 404, b"text/plain; charset=utf-8", "未找到。".encode())
                return
            if path == HOST_CONFIG_PATH:
                await _respond(send, 200, b"application/json", json.dumps(HOST_CONFIG).encode())
                return
        elif scope["type"] == "websocket":
            from streamlit import config

            extra = list(config.get_option("server.corsAllowedOrigins") or [])
            if not origin_allowed(_header(scope, b"origin"), _header(scope, b"host"), extra):
                await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


async def _respond(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", content_type), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-cache")]})
    await send({"type": "http.response.body", "body": body})
