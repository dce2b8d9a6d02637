"""The HTTP side of the app, next to Streamlit's own routes (``serve.py`` mounts it with ``st.App``):
the session cookie (``cookies``), its routes and the backup download (``routes``), and the
middleware that keeps Streamlit's internal addresses from users' browsers (``middleware``).

Imports ``services`` like the pages do; never ``ui`` or ``pages``.
"""
