"""What the classifier decides and why, on small hand-made stores."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from toilaudit.classify.classifier import classify
from toilaudit.classify.rule_pack import load_rule_pack
from toilaudit.importers.interface import WorkItem, items_to_frame

PACK = load_rule_pack()
T0 = pd.Timestamp("2026-03-02 10:00", tz="UTC")  # a Monday, in business hours


def item(key, title, source="jira", item_type="Task", hours_open=4.0, spent=None, auto=None, urgency="", created=T0,
         service=""):
    return WorkItem(source=source, key=key, title=title, item_type=item_type, created_at=created,
                    resolved_at=created + pd.Timedelta(hours=hours_open), time_spent_seconds=spent,
                    auto_resolved=auto, urgency=urgency, service=service)


def run(items):
    return classify(items_to_frame(items), PACK).set_index("key")


def test_same_request_with_other_hosts_and_users_is_one_repetition_group():
    result = run([item(f"K{i}", f"Grant read access to {host} for {user}") for i, (host, user) in enumerate(
        [("db-01", "jsmith"), ("db-07", "a.khan"), ("web-12", "mlee"), ("app-3", "p.rossi")])]
        + [item("X", "Design multi-region failover for ledger", item_type="Epic", hours_open=400)])
    groups = result.loc[["K0", "K1", "K2", "K3"], "group_id"]
    assert groups.nunique() == 1
    assert (result.loc[["K0", "K1", "K2", "K3"], "group_size"] == 4).all()
    assert result.loc["K0", "is_toil"] and result.loc["K0", "category"] == "access request"
    assert "T001" in result.loc["K0", "rule_ids"] and "S001" in result.loc["K0", "rule_ids"]
    assert not result.loc["X", "is_toil"]
    assert result.loc["X", "group_id"] != result.loc["K0", "group_id"]


def test_automating_toil_is_not_toil():
    result = run([item("A", "Automate certificate renewal with cert-manager", item_type="Story"),
                  item("B", "Renew TLS certificate for api.example.com")])
    assert not result.loc["A", "is_toil"] and result.loc["A", "category"] == "engineering"
    assert result.loc["B", "is_toil"] and result.loc["B", "category"] == "certificate"


def test_unknown_request_repeated_often_is_toil_by_repetition_alone():
    titles = [f"Regenerate the swift MT940 file for branch {n}" for n in range(8)]
    result = run([item(f"R{n}", t, item_type="Service Request", hours_open=3) for n, t in enumerate(titles)])
    assert result["is_toil"].all()
    assert (result["category"] == "repetitive request").all()
    assert result["rule_ids"].str.contains("S001").all()


def test_one_off_unknown_work_is_not_toil():
    result = run([item("U", "Figure out why the quarterly close report differs from finance", hours_open=200)])
    assert not result.loc["U", "is_toil"]


def test_pages_auto_resolved_and_repeated_are_noise_but_a_novel_outage_is_not():
    pages = [item(f"P{n}", f"High CPU on api-{n}", source="pagerduty", item_type="incident", hours_open=0.2,
                  auto=True, service="api") for n in range(5)]
    pages.append(item("O", "Card authorisations failing for all EU customers after release 4.2", source="pagerduty",
                      item_type="incident", hours_open=3, auto=False, urgency="high", service="cards"))
    result = run(pages)
    assert result.loc[[f"P{n}" for n in range(5)], "is_toil"].all()
    assert "S005" in result.loc["P0", "rule_ids"]
    assert not result.loc["O", "is_toil"]
    assert "S007" in result.loc["O", "rule_ids"] and result.loc["O", "category"] == "incident response"


def test_time_is_measured_when_logged_and_estimated_otherwise():
    result = run([item("M", "Restart billing on web-1", spent=1800), item("E", "Restart billing on web-2"),
                  item("P", "Disk full on db-3", source="pagerduty", item_type="incident", hours_open=10, auto=False)])
    assert result.loc["M", "hours"] == 0.5 and result.loc["M", "hours_measured"]
    assert result.loc["E", "hours"] == 0.5 and not result.loc["E", "hours_measured"]  # T004's estimate
    # a page: trigger-to-resolve capped at 4h, plus 15 minutes of interruption
    assert result.loc["P", "hours"] == 4.25 and result.loc["P", "hours_measured"]


def test_off_hours_follows_business_hours_and_time_zone():
    night = pd.Timestamp("2026-03-02 23:30", tz="UTC")
    saturday = pd.Timestamp("2026-03-07 11:00", tz="UTC")
    result = run([item("N", "x", created=night), item("S", "y", created=saturday), item("D", "z")])
    assert result.loc["N", "off_hours"] and result.loc["S", "off_hours"] and not result.loc["D", "off_hours"]


def test_reasons_name_rules_group_and_time():
    result = run([item(f"K{n}", f"Restart payment-service on host-{n}", spent=600) for n in range(3)])
    row = result.loc["K0"]
    assert row["reasons"] == "S001 signal.repetition; S004 signal.quick-resolution; T004 toil.restart"
    assert row["rule_ids"] == "S001 S004 T004"
    assert (row["group_size"], row["template"]) == (3, "restart payment-service on *")
    assert round(row["hours"], 2) == 0.17 and row["hours_measured"]


def test_a_rule_for_some_sources_fires_on_their_items_only_and_the_heaviest_rule_names_the_category():
    # T018 (alert noise) is kept to PagerDuty: the same words in a Jira ticket do not fire it
    title = "CPU usage above threshold on web-01"
    result = run([item("J1", title), item("P1", title, source="pagerduty"),
                  item("J2", "Provision new VM and rotate credentials for app-3")])
    assert "T018" in result.loc["P1", "rule_ids"].split() and "T018" not in result.loc["J1", "rule_ids"].split()
    # T008 (provisioning, 0.5) comes first in the pack, T015 (secret rotation, 0.55) weighs more
    assert {"T008", "T015"} <= set(result.loc["J2", "rule_ids"].split())
    assert result.loc["J2", "category"] == "secret / key rotation"


@pytest.mark.parametrize("starred_share", [0.1, 0.9])  # a few texts searched, or all of them
def test_runs_of_stars_collapse_as_the_plain_regex_says(starred_share):
    import random
    import re

    from toilaudit.classify.templates import collapse_stars

    rng = random.Random(8)
    pieces = ["*", "host", "-", "/", " ", ".", ":", "_", "**", "a*b", "é"]
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) if rng.random() < starred_share
             else f"restart web-{n}" for n in range(2000)]
    plain = [re.sub(r"\*(?:[ \-_./:]*\*)+", "*", text) for text in texts]
    assert collapse_stars(pa.array(texts, pa.string())).to_pylist() == plain
    assert sum(a != b for a, b in zip(plain, texts)) > 50


def test_classifying_nothing_gives_nothing():
    assert classify(items_to_frame([]), PACK).empty


def _mask_slots_by_strings(texts):
    """The plain definition of slot masking, for checking the hashed, vectorised one."""
    from collections import defaultdict

    from toilaudit.classify.templates import SLOT_MIN_FILLERS, _is_concrete
    fillers = defaultdict(set)
    slots = {}
    for text in dict.fromkeys(texts):
        tokens = text.split(" ")
        slots[text] = []
        for width in (1, 2):
            for start in range(len(tokens) - width + 1):
                if any(_is_concrete(t) for t in tokens[start:start + width]):
                    variant = " ".join(tokens[:start] + ["*"] + tokens[start + width:])
                    fillers[variant].add(" ".join(tokens[start:start + width]))
                    slots[text].append((variant, start, width))
    templates = {}
    for text, text_slots in slots.items():
        tokens = text.split(" ")
        floor = max(1, (sum(map(_is_concrete, tokens)) + 1) // 2)
        variable = sorted(((len(fillers[v]), s, w) for v, s, w in text_slots if len(fillers[v]) >= SLOT_MIN_FILLERS),
                          key=lambda slot: -slot[0])
        for _, start, width in variable:
            trial = tokens[:start] + ["*"] * width + tokens[start + width:]
            if sum(map(_is_concrete, trial)) >= floor:
                tokens = trial
        templates[text] = " ".join(tokens)
    return [templates[t] for t in texts]


def test_hashed_slot_masking_equals_the_plain_definition():
    import random

    from toilaudit.classify.templates import mask_variable_slots
    rng = random.Random(7)
    words = ["restart", "grant", "access", "to", "prod", "*", "<url>", "db", "web", "for", "job", "0", "é", "x"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    texts += ["restart app on web", "restart app on db", "restart app on mq", "a * x d", "a y * d", "a * z d"]
    masked = mask_variable_slots(pa.array(texts, pa.string())).to_pylist()
    assert masked == _mask_slots_by_strings(texts)
    assert sum(m != t for m, t in zip(masked, texts)) > 100  # slots were really masked
    trio = ["restart app on web", "restart app on db", "restart app on mq", "grant prod access"]
    # "on web", "on db", "on mq" also fill one two-token slot; group_templates then folds "* *" to "*"
    assert mask_variable_slots(pa.array(trio, pa.string())).to_pylist() == ["restart app * *"] * 3 + ["grant prod access"]


def test_a_slot_variant_is_the_same_whichever_length_the_slot_had():
    """The variants kept in the store (slot_variants) identify the text with its slot starred:
    "deploy api gateway" with "api" starred and "deploy billing service gateway" with "billing
    service" starred are both "deploy * gateway", hashed from tables of different token lengths."""
    from toilaudit.classify.templates import slot_variants

    rows, variants = slot_variants(pa.array(["deploy api gateway", "deploy billing service gateway"], pa.string()))
    first, second = set(variants[rows == 0].tolist()), set(variants[rows == 1].tolist())
    assert len(first) == 5 and len(second) == 7  # every slot holds a concrete word
    assert len(first & second) == 1


