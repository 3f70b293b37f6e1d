"""Every command teaches through --help."""

from __future__ import annotations

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
