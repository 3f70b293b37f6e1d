"""The store's tables and the SQL fragments every engine shares: column types declared once."""

from __future__ import annotations

from toilaudit.classify.interface import CLASSIFICATION_FIELDS
from toilaudit.importers.interface import WORK_ITEM_FIELDS

SCHEMA_VERSION = 7
# Changes from one schema to the next, applied in order to an older store when it is opened.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: ("ALTER TABLE work_items ADD COLUMN IF NOT EXISTS description TEXT",),  # the classifier reads descriptions
    3: ("ALTER TABLE work_items ADD COLUMN IF NOT EXISTS incident_number TEXT",),  # explain finds a page by it
    # New tables, made by schema() like every table: staged_items (a live import's pages wait
    # there) and the template counts (TEMPLATE_TABLES). The version moves so that an older
    # toilaudit, which would import without keeping the counts up to date, refuses the store.
    4: (),
    # The candidate slots are kept a bucket per row (store/slots.py), in template_slot_buckets:
    # the row per slot is dropped (14M rows at 1M items); the next import writes the buckets.
    5: ("DROP TABLE IF EXISTS template_slots", "DELETE FROM meta WHERE name = 'template_counts'"),
    # A group's size is counted when it is read (group_sizes), no longer kept per item: an import
    # joining a group of a hundred thousand items rewrote every one of their rows.
    6: ("ALTER TABLE classifications DROP COLUMN IF EXISTS group_size",),
    # When the source last changed each item: an import keeps a stored item its export holds in an
    # older version (Store.compare_items); and how Jira resolved it: work not done is given no
    # estimated hours. Unknown (NULL) for the items stored before, until they are imported again.
    7: tuple(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column}" for table in ("work_items", "staged_items")
             for column in ("updated_at TIMESTAMPTZ", "resolution TEXT")),
}
DEFAULT_PATH = "toilaudit.db"

# Types declared once; both engines accept these names.
WORK_ITEM_COLUMNS = {
    "source": "TEXT NOT NULL",
    "key": "TEXT NOT NULL",
    "title": "TEXT",
    "description": "TEXT",
    "item_type": "TEXT",
    "status": "TEXT",
    "team": "TEXT",
    "service": "TEXT",
    "labels": "TEXT",
    "created_at": "TIMESTAMPTZ",
    "resolved_at": "TIMESTAMPTZ",
    "time_spent_seconds": "DOUBLE PRECISION",
    "urgency": "TEXT",
    "auto_resolved": "BOOLEAN",
    "people": "TEXT",
    "human_label": "TEXT",
    "incident_number": "TEXT",
    "updated_at": "TIMESTAMPTZ",
    "resolution": "TEXT",
}
CLASSIFICATION_COLUMNS = {
    "source": "TEXT NOT NULL",
    "key": "TEXT NOT NULL",
    "is_toil": "BOOLEAN",
    "category": "TEXT",
    "score": "DOUBLE PRECISION",
    "rule_ids": "TEXT",
    "group_id": "TEXT",
    "template": "TEXT",
    "hours": "DOUBLE PRECISION",
    "hours_measured": "BOOLEAN",
    "off_hours": "BOOLEAN",
    "reasons": "TEXT",
    "rule_pack_version": "TEXT",
}
# The counts behind the repetition groups' templates, kept so that an import re-labels only what
# its items can change (toilaudit/relabel.py, classify/templates.py TemplateCounts). They hold
# only while the meta setting TEMPLATE_COUNTS names the rule pack and model they were made with:
# every other change of the items forgets them, and the next full classification writes them again.
TEMPLATE_COUNTS = "template_counts"
SLOT_BUCKETS = "template_slot_buckets"
TEMPLATE_TABLES = {
    "template_texts": {"id": "INTEGER", "text": "TEXT", "items": "BIGINT", "template": "TEXT"},
    "template_tokens": {"token": "TEXT", "items": "BIGINT"},
    "template_rare": {"token": "TEXT", "text_id": "INTEGER"},
    "template_slot_buckets": {"bucket": "INTEGER", "pairs": "BYTEA"},  # store/slots.py
}
# PostgreSQL's indexes beyond the primary keys (name: table, method and column). An import of a few
# items looks rows of the template counts up by value, and the stored items of a group by template
# (relabel.py): without them each look-up scans the table (1M texts at 1M items: a second each).
# A full classification builds them after loading the counts (quicker than keeping them up row by
# row), so an older store gains them then. Texts are hashed: a B-tree refuses a value over a third
# of a page. DuckDB goes without: its scans are quick enough, and its indexes slow bulk writes.
INDEXES = {
    "template_texts_id": ("template_texts", "(id)"),
    "template_texts_text": ("template_texts", "USING hash (text)"),
    "template_tokens_token": ("template_tokens", "USING hash (token)"),
    "template_rare_token": ("template_rare", "USING hash (token)"),
    "template_slot_buckets_bucket": ("template_slot_buckets", "(bucket)"),
    "classifications_template": ("classifications", "USING hash (template)"),
}
assert tuple(WORK_ITEM_COLUMNS) == WORK_ITEM_FIELDS
# every field the classifier gives but the group's size, which is counted when read (group_sizes)
assert tuple(CLASSIFICATION_COLUMNS) == tuple(name for name in CLASSIFICATION_FIELDS if name != "group_size")


