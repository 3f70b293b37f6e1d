"""The command line: parse, call, print. Nothing else lives here."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from rich.table import Table

from toilaudit import __version__
from toilaudit.console import progress, stdout, warn
from toilaudit.errors import EXIT_BAD_INPUT, EXIT_BUG, EXIT_DENIED, EXIT_INTERRUPTED, ToilauditError
from toilaudit.store import Store, open_store

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


MESSAGE_CHARS = 300  # a one-line message longer than this is cut: it is one line, not a dump


def _say(message: str) -> None:
    """Print one error line on stderr, whatever the message holds."""
    line = " ".join(str(message).split())
    click.echo(line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 3] + "...", err=True)


def _command_path(ctx: click.Context | None) -> str:
    """`toilaudit import jira`, whatever name the program was started under."""
    parts = ctx.command_path.split()[1:] if ctx is not None else []
    return " ".join(["toilaudit", *parts])


class OneLineUsageError(click.ClickException):
    """A usage error as one line, like every other error (click prints usage, a hint and the error)."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, error: click.UsageError) -> None:
        where = _command_path(error.ctx)
        message = error.format_message().rstrip(".")
        if " - " not in message:
            message += f" - see {where} --help"
        super().__init__(f"{where}: {message}")

    def show(self, file=None) -> None:
        _say(f"error: {self.message}")


class ToilauditGroup(click.Group):
    """The one place errors become output: a ToilauditError anywhere below is one line on stderr
    and exit 2; a usage error too; Ctrl-C is exit 130; anything else is a bug: one line asking
    for a bug report and exit 70, with the traceback only under -v."""

    def make_context(self, *args, **kwargs) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            raise OneLineUsageError(exc) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise OneLineUsageError(exc) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except ToilauditError as exc:
            _say(f"error: {exc}")
            ctx.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            _say("error: interrupted - work in progress was rolled back; run the same command again to finish")
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # noqa: BLE001 - the top-level handler for bugs
            if (ctx.obj or {}).get("verbose"):
                import traceback

                traceback.print_exc(file=sys.stderr)
            _say(f"toilaudit: internal error ({type(exc).__name__}: {exc}) - this is a bug: please file a bug "
                 "report with the command you ran and its output under toilaudit -v")
            ctx.exit(EXIT_BUG)


@contextlib.contextmanager
def store_from(ctx: click.Context, catch_up: bool = False) -> Iterator[Store]:
    """The store for one command. `catch_up`: first classify what an interrupted live import left
    unclassified, so that the figures the command shows count every stored item."""
    store = open_store(ctx.obj["db"])
    try:
        if catch_up:
            from toilaudit.audit import classify_leftovers

            leftovers = classify_leftovers(store)
            if leftovers:
                warn(f"{leftovers:,} item(s) fetched by an interrupted import were not classified yet; classified "
                     "them now")
        yield store
    finally:
        store.close()