@pytest.mark.parametrize("by_length_from", [0, 1 << 16])  # a length at a time, or all at once
def test_distinct_texts_encodes_as_a_dictionary_would(monkeypatch, by_length_from):
    """Texts of equal bytes are one value however the lengths fall (empty, multi-byte letters,
    values of one length but different text), every value once."""
    from toilaudit.classify import templates
    from toilaudit.classify.templates import distinct_texts

    monkeypatch.setattr(templates, "BY_LENGTH_FROM", by_length_from)

    texts = ["deploy *", "", "naïve host", "restart *", "deploy *", "naive host!", "", "déploy *", "restart *", "b", "a"]
    codes, values = distinct_texts(pa.array(texts, pa.string()))
    assert [values[int(code)].as_py() for code in codes] == texts
    assert sorted(values.to_pylist()) == sorted(set(texts))
    codes, values = distinct_texts(pa.array([], pa.string()))
    assert len(codes) == 0 and len(values) == 0


def test_a_repeated_text_has_the_candidate_slots_of_its_first_copy():
    """Texts that step 1 and 2 make equal share one row of the slot step; each copy gets its
    own candidate slots (the store finds every text holding a variant), in one array grown in
    place after the first copies' slots."""
    from toilaudit.classify.templates import slot_variants

    texts = ["deploy api gateway", "restart web node", "deploy api gateway", "grant prod access", "deploy api gateway",
             "restart web node"]
    rows, variants = slot_variants(pa.array(texts, pa.string()))
    alone = {text: sorted(slot_variants(pa.array([text], pa.string()))[1].tolist()) for text in set(texts)}
    assert len(rows) == sum(len(alone[text]) for text in texts)
    for row, text in enumerate(texts):
        assert sorted(variants[rows == row].tolist()) == alone[text]


