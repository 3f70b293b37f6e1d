"""Fixtures shared by every test module."""

from __future__ import annotations

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


@pytest.fixture(autouse=True)
def _no_store_from_environment(monkeypatch):
    monkeypatch.delenv("TOILAUDIT_DB", raising=False)
