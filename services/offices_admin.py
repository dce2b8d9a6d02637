"""The admin's changes to the office registry: moving an office to another station or branch.

Where an office belongs decides who may upload it and who sees it, so it changes only here — by an
admin, with an ``OfficeMoved`` audit event in the same transaction — and never as a side effect of an
upload (``services.uploads`` refuses monthly rows that disagree with the registry). Rows already stored
keep the station and branch they were reported with; rows uploaded afterwards must give the new ones.
"""

from __future__ import annotations

from services.actors import Actor, reload, require_role
from services.context import App
from services.errors import ServiceError
from store import audit, rows


def move_office(app: App, actor: Actor | int, code: str, *, station: str, branch: str) -> None:
    """Set office ``code``'s station and branch (admin only; audited)."""
    station, branch = (station or "").strip(), (branch or "").strip()
    with app.db.write() as conn:
        who = reload(conn, actor)
        require_role(who, "admin")
        if not station or not branch:
            raise ServiceError("所属派出所和所属分局不能为空。")
        if len(station) > 256 or len(branch) > 256:
            raise ServiceError("所属派出所或所属分局的名称过长（最多 256 个字）。")
        old = rows.office_registry(conn, [code]).get(code)
        if old is None:
            raise ServiceError(f"警务室编码“{code}”不存在于警务室登记中。")
        if (old["station"], old["branch"]) == (station, branch):
            raise ServiceError("所属派出所和所属分局均未改变，未作修改。")
        rows.move_office(conn, code, station, branch)
        audit.append(conn, "OfficeMoved", actor_id=who.id, actor_name=who.username, office=code,
                     name=old["name"], from_station=old["station"], from_branch=old["branch"],
                     to_station=station, to_branch=branch)