def test_neighbours_count_as_fillers_but_are_not_masked():
    """An import re-labelling a few texts masks them alone, their neighbours' fillers counted: the
    same templates as masking every text (the neighbours' own are not asked for)."""
    import random

    from toilaudit.classify.templates import mask_variable_slots
    rng = random.Random(11)
    words = ["restart", "grant", "access", "to", "prod", "*", "db", "web", "for", "job", "0", "x"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 6))) for _ in range(2000)]
    texts += ["restart app on web", "restart app on db", "restart app on mq", "restart app on web"]
    everything = mask_variable_slots(pa.array(texts, pa.string())).to_pylist()
    for cut in (0, 1, 500, 2001, len(texts) - 1):
        wanted, neighbours = pa.array(texts[:cut], pa.string()), pa.array(texts[cut:], pa.string())
        assert mask_variable_slots(wanted, neighbours=neighbours).to_pylist() == everything[:cut]
    # the trio's slot is variable only with its neighbours: alone, one text has no slot to mask
    assert mask_variable_slots(pa.array(["restart app on web"], pa.string()),
                               neighbours=pa.array(["restart app on db", "restart app on mq"], pa.string())
                               ).to_pylist() == ["restart app * *"]
    assert mask_variable_slots(pa.array(["restart app on web"], pa.string())).to_pylist() == ["restart app on web"]