def _table(name: str, columns: dict[str, str], extra: str = "") -> str:
    body = ",\n  ".join(f"{column} {kind}" for column, kind in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {name} (\n  {body}{extra}\n)"


def schema(keyed: bool) -> tuple[str, ...]:
    """The tables. `keyed` adds primary keys on (source, key); DuckDB goes without, because its
    ART index makes a bulk upsert's deletes cost seconds at commit (measured: 8x slower at 100k
    rows), and uniqueness is already guaranteed by upsert_items (delete the batch's keys, then
    insert the batch, whose keys are unique, in one transaction)."""
    key = ",\n  PRIMARY KEY (source, key)" if keyed else ""
    return (
        "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)",
        _table("work_items", WORK_ITEM_COLUMNS | {"import_run_id": "BIGINT"}, key),
        _table("classifications", CLASSIFICATION_COLUMNS, key),
        # A live import's pages wait here until its last page, then move into work_items with
        # their classifications in one transaction: readers see the store before or after an
        # import, never half of one. `seq` orders the rows, so a key fetched twice keeps its last.
        _table("staged_items", {"scope": "TEXT NOT NULL", "seq": "BIGINT NOT NULL"} | WORK_ITEM_COLUMNS),
        """CREATE TABLE IF NOT EXISTS import_runs (
  run_id BIGINT PRIMARY KEY, source TEXT, mode TEXT, files TEXT, query TEXT,
  rows_read BIGINT, inserted BIGINT, updated BIGINT, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ)""",
        "CREATE TABLE IF NOT EXISTS watermarks (scope TEXT PRIMARY KEY, value TEXT, updated_at TIMESTAMPTZ)",
        """CREATE TABLE IF NOT EXISTS labels (
  source TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL, origin TEXT, labelled_by TEXT,
  labelled_at TIMESTAMPTZ, PRIMARY KEY (source, key))""",
        """CREATE TABLE IF NOT EXISTS answers (
  org TEXT NOT NULL, interviewee TEXT NOT NULL, question_id TEXT NOT NULL, answer TEXT,
  note TEXT, answered_at TIMESTAMPTZ, PRIMARY KEY (org, interviewee, question_id))""",
        # Answers to per-service questions for one named service, the services an organisation
        # named, and its kept assessments: new tables, created in an older store when it is opened.
        """CREATE TABLE IF NOT EXISTS service_answers (
  org TEXT NOT NULL, interviewee TEXT NOT NULL, service TEXT NOT NULL, question_id TEXT NOT NULL, answer TEXT,
  note TEXT, answered_at TIMESTAMPTZ, PRIMARY KEY (org, interviewee, service, question_id))""",
        "CREATE TABLE IF NOT EXISTS org_services (org TEXT NOT NULL, service TEXT NOT NULL, PRIMARY KEY (org, service))",
        """CREATE TABLE IF NOT EXISTS assessments (
  org TEXT NOT NULL, assessed_at TIMESTAMPTZ NOT NULL, kept_at TIMESTAMPTZ NOT NULL, content TEXT)""",
        # no keys: written in bulk, and looked up in bulk by joins
        *(_table(name, columns) for name, columns in TEMPLATE_TABLES.items()),
    )


GROUPINGS = {
    "source": "c.source",  # the item's own: classifications join items on it
    # the importers fall back on the project when an item names no team; a blank is never shown
    "team": "COALESCE(NULLIF(trim(w.team), ''), '(no team)')",
    "category": "c.category",
    "month": "CAST(date_trunc('month', w.created_at AT TIME ZONE 'UTC') AS DATE)",
    # the report's charts pick the unit that keeps them to about 24 bars
    "week": "CAST(date_trunc('week', w.created_at AT TIME ZONE 'UTC') AS DATE)",
    "quarter": "CAST(date_trunc('quarter', w.created_at AT TIME ZONE 'UTC') AS DATE)",
    "year": "CAST(date_trunc('year', w.created_at AT TIME ZONE 'UTC') AS DATE)",
    "service": "COALESCE(NULLIF(w.service, ''), '(no service)')",
    # the first person named: Jira's assignee, PagerDuty's first responder; some exports write
    # "Unassigned" where Jira's own leaves the cell blank: no one either way
    "person": "CASE WHEN lower(split_part(w.people, '|', 1)) IN ('', 'unassigned') OR w.people IS NULL "
              "THEN '(unassigned)' ELSE split_part(w.people, '|', 1) END",
}
# Hours are summed exactly (they are stored rounded to 4 places), so both engines add them up to
# the same figure whatever order their scans take: as whole ten-thousandths of an hour, integers,
# made a decimal again once summed (PostgreSQL adds a million integers in a third of the time it
# takes to add them as NUMERIC: 0.13 s against 0.34 s for the line every import prints). A figure
# out of range (inf, NaN, 1e16 from a store written before imports checked ranges) counts as
# unknown, so that reads survive whatever the store holds instead of failing every command.
MAX_HOURS = 1e9
TEN_THOUSANDTHS = f"CASE WHEN c.hours BETWEEN 0 AND {MAX_HOURS:.0f} THEN CAST(round(c.hours * 10000) AS BIGINT) END"


def hours_sum(only: str | None = None) -> str:
    """The sum of the items' hours (of those where `only` holds), an exact decimal; NULL where none is known."""
    value = f"CASE WHEN {only} THEN {TEN_THOUSANDTHS} ELSE 0 END" if only else TEN_THOUSANDTHS
    return f"CAST(sum({value}) AS DECIMAL(38, 4)) * 0.0001"


FIGURES = f"""count(*) AS items,
  COALESCE(sum(CASE WHEN c.is_toil THEN 1 ELSE 0 END), 0) AS toil_items,
  COALESCE({hours_sum()}, 0) AS total_hours,
  COALESCE({hours_sum("c.is_toil")}, 0) AS toil_hours,
  COALESCE({hours_sum("c.hours_measured")}, 0) AS measured_hours,
  COALESCE(sum(CASE WHEN c.hours_measured THEN 1 ELSE 0 END), 0) AS measured_items"""
JOINED = "work_items w JOIN classifications c ON c.source = w.source AND c.key = w.key"
# An item and its classification, each column once (PostgreSQL would repeat source and key)
ITEM_AND_VERDICT = "w.*, " + ", ".join(f"c.{name}" for name in CLASSIFICATION_COLUMNS if name not in ("source", "key"))


def group_sizes(where: str = "", having: str = "") -> str:
    """SQL: each repetition group's (source, template) size, the items the store holds of it.
    Counted when read rather than kept per item, so that an item joining a large group rewrites
    no other row. `where`, `having`: clauses, each with its keyword."""
    return f"SELECT source, template, count(*) AS group_size FROM classifications{where} GROUP BY source, template{having}"