@click.group(cls=ToilauditGroup, context_settings=CONTEXT)
@click.option(
    "--db", metavar="PATH|URL", envvar="TOILAUDIT_DB", default=None,
    help="Store: a DuckDB file (default ./toilaudit.db) or postgresql://user@host:port/db. Env: TOILAUDIT_DB.",
)
@click.option("-v", "--verbose", is_flag=True, help="On an internal error, print the traceback (for a bug report).")
@click.version_option(__version__, prog_name="toilaudit")
@click.pass_context
def cli(ctx: click.Context, db: str | None, verbose: bool) -> None:
    """Measure toil from Jira and PagerDuty, score platform and SRE maturity, and decide whether
    AI agents may touch production, with the evidence a board can trust.

    \b
    A typical audit:
      toilaudit import jira --csv jira.csv          # Jira "Export CSV (all fields)"
      toilaudit import pagerduty --csv incidents.csv
      toilaudit summary                             # how much time is toil, and which first
      toilaudit evaluate --labels labels.csv        # how far to trust the classifier

    Exit codes: 0 success, 1 a negative verdict (gate denied), 2 bad usage or input,
    70 an internal error (a bug: run with -v and report it), 130 interrupted.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    ctx.obj["verbose"] = verbose


# ---------------------------------------------------------------------------------- import
@cli.group("import", context_settings=CONTEXT)
def import_group() -> None:
    """Load tickets (Jira) or pages (PagerDuty) into the store and classify them.

    Imports are upserts keyed by (source, key): importing the same export twice changes
    nothing, and a failed import leaves the store exactly as it was.
    """


def csv_options(function):
    options = [
        click.option("--csv", "csv_files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
                     help="An export file; more files may follow as arguments."),
        click.argument("more_files", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--team", metavar="NAME", help="Tag every item of these files with this team."),
        click.option("--columns", type=click.Path(path_type=Path), metavar="FILE",
                     help="YAML map of your headers to fields, e.g.  'Custom field (Squad)': team"),
        click.option("--date-format", metavar="FMT",
                     help="strptime format when dates are not ISO or Jira's default, e.g. '%d.%m.%Y %H:%M'."),
        click.option("--timezone", default="UTC", show_default=True, metavar="TZ",
                     help="Time zone of dates written without an offset (Jira writes the exporter's zone)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _run_csv_import(ctx: click.Context, source: str, files: list[Path], team, columns, date_format, timezone) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from toilaudit.audit import import_batch
    from toilaudit.importers.columns import load_columns_map
    from toilaudit.importers.jira_csv import read_jira_csv
    from toilaudit.importers.pagerduty_csv import read_pagerduty_csv

    if not files:
        raise click.UsageError(f"no export given - pass --csv FILE (see: toilaudit import {source} --help)")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {timezone!r} - use an IANA name such as Europe/London",
                                 param_hint="--timezone") from None
    reader = read_jira_csv if source == "jira" else read_pagerduty_csv
    with progress(f"Reading {len(files)} {source} export(s)"):
        batch = reader(files, load_columns_map(columns), team, date_format, timezone)
    for message in batch.warnings:
        warn(message)
    with store_from(ctx) as store, progress(f"Classifying and storing {len(batch.items):,} items"):
        counts = import_batch(store, batch, "csv")
        from toilaudit.summary import breakdown

        figures = breakdown(store, "source").get(source)
    names = ", ".join(f.name for f in batch.files)
    click.echo(
        f"Imported {counts['rows']:,} {source} items from {names} "
        f"({counts['inserted']:,} new, {counts['updated']:,} updated)."
    )
    if figures:
        click.echo(
            f"{figures.toil_items:,} of {figures.items:,} {source} items are toil: "
            f"{figures.toil_percent}% of their time. Next: toilaudit summary"
        )


def _utc(value):
    import pandas as pd

    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _live_progress(description: str):
    """A callback for page imports: a bar with the total where the API gives one."""
    from toilaudit.console import stderr

    if not sys.stderr.isatty():
        return contextlib.nullcontext(lambda fetched, total: None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=stderr, transient=True)

    @contextlib.contextmanager
    def running():
        with bar:
            task = bar.add_task(description, total=None)
            yield lambda fetched, total: bar.update(task, completed=fetched, total=total)

    return running()


def _on_wait(message: str, seconds: float) -> None:
    warn(f"{message}; retrying in {seconds:g}s")


@import_group.command("jira", context_settings=CONTEXT)
@csv_options
@click.option("--url", metavar="URL", help="Jira base URL for a live import, e.g. https://acme.atlassian.net.")
@click.option("--jql", metavar="JQL", help='Which issues, e.g. \'project = OPS AND created >= -365d\'.')
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]), metavar="DATE",
              help="Only issues updated since DATE (added to the JQL as updated >= DATE).")
@click.pass_context
def import_jira(ctx, csv_files, more_files, team, columns, date_format, timezone, url, jql, since) -> None:
    """Import Jira issues from CSV exports, or live from Jira Cloud or Data Center.

    \b
    Live (--url and --jql): credentials come from the environment only:
      JIRA_USER + JIRA_API_TOKEN   Jira Cloud (basic auth with an API token)
      JIRA_PAT                     Jira Server / Data Center (personal access token)
    Pages are committed as they arrive; each (url, jql) keeps a watermark, so the next run
    fetches only what changed, and a run cut off half way is finished by running it again.
    429 and 5xx answers are retried, honouring Retry-After. Corporate CA: REQUESTS_CA_BUNDLE.

    \b
    Reads Jira's export as people have it: repeated Labels / Component/s columns, dates like
    24/Nov/26 3:45 PM or ISO, Time Spent in seconds, UTF-8 (with or without BOM) or
    Windows-1252 from Excel. Needs Issue key, Summary and Created; uses Issue Type, Status,
    Resolved, Time Spent, Labels, Component/s, Priority, Assignee, Reporter and a team column
    when present. Items labelled toil / not-toil in Jira feed `evaluate`, never the classifier.

    \b
    Examples:
      toilaudit import jira --csv jira-2026-q1.csv jira-2026-q2.csv
      toilaudit import jira --csv export.csv --team "Payments SRE" --timezone Europe/London
      toilaudit import jira --csv export.csv --columns columns.yaml
      JIRA_USER=me@acme.com JIRA_API_TOKEN=... toilaudit import jira --url https://acme.atlassian.net \\
          --jql 'project in (OPS, SRE)' --since 2026-01-01
    """
    files = [*csv_files, *more_files]
    if url or jql:
        if files:
            raise click.UsageError("give either --csv FILE or --url with --jql, not both")
        if not (url and jql):
            raise click.UsageError("a live import needs both --url and --jql")
        _run_jira_api(ctx, url, jql, _utc(since))
        return
    _run_csv_import(ctx, "jira", files, team, columns, date_format, timezone)


def _run_jira_api(ctx, url: str, jql: str, since) -> None:
    from toilaudit.audit import import_jira_api
    from toilaudit.importers.jira_api import JiraSource

    with store_from(ctx) as store:
        source = JiraSource(url, on_wait=_on_wait)
        with _live_progress(f"Fetching Jira issues ({source.deployment})") as on_page:
            result = import_jira_api(store, source, jql, since, on_page)
    resumed = f", resuming from {result.resumed_from:%Y-%m-%d %H:%M}" if result.resumed_from is not None else ""
    click.echo(f"Imported {result.fetched:,} Jira issues from {url} ({result.inserted:,} new){resumed}. "
               "Next: toilaudit summary")


@import_group.command("pagerduty", context_settings=CONTEXT)
@csv_options
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]), metavar="DATE",
              help="Live import: incidents created from DATE (UTC).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]), metavar="DATE",
              help="Live import: up to DATE, exclusive (default: now).")
@click.option("--service", "services", multiple=True, metavar="ID", help="Only these service ids (repeatable).")
@click.option("--url", metavar="URL", help="API base URL: https://api.eu.pagerduty.com for the EU service region.")
@click.pass_context
def import_pagerduty(ctx, csv_files, more_files, team, columns, date_format, timezone, since, until, services,
                     url) -> None:
    """Import PagerDuty incidents from CSV downloads, or live from the REST API.

    \b
    Live (--since): the token comes from PAGERDUTY_API_TOKEN (a read-only REST API key).
    Any range works: it is cut into the API's 6-month windows, and windows holding more
    than its 10,000-offset limit are split again, so a busy year imports completely.
    Pages are committed as they arrive; a watermark lets the next run fetch only recent
    incidents (the last 7 days are re-read, as pages resolve after they are created).
    Corporate CA: SSL_CERT_FILE or REQUESTS_CA_BUNDLE.

    \b
    Known headers of each download are recognised (created_on / Created At, resolved_on,
    seconds_to_resolve, auto_resolved, urgency, service_name, team_names, ...). Needs an id or
    incident number, a title or description, and a created time. A page's time is its
    trigger-to-resolve (capped) plus an interruption cost; see the rule pack's settings.

    \b
    Examples:
      toilaudit import pagerduty --csv incidents.csv
      toilaudit import pagerduty --csv analytics.csv --columns pd-columns.yaml
      PAGERDUTY_API_TOKEN=... toilaudit import pagerduty --since 2026-01-01 --service PABC123
    """
    files = [*csv_files, *more_files]
    if since or until or services or url:
        if files:
            raise click.UsageError("give either --csv FILE or --since for a live import, not both")
        if since is None:
            raise click.UsageError("a live import needs --since DATE")
        _run_pagerduty_api(ctx, _utc(since), _utc(until), tuple(services), url)
        return
    _run_csv_import(ctx, "pagerduty", files, team, columns, date_format, timezone)


def _run_pagerduty_api(ctx, since, until, services: tuple[str, ...], url: str | None) -> None:
    import pandas as pd

    from toilaudit.audit import import_pagerduty_api
    from toilaudit.importers.pagerduty_api import PagerDutySource

    until = until if until is not None else pd.Timestamp.now(tz="UTC").floor("s")
    if until <= since:
        raise click.BadParameter("must be after --since", param_hint="--until")
    with store_from(ctx) as store:
        source = PagerDutySource(url, on_wait=_on_wait)
        with _live_progress("Fetching PagerDuty incidents") as on_page:
            result = import_pagerduty_api(store, source, since, until, services, on_page)
    click.echo(f"Imported {result.fetched:,} PagerDuty incidents ({result.inserted:,} new) from {source.url}. "
               "Next: toilaudit summary")


# -------------------------------------------------------------------------------- classify
@cli.command(context_settings=CONTEXT)
@click.option("--rules", type=click.Path(path_type=Path), metavar="FILE",
              help="A rule pack laid over the default: add rules, replace one by its id, `disable: [T007]`, "
                   "change settings. Kept in the store for later imports.")
@click.pass_context
def classify(ctx, rules: Path | None) -> None:
    """Re-label every stored item as toil or not (import does this too).

    Use it after changing the rule pack or the settings (business hours, time zone,
    interruption cost). `toilaudit rules` lists the rules in force.
    """
    from toilaudit.audit import classify_store
    from toilaudit.summary import summarise

    with store_from(ctx) as store:
        if store.item_count() == 0:
            raise ToilauditError("store: no items to classify - import an export first (toilaudit import jira --csv FILE)")
        pack = classify_store(store, rules)
        figures = summarise(store).total
    click.echo(
        f"Classified {figures.items:,} items with rule pack {pack.version}: {figures.toil_items:,} toil, "
        f"{figures.toil_percent}% of time."
    )


@cli.command(context_settings=CONTEXT)
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def rules(ctx, output_format: str) -> None:
    """List the rules in force: id, name, kind, category, weight and the toil trait each detects."""
    from toilaudit.audit import active_rule_pack

    with store_from(ctx) as store:
        pack = active_rule_pack(store)
    if output_format == "json":
        click.echo(json.dumps({"version": pack.version, "rules": [
            {"id": r.id, "name": r.name, "kind": r.kind, "category": r.category, "weight": r.weight,
             "why": r.why, "aliases": list(r.aliases)} for r in pack.rules]}, indent=2))
        return
    table = Table(title=f"Rule pack {pack.version}", title_justify="left")
    for column in ("id", "name", "kind", "category", "weight", "why"):
        table.add_column(column, overflow="fold")
    for r in pack.rules:
        table.add_row(r.id, r.name, r.kind, r.category, f"{r.weight:.2f}", r.why)
    stdout.print(table)


@cli.command(context_settings=CONTEXT)
@click.argument("key")
@click.pass_context
def explain(ctx, key: str) -> None:
    """Show why one item (e.g. OPS-123) was labelled as it was: rules, repetition group, time."""
    with store_from(ctx, catch_up=True) as store:
        found = store.explain(key)
    if found.empty:
        raise ToilauditError(f"explain: no item with key {key!r} - check the key (toilaudit summary lists groups)")
    for row in found.to_dict("records"):
        verdict = "TOIL" if row["is_toil"] else "not toil"
        click.echo(f"{row['source']} {row['key']}: {row['title']}")
        click.echo(f"  verdict:  {verdict} (score {row['score']:.2f}), category {row['category']}")
        click.echo(f"  fired:    {row['rule_ids'] or 'nothing'}")
        click.echo(f"  group:    {row['group_id']} x{row['group_size']}: {row['template']}")
        click.echo(f"  time:     {row['hours']:.2f}h {'measured' if row['hours_measured'] else 'estimated'}")
        click.echo(f"  reasons:  {row['reasons']}")


# --------------------------------------------------------------------------------- summary
SUMMARY_FORMATS = ("table", "json", "csv")


@cli.command(context_settings=CONTEXT)
@click.option("--by", type=click.Choice(["source", "team", "category", "month", "service"]), default="category",
              show_default=True, help="The breakdown to show.")
@click.option("--format", "output_format", type=click.Choice(SUMMARY_FORMATS), default="table", show_default=True)
@click.option("--top", default=10, show_default=True, type=click.IntRange(0, 10_000),
              help="How many automation candidates to list.")
@click.pass_context
def summary(ctx, by: str, output_format: str, top: int) -> None:
    """How much of the time is toil, where, and which toil to automate first.

    toil_percent is toil's share of hours (measured where the source logged time, estimated
    per category otherwise), against Google's 50% cap. Automation candidates are the
    repetition groups of toil (the same request with another host, user or job) ranked by hours.
    """
    from toilaudit.summary import summarise

    with store_from(ctx, catch_up=True) as store:
        if store.item_count() == 0:
            raise ToilauditError("summary: the store is empty - import an export first (toilaudit import jira --csv FILE)")
        result = summarise(store, by, top)
    SUMMARY_RENDERERS[output_format](result)


def _summary_json(result) -> None:
    click.echo(json.dumps(result.as_json(), indent=2))


def _summary_csv(result) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([result.by, "items", "toil_items", "toil_percent", "toil_hours", "total_hours", "measured_hours"])
    for name, f in result.breakdown.items():
        writer.writerow([name, f.items, f.toil_items, f.toil_percent, round(f.toil_hours, 2), round(f.total_hours, 2),
                         round(f.measured_hours, 2)])
    click.echo(buffer.getvalue(), nl=False)


def _summary_table(result) -> None:
    total = result.total
    period = ""
    if result.first_created is not None:
        period = f" from {result.first_created:%Y-%m-%d} to {result.last_created:%Y-%m-%d}"
    stdout.print(
        f"[bold]{total.toil_percent}%[/bold] of time is toil ({total.toil_hours:,.0f} of {total.total_hours:,.0f} h; "
        f"Google's cap: 50%) over {total.items:,} items{period}. "
        f"{total.measured_percent}% of the hours were measured, the rest estimated.",
        highlight=False,
    )
    table = Table(title=f"By {result.by}", title_justify="left")
    for column in (result.by, "items", "toil items", "toil % of time", "toil h", "total h"):
        table.add_column(column, justify="left" if column == result.by else "right")
    for name, f in result.breakdown.items():
        table.add_row(name, f"{f.items:,}", f"{f.toil_items:,}", f"{f.toil_percent}", f"{f.toil_hours:,.1f}",
                      f"{f.total_hours:,.1f}")
    stdout.print(table)
    candidates = Table(title="Top automation candidates (toil repeated, by hours)", title_justify="left")
    for column in ("#", "group", "category", "items", "hours", "example"):
        candidates.add_column(column, justify="right" if column in ("#", "items", "hours") else "left",
                              overflow="fold")
    for rank, c in enumerate(result.candidates, 1):
        candidates.add_row(str(rank), c.group_id, c.category, f"{c.items:,}", f"{c.hours:,.1f}", c.example_title)
    stdout.print(candidates)


SUMMARY_RENDERERS = {"table": _summary_table, "json": _summary_json, "csv": _summary_csv}


# -------------------------------------------------------------------------------- evaluate
@cli.command(context_settings=CONTEXT)
@click.option("--labels", type=click.Path(path_type=Path), metavar="FILE",
              help="CSV with a header key,label (label: toil or not-toil); optional source column.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def evaluate(ctx, labels: Path | None, output_format: str) -> None:
    """Precision, recall and F1 of the classifier against people's labels.

    Labels come from FILE and from Jira items labelled toil / not-toil (FILE wins for a key
    in both). Measure this before you quote the toil figure to anyone.
    """
    import pandas as pd

    from toilaudit.classify.evaluate import evaluate as score, read_labels

    with store_from(ctx, catch_up=True) as store:
        in_jira = store.human_labels()[["source", "key", "label"]]
        given = read_labels(labels) if labels else pd.DataFrame(columns=["key", "label", "source"])
        combined = pd.concat([in_jira, given]).drop_duplicates("key", keep="last")
        combined["source"] = combined["source"].fillna("")
        if combined.empty:
            raise ToilauditError(
                "evaluate: no labels - pass --labels FILE (key,label) or label items toil / not-toil in Jira"
            )
        result = score(store.predictions(), combined)
    if result.support == 0:
        raise ToilauditError("evaluate: none of the labelled keys is in the store - import the items they label first")
    if result.unmatched:
        warn(f"{result.unmatched} labelled key(s) are not in the store and were left out")
    if output_format == "json":
        click.echo(json.dumps(result.as_json(), indent=2))
        return
    click.echo(f"precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}  "
               f"support {result.support}")
    table = Table(title="Confusion matrix (rows: people, columns: toilaudit)", title_justify="left")
    table.add_column("")
    table.add_column("toil", justify="right")
    table.add_column("not toil", justify="right")
    table.add_row("toil", str(result.true_positive), str(result.false_negative))
    table.add_row("not toil", str(result.false_positive), str(result.true_negative))
    stdout.print(table)


# ------------------------------------------------------------------------- interview
def _resolve_org(store: Store, org: str | None) -> str:
    """The org named, or the only one interviewed; several need --org."""
    if org:
        return org
    orgs = sorted(set(store.load_answers()["org"]))
    if not orgs:
        raise ToilauditError("no interview answers in the store - run toilaudit interview (or --answers FILE) first")
    if len(orgs) > 1:
        raise ToilauditError(f"several organisations interviewed ({', '.join(orgs)}) - pass --org NAME")
    return orgs[0]


@cli.command(context_settings=CONTEXT)
@click.option("--org", metavar="NAME", help="The organisation assessed (asked for when missing).")
@click.option("--interviewee", metavar="NAME",
              help="Who answers: a person or a team. Several are kept apart and combined by assess.")
@click.option("--answers", "answers_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Take the answers from a filled-in --template file instead of asking.")
@click.option("--template", is_flag=True, help="Print a YAML answers file listing every question and its choices.")
@click.pass_context
def interview(ctx, org: str | None, interviewee: str | None, answers_file: Path | None, template: bool) -> None:
    """Guided interview: score platform and SRE maturity on the five levels of Table 3.

    \b
    Asks 28 questions (platform track, SRE track, AI agents in production), one at a
    time, with why each matters. Every answer is saved the moment it is given: Ctrl-C
    pauses, and running the same command again offers to resume. 'Not sure' is always
    accepted; it counts as not met and is listed as an open question in the report.

    \b
    Without a terminal (CI, a form collected in a workshop), fill in a template instead:
      toilaudit interview --template > answers.yaml
      toilaudit interview --answers answers.yaml --org "Northbank" --interviewee payments
    """
    from toilaudit.maturity.bank import load_bank

    bank = load_bank()
    if template:
        from toilaudit.maturity.answers import template_yaml

        click.echo(template_yaml(bank, org), nl=False)
        return
    if answers_file is not None:
        _interview_from_file(ctx, bank, answers_file, org, interviewee)
        return
    if not sys.stdin.isatty():
        raise ToilauditError("interview: no terminal - pass --answers FILE (see --template)")
    _interview_in_terminal(ctx, bank, org, interviewee)


def _save_answers_file(store: Store, bank, answers_file: Path, org: str | None, interviewee: str | None):
    """Store a filled-in template's answers; returns (org, interviewee, answers, unanswered ids)."""
    from toilaudit.maturity.answers import read_answers_file

    file_org, file_interviewee, answers, unanswered = read_answers_file(answers_file, bank)
    org = org or file_org
    if not org:
        raise ToilauditError(f"{answers_file.name}: no organisation - set `org:` in the file or pass --org NAME")
    who = interviewee or file_interviewee or "answers file"
    with store.transaction():
        store.delete_answers(org, who)
        for answer in answers:
            store.save_answer(org, who, answer.question_id, answer.value, answer.note)
        for question_id in unanswered:  # an unanswered question is an open question, not a missing one
            store.save_answer(org, who, question_id, "unknown", "")
    return org, who, answers, unanswered


