"""The command line: parse, call, print. Nothing else lives here."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import click
from rich.table import Table

from toilaudit import __version__
from toilaudit.console import LiveProgress, progress, prose, stdout, warn
from toilaudit.errors import (
    EXIT_BAD_INPUT,
    EXIT_BROKEN_PIPE,
    EXIT_BUG,
    EXIT_DENIED,
    EXIT_INTERRUPTED,
    ToilauditError,
    shown,
)
from toilaudit.secrets import redact
from toilaudit.store import WAIT_SECONDS, NoStoreError, Opening, Store, open_store
from toilaudit.store.schema import GROUPINGS
from toilaudit.urls import redact_url, unencrypted

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


MESSAGE_CHARS = 300  # a one-line message longer than this is cut: it is one line, not a dump


def _say(message: str) -> None:
    """Print one error line on stderr, whatever the message holds."""
    line = " ".join(redact(str(message)).split())
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
        except BrokenPipeError:  # toilaudit --help | head -1
            raise _output_closed() from None

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
        except BrokenPipeError:
            raise _output_closed() from None
        except KeyboardInterrupt:
            store = (ctx.obj or {}).get("store")
            if store is not None and store.saved:  # Ctrl-C came after the commit, while closing or printing
                _say("error: interrupted after the work was saved - the store holds it; run toilaudit summary to see it")
            else:
                _say("error: interrupted - work in progress was rolled back; run the same command again to finish")
            ctx.exit(EXIT_INTERRUPTED)
        except MemoryError:  # numpy's and Arrow's too: the machine's limit, not a bug
            _say("error: out of memory - work in progress was rolled back; classifying holds every stored item "
                 "(about 2 GB per million items): close other programs or run it on a machine with more memory")
            ctx.exit(EXIT_BAD_INPUT)
        except Exception as exc:
            if (ctx.obj or {}).get("verbose"):
                import traceback

                traceback.print_exc(file=sys.stderr)
            _say(f"toilaudit: internal error ({type(exc).__name__}: {exc}) - this is a bug: please file a bug "
                 "report with the command you ran and its output under toilaudit -v")
            ctx.exit(EXIT_BUG)


def _output_closed() -> click.exceptions.Exit:
    """Standard output's reader went away (`toilaudit items | head -1`): it has what it wanted, so the
    command ends quietly, as a program ended by SIGPIPE does (exit 141, like `git log | head`), with
    no message. Standard output is pointed at /dev/null first: Python flushes it once more on the
    way out and would print a traceback (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test's captured output)
        pass
    return click.exceptions.Exit(EXIT_BROKEN_PIPE)


class InputFile(click.Path):
    """A file to read, where `-` is standard input: read once into a temporary file named `stdin`
    (importers hash a file, sniff it and read it again), removed when the command ends."""

    name = "file"

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value, param, ctx):
        if str(value) != "-" or ctx is None:
            return super().convert(value, param, ctx)
        root = ctx.find_root()
        if "stdin_file" not in root.meta:  # read once, even if `-` is given twice
            import tempfile

            folder = tempfile.mkdtemp(prefix="toilaudit-")
            root.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
            root.meta["stdin_file"] = Path(folder) / "stdin"
            with open(root.meta["stdin_file"], "wb") as spooled:
                shutil.copyfileobj(sys.stdin.buffer, spooled)
        return root.meta["stdin_file"]


INPUT_FILE = InputFile()


# How a command uses the store: "read" only reads (many such commands share a DuckDB file at
# once); "write" writes to a store that must exist; "create" may make the store.
READ, WRITE, CREATE = "read", "write", "create"


def _setting(ctx: click.Context, name: str, default=None):
    return (ctx.obj or {}).get(name, default) if ctx.obj is not None else default


def notice(ctx: click.Context, message: str) -> None:
    """A line about progress on stderr (waiting, retrying), unless -q."""
    if not _setting(ctx, "quiet"):
        click.echo(message, err=True)


def _opening(ctx: click.Context, access: str) -> Opening:
    return Opening(read_only=access == READ, create=access == CREATE,
                   wait_seconds=_setting(ctx, "wait", WAIT_SECONDS),
                   on_wait=lambda message: notice(ctx, f"waiting: {message}"))


@contextlib.contextmanager
def store_from(ctx: click.Context, access: str = CREATE, shows_figures: bool = False) -> Iterator[Store]:
    """The store for one command, held until the command is done with it.

    `shows_figures`: the command counts items; say so if some have no classification."""
    store = open_store(ctx.obj["db"], _opening(ctx, access))
    ctx.obj["store"] = store  # for the interrupt's message: saved or rolled back
    try:
        if shows_figures:
            _warn_not_counted(store)
        yield store
    finally:
        store.close()


def _warn_not_counted(store: Store) -> None:
    """Say what the figures leave out: pages an unfinished live import keeps aside, and items a live
    import of toilaudit 0.1 cut off half way left without a classification."""
    waiting = store.staged_count()
    if waiting:
        warn(f"{waiting:,} item(s) fetched by an unfinished live import are kept aside and not counted yet - run "
             "the same import again to finish it")
    unclassified = store.unclassified_count()
    if unclassified:
        warn(f"{unclassified:,} item(s) fetched by an interrupted import are not classified and not counted - "
             "run toilaudit classify")


def _remember(name: str):
    """Keep an option's value for the whole run; given after the command, it wins over before."""
    def callback(ctx: click.Context, param: click.Parameter, value):
        if value is not None and value is not False:
            ctx.ensure_object(dict)[name] = value
        return value

    return callback


def common_options(on_group: bool) -> list[click.Option]:
    """--db, --wait, -v and -q, accepted before the command (toilaudit --db x.db summary) and after
    it (toilaudit summary --db x.db), as git and pip users expect. Environment variables are read
    once, by the group's options, so that a flag given after the command always wins."""
    env = (lambda name: name) if on_group else (lambda name: None)
    return [
        click.Option(["--db"], metavar="PATH|URL", envvar=env("TOILAUDIT_DB"), expose_value=False,
                     callback=_remember("db"),
                     help="Store: a DuckDB file (default ./toilaudit.db) or postgresql://user@host:port/db. "
                          "Env: TOILAUDIT_DB."),
        click.Option(["--wait"], metavar="SECONDS", type=click.FloatRange(0, 24 * 3600), envvar=env("TOILAUDIT_WAIT"),
                     expose_value=False, callback=_remember("wait"),
                     help=f"How long to wait for a store file another toilaudit is writing to (default "
                          f"{WAIT_SECONDS:g}). Env: TOILAUDIT_WAIT."),
        click.Option(["-v", "--verbose"], is_flag=True, expose_value=False, callback=_remember("verbose"),
                     help="Print each step of an import and each retry of a live one; on an internal error, the "
                          "traceback (for a bug report)."),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_remember("quiet"),
                     help="No progress, retry or waiting lines on stderr (errors and warnings still print)."),
    ]


