"""Loading the rule pack: the shipped default, optionally extended by `--rules FILE`.

A user's pack may add rules, replace a shipped rule by giving its id, switch rules off with
`disable: [T007]` (old ids in `aliases` work too), and override settings.
"""

from __future__ import annotations

import dataclasses
import re
from importlib import resources
from typing import Any

import yaml

from toilaudit.classify.interface import Rule, RulePack, RulePackError, Settings

# libyaml when present: the default pack parses in 10 ms instead of 100
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
RULE_ID = re.compile(r"^[TN]\d{3}$")
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
    try:
        data = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        raise RulePackError(f"{where}: not valid YAML ({str(exc).splitlines()[0]}) - fix the file's syntax") from None
    if not isinstance(data, dict):
        raise RulePackError(f"{where}: expected a mapping with `rules:` and/or `settings:` - see the default pack")
    return data


def _build(data: dict[str, Any], where: str) -> RulePack:
    rules = tuple(_rule(raw, where) for raw in data.get("rules") or [])
    _check_unique(rules, where)
    return RulePack(str(data.get("version", "custom")), _settings(data.get("settings") or {}, Settings(), where), rules)


def _overlay(pack: RulePack, user: dict[str, Any], where: str) -> RulePack:
    unknown = set(user) - {"version", "settings", "rules", "disable"}
    if unknown:
        raise RulePackError(f"{where}: unknown key(s) {sorted(unknown)} - use version, settings, rules, disable")
    new_rules = [_rule(raw, where) for raw in user.get("rules") or []]
    _check_unique(tuple(new_rules), where)
    replaced = {rule.id for rule in new_rules}
    disabled = set(user.get("disable") or [])
    known = {rule.id for rule in pack.rules} | {a for rule in pack.rules for a in rule.aliases} | replaced
    stray = disabled - known
    if stray:
        raise RulePackError(f"{where}: disable names unknown rule(s) {sorted(stray)} - use ids from `toilaudit rules`")
    kept = [
        rule for rule in pack.rules
        if rule.id not in replaced and rule.id not in disabled and not disabled & set(rule.aliases)
    ]
    version = f"{pack.version}+{user.get('version', 'custom')}"
    settings = _settings(user.get("settings") or {}, pack.settings, where)
    return RulePack(version, settings, tuple(kept + [r for r in new_rules if r.id not in disabled]))


def _check_unique(rules: tuple[Rule, ...], where: str) -> None:
    seen: set[str] = set()
    for rule in rules:
        for rule_id in (rule.id, *rule.aliases):
            if rule_id in seen:
                raise RulePackError(f"{where}: rule id {rule_id} is used twice - give each rule its own id")
            seen.add(rule_id)


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise RulePackError(f"{where}: each rule must be a mapping with id, name, kind, match - got {raw!r}")
    rule_id = str(raw.get("id", ""))
    here = f"{where}: rule {rule_id or '(no id)'}"
    if not RULE_ID.match(rule_id):
        raise RulePackError(f"{here}: id must look like T001 (toil) or N001 (not toil)")
    for key in ("name", "kind", "match", "category"):
        if not raw.get(key):
            raise RulePackError(f"{here}: missing `{key}` - every rule needs id, name, kind, category, match")
    if raw["kind"] not in KINDS:
        raise RulePackError(f"{here}: kind {raw['kind']!r} - use toil or not-toil")
    try:
        pattern = re.compile(raw["match"], re.IGNORECASE)
    except re.error as exc:
        raise RulePackError(f"{here}: `match` is not a valid regex ({exc}) - fix the pattern") from None
    examples = raw.get("examples") or {}
    weight = float(raw.get("weight", 0.5 if raw["kind"] == "toil" else 0.6))
    return Rule(
        id=rule_id,
        name=str(raw["name"]),
        category=str(raw["category"]),
        kind=raw["kind"],
        weight=abs(weight),
        pattern=pattern,
        why=str(raw.get("why", "")),
        estimate_hours=float(raw["estimate_hours"]) if raw.get("estimate_hours") is not None else None,
        sources=tuple(raw.get("sources") or ()),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        examples_match=tuple(examples.get("match") or ()),
        examples_no_match=tuple(examples.get("no_match") or ()),
    )


def _settings(raw: dict[str, Any], base: Settings, where: str) -> Settings:
    fields = {f.name for f in dataclasses.fields(Settings)}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            raise RulePackError(f"{where}: unknown setting {key!r} - use one of {', '.join(sorted(fields))}")
        try:
            changes[key] = _setting_value(key, value)
        except (ValueError, TypeError, KeyError):
            raise RulePackError(f"{where}: setting {key} has a bad value {value!r} - see the default pack") from None
    return dataclasses.replace(base, **changes)


def _setting_value(key: str, value: Any) -> Any:
    if key == "business_hours":  # "09:00-18:00"
        start, end = str(value).split("-")
        return (int(start.split(":")[0]), int(end.split(":")[0]))
    if key == "workdays":
        return tuple(WEEKDAYS.index(str(day).lower()[:3]) for day in value)
    if key in ("tactical_types", "engineering_types"):
        return tuple(str(v).lower() for v in value)
    if key == "timezone":
        from zoneinfo import ZoneInfo

        ZoneInfo(str(value))  # raises on an unknown zone
        return str(value)
    if key == "repetition_min_group":
        return int(value)
    return float(value)
