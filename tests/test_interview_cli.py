"""interview --template / --answers, assess and gate, as commands."""

from __future__ import annotations

import json

import yaml

from helpers import run, run_json


def filled(tmp_path, choose, org="Northbank", interviewee="payments", name="answers.yaml"):
    template = yaml.safe_load(run("interview", "--template").stdout)
    template["org"], template["interviewee"] = org, interviewee
    for question in template["questions"]:
        question["answer"] = choose(question)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(template, sort_keys=False))
    return path


def best(q):
    return 90 if q.get("type") == "number" else len(q["choices"])


def worst(q):
    return 0 if q.get("type") == "number" else q["choices"][0]


def test_template_lists_every_question_with_allowed_answers():
    data = yaml.safe_load(run("interview", "--template").stdout)
    assert "org" in data and data["services"] == [] and len(data["questions"]) == 40
    for question in data["questions"]:
        assert question["answer"] is None and question["id"] and question["text"]
        assert question.get("type") == "number" or len(question["choices"]) >= 2
        assert "level" not in question  # the person answering does not see what is tested
    per_service = [q for q in data["questions"] if "service" in q]
    assert [q["id"] for q in per_service] == ["ai.agents-today", "ai.shadow-period-days", "ai.shadow-accuracy",
                                              "ai.decision-provenance", "ai.rollback"]
    assert all(q["service"] is None for q in per_service)


def test_template_repeats_per_service_questions_for_each_service_named():
    data = yaml.safe_load(run("interview", "--template", "--service", "payments", "--service", "ledger").stdout)
    assert data["services"] == ["payments", "ledger"]
    assert [q["service"] for q in data["questions"] if q["id"] == "ai.rollback"] == ["payments", "ledger"]


def test_most_mature_answers_with_steady_data_allow(steady, tmp_path):
    assert run("interview", "--answers", str(filled(tmp_path, best)), db=steady).exit_code == 0
    data = run_json("assess", "--format", "json", db=steady)
    assert (data["platform_level"], data["sre_level"], data["overall_level"]) == ("Autonomous",) * 3
    assert data["ai_readiness"] == "Agentic AI with guardrails"
    assert data["gate"]["allow"] is True and data["gate"]["failing"] == []
    assert [(s["service"], s["allowed_rung"]) for s in data["services"]] == [("ledger", "agentic"),
                                                                             ("payments-api", "agentic")]
    result = run("gate", db=steady)
    assert result.exit_code == 0
    assert result.stdout == ("ALLOWED: all 2 services may move to agentic AI with guardrails: every condition holds "
                             "and Table 3 allows it at Autonomous.\n")


def test_most_mature_answers_are_checked_against_a_year_of_tickets(audited, tmp_path):
    """The bundled year holds repeated provisioning and access tickets: claimed self-service is not met."""
    assert run("interview", "--answers", str(filled(tmp_path, best)), db=audited).exit_code == 0
    data = run_json("assess", "--format", "json", db=audited)
    assert data["platform_level"] == "Foundation" and data["sre_level"] == "Autonomous"
    assert data["contradictions"][0].startswith("platform.provisioning: answered 'Self-service")
    result = run("gate", db=audited)
    assert result.exit_code == 1 and "maturity fails" in result.stdout


def test_least_mature_answers_deny(db, tmp_path):
    assert run("interview", "--answers", str(filled(tmp_path, worst)), db=db).exit_code == 0
    data = run_json("assess", "--format", "json", db=db)
    assert data["overall_level"] == "Foundation" and data["ai_readiness"] == "Not ready"
    result = run("gate", db=db)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == ("DENIED: all services may not move to agentic AI with guardrails yet. Failing, in the order "
                        "of the four actions:")
    order = [line.split()[2] for line in lines[1:]]
    assert order == ["toil_measured", "slo_defined", "error_budget_policy", "decision_provenance",
                     "rollback_automated", "shadow_period_days", "maturity"]
    assert [line.split()[1] for line in lines[1:]] == ["1", "2", "2", "3", "3", "4", "4"]
    assert lines[-1] == ("  Action 4  maturity fails - overall maturity is Foundation, where Table 3 allows no agents "
                         "(Not ready); agentic AI with guardrails needs Autonomous")
    opa = json.loads(run("gate", "--format", "opa-input", db=db).stdout)
    assert opa == {"slo_defined": False, "error_budget_policy": False, "shadow_period_days": 0,
                   "decision_provenance": False, "rollback_automated": False, "toil_measured": False,
                   "service": "all services", "rung": "agentic", "maturity_level": 1}


def test_bad_answer_names_question_and_allowed_values(db, tmp_path):
    path = filled(tmp_path, lambda q: "maybe" if q["id"] == "sre.slo-defined" else None)
    result = run("interview", "--answers", str(path), db=db)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: answers.yaml: question sre.slo-defined: 'maybe' is not allowed - use 1 'No'; 2 'For a few "
        "services'; 3 'For all critical services'; or unknown"
    )
    assert run("assess", db=db).exit_code == 2  # nothing was saved


def test_numbers_and_unknowns_in_answers_file(db, tmp_path):
    path = filled(tmp_path, lambda q: "-3" if q.get("type") == "number" else None)
    result = run("interview", "--answers", str(path), db=db)
    assert result.exit_code == 2 and "ai.shadow-period-days: '-3' is not allowed" in result.stderr
    path = filled(tmp_path, lambda q: "unknown" if q.get("type") == "number" else 1)
    result = run("interview", "--answers", str(path), db=db)
    assert result.exit_code == 0
    assert result.stdout.startswith("Saved 40 answers for Northbank (payments): 37 given, 3 unknown. ")


