"""``python -m services`` account commands: add-user, set-role, lock/unlock, reset-password, list-users,
import-users — the same services, checks and audit events as 系统管理, on SQLite and PostgreSQL."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from sample_data.generate import build_bureau, write_station_workbook
from services import accounts
from services.__main__ import main
from services.context import open_app
from services.settings import from_env
from store import audit, rows

ROOT = Path(__file__).resolve().parents[2]
PW = "Tower-Bridge-2026"
HEADER = "用户名,角色,范围类型,范围,初始密码\n"


@pytest.fixture
def console(db, tmp_path, monkeypatch):
    """An initialised installation on the test database with a first admin, the environment pointing
    at it, and an office registry of the sample generator's bureau with 60 stations (stored by the
    `import` command as an evaluator created with `add-user`)."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", db.engine.url.render_as_string(False))
    monkeypatch.delenv("DASHBOARD_DEMO", raising=False)
    assert main(["init"]) == 0
    _stdin(monkeypatch, PW)
    assert main(["create-admin", "root", "--password-stdin"]) == 0
    _stdin(monkeypatch, "Silver-Pass-99")
    assert main(["add-user", "kaoping", "--role", "考评员", "--password-stdin"]) == 0
    monthly, ledger = build_bureau(branches=3, stations=60, offices=60, months=("2026-09", "2026-09"), seed=5)
    wb = tmp_path / "登记.xlsx"
    write_station_workbook(wb, monthly, ledger)
    assert main(["import", str(wb), "--as", "kaoping", "--accept-warnings"]) == 0
    app = open_app(from_env())
    yield app, sorted(set(monthly["station"])), sorted(set(monthly["branch"]))
    app.close()


def _stdin(monkeypatch, line: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(line + "\n"))


def _users(app) -> dict:
    return {u["username"]: u for u in accounts.list_users(app, 1)}


def _events(app, kind=None) -> list:
    with app.db.read() as conn:
        return audit.events(conn, kind)