def _interview_from_file(ctx, bank, answers_file: Path, org: str | None, interviewee: str | None) -> None:
    with store_from(ctx) as store:
        org, who, answers, unanswered = _save_answers_file(store, bank, answers_file, org, interviewee)
    unknown = sum(1 for a in answers if a.value == "unknown") + len(unanswered)
    if unanswered:
        warn(f"{len(unanswered)} question(s) left unanswered, counted as unknown: {', '.join(unanswered[:5])}"
             + (" ..." if len(unanswered) > 5 else ""))
    click.echo(f"Saved {len(answers)} answers for {org} ({who}); {unknown} unknown. Next: toilaudit assess --org '{org}'")


def _interview_in_terminal(ctx, bank, org: str | None, interviewee: str | None) -> None:
    import questionary

    from toilaudit.maturity.interview import InterviewSession, run_interview

    with store_from(ctx) as store:
        try:
            if not org:
                known = sorted(set(store.load_answers()["org"]))
                org = questionary.text("Organisation name:", default=known[-1] if known else "My organisation",
                                       validate=lambda t: bool(t.strip()) or "Give a name").unsafe_ask().strip()
            if not interviewee:
                interviewee = questionary.text("Who is answering (a person or a team)?", default="platform team",
                                               validate=lambda t: bool(t.strip()) or "Give a name"
                                               ).unsafe_ask().strip()
            session = InterviewSession(store, bank, org, interviewee, stdout, {})
            run_interview(session)
        except KeyboardInterrupt:
            saved = 0
            if org and interviewee:
                answers = store.load_answers(org)
                saved = int((answers["interviewee"] == interviewee).sum())
            click.echo(
                f"\nInterview paused: {saved} of {len(bank.questions)} answers are saved. To resume, run: "
                f"toilaudit interview --org '{org or ''}' --interviewee '{interviewee or ''}'",
                err=True,
            )
            ctx.exit(EXIT_INTERRUPTED)


