"""Accounts and sign-in: first admin, roles, lockout kept in the database, sessions that end."""

import logging
from datetime import timedelta

import pytest

from services import accounts
from services.errors import NotSignedIn, PermissionDenied, ServiceError
from store import audit
from tests.dbfixtures import dump_tables

PW = "Blue-Lantern-77"


def _admin(app):
    return accounts.create_first_admin(app, "root", PW)


def test_first_admin_only_on_an_empty_database(app):
    _admin(app)
    with pytest.raises(PermissionDenied):
        accounts.create_first_admin(app, "second", PW)


def test_lockout_is_counted_in_the_database_and_survives_a_new_session(app):
    admin = _admin(app)
    accounts.create_user(app, admin, "zhang", PW, "station_head", "station", "城关派出所")
    t0 = audit.now()
    for i in range(accounts.LOCK_AFTER):  # each attempt after the back-off has passed
        with pytest.raises(ServiceError):
            accounts.authenticate(app, "zhang", "wrong-password-1", now=t0 + timedelta(minutes=i))
    # A new "tab" (nothing is shared but the database): still locked, even with the right password.
    with pytest.raises(ServiceError, match="锁定"):
        accounts.authenticate(app, "zhang", PW, now=t0 + timedelta(minutes=6))
    signed = accounts.authenticate(app, "zhang", PW, now=t0 + timedelta(minutes=4 + 16))
    assert signed.actor.username == "zhang"
    with app.db.read() as conn:
        kinds = [e["kind"] for e in audit.events(conn)]
    assert kinds.count("LoginFailed") == accounts.LOCK_AFTER + 1 and "AccountLocked" in kinds


def test_failures_in_a_row_slow_down_before_locking(app):
    admin = _admin(app)
    accounts.create_user(app, admin, "li", PW, "evaluator")
    t0 = audit.now()
    for _ in range(accounts.BACKOFF_AFTER):
        with pytest.raises(ServiceError, match="用户名或密码错误"):
            accounts.authenticate(app, "li", "nope-nope-nope", now=t0)
    with pytest.raises(ServiceError, match="秒后再试"):
        accounts.authenticate(app, "li", PW, now=t0 + timedelta(seconds=1))
    assert accounts.authenticate(app, "li", PW, now=t0 + timedelta(seconds=5)).actor.role == "evaluator"


def test_signed_out_and_password_changed_sessions_no_longer_work(app):
    admin = _admin(app)
    accounts.create_user(app, admin, "wang", PW, "leadership")
    a = accounts.authenticate(app, "wang", PW)
    b = accounts.authenticate(app, "wang", PW)
    assert accounts.validate_session(app, a.token).username == "wang"
    accounts.sign_out(app, a.token)
    with pytest.raises(NotSignedIn):
        accounts.validate_session(app, a.token)
    c = accounts.authenticate(app, "wang", PW)
    accounts.change_password(app, c.token, PW, "Green-Lantern-88")
    for ended in (b, c):  # every session of the user, the one that changed the password too
        with pytest.raises(NotSignedIn):
            accounts.validate_session(app, ended.token)
    assert accounts.authenticate(app, "wang", "Green-Lantern-88").actor.username == "wang"
    with pytest.raises(ServiceError):
        accounts.authenticate(app, "wang", PW)


def test_idle_sessions_expire_and_admin_lock_ends_sessions(app):
    admin = _admin(app)
    u = accounts.create_user(app, admin, "zhao", PW, "evaluator")
    s = accounts.authenticate(app, "zhao", PW)
    with pytest.raises(NotSignedIn):
        accounts.validate_session(app, s.token, now=audit.now() + app.settings.session_idle + timedelta(minutes=1))
    s = accounts.authenticate(app, "zhao", PW)
    accounts.set_locked(app, admin, u.id, True)
    with pytest.raises(NotSignedIn):
        accounts.validate_session(app, s.token)
    with pytest.raises(ServiceError, match="停用"):
        accounts.authenticate(app, "zhao", PW)


def test_passwords_and_tokens_never_appear_in_clear_in_the_database_or_logs(app, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    admin = _admin(app)
    u = accounts.create_user(app, admin, "qian", PW, "evaluator")
    with pytest.raises(ServiceError):
        accounts.authenticate(app, "qian", "Typo-Lantern-77")
    s = accounts.authenticate(app, "qian", PW)
    accounts.reset_password(app, admin, u.id, "Reset-Lantern-99")
    everything = repr(dump_tables(app.db)) + caplog.text + "".join(capsys.readouterr())
    for secret in (PW, "Typo-Lantern-77", "Reset-Lantern-99", s.token):
        assert secret not in everything
    assert "$argon2id$" in everything


def test_only_admins_manage_users_and_roles_are_checked(app):
    admin = _admin(app)
    ev = accounts.create_user(app, admin, "sun", PW, "evaluator")
    with pytest.raises(PermissionDenied):
        accounts.create_user(app, ev, "zhou", PW, "admin")
    with pytest.raises(ServiceError, match="派出所"):
        accounts.create_user(app, admin, "wu", PW, "station_head", "bureau")
    changed = accounts.change_role(app, admin, ev.id, "station_head", "station", "城南派出所")
    assert (changed.role, changed.scope_value) == ("station_head", "城南派出所")
    with pytest.raises(ServiceError, match="最后一个管理员"):
        accounts.change_role(app, admin, admin.id, "evaluator")
