"""Regenerate the bundled examples (deterministic): python examples/make_examples.py"""

import csv
import random
from pathlib import Path

from toilaudit.synth.exports import JIRA_HEADER, PAGERDUTY_HEADER, jira_rows, pagerduty_rows, write_csv

HERE = Path(__file__).parent

if __name__ == "__main__":
    jira = write_csv(HERE / "jira_export.csv", JIRA_HEADER, jira_rows(420), encoding="utf-8-sig")
    pages = write_csv(HERE / "pagerduty_incidents.csv", PAGERDUTY_HEADER, pagerduty_rows(320))
    rng = random.Random(3)
    sample = sorted(rng.sample(sorted(jira), 150)) + sorted(rng.sample(sorted(pages), 100))
    truth = {**jira, **pages}
    with open(HERE / "labels.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "label"])
        for key in sample:
            writer.writerow([key, truth[key]])
