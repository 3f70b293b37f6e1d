"""The rule pack: every rule's own examples, and overriding it with --rules."""

from __future__ import annotations

import re

import pytest

from toilaudit.classify.interface import RulePackError
from toilaudit.classify.rule_pack import load_rule_pack

from helpers import run, run_json

PACK = load_rule_pack()
CASES = [(r.id, text, True) for r in PACK.rules for text in r.examples_match] + [
    (r.id, text, False) for r in PACK.rules for text in r.examples_no_match
]


@pytest.mark.parametrize("rule_id, text, should_match", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_examples(rule_id, text, should_match):
    rule = next(r for r in PACK.rules if r.id == rule_id)
    assert bool(rule.pattern.search(text)) is should_match


def test_every_rule_is_documented_and_has_examples():
    ids = [r.id for r in PACK.rules]
    assert len(ids) == len(set(ids))
    for rule in PACK.rules:
        assert rule.why and rule.examples_match and rule.name.count(".") >= 1, rule.id


def test_user_pack_disables_overrides_and_adds():
    pack = load_rule_pack(
        "version: site-1\n"
        "disable: [T004]\n"
        "settings: {toil_threshold: 0.6, business_hours: '08:00-17:00', timezone: Europe/Paris}\n"
        "rules:\n"
        "  - {id: T001, name: toil.access, kind: toil, category: access, match: 'grant', weight: 0.7}\n"
        "  - {id: T500, name: toil.mainframe-ipl, kind: toil, category: mainframe, match: '\\bipl\\b'}\n"
    )
    ids = [r.id for r in pack.rules]
    assert "T004" not in ids and "T500" in ids
    assert next(r for r in pack.rules if r.id == "T001").weight == 0.7
    assert pack.settings.toil_threshold == 0.6 and pack.settings.business_hours == (8, 17)
    assert pack.version == "2026.11.7+site-1"


@pytest.mark.parametrize("text, message", [
    ("disable: [T999]", "disable names unknown rule(s) 'T999'"),
    ("settings: {coffee: 1}", "unknown setting 'coffee'"),
    ("settings: {timezone: Nowhere/City}", "setting timezone has a bad value"),
    ("rules:\n  - {id: X1, name: a.b, kind: toil, category: c, match: x}", "not an id - give it one like T001"),
    ("rules:\n  - {id: T600, name: a.b, kind: maybe, category: c, match: x}", "kind 'maybe' - use toil or not-toil"),
    ("rules: [", "not valid YAML"),
])
def test_bad_user_packs(text, message):
    with pytest.raises(RulePackError, match=re.escape(message)):
        load_rule_pack(text, "site.yaml")


def test_classify_with_rules_is_kept_for_later_imports(audited, tmp_path):
    rules = tmp_path / "site.yaml"
    rules.write_text("version: strict\nsettings: {toil_threshold: 0.95}\n")
    before = run_json("summary", "--format", "json", db=audited)["toil_items"]
    result = run("classify", "--rules", str(rules), db=audited)
    assert result.exit_code == 0 and "rule pack 2026.11.7+strict" in result.stdout
    after = run_json("summary", "--format", "json", db=audited)
    assert after["toil_items"] < before
    assert after["rule_pack"] == ["2026.11.7+strict"]
    listed = run_json("rules", "--format", "json", db=audited)
    assert listed["version"] == "2026.11.7+strict"
