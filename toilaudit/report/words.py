"""Board words: text from elsewhere made fit for the report, and bounded where its room is fixed.

The assessment's texts are written for the person at the terminal and name the command that
closes a gap ("30 labels needed: toilaudit label"). A board acts on the gap, not the command, and
the report names no command and no file (README, "The board report"): `for_board` rewords them.
The command stays where an operator reads it: `assess`, `gate` and the guardrail files.

The executive summary is one page, so its variable lines are cut to a length (`clip_words`),
at a word, rather than pushing its last paragraph onto a page of its own.
"""

from __future__ import annotations

import re

# "toilaudit label", "toilaudit interview --org 'X' --service NAME": the tool's name, then a command
# (the tool's version, "toilaudit 0.1.0", is no command)
_COMMAND = r"toilaudit\s+[a-z][a-z-]*(?:\s+(?:--?[\w-]+(?:[ =](?:'[^']*'|\"[^\"]*\"|[^\s()'\";,]+))?|[A-Z][A-Z_]+))*"
_REWORDS = (
    # "(30 labels needed: toilaudit label)": the labels are items a person labelled
    (re.compile(r"\((\d[\d,]*) labels needed:\s*" + _COMMAND + r"\)"), r"(\1 labelled items needed)"),
    # "(some words: toilaudit X)" or "(some words - run toilaudit X)": the words stay
    (re.compile(r"\(([^()]*?)\s*(?:[:;,]|\s-)\s*(?:run\s+|with\s+|see\s+)?" + _COMMAND + r"\)"), r"(\1)"),
    # "(toilaudit X)", "(run toilaudit X)": nothing stays
    (re.compile(r"\s*\((?:run\s+|with\s+|see\s+)?" + _COMMAND + r"\)"), ""),
    # anywhere else, with what leads into it: " - run toilaudit X", ": toilaudit X", " with toilaudit X"
    (re.compile(r"\s*(?:[:;,]|\s-)?\s*(?:run\s+|with\s+|see\s+)?" + _COMMAND), ""),
)


def for_board(text: str) -> str:
    """`text` without the commands it names: a board reads what is missing, not how to type it."""
    for pattern, replacement in _REWORDS:
        text = pattern.sub(replacement, text)
    return text


def asked(contradiction: str) -> str:
    """A contradiction ("sre.toil-tracked: answered ...") for a board: the question as it was asked,
    not its id (the appendix's interview record lists ids beside the answers), and no command."""
    from toilaudit.maturity.bank import load_bank

    question_id, _, rest = contradiction.partition(": ")
    question = load_bank().by_id().get(question_id)
    return for_board(f"Asked \u201c{question.text}\u201d, {rest}" if question and rest else contradiction)


def names_command(text: str) -> bool:
    """Whether `text` names a toilaudit command."""
    return re.search(_COMMAND, text) is not None


def clip_words(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, cut after a whole word and marked with an ellipsis."""
    text = str(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word longer than half the room is cut inside
        cut = cut[:space]
    return cut.rstrip(" ,;:-(") + "…"
