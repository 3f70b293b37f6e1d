"""Fixtures shared by every test module."""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import EXAMPLES, run


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "audit.db"


@pytest.fixture
def audited(db: Path) -> Path:
    """A store holding the bundled examples."""
    assert run("import", "jira", "--csv", str(EXAMPLES / "jira_export.csv"), db=db).exit_code == 0
    assert run("import", "pagerduty", "--csv", str(EXAMPLES / "pagerduty_incidents.csv"), db=db).exit_code == 0
    return db


def steady_export(path: Path, weeks: int = 40, start: str = "2026-01-05", services=("ledger", "payments-api"),
                  labelled: bool = True) -> Path:
    """A Jira export of one patching ticket a week on each service, each labelled toil in Jira (so the
    classifier is measured): toil tracked continuously, with no routine request an answer could contradict."""
    import pandas as pd

    lines = ["Issue key,Summary,Created,Component/s,Labels,Assignee"]
    for week in range(weeks):
        day = (pd.Timestamp(start) + pd.Timedelta(weeks=week)).strftime("%Y-%m-%d 10:00")
        for n, service in enumerate(services):
            lines.append(f"ST-{week * len(services) + n + 1},Apply monthly security patches to host-{week}{n},{day},"
                         f"{service},{'toil' if labelled else ''},engineer{n}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def steady(db: Path, tmp_path: Path) -> Path:
    """A store with 40 weeks of steadily tracked, labelled toil on two services."""
    assert run("import", "jira", "--csv", str(steady_export(tmp_path / "steady.csv")), db=db).exit_code == 0
    return db


@pytest.fixture(autouse=True)
def _no_store_from_environment(monkeypatch):
    monkeypatch.delenv("TOILAUDIT_DB", raising=False)


@pytest.fixture(autouse=True, scope="session")
def _imports_dated_the_day_after_their_data():
    """The default period ends with the month of the latest item when that month had ended by the latest
    import (summary.data_taken_at), and an import is dated by the clock: the examples, dated up to 23 Nov 2026,
    imported from 1 Dec 2026 on would count November, and every figure of the tests that import them would
    move. So an import made in-process here is dated the day after the latest item it leaves in the store
    (never after now), as if its export had been taken then: the figures do not depend on the day the tests
    run. The tests of that rule date their imports themselves (test_period.py, imported_on)."""
    from datetime import UTC, datetime, timedelta

    from toilaudit.store.interface import Store

    record = Store._insert_run

    def dated(self, run_id, *args, **kwargs):
        record(self, run_id, *args, **kwargs)
        latest = self._scalar("SELECT max(created_at) FROM work_items")
        if latest is not None:
            when = min(latest + timedelta(days=1), datetime.now(UTC))
            self._execute(self._sql("UPDATE import_runs SET started_at = ?, finished_at = ? WHERE run_id = ?"),
                          (when, when, run_id))

    with pytest.MonkeyPatch.context() as patch:  # for the session: module fixtures import too (the demo's)
        patch.setattr(Store, "_insert_run", dated)
        yield


# ------------------------------------------------------------------ programs the machine may lack

# .ci/run sets this: there, a missing program fails its tests instead of skipping them
REQUIRE_ALL = os.environ.get("TOILAUDIT_TESTS_REQUIRE_ALL") == "1"
PG_BIN_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)  # Debian's layout, newest first


def need(program: str | None, what: str, install: str) -> str:
    """The program's path; else skip the test saying what to install (fail it under .ci/run)."""
    found = shutil.which(program) if program else None
    if found:
        return found
    message = f"{what} not found - install {install} to run this test (.ci/run does)"
    if REQUIRE_ALL:
        pytest.fail(message)
    pytest.skip(message)


PG_INSTALL_HINT = ('the dev extra (pip install ".[dev]": its pgserver package ships them, on Linux x86-64 and macOS '
                   'with Python 3.11 or 3.12) or postgresql (Debian: apt-get install postgresql)')