# ---------------------------------------------------------------------------- assess
def _assessment(store: Store, org: str | None):
    """Score the org's stored answers against the store's evidence."""
    from toilaudit.maturity.answers import Answer
    from toilaudit.maturity.bank import load_bank
    from toilaudit.maturity.evidence import gather_evidence
    from toilaudit.maturity.scoring import assess

    org = _resolve_org(store, org)
    answers = [Answer(r["question_id"], r["answer"] or "unknown", r["note"] or "", r["interviewee"])
               for r in store.load_answers(org).to_dict("records")]
    return assess(load_bank(), answers, gather_evidence(store), org)


@cli.command(context_settings=CONTEXT)
@click.option("--org", metavar="NAME", help="Which organisation (needed when several were interviewed).")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def assess(ctx, org: str | None, output_format: str) -> None:
    """Place the platform and SRE practice on the five levels, and derive AI readiness.

    \b
    Each track climbs a gated ladder: a level holds when all its questions are met and
    every level below holds. Overall maturity and AI readiness follow the weaker track
    (Table 3: Foundation, Standardized, Measured, Optimized, Autonomous). Evidence beats
    claims: toil counts as measured only when the store holds 30+ days of classified items.
    Several interviewees are combined question by question, the weakest answer counting.
    """
    from toilaudit.maturity.interface import AI_READINESS, LEVELS, PLATFORM_STATE, SRE_STATE
    from toilaudit.maturity.output import assessment_json, gate_text

    with store_from(ctx, catch_up=True) as store:
        result = _assessment(store, org)
    if output_format == "json":
        click.echo(json.dumps(assessment_json(result), indent=2))
        return
    stdout.print(
        f"[bold]{result.org}[/bold]: overall [bold]{LEVELS[result.overall_level]}[/bold] "
        f"(platform {LEVELS[result.platform.level]}, SRE {LEVELS[result.sre.level]}). "
        f"AI readiness: [bold]{result.ai_readiness}[/bold].",
        highlight=False,
    )
    table = Table(title="Table 3: where you stand", title_justify="left")
    for column in ("level", "platform", "SRE", "AI readiness"):
        table.add_column(column)
    for level in range(1, 6):
        mark_p = " ◀ platform" if level == result.platform.level else ""
        mark_s = " ◀ SRE" if level == result.sre.level else ""
        table.add_row(f"{level} {LEVELS[level]}", PLATFORM_STATE[level] + mark_p, SRE_STATE[level] + mark_s,
                      AI_READINESS[level])
    stdout.print(table)
    for track in (result.platform, result.sre):
        blocking = next((lv for lv in track.levels if not lv.holds), None)
        if blocking:
            missing = [r.question.id for r in blocking.questions if not r.met]
            click.echo(f"{track.track}: next level {blocking.level} {blocking.name} needs: {', '.join(missing)}")
    for line in result.contradictions:
        click.echo(f"note: {line}")
    if result.open_questions:
        click.echo(f"open questions (answered unknown): {', '.join(r.question.id for r in result.open_questions)}")
    click.echo(gate_text(result.gate))


