"""Fixtures shared by every test module."""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
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


def _pg_tool(name: str) -> str:
    for folder in PG_BIN_DIRS:
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return need(name, f"PostgreSQL server binaries ({name})", "postgresql (Debian: apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """Start a throwaway PostgreSQL on a free loopback port for the session, and stop it after.

    initdb refuses to run as root, so as root the server runs as the `postgres` system user.
    """
    as_user = []
    initdb, pg_ctl = _pg_tool("initdb"), _pg_tool("pg_ctl")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            need(None, "the postgres system user", "postgresql (Debian: apt-get install postgresql)")
    folder = tempfile.mkdtemp(prefix="toilaudit-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
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
