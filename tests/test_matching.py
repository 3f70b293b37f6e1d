"""Rule matching through RE2 must answer exactly what Python's `re` answers."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toilaudit.classify import matching
from toilaudit.classify.interface import Rule
from toilaudit.classify.literals import required_fragments
from toilaudit.classify.matching import _candidates, match_rules
from toilaudit.classify.rule_pack import load_rule_pack
from toilaudit.classify.templates import match_texts

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True, scope="module")
def prefilter_even_few_texts():
    """The prefilter (see below) only runs on many texts; here it must run on every test's few."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(matching, "PREFILTER_MIN_TEXTS", 0)
        yield


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


# The prefilter (literals.py): a rule is searched only in texts whose words hold one of the
# fragments its pattern cannot match without. It must never hide a match.

def test_fragments_are_what_every_match_must_hold():
    assert required_fragments(r"\b(password|passwd)\b.{0,20}\breset") in ({"reset"}, {"password", "passwd"})
    assert required_fragments(r"re-?enable") == {"enable", "reenable"}
    assert required_fragments(r"foo[sz]bar") == {"foosbar", "foozbar"}
    assert required_fragments(r"(ab)+c") in ({"ab"}, {"c"})
    assert required_fragments(r"a?b?") is None  # matches the empty string: nothing to require
    assert required_fragments(r"\w+ down|disk .* full") == {"down", "disk"}
    assert required_fragments(r"x|.*") is None  # one alternative requires nothing
    assert required_fragments(r"(?<!self-)service") == {"service"}


def test_texts_without_a_fragment_are_not_searched():
    texts = pa.array(["password reset for bob", "restart pod", "reset my passwd", "passwords"], pa.string())
    candidates = _candidates(texts, {"T905": required_fragments(r"\b(password|passwd)\b.{0,20}\breset")})
    assert candidates["T905"].tolist() in ([0, 2], [0, 2, 3])


PATTERN_PARTS = st.sampled_from(["a", "b", "ab", "ba", " ", "-", r"\b", "^", "$", ".", r"\w", r"\s", "[ab]", "[^a]",
                                 "(a|b)", "(ab|c)", "[a-c]", "[^ab]", "(?:ba)?", "a?", "b*", "c+", "a{2}", ".{0,3}", "(a|)", "K"])


@settings(max_examples=400, deadline=None)
@given(pattern=st.lists(PATTERN_PARTS, min_size=1, max_size=6).map("".join),
       alternative=st.one_of(st.none(), st.lists(PATTERN_PARTS, min_size=1, max_size=3).map("".join)),
       texts=st.lists(st.text(alphabet="abcAB -_k", max_size=12), min_size=1, max_size=8))
def test_a_text_that_matches_holds_one_of_the_fragments(pattern, alternative, texts):
    if alternative is not None:
        pattern = f"{pattern}|{alternative}"
    compiled = re.compile(pattern, re.IGNORECASE)
    fragments = required_fragments(pattern, compiled.flags)
    for text in texts:
        if fragments is not None and compiled.search(text):
            assert any(fragment in text.lower() for fragment in fragments), (pattern, text, fragments)
    check([rule("T906", pattern)], texts)  # and the matcher, prefilter and all, answers as `re` does


def test_default_pack_matches_like_python_on_the_labelled_corpus_titles():
    corpus = pd.read_csv(Path(__file__).parents[1] / "corpus" / "items.csv", usecols=["title"], keep_default_na=False)
    texts = match_texts(corpus["title"]).to_pylist()
    found = check(load_rule_pack().rules, texts)
    assert sum(hits.sum() for hits in found.values()) > 500
