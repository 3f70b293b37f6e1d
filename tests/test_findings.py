"""Issue #13, finding by finding: verdicts a board can act on. Each case is driven by an answers file."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from pypdf import PdfReader

from conftest import steady_export
from helpers import EXAMPLES, mostly_blank_pages, run, run_json

SERVICES = ("ledger", "payments-api")


def answers_file(tmp_path, choose, org="Northbank", interviewee="leads", name="answers.yaml", services=(),
                 extra=()):
    """A filled-in template: `choose(question)` answers each entry; `extra` adds per-service entries."""
    args = ["interview", "--template"] + [arg for s in services for arg in ("--service", s)]
    template = yaml.safe_load(run(*args).stdout)
    template["org"], template["interviewee"] = org, interviewee
    for question in template["questions"]:
        question["answer"] = choose(question)
    for service, question_id, answer in extra:
        template["questions"].append({"id": question_id, "service": service, "answer": answer})
    path = tmp_path / name
    path.write_text(yaml.safe_dump(template, sort_keys=False))
    return path


def best(q):
    if q["id"] == "capacity.ops-engineers":
        return 4
    if q["id"] == "capacity.hours-per-week":
        return 40
    return 90 if q.get("type") == "number" else len(q["choices"])


def worst(q):
    return 0 if q.get("type") == "number" else 1


def but(**changes):
    """Best answers, except these (question id with dashes and dots as underscores -> answer)."""
    wanted = {key.replace("__", ".").replace("_", "-"): value for key, value in changes.items()}
    return lambda q: wanted.get(q["id"], best(q))


def interview(db, path):
    result = run("interview", "--answers", str(path), db=db)
    assert result.exit_code == 0, result.output


def report_json(db, tmp_path, *args, name="r.json"):
    out = tmp_path / name
    result = run("report", "--out", str(out), "--date", "2026-11-25", *args, db=db)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def pdf_text(path) -> str:
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(str(path)).pages))


# ------------------------------------------------------------------ 1. one verdict, never against Table 3
def test_contradiction_case_denies_with_the_maturity_reason(steady, tmp_path):
    """Provisioning and IDP at the lowest level, everything else at the top: Foundation, and every rung denied
    for maturity alone; the report, its ladder and its RBAC file say the same."""
    interview(steady, answers_file(tmp_path, but(platform__provisioning=1, platform__idp=1)))
    data = run_json("assess", "--format", "json", db=steady)
    assert (data["overall_level"], data["ai_readiness"]) == ("Foundation", "Not ready")
    assert data["evidence"]["toil_measured"] is True
    for rung in ("shadow", "supervised-write", "agentic"):
        result = run("gate", "--rung", rung, db=steady)
        assert result.exit_code == 1
        reasons = [line.split()[2] for line in result.stdout.splitlines()[1:]]
        assert reasons == ["maturity"], result.stdout
    result = run("gate", "--service", "payments-api", db=steady)
    assert result.stdout == (
        "DENIED: payments-api may not move to agentic AI with guardrails yet. Failing, in the order of the four "
        "actions:\n  Action 4  maturity fails - overall maturity is Foundation, where Table 3 allows no agents "
        "(Not ready); agentic AI with guardrails needs Autonomous\n")

    model = report_json(steady, tmp_path)
    assert model["gate_allow"] is False and model["services_allowed"] == 0
    assert [(s["name"], s["current_rung"], s["allowed_rung"], s["above_allowed"]) for s in model["services"]] == [
        ("ledger", "Agentic AI with guardrails", "none", True), ("payments-api", "Agentic AI with guardrails", "none",
                                                                 True)]
    assert all(not rung["services_allowed"] for rung in model["rungs"])
    assert [rung["table3_allows"] for rung in model["rungs"]] == [False, False, False, False]
    action4 = model["actions"][3]
    assert action4["status"] != "done" and {"name": "maturity", "state": "fails"}.items() <= action4["conditions"][1].items()
    assert model["risks"][0]["title"] == "Agents run beyond what the gate allows on 2 services"

    run("report", "--out", str(tmp_path / "board" / "r.html"), db=steady)
    documents = list(yaml.safe_load_all((tmp_path / "board" / "rbac-trust-ladder.yaml").read_text()))
    assert [d["kind"] for d in documents] == ["ServiceAccount"]  # no production write, no binding at all


@pytest.mark.parametrize("platform_level, allowed", [(2, "read-only"), (3, "shadow"), (4, "supervised-write"),
                                                     (5, "agentic")])
def test_report_ladder_and_rbac_agree_with_gate(steady, tmp_path, platform_level, allowed):
    def choose(q):
        return best(q) if not q["id"].startswith("platform.") or _level(q["id"]) <= platform_level else 1
    interview(steady, answers_file(tmp_path, choose))
    model = report_json(steady, tmp_path)
    run("report", "--out", str(tmp_path / "board" / "r.html"), db=steady)
    documents = list(yaml.safe_load_all((tmp_path / "board" / "rbac-trust-ladder.yaml").read_text()))
    bindings = {d["metadata"]["namespace"]: d["roleRef"]["name"] for d in documents if d["kind"] == "RoleBinding"}
    role = {"read-only": "ai-agent-readonly", "shadow": "ai-agent-readonly", "supervised-write":
            "ai-agent-scoped-write", "agentic": "ai-agent-production-write"}[allowed]
    assert bindings == {"ledger": role, "payments-api": role}
    for service in model["services"]:
        verdicts = {v["rung"]: v["allow"] for v in service["verdicts"]}
        for rung, name in (("shadow", "Shadow mode"), ("supervised-write", "Supervised write"),
                           ("agentic", "Agentic AI with guardrails")):
            exit_code = run("gate", "--service", service["name"], "--rung", rung, db=steady).exit_code
            assert exit_code == (0 if verdicts[name] else 1)
    assert {rung["key"]: rung["services_allowed"] for rung in model["rungs"]}[allowed] == list(SERVICES)
    if allowed == "supervised-write":
        canary = next(d for d in documents if d["kind"] == "Role" and d["metadata"]["namespace"] == "ledger")
        assert canary["rules"][1]["resourceNames"] == ["ledger-canary"]


def _level(question_id: str) -> int:
    from toilaudit.maturity.bank import load_bank

    return load_bank().by_id()[question_id].level or 0


# --------------------------------------------------------------------- 2. toil_measured, scoped and hard to earn
def test_two_tickets_35_days_apart_do_not_measure_toil(db, tmp_path):
    export = tmp_path / "two.csv"
    export.write_text("Issue key,Summary,Created,Labels\nOPS-1,Restart api-1,2026-01-01 10:00,toil\n"
                      "OPS-2,Restart api-2,2026-02-05 10:00,toil\n")
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    interview(db, answers_file(tmp_path, best))
    data = run_json("assess", "--format", "json", db=db)
    assert data["evidence"]["toil_measured"] is False
    assert data["evidence"]["shortfalls"] == [
        "its items fall in at most 1 consecutive week(s) spanning 0 days (4 weeks over 30+ days needed)",
        "2 of its items are labelled toil or not toil by a person; 30 are needed to check the classifier against its "
        "own items (toilaudit label)"]
    assert data["contradictions"][0].startswith("sre.toil-tracked: answered 'Measured continuously', but its items")
    result = run("gate", db=db)
    assert result.exit_code == 1 and result.stdout.splitlines()[1].split()[2] == "toil_measured"


def test_a_no_stands_on_weak_data_and_falls_on_strong_data(steady, tmp_path):
    weak = tmp_path / "weak.db"
    export = steady_export(tmp_path / "weak.csv", weeks=2)
    assert run("import", "jira", "--csv", str(export), db=weak).exit_code == 0
    interview(weak, answers_file(tmp_path, but(sre__toil_tracked=1), name="weak.yaml"))
    modest = run_json("assess", "--format", "json", db=weak)
    assert modest["evidence"]["toil_measured"] is False and modest["sre_level"] == "Standardized"
    assert not any(c.startswith("sre.toil-tracked") for c in modest["contradictions"])
    interview(steady, answers_file(tmp_path, but(sre__toil_tracked=1)))
    strong = run_json("assess", "--format", "json", db=steady)
    assert strong["evidence"]["toil_measured"] is True and strong["sre_level"] == "Autonomous"
    assert "counted as met on that evidence" in strong["contradictions"][0]


def test_the_classifier_must_be_measured_on_the_organisations_items(db, tmp_path):
    export = steady_export(tmp_path / "unlabelled.csv", labelled=False)
    assert run("import", "jira", "--csv", str(export), db=db).exit_code == 0
    interview(db, answers_file(tmp_path, best))
    data = run_json("assess", "--format", "json", db=db)
    assert data["evidence"]["toil_measured"] is False
    assert data["evidence"]["shortfalls"] == [
        "none of its items is labelled toil or not toil by a person, so the classifier is not checked against them "
        "(30 labels needed: toilaudit label)"]
    labels = tmp_path / "labels.csv"
    labels.write_text("key,label\n" + "".join(f"ST-{n},toil\n" for n in range(1, 41)))
    assert run("label", "--from", str(labels), "--by", "two SREs, by hand", db=db).exit_code == 0
    data = run_json("assess", "--format", "json", db=db)
    assert data["evidence"]["toil_measured"] is True
    assert data["evidence"]["classifier"]["labels_from"][0].endswith("labelled by two SREs, by hand")


def test_evidence_is_read_from_the_organisation_assessed(steady, tmp_path):
    interview(steady, answers_file(tmp_path, best, org="Northbank", name="a.yaml", services=SERVICES))
    interview(steady, answers_file(tmp_path, best, org="Southbank", name="b.yaml", services=("cards",)))
    north = run_json("assess", "--org", "Northbank", "--format", "json", db=steady)
    south = run_json("assess", "--org", "Southbank", "--format", "json", db=steady)
    assert north["evidence"]["toil_measured"] is True and north["evidence"]["items"] == 80
    assert south["evidence"]["toil_measured"] is False and south["evidence"]["items"] == 0
    assert south["evidence"]["shortfalls"] == ["no tickets or pages of Southbank are imported"]
    assert run("gate", "--org", "Southbank", db=steady).exit_code == 1
    # an organisation that named no services shares the store with others: none of the items are its own
    interview(steady, answers_file(tmp_path, best, org="Westbank", name="c.yaml"))
    west = run_json("assess", "--org", "Westbank", "--format", "json", db=steady)
    assert west["evidence"]["toil_measured"] is False
    assert "share this store and Westbank named no services" in west["evidence"]["shortfalls"][0]
    result = run("report", "--org", "Westbank", "--out", str(tmp_path / "w.pdf"), db=steady)
    assert result.exit_code == 2 and "name its services with toilaudit interview" in result.stderr


# ------------------------------------------------------------------------------------ 3. per service
def test_each_service_gets_its_own_gate(steady, tmp_path):
    extra = [("payments-api", "ai.shadow-period-days", 45)]
    interview(steady, answers_file(tmp_path, but(ai__shadow_period_days=0), extra=extra))
    assert run("gate", "--service", "payments-api", db=steady).exit_code == 0
    ledger = run("gate", "--service", "ledger", db=steady)
    assert ledger.exit_code == 1
    assert ledger.stdout.splitlines()[1] == "  Action 4  shadow_period_days fails - 0 day(s) of shadow mode count (30 needed)"
    both = run("gate", db=steady)
    assert both.exit_code == 1 and both.stdout.startswith(
        "DENIED: 1 of 2 services may not move to agentic AI with guardrails yet (payments-api may).")
    assert run("gate", "--service", "ledger", "--rung", "shadow", db=steady).exit_code == 0
    document = json.loads(run("gate", "--service", "payments-api", "--format", "opa-input", db=steady).stdout)
    assert document["shadow_period_days"] == 45 and document["service"] == "payments-api"
    unknown = run("gate", "--service", "cards", db=steady)
    assert unknown.exit_code == 2 and "no service 'cards' in scope (services: ledger, payments-api)" in unknown.stderr
    many = run("gate", "--format", "opa-input", db=steady)
    assert many.exit_code == 2 and "pass --service NAME for its input document" in many.stderr
    model = report_json(steady, tmp_path)
    assert [(s["name"], s["allowed_rung"], s["gate_allow"], s["gate_failing"]) for s in model["services"]] == [
        ("ledger", "Shadow mode", False, ["shadow_period_days"]),
        ("payments-api", "Agentic AI with guardrails", True, [])]


def test_a_trial_without_a_written_threshold_does_not_count(steady, tmp_path):
    interview(steady, answers_file(tmp_path, but(ai__shadow_accuracy=2)))
    result = run("gate", "--service", "ledger", db=steady)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == (
        "  Action 4  shadow_period_days fails - 0 day(s) of shadow mode count (30 needed); 90 were run, but the "
        "trial met no accuracy threshold written down before it started")


# ----------------------------------------------------------------------------- 4. toil against capacity
def test_toil_is_set_against_capacity_and_people_over_half_their_time_are_flagged(steady, tmp_path):
    interview(steady, answers_file(tmp_path, but(capacity__ops_engineers=2, capacity__hours_per_week=0.2)))
    data = run_json("summary", "--format", "json", db=steady)
    capacity = data["capacity"]
    assert capacity["engineers"] == 2 and capacity["hours_per_week"] == 0.2
    expected = round(100 * data["hours"]["toil"] / (2 * 0.2 * capacity["weeks"]), 1)  # both rounded in the JSON
    assert capacity["toil_percent_of_capacity"] == pytest.approx(expected, rel=0.002) and expected > 50
    assert [p["name"] for p in capacity["people_over_cap"]] == ["engineer0", "engineer1"]
    text = run("summary", db=steady).stdout
    expected = capacity["toil_percent_of_capacity"]
    assert f"toil is {expected}% of the working time of 2 engineers at 0.2 h a week" in text
    assert "above Google's 50% cap" in text and "Over 50% of their time on toil: engineer0" in text
    model = report_json(steady, tmp_path)
    assert model["headline"]["capacity"]["toil_percent"] == expected
    # above the cap even as a floor: the trend is drawn as shares of capacity, against both lines
    assert model["trend"]["unit"] == "% of capacity" and [r["label"] for r in model["trend"]["references"]] == [
        "industry 34%", "Google's cap 50%"]
    assert [p["name"] for p in model["by_person"] if p["over_cap"]] == ["Engineer A", "Engineer B"]
    assert model["people_over_cap"] == ["Engineer A", "Engineer B"]


def test_without_capacity_the_recorded_share_is_never_set_against_the_cap(audited, tmp_path):
    interview(audited, answers_file(tmp_path, lambda q: None if q["id"].startswith("capacity.") else best(q)))
    summary = run_json("summary", "--format", "json", db=audited)
    assert summary["capacity"] is None
    out = tmp_path / "r.pdf"
    assert run("report", "--out", str(out), db=audited).exit_code == 0
    text = pdf_text(out)
    share = summary["toil_percent"]
    assert f"{share}% is toil" in text
    assert "How toil compares with Google's 50% cap and the industry's 34% is not known" in text
    assert not re.search(rf"{re.escape(str(share))}%[^.]*(under|above) (Google|the industry)", text)


# ------------------------------------------------------------------------------------------ 5. the ask
def test_each_action_carries_effort_cost_saving_payback_status_and_conditions(audited, tmp_path):
    interview(audited, EXAMPLES / "interview_answers.yaml")
    cheap = report_json(audited, tmp_path, "--hourly-rate", "50", name="cheap.json")
    dear = report_json(audited, tmp_path, "--hourly-rate", "100", name="dear.json")
    for action in dear["actions"]:
        assert {"effort_person_weeks", "cost", "hours_saved_per_month", "payback_months", "status",
                "conditions", "owner", "target"} <= set(action)
        assert action["cost"] == round(action["effort_person_weeks"] * 40 * 100)
        assert action["status"] == ("done" if all(c["state"] == "holds" for c in action["conditions"]) else
                                    "not started" if all(c["state"] == "fails" for c in action["conditions"])
                                    else "partly")
        if action["hours_saved_per_month"]:
            assert action["payback_months"] == round(action["effort_person_weeks"] * 40 / action["hours_saved_per_month"], 1)
        else:
            assert action["payback_months"] is None
    assert [a["cost"] * 2 for a in cheap["actions"]] == [a["cost"] for a in dear["actions"]]
    assert [a["payback_months"] for a in cheap["actions"]] == [a["payback_months"] for a in dear["actions"]]
    assert [(a["owner"], a["target"]) for a in dear["actions"]] == [("", "")] * 4  # blanks to fill in
    returns = [c["hours_saved_per_person_week"] for c in dear["candidates"]]
    assert returns == sorted(returns, reverse=True) and returns[0] > 0
    assert dear["decisions"][0]["text"].startswith("Fund Action 1")
    assert ("Hours in a person-week", "40") in [tuple(row) for row in dear["assumptions"]]


def test_owners_and_dates_come_from_the_plan_and_assumptions_from_their_file(audited, tmp_path):
    interview(audited, EXAMPLES / "interview_answers.yaml")
    plan = tmp_path / "plan.yaml"
    plan.write_text("owner: CTO\nstatus: For decision on 2026-12-10\nclassification: Strictly confidential\n"
                    "actions:\n  3: {owner: Head of SRE, target: 2027-09-30}\n")
    settings = tmp_path / "assumptions.yaml"
    settings.write_text(run("report", "--print-assumptions").stdout.replace(
        "default: {effort_person_weeks: 2, saving_share: 0.7}", "default: {effort_person_weeks: 9, saving_share: 0.7}")
        .replace("version: default-1", "version: northbank-1"))
    model = report_json(audited, tmp_path, "--plan", str(plan), "--assumptions", str(settings))
    assert model["cover"] == {"status": "For decision on 2026-12-10", "owner": "CTO",
                              "classification": "Strictly confidential"}
    assert (model["actions"][2]["owner"], model["actions"][2]["target"]) == ("Head of SRE", "2027-09-30")
    assert ["Settings", "northbank-1"] in model["assumptions"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("actions:\n  1: {owner: x, target: next spring}\n")
    result = run("report", "--out", str(tmp_path / "x.json"), "--plan", str(bad), db=audited)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: bad.yaml: action 1: target 'next spring' is not a date - write YYYY-MM-DD"


# --------------------------------------------------------------------------------- history
def test_the_report_compares_with_the_previous_assessment(steady, tmp_path):
    interview(steady, answers_file(tmp_path, but(platform__idp=1)))
    assert run("assess", db=steady).exit_code == 0  # kept
    interview(steady, answers_file(tmp_path, best))
    model = report_json(steady, tmp_path)
    assert model["previous_date"] is not None
    changes = {c["what"]: (c["before"], c["now"]) for c in model["changes"]}
    assert changes["Overall level"] == ("Foundation", "Autonomous")
    assert changes["Gate: maturity (Table 3)"] == ("fails on 2 of 2 services", "holds")
    assert changes["ledger: highest rung allowed"] == ("none", "Agentic AI with guardrails")
    assert changes["Toil, share of recorded time"][0] == changes["Toil, share of recorded time"][1]
    again = report_json(steady, tmp_path, name="again.json")  # the same inputs: the same comparison
    assert again["changes"] == model["changes"]


# ---------------------------------------------------------------------------- 6. interviewees combined
def test_a_team_running_autonomous_agents_is_not_hidden(steady, tmp_path):
    extra = [("payments-api", "ai.agents-today", "Autonomous, with guardrails")]
    interview(steady, answers_file(tmp_path, but(ai__agents_today=1), interviewee="payments", name="a.yaml",
                                   extra=extra))
    interview(steady, answers_file(tmp_path, but(ai__agents_today=1, sre__slo_defined=1), interviewee="platform",
                                   name="b.yaml"))
    data = run_json("assess", "--format", "json", db=steady)
    assert {s["service"]: s["current_rung"] for s in data["services"]} == {"ledger": "none",
                                                                           "payments-api": "agentic"}
    assert data["sre_level"] == "Foundation"  # one team without SLOs: the gate condition fails
    assert "slo_defined" in data["gate"]["failing"]


# ---------------------------------------------------------------------------- 7. report details
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo13")
    result = run("demo", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out / "toilaudit-report.pdf"


def test_board_text_names_no_command_and_no_file(demo):
    text = pdf_text(demo)
    assert not re.search(r"toilaudit (import|summary|evaluate|interview|assess|gate|report|demo|classify)\b", text)
    assert not re.search(r"\S+\.(ya?ml|csv|json|rego|pdf|db)\b", text), re.findall(r"\S+\.(?:ya?ml|csv|json|rego)\b", text)
    assert not re.search(r"(^|\s)--[a-z]", text)


def test_report_details_the_board_asked_for(demo):
    text = pdf_text(demo)
    assert '"SRE for AI Agents: Error Budgets, Trust, and 90 Trials"' in text
    assert "labelled by the generator of the example data (not people)" in text and "by people" not in text
    assert "Confidential - board and risk committee only" in text and "Draft for the board risk committee" in text
    assert "Owner Head of Platform & SRE, Northbank Financial" in text
    assert "The three biggest risks" in text
    assert "The interview record" in text and "Platform & SRE leads" in text
    assert "* Partial month: the data begins on 24 Nov 2025." in text
    assert ("Period Nov 2025 to Oct 2026 (the last 12 full months of the data; Nov 2026 is left out, still running "
            "at the latest import on 24 Nov 2026; the data begins on 24 Nov 2025)") in text
    assert not re.search(r"\b2[56]-\d\d\b", text)  # no "25-11" axis labels
    assert "Where answers and data disagree" in text
    asked = "How does a team usually get a new environment, for example a database or a service account?"
    assert f"Asked \u201c{asked}\u201d, answered 'Self-service" in text
    assert "platform.provisioning: answered" not in text  # the board reads the question, not its id


def test_report_figures_add_up(audited, tmp_path):
    interview(audited, EXAMPLES / "interview_answers.yaml")
    model = report_json(audited, tmp_path)
    bars = model["category_chart"]["bars"]
    assert bars[-1]["label"].startswith("other (") and bars[-1]["other"]
    bar_hours = sum(float(b["value_text"].split()[0].replace(",", "")) for b in bars)
    assert abs(bar_hours - model["headline"]["toil_hours"]) <= len(bars)
    trend = model["trend"]
    # the demo's records cover 3% of its engineers' time: shares of capacity would be floors, so hours
    assert model["headline"]["capacity"]["comparable"] is False and trend["unit"] == "hours"
    # the last 12 full months: the data begins inside the first, and the last is whole
    assert trend["bars"][0]["partial"] and not trend["bars"][-1]["partial"] and not trend["bars"][1]["partial"]
    assert trend["bars"][0]["label"] == "Nov*" and trend["bars"][0]["year"] == "2025"
    assert trend["bar_unit"] == "month" and len(trend["bars"]) == 12
    assert all(r["title"] for r in model["risks"]) and len(model["risks"]) == 3
    both_level = [r for r in model["risks"] if "maturity cap" in r["title"]]
    assert both_level and both_level[0]["title"].startswith("Platform maturity caps")  # platform 1 < SRE 2


def test_no_page_is_mostly_blank(demo, tmp_path):
    assert mostly_blank_pages(demo, tmp_path) == []


def test_the_services_table_breaks_no_header_mid_word(demo):
    [page] = [p.extract_text() for p in PdfReader(demo).pages if "Each service's rung and verdict" in p.extract_text()]
    table = page[page.index("Each service's rung and verdict"):]
    for header in ("Shadow", "Supervised", "Agentic"):  # at narrow widths they broke as "Supervise|d"
        assert re.search(rf"\b{header}\b", table), header


def test_figures_narrowed_to_the_services_named_say_so(steady, tmp_path):
    """After an interview naming one service, summary and report count that service's items, and say
    how many of the items imported that is: never "imported" for a part of them."""
    interview(steady, answers_file(tmp_path, best, services=("payments-api",)))
    data = run_json("summary", "--format", "json", db=steady)
    assert data["services"] == ["payments-api"] and data["items_imported"] == 80
    table = run("summary", db=steady).stdout
    assert "Counting the items of the organisation's services (payments-api): 40 of the 80 items imported" in table
    model = report_json(steady, tmp_path)
    jira = next(s for s in model["sources"] if s["name"] == "Jira")
    assert (jira["items"], jira["imported"]) == (40, 80)
    out = tmp_path / "r.pdf"
    assert run("report", "--out", str(out), "--date", "2026-11-25", db=steady).exit_code == 0
    assert "Jira: 40 items of the organisation's services (of 80 imported)" in pdf_text(out)


def test_a_source_none_of_whose_items_is_in_scope_is_still_named(steady, tmp_path):
    """Narrowed to a service only PagerDuty knows, the report names the Jira export too, with 0 in
    scope: a board must see what was left out, not only what was counted."""
    assert run("import", "pagerduty", "--csv", str(EXAMPLES / "pagerduty_incidents.csv"), db=steady).exit_code == 0
    interview(steady, answers_file(tmp_path, best, services=("kyc-service",)))
    out = tmp_path / "r.pdf"
    assert run("report", "--out", str(out), "--date", "2026-11-25", db=steady).exit_code == 0
    text = pdf_text(out)
    assert "Jira: 0 items of the organisation's services (of 80 imported)" in text
    assert "PagerDuty: 69 items of the organisation's services (of 320 imported)" in text


def test_the_board_reads_the_failing_gate_conditions_in_words(steady, tmp_path):
    interview(steady, answers_file(tmp_path, worst))
    out = tmp_path / "r.pdf"
    assert run("report", "--out", str(out), "--date", "2026-11-25", db=steady).exit_code == 0
    text = pdf_text(out)
    failing = text[text.index("Failing, in the order of the four actions:"):][:400]
    assert "an error-budget policy" in failing and "decision provenance" in failing
    assert "_" not in failing.split(".")[0]  # no condition id (error_budget_policy, ...)
    assert "Decision provenance and a 30-day shadow period fail: the gate conditions an agent's audit trail rests on" in text


def test_an_audit_that_has_begun_is_partly_done_and_its_conditions_read_in_words(db, tmp_path):
    assert run("import", "jira", "--csv", str(steady_export(tmp_path / "steady.csv", labelled=False)), db=db).exit_code == 0
    interview(db, EXAMPLES / "interview_answers.yaml")
    data = report_json(db, tmp_path)
    audit = data["actions"][0]
    # items are imported but none is labelled: toil tracking has begun, it is not yet measured
    assert [c["state"] for c in audit["conditions"]] == ["partly"] and audit["status"] == "partly"
    assert "are the audit's evidence so far" in audit["evidence"]
    slos = data["actions"][1]
    assert slos["evidence"].startswith("SLOs defined: ") and "slo_defined" not in slos["evidence"]
