"""The README's commands work as written: the first block sets up and runs the demo, the second
is the test command CI runs, and every `toilaudit` line names a command and options that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from toilaudit.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.S)


def test_the_readme_starts_with_set_up_and_demo_then_the_test_command_ci_runs():
    setup, tests = BLOCKS[0].splitlines(), BLOCKS[1].splitlines()
    assert setup == ["python3 -m venv .venv && .venv/bin/pip install .",
                     ".venv/bin/toilaudit demo --out toilaudit-report"]
    assert tests == ['.venv/bin/pip install ".[dev]" && .venv/bin/pytest']
    ci = (ROOT / ".ci" / "run").read_text()
    assert '.venv/bin/pip install --quiet ".[dev]"' in ci and re.search(r"^(\w+=\S+ )?\.venv/bin/pytest$", ci, re.M)
    assert README.index(BLOCKS[1]) < README.index("## ")  # both before the first section


def readme_commands():
    for block in BLOCKS:
        for line in block.splitlines():
            line = re.sub(r"^(\.venv/bin/)?(?=toilaudit )", "", line.split("  #")[0].strip())
            if line.startswith("toilaudit ") and "|" not in line:
                yield line


@pytest.mark.parametrize("line", sorted(set(readme_commands())))
def test_each_toilaudit_line_names_a_command_and_options_it_has(line):
    words = shlex.split(line)[1:]
    command: click.Command = cli
    while isinstance(command, click.Group) and words and words[0] in command.commands:
        command = command.commands[words.pop(0)]
    assert not isinstance(command, click.Group), f"{line}: no such command"
    known = {name for param in [*command.params, *cli.params] for name in getattr(param, "opts", [])}
    for word in words:
        if word.startswith("-") and word != "-":
            assert word.split("=")[0] in known, f"{line}: {word} is not an option of {command.name}"
