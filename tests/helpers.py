"""Helpers the tests share: run the CLI in-process; where the examples and fixtures are."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from toilaudit.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(*args: str, db: Path | str | None = None, input: str | None = None, env: dict | None = None) -> Result:
    """Invoke toilaudit in-process; a crash (any exception but SystemExit) fails the test loudly,
    so a traceback can never pass for an expected exit code (after sqlfluff's invoke_assert_code)."""
    runner = CliRunner()
    full = (["--db", str(db)] if db is not None else []) + list(args)
    result = runner.invoke(cli, full, input=input, env=env, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def run_json(*args: str, db: Path | str | None = None) -> dict:
    result = run(*args, db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
