"""Work not done: the Jira resolutions and statuses that say an issue was closed without the work.

Such an issue is given no estimated hours (classifier.not_done, verdicts.time_note)."""

from __future__ import annotations

import unicodedata

# Jira's resolutions of work not done (Cloud's and Data Center's defaults, Incomplete among them,
# Service Management's Declined and Canceled, and the Invalid, Rejected, Obsolete and Abandoned many
# sites add), compared in lower case, in the Resolution or the Status: team-managed
# projects close an issue as "Won't Do" by its status, resolving every issue "Done". Such an issue
# is given no estimated hours, as no work was done on it; time logged on it still counts. Its
# verdict stands (a duplicate request is still a request).
ENGLISH = frozenset({"won't do", "won't fix", "duplicate", "cannot reproduce", "incomplete", "declined", "canceled",
                     "cancelled", "invalid", "rejected", "obsolete", "abandoned"})

# Jira Cloud names its default resolutions and statuses in each user's language, and an export
# writes them so: a German export says "Wird nicht erledigt" for Won't Do, "Duplikat" for Duplicate.
# Only names found in a real source are listed, and only those that say the work was not done: a word
# a tracker also uses for work that was done ("Erledigt", "Fertig", "Terminé(e)", "Listo", "Gereed",
# 完了, 완료: Done, or Resolved) is left out. Sources, one line per language:
#   de: Won't Do, Duplicate, Cannot Reproduce: midagedev/issuetap internal/locale/locale.go (Jira Cloud's
#       resolutions 10001-10003 for de_DE); the first two also in a German user's Jira export
#   es: Won't Do, Duplicate, Cannot Reproduce: ansible/ansible#34289 (GET /rest/api/2/resolution of a
#       Spanish Jira: 10101 "No se hará", 10102 "Duplicado", 10103 "No Reproducible")
#   ja: Won't Do, Duplicate, Cannot Reproduce: midagedev/issuetap internal/locale/locale.go (ja_JP);
#       the Cancelled status: support.atlassian.com/ja/jira-cloud-administration/docs/
#       what-are-issue-statuses-priorities-and-resolutions (キャンセルされました)
#   ko: Duplicate, Cannot Reproduce: midagedev/issuetap internal/locale/locale.go (ko_KR; Won't Do stays
#       English there, so the English name covers it)
# Not found in a real source, so not listed: any name in French, Portuguese, Italian, Dutch, Polish,
# Russian, Swedish, Danish, Finnish, Norwegian, Czech, Hungarian, Chinese or Turkish; and Won't Fix,
# Incomplete, Declined and Canceled in German, Spanish, Japanese and Korean (but Japanese Cancelled).
TRANSLATED: dict[str, frozenset[str]] = {
    "de": frozenset({"wird nicht erledigt", "duplikat", "nicht reproduzierbar"}),
    "es": frozenset({"no se hará", "duplicado", "no reproducible"}),
    "ja": frozenset({"対応しない", "重複", "再現不可", "キャンセルされました"}),
    "ko": frozenset({"복제", "재현 불가"}),
}

NOT_DONE = ENGLISH.union(*TRANSLATED.values())
"""Every resolution or status name of work not done, in the form `normalised` gives."""


def normalised(value: str) -> str:
    """A resolution or status as NOT_DONE holds it: composed (an accent typed as its own character
    is joined to its letter), without surrounding space, in lower case, Won’t with a straight apostrophe."""
    return unicodedata.normalize("NFC", value).strip().lower().replace("\u2019", "'")


def resolved_undone(value: object) -> bool:
    """Whether a resolution or status is one of NOT_DONE (any case; Won’t Do with a typographic apostrophe too)."""
    return isinstance(value, str) and normalised(value) in NOT_DONE