@click.group(cls=ToilauditGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="toilaudit")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Measure toil from Jira and PagerDuty, score platform and SRE maturity, and decide whether
    AI agents may touch production, with the evidence a board can trust.

    \b
    A typical audit:
      toilaudit import jira --csv jira.csv          # Jira "Export CSV (all fields)"
      toilaudit import pagerduty --csv incidents.csv
      toilaudit summary                             # how much time is toil, and which first
      toilaudit evaluate --labels labels.csv        # how far to trust the classifier

    --db, --wait, -v and -q may come before or after the command.

    Exit codes: 0 success, 1 a negative verdict (gate denied), 2 bad usage or input
    (or no room: a full disk, too little memory), 70 an internal error (a bug: run
    with -v and report it), 130 interrupted, 141 the output's reader stopped early
    (as with | head: the command ends quietly).
    """
    ctx.ensure_object(dict).setdefault("db", None)


cli.params[:0] = common_options(on_group=True)


# ---------------------------------------------------------------------------------- import
@cli.group("import", context_settings=CONTEXT)
def import_group() -> None:
    """Load tickets (Jira) or pages (PagerDuty) into the store and classify them.

    Imports are upserts keyed by (source, key): importing the same export twice changes
    no item (the import is recorded), and a failed import leaves the store exactly as it was.
    """


DATE_FORMAT_HELP = {  # each source's own date format: a PagerDuty user has no use for Jira's
    "jira": "strptime format when dates are not ISO or Jira's default, e.g. '%d.%m.%Y %H:%M'.",
    "pagerduty": "strptime format when dates are not ISO 8601 as PagerDuty writes them, e.g. '%m/%d/%Y %H:%M' "
                 "(a download re-saved by Excel).",
}


def csv_options(source: str):
    def decorate(function):
        options = [
            click.option("--csv", "csv_files", multiple=True, type=INPUT_FILE, metavar="FILE",
                         help="An export file; more files may follow as arguments."),
            click.argument("more_files", nargs=-1, type=INPUT_FILE),
            click.option("--team", metavar="NAME", help="Tag every item of these files with this team."),
            click.option("--columns", type=INPUT_FILE, metavar="FILE",
                         help="YAML map of your headers to fields, e.g.  'Custom field (Squad)': team. A team "
                              "among a column's values:  'Labels': {field: team, prefix: team-}  (team-payments: "
                              "payments) or  {field: team, values: [netops, sre]}."),
            click.option("--date-format", metavar="FMT", help=DATE_FORMAT_HELP[source]),
            click.option("--timezone", default="UTC", show_default=True, metavar="TZ",
                         help="Time zone of dates written without an offset (an export writes its exporter's zone)."),
        ]
        for option in reversed(options):
            function = option(function)
        return function
    return decorate


LIVE_IMPORT = {"jira": "--url URL with --jql JQL", "pagerduty": "--since DATE"}  # the other way in, named beside --csv
TIMEZONE_SETTING = "csv_timezone|"  # the --timezone of each source's last CSV import


def _run_csv_import(ctx: click.Context, source: str, files: list[Path], team, columns, date_format, timezone) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from toilaudit.audit import import_batch
    from toilaudit.importers.columns import load_columns_map
    from toilaudit.importers.jira_csv import read_jira_csv
    from toilaudit.importers.pagerduty_csv import read_pagerduty_csv
    from toilaudit.item_versions import DatesRead

    if not files:
        live = LIVE_IMPORT[source]
        raise click.UsageError(f"no export given - pass --csv FILE, or {live} for a live import (see toilaudit "
                               f"import {source} --help)")
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
    zone_setting = f"{TIMEZONE_SETTING}{source}"
    with store_from(ctx) as store, progress(f"Classifying and storing {len(batch.items):,} items"):
        before = store.get_setting(zone_setting)
        counts = import_batch(store, batch, "csv", tell=lambda step: _step(ctx, step), told=warn,
                              dates=DatesRead(timezone, before))
        from toilaudit.summary import breakdown

        figures = breakdown(store, "source").get(source)
        store.set_setting(zone_setting, timezone)
    if before not in (None, timezone) and counts["updated"]:
        # the same export read in another zone moves every date written without an offset
        warn(f"the last {source} import read dates written without an offset in {before}, this one in {timezone}: "
             f"if the {counts['updated']:,} updated items' dates should not have moved, import again with "
             f"--timezone {before}")
    names = ", ".join(f.name for f in batch.files)
    click.echo(
        f"Imported {counts['rows']:,} {source} items from {names} "
        f"({counts['inserted']:,} new, {counts['updated']:,} updated"
        + (f", {counts['unchanged']:,} unchanged" if counts["unchanged"] else "")
        + (f", {counts['older']:,} older than stored" if counts["older"] else "") + ")."
    )
    if figures:
        click.echo(
            f"{figures.toil_items:,} of {figures.items:,} {source} items are toil: "
            f"{figures.toil_percent}% of their time. Next: toilaudit summary"
        )


def _step(ctx: click.Context, step: str) -> None:
    """A step of a long command on stderr, with -v (for logs, and to see when the store is free)."""
    if _setting(ctx, "verbose") and not _setting(ctx, "quiet"):
        click.echo(step, err=True)


def _utc(value):
    import pandas as pd

    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _live_progress(ctx: click.Context, description: str) -> LiveProgress:
    return LiveProgress(description, quiet=bool(_setting(ctx, "quiet")), verbose=bool(_setting(ctx, "verbose")))


@contextlib.contextmanager
def _warning_at_the_end(source) -> Iterator[None]:
    """Say what a live import's pages deserve a warning for, however the import ends: a run that
    fails or is cut off keeps its pages, and the run that goes on from them does not fetch them again."""
    try:
        yield
    finally:
        for message in source.warnings():
            warn(message)


def _interrupted(ctx: click.Context, progress: LiveProgress, what: str) -> None:
    """Ctrl-C in a live import: the pages fetched so far are kept aside, with the place they reached."""
    _say(f"interrupted: {progress.done:,} {what} fetched so far are kept aside, not in the figures yet - run the "
         "same command again to fetch only the rest")
    ctx.exit(EXIT_INTERRUPTED)


@import_group.command("jira", context_settings=CONTEXT)
@csv_options("jira")
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
    Pages are kept aside with the place they reached and join the store, classified, after
    the last one: commands run meanwhile see the store as it was. A run cut off (Ctrl-C exits
    130, or an outage) fetches only the rest when run again; after a complete run each (url,
    jql) keeps a watermark, so the next fetches only what changed. Progress shows the total
    and the time left where Jira gives a total (Data Center); without a terminal, a line every
    few seconds.
    429 and 5xx answers are retried, honouring Retry-After, and summarised at the end (each
    with -v). Corporate CA: REQUESTS_CA_BUNDLE, else SSL_CERT_FILE (as for PagerDuty).

    \b
    Reads Jira's export as people have it: repeated Labels / Component/s columns, dates like
    24/Nov/26 3:45 PM (month names of Jira's languages too: 27/Okt/26) or ISO, Time Spent in
    seconds, UTF-8 (with or without BOM) or Windows-1252 from Excel. Needs Issue key, Summary
    and Created; uses Issue Type, Status, Resolved, Updated, Resolution, Time Spent, Labels,
    Component/s, Priority, Assignee and a team column when present. An export older than one
    imported before leaves the newer items (by Updated) as they are; an item under a stored
    key with another Created is another Jira's, and refused. The assignee carries an item's
    toil; an unassigned item counts as "(unassigned)", never as its reporter's (a requester or
    a bot). A team column of ids (Data Center's Team field: 3, 7, 12) is warned about and
    shown as "team id 3". An item labelled toil / not-toil in Jira is a person's label, as
    with `toilaudit label`: it decides that item, leans its repetition group and adapts the
    model, and `evaluate` measures the classifier on it.

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
    if since is not None:  # it narrows what the API returns (updated >= DATE); an export was chosen in Jira
        raise click.UsageError("--since is for a live import, with --url and --jql: an export (--csv) is imported "
                               "whole - pick the period with --period in summary and report")
    _run_csv_import(ctx, "jira", files, team, columns, date_format, timezone)


def _run_jira_api(ctx, url: str, jql: str, since) -> None:
    from toilaudit.audit import import_jira_api
    from toilaudit.importers.jira_api import JiraSource

    progress = _live_progress(ctx, "Fetching Jira issues")
    try:
        with store_from(ctx) as store, progress:
            source = JiraSource(url, on_wait=progress.retry)
            if unencrypted(url):
                warn(f"jira: --url {redact_url(url)} is http:// - the credentials cross the network unencrypted; "
                     "use https:// where the server has it")
            progress.description += f" ({source.deployment})"
            with _warning_at_the_end(source):
                result = import_jira_api(store, source, jql, since, progress.page, told=warn)
    except KeyboardInterrupt:
        _interrupted(ctx, progress, "Jira issues")
    resumed = f", resuming from {result.resumed_from:%Y-%m-%d %H:%M}" if result.resumed_from is not None else ""
    click.echo(f"Imported {result.fetched:,} Jira issues from {url} ({result.inserted:,} new){resumed}"
               f"{_went_on(result)}. Next: toilaudit summary")


def _went_on(result) -> str:
    return (f"; went on from an interrupted run, which had fetched {result.fetched_before:,}"
            if result.fetched_before else "")


@import_group.command("pagerduty", context_settings=CONTEXT)
@csv_options("pagerduty")
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
    Pages are kept aside with the place they reached and join the store, classified, after
    the last one (commands run meanwhile see the store as it was): a run cut off (Ctrl-C exits
    130, or an outage) fetches only the rest when run again; after a complete run a watermark
    lets the next fetch only recent incidents (the last 7 days are re-read, as pages resolve
    after they are created). Progress shows the total and the time left; without a terminal,
    a line every few seconds; retries are summarised at the end (each with -v). Corporate CA:
    REQUESTS_CA_BUNDLE, else SSL_CERT_FILE (as for Jira).

    \b
    Known headers of each download are recognised (created_on / Created At, resolved_on,
    seconds_to_resolve, auto_resolved, urgency, service_name, team_names, ...). Needs an id or
    incident number, a title or description, and a created time. A page's time is its
    trigger-to-resolve (capped) plus an interruption cost; a page PagerDuty resolved by itself
    costs the interruption alone; see the rule pack's settings.

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
    progress = _live_progress(ctx, "Fetching PagerDuty incidents")
    try:
        with store_from(ctx) as store, progress:
            source = PagerDutySource(url, on_wait=progress.retry)
            with _warning_at_the_end(source):
                result = import_pagerduty_api(store, source, since, until, services, progress.page, told=warn)
    except KeyboardInterrupt:
        _interrupted(ctx, progress, "PagerDuty incidents")
    click.echo(f"Imported {result.fetched:,} PagerDuty incidents ({result.inserted:,} new) from {source.url}"
               f"{_went_on(result)}. Next: toilaudit summary")


# -------------------------------------------------------------------------------- classify
@cli.command(context_settings=CONTEXT)
@click.option("--rules", type=INPUT_FILE, metavar="FILE",
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

    with store_from(ctx, WRITE) as store:
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
    from toilaudit.classify.rule_pack import load_rule_pack

    try:
        with store_from(ctx, READ) as store:
            pack = active_rule_pack(store)
    except NoStoreError:  # no store yet: the default pack is the one in force
        pack = load_rule_pack()
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


def _parse_period(ctx, param, value: str | None):
    """--period, read before the command runs: a bad one is one line and exit 2, naming the forms."""
    from toilaudit.period import parse_period

    return parse_period(value) if value is not None else None


def _period_option(function):
    return click.option(
        "--period", metavar="P", callback=_parse_period,
        help="The period the figures count: 2026-Q3, 2026-11, 2026, 2025-12..2026-11, 2026-01-15..2026-03-31, "
             "last-12-months or all. Default: the last 12 full months of the data, ending with the month of the "
             "latest item when it had ended by the latest import. Older items still count as evidence "
             "(repetition, toil tracking).")(function)


@cli.command(context_settings=CONTEXT)
@click.argument("key")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--org", metavar="NAME", help="For a group: count the items of this organisation's services, as "
                                            "summary --org does (default: the only one interviewed).")
@_period_option
@click.pass_context
def explain(ctx, key: str, output_format: str, org: str | None, period) -> None:
    """Show why an item was labelled as it was: KEY is a Jira key (OPS-123, any case), a PagerDuty
    incident id or number ('#1234' in quotes, as a shell reads # as a comment, or 1234), or a
    repetition group id from summary (G4b3860ef).

    Lists the rules and signals that fired, the words the model weighed, each with the
    log-odds it added (positive: towards toil), how they sum to the probability, the
    repetition group and the time figure. A person's label, where there is one, decides.
    Says whether summary counts the item (created in its period, the same --period, on the
    organisation's services, --org). For a group, text counts its items in the period as summary
    does (its toil items and hours are summary's figures), then over all time, and explains its
    newest item; JSON explains every item, each saying whether the period counts it (in_period).
    `toilaudit items` lists the keys.

    \b
    Examples:
      toilaudit explain OPS-123
      toilaudit explain '#1234'
      toilaudit explain G4b3860ef --period 2026-Q3
      toilaudit explain G4b3860ef --format json
    """
    from toilaudit.verdicts import explain_item, group_count, summary_scope, with_period

    with store_from(ctx, READ, shows_figures=True) as store:
        found, group = explain_item(store, key)
        services, counted_period = summary_scope(store, period, org)
        # the group has items, so the store has a period
        counts = group_count(store, found, services, counted_period) if group and counted_period else None
    found = with_period(found, services, counted_period)
    if output_format == "json":
        click.echo(json.dumps([item.as_json() for item in found], indent=2))
        return
    if group is not None and counts is not None:  # both or neither
        click.echo("\n".join(_group_lines(group, found, counts)))
        found = found[:1]
    for item in found:
        click.echo("\n".join(item.lines()))


GROUP_KEYS_SHOWN = 20


def _group_lines(group: str, found, counts) -> list[str]:
    """The group's figures: first as summary counts them (its toil items and hours are summary's), then all time."""
    rows = [item.row for item in found]
    keys = ", ".join(str(row["key"]) for row in rows[:GROUP_KEYS_SHOWN])
    more = f" and {len(rows) - GROUP_KEYS_SHOWN:,} more (toilaudit items --group {group})" \
        if len(rows) > GROUP_KEYS_SHOWN else ""

    def figures(f) -> str:
        return f"{f.toil_items:,} toil items, {f.toil_hours:,.1f}h of toil (of {f.items:,} items, {f.total_hours:,.1f}h)"

    whose = f" on the organisation's services ({', '.join(counts.services)})" if counts.services is not None else ""
    return [f"group {group}, category {found[0].group_category}",
            f"  period:   {counts.period.described}",
            f"  counted:  {figures(counts.in_period)} in the period{whose}, as summary counts them",
            f"  all time: {figures(counts.all_time)}, every date" + (" and service" if whose else ""),
            f"  template: {rows[0]['template']}",
            f"  items:    {keys}{more}",
            "The newest, explained:"]


ITEM_COLUMNS = ("source", "key", "incident_number", "created_at", "updated_at", "is_toil", "category", "group_id",
                "team", "service", "hours", "resolution", "title")
# what the list reads of each item (w: the item, c: its verdict): these only, not a million descriptions;
# team and service under the names summary gives them ('(no team)'), which --team and --service take
ITEM_SELECT = ("w.source, w.key, w.incident_number, w.created_at, w.updated_at, c.is_toil, c.category, c.group_id, "
               f"{GROUPINGS['team']} AS team, {GROUPINGS['service']} AS service, c.hours, w.resolution, w.title")


@cli.command(context_settings=CONTEXT)
@click.option("--toil/--not-toil", "toil", default=None, help="Only toil, or only what is not toil.")
@click.option("--category", metavar="NAME", help="Only this toil category (summary --by category lists them).")
@click.option("--group", metavar="ID", help="Only this repetition group (summary lists the top ones).")
@click.option("--team", metavar="NAME", help="Only this team.")
@click.option("--service", metavar="NAME", help="Only this service (Jira component, PagerDuty service).")
@click.option("--source", type=click.Choice(["jira", "pagerduty"]), help="Only items from this source.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(0), metavar="N",
              help="How many items, newest first; 0 for all.")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.pass_context
def items(ctx, toil, category, group, team, service, source, limit: int, output_format: str) -> None:
    """List stored items with their verdicts, newest first, to find a key to explain.

    \b
    Filters combine; names match in any case. The table shows key (with the PagerDuty
    incident number), created, toil or not, category, repetition group and title; --format
    json or csv adds source, team, service, hours, Updated and Resolution.
    Examples:
      toilaudit items --toil --category "access request" --team Payments
      toilaudit items --group G4b3860ef --format csv --limit 0 > group.csv
    """
    filters = (toil, category, group, team, source, service)
    with store_from(ctx, READ, shows_figures=True) as store:
        listed = store.items(*filters, limit=limit or None, columns=ITEM_SELECT)
        total = store.count_items(*filters) if limit and len(listed) == limit else len(listed)
        if listed.empty:
            _refuse_unknown_names(store, category=category, group=group, team=team, service=service)
    rows = [_item_record(row) for row in listed.to_dict("records")]
    ITEM_RENDERERS[output_format](rows)
    if output_format == "table" and len(listed) < total:
        notice(ctx, f"{len(listed):,} of {total:,} items shown, newest first; --limit 0 shows them all")


UNKNOWN_NAME_FIX = {"category": "summary --by category", "group": "summary", "team": "summary --by team",
                    "service": "summary --by service"}


def _refuse_unknown_names(store: Store, category: str | None, group: str | None, team: str | None,
                          service: str | None) -> None:
    """An `items` filter that no stored item has (a typo) is said as such, not shown as an empty list."""
    counts = {"category": (category, lambda: store.count_items(category=category)),
              "group": (group, lambda: store.count_items(group=group)),
              "team": (team, lambda: store.count_items(team=team)),
              "service": (service, lambda: store.count_items(service=service))}
    for option, (name, count) in counts.items():
        if name and not count():
            raise ToilauditError(f"items: no item has --{option} {shown(name)} - {UNKNOWN_NAME_FIX[option]} lists "
                                 "them")


def _item_record(row: dict) -> dict:
    def stamp(value) -> str | None:
        return None if value is None or value != value else value.isoformat()  # NaT: value != value

    return {"source": row["source"], "key": row["key"], "incident_number": row.get("incident_number") or None,
            "created_at": stamp(row["created_at"]), "updated_at": stamp(row["updated_at"]),
            "is_toil": bool(row["is_toil"]), "category": row["category"], "group_id": row["group_id"],
            "team": row["team"], "service": row["service"], "hours": round(float(row["hours"]), 2),
            "resolution": row.get("resolution") or None, "title": row["title"]}


CATEGORY_CHARS = 26  # the default rule pack's longest category ("software / licence request") whole
TITLE_MIN_CHARS = 30  # a narrower terminal drops GROUP, then CREATED, before the title gets less
DROPPED_FIRST = ("GROUP", "CREATED")


def _items_table(rows: list[dict]) -> None:
    """One line per item, in aligned columns (as `gh issue list` or `docker ps`), to find a key; team,
    service and hours are in --format json and csv. In a terminal the title is cut to fit its width,
    and where that would leave it under TITLE_MIN_CHARS, the group and then the date are left out."""
    header = ("KEY", "CREATED", "TOIL", "CATEGORY", "GROUP", "TITLE")
    lines = [header] + [(row["key"] + (f" #{row['incident_number']}" if row["incident_number"] else ""),
                         (row["created_at"] or "")[:10], "toil" if row["is_toil"] else "-",
                         _cut(" ".join(str(row["category"]).split()), CATEGORY_CHARS), row["group_id"],
                         " ".join(str(row["title"]).split())) for row in rows]
    shown = list(range(len(header) - 1))  # the columns before the title
    widths = {i: max(len(line[i]) for line in lines) for i in shown}
    room = None  # the title's width: whole, unless in a terminal
    if sys.stdout.isatty():
        columns = shutil.get_terminal_size().columns
        for name in (None, *DROPPED_FIRST):
            if name is not None:
                shown.remove(header.index(name))
            room = columns - sum(widths[i] + 2 for i in shown)
            if room >= TITLE_MIN_CHARS:
                break
    for line in lines:
        fixed = "  ".join(line[i].ljust(widths[i]) for i in shown)
        click.echo(f"{fixed}  {line[-1] if room is None else _cut(line[-1], max(room, 1))}")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _items_json(rows: list[dict]) -> None:
    click.echo(json.dumps(rows, indent=2))


def _items_csv(rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ITEM_COLUMNS)
    writer.writeheader()
    writer.writerows({**row, "incident_number": row["incident_number"] or ""} for row in rows)
    click.echo(buffer.getvalue(), nl=False)


ITEM_RENDERERS = {"table": _items_table, "json": _items_json, "csv": _items_csv}


# --------------------------------------------------------------------------------- summary
SUMMARY_FORMATS = ("table", "json", "csv")


def _org_share(store: Store, org: str | None, summary_by: str, top: int, period_spec=None):
    """(summary, capacity share or None, note) for the org named or the only one interviewed, else the store,
    over the period asked (default: the last 12 full months of the data)."""
    from toilaudit.maturity.from_store import org_capacity_share, resolve_org
    from toilaudit.summary import choose_period, summarise

    interviewed = sorted(set(store.load_answers()["org"]))
    if org is None and len(interviewed) != 1:
        note = ("Several organisations are interviewed: pass --org NAME for toil against its capacity."
                if interviewed else "Toil against capacity needs the interview's two capacity questions "
                "(capacity.ops-engineers, capacity.hours-per-week): run toilaudit interview.")
        period = choose_period(store, period_spec)
        return summarise(store, summary_by, top, period=period), None, note
    from toilaudit.maturity.from_store import assess_org

    assessment, scope = assess_org(store, resolve_org(store, org))
    if not scope.attributable:
        raise ToilauditError(f"summary: {assessment.evidence.shortfalls[0]} - name its services with "
                             f"toilaudit interview --org '{scope.org}' --service NAME")
    period = choose_period(store, period_spec, scope.item_services)
    result = summarise(store, summary_by, top, services=scope.item_services, period=period)
    share = org_capacity_share(store, assessment, scope, period, result)
    note = "" if share else (f"Toil against capacity: {scope.org} has not answered the capacity questions "
                             "(capacity.ops-engineers, capacity.hours-per-week).")
    return result, share, note


@cli.command(context_settings=CONTEXT)
@click.option("--by", type=click.Choice(["source", "team", "category", "month", "service"]), default="category",
              show_default=True, help="The breakdown to show.")
@click.option("--format", "output_format", type=click.Choice(SUMMARY_FORMATS), default="table", show_default=True)
@click.option("--top", default=10, show_default=True, type=click.IntRange(0, 10_000),
              help="How many automation candidates to list.")
@click.option("--org", metavar="NAME", help="The organisation whose items and capacity to use (default: the only "
                                            "one interviewed).")
@_period_option
@click.pass_context
def summary(ctx, by: str, output_format: str, top: int, org: str | None, period) -> None:
    """How much of the time is toil, where, and which toil to automate first.

    \b
    The figures count the items created in one period: by default the last 12 full months
    of the data (--period to choose another; --period all for every item). Repetition is
    found among every item imported, whatever its date.
    toil_percent is toil's share of the hours tickets and pages record (measured where the
    source logged time, estimated per category otherwise). Google's 50% cap and the
    industry's 34% are shares of engineers' working time, so only toil's share of capacity
    (the engineers who carry operations work and their hours, from the interview) is set
    against them: recorded toil is a floor, so toil is under a line only when even every
    unrecorded hour would not lift it over. Each person whose recorded toil is over 50% of
    their time is flagged.
    Automation candidates are repetition groups of toil (the same request with another
    host, user or job) ranked by hours. --format csv gives the full breakdown, every row.
    """
    with store_from(ctx, READ, shows_figures=True) as store:
        if store.item_count() == 0:
            raise ToilauditError("summary: the store is empty - import an export first (toilaudit import jira --csv FILE)")
        result, share, note = _org_share(store, org, by, top, period)
    SUMMARY_RENDERERS[output_format](result, share, note)


def _summary_json(result, share, note) -> None:
    data = result.as_json()
    data["capacity"] = share.as_json() if share else None
    click.echo(json.dumps(data, indent=2))


SUMMARY_CSV_COLUMNS = ("section", "name", "items", "toil_items", "toil_percent", "toil_hours", "total_hours",
                       "measured_hours", "category", "source", "template", "example_title", "period_from", "period_to")


def _summary_csv(result, share, note) -> None:
    """One table, a row per figure: the total, the breakdown (section "by team" ...), then the automation
    candidates ranked (section "candidate": a toil repetition group, its hours all toil)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_CSV_COLUMNS, restval="")
    writer.writeheader()
    period = result.as_json()["period"]  # every row says which period it counts, for the file passed on
    when = {"period_from": period["from"], "period_to": period["to"]}

    def figures(section: str, name: str, f) -> dict:
        return {"section": section, "name": name, "items": f.items, "toil_items": f.toil_items,
                "toil_percent": f.toil_percent, "toil_hours": round(f.toil_hours, 2),
                "total_hours": round(f.total_hours, 2), "measured_hours": round(f.measured_hours, 2), **when}

    writer.writerow(figures("total", "all items", result.total))
    for name, f in result.breakdown.items():
        writer.writerow(figures(f"by {result.by}", name, f))
    for c in result.candidates:
        writer.writerow({"section": "candidate", "name": c.group_id, "items": c.items, "toil_items": c.items,
                         "toil_hours": round(c.hours, 2), "category": c.category, "source": c.source,
                         "template": c.template, "example_title": c.example_title, **when})
    click.echo(buffer.getvalue(), nl=False)


