"""Several app processes on one PostgreSQL (issue 16): a store in process A is visible in process B's
next read, with no restart, although B holds the bureau's rows, its snapshot and its computed views in
its own in-process caches.

Each process is ``cross_process_worker.py``: its own Python interpreter and App over the same
``DASHBOARD_DATABASE_URL`` and the same data folder (one shared secrets folder, as ``deploy/`` runs
N processes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.demo import sample_files

WORKER = Path(__file__).with_name("cross_process_worker.py")
ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen([sys.executable, str(WORKER)], cwd=ROOT, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     encoding="utf-8")

    def ask(self, **cmd) -> dict:
        self.proc.stdin.write(json.dumps(cmd, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=30)
            pytest.fail(f"worker exited {self.proc.returncode}:\n{self.proc.stderr.read()}", pytrace=False)
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def two_processes(pg_server, tmp_path):
    url = pg_server.url(pg_server.new_database(template=pg_server.template))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update(DASHBOARD_DATABASE_URL=url, DASHBOARD_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    a, b = Worker(env), Worker(env)
    yield a, b
    a.close()
    b.close()


def test_a_store_in_process_a_is_seen_by_process_b_on_its_next_read(two_processes):
    a, b = two_processes
    assert a.ask(do="seed") == {"seeded": True}
    assert b.ask(do="seed") == {"seeded": False}  # the second process finds the bureau already there

    before_b = b.ask(do="read", user="demo_leader")
    assert b.ask(do="read", user="demo_leader") == before_b  # B now answers from its caches
    assert before_b["reported"] < before_b["offices"]  # the last station has not reported yet
    assert a.ask(do="read", user="demo_leader") == before_b  # both processes agree before the store

    _, stations = sample_files()
    stored = a.ask(do="store", user="demo_eval", file=str(stations[-1]))
    assert len(stored["ids"]) == 1

    after_a = a.ask(do="read", user="demo_leader")
    after_b = b.ask(do="read", user="demo_leader")
    assert after_b["version"] == stored["ids"][0] == after_a["version"] > before_b["version"]
    assert after_b["rating_version"] == after_b["version"]
    assert after_b["reported"] == after_b["offices"]  # the new station's offices now count as reported
    assert after_b["total"] != before_b["total"] and after_b["scores"] != before_b["scores"]
    assert after_b == after_a  # B shows exactly what A computed
    # B caught up the rows it held with A's upload instead of keeping the old ones or re-reading all
    assert b.ask(do="origins").get("memory", 0) >= 1


def test_the_first_process_to_seed_wins_and_the_other_sees_its_bureau(two_processes):
    a, b = two_processes
    seeded = [a.ask(do="seed")["seeded"], b.ask(do="seed")["seeded"]]
    assert seeded == [True, False]
    assert b.ask(do="read", user="demo_eval") == a.ask(do="read", user="demo_eval")