@pytest.fixture
def fast_hashes(monkeypatch):
    """argon2 with small parameters: 60 accounts would spend a minute of a shared test machine hashing."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_sixty_station_heads_from_one_csv(console, tmp_path, capsys, fast_hashes):
    app, stations, _branches = console
    assert len(stations) == 60
    lines = [f"head{i:02d},所长,派出所,{s},{'' if i % 2 else f'Head-Pass-{i:02d}x'}" for i, s in enumerate(stations)]
    csv = tmp_path / "所长.csv"
    csv.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8-sig")
    capsys.readouterr()
    assert main(["import-users", str(csv)]) == 0
    out = capsys.readouterr()
    assert "已创建 60 个账号" in out.err
    fresh = dict(line.split("\t") for line in out.out.strip().splitlines()[1:])
    assert sorted(fresh) == [f"head{i:02d}" for i in range(1, 60, 2)]  # one-time passwords for the empty ones
    users = _users(app)
    assert {(users[f"head{i:02d}"]["scope_kind"], users[f"head{i:02d}"]["scope_value"]) for i in range(60)} == {
        ("station", s) for s in stations}
    assert accounts.authenticate(app, "head01", fresh["head01"]).actor.scope_value == stations[1]
    assert accounts.authenticate(app, "head02", "Head-Pass-02x").actor.role == "station_head"
    created = [e for e in _events(app, "UserCreated") if e["details"].get("source") == "所长.csv"]
    assert len(created) == 60 and {e["actor_name"] for e in created} == {"命令行"}
    with app.db.read() as conn:
        assert len({r["station"] for r in rows.office_registry(conn).values()}) == 60


def test_a_list_with_bad_rows_stores_nothing_and_names_every_bad_line(console, tmp_path, capsys, fast_hashes):
    app, stations, branches = console
    csv = tmp_path / "名单.csv"
    csv.write_text(HEADER + "\n".join([
        f"ok1,station_head,station,{stations[0]},",             # line 2: fine
        "bad_station,所长,派出所,南口所,",                          # 3: unknown station
        f"bad_kind,管理员,派出所,{stations[1]},",                   # 4: admin with a station scope
        "ok2,局领导,分局," + branches[0] + ",",                    # 5: fine
        "root,考评员,,,",                                          # 6: name taken
        "ok1,考评员,,,",                                           # 7: repeated in the file
        "weak,考评员,,,short",                                     # 8: weak password
        "who,超级用户,,,",                                         # 9: unknown role
        "",                                                        # 10: empty line, skipped
        f"ok3,所长,,{stations[2]},",                               # 11: fine (kind from the role)
    ]) + "\n", encoding="gbk")
    before = _events(app)
    assert main(["import-users", str(csv)]) == 1
    err = capsys.readouterr().err
    for line, text in ((3, "南口所"), (4, "管理员的范围只能是全局"), (6, "已存在"), (7, "与第 2 行重复"),
                       (8, "密码至少"), (9, "未知角色")):
        assert f"第 {line} 行：" in err and text in err.split(f"第 {line} 行：")[1].splitlines()[0], (line, err)
    bad = {int(m) for m in re.findall(r"^第 (\d+) 行：", err, flags=re.M)}
    assert bad == {3, 4, 6, 7, 8, 9}
    assert "未创建任何账号" in err and "Traceback" not in err
    assert set(_users(app)) == {"root", "kaoping"}
    assert _events(app) == before


def test_account_commands_use_the_services_checks_and_audit(console, capsys, monkeypatch, tmp_path):
    app, stations, branches = console
    assert main(["import-users", str(tmp_path / "none.csv")]) == 2
    assert "找不到文件" in capsys.readouterr().err
    _stdin(monkeypatch, PW)
    assert main(["add-user", "zhang", "--role", "station_head", "--scope-kind", "station", "--scope", "南口所",
                 "--password-stdin"]) == 1
    assert "没有名为“南口所”的派出所" in capsys.readouterr().err
    _stdin(monkeypatch, PW)
    assert main(["add-user", "zhang", "--role", "所长", "--scope", stations[0], "--password-stdin"]) == 0
    assert f"所长（{stations[0]}）" in capsys.readouterr().out
    assert main(["add-user", "x", "--role", "boss", "--password-stdin"]) == 2
    assert main(["set-role", "zhang", "--role", "leadership", "--scope-kind", "branch", "--scope", branches[1]]) == 0
    assert f"改为 局领导（{branches[1]}）" in capsys.readouterr().out
    assert main(["set-role", "root", "--role", "evaluator"]) == 1
    assert "唯一的有效管理员" in capsys.readouterr().err
    assert main(["lock", "root"]) == 1
    assert main(["lock", "zhang"]) == 0
    assert main(["set-role", "nobody", "--role", "admin"]) == 1
    assert "不存在" in capsys.readouterr().err
    _stdin(monkeypatch, "Reset-Lantern-99")
    assert main(["reset-password", "zhang", "--password-stdin"]) == 0
    assert main(["unlock", "zhang"]) == 0
    assert accounts.authenticate(app, "zhang", "Reset-Lantern-99").actor.scope_value == branches[1]
    capsys.readouterr()
    assert main(["list-users", "--json"]) == 0
    listed = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert listed["zhang"]["role_label"] == "局领导" and listed["zhang"]["scope_value"] == branches[1]
    assert listed["root"]["created_at"].endswith("+08:00")
    assert "password_hash" not in listed["zhang"]
    kinds = [e["kind"] for e in _events(app) if e["actor_name"] == "命令行"]
    assert kinds[:5] == ["AccountUnlocked", "PasswordReset", "AccountLocked", "RoleChanged", "UserCreated"]


def test_every_account_command_has_chinese_help_and_chinese_usage_errors(tmp_path, capsys):
    for cmd in ("add-user", "set-role", "lock", "unlock", "reset-password", "list-users", "import-users"):
        with pytest.raises(SystemExit) as done:
            main([cmd, "--help"])
        text = capsys.readouterr().out
        assert done.value.code == 0 and "用法：" in text and "显示本帮助并退出" in text, cmd
        assert not any(w in text for w in ("usage:", "options:", "show this help")), text
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DASHBOARD_DATA_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "services", "add-user", "zhang"], cwd=ROOT, capture_output=True,
                       text=True, env=env)
    assert r.returncode == 2 and "缺少必需的参数：--role" in r.stderr and "Traceback" not in r.stderr
    with pytest.raises(SystemExit) as done:
        main(["lock"])
    assert done.value.code == 2 and "缺少必需的参数：用户名" in capsys.readouterr().err


def test_import_users_prints_one_time_passwords_once_through_the_real_console(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DASHBOARD_DATA_DIR": str(tmp_path / "d")}

    def run(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "services", *args], cwd=ROOT, capture_output=True,
                              text=True, env=env, input=stdin)
    assert run("create-admin", "root", "--password-stdin", stdin=PW + "\n").returncode == 0
    csv = tmp_path / "u.csv"
    csv.write_text(HEADER + "eva,evaluator,bureau,,\nlead,局领导,全局,,Chief-Pass-2026\n", encoding="utf-8")
    r = run("import-users", str(csv))
    assert r.returncode == 0, r.stderr
    (name, password), = [line.split("\t") for line in r.stdout.strip().splitlines()[1:]]
    assert name == "eva" and len(password) == 14
    r = run("list-users")
    assert r.returncode == 0 and password not in r.stdout and "考评员（全局）" in r.stdout
    r = run("add-user", "head", "--role", "station_head", "--scope", "兰街派出所", "--password-stdin",
            stdin=PW + "x\n")
    assert r.returncode == 1 and "请先上报或导入警务室登记" in r.stderr
    app = open_app(from_env({"DASHBOARD_DATA_DIR": str(tmp_path / "d")}))
    try:
        assert accounts.authenticate(app, "eva", password).actor.role == "evaluator"
    finally:
        app.close()