TRICKY = ["web-01", "db", "a.b0", "x_9", "<url>", "<a0", "é9", "café", "٣x", "-x0", "0", "restart", "*", "app", "on",
          "grant", "access", "to", "prod", "ab-c0", "12-x9", "node.0", "the", "zz", "u0u", "q", "<", "a<b0", "host_12",
          "v0.0.0", "jsmith", "a.khan", "x", "y", "z"]


def _tricky_texts(count: int, seed: int) -> list[str]:
    import random

    rng = random.Random(seed)
    return [" ".join(rng.choice(TRICKY) for _ in range(rng.randint(1, 8))) for _ in range(count)]


def _named_texts(count: int, seed: int, share: float, letters: int) -> list[str]:
    """Tricky texts, `share` of them ending in a made-up name of `letters` letters (often a rare token)."""
    import random

    rng = random.Random(seed)
    return [text + (" " + "".join(rng.choice("abcdefghij") for _ in range(letters)) if rng.random() < share else "")
            for text in _tricky_texts(count, seed=seed)]


def test_identifier_masking_in_re2_equals_pythons_regex():
    from toilaudit.classify.templates import IDENTIFIER, _wildcard_identifiers

    texts = _tricky_texts(5000, seed=5)
    assert _wildcard_identifiers(pa.array(texts, pa.string())).to_pylist() == [IDENTIFIER.sub("*", t) for t in texts]


@pytest.mark.parametrize("held_slice", [1 << 22, 1000])  # the pairs counted whole, or a slice at a time
def test_rare_token_masking_equals_the_plain_definition(monkeypatch, held_slice):
    import random

    from toilaudit.classify import templates
    from toilaudit.classify.templates import (
        HAS_LETTER,
        RARE_TOKEN_ITEMS,
        STOPWORDS,
        _is_concrete,
        _wildcard_rare_tokens,
    )
    monkeypatch.setattr(templates, "HELD_SLICE", held_slice)
    rng = random.Random(6)
    texts = _named_texts(5000, seed=6, share=0.3, letters=4)  # a third carry a name that is often rare
    counts = [rng.randint(1, 3) for _ in texts]
    carried = {}
    for text, count in zip(texts, counts):
        for token in set(text.split(" ")):
            carried[token] = carried.get(token, 0) + count
    rare = {t for t, n in carried.items() if n < RARE_TOKEN_ITEMS and HAS_LETTER.search(t) and t not in STOPWORDS}
    expected = []
    for text in texts:
        tokens = text.split(" ")
        left = sum(_is_concrete(t) and t not in rare for t in tokens)
        expected.append(" ".join("*" if t in rare else t for t in tokens) if rare & set(tokens) and left >= 2 else text)
    got = _wildcard_rare_tokens(pa.array(texts, pa.string()), __import__("numpy").array(counts)).to_pylist()
    assert got == expected
    assert sum(a != b for a, b in zip(got, texts)) > 100


def test_keeping_some_texts_tokens_equals_splitting_those_texts():
    """The slot step cuts the tokens it is handed to the distinct texts' first rows, in their
    order: the words and their concreteness are those of the texts."""
    import numpy as np

    from toilaudit.classify.templates import _is_concrete, _tokenize

    texts = _named_texts(3000, seed=9, share=0.5, letters=3) + ["", "one", "a  b"]
    rows = np.random.default_rng(9).permutation(len(texts))[:2000]
    tokens = _tokenize(pa.array(texts, pa.string()))
    tokens.keep_rows(rows)
    words = [[tokens.vocabulary[code] for code in tokens.codes[tokens.offsets[row]:tokens.offsets[row + 1]]]
             for row in range(len(rows))]
    assert words == [texts[row].split(" ") for row in rows]
    assert tokens.lengths.tolist() == [len(text) for text in words]
    assert tokens.concrete.tolist() == [_is_concrete(word) for text in words for word in text]


