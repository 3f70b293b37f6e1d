"""Exports shaped like a real tracker's, for measuring speed and memory where it matters.

A real tracker repeats almost nothing: in 551 real operations tickets, 543 titles were
distinct. So titles here are drawn word by word, Zipf-like (Zipf-Mandelbrot, s = 1.05), from a
vocabulary of VOCABULARY_SIZE words: the words of the labelled corpus, most frequent first
(real operations words at the head of the distribution), then pseudo-words for the long tail.
Titles are 3 to 12 words; a quarter carry host-like slots (web-0417, db-prod-12, 10.3.4.5,
v2.14.7, JOB-88123); descriptions are of realistic length (log-normal, median about 250
characters, up to 2,000), a fifth of them over several lines (quoted newlines in the CSV).
The columns are those of Jira's "Export CSV (all fields)" and PagerDuty's incidents report.
Deterministic for a seed.
"""

from __future__ import annotations

import csv
import math
import random
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from toilaudit.synth.exports import JIRA_HEADER, PAGERDUTY_HEADER, _jira_date

ROOT = Path(__file__).resolve().parents[1]
VOCABULARY_SIZE = 40_000
ZIPF_S, ZIPF_Q = 1.05, 2.7
ISSUE_TYPES = ["Task", "Service Request", "Incident", "Bug", "Story", "Sub-task", "Epic", "Problem"]
TEAMS = [f"Team {name}" for name in ("Atlas", "Borealis", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor")]
PEOPLE = [f"user{n:03d}" for n in range(240)]
SERVICES = [f"svc-{n:02d}" for n in range(60)]


def vocabulary(size: int = VOCABULARY_SIZE, seed: int = 5) -> list[str]:
    """The corpus's words by frequency, then pseudo-words (syllables) up to `size`."""
    counts: dict[str, int] = {}
    corpus = ROOT / "corpus" / "items.csv"
    if corpus.exists():
        with open(corpus, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for word in re.findall(r"[a-z][a-z-]{1,20}", f"{row['title']} {row['description']}".lower()):
                    counts[word] = counts.get(word, 0) + 1
    words = [w for w, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][:size]
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mer", "tin", "qua", "ser", "vo", "rex", "pli", "dun", "ga", "zor", "bel", "tri", "nox",
                 "ul", "ar", "en", "is", "om", "sta", "fen", "gri", "hal", "jor", "kel", "mun", "pra", "syl", "wen"]
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def zipf_sampler(words: list[str], rng: np.random.Generator):
    ranks = np.arange(1, len(words) + 1)
    weights = 1.0 / (ranks + ZIPF_Q) ** ZIPF_S
    cumulative = np.cumsum(weights / weights.sum())
    array = np.array(words, dtype=object)

    def draw(n: int) -> list[str]:
        return array[np.minimum(np.searchsorted(cumulative, rng.random(n)), len(words) - 1)].tolist()

    return draw


def _slot(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return f"{rng.choice(['web', 'db', 'app', 'es', 'kafka', 'node', 'gw'])}-{rng.randint(1, 9999):04d}"
    if kind < 0.6:
        region = rng.choice(["eu-west-1", "us-east-2", "dc2"])
        return f"{rng.choice(['db-prod', 'cache', 'api-eu', 'batch'])}-{rng.randint(1, 99)}.{region}"
    if kind < 0.75:
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    if kind < 0.9:
        return f"v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
    return f"JOB-{rng.randint(1000, 99999)}"


def titles_and_descriptions(count: int, seed: int):
    """Yield (title, description) pairs: Zipf words, slots in a quarter, realistic descriptions."""
    rng = random.Random(seed)
    draw = zipf_sampler(vocabulary(), np.random.default_rng(seed))
    batch: list[str] = []
    for _ in range(count):
        if len(batch) < 200:
            batch += draw(20_000)
        length = rng.randint(3, 12)
        words, batch = batch[:length], batch[length:]
        words[0] = words[0].capitalize()
        if rng.random() < 0.25:
            words.insert(rng.randint(1, len(words)), _slot(rng))
        title = " ".join(words)
        chars = min(2000, int(math.exp(rng.gauss(math.log(250), 0.8))))
        if rng.random() < 0.15:
            description = ""
        else:
            need = max(3, chars // 7)
            if len(batch) < need:
                batch += draw(max(20_000, need))
            body, batch = batch[:need], batch[need:]
            if rng.random() < 0.2:  # several lines, as pasted logs and templates are
                cut = sorted(rng.sample(range(1, len(body)), min(3, len(body) - 1)))
                lines = [" ".join(body[a:b]) for a, b in zip([0, *cut], [*cut, len(body)])]
                description = "\n".join(lines)
            else:
                description = " ".join(body)
        yield title, description


def jira_rows(count: int, seed: int = 17, days: int = 365):
    rng = random.Random(seed + 1)
    start = datetime(2025, 11, 24, tzinfo=UTC)
    for number, (title, description) in enumerate(titles_and_descriptions(count, seed), 1):
        when = start + timedelta(seconds=rng.randint(0, days * 86400))
        resolved = when + timedelta(hours=rng.uniform(0.2, 24 * 30))
        open_item = rng.random() < 0.08
        spent = "" if open_item or rng.random() < 0.6 else str(rng.randint(1, 48) * 900)
        labels = (rng.sample(["ops", "bau", "platform", "prod", "infra", "security", "q3", "customer"],
                             rng.randint(0, 2)) + ["", "", ""])[:3]
        yield [
            title, f"OPS-{number}", str(10000 + number), rng.choice(ISSUE_TYPES),
            "Open" if open_item else rng.choice(["Done", "Resolved", "Closed"]), "OPS", "Operations",
            rng.choice(["Low", "Medium", "High"]), "" if open_item else "Done", rng.choice(PEOPLE),
            rng.choice(PEOPLE), _jira_date(when), _jira_date(resolved if not open_item else when),
            "" if open_item else _jira_date(resolved), rng.choice(SERVICES), "", *labels, description,
            rng.choice(PEOPLE), "", "", spent, spent, rng.choice(TEAMS), "", "",
        ]


def pagerduty_rows(count: int, seed: int = 23, days: int = 365):
    rng = random.Random(seed + 1)
    start = datetime(2025, 11, 24, tzinfo=UTC)
    offset = timezone(timedelta(hours=-5))
    for number, (title, _) in enumerate(titles_and_descriptions(count, seed), 1):
        when = start + timedelta(seconds=rng.randint(0, days * 86400))
        auto = rng.random() < 0.3
        seconds = rng.randint(60, 1800) if auto else rng.randint(300, 6 * 3600)
        resolved = when + timedelta(seconds=seconds)
        person = rng.choice(PEOPLE)
        service = rng.choice(SERVICES)
        yield [
            f"Q{rng.getrandbits(40):010X}", str(number), title, f"P{rng.getrandbits(24):06X}", service,
            f"{service} escalation", when.astimezone(offset).isoformat(), resolved.astimezone(offset).isoformat(),
            "" if auto else str(rng.randint(30, 900)), str(seconds), "true" if auto else "false",
            str(rng.choice([0, 0, 1, 2])), rng.choice(["high", "low"]), "" if auto else person, person,
            "" if auto else person, rng.choice(TEAMS), "resolved",
        ]


def write(path: Path, header: list[str], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_jira(path: Path, count: int, seed: int = 17) -> None:
    write(path, JIRA_HEADER, jira_rows(count, seed))


def write_pagerduty(path: Path, count: int, seed: int = 23) -> None:
    write(path, PAGERDUTY_HEADER, pagerduty_rows(count, seed))


if __name__ == "__main__":
    import sys

    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(f"jira-real-{rows}.csv")
    write_jira(out, rows)
    print(f"wrote {out}")
