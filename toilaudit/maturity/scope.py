"""Which services, and which tickets and pages, belong to the organisation assessed.

The article gates each service. The services in scope are the ones the organisation named
(`interview --service`, or `services:` in an answers file); without a list, those its imports
name (PagerDuty services, Jira components) and those its answers name. Its own items are those
of its named services; without a list, every item in the store, unless other organisations
were interviewed in the same store: then nothing tells its items apart, and it has no evidence
until it names its services.
"""

from __future__ import annotations

from dataclasses import dataclass

from toilaudit.errors import ToilauditError
from toilaudit.store import Store

ALL_SERVICES = "all services"  # the one scope when nothing names a service


@dataclass(frozen=True, slots=True)
class Scope:
    org: str
    """The organisation."""
    services: tuple[str, ...]
    """The services the gate is asked about, never empty."""
    item_services: tuple[str, ...] | None
    """Whose items are the organisation's: None for every item in the store."""
    named: bool
    """The organisation named its services."""
    shared_with: tuple[str, ...] = ()
    """Other organisations interviewed in the same store, when this one named no services."""

    @property
    def attributable(self) -> bool:
        return self.named or not self.shared_with

    def describe(self) -> str:
        if self.named:
            return f"the items of its {len(self.services)} named service(s)"
        if self.shared_with:
            return "none: other organisations share this store and it named no services"
        return "every item in the store"


def distinct_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """Each service once, under the first spelling given."""
    kept: dict[str, str] = {}
    for name in names:
        kept.setdefault(name.lower(), name)  # as same_service compares them
    return tuple(kept.values())


def known_orgs(store: Store) -> list[str]:
    """The organisations the store knows: interviewed, or that named their services."""
    return sorted(set(store.load_answers()["org"]) | set(store.org_services()["org"]))


def same_org(store: Store, org: str) -> str:
    """`org` as the store spells it: --org 'acme ops' is the organisation interviewed as 'Acme Ops', not
    a second one. A name the store does not know in any case is returned as given (a new organisation);
    one matching several spellings, none of them exactly, is refused naming them."""
    known = known_orgs(store)
    if org in known:
        return org
    spellings = [name for name in known if name.casefold() == org.strip().casefold()]
    if len(spellings) > 1:
        raise ToilauditError(f"--org {org!r}: the store has {', '.join(repr(name) for name in spellings)}, "
                             "differing only in case - pass one of them as written")
    return spellings[0] if spellings else org


def org_scope(store: Store, org: str) -> Scope:
    named = tuple(store.org_services(org)["service"])
    answers = store.load_answers()
    answered = tuple(s for s in answers.loc[answers["org"] == org, "service"] if s)
    if named:
        return Scope(org, distinct_names((*named, *answered)), named, True)
    others = tuple(sorted(set(answers["org"]) - {org}))
    from_imports = () if others else tuple(store.item_services()["service"])
    services = distinct_names((*from_imports, *answered)) or (ALL_SERVICES,)
    return Scope(org, services, None if not others else (), False, others)
