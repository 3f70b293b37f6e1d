"""The board's pages, read back from the PDF: the executive summary keeps to one page whatever its
variable lines hold; the board text names no command (README, "The board report"); captions say why."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import yaml
from pypdf import PdfReader

from toilaudit.cli import cli

from conftest import steady_export
from helpers import run

LONG = ("payments-settlement-and-reconciliation-gateway-eu-west-", "customer-identity-and-access-management-core-",
        "ledger-postings-and-balances-batch-processing-", "card-authorisation-and-fraud-screening-edge-")
SERVICES = tuple(f"{name}{n}" for n, name in enumerate(LONG, 1))


def answers_file(folder, choose, services, name="answers.yaml"):
    template = yaml.safe_load(run("interview", "--template", *[a for s in services for a in ("--service", s)]).stdout)
    template["org"], template["interviewee"] = "Northbank", "leads"
    for question in template["questions"]:
        question["answer"] = choose(question)
    path = folder / name
    path.write_text(yaml.safe_dump(template, sort_keys=False))
    return path


def best(q):
    """Every answer at its best; 4 engineers at 40 hours."""
    numbers = {"capacity.ops-engineers": 4, "capacity.hours-per-week": 40}
    return numbers.get(q["id"], 90) if q.get("type") == "number" else len(q["choices"])


def foundation(q):
    """The best answers, but provisioning and the IDP at the lowest level: Foundation, agents still on every rung."""
    return 1 if q["id"] in ("platform.provisioning", "platform.idp") else best(q)


def interview(db, path):
    result = run("interview", "--answers", str(path), db=db)
    assert result.exit_code == 0, result.output


def pages(path) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(str(path)).pages]


def commands_named(text: str) -> list[str]:
    """Every `toilaudit COMMAND` in `text`, for any command the tool has (its version, "toilaudit 0.1.0", is none)."""
    return sorted({found for name in cli.commands  # type: ignore[attr-defined]
                   for found in re.findall(rf"toilaudit\s+{re.escape(name)}\b", text)})


def files_named(text: str) -> list[str]:
    """File names in `text` (roadmap.pdf, answers.yaml, ...)."""
    return sorted(set(re.findall(r"\b[\w-]+\.(?:csv|ya?ml|rego|json|pdf|html|db|txt)\b", text)))


def summary_page(texts: list[str]) -> int:
    """The page the executive summary begins on (the contents page names it too)."""
    return next(n for n, text in enumerate(texts) if "Executive summary Period:" in text)


@pytest.fixture(scope="module")
def changed(tmp_path_factory):
    """Four services with long names, none of their items labelled by a person, assessed twice: every
    answer at its best, then the platform at Foundation with agents still on every rung. Many changes
    since the previous assessment, agents beyond what the gate allows on every service, and the
    classifier's shortfall among the risks."""
    folder = tmp_path_factory.mktemp("changed")
    db = folder / "audit.db"
    export = steady_export(folder / "unlabelled.csv", services=SERVICES, labelled=False)
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    interview(db, answers_file(folder, best, SERVICES, name="before.yaml"))
    first = run("report", "--out", str(folder / "before" / "r.pdf"), "--date", "2026-08-25", db=db)
    assert first.exit_code == 0, first.output
    interview(db, answers_file(folder, foundation, SERVICES, name="after.yaml"))
    out = folder / "after" / "roadmap.pdf"
    result = run("report", "--out", str(out), "--date", "2026-11-25", db=db)
    assert result.exit_code == 0, result.output
    return out


def test_the_executive_summary_keeps_to_one_page_with_many_changes_and_long_names(changed):
    """A long "Since the assessment ..." line pushed the summary's last paragraph onto a page of its own."""
    texts = pages(changed)
    first = summary_page(texts)
    summary, following = texts[first], texts[first + 1]
    assert "Since the assessment of 2026-08-25" in summary and "biggest risks" in summary
    assert "Where you stand Table 3 of the maturity model" in following, following[:300]  # not a page of the summary's
    assert "Executive summary" not in following and "Every figure above" not in following  # last lines
    # what changed is told in full where the room is
    stand = " ".join(texts[first + 1:])
    assert "Since the previous assessment (2026-08-25)" in stand and f"{SERVICES[0]}: highest rung allowed" in stand


def test_the_changes_line_is_bounded_and_every_change_is_in_the_table(changed):
    """The summary says as many changes as fit in two lines, then how many more."""
    from toilaudit.report.view_model import CHANGES_CHARS, CHANGES_CHARS_SHORT

    json_out = changed.with_name("roadmap.json")
    assert run("report", "--out", str(json_out), "--date", "2026-11-25",
               db=changed.parent.parent / "audit.db").exit_code == 0
    model = json.loads(json_out.read_text())
    changed_rows = [c for c in model["changes"] if c["changed"]]
    assert len(changed_rows) >= 6
    line, short = model["changes_line"], model["changes_line_short"]
    assert line.startswith("Since the assessment of 2026-08-25: ") and len(line) <= CHANGES_CHARS
    assert re.search(r", and \d+ more\. Details under \"Where you stand\"\.$", line)
    assert len(short) <= CHANGES_CHARS_SHORT + 10 or "of the figures and verdicts compared changed" in short
    assert all(len(risk["detail"]) <= 260 for risk in model["risks"])


def test_the_board_text_names_no_command(changed):
    """README: board text names no command. The classifier's shortfall said "(30 labels needed:
    toilaudit label)" in the risks and twice in Action 1."""
    text = " ".join(pages(changed))
    assert "(30 labelled items needed)" in text
    assert text.count("30 labelled items needed") >= 3  # the risk, Action 1's condition and its next step
    assert commands_named(text) == [] and files_named(text) == []


def test_the_operator_still_reads_the_command(changed):
    """`assess` is read at the terminal: there the shortfall names the command that closes it."""
    result = run("assess", db=changed.parent.parent / "audit.db")
    assert "toilaudit label" in result.output


def test_the_monthly_chart_says_why_it_is_in_hours_when_capacity_is_known(db, tmp_path):
    """The caption said "as capacity is not known" though the interview gave 4 engineers at 40 hours:
    the tickets record too little of that time to set toil against the cap."""
    export = steady_export(tmp_path / "steady.csv", services=("ledger",), labelled=False)
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    interview(db, answers_file(tmp_path, best, ("ledger",)))
    out = tmp_path / "r.pdf"
    assert run("report", "--out", str(out), "--date", "2026-11-25", db=db).exit_code == 0
    text = " ".join(pages(out))
    assert "capacity is not known" not in text
    assert re.search(r"in hours, each bar's toil hours above it: tickets and pages record only [\d.]+% of the 4 "
                     r"engineers' time, too little to set toil against the industry's 34% and Google's 50% cap", text)


def test_the_summary_takes_its_first_shorter_form_that_fits_and_its_shortest_where_none_does():
    from toilaudit.report.render import one_page_summary
    from toilaudit.report.view_model import SUMMARY_FORMS

    model = dataclasses.make_dataclass("Model", [("summary_form", int, dataclasses.field(default=0))])()
    tried: list[int] = []

    def fitting_from(form: int):
        def pages_of(shown) -> int:
            tried.append(shown.summary_form)
            return 1 if shown.summary_form >= form else 2
        return pages_of

    assert one_page_summary(model, fitting_from(2)).summary_form == 2 and tried == [1, 2]
    assert one_page_summary(model, fitting_from(99)).summary_form == SUMMARY_FORMS - 1
