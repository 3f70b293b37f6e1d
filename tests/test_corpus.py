"""The labelled corpus: real items only, no reserved tracker, the rules of its README kept."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED_RESERVED = ROOT.parent / "shared" / "reserved-sources.txt"
UMBRELLA_OWNERS = {"apache", "google", "microsoft", "dotnet"}  # corpus/README.md: only their reserved repos are out
COLUMNS = ["id", "org", "source", "source_kind", "item_kind", "url", "title", "description", "item_type", "created",
           "resolved", "state", "label", "ambiguous", "why"]


@pytest.fixture(scope="module")
def items() -> pd.DataFrame:
    return pd.read_csv(CORPUS / "items.csv", dtype=str, keep_default_na=False)


def reserved(path: Path) -> tuple[set[str], set[str], list[str]]:
    """(github repositories, their owners, other lines) of a reserved-sources list."""
    repos, owners, others = set(), set(), []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("github:"):
            repo = line.split(":", 1)[1].strip().lower()
            repos.add(repo)
            owners.add(repo.split("/")[0])
        else:
            others.append(line)
    return repos, owners, others


def test_the_corpus_is_as_large_and_varied_as_promised(items):
    assert list(items.columns) == COLUMNS
    assert len(items) >= 2000
    assert items["org"].nunique() >= 40
    assert (items["source_kind"] == "page").sum() >= 300
    assert set(items["source_kind"]) == {"jira", "github", "page"}
    assert set(items["label"]) == {"toil", "not_toil"}
    assert set(items["ambiguous"]) == {"yes", "no"}
    assert items["id"].is_unique
    assert (items["title"].str.strip() != "").all()
    assert (items["description"].str.len() <= 520).all()


def test_no_reserved_tracker_is_in_the_corpus(items):
    """Checked against the project's copy of the list and, where the workspace has it, the shared original."""
    lists = [CORPUS / "reserved-sources.txt"] + ([SHARED_RESERVED] if SHARED_RESERVED.exists() else [])
    urls = items["url"].str.lower()
    repo = urls.str.extract(r"github\.com/([^/]+/[^/#?]+)")[0].fillna("")
    source_repo = items["source"].str.lower().str.extract(r"^github:([^/]+/[^/#?]+)")[0].fillna("")
    for path in lists:
        repos, owners, others = reserved(path)
        assert repos and others, path
        for column in (repo, source_repo):
            assert not column.isin(repos).any(), column[column.isin(repos)].tolist()[:5]
            owner = column.str.split("/").str[0]
            banned = owner.isin(owners - UMBRELLA_OWNERS)
            assert not banned.any(), column[banned].tolist()[:5]
        # nor does any item quote a reserved tracker's address (text from one would spoil the evaluation)
        text = (items["title"] + " " + items["description"]).str.lower()
        quoted = text.str.findall(r"github\.com/([^/\s]+/[^/#?\s)\]]+)").explode().dropna()
        assert not quoted.isin(repos).any(), items.loc[quoted[quoted.isin(repos)].index, "id"].tolist()[:5]
        assert not urls.str.contains("fluidproject").any()
        assert not items["source"].str.lower().str.contains("fluidproject").any()
    if SHARED_RESERVED.exists():  # the copy is current
        assert reserved(CORPUS / "reserved-sources.txt")[:2] == reserved(SHARED_RESERVED)[:2]


def test_every_source_has_a_licence_note_and_the_counts_match(items):
    sources = pd.read_csv(CORPUS / "sources.csv", dtype=str, keep_default_na=False)
    assert set(sources["source"]) == set(items["source"])
    assert (sources["licence"].str.strip() != "").all()
    counts = items.groupby("source").size()
    assert (sources.set_index("source")["items"].astype(int) == counts.reindex(sources["source"]).to_numpy()).all()


def test_personal_details_and_secrets_are_redacted(items):
    email = r"(?<![\w/.-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
    text = items["title"] + " " + items["description"]
    assert not text.str.contains(email).any(), text[text.str.contains(email)].tolist()[:3]
    token = r"\b(?:ghp_[A-Za-z0-9]{20,}|xox[bp]-[A-Za-z0-9-]{20,}|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY)"
    assert not text.str.contains(token).any()


def test_the_frozen_test_split_follows_its_stated_rule(items):
    lines = (CORPUS / "frozen_test_orgs.txt").read_text().splitlines()
    frozen = {line for line in lines if line and not line.startswith("#")}
    expected = {org for org in items["org"].unique()
                if int(hashlib.sha256(f"toilaudit-frozen:{org}".encode()).hexdigest(), 16) % 4 == 0}
    assert frozen == expected
    assert len(frozen) >= 0.2 * items["org"].nunique()


def test_the_second_labelling_pass_and_its_agreement(items):
    second = pd.read_csv(CORPUS / "second_pass.csv", dtype=str, keep_default_na=False)
    assert len(second) >= 200 and second["id"].isin(items["id"]).all()
    first, other = second["first_label"] == "toil", second["second_label"] == "toil"
    observed = (first == other).mean()
    chance = first.mean() * other.mean() + (1 - first.mean()) * (1 - other.mean())
    kappa = (observed - chance) / (1 - chance)
    readme = (CORPUS / "README.md").read_text()
    assert f"kappa {kappa:.2f}" in readme
    # every disagreement was settled, and the corpus carries the settled label
    disagree = second.loc[first != other]
    assert (disagree["settled_because"] != "").all()
    settled = items.set_index("id").loc[second["id"], "label"].to_numpy()
    assert (settled == second["settled_label"].to_numpy()).all()


def test_readme_counts_are_the_corpus_counts(items):
    readme = (CORPUS / "README.md").read_text()
    assert f"{len(items):,} items" in readme
    assert f"{items['org'].nunique()} organisations" in readme
    for kind, count in items["source_kind"].value_counts().items():
        assert re.search(rf"\|\s*{kind}\s*\|\s*{count:,}\s*\|", readme), kind