def capacity_sentence(share) -> str:
    """Toil's share of capacity, the only figure set against Google's cap and the industry's 34%."""
    from toilaudit.summary import GOOGLE_CAP_PERCENT, INDUSTRY_PERCENT_2026, hours_text

    # the span to the day, as capacity counts it: 7 x 40 h x (51 weeks and 5 days) is 14,480 h, not 52 weeks' 14,560
    capacity = (f"the working time of {share.engineers:g} engineer{'' if share.engineers == 1 else 's'} at "
                f"{share.hours_per_week:g} h a week ({hours_text(share.capacity_hours)} h over {share.span})")
    verdict = share.verdict()
    if verdict is None:
        return (f"Against capacity: recorded toil is {share.toil_percent}% of {capacity}, a floor. Tickets and pages "
                f"record only {share.recorded_percent}% of that time, too little to set toil against the industry's "
                f"{INDUSTRY_PERCENT_2026}% and Google's {GOOGLE_CAP_PERCENT}% cap.")
    return (f"Against capacity: toil is {share.toil_percent}% of {capacity}, {verdict}. Tickets and pages record "
            f"{share.recorded_percent}% of that time.")


def _summary_table(result, share, note) -> None:
    from toilaudit.summary import GOOGLE_CAP_PERCENT, hour_places, hours_cell, hours_text

    total = result.total
    scoped = result.services is not None
    if scoped:
        stdout.print(f"Counting the items of the organisation's services ({', '.join(result.services)}): "
                     f"{result.items_any_date:,} of the {result.items_imported:,} items imported (--org NAME: "
                     "another organisation interviewed).", highlight=False, markup=False)
    if result.period is not None:
        stdout.print(f"Period: {result.period.described}.", highlight=False, markup=False)
        if result.items_any_date > total.items:
            stdout.print(f"All {result.items_any_date:,} items {'in scope' if scoped else 'imported'} count as "
                         "evidence (repetition, toil tracking); the figures below count the period's.", highlight=False)
    if not total.measured_items:
        measured = "No time was logged: every hour is estimated from the item's category."
    elif total.measured_items == total.items:
        measured = "Every hour was measured."
    else:
        measured = f"{total.measured_percent}% of the hours were measured, the rest estimated."
    places = hour_places(total.toil_hours, total.total_hours)  # a one-day period's 0.25 h is not "0 of 0 h"
    stdout.print(
        f"[bold]{total.toil_percent}%[/bold] of the time recorded in tickets and pages is toil "
        f"({hours_text(total.toil_hours, places)} of {hours_text(total.total_hours, places)} h) over "
        f"{total.items:,} item{'' if total.items == 1 else 's'}. {measured}",
        highlight=False,
    )
    if result.toil_range:
        r = result.toil_range
        stdout.print(f"Corrected for the classifier's measured errors: {r.estimate}% (90% interval {r.low}-{r.high}%), "
                     f"from {r.measured_on}.", highlight=False, markup=False)
    if share is not None:
        stdout.print(capacity_sentence(share), highlight=False)
        if share.people_over_cap:
            flagged = ", ".join(f"{p.name} {p.percent_of_capacity}%" for p in share.people_over_cap)
            stdout.print(f"Over {GOOGLE_CAP_PERCENT}% of their time on toil: {flagged}.", highlight=False)
        else:
            stdout.print(f"No one's recorded toil is over {GOOGLE_CAP_PERCENT}% of their time.", highlight=False)
    elif note:
        click.echo(note)
    table = Table(title=f"By {result.by}", title_justify="left")
    if result.by == "category":
        # a category is toil or not by itself: what tells categories apart is their part of the toil
        for column in ("category", "toil", "items", "hours", "% of toil h"):
            table.add_column(column, justify="left" if column == "category" else "right")
        for name, f in result.breakdown.items():
            part = f"{100 * f.toil_hours / total.toil_hours:.1f}" if f.toil_items and total.toil_hours else ""
            table.add_row(name, "toil" if f.toil_items else "-", f"{f.items:,}", hours_cell(f.total_hours), part)
    else:
        for column in (result.by, "items", "toil items", "toil % of recorded time", "toil h", "total h"):
            table.add_column(column, justify="left" if column == result.by else "right")
        for name, f in result.breakdown.items():
            table.add_row(name, f"{f.items:,}", f"{f.toil_items:,}", f"{f.toil_percent}", hours_cell(f.toil_hours),
                          hours_cell(f.total_hours))
    stdout.print(table)
    candidates = Table(title="Top automation candidates (toil repeated, by hours)", title_justify="left")
    for column in ("#", "group", "category", "items", "hours", "example"):
        candidates.add_column(column, justify="right" if column in ("#", "items", "hours") else "left",
                              overflow="fold")
    for rank, c in enumerate(result.candidates, 1):
        candidates.add_row(str(rank), c.group_id, c.category, f"{c.items:,}", hours_cell(c.hours), c.example_title)
    stdout.print(candidates)


