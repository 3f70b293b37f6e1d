"""A service is one service whatever the case of its name: a Jira component "Backup" and a
PagerDuty service "backup" are counted, gated and written out once."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from toilaudit.report.guardrails import k8s_names

from helpers import EXAMPLES, run, run_json


def _store_with_one_service_in_two_spellings(db: Path, tmp_path: Path) -> None:
    jira = tmp_path / "jira.csv"
    jira.write_text("Issue key,Summary,Created,Component/s\n"
                    + "".join(f"OPS-{n},Restore file share from backup for user{n},2026-03-0{n} 10:00,Backup\n"
                              for n in range(1, 6)))
    pages = tmp_path / "pages.csv"
    pages.write_text("id,incident_number,description,service_name,created_on,resolved_on,urgency\n"
                     + "".join(f"Q{n},{n},Veeam job SQL-Daily failed,backup,2026-03-0{n}T02:00:00Z,"
                               f"2026-03-0{n}T02:20:00Z,low\n" for n in range(1, 4)))
    assert run("import", "jira", "--csv", str(jira), db=db).exit_code == 0
    assert run("import", "pagerduty", "--csv", str(pages), db=db).exit_code == 0


def test_one_service_in_two_spellings_is_gated_once_and_written_out_once(db, tmp_path):
    _store_with_one_service_in_two_spellings(db, tmp_path)
    answers = yaml.safe_load((EXAMPLES / "interview_answers.yaml").read_text())
    # the demo's answers for all services, and one for this service spelt as neither import spells it
    kept = [q for q in answers["questions"] if not q.get("service")]
    agents = next(q for q in kept if q["id"] == "ai.agents-today")
    kept.append({**agents, "service": "BACKUP", "answer": agents["choices"][0]})
    (tmp_path / "answers.yaml").write_text(yaml.safe_dump({**answers, "questions": kept}))
    assert run("interview", "--answers", str(tmp_path / "answers.yaml"), db=db).exit_code == 0
    assessed = run_json("assess", "--format", "json", db=db)
    assert [service["service"] for service in assessed["services"]] == ["Backup"]
    assert assessed["services"][0]["current_rung"] == "none"  # its own answer ("Nothing") counts, not the demo's
    out = tmp_path / "board" / "report.pdf"
    assert run("report", "--out", str(out), db=db).exit_code == 0
    inputs = sorted(path.name for path in (out.parent / "readiness-input").iterdir())
    assert inputs == ["backup.json"]
    assert json.loads((out.parent / "readiness-input" / "backup.json").read_text())
    # the service's figures count the items of both spellings
    items = run_json("items", "--service", "BACKUP", "--limit", "0", "--format", "json", db=db)
    assert len(items) == 8


def test_names_that_would_share_a_namespace_are_told_apart():
    names = k8s_names(["Payments API", "payments-api", "payments_api", "ledger"])
    assert names == {"Payments API": "payments-api", "payments-api": "payments-api-2",
                     "payments_api": "payments-api-3", "ledger": "ledger"}
    long = "x" * 70
    assert k8s_names([long, long.upper()]) == {long: "x" * 63, long.upper(): "x" * 61 + "-2"}
