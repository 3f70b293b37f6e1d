"""The real interview in a pseudo-terminal, as a person uses it: Ctrl-C, then resume to the end."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pexpect
import pytest

from helpers import run_json

TOILAUDIT = shutil.which("toilaudit", path=str(Path(sys.executable).parent))


def spawn(tmp_path, db):
    return pexpect.spawn(TOILAUDIT, ["--db", str(db), "interview", "--org", "Acme", "--interviewee", "payments"],
                         cwd=str(tmp_path), env={"TERM": "xterm", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                         encoding="utf-8", timeout=30, dimensions=(40, 140))


@pytest.mark.skipif(TOILAUDIT is None, reason="the toilaudit console script is not installed beside python")
def test_ctrl_c_then_resume_then_enter_to_the_end(tmp_path):
    db = tmp_path / "terminal.db"
    child = spawn(tmp_path, db)
    child.expect("Question 1 of 40")
    child.expect("Use shortcuts or arrow keys")
    child.send("3")  # shortcut: third choice
    child.send("\r")
    child.expect("Note")
    child.send("self-service via portal\r")
    child.expect("Question 2 of 40")
    child.expect("Use shortcuts")
    child.sendintr()  # Ctrl-C
    child.expect("Interview paused: 1 of 40 answers are saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    child = spawn(tmp_path, db)
    child.expect("1 of 40 questions are already answered. Resume")
    child.send("\r")
    child.expect("Question 2 of 40")
    for _ in range(100):  # Enter at every prompt
        index = child.expect(["Interview complete", r"\? ", pexpect.EOF])
        if index == 0:
            break
        child.send("\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    data = run_json("assess", "--format", "json", db=db)
    answered = {q["id"]: q for level in data["tracks"]["platform"] for q in level["questions"]}
    assert answered["platform.provisioning"]["answer"].startswith("Self-service")
    assert answered["platform.provisioning"]["notes"] == ["payments: self-service via portal"]
    assert data["overall_level"] == "Foundation"
