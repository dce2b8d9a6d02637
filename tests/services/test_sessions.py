"""Database sessions behind the browser's cookie: expiry (idle and absolute, on a fixed clock), the
settings that set them, revocation (sign-out, password change, an admin), and the one-time handoff
that turns a sign-in into the cookie. On SQLite and PostgreSQL (the ``app`` fixture)."""

from dataclasses import replace
from datetime import timedelta

import pytest

from services import accounts, sessions
from services.errors import NotSignedIn, PermissionDenied
from services.settings import SettingsError, from_env
from store import audit
from store.tables import session_handoffs
from tests.dbfixtures import dump_tables

PW = "Blue-Lantern-77"
BROWSER = "93da09aab8829e6b8889f58533de755a"  # what web.cookies.browser_binding gives for one browser
OTHER_BROWSER = "0" * 32


@pytest.fixture
def users(app):
    admin = accounts.create_first_admin(app, "root", PW)
    ev = accounts.create_user(app, admin, "zhao", PW, "evaluator")
    return admin, ev


def test_defaults_are_30_minutes_idle_and_12_hours_in_all_and_can_be_set():
    s = from_env({})
    assert (s.session_idle, s.session_max_age) == (timedelta(minutes=30), timedelta(hours=12))
    s = from_env({"DASHBOARD_SESSION_IDLE_MINUTES": "0.05", "DASHBOARD_SESSION_MAX_HOURS": "1.5"})
    assert (s.session_idle, s.session_max_age) == (timedelta(seconds=3), timedelta(minutes=90))
    for bad in ("abc", "0", "-5"):
        with pytest.raises(SettingsError, match="SESSION_IDLE_MINUTES"):
            from_env({"DASHBOARD_SESSION_IDLE_MINUTES": bad})


def test_idle_timeout_on_a_fixed_clock_and_activity_keeps_the_session(app, users):
    t0 = audit.now()
    s = accounts.authenticate(app, "zhao", PW, now=t0)
    # a page run every 29 minutes keeps it alive well past 30 minutes after the sign-in
    for k in range(1, 5):
        assert accounts.validate_session(app, s.token, now=t0 + timedelta(minutes=29 * k)).username == "zhao"
    last = t0 + timedelta(minutes=29 * 4)
    with pytest.raises(NotSignedIn, match="长时间未操作"):
        accounts.validate_session(app, s.token, now=last + timedelta(minutes=30, seconds=1))
    # once expired it stays ended, even at a time that would have been fine
    with pytest.raises(NotSignedIn):
        accounts.validate_session(app, s.token, now=last + timedelta(minutes=1))


def test_absolute_lifetime_ends_an_active_session(app, users):
    t0 = audit.now()
    s = accounts.authenticate(app, "zhao", PW, now=t0)
    t = t0
    while t + timedelta(minutes=20) <= t0 + timedelta(hours=12):
        t += timedelta(minutes=20)
        accounts.validate_session(app, s.token, now=t)
    with pytest.raises(NotSignedIn, match="12 小时"):
        accounts.validate_session(app, s.token, now=t0 + timedelta(hours=12, minutes=1))


def test_shortened_settings_apply(app, users):
    app.settings = replace(app.settings, session_idle_minutes=1, session_max_hours=0.5)
    t0 = audit.now()
    s = accounts.authenticate(app, "zhao", PW, now=t0)
    with pytest.raises(NotSignedIn, match="长时间未操作"):
        accounts.validate_session(app, s.token, now=t0 + timedelta(seconds=61))
    s = accounts.authenticate(app, "zhao", PW, now=t0)
    for k in range(1, 31):
        accounts.validate_session(app, s.token, now=t0 + timedelta(seconds=59 * k))  # 29.5 minutes
    with pytest.raises(NotSignedIn, match="0.5 小时"):
        accounts.validate_session(app, s.token, now=t0 + timedelta(minutes=30, seconds=30))


def test_sign_out_ends_the_session_for_every_holder_of_the_token(app, users):
    s = accounts.authenticate(app, "zhao", PW, binding=BROWSER)
    other = accounts.authenticate(app, "zhao", PW)  # another browser of the same user
    copied = str(s.token)  # e.g. the cookie copied to another machine
    accounts.sign_out(app, s.token)
    with pytest.raises(NotSignedIn):
        accounts.validate_session(app, copied)
    assert not sessions.is_live(app, copied)
    assert accounts.validate_session(app, other.token).username == "zhao"


def test_password_change_ends_every_session_including_this_one(app, users):
    a = accounts.authenticate(app, "zhao", PW, binding=BROWSER)
    b = accounts.authenticate(app, "zhao", PW)
    accounts.change_password(app, a.token, PW, "Green-Lantern-88")
    for s in (a, b):
        with pytest.raises(NotSignedIn):
            accounts.validate_session(app, s.token)