GATE_FORMATS = ("text", "json", "opa-input")


@cli.command(context_settings=CONTEXT)
@click.option("--org", metavar="NAME", help="Which organisation (needed when several were interviewed).")
@click.option("--format", "output_format", type=click.Choice(GATE_FORMATS), default="text", show_default=True,
              help="opa-input prints the input document for the shipped Rego policy, to run in your own OPA.")
@click.pass_context
def gate(ctx, org: str | None, output_format: str) -> None:
    """May agentic AI get write access? Exit 0 if allowed, 1 if denied.

    \b
    Evaluates the article's Rego policy (package sre.ai.readiness, rule allow_agentic_ai,
    default deny) with a real Rego engine on the input built from the interview and the
    store: slo_defined, error_budget_policy, shadow_period_days >= 30, decision_provenance,
    rollback_automated, toil_measured. Failing conditions are listed in the order of the
    four actions. The policy ships with toilaudit; `toilaudit report` writes it beside the PDF.
    """
    from toilaudit.maturity.output import gate_json, gate_text

    with store_from(ctx, catch_up=True) as store:
        result = _assessment(store, org).gate
    if output_format == "opa-input":
        click.echo(json.dumps(result.input, indent=2))
    elif output_format == "json":
        click.echo(json.dumps(gate_json(result), indent=2))
    else:
        click.echo(gate_text(result))
    ctx.exit(0 if result.allow else EXIT_DENIED)


