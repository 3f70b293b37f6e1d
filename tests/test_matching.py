"""Rule matching through RE2 must answer exactly what Python's `re` answers."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa

from toilaudit.classify.interface import Rule
from toilaudit.classify.matching import match_rules
from toilaudit.classify.rule_pack import load_rule_pack
from toilaudit.classify.templates import match_texts

FIXTURES = Path(__file__).parent / "fixtures"


def rule(rule_id: str, pattern: str) -> Rule:
    return Rule(id=rule_id, name="test.rule", category="test", kind="toil", weight=0.5,
                pattern=re.compile(pattern, re.IGNORECASE), why="")


def python_answer(rules, texts):
    return {r.id: [r.pattern.search(t) is not None for t in texts] for r in rules}


def check(rules, texts):
    found = match_rules(pa.array(texts, pa.string()), rules)
    assert {rule_id: hits.tolist() for rule_id, hits in found.items()} == python_answer(rules, texts)
    return found


def test_default_pack_matches_like_python_on_other_organisations_titles():
    titles = pd.concat([pd.read_csv(FIXTURES / "holdout" / "jira_holdout.csv", encoding="utf-8")["Summary"],
                        pd.read_csv(FIXTURES / "holdout2" / "jira_retailer.csv", encoding="cp1252")["Summary"]])
    texts = match_texts(titles.reset_index(drop=True)).to_pylist()
    found = check(load_rule_pack().rules, texts)
    assert sum(hits.sum() for hits in found.values()) > 100  # the rules really fired


def test_word_boundaries_next_to_accented_letters_follow_python():
    # RE2's \b is ASCII-only: it sees a boundary between "é" and "a", Python does not.
    found = check([rule("T901", r"\baccess\b")], ["éaccess request", "prod access", "zugriff für access"])
    assert found["T901"].tolist() == [False, True, True]


def test_patterns_re2_rejects_or_reads_differently_still_match():
    rules = [rule("T902", r"(?<!self-)service request"),  # look-behind: RE2 cannot
             rule("T903", r"restart(ed)? .{,3}pod"),  # {,3}: RE2 reads it as literal text
             rule("T904", r"(\w+) \1")]  # back-reference
    found = check(rules, ["self-service request", "new service request", "restarted a pod", "restart pod pod"])
    assert found["T902"].tolist() == [False, True, False, False]
    assert found["T903"].tolist() == [False, False, True, True]
    assert found["T904"].tolist() == [False, False, False, True]
