"""Every command teaches through --help."""

from __future__ import annotations

import re

import click
import pytest

from toilaudit.cli import cli

from helpers import run


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize("path", list(all_commands(cli)), ids=" ".join)
def test_help(path):
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert "Usage: " in result.stdout
    body = result.stdout.split("Options:")[0]
    assert len(body.split()) > 12, f"{' '.join(path)} --help says too little"


def test_unknown_command_is_usage_error():
    result = run("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.stderr


@pytest.mark.parametrize("path", [(), *all_commands(cli)], ids=lambda path: " ".join(path) or "toilaudit")
def test_an_incident_number_in_help_is_quoted_for_the_shell(path):
    """A shell reads an unquoted #1234 as the start of a comment: `toilaudit explain #1234` runs `explain`."""
    text = run(*path, "--help").stdout
    assert not re.search(r"(?<!')#\d", text), text


def test_explain_help_gives_a_quoted_incident_number_as_an_example():
    assert "  toilaudit explain '#1234'\n" in run("explain", "--help").stdout


def test_demo_help_offers_no_store_of_yours():
    """The demo works on a temporary store of its own: --db and --wait mean nothing there."""
    text = run("demo", "--help").stdout
    options = text.split("Options:")[1]
    assert "--db" not in options and "--wait" not in options
    assert "--out DIR" in options and "-v, --verbose" in options
    assert "Your own store (--db, TOILAUDIT_DB) is not touched." in " ".join(text.split())