# ---------------------------------------------------------------------------- report
def _report_options(function):
    options = [
        click.option("--org", metavar="NAME", help="Which organisation (needed when several were interviewed)."),
        click.option("--hourly-rate", default=100.0, show_default=True, metavar="AMOUNT",
                     help="Loaded cost of an engineer-hour, for the toil cost per month."),
        click.option("--currency", default="USD", show_default=True, metavar="CODE"),
        click.option("--show-names", is_flag=True,
                     help="Show people's names; by default they are pseudonymised (Engineer A, B, ...)."),
        click.option("--date", "report_date", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
                     help="The report date printed on the cover (default: today)."),
        click.option("--assessor", metavar="NAME", help="Who assessed (default: the interviewees)."),
        click.option("--labels", type=click.Path(path_type=Path), metavar="FILE",
                     help="Human labels (key,label) for the classifier's precision and recall in the appendix."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


MAX_HOURLY_RATE = 100_000


def _build_and_publish(store, assessment, out: Path, output_format: str, hourly_rate, currency, show_names,
                       report_date, assessor, labels):
    from datetime import date

    from toilaudit.classify.evaluate import read_labels
    from toilaudit.report.publish import publish
    from toilaudit.report.view_model import build_report

    if not 0 <= hourly_rate <= MAX_HOURLY_RATE:  # NaN fails too; inf or 1e308 would overflow the cost
        raise click.BadParameter(f"{hourly_rate} - give an amount from 0 to {MAX_HOURLY_RATE:,}",
                                 param_hint="--hourly-rate")
    model = build_report(
        store, assessment, report_date.date() if report_date else date.today(), hourly_rate=hourly_rate,
        currency=currency, show_names=show_names, assessor=assessor,
        labels=read_labels(labels) if labels else None,
    )
    return publish(model, out, output_format)


def _describe(published) -> None:
    pages = f" ({published.pages} pages)" if published.pages else ""
    click.echo(f"Wrote {published.report}{pages}.")
    if published.companions:
        click.echo(f"Guardrails beside it, in {published.report.parent}/:")
        for path in published.companions:
            click.echo(f"  {path.name}")


@cli.command(context_settings=CONTEXT)
@click.option("--out", type=click.Path(path_type=Path), required=True, metavar="FILE",
              help="Where to write the report, e.g. board/roadmap.pdf.")
@click.option("--format", "output_format", type=click.Choice(["pdf", "html", "json"]), default=None,
              help="Default: from --out's extension, else pdf.")
@_report_options
@click.pass_context
def report(ctx, out: Path, output_format, org, hourly_rate, currency, show_names, report_date, assessor, labels) -> None:
    """Write the board report: the four actions in order, with the evidence behind every figure.

    \b
    Contents: cover; executive summary (toil share against Google's 50% cap and the
    industry's 34%, toil hours and cost per month, maturity, AI readiness, the gate, the
    three biggest risks); Table 3 with your levels marked; toil analysis (monthly trend, by
    team and category, automation candidates); the roadmap (Action 1 to 4, each with its
    status, the gate conditions it closes and next steps); the trust ladder; appendix
    (method, provenance with input file hashes, open questions, glossary).

    \b
    Beside a PDF or HTML report it writes the guardrails the roadmap recommends:
    prometheus-ai-error-budget.yaml, rbac-trust-ladder.yaml, sre_ai_readiness.rego and
    readiness-input.json. People are pseudonymised unless --show-names is given.

    \b
    Example:
      toilaudit report --out board/roadmap.pdf --hourly-rate 120 --currency EUR
    """
    fmt = output_format or {".html": "html", ".htm": "html", ".json": "json"}.get(out.suffix.lower(), "pdf")
    with store_from(ctx, catch_up=True) as store:
        assessment = _assessment(store, org)
        published = _build_and_publish(store, assessment, out, fmt, hourly_rate, currency, show_names,
                                       report_date, assessor, labels)
    _describe(published)


@cli.command(context_settings=CONTEXT)
@click.option("--out", type=click.Path(path_type=Path), default=Path("toilaudit-demo"), show_default=True,
              metavar="DIR", help="Folder for the demo report and its guardrail files.")
@click.pass_context
def demo(ctx, out: Path) -> None:
    """Run the whole flow on the bundled examples and write a board PDF, with no prompts.

    \b
    Imports a year of a fictional bank's Jira tickets and PagerDuty pages into a temporary
    store, classifies them, takes the interview from a prepared answers file, scores maturity,
    evaluates the readiness gate and writes toilaudit-report.pdf with its guardrail files.
    Your own store is not touched.
    """
    import tempfile
    from importlib import resources

    from toilaudit.audit import import_batch
    from toilaudit.importers.jira_csv import read_jira_csv
    from toilaudit.importers.pagerduty_csv import read_pagerduty_csv
    from toilaudit.maturity.bank import load_bank
    from toilaudit.maturity.interface import LEVELS

    with tempfile.TemporaryDirectory(prefix="toilaudit-demo-") as folder, \
            resources.as_file(resources.files("toilaudit.examples")) as examples, \
            contextlib.closing(open_store(str(Path(folder) / "demo.db"))) as store:
        with progress("Importing the example Jira and PagerDuty exports"):
            import_batch(store, read_jira_csv([examples / "jira_export.csv"], {}), "csv")
            import_batch(store, read_pagerduty_csv([examples / "pagerduty_incidents.csv"], {}), "csv")
        org, *_ = _save_answers_file(store, load_bank(), examples / "interview_answers.yaml", None, None)
        assessment = _assessment(store, org)
        with progress("Rendering the board report"):
            published = _build_and_publish(store, assessment, out / "toilaudit-report.pdf", "pdf", 100.0, "USD", False,
                                           None, None, examples / "labels.csv")
    figures = assessment.evidence
    click.echo(
        f"Demo for {assessment.org}: {figures.items:,} items, toil {figures.toil_percent}% of time; overall "
        f"maturity {LEVELS[assessment.overall_level]}, AI readiness {assessment.ai_readiness}, "
        f"gate {'allows' if assessment.gate.allow else 'denies'}."
    )
    _describe(published)


def main() -> None:
    cli(prog_name="toilaudit")


if __name__ == "__main__":
    main()