SUMMARY_RENDERERS = {"table": _summary_table, "json": _summary_json, "csv": _summary_csv}


# -------------------------------------------------------------------------------- evaluate
def _keep_labels(store: Store, labels: Path, labelled_by: str | None) -> None:
    """Keep a labels file's labels in the store, as `label --from FILE --by WHO` does, and classify again."""
    from toilaudit.labelling import apply_labels
    from toilaudit.verdicts import save_labels_file

    save_labels_file(store, labels, labelled_by or "someone not stated")
    apply_labels(store)


@cli.command(context_settings=CONTEXT)
@click.option("--labels", type=INPUT_FILE, metavar="FILE",
              help="CSV with a header key,label (label: toil or not-toil); optional source column. - reads stdin.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def evaluate(ctx, labels: Path | None, output_format: str) -> None:
    """Precision, recall and F1 of the classifier against your people's labels, cross-validated.

    Labels come from FILE, from `toilaudit label` and from Jira items labelled toil /
    not-toil (FILE wins for a key in several). Two figures: the shipped model alone (trained
    on the labelled corpus, never on your labels), and the model adapted to your labels as
    imports and `label` use it, 5-fold cross-validated: each label is scored by a model
    fitted without it or the other labels of its repetition group. Labels from fewer than 10
    repetition groups (or mostly from one) are warned of: they measure those few requests, not
    your work. Measure this before you quote the toil figure to anyone.
    """
    from toilaudit.classify.evaluate import shown_figure, undefined_figures
    from toilaudit.verdicts import evaluation_against_labels, left_out

    with store_from(ctx, READ, shows_figures=True) as store:
        result = evaluation_against_labels(store, labels)
    if result.unmatched:
        warn(left_out(result.unmatched))
    check = result.cross_validation
    thin = check.thin and (f"{check.thin}: these figures describe those few requests, not your work as a whole, "
                           "and summary corrects the toil share with the labelled corpus's figures instead - label "
                           "items of other repetition groups (toilaudit label asks one per group)")
    if output_format == "json":
        click.echo(json.dumps(result.as_json(), indent=2))
        if thin:
            warn(thin)
        return
    click.echo(f"Against {check.reach} ({result.origins}):")
    table = Table(title_justify="left")
    for column in ("", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if not column else "right")
    for name, figures in ((f"adapted to your labels, {check.folds} folds by group", check.adapted),
                          ("shipped model alone (never saw your labels)", check.shipped)):
        table.add_row(name, *(shown_figure(value) for value in (figures.precision, figures.recall, figures.f1)))
    stdout.print(table)
    adapted = check.adapted
    why = undefined_figures(adapted.precision, adapted.recall)
    if why:
        click.echo(f"n/a: {why}" + (" - label some toil items too (toilaudit label)" if adapted.recall is None else ""))
    matrix = Table(title="Confusion matrix, adapted (rows: your labels, columns: toilaudit)", title_justify="left")
    matrix.add_column("")
    matrix.add_column("toil", justify="right")
    matrix.add_column("not toil", justify="right")
    matrix.add_row("toil", str(adapted.true_positive), str(adapted.false_negative))
    matrix.add_row("not toil", str(adapted.false_positive), str(adapted.true_negative))
    stdout.print(matrix)
    if thin:
        warn(thin)


@cli.command(context_settings=CONTEXT)
@click.option("--from", "from_file", type=INPUT_FILE, metavar="FILE",
              help="Take labels from a CSV (key,label[,source]) instead of asking; - reads stdin.")
@click.option("--by", "labelled_by", metavar="NAME", help="Who labels; kept with every label (default: $USER).")
@click.pass_context
def label(ctx, from_file: Path | None, labelled_by: str | None) -> None:
    """Label the items the classifier is least sure of, one key each; the classifier learns from them.

    \b
    Shows one item at a time (title, start of description, type, team, the current
    verdict and what drove it), least sure first and one per repetition group, the
    categories taken in turn. Keys: t toil, n not toil, s skip, u undo, q quit. Each
    label is saved the moment it is given: Ctrl-C loses nothing and running the command
    again goes on. At the end the store is classified again: labels decide their own
    items, speak for their repetition groups and adapt the model to your words.
    A pass offers each group once and says when it is done; run label again for
    the next pass. Fifty labels are a good first session; `toilaudit evaluate` then says how far to
    trust the result, cross-validated on the labels.

    \b
    Without a terminal, label a file instead:
      toilaudit label --from labels.csv         # key,label (toil / not-toil)
    """
    import getpass

    from toilaudit.labelling import LabelSession, apply_labels, finish, run_labelling

    who = labelled_by or getpass.getuser()
    if from_file is not None:
        from toilaudit.verdicts import left_out, save_labels_file

        with store_from(ctx, WRITE) as store:
            saved, unmatched = save_labels_file(store, from_file, who)
            apply_labels(store)
        if unmatched:
            warn(left_out(unmatched))
        click.echo(f"Saved {saved:,} label{'' if saved == 1 else 's'} from {from_file.name}; the store is classified "
                   "again with them. "
                   "Next: toilaudit evaluate")
        return
    if not sys.stdin.isatty():
        raise ToilauditError("label: no terminal - pass --from FILE (key,label), or measure with "
                             "toilaudit evaluate --labels FILE")
    with store_from(ctx, WRITE) as store:
        if store.item_count() == 0:
            raise ToilauditError("label: the store is empty - import an export first (toilaudit import jira --csv FILE)")
        session = LabelSession(store, prose, who)
        try:
            saved = run_labelling(session)
        except KeyboardInterrupt:
            click.echo(f"\nLabelling paused: {len(session.saved)} label(s) saved in this session. "
                       "Run toilaudit label again to go on.", err=True)
            try:
                finish(session)
            except KeyboardInterrupt:
                click.echo("The labels apply at the next toilaudit classify or import.", err=True)
            ctx.exit(EXIT_INTERRUPTED)
    again = "toilaudit label again for a second pass, " if session.pass_done and session.left else ""
    click.echo(f"Saved {saved} label{'' if saved == 1 else 's'} in this session. Next: {again}toilaudit evaluate, or "
               "toilaudit summary")


# ------------------------------------------------------------------------- interview
MAX_SERVICES_ASKED = 12  # beyond this, asking each service in turn is a form, not an interview


def _scope_services(store: Store, org: str) -> tuple[str, ...]:
    """The services to ask the per-service questions about; () asks them once for every service."""
    from toilaudit.maturity.scope import ALL_SERVICES, org_scope

    scope = org_scope(store, org)
    if scope.services == (ALL_SERVICES,):
        return ()
    if not scope.named and len(scope.services) > MAX_SERVICES_ASKED:
        warn(f"{len(scope.services)} services found in the imports: the AI questions are asked once for all of "
             "them. Name the services agents would touch with --service NAME to be asked about each.")
        return ()
    return scope.services


@cli.command(context_settings=CONTEXT)
@click.option("--org", metavar="NAME", help="The organisation assessed (asked for when missing).")
@click.option("--interviewee", metavar="NAME",
              help="Who answers: a person or a team. Several are kept apart and combined by assess.")
@click.option("--service", "services", multiple=True, metavar="NAME",
              help="A service of this organisation (repeatable): AI questions are asked for each, and its "
                   "tickets and pages are the organisation's. Default: the services the imports name.")
@click.option("--answers", "answers_file", type=INPUT_FILE, metavar="FILE",
              help="Take the answers from a filled-in --template file instead of asking.")
@click.option("--template", is_flag=True, help="Print a YAML answers file listing every question and its choices.")
@click.option("--discard", is_flag=True,
              help="Delete the answers of --interviewee for --org: a paused interview that will not be finished.")
@click.pass_context
def interview(ctx, org: str | None, interviewee: str | None, services: tuple[str, ...], answers_file: Path | None,
              template: bool, discard: bool) -> None:
    """Guided interview: platform and SRE maturity on the five levels of Table 3, the AI
    gate's conditions for each service, and who carries operations work.

    \b
    Asks the platform and SRE tracks, then for each service in scope what AI agents do on
    it, its shadow trial (and whether it met a written accuracy threshold), decision
    provenance and rollback, then the AI error budget and LLMOps telemetry, and last how many
    engineers carry operations work and their hours. One question at a time, with why it
    matters. Every answer is saved the moment it is given: Ctrl-C pauses, and running the
    same command again offers to resume. 'Not sure' is always accepted; it counts as not
    met and is listed as an open question in the report. A paused interview is not
    assessed: assess and report refuse until it is finished, or its answers deleted with
    --discard.

    \b
    Without a terminal (CI, a form collected in a workshop), fill in a template instead:
      toilaudit interview --template --service payments-api > answers.yaml
      toilaudit interview --answers answers.yaml --org "Northbank" --interviewee payments
    """
    from toilaudit.maturity.bank import load_bank

    bank = load_bank()
    if discard:
        _discard_answers(ctx, org, interviewee, bool(template or answers_file or services))
        return
    if template:
        from toilaudit.maturity.answers import template_yaml

        click.echo(template_yaml(bank, org, services), nl=False)
        return
    if answers_file is not None:
        _interview_from_file(ctx, bank, answers_file, org, interviewee, services)
        return
    if not sys.stdin.isatty():
        raise ToilauditError("interview: no terminal - pass --answers FILE (see --template)")
    _interview_in_terminal(ctx, bank, org, interviewee, services)


def _discard_answers(ctx, org: str | None, interviewee: str | None, other_options: bool) -> None:
    """interview --discard: delete one interviewee's answers (and their interview's paused mark)."""
    from toilaudit.maturity.paused import mark_finished

    if other_options:
        raise ToilauditError("interview --discard: it only deletes answers - leave out --answers, --template and "
                             "--service")
    if not org or not interviewee:
        raise ToilauditError("interview --discard: name whose answers to delete - pass --org NAME and "
                             "--interviewee NAME")
    with store_from(ctx, WRITE) as store:
        org = _org_as_stored(store, org)
        answers = store.load_answers(org)
        count = int((answers["interviewee"] == interviewee).sum())
        if not count:
            known = ", ".join(repr(name) for name in sorted(set(answers["interviewee"]))) or "none"
            raise ToilauditError(f"interview --discard: no answers of {interviewee!r} for {org!r} (its interviewees: "
                                 f"{known}) - check the names")
        with store.transaction():
            store.delete_answers(org, interviewee)
            mark_finished(store, org, interviewee)
    click.echo(f"Deleted {count} answers of {interviewee} for {org}.")


def _org_as_stored(store: Store, org: str) -> str:
    """The organisation named, as the store spells it: one that differs only in case is the same one."""
    from toilaudit.maturity.scope import same_org

    stored = same_org(store, org)
    if stored != org:
        warn(f"organisation {org!r} is taken as {stored!r}, as the store spells it")
    return stored


def _save_answers_file(store: Store, bank, answers_file: Path, org: str | None, interviewee: str | None,
                       services: tuple[str, ...] = ()):
    """Store a filled-in template's answers; returns (org, interviewee, the file read)."""
    from toilaudit.maturity.answers import read_answers_file
    from toilaudit.maturity.paused import mark_finished

    read = read_answers_file(answers_file, bank)
    org = org or read.org
    if not org:
        raise ToilauditError(f"{answers_file.name}: no organisation - set `org:` in the file or pass --org NAME")
    org = _org_as_stored(store, org)
    who = interviewee or read.interviewee or "answers file"
    with store.transaction():
        store.delete_answers(org, who)
        if services or read.services:
            store.set_org_services(org, services or read.services)
        for answer in read.answers:
            store.save_answer(org, who, answer.question_id, answer.value, answer.note, answer.service)
        for question_id in read.unanswered:  # an unanswered question is an open question, not a missing one
            store.save_answer(org, who, question_id, "unknown", "")
        mark_finished(store, org, who)  # the file replaces a paused interview's answers whole
    return org, who, read


def _interview_from_file(ctx, bank, answers_file: Path, org: str | None, interviewee: str | None,
                         services: tuple[str, ...]) -> None:
    with store_from(ctx) as store:
        org, who, read = _save_answers_file(store, bank, answers_file, org, interviewee, services)
    blank = len(read.unanswered)
    given = sum(1 for a in read.answers if a.value != "unknown")
    if blank:
        warn(f"{blank} question(s) left unanswered, counted as unknown: {', '.join(read.unanswered[:5])}"
             + (" ..." if blank > 5 else ""))
    # the parts add up to the whole: every question listed is saved, as an answer or as unknown
    unknown = len(read.answers) - given + blank
    left = f" ({blank} left blank)" if blank else ""
    click.echo(f"Saved {given + unknown} answers for {org} ({who}): {given} given, {unknown} unknown{left}. "
               f"Next: toilaudit assess --org '{org}'")


def _interview_in_terminal(ctx, bank, org: str | None, interviewee: str | None, services: tuple[str, ...]) -> None:
    from toilaudit.maturity.interview import InterviewSession, choose_name, prompts, run_interview

    with store_from(ctx, CREATE) as store:
        session = None
        try:
            if not org:
                org = choose_name(store, "Organisation:", sorted(set(store.load_answers()["org"])),
                                  "Another organisation", "My organisation")
            org = _org_as_stored(store, org)
            if not interviewee:
                answers = store.load_answers(org)
                org_saved = sorted(set(answers["interviewee"]))
                interviewee = choose_name(store, "Who is answering (a person or a team)?", org_saved,
                                          "Someone else", "platform team")
            if services:
                store.set_org_services(org, services)
            session = InterviewSession(store, bank, org, interviewee, prose, {}, _scope_services(store, org))
            run_interview(session)
        except KeyboardInterrupt:
            saved = 0
            if org and interviewee:
                answers = store.load_answers(org)
                saved = int((answers["interviewee"] == interviewee).sum())
            total = len(prompts(session)) if session else len(bank.questions)
            from toilaudit.maturity.paused import interview_command

            click.echo(
                f"\nInterview paused: {saved} of {total} answers are saved; it is not assessed until it is "
                f"finished. To resume, run: {interview_command(org or '', interviewee or '')}",
                err=True,
            )
            ctx.exit(EXIT_INTERRUPTED)


# ---------------------------------------------------------------------------- assess
def _assessment(store: Store, org: str | None):
    """Score the org's stored answers against its own evidence, for each of its services."""
    from toilaudit.maturity.from_store import assess_org

    return assess_org(store, org)


@cli.command(context_settings=CONTEXT)
@click.option("--org", metavar="NAME", help="Which organisation (needed when several were interviewed).")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def assess(ctx, org: str | None, output_format: str) -> None:
    """Place the platform and SRE practice on the five levels, derive AI readiness, and gate each service.

    \b
    Each track climbs a gated ladder: a level holds when all its questions are met and
    every level below holds. Overall maturity and AI readiness follow the weaker track
    (Table 3: Foundation, Standardized, Measured, Optimized, Autonomous). Data beats answers:
    toil counts as measured only when the organisation's own items fall in 4+ consecutive
    weeks over 30+ days and the classifier is measured on 30+ labelled items; answers the
    tickets contradict (self-service claimed beside repeated provisioning tickets) count as
    not met, and each contradiction is listed. Several interviewees are combined question by
    question: the weakest answer for what the gate relies on, the most advanced for what
    agents already do. Every assessment is kept, so the next report shows what changed; an
    interview paused half-way is refused, never assessed (or kept) as if finished.
    """
    from datetime import datetime

    from toilaudit.maturity.from_store import keep_assessment
    from toilaudit.maturity.interface import AI_READINESS, LEVELS, PLATFORM_STATE, REASONS, RUNG_NAMES, SRE_STATE
    from toilaudit.maturity.output import assessment_json, gate_text

    with store_from(ctx, WRITE, shows_figures=True) as store:
        result, scope = _assessment(store, org)
        keep_assessment(store, result, scope, datetime.now(UTC))
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
    services = Table(title="Services and the trust ladder", title_justify="left")
    for column in ("service", "agents today", "highest rung allowed"):
        services.add_column(column, overflow="fold")
    services.add_column("agentic: failing", min_width=max(map(len, REASONS)))  # an id is never cut
    # services with the same rungs and failing conditions share a row (as in the report), one condition a line
    alike: dict[tuple, list[str]] = {}
    for s in result.services:
        alike.setdefault((s.current_rung, s.allowed_rung, s.gate.failing), []).append(s.service)
    for (current, allowed, failing), names in alike.items():
        named = names[0] if len(names) == 1 else (
            f"{len(names)} services: {', '.join(names[:3])}" + (f" and {len(names) - 3} more" if len(names) > 3 else ""))
        services.add_row(named, RUNG_NAMES.get(current, "none"), RUNG_NAMES.get(allowed, "none"),
                         "\n".join(failing) or "-")
    stdout.print(services)
    for line in result.contradictions:
        click.echo(f"data wins: {line}")
    if result.evidence.shortfalls:
        click.echo(f"toil_measured fails: {'; '.join(result.evidence.shortfalls)}")
    if result.open_questions:
        ids = [f"{r.question.id}@{r.service}" if r.service else r.question.id for r in result.open_questions]
        click.echo(f"open questions (answered unknown): {', '.join(ids[:12])}" + (" ..." if len(ids) > 12 else ""))
    click.echo(gate_text(result))


GATE_FORMATS = ("text", "json", "opa-input")


@cli.command(context_settings=CONTEXT)
@click.option("--org", metavar="NAME", help="Which organisation (needed when several were interviewed).")
@click.option("--service", metavar="NAME", help="The service to evaluate (default: every service in scope).")
@click.option("--rung", type=click.Choice(["shadow", "supervised-write", "agentic"]), default="agentic",
              show_default=True, help="The rung of the trust ladder asked for.")
@click.option("--format", "output_format", type=click.Choice(GATE_FORMATS), default="text", show_default=True,
              help="opa-input prints the input document for the shipped Rego policy, to run in your own OPA.")
@click.pass_context
def gate(ctx, org: str | None, service: str | None, rung: str, output_format: str) -> None:
    """May this service move to this rung of the trust ladder? Exit 0 if allowed, 1 if denied.

    \b
    One verdict: the article's Rego policy (package sre.ai.readiness, rule allow_agentic_ai,
    default deny, unchanged: slo_defined, error_budget_policy, shadow_period_days >= 30,
    decision_provenance, rollback_automated, toil_measured) AND the rung Table 3 allows at
    the assessed maturity (shadow mode from Measured, supervised write from Optimized, agentic
    AI from Autonomous). Shadow mode is where the 30 days are earned, so --rung shadow does
    not ask for them. Evaluated by a real Rego engine on each service's input: its own shadow
    trial (counted only if it met a written accuracy threshold), provenance and rollback,
    the organisation's SLOs, error-budget policy and toil evidence. Every failing reason is
    listed, maturity included, in the order of the four actions. Without --service every
    service in scope must be allowed. The report, its trust ladder and its RBAC file give the
    same verdicts; the policy ships with toilaudit and is written beside the report. An
    interview paused half-way is refused (exit 2), as assess refuses it.
    """
    from toilaudit.maturity.output import gate_json, gate_text
    from toilaudit.maturity.paused import refuse_paused

    with store_from(ctx, READ, shows_figures=True) as store:
        assessment, _ = _assessment(store, org)
        refuse_paused(store, assessment.org)  # half an interview is no evidence either way
    result = assessment.gate_for(rung, service)
    if output_format == "opa-input":
        if service is None and len(assessment.services) > 1:
            names = ", ".join(s.service for s in assessment.services)
            raise ToilauditError(f"gate: {len(assessment.services)} services in scope ({names}) - pass --service "
                                 "NAME for its input document")
        click.echo(json.dumps(assessment.services[0].gate_for(rung).input if service is None else result.input,
                              indent=2))
    elif output_format == "json":
        data = gate_json(result)
        data["services"] = {s.service: gate_json(s.gate_for(rung))
                            for s in assessment.services if service is None or s.service == service}
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(gate_text(assessment, rung, service))
    ctx.exit(0 if result.allow else EXIT_DENIED)


# ---------------------------------------------------------------------------- report
def _report_options(function):
    options = [
        click.option("--org", metavar="NAME", help="Which organisation (needed when several were interviewed)."),
        click.option("--hourly-rate", default=100.0, show_default=True, metavar="AMOUNT",
                     help="Loaded cost of an engineer-hour: toil's cost, and each action's cost and payback."),
        click.option("--currency", default="USD", show_default=True, metavar="CODE"),
        click.option("--show-names", is_flag=True,
                     help="Show people's names; by default they are pseudonymised (Engineer A, B, ...)."),
        click.option("--date", "report_date", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
                     help="The report date printed on the cover (default: today)."),
        click.option("--assessor", metavar="NAME", help="Who assessed (default: the interviewees)."),
        click.option("--labels", type=INPUT_FILE, metavar="FILE",
                     help="Labels (key,label) to measure the classifier on; kept in the store, as by evaluate."),
        click.option("--labelled-by", metavar="WHO", help="Who made those labels, as the report should say it."),
        click.option("--plan", type=INPUT_FILE, metavar="FILE",
                     help="YAML with the report's owner, status and classification, and each action's owner and "
                          "target date; without it they print as blanks to fill in."),
        click.option("--assumptions", type=INPUT_FILE, metavar="FILE",
                     help="Effort and saving assumptions (YAML) for the costs; default: the shipped file, printed "
                          "in the appendix. Start from toilaudit report --print-assumptions."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


MAX_HOURLY_RATE = 100_000


def _build_report(store, org, hourly_rate, currency, show_names, report_date, assessor, labels, labelled_by, plan,
                  assumptions, period_spec=None):
    """The report's view model; rendering it needs no store, so is done after the store is closed."""
    from datetime import date, datetime

    from toilaudit.maturity.from_store import assess_org, keep_assessment
    from toilaudit.report.ask import load_assumptions
    from toilaudit.report.plan import load_plan
    from toilaudit.report.view_model import build_report
    from toilaudit.summary import choose_period

    if not 0 <= hourly_rate <= MAX_HOURLY_RATE:  # NaN fails too; inf or 1e308 would overflow the cost
        raise click.BadParameter(f"{hourly_rate} - give an amount from 0 to {MAX_HOURLY_RATE:,}",
                                 param_hint="--hourly-rate")
    settings = load_assumptions(assumptions)
    chosen = load_plan(plan)
    if labels:
        _keep_labels(store, labels, labelled_by)
    assessment, scope = assess_org(store, org)
    if not scope.attributable:
        raise ToilauditError(f"report: {assessment.evidence.shortfalls[0]} - name its services with "
                             f"toilaudit interview --org '{scope.org}' --service NAME")
    period = choose_period(store, period_spec, scope.item_services, "report")
    when = report_date.replace(tzinfo=UTC) if report_date else datetime.now(UTC)
    previous = keep_assessment(store, assessment, scope, when, period)
    model = build_report(
        store, assessment, scope, report_date.date() if report_date else date.today(), hourly_rate=hourly_rate,
        currency=currency, show_names=show_names, assessor=assessor, assumptions=settings, plan=chosen,
        previous=previous, period=period,
    )
    return model


def _describe(published) -> None:
    pages = f" ({published.pages} pages)" if published.pages else ""
    click.echo(f"Wrote {published.report}{pages}.")
    if published.companions:
        click.echo(f"Guardrails beside it, in {published.report.parent}/:")
        shown: list[str] = []
        for path in published.companions:
            name = path.relative_to(published.report.parent).parts[0]
            if name not in shown:
                shown.append(name)
        for name in shown:
            inside = sum(1 for path in published.companions if path.relative_to(published.report.parent).parts[0] == name)
            folder = name == "readiness-input"
            click.echo(f"  {name}" + (f"/ ({inside} service{'s' if inside != 1 else ''})" if folder else ""))
    if published.replaced or published.removed:
        click.echo(_replaced_line(published))


def _replaced_line(published) -> str:
    """One line naming the files an earlier run had written there, now replaced or removed."""
    where = published.report.parent
    counts: dict[str, int] = {}
    for path in published.replaced:
        top = path.relative_to(where).parts[0] if path.is_relative_to(where) else str(path)
        counts[top] = counts.get(top, 0) + 1
    names = [f"{name}/ ({count} file{'s' if count != 1 else ''})" if name == "readiness-input" else name
             for name, count in counts.items()]
    parts = [f"replaced files already there: {', '.join(names)}"] if names else []
    if published.removed:
        parts.append(f"removed the readiness input of {len(published.removed)} service(s) no longer in scope ("
                     + ", ".join(path.name for path in published.removed) + ")")
    line = "; ".join(parts)
    return line[:1].upper() + line[1:] + "."


@cli.command(context_settings=CONTEXT)
@click.option("--out", type=click.Path(allow_dash=True), metavar="FILE",
              help="Where to write the report, e.g. board/roadmap.pdf; a folder (board/) gets "
                   "toilaudit-report.pdf; - writes it to standard output.")
@click.option("--format", "output_format", type=click.Choice(["pdf", "html", "json"]), default=None,
              help="Default: from --out's extension, else pdf.")
@click.option("--print-assumptions", is_flag=True, help="Print the shipped assumptions file, to edit a copy.")
@_report_options
@_period_option
@click.pass_context
def report(ctx, out: str | None, output_format, print_assumptions, org, hourly_rate, currency, show_names,
           report_date, assessor, labels, labelled_by, plan, assumptions, period) -> None:
    """Write the board report: what the board is asked to decide, the four actions in order with
    their cost and return, and the evidence behind every figure.

    \b
    Contents: cover (status, owner, classification); executive summary (toil as a share of
    the capacity of the engineers who carry operations work, against Google's 50% cap and
    the industry's 34%, beside its share of recorded time; maturity, AI readiness, the
    gate, the biggest risks, what changed since the previous assessment); Table 3 with your
    levels and where answers and data disagree; toil analysis (monthly trend, categories,
    teams, automation candidates ranked by return, who carries the toil); decisions
    requested; the roadmap (Action 1 to 4, each with status, the conditions it closes,
    effort in person-weeks, cost at --hourly-rate, toil hours saved a month, payback, owner
    and target date); services and the trust ladder (each service's rung and verdict, as
    `gate` gives it); appendix (method, classifier agreement, data sources with hashes,
    assumptions, the interview record, open questions, glossary).

    \b
    Beside a PDF or HTML report it writes the guardrails the roadmap recommends:
    prometheus-ai-error-budget.yaml, rbac-trust-ladder.yaml (each service bound to the rung
    the gate allows), sre_ai_readiness.rego and readiness-input/ (one input per service).
    All are written, or none: a run that fails leaves the folder as it was. Run again into the
    same folder, it replaces the files an earlier run wrote and says which.
    People are pseudonymised unless --show-names is given.

    \b
    Example:
      toilaudit report --out board/roadmap.pdf --hourly-rate 120 --currency EUR --plan plan.yaml
    """
    if print_assumptions:
        from toilaudit.report.ask import default_assumptions_text

        click.echo(default_assumptions_text(), nl=False)
        return
    if out is None:
        raise click.UsageError("report needs --out FILE (or --print-assumptions)")
    out_path = _report_file(out, output_format)
    fmt = output_format or {".html": "html", ".htm": "html", ".json": "json"}.get(out_path.suffix.lower(), "pdf")
    to_stdout = out == "-"
    if to_stdout and fmt == "pdf" and sys.stdout.isatty():
        raise click.UsageError("a PDF is no use in a terminal - pass --format json or html, or redirect "
                               "standard output to a file")
    from toilaudit.report.publish import check_out, publish

    if not to_stdout:
        check_out(out_path, fmt)
    with store_from(ctx, WRITE, shows_figures=True) as store:
        if store.item_count() == 0:  # as summary: a report of no items would show 0 h and no candidates
            raise ToilauditError("report: the store is empty - import an export first (toilaudit import jira --csv FILE)")
        model = _build_report(store, org, hourly_rate, currency, show_names, report_date, assessor, labels,
                              labelled_by, plan, assumptions, period)
    # the store is closed before the PDF is rendered (seconds): other commands may use it meanwhile
    if not to_stdout:
        _describe(publish(model, out_path, fmt))
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="toilaudit-") as folder:
        published = publish(model, Path(folder) / f"report.{fmt}", fmt, guardrails=False)
        sys.stdout.buffer.write(published.report.read_bytes())
    if fmt != "json":
        notice(ctx, "Wrote the report to standard output; the guardrail files are written only beside a report "
                    "file (--out FILE).")


def _report_file(out: str, output_format: str | None) -> Path:
    """--out as the report's file: a folder (written with a trailing slash, or one that exists)
    gets toilaudit-report.<format> inside it, as `demo --out DIR` writes."""
    if out != "-" and (out.endswith(("/", os.sep)) or Path(out).is_dir()):
        return Path(out) / f"toilaudit-report.{output_format or 'pdf'}"
    return Path(out)


@cli.command(context_settings=CONTEXT)
@click.option("--out", type=click.Path(path_type=Path), default=Path("toilaudit-demo"), show_default=True,
              metavar="DIR", help="Folder for the demo report and its guardrail files.")
@click.pass_context
def demo(ctx, out: Path) -> None:
    """Run the whole flow on the bundled examples and write a board PDF, with no prompts.

    \b
    Imports a year of a fictional bank's Jira tickets and PagerDuty pages into a temporary
    store, classifies them, measures the classifier on the example labels (made by the same
    generator as the data, and said so), takes the interview from a prepared answers file,
    scores maturity, gates each service and writes toilaudit-report.pdf with its guardrail
    files. Your own store (--db, TOILAUDIT_DB) is not touched.
    """
    import tempfile
    from importlib import resources

    from toilaudit.audit import import_batch
    from toilaudit.importers.jira_csv import read_jira_csv
    from toilaudit.importers.pagerduty_csv import read_pagerduty_csv
    from toilaudit.maturity.bank import load_bank
    from toilaudit.report.publish import publish

    with tempfile.TemporaryDirectory(prefix="toilaudit-demo-") as folder, \
            resources.as_file(resources.files("toilaudit.examples")) as examples, \
            contextlib.closing(open_store(str(Path(folder) / "demo.db"))) as store:
        with progress("Importing the example Jira and PagerDuty exports"):
            import_batch(store, read_jira_csv([examples / "jira_export.csv"], {}), "csv")
            import_batch(store, read_pagerduty_csv([examples / "pagerduty_incidents.csv"], {}), "csv")
        org, *_ = _save_answers_file(store, load_bank(), examples / "interview_answers.yaml", None, None)
        with progress("Rendering the board report"):
            model = _build_report(
                store, org, 100.0, "USD", False, None, None, examples / "labels.csv",
                "the generator of the example data (not people)", examples / "plan.yaml", None)
            published = publish(model, out / "toilaudit-report.pdf", "pdf")
    figures = model.headline  # the report's own figures, so the line and the PDF agree
    click.echo(
        f"Demo for {model.org}: {figures.items:,} items in {figures.period}, toil {figures.toil_percent}% of recorded "
        f"time; overall maturity {model.overall_level}, AI readiness {model.ai_readiness}, "
        f"gate allows agentic AI on {model.services_allowed} of {len(model.services)} services."
    )
    _describe(published)


OWN_STORE = ("demo",)  # commands that work on a temporary store of their own: --db and --wait mean nothing there


def _not_used(ctx: click.Context, param: click.Parameter, value):
    """--db or --wait given after a command with a store of its own: said, rather than ignored."""
    if value is not None:
        name = param.opts[0]
        raise click.UsageError(f"{name} is not used - the demo imports the examples into a temporary store of its "
                               f"own and leaves yours alone; drop {name}")
    return value


def _add_common_options(group: click.Group) -> None:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            _add_common_options(command)
            continue
        options = common_options(on_group=False)
        if name in OWN_STORE:
            for option in options:
                if option.name in ("db", "wait"):
                    option.hidden, option.callback = True, _not_used
        command.params.extend(options)


_add_common_options(cli)


def main() -> None:
    try:
        cli(prog_name="toilaudit")
    finally:
        # what is still in Python's buffer is written here, where a reader that went away ends the
        # run as above, not at exit, where Python would print a traceback and exit 120
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
        except BrokenPipeError:
            raise SystemExit(_output_closed().exit_code) from None


if __name__ == "__main__":
    main()