def test_an_admin_ends_a_users_sessions_and_it_is_audited(app, users):
    admin, ev = users
    a = accounts.authenticate(app, "zhao", PW)
    b = accounts.authenticate(app, "zhao", PW, binding=BROWSER)
    mine = accounts.authenticate(app, "root", PW)
    with pytest.raises(PermissionDenied):
        sessions.revoke_user_sessions(app, ev, admin.id)
    assert sessions.revoke_user_sessions(app, admin, ev.id) == 2
    for s in (a, b):
        with pytest.raises(NotSignedIn):
            accounts.validate_session(app, s.token)
    assert accounts.validate_session(app, mine.token).username == "root"
    assert accounts.authenticate(app, "zhao", PW).actor.username == "zhao"  # may sign in again
    with app.db.read() as conn:
        ev_log = audit.events(conn, "SessionsRevoked")
    assert len(ev_log) == 1 and ev_log[0]["actor_name"] == "root"
    assert ev_log[0]["details"] == {"user": "zhao", "sessions": 2}


def test_handoff_gives_the_token_once_to_the_browser_that_signed_in(app, users):
    s = accounts.authenticate(app, "zhao", PW, binding=BROWSER)
    assert s.handoff and s.handoff != s.token
    assert sessions.complete_handoff(app, s.handoff, BROWSER) == s.token
    with pytest.raises(NotSignedIn):  # used up
        sessions.complete_handoff(app, s.handoff, BROWSER)
    assert accounts.validate_session(app, s.token).username == "zhao"


def test_handoff_from_another_browser_is_refused_and_burnt(app, users):
    s = accounts.authenticate(app, "zhao", PW, binding=BROWSER)
    with pytest.raises(NotSignedIn, match="浏览器不符"):
        sessions.complete_handoff(app, s.handoff, OTHER_BROWSER)
    with pytest.raises(NotSignedIn):
        sessions.complete_handoff(app, s.handoff, None)
    with pytest.raises(NotSignedIn):  # the right browser cannot use it after the wrong one tried
        sessions.complete_handoff(app, s.handoff, BROWSER)


def test_handoff_expires_within_seconds_and_dies_with_its_session(app, users):
    t0 = audit.now()
    s = accounts.authenticate(app, "zhao", PW, now=t0, binding=BROWSER)
    with pytest.raises(NotSignedIn, match="已失效"):
        sessions.complete_handoff(app, s.handoff, BROWSER, now=t0 + sessions.HANDOFF_TTL + timedelta(seconds=1))
    s = accounts.authenticate(app, "zhao", PW, binding=BROWSER)
    accounts.sign_out(app, s.token)
    with pytest.raises(NotSignedIn):
        sessions.complete_handoff(app, s.handoff, BROWSER)
    with pytest.raises(NotSignedIn):
        sessions.complete_handoff(app, "made-up-handoff", BROWSER)


def test_sign_in_without_a_browser_binding_has_no_handoff(app, users):
    s = accounts.authenticate(app, "zhao", PW)
    assert s.handoff is None
    with app.db.read() as conn:
        assert conn.execute(session_handoffs.select()).first() is None


def test_only_hashes_of_tokens_and_handoffs_are_stored(app, users):
    s = accounts.authenticate(app, "zhao", PW, binding=BROWSER)
    sessions.complete_handoff(app, s.handoff, BROWSER)
    everything = repr(dump_tables(app.db))
    assert s.token not in everything and s.handoff not in everything and BROWSER not in everything
    assert sessions.token_hash(s.token) in everything


def test_is_live_reads_without_extending(app, users):
    t0 = audit.now()
    s = accounts.authenticate(app, "zhao", PW, now=t0)
    assert sessions.is_live(app, s.token, now=t0 + timedelta(minutes=29))
    assert not sessions.is_live(app, s.token, now=t0 + timedelta(minutes=31))  # is_live did not extend it
    assert not sessions.is_live(app, "nonsense")


def test_two_openers_of_one_process_creating_the_secret_at_once_get_the_same_one(tmp_path):
    """The pages and the web routes open the installation separately in one process: creating the
    secret key at the same instant must give both the same, complete secret (it makes session tokens)."""
    import stat
    import threading

    from services import secrets as installation_secrets

    barrier = threading.Barrier(8)
    got: list[bytes] = []

    def open_key():
        barrier.wait()
        got.append(installation_secrets.load_or_create(tmp_path / "secret.key"))

    threads = [threading.Thread(target=open_key) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(got) == 8 and len(set(got)) == 1 and len(got[0]) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