def _pgserver_bin() -> str | None:
    """The folder of the PostgreSQL server binaries that the pgserver package ships, if it is installed
    (the dev extra brings it); found without importing it."""
    spec = importlib.util.find_spec("pgserver")
    for package in (spec.submodule_search_locations or []) if spec else []:
        folder = os.path.join(package, "pginstall", "bin")
        if os.path.isfile(os.path.join(folder, "initdb")):
            return folder
    return None


def _pg_tools() -> tuple[str, str]:
    """initdb and pg_ctl, from one PostgreSQL: the system's (Debian's folders, then PATH), else pgserver's."""
    for folder in PG_BIN_DIRS:
        if all(os.path.exists(os.path.join(folder, name)) for name in ("initdb", "pg_ctl")):
            return os.path.join(folder, "initdb"), os.path.join(folder, "pg_ctl")
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl
    folder = _pgserver_bin()
    if folder:
        return os.path.join(folder, "initdb"), os.path.join(folder, "pg_ctl")
    need(None, "PostgreSQL server binaries (initdb, pg_ctl)", PG_INSTALL_HINT)
    raise AssertionError  # need() has skipped or failed the test


def _server_user() -> str:
    """Whom the server runs as when the tests run as root (initdb refuses root): the postgres system user that
    Debian's postgresql package adds, else nobody, which every Linux has (pgserver's binaries need no account of
    their own: the server's files are a throwaway folder, removed after the session)."""
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
            return user
        except KeyError:
            pass
    need(None, "a system user to run PostgreSQL as (postgres or nobody; initdb refuses root)", PG_INSTALL_HINT)
    raise AssertionError  # need() has skipped or failed the test


def _reachable(as_user: list[str], initdb: str, pg_ctl: str, folder: str) -> tuple[str, str]:
    """initdb and pg_ctl as the server's user can run them. pgserver's sit in the virtual environment, which
    that user may not be able to enter (one under /root): then a copy of them, with the libraries beside them
    as the wheel lays them out, goes into the server's own folder."""
    if not as_user or subprocess.run([*as_user, initdb, "--version"], capture_output=True).returncode == 0:
        return initdb, pg_ctl
    shipped = _pgserver_bin()
    if shipped is None or os.path.dirname(initdb) != shipped:
        pytest.fail(f"{as_user[2]} cannot run {initdb}: let it read the folders above it")
    package = os.path.dirname(os.path.dirname(shipped))  # .../site-packages/pgserver
    copy = os.path.join(folder, "pgserver")
    shutil.copytree(os.path.join(package, "pginstall"), os.path.join(copy, "pginstall"))
    libs = os.path.join(os.path.dirname(package), "pgserver.libs")  # the binaries' RPATH: $ORIGIN/../../../pgserver.libs
    if os.path.isdir(libs):
        shutil.copytree(libs, os.path.join(folder, "pgserver.libs"))
    return os.path.join(copy, "pginstall", "bin", "initdb"), os.path.join(copy, "pginstall", "bin", "pg_ctl")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL for the session."""
    with throwaway_postgres() as url:
        yield url


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a throwaway PostgreSQL on a free loopback port, and stop it after (the benchmarks use it too).

    The system's PostgreSQL if it has one, else the one the pgserver package ships (the dev extra brings it).
    initdb refuses to run as root, so as root the server runs as another system user (_server_user).
    """
    as_user: list[str] = []
    initdb, pg_ctl = _pg_tools()
    user = _server_user() if os.geteuid() == 0 else None
    folder = tempfile.mkdtemp(prefix="toilaudit-pg-")
    if user:
        shutil.chown(folder, user=user)
        as_user = ["runuser", "-u", user, "--"]
        initdb, pg_ctl = _reachable(as_user, initdb, pg_ctl, folder)
    data = os.path.join(folder, "data")
    port = _free_port()
    subprocess.run([*as_user, initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_user, pg_ctl, "-D", data, "-l", os.path.join(folder, "log"), "-w", "-o",
                    f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(postgres_server, request):
    """A fresh database on the session's server for one test."""
    import psycopg

    name = "t_" + re.sub(r"[^a-z0-9]", "_", request.node.name.lower())[:50]
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"
