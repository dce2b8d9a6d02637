"""Which screens each role may open (app.md "Roles" and "Screens"): the one table ``app.py`` builds
``st.navigation`` from. A page not listed for a role is not given to ``st.navigation`` at all."""

from __future__ import annotations

ALL_ROLES = ("leadership", "station_head", "evaluator", "admin")
PAGES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # key, file, icon, roles
    ("overview", "pages/overview.py", ":material/dashboard:", ALL_ROLES),
    ("upload", "pages/upload.py", ":material/upload_file:", ("station_head", "evaluator")),
    ("indicators", "pages/indicators.py", ":material/analytics:", ALL_ROLES),
    ("disputes", "pages/disputes.py", ":material/handshake:", ALL_ROLES),
    ("rating", "pages/rating.py", ":material/star:", ALL_ROLES),
    ("instructions", "pages/instructions.py", ":material/assignment_late:", ALL_ROLES),
    ("rubric", "pages/rubric.py", ":material/rule:", ("evaluator",)),
    ("admin", "pages/admin.py", ":material/admin_panel_settings:", ("admin",)),
)


def pages_for(role: str) -> list[str]:
    """Page keys the role may open, in menu order (unknown role: none)."""
    return [key for key, _f, _i, roles in PAGES if role in roles]
