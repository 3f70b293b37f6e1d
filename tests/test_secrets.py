"""Tokens never reach output, logs, the store, --help or a report."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pypdf import PdfReader
from test_help import all_commands
from test_live_pagerduty import tls  # noqa: F401 - the HTTPS fixture

from toilaudit.cli import cli

from fake_jira import FakeJira, make_issues
from fake_pagerduty import FakePagerDuty, make_incidents
from helpers import EXAMPLES, run

JIRA_TOKEN = "jira-SECRET-7f3a9c"
PD_TOKEN = "pd-SECRET-52be11"
SECRETS = (JIRA_TOKEN, PD_TOKEN)


def test_tokens_appear_nowhere(db, httpserver, tls, tmp_path, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    server, ca_file = tls
    server.clear()
    jira = FakeJira(httpserver, make_issues(300), token=JIRA_TOKEN)
    pages = FakePagerDuty(server, make_incidents(300, datetime(2026, 1, 1, tzinfo=UTC),
                                                 datetime(2026, 6, 1, tzinfo=UTC)), token=PD_TOKEN)
    env = {"JIRA_USER": "auditor@acme.example", "JIRA_API_TOKEN": JIRA_TOKEN, "PAGERDUTY_API_TOKEN": PD_TOKEN,
           "SSL_CERT_FILE": ca_file, "REQUESTS_CA_BUNDLE": None, "JIRA_PAT": None}
    outputs = [
        run("import", "jira", "--url", jira.url, "--jql", "project = OPS", db=db, env=env),
        run("import", "pagerduty", "--url", pages.url, "--since", "2026-01-01", "--until", "2026-06-01", db=db,
            env=env),
        # failures too: a wrong token, a bad query
        run("import", "jira", "--url", jira.url, "--jql", "project = OPS", db=db,
            env={**env, "JIRA_USER": "someone-else"}),
        run("import", "jira", "--url", jira.url, "--jql", "BADFIELD = 1", db=db, env=env),
        run("interview", "--answers", str(EXAMPLES / "interview_answers.yaml"), db=db, env=env),
        run("summary", "--format", "json", db=db, env=env),
        run("assess", "--format", "json", db=db, env=env),
        run("gate", "--format", "opa-input", db=db, env=env),
        run("report", "--out", str(tmp_path / "board" / "r.pdf"), db=db, env=env),
        run("report", "--out", str(tmp_path / "board" / "r.html"), db=db, env=env),
        run("report", "--out", str(tmp_path / "board" / "r.json"), db=db, env=env),
    ]
    assert outputs[0].exit_code == 0 and outputs[1].exit_code == 0, outputs[0].output + outputs[1].output
    assert outputs[2].exit_code == 2 and outputs[3].exit_code == 2
    for result in outputs:
        for secret in SECRETS:
            assert secret not in result.output
    helps = [run(*path, "--help", env=env).output for path in all_commands(cli)] + [run("--help", env=env).output]
    for text in helps + [caplog.text]:
        for secret in SECRETS:
            assert secret not in text
    stored = db.read_bytes() + (db.with_suffix(".db.wal").read_bytes() if db.with_suffix(".db.wal").exists() else b"")
    written = [p.read_bytes() for p in (tmp_path / "board").rglob("*") if p.is_file()]
    pdf_text = "".join(page.extract_text() for page in PdfReader(str(tmp_path / "board" / "r.pdf")).pages)
    for secret in SECRETS:
        assert secret.encode() not in stored
        assert all(secret.encode() not in blob for blob in written)
        assert secret not in pdf_text
    assert len(list((tmp_path / "board").iterdir())) >= 7  # reports and guardrails were really written