def test_rare_starred_tokens_equal_splitting_the_starred_texts_again():
    """group_templates' slot step reads the step-2 tokens _star_rare_tokens derives instead of
    splitting the step-2 texts again: the same words, one code for `*` (some texts hold one
    before), and the same templates and recorded slots either way."""
    import numpy as np

    from toilaudit.classify.templates import (
        _held,
        _is_concrete,
        _star_rare_tokens,
        _token_items,
        _tokenize,
        _wildcard_identifiers,
        mask_variable_slots,
    )
    texts = _named_texts(4000, seed=8, share=0.5, letters=3)
    step1 = _wildcard_identifiers(pa.array(texts, pa.string()))
    tokens = _tokenize(step1)
    step2, derived = _star_rare_tokens(step1, tokens, _token_items(tokens, np.ones(len(texts)), _held(tokens)))
    words = [[derived.vocabulary[code] for code in derived.codes[derived.offsets[row]:derived.offsets[row + 1]]]
             for row in range(len(texts))]
    assert words == [text.split(" ") for text in step2.to_pylist()]
    assert derived.concrete.tolist() == [_is_concrete(word) for text in words for word in text]
    assert derived.vocabulary.count("*") == 1
    assert sum(a != b for a, b in zip(step2.to_pylist(), step1.to_pylist())) > 100  # rare tokens were starred
    assert sum("*" in text.split(" ") for text in texts) > 100  # and some texts held `*` before
    with_tokens: list = []
    split_again: list = []
    assert (mask_variable_slots(step2, with_tokens, derived).to_pylist()
            == mask_variable_slots(step2, split_again).to_pylist())
    assert all(np.array_equal(a, b) for a, b in zip(with_tokens, split_again, strict=True))


MATCH_PIECES = ["http://a.b/c", "https", "htt", "p", "x@y.io", "@", "10.0.0.1", "1.2", "1.2.3.4/24", "1.2.3.4:80",
                "deadbeef", "dead", "beef", "0123abcd-0000-1111-2222-33334444aaaa", "0", "00", "7", "a1", " ", "  ",
                "\t", "\n", "\r\n", "\v", "\f", "|", "É", "ü1", "٣", "Restart", "DB-01", "<url>", "", "RE:", "Fwd :",
                "re", ":", "tr:"]


def test_match_texts_equal_every_rewrite_applied_to_every_text():
    """The rewrites run only on the texts a byte test says they could change: the result must be
    what rewriting every text gives, for texts made of the tests' edge cases (also split across
    the boundary between two texts: "htt" then "p")."""
    import random

    import pyarrow.compute as pc

    from toilaudit.classify.templates import PLACEHOLDERS, match_texts
    rng = random.Random(11)
    texts = ["".join(rng.choice(MATCH_PIECES) for _ in range(rng.randint(0, 6))) for _ in range(6000)]
    array = pa.array(texts, pa.string())
    for spaces in (True, False):
        expected = pc.replace_substring(pc.utf8_lower(array), "|", " ")
        for pattern, replacement, _ in PLACEHOLDERS if spaces else PLACEHOLDERS[:-1]:
            expected = pc.replace_substring_regex(expected, pattern, replacement)
        if spaces:
            expected = pc.utf8_trim_whitespace(expected)
        got = match_texts(array, spaces=spaces)
        assert got.to_pylist() == expected.to_pylist()
        for start in (1, 2999):  # a slice starts inside the buffer: offsets are relative
            assert match_texts(array.slice(start, 500), spaces=spaces).to_pylist() == expected.slice(start, 500).to_pylist()
        for short in ["", "1", "ht", "1.2", "12", "  ", "http", "a@b.co"] + texts[:200]:  # texts shorter than a test
            index = texts.index(short) if short in texts else None
            alone = match_texts(pa.array([short], pa.string()), spaces=spaces).to_pylist()
            assert index is None or alone == [expected[index].as_py()]
    assert sum("<ip>" in text for text in got.to_pylist()) > 100 and sum("<id>" in t for t in got.to_pylist()) > 100
    assert match_texts(pa.array(["RE: FW: Add ssh key for bob"])).to_pylist() == ["add ssh key for bob"]


