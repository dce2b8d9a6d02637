"""HTTP routes next to Streamlit's: the session cookie and the backup download.

* ``GET /auth/complete?h=HANDOFF`` — loaded by the page right after a sign-in, as an image (no
  script, no navigation, nothing in the history): turns the one-time handoff into the session cookie
  (``services/sessions.py``). The handoff is bound to the browser that signed in (its XSRF token),
  expires in seconds and works once; anything else gets 403 and no cookie.
* ``GET /auth/clear`` — removes the cookie when its session is over (signed out, expired, revoked);
  it never ends a live session, so no other site can sign anyone out with it.
* ``GET /download/backup`` — a fresh backup of the database for a signed-in **admin** (session cookie
  checked on every request), audited; 401 without a live session, 403 for other roles.

Answers carry ``Cache-Control: no-store``; the database work runs in a worker thread.
"""

from __future__ import annotations

import base64
import logging
import threading

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from services import backup as backup_service
from services import sessions
from services.context import App, open_app
from services.errors import NotSignedIn, PermissionDenied, ServiceError
from services.settings import from_env
from web.cookies import SESSION_COOKIE, browser_binding, clear_cookie_header, is_https, set_cookie_header

LOG = logging.getLogger("dashboard.web")
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
"""A 1×1 transparent GIF: what the page's image element receives."""
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

_app: App | None = None
_lock = threading.Lock()


def current_app() -> App:
    """The installation of this process, opened on first use from the same environment as the pages."""
    global _app  # noqa: PLW0603
    with _lock:
        if _app is None:
            _app = open_app(from_env())
        return _app


def _pixel(status: int = 200) -> Response:
    return Response(PIXEL, status_code=status, media_type="image/gif", headers=NO_STORE)


def _secure(request: Request) -> bool:
    return is_https(request.url.scheme, request.headers)


async def auth_complete(request: Request) -> Response:
    handoff = request.query_params.get("h", "")
    binding = browser_binding(request.cookies)
    app = await run_in_threadpool(current_app)
    try:
        token = await run_in_threadpool(sessions.complete_handoff, app, handoff, binding)
    except NotSignedIn:
        return _pixel(403)
    response = _pixel()
    response.headers.append("Set-Cookie", set_cookie_header(
        token, int(app.settings.session_max_age.total_seconds()), _secure(request)))
    return response


async def auth_clear(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return _pixel()
    app = await run_in_threadpool(current_app)
    if await run_in_threadpool(sessions.is_live, app, token):
        return _pixel()
    response = _pixel()
    response.headers.append("Set-Cookie", clear_cookie_header(_secure(request)))
    return response


def _text(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status, headers=NO_STORE)


async def download_backup(request: Request) -> Response:
    app = await run_in_threadpool(current_app)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return _text(401, "请先登录。")
    try:
        actor = await run_in_threadpool(sessions.validate, app, token)
        path = await run_in_threadpool(backup_service.backup_for_download, app, actor)
    except NotSignedIn as exc:
        return _text(401, str(exc))
    except PermissionDenied as exc:
        return _text(403, str(exc))
    except ServiceError as exc:
        return _text(409, str(exc))
    except Exception:  # never a traceback to the browser; the log has it
        LOG.exception("backup download failed")
        return _text(500, "备份失败，请查看服务器日志。")
    return FileResponse(path, filename=path.name, media_type="application/octet-stream", headers=NO_STORE)


ROUTES = [
    Route("/auth/complete", auth_complete, methods=["GET"]),
    Route("/auth/clear", auth_clear, methods=["GET"]),
    Route("/download/backup", download_backup, methods=["GET"]),
]
