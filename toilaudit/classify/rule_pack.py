"""Loading the rule pack: the shipped default, optionally extended by `--rules FILE`.

A user's pack may add rules, replace a shipped rule by giving its id, switch rules off with
`disable: [T007]` (old ids in `aliases` work too), and override settings.
"""

from __future__ import annotations

import dataclasses
import math
import re
from importlib import resources
from typing import Any

from toilaudit.classify.interface import Rule, RulePack, RulePackError, Settings
from toilaudit.errors import shown
from toilaudit.inputs import load_yaml

RULE_ID = re.compile(r"^[TN]\d{3}$")
SOURCES = ("jira", "pagerduty")
MAX_HOURS = 1000  # an estimate per item; beyond it a figure is a typo
MAX_NAME_CHARS = 80  # a category is a label in tables and charts, not a paragraph
KINDS = ("toil", "not-toil")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def default_pack_text() -> str:
    return resources.files("toilaudit.classify.rules").joinpath("default.yaml").read_text(encoding="utf-8")


def load_rule_pack(user_text: str | None = None, user_name: str = "rules file") -> RulePack:
    """The default pack, with a user's pack (YAML text) laid over it."""
    base = _parse_yaml(default_pack_text(), "default.yaml")
    pack = _build(base, "default.yaml")
    if user_text is None:
        return pack
    user = _parse_yaml(user_text, user_name)
    return _overlay(pack, user, user_name)


def _parse_yaml(text: str, where: str) -> dict[str, Any]:
    data = load_yaml(text, where, RulePackError, "fix the file's syntax")
    if not isinstance(data, dict):
        raise RulePackError(f"{where}: expected a mapping with `rules:` and/or `settings:` - see the default pack")
    return data


def _build(data: dict[str, Any], where: str) -> RulePack:
    rules = tuple(_rule(raw, where) for raw in _list(data, "rules", where))
    _check_unique(rules, where)
    return RulePack(_version(data, where), _settings(data.get("settings") or {}, Settings(), where), rules)


def _overlay(pack: RulePack, user: dict[str, Any], where: str) -> RulePack:
    unknown = set(map(str, user)) - {"version", "settings", "rules", "disable"}
    if unknown:
        raise RulePackError(f"{where}: unknown key(s) {shown(sorted(unknown)[0])} - use version, settings, rules, "
                            "disable")
    new_rules = [_rule(raw, where) for raw in _list(user, "rules", where)]
    _check_unique(tuple(new_rules), where)
    replaced = {rule.id for rule in new_rules}
    disabled = set(_texts(user.get("disable"), f"{where}: disable"))
    known = {rule.id for rule in pack.rules} | {a for rule in pack.rules for a in rule.aliases} | replaced
    stray = disabled - known
    if stray:
        named = ", ".join(shown(rule_id, 20) for rule_id in sorted(stray)[:5])
        raise RulePackError(f"{where}: disable names unknown rule(s) {named} - use ids from `toilaudit rules`")
    kept = [
        rule for rule in pack.rules
        if rule.id not in replaced and rule.id not in disabled and not disabled & set(rule.aliases)
    ]
    version = f"{pack.version}+{_version(user, where)}"
    settings = _settings(user.get("settings") or {}, pack.settings, where)
    return RulePack(version, settings, tuple(kept + [r for r in new_rules if r.id not in disabled]))


# -- values of the right type and in range: a rule file is refused by name, never half-read -------
def _version(data: dict[str, Any], where: str) -> str:
    version = data.get("version") if data.get("version") is not None else "custom"
    if not isinstance(version, (str, int, float)) or len(str(version)) > 40:
        raise RulePackError(f"{where}: version {shown(version)} - give a short name such as site-1")
    return str(version)


def _list(data: dict[str, Any], key: str, where: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise RulePackError(f"{where}: `{key}` must be a list, not {shown(value)} - see the default pack")
    return value


def _texts(value: Any, here: str) -> tuple[str, ...]:
    """A list of short texts (ids, names, issue types); a lone text counts as a list of one."""
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, (str, int, float)) for v in values):
        raise RulePackError(f"{here} must be a list of names, not {shown(value)} - e.g. [a, b]")
    return tuple(str(v) for v in values)


