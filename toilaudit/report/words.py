"""Board words: text from elsewhere made fit for the report, and bounded where its room is fixed.

A contradiction names the question as it was asked (`asked`); the shortfalls come in a board's
words from maturity.evidence.board_shortfalls (no command). The executive summary is one page, so
its variable lines are cut to a length (`clip_words`), at a word, rather than pushing its last
paragraph onto a page of its own.
"""

from __future__ import annotations


def asked(contradiction: str) -> str:
    """A contradiction ("sre.toil-tracked: answered ...") for a board: the question as it was asked,
    not its id (the appendix's interview record lists ids beside the answers)."""
    from toilaudit.maturity.bank import load_bank

    question_id, _, rest = contradiction.partition(": ")
    question = load_bank().by_id().get(question_id)
    return f"Asked \u201c{question.text}\u201d, {rest}" if question and rest else contradiction


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
