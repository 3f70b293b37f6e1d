"""The real interview in a terminal, as a person uses it: a note on a key, Ctrl-C, resume by
picking the saved interviewee; and, at 80 columns, words wrapped whole while report and summary
use the same store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from conftest import need
from helpers import EXAMPLES, run, run_json

TOILAUDIT = shutil.which("toilaudit", path=str(Path(sys.executable).parent))
needs_script = pytest.mark.skipif(TOILAUDIT is None, reason="the toilaudit console script is not installed beside "
                                                            "python")


def spawn(tmp_path, db, *args):
    return pexpect.spawn(TOILAUDIT, ["--db", str(db), "interview", "--org", "Acme", *args],
                         cwd=str(tmp_path), env={"TERM": "xterm", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                         encoding="utf-8", timeout=30, dimensions=(40, 140))


@needs_script
def test_note_on_a_key_ctrl_c_then_resume_by_picking_the_interviewee(tmp_path):
    db = tmp_path / "terminal.db"
    child = spawn(tmp_path, db, "--interviewee", "payments")
    child.expect("Question 1 of 40")
    child.expect(r"\(1-4 or arrows, Enter; n note, b back\)")
    child.send("n")  # a note is asked for only on this key
    child.expect("Note:")
    child.send("self-service via portal\r")
    child.expect("Noted")
    child.send("3")  # shortcut: third choice
    child.send("\r")
    child.expect("Question 2 of 40")
    child.expect("n note, b back")
    child.sendintr()  # Ctrl-C
    child.expect("Interview paused: 1 of 40 answers are saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    child = spawn(tmp_path, db)  # no --interviewee: the saved one is offered
    child.expect("Who is answering")
    child.expect("payments")
    child.send("\r")
    child.expect("payments has answered 1 of 40 questions")
    child.send("\r")  # go on from where you left off
    for number in range(2, 41):  # Enter at every question: its first choice
        child.expect(f"Question {number} of 40")
        child.expect(r"n note, b back\)")
        child.send("\r")
    child.expect("Interview complete")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    data = run_json("assess", "--format", "json", db=db)
    assert data["interviewees"] == ["payments"]
    answered = {q["id"]: q for level in data["tracks"]["platform"] for q in level["questions"]}
    assert answered["platform.provisioning"]["answer"].startswith("Self-service")
    assert answered["platform.provisioning"]["notes"] == ["payments: self-service via portal"]
    assert data["overall_level"] == "Foundation"


class Tmux:
    """A program in a real terminal of a given size, on a tmux server of its own."""

    def __init__(self, tmp_path: Path, command: list[str], width: int = 80, height: int = 24) -> None:
        self.socket = str(tmp_path / "tmux.sock")
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "xterm", "HOME": str(tmp_path)}
        subprocess.run(["tmux", "-S", self.socket, "-f", "/dev/null", "new-session", "-d", "-x", str(width), "-y",
                        str(height), *command], check=True, env=env, cwd=tmp_path)
        subprocess.run(["tmux", "-S", self.socket, "set-option", "-g", "history-limit", "5000"], check=True)

    def screen(self) -> list[str]:
        """Every line shown since the start, as the terminal drew it (history included)."""
        out = subprocess.run(["tmux", "-S", self.socket, "capture-pane", "-p", "-S", "-5000"], capture_output=True,
                             text=True, check=True).stdout
        return out.rstrip("\n").split("\n")

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in "\n".join(self.screen()):
            assert time.monotonic() < deadline, f"{text!r} never appeared:\n" + "\n".join(self.screen())
            time.sleep(0.2)

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "-S", self.socket, "send-keys", *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


def words_broken(lines: list[str]) -> list[str]:
    """Words of the introduction and the first question that the terminal does not show whole (a
    word broken at the line's end shows as two pieces, neither of them the word)."""
    import io

    from rich.console import Console

    from toilaudit.maturity.bank import load_bank
    from toilaudit.maturity.interview import InterviewSession, introduce

    wide = io.StringIO()
    introduce(InterviewSession(None, load_bank(), "Acme", "sre", Console(file=wide, width=10_000), {}), 40)
    question = load_bank().questions[0]
    expected = set((wide.getvalue() + " " + question.text + " " + question.why).split())
    shown = set(" ".join(lines).split())
    return sorted(expected - shown)


@needs_script
def test_interview_at_80_columns_holds_nothing_while_report_and_summary_run(audited, tmp_path):
    need("tmux", "tmux", "tmux (Debian: apt-get install tmux)")
    assert run("interview", "--answers", str(EXAMPLES / "interview_answers.yaml"), db=audited).exit_code == 0
    terminal = Tmux(tmp_path, [TOILAUDIT, "--db", str(audited), "interview", "--org", "Acme", "--interviewee", "sre"])
    try:
        terminal.wait_for("n note, b back")  # waiting for a key press
        env = {**os.environ, "TOILAUDIT_WAIT": "5"}
        report = subprocess.run([TOILAUDIT, "--db", str(audited), "report", "--org", "Northbank Financial", "--out",
                                 str(tmp_path / "board.json")], capture_output=True, text=True, env=env, timeout=300)
        assert report.returncode == 0, report.stderr
        assert json.loads((tmp_path / "board.json").read_text())["org"] == "Northbank Financial"
        summary = subprocess.run([TOILAUDIT, "summary", "--db", str(audited)], capture_output=True, text=True,
                                 env=env, timeout=300)
        assert summary.returncode == 0, summary.stderr
        terminal.send("3", "Enter")  # the interview goes on, and saves its answer
        terminal.wait_for("Question 2 of 40")
        lines = terminal.screen()
    finally:
        terminal.close()
    assert words_broken(lines) == []
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    for phrase in ("The questions come from the article", "Ctrl-C pauses", "Why it matters"):
        assert phrase in text
    # the answer was saved while report and summary ran; the interview, left half-way, is not assessed
    refused = run("assess", "--org", "Acme", "--format", "json", db=audited)
    assert refused.exit_code == 2
    assert "the interview of 'sre' for 'Acme' is paused at 1 of 40 answers" in refused.output
