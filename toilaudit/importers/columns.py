"""Which header in an export holds which WorkItem field.

Neither Jira nor PagerDuty documents a fixed column list (PagerDuty's incident list says
`created_on`, its Analytics download says `Created At`), so each source has a table of known
aliases, compared after normalising case and punctuation. A site's own headers (for example
`Custom field (Team)`) are mapped with `--columns FILE`, a YAML file of `header: field`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from toilaudit.errors import InputFileError, shown
from toilaudit.inputs import LOADER, load_yaml, read_text_file

# Fields an export can feed; a few are helpers that the importer folds into WorkItem fields.
MAPPABLE_FIELDS = (
    "key", "title", "description", "item_type", "status", "team", "project", "service", "labels",
    "created_at", "resolved_at", "updated_at", "resolution", "time_spent_seconds", "seconds_to_resolve", "urgency",
    "auto_resolved", "people", "incident_number",
)

JIRA_ALIASES: dict[str, tuple[str, ...]] = {
    "key": ("issue key", "key"),
    "title": ("summary", "title"),
    "description": ("description",),
    "item_type": ("issue type", "issuetype", "type"),
    "status": ("status",),
    "team": ("team", "team name", "custom field team", "custom field team name", "squad"),
    "project": ("project name", "project", "project key"),
    "service": ("component s", "components", "component"),
    "labels": ("labels", "label"),
    "created_at": ("created", "created date", "created at"),
    "resolved_at": ("resolved", "resolution date", "resolved date", "resolved at"),
    "updated_at": ("updated", "updated date", "updated at", "last updated"),
    "resolution": ("resolution",),
    "time_spent_seconds": ("time spent", "timespent", "time spent seconds", "σ time spent", "sum time spent"),
    "urgency": ("priority",),
    # The assignee did the work. Not the reporter: an unassigned ticket's reporter is its requester
    # or a bot ("Automation for Jira", "System"), and would be credited with toil nobody did; such
    # an item counts as "(unassigned)".
    "people": ("assignee",),
}

PAGERDUTY_ALIASES: dict[str, tuple[str, ...]] = {
    "key": ("id", "incident id", "incident key", "incident number", "number"),
    "incident_number": ("incident number", "number"),  # beside an id column; else it is the key
    "title": ("description", "title", "incident title", "summary", "incident description"),
    "status": ("status", "incident status"),
    "team": ("team names", "team name", "teams", "team"),
    "service": ("service name", "service", "service names"),
    "created_at": ("created on", "created at", "created", "triggered at", "opened at", "start time"),
    "resolved_at": ("resolved on", "resolved at", "resolved", "closed at", "end time"),
    "updated_at": ("updated on", "updated at", "updated", "last status change at", "last status change on"),
    "seconds_to_resolve": ("seconds to resolve", "time to resolve seconds", "seconds to resolution"),
    "urgency": ("urgency",),
    "auto_resolved": ("auto resolved", "autoresolved", "auto resolution", "resolved by system"),
    "people": (
        "assigned to", "assigned to user names", "assignees", "acknowledged by",
        "acknowledged by user names", "resolved by", "resolved by user name", "resolved by user names",
    ),
}


def normalise_header(header: str) -> str:
    """`Component/s` -> `component s`; `created_on` -> `created on`; `Σ Time Spent` keeps its Σ."""
    return re.sub(r"[^0-9a-zσ]+", " ", header.strip().lstrip("\ufeff").lower()).strip()


# A field that takes one value may take it from a column of several (Labels, Labels, ...) by a rule.
PICKED_FIELDS = ("team",)
PICK_KEYS = ("field", "prefix", "values")


@dataclass(frozen=True, slots=True)
class OneOfSeveral:
    """How a field that takes one value finds it among a column's several ("netops|team-payments"):
    the value starting with `prefix`, named without it, or else the value that is one of `values`.
    Both compare case aside."""

    header: str
    """The column, as the --columns file writes it (for messages)."""
    prefix: str = ""
    """The value starting with this names the field's value, without it: team-payments -> payments."""
    values: tuple[str, ...] = ()
    """Else the value that is one of these, named as written here."""

    def pick(self, joined: str) -> list[str]:
        """Every value of a row ("a|team-b|team-c") the rule takes, in the export's order, each once."""
        found = []
        for value in joined.split("|"):
            if self.prefix:
                name = value[len(self.prefix):].strip() if value.casefold().startswith(self.prefix.casefold()) else ""
            else:
                name = next((v for v in self.values if v.casefold() == value.casefold()), "")
            if name and name not in found:
                found.append(name)
        return found


class ColumnsMap(dict[str, str]):
    """A --columns file: {normalised header: field}, and `picks`, for each field taken from one of a
    column's several values, its rule (that column still feeds its own field too: Labels stay labels)."""

    def __init__(self, mapping: Mapping[str, str] | None = None, picks: Mapping[str, OneOfSeveral] | None = None):
        super().__init__(mapping or {})
        self.picks = dict(picks or {})


def picks_of(user_map: Mapping[str, str]) -> dict[str, OneOfSeveral]:
    """The fields a --columns map takes by a rule from one of several values (none from a plain dict)."""
    return user_map.picks if isinstance(user_map, ColumnsMap) else {}