def _text(raw: dict[str, Any], key: str, here: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise RulePackError(f"{here}: `{key}` must be text, not {shown(value)} - quote it")
    return str(value)


def _number(value: Any, low: float, high: float, here: str) -> float:
    """A finite number from low to high; text such as '0.5' is read as the number it spells."""
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        number = math.nan
    if not low <= number <= high:  # NaN fails both comparisons
        raise RulePackError(f"{here} is {shown(value)} - give a number from {low:g} to {high:g}")
    return number


def _check_unique(rules: tuple[Rule, ...], where: str) -> None:
    seen: set[str] = set()
    for rule in rules:
        for rule_id in (rule.id, *rule.aliases):
            if rule_id in seen:
                raise RulePackError(f"{where}: rule id {shown(rule_id, 30)[1:-1]} is used twice - give each rule its own "
                                    "id")
            seen.add(rule_id)


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise RulePackError(f"{where}: each rule must be a mapping with id, name, kind, match - got {shown(raw)}")
    rule_id = raw.get("id", "")
    if not isinstance(rule_id, str) or not RULE_ID.fullmatch(rule_id):
        raise RulePackError(f"{where}: rule {shown(rule_id) if rule_id else '(no id)'}: not an id - give it one "
                            "like T001 (toil) or N001 (not toil)")
    here = f"{where}: rule {rule_id}"
    for key in ("name", "kind", "match", "category"):
        if not raw.get(key):
            raise RulePackError(f"{here}: missing `{key}` - every rule needs id, name, kind, category, match")
    if raw["kind"] not in KINDS:
        raise RulePackError(f"{here}: kind {shown(raw['kind'])} - use toil or not-toil")
    if not isinstance(raw["match"], str):
        raise RulePackError(f"{here}: `match` is {shown(raw['match'])}, not a regex - write one pattern in quotes, "
                            "alternatives joined with |")
    try:
        pattern = re.compile(raw["match"], re.IGNORECASE)
    except (re.error, RecursionError, OverflowError) as exc:
        raise RulePackError(f"{here}: `match` is not a valid regex ({shown(str(exc), 80)[1:-1]}) - fix the "
                            "pattern") from None
    examples = raw.get("examples") or {}
    if not isinstance(examples, dict):
        raise RulePackError(f"{here}: `examples` is {shown(examples)} - write examples: {{match: [...], no_match: [...]}}")
    weight = _number(raw.get("weight", 0.5 if raw["kind"] == "toil" else 0.6), -1, 1, f"{here}: weight")
    estimate = raw.get("estimate_hours")
    if len(_text(raw, "category", here)) > MAX_NAME_CHARS:
        raise RulePackError(f"{here}: `category` is longer than {MAX_NAME_CHARS} characters - name it in a few words")
    sources = _texts(raw.get("sources"), f"{here}: sources")
    if set(sources) - set(SOURCES):
        raise RulePackError(f"{here}: sources {shown(sorted(set(sources) - set(SOURCES))[0])} - use "
                            f"{' and/or '.join(SOURCES)}")
    return Rule(
        id=rule_id,
        name=_text(raw, "name", here),
        category=_text(raw, "category", here),
        kind=raw["kind"],
        weight=abs(weight),
        pattern=pattern,
        why=_text(raw, "why", here),
        estimate_hours=_number(estimate, 0, MAX_HOURS, f"{here}: estimate_hours") if estimate is not None else None,
        sources=sources,
        aliases=_texts(raw.get("aliases"), f"{here}: aliases"),
        examples_match=_texts(examples.get("match"), f"{here}: examples match"),
        examples_no_match=_texts(examples.get("no_match"), f"{here}: examples no_match"),
    )


# Ranges a setting can sensibly take; outside them it is a typo (interruption_minutes: -1000000)
NUMBER_RANGES = {
    "interruption_minutes": (0, 8 * 60),
    "page_hours_cap": (0.1, 7 * 24),
    "repetition_min_group": (2, 10_000),
    "toil_threshold": (0.01, 1),
    "default_toil_hours": (0, 1000),
    "default_other_hours": (0, 1000),
}
BUSINESS_HOURS = re.compile(r"^\s*(\d{1,2})(?::([0-5]\d))?\s*-\s*(\d{1,2})(?::([0-5]\d))?\s*$")


def _settings(raw: Any, base: Settings, where: str) -> Settings:
    if not isinstance(raw, dict):
        raise RulePackError(f"{where}: `settings` must be a mapping, not {shown(raw)} - e.g. settings: "
                            "{timezone: Europe/Zurich}")
    fields = {f.name for f in dataclasses.fields(Settings)}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            raise RulePackError(f"{where}: unknown setting {shown(key)} - use one of {', '.join(sorted(fields))}")
        try:
            changes[key] = _setting_value(key, value, f"{where}: setting {key}")
        except (ValueError, TypeError, KeyError):
            raise RulePackError(f"{where}: setting {key} has a bad value {shown(value)} - see the default pack") from None
    return dataclasses.replace(base, **changes)


def _setting_value(key: str, value: Any, here: str) -> Any:
    if key == "business_hours":  # "09:00-18:00"
        found = BUSINESS_HOURS.match(str(value)) if isinstance(value, str) else None
        start, end = (int(found.group(1)), int(found.group(3))) if found else (-1, -1)
        if not 0 <= start < end <= 24:
            raise RulePackError(f"{here} is {shown(value)} - give the working day as 'HH:MM-HH:MM', e.g. '09:00-18:00'")
        return (start, end)
    if key == "workdays":
        days = tuple(WEEKDAYS.index(day.lower()[:3]) for day in _texts(value, here))
        if not days:
            raise RulePackError(f"{here} is empty - list the working days, e.g. [mon, tue, wed, thu, fri]")
        return days
    if key in ("tactical_types", "engineering_types"):
        return tuple(v.lower() for v in _texts(value, here))
    if key == "timezone":
        from zoneinfo import ZoneInfo

        ZoneInfo(str(value))  # raises on an unknown zone
        return str(value)
    number = _number(value, *NUMBER_RANGES[key], here)
    return int(number) if key == "repetition_min_group" else number
