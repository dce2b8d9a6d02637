"""The app as served: Streamlit's ``st.App`` (ASGI) running ``app.py``, plus the HTTP routes of
``web/routes.py`` (session cookie, backup download) and the middleware of ``web/middleware.py``.

Start it with ``streamlit run serve.py`` (``scripts/run.sh`` does): ``streamlit run`` finds the
``st.App`` below and serves it with uvicorn, with the same config (``.streamlit/config.toml``) and
command-line flags as for a plain script. ``app.py`` stays the page script (AppTest runs it
directly; run directly with ``streamlit run app.py`` it works, but without the cookie routes, so a
reload signs the user out).

Streamlit's WebSocket origin check falls back to asking an internet service for the machine's
public address (``streamlit.net_util.get_external_ip``); on an intranet that is a delay and a leak,
so it is replaced here by a function that never looks anything up.
"""

import streamlit as st
from starlette.middleware import Middleware
from streamlit import net_util

from web.middleware import InternalAddresses, no_external_ip
from web.routes import ROUTES

net_util.get_external_ip = no_external_ip

app = st.App("app.py", routes=ROUTES, middleware=[Middleware(InternalAddresses)])