def load_columns_map(path: Path | None) -> ColumnsMap:
    """Read a `--columns` YAML file: {site header: WorkItem field}, returned with normalised headers.

    A header may instead map to `{field: team, prefix: team-}` (the team is the value starting
    with team-) or `{field: team, values: [netops, sre]}` (the value that is one of these)."""
    if path is None:
        return ColumnsMap()
    where = Path(path).name
    text = read_text_file(path, InputFileError, "--columns")
    data = load_yaml(text, where, InputFileError, "write one `header: field` per line")
    if not isinstance(data, dict) or not data:
        raise InputFileError(f"{where}: expected a mapping of `export header: field` - e.g. 'Custom field (Team)': team")
    _refuse_repeated_keys(text, where)
    mapping: dict[str, str] = {}
    written: dict[str, str] = {}  # normalised header -> as the file writes it
    picks: dict[str, OneOfSeveral] = {}
    for header, field in data.items():
        if isinstance(field, dict):
            field, pick = _pick_rule(header, field, where)
            picks[field] = pick
        if not isinstance(field, str) or field not in MAPPABLE_FIELDS:
            raise InputFileError(
                # short quotes: the list of fields alone is about 200 characters of a one-line message
                f"{where}: {shown(header, 24)} maps to unknown field {shown(field, 16)} - use one of: "
                f"{' '.join(MAPPABLE_FIELDS)}"
            )
        if not isinstance(header, (str, int, float)) or isinstance(header, bool) or not str(header).strip():
            raise InputFileError(f"{where}: {shown(header)} is not a column header - quote the header as text")
        name = normalise_header(str(header))
        if name in mapping and mapping[name] != field:
            raise InputFileError(
                f"{where}: {shown(written[name])} and {shown(str(header))} are one header (case and punctuation "
                f"aside), mapped to {mapping[name]} and to {field} - map that header once"
            )
        mapping[name], written[name] = field, str(header)
    _refuse_shared_fields(mapping, written, where)
    return ColumnsMap(mapping, picks)


def _pick_rule(header: object, spec: dict, where: str) -> tuple[str, OneOfSeveral]:
    """The field and rule of a `header: {field: team, prefix: team-}` entry, or one line saying what is wrong."""
    fix = "write {field: team, prefix: team-} or {field: team, values: [netops, sre]}"
    field, prefix, values = spec.get("field"), spec.get("prefix"), spec.get("values")
    unknown = [key for key in spec if key not in PICK_KEYS]
    if unknown:
        raise InputFileError(f"{where}: {shown(header, 40)} has unknown key {shown(unknown[0], 30)} - use "
                             f"{', '.join(PICK_KEYS)}: {fix}")
    if field not in PICKED_FIELDS:
        raise InputFileError(f"{where}: {shown(header, 40)} picks {shown(field, 30)} among its values, which only "
                             f"{', '.join(PICKED_FIELDS)} can - map it as `header: field`, or {fix}")
    if isinstance(values, str):
        values = [values]
    good_prefix = isinstance(prefix, str) and prefix.strip() != ""
    good_values = isinstance(values, list) and bool(values) and all(
        isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip() for v in values)
    if good_prefix == good_values or (prefix is not None and values is not None):
        raise InputFileError(f"{where}: {shown(header, 40)} needs a prefix or a list of values (one of the two) to "
                             f"pick its {field} by - {fix}")
    return str(field), OneOfSeveral(str(header), str(prefix).strip() if good_prefix else "",
                                    tuple(str(v).strip() for v in values or ()) if good_values else ())


def _refuse_repeated_keys(text: str, where: str) -> None:
    """Refuse a header written twice with two fields: YAML would keep the last and drop the other
    mapping without a word. Read from the parsed nodes (the file is already known to be safe)."""
    root = yaml.compose(text, Loader=LOADER)
    if not isinstance(root, yaml.MappingNode):
        return
    seen: dict[str, str] = {}
    for key, value in root.value:
        if not isinstance(key, yaml.ScalarNode) or not isinstance(value, yaml.ScalarNode):
            continue  # not a header or not a field: refused by name afterwards
        if key.value in seen and seen[key.value] != value.value:
            raise InputFileError(
                f"{where}: {shown(key.value)} is mapped twice, to {shown(seen[key.value])} and to {shown(value.value)} "
                "- map each header once"
            )
        seen[key.value] = value.value


def _refuse_shared_fields(mapping: dict[str, str], written: dict[str, str], where: str) -> None:
    """Refuse two headers mapped to one field that holds one value: their values would be joined
    ("2026-01-01|2026-01-02" is then no date; "Red|Blue" no team). Labels, services and people
    are lists, so they may come from several columns."""
    headers: dict[str, list[str]] = {}
    for name, field in mapping.items():
        headers.setdefault(field, []).append(written[name])
    for field, found in headers.items():
        if len(found) > 1 and field not in MULTI_VALUED:
            raise InputFileError(
                f"{where}: {shown(found[0], 40)} and {shown(found[1], 40)} both map to {field}, which takes one "
                f"column - map one of them (only {', '.join(MULTI_VALUED)} take several)"
            )


MULTI_VALUED = ("labels", "service", "people")


def match_columns(
    headers: list[str], aliases: dict[str, tuple[str, ...]], user_map: dict[str, str]
) -> dict[str, list[int]]:
    """For each field, the positions of the headers that feed it.

    Jira repeats a header once per value (`Labels`, `Labels`, ...), so a multi-valued field takes
    every matching position; a single-valued field takes the first alias in table order, so
    `Time Spent` is preferred to `Σ Time Spent`. A user's --columns entry wins over the table.
    """
    normalised = [normalise_header(h) for h in headers]
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(normalised):
        if name in user_map:
            positions.setdefault(user_map[name], []).append(index)
    picked = picks_of(user_map)  # a column a field picks one value from still feeds its own (Labels)
    claimed = {i for field, found in positions.items() if field not in picked for i in found}
    for field, names in aliases.items():
        if field in positions:
            continue
        if field in MULTI_VALUED:
            found = [i for i, name in enumerate(normalised) if name in names and i not in claimed]
        else:
            found = next(
                ([i] for alias in names for i, name in enumerate(normalised) if name == alias and i not in claimed),
                [],
            )
        if found:
            positions[field] = found
    return positions