def test_group_ids_are_g_and_8_hex_digits_of_the_hash_of_source_and_template_across_slices():
    """Stored ids must not move between versions: each is "G" + the low 8 hex digits of pandas'
    hash of "source\x1ftemplate", however many groups (hashed a slice at a time) there are."""
    import numpy as np

    from toilaudit.classify.classifier import HASH_SLICE, _group_ids

    sources = ["jira", "pagerduty"]
    templates = pa.array([f"restart * on node {n}" for n in range(HASH_SLICE + 5_000)], pa.string())
    rng = np.random.default_rng(3)
    group_codes = rng.integers(0, 2 * len(templates), 3 * len(templates))
    sizes = np.bincount(group_codes, minlength=2 * len(templates))
    ids = _group_ids(group_codes, sizes, sources, templates)
    names = [f"{sources[code // len(templates)]}\x1f{templates[code % len(templates)].as_py()}" for code in group_codes]
    hashed = pd.util.hash_pandas_object(pd.Series(names, dtype=object), index=False).to_numpy() % 16**8
    assert list(ids.astype(str)) == [f"G{value:08x}" for value in hashed]


@pytest.mark.parametrize("title", [
    "Re-run failed nightly ETL job",
    "Reset password for Acme support user",
    "Apply Terraform change to raise the RDS connection limit",
])
def test_a_tool_or_an_organisation_named_in_a_request_does_not_make_it_engineering(title):
    """N001 (engineering.automation) once fired on "etl", "acme", "terraform": a stranger's plain
    requests became engineering work. The tools' names are not the work."""
    items = items_to_frame([WorkItem("jira", "OPS-1", title, item_type="Task",
                                     created_at=pd.Timestamp("2026-03-02 10:00", tz="UTC"))])
    result = classify(items, load_rule_pack()).iloc[0]
    assert "N001" not in result["rule_ids"].split()
    assert result["is_toil"], (title, result["category"], result["score"])


@pytest.mark.parametrize(("item_type", "signal"), [
    ("[System] Service request", "S002"), ("[System] Incident", "S002"), ("Service Request", "S002"),
    ("[System] Post-incident review", "S003"), ("[System] Problem", "S003"), ("Story", "S003")])
def test_jira_service_managements_system_types_count_as_the_types_they_name(item_type, signal):
    result = run([item("K", "Printer on floor 3 is jammed", item_type=item_type, hours_open=400),
                  item("J", "Printer on floor 3 is jammed", item_type="[Systemic] Request", hours_open=400)])
    assert signal in result.loc["K", "rule_ids"].split()
    assert not {"S002", "S003"} & set(result.loc["J", "rule_ids"].split())  # only the exact mark is read


def test_a_label_every_ticket_carries_makes_no_repetition_group():
    """Repetition groups are mined from titles: a team label on every ticket (`sre`) must not turn
    distinct real titles whose words are rare into one group "* sre"."""
    corpus = pd.read_csv(Path(__file__).parents[1] / "corpus" / "items.csv", usecols=["source", "title"])
    titles = corpus.loc[corpus["source"].str.startswith("jira"), "title"].drop_duplicates().head(400).tolist()
    assert len(titles) >= 300

    def classified(labels: str) -> pd.DataFrame:
        items = items_to_frame([item(f"OPS-{n}", title) for n, title in enumerate(titles)])
        return classify(items.assign(labels=labels), PACK).set_index("key")

    plain, labelled = classified(""), classified("sre")
    assert labelled["group_size"].max() == plain["group_size"].max()
    assert (labelled["group_size"] == plain["group_size"]).all()
    assert (labelled["template"] == plain["template"]).all()


def test_a_rule_reads_the_title_and_the_labels_apart():
    """Joined, a label "oncall" made "Add ..." titles an on-call change (T009 reads "add ... on-call");
    a rule that matches the labels alone still fires."""
    result = run([item("DOC-1", "Add Packaging subsection to the guide"),
                  item("DOC-2", "Add Packaging subsection to the guide"),
                  item("OPS-3", "Weekly hand-over")])
    items = items_to_frame([item("DOC-1", "Add Packaging subsection to the guide"),
                            item("OPS-3", "Weekly hand-over")])
    labelled = classify(items.assign(labels=["oncall", "access request"]), PACK).set_index("key")
    assert "T009" not in labelled.loc["DOC-1", "rule_ids"]
    assert labelled.loc["DOC-1", "rule_ids"] == result.loc["DOC-1", "rule_ids"]
    assert "T001" in labelled.loc["OPS-3", "rule_ids"]