def test_a_number_beyond_its_range_is_refused_in_a_file_and_counts_as_unknown_when_stored(db, tmp_path):
    template = yaml.safe_load(run("interview", "--template").stdout)
    ranges = {q["id"]: q["range"] for q in template["questions"] if q.get("type") == "number"}
    assert ranges["ai.shadow-period-days"] == "0 to 3,650 days"
    path = filled(tmp_path, lambda q: 99999 if q["id"] == "ai.shadow-period-days" else best(q))
    result = run("interview", "--answers", str(path), db=db)
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: answers.yaml: question ai.shadow-period-days: 99999 is not allowed - use "
                                     "a number from 0 to 3,650 days, or unknown")
    # a store that took 99999 before the bank had a range: the number is no evidence of a shadow trial
    assert run("interview", "--answers", str(filled(tmp_path, best)), db=db).exit_code == 0
    from toilaudit.store import open_store

    store = open_store(str(db))
    try:
        store.save_answer("Northbank", "payments", "ai.shadow-period-days", "99999", "")
    finally:
        store.close()
    data = run_json("assess", "--format", "json", db=db)
    assert data["open_questions"] == ["ai.shadow-period-days@all services"]
    assert "shadow_period_days" in data["gate"]["failing"]


def test_the_counts_add_up_with_questions_left_blank(db, tmp_path):
    template = yaml.safe_load(run("interview", "--template").stdout)
    template["org"], template["interviewee"] = "Northbank", "platform"
    for number, question in enumerate(template["questions"]):  # 11 given, 5 said unknown, the rest left out
        if number < 11:
            question["answer"] = 1
        elif number < 16:
            question["answer"] = "unknown"
    template["questions"] = template["questions"][:16] + template["questions"][28:]
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(template, sort_keys=False))
    result = run("interview", "--answers", str(path), db=db)
    assert result.exit_code == 0
    assert result.stdout.startswith("Saved 40 answers for Northbank (platform): 11 given, 29 unknown (24 left blank). ")


def test_template_says_why_each_question_matters():
    from toilaudit.maturity.bank import load_bank

    why = {q.id: q.why for q in load_bank().questions}
    data = yaml.safe_load(run("interview", "--template").stdout)
    assert all(question["why"] == why[question["id"]] and question["why"] for question in data["questions"])
    assert list(data["questions"][0]) == ["id", "track", "text", "why", "choices", "answer", "note"]


def test_interviewees_are_kept_apart_and_combined(audited, tmp_path):
    run("interview", "--answers", str(filled(tmp_path, best, interviewee="platform", name="a.yaml")), db=audited)
    assert run_json("assess", "--format", "json", db=audited)["sre_level"] == "Autonomous"
    run("interview", "--answers", str(filled(tmp_path, worst, interviewee="payments", name="b.yaml")), db=audited)
    data = run_json("assess", "--format", "json", db=audited)
    assert data["interviewees"] == ["payments", "platform"]
    assert data["sre_level"] == "Foundation"


def test_no_terminal_says_use_answers(db):
    result = run("interview", "--org", "X", db=db)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: interview: no terminal - pass --answers FILE (see --template)"


def test_assess_without_interview(audited):
    result = run("assess", db=audited)
    assert result.exit_code == 2 and "run toilaudit interview" in result.stderr


def test_several_orgs_need_org(db, tmp_path):
    run("interview", "--answers", str(filled(tmp_path, best, org="A", name="a.yaml")), db=db)
    run("interview", "--answers", str(filled(tmp_path, best, org="B", name="b.yaml")), db=db)
    result = run("gate", db=db)
    assert result.exit_code == 2 and "several organisations interviewed (A, B) - pass --org NAME" in result.stderr
    assert run("gate", "--org", "A", db=db).exit_code == 1  # no toil data in this store


def test_an_org_differing_only_in_case_is_the_one_interviewed(audited, tmp_path):
    """--org 'northbank' (or an answers file's org: northbank) is Northbank, not a second organisation."""
    run("interview", "--answers", str(filled(tmp_path, best, name="a.yaml")), db=audited)
    lower = run("interview", "--answers", str(filled(tmp_path, worst, org="northbank", interviewee="ops",
                                                      name="b.yaml")), db=audited)
    assert lower.exit_code == 0, lower.output
    assert "organisation 'northbank' is taken as 'Northbank'" in lower.stderr
    assert "answers for Northbank (ops)" in lower.stdout
    data = run_json("assess", "--org", "NORTHBANK", "--format", "json", db=audited)
    assert data["org"] == "Northbank" and data["interviewees"] == ["ops", "payments"]
    assert run("summary", "--org", "northbank", db=audited).exit_code == 0
    other = run("summary", "--org", "Southbank", db=audited)
    assert other.exit_code == 2
    assert "no interview answers for 'Southbank' (interviewed: 'Northbank')" in other.stderr
    assert run("interview", "--discard", "--org", "northbank", "--interviewee", "ops", db=audited).exit_code == 0
    assert run_json("assess", "--format", "json", db=audited)["interviewees"] == ["payments"]
