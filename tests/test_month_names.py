"""Dates in the language Jira writes for its user (`27/Okt/26 2:34 AM`): month names and AM/PM
markers read as English, one language per file, said in the output; what no one language reads is
refused as before."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from toilaudit.errors import InputFileError
from toilaudit.importers import month_names
from toilaudit.importers.dates import parse_date_columns
from toilaudit.importers.jira_csv import read_jira_csv
from toilaudit.importers.month_names import Language, Words, choose_languages

from helpers import EXAMPLES, FIXTURES, run

JAVA_DATES = FIXTURES / "java_dates" / "java_dates.tsv"
# Java's pattern -> the format to pass; None: the format is voted, as without --date-format
JAVA_PATTERNS = {"dd/MMM/yy h:mm a": None, "dd.MMM.yyyy HH:mm": "%d.%b.%Y %H:%M", "d MMMM yyyy HH:mm": "%d %B %Y %H:%M"}
NOT_A_DATE = ("is not a date (read as %d/%b/%y %I:%M %p) - export ISO dates or pass --date-format with these dates' "
              "format, e.g. --date-format '%d.%m.%Y %H:%M'")  # as for any value no format reads


def export(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A Jira export of (Created, Resolved) rows, keys OPS-1, OPS-2..."""
    lines = ["Issue key,Summary,Created,Resolved"] + [f"OPS-{n},Restart app,{created},{resolved}"
                                                      for n, (created, resolved) in enumerate(rows, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def utc(*texts: str) -> list[pd.Timestamp | None]:
    return [pd.Timestamp(text, tz="UTC") if text else None for text in texts]


def dates(items: pd.DataFrame, field: str) -> list[pd.Timestamp | None]:
    return [None if pd.isna(value) else value for value in items[field]]


def test_a_german_export_is_read_and_the_language_said(tmp_path, db):
    path = export(tmp_path / "de.csv", [("27/Okt/25 2:34 AM", "27/Okt/25 11:23 PM"), ("03/Mär/25 9:05 AM", "01/Dez/25 4:00 PM"),
                                        ("15/Mai/25 12:00 PM", ""), ("24/Nov/25 12:30 AM", "24/Nov/25 3:45 PM")])
    batch = read_jira_csv([path], {})
    assert dates(batch.items, "created_at") == utc("2025-10-27 02:34", "2025-03-03 09:05", "2025-05-15 12:00",
                                                   "2025-11-24 00:30")
    assert dates(batch.items, "resolved_at") == utc("2025-10-27 23:23", "2025-12-01 16:00", "", "2025-11-24 15:45")
    said = "de.csv: Created and Resolved dates read with German month names ('Okt' as October)"
    assert batch.warnings == (said,)
    result = run("import", "jira", "--csv", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"warning: {said}"]


def test_languages_that_read_a_file_alike_are_named_and_only_columns_read_so_are_said(tmp_path):
    """Okt and Nov are German, Dutch, Swedish...: the instants are the same whichever it is. Resolved
    (all Nov) was read as English, only Created needed another language."""
    path = export(tmp_path / "nl.csv", [("27/Okt/25 2:34 AM", "24/Nov/25 3:45 PM"), ("28/Okt/25 9:00 AM", "")])
    batch = read_jira_csv([path], {})
    assert dates(batch.items, "created_at") == utc("2025-10-27 02:34", "2025-10-28 09:00")
    assert batch.warnings == ("nl.csv: Created dates read with German month names ('Okt' as October; Dutch, "
                              "Swedish and 5 more read them alike)",)


def test_a_french_export_with_dots_and_accents(tmp_path):
    path = export(tmp_path / "fr.csv", [("05/févr./25 2:07 PM", "12/déc./25 9:30 AM"), ("01/août/25 11:00 AM", ""),
                                        ("31/janv./25 12:15 AM", "14/juil./25 6:45 PM"), ("09/mars/25 1:00 PM", "")])
    batch = read_jira_csv([path], {})
    assert dates(batch.items, "created_at") == utc("2025-02-05 14:07", "2025-08-01 11:00", "2025-01-31 00:15",
                                                   "2025-03-09 13:00")
    assert dates(batch.items, "resolved_at") == utc("2025-12-12 09:30", "", "2025-07-14 18:45", "")
    assert batch.warnings == ("fr.csv: Created and Resolved dates read with French month names ('févr.' as "
                              "February)",)


def test_a_spanish_export_with_its_am_and_pm(tmp_path):
    # Java's CLDR data writes `p.\u00a0m.` (a no-break space) and `sept`
    path = export(tmp_path / "es.csv", [("05/ene/25 2:07 p.\u00a0m.", "09/sept/25 10:15 a.\u00a0m."),
                                        ("31/dic/25 11:59 p.\u00a0m.", ""), ("12/ago/25 12:30 a.\u00a0m.", "")])
    batch = read_jira_csv([path], {})
    assert dates(batch.items, "created_at") == utc("2025-01-05 14:07", "2025-12-31 23:59", "2025-08-12 00:30")
    assert dates(batch.items, "resolved_at") == utc("2025-09-09 10:15", "", "")
    assert batch.warnings == ("es.csv: Created and Resolved dates read with Spanish month names "
                              "('ene' as January)",)


def test_an_english_export_pays_nothing_and_is_read_as_before(monkeypatch, tmp_path):
    def never(*args, **kwargs):
        raise AssertionError("an English export looked for month names")

    monkeypatch.setattr(month_names, "texts_of", never)
    batch = read_jira_csv([EXAMPLES / "jira_export.csv"], {})
    assert len(batch.items) > 100 and not [w for w in batch.warnings if "month names" in w]
    path = export(tmp_path / "en.csv", [("24/Nov/25 3:45 PM", "01/Dec/25 9:05 AM")])
    assert dates(read_jira_csv([path], {}).items, "resolved_at") == utc("2025-12-01 09:05")


def test_english_as_other_javas_write_it_is_read_without_a_word(tmp_path):
    """en-GB's `Sept`, en-CA's `a.m.`, Java 20+'s narrow no-break space before PM: still English."""
    path = export(tmp_path / "en.csv", [("05/Sept/25 9:00 a.m.", "24/Nov/25 3:45\u202fPM")])
    batch = read_jira_csv([path], {})
    assert dates(batch.items, "created_at") == utc("2025-09-05 09:00")
    assert dates(batch.items, "resolved_at") == utc("2025-11-24 15:45")
    assert batch.warnings == ()


@pytest.mark.parametrize("rows, words", [
    ([("27/Okt/25 2:34 AM", ""), ("05/janv./25 2:07 PM", "")], "'Okt' is German, 'janv.' French"),
    ([("15/May/25 2:34 AM", ""), ("27/Okt/25 2:07 PM", "")], "'May' is English, 'Okt' German"),
    ([("05/ene/25 2:34 AM", ""), ("01/Dez/25 2:07 PM", "")], "'ene' is Spanish, 'Dez' German"),
])
def test_a_mix_no_one_language_reads_is_refused_naming_two_of_its_languages(tmp_path, db, rows, words):
    """Blaming one row's date would mislead: each is a good date in its own language."""
    result = run("import", "jira", "--csv", str(export(tmp_path / "mix.csv", rows)), db=db)
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: mix.csv: the dates mix languages ({words}) - export the dates in one "
                                     "language, English or ISO 8601 (Jira: your profile's language), then import again")


def test_a_mix_across_columns_is_refused_too(tmp_path):
    path = export(tmp_path / "mix.csv", [("27/Okt/25 2:34 AM", "05/janv./25 2:07 PM")])
    with pytest.raises(InputFileError, match=r"^mix.csv: the dates mix languages \('Okt' is German, 'janv.' French\)"):
        read_jira_csv([path], {})


def test_a_value_still_unread_is_named_with_the_language_read(tmp_path):
    path = export(tmp_path / "de.csv", [("27/Okt/25 2:34 AM", ""), ("gestern", ""), ("03/Mär/25 9:05 AM", "")])
    with pytest.raises(InputFileError) as refused:
        read_jira_csv([path], {})
    assert str(refused.value) == ("de.csv row 3: Created 'gestern' is not a date (read as %d/%b/%y %I:%M %p with "
                                  "German month names) - correct that row, or export the dates in English or ISO 8601 "
                                  "(Jira: your profile's language)")


def test_date_format_with_german_months(tmp_path, db):
    """%b reads the language's months too; a dot after the month is the format's (`27.Okt.2025`, the
    older data) or the abbreviation's and the format's (`27.Okt..2025`, CLDR's)."""
    path = export(tmp_path / "de.csv", [("27.Okt.2025", "27.Okt..2025"), ("03.Mär.2025", "01.Dez..2025"),
                                        ("15.Mai.2025", ""), ("28.Okt..2025", "")])
    batch = read_jira_csv([path], {}, date_format="%d.%b.%Y")
    assert dates(batch.items, "created_at") == utc("2025-10-27", "2025-03-03", "2025-05-15", "2025-10-28")
    assert dates(batch.items, "resolved_at") == utc("2025-10-27", "2025-12-01", "", "")
    assert batch.warnings == ("de.csv: Created and Resolved dates read with German month names ('Okt.' as October)",)
    bad = export(tmp_path / "bad.csv", [("27.Okt.2025", ""), ("27/Okt/2025", "")])
    result = run("import", "jira", "--csv", str(bad), "--date-format", "%d.%b.%Y", db=db)
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: bad.csv row 3: Created '27/Okt/2025' does not match --date-format "
                                     "'%d.%b.%Y' (read with German month names) - pass the format these dates are "
                                     "written in, or export ISO dates")


def java_dates() -> dict[tuple[str, str, str], list[tuple[str, str]]]:
    groups: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    with JAVA_DATES.open(encoding="utf-8", newline="") as handle:
        for locale, data, pattern, text, instant in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            groups[(locale, data, pattern)].append((text, instant))
    return groups


JAVA = java_dates()


@pytest.mark.parametrize("locale, data, pattern", sorted(JAVA))
def test_every_month_as_java_writes_it_is_read_to_its_instant(locale, data, pattern):
    written = JAVA[(locale, data, pattern)]
    texts = pd.Series([text for text, _ in written])
    columns = {"created_at": (texts, "Created")}
    if (locale, data) == ("ja", "compat") and "MMM" in pattern:
        # Java 8's Japanese data writes the month as a number (`05/1/26`): no month name to read,
        # refused as before; with its format given, its AM/PM markers are read
        with pytest.raises(InputFileError, match=r"is not a date|does not match --date-format"):
            parse_date_columns(columns, "ja.csv", JAVA_PATTERNS[pattern])
        twelve_hours = "h:mm a" in pattern
        parsed, said = parse_date_columns(columns, "ja.csv", "%d/%m/%y %I:%M %p" if twelve_hours else "%d.%m.%Y %H:%M")
        assert said == (["ja.csv: Created dates read with Japanese AM/PM markers ('午前' as AM)"] if twelve_hours else [])
    else:
        parsed, said = parse_date_columns(columns, f"{locale}.csv", JAVA_PATTERNS[pattern])
        assert all(line.startswith(f"{locale}.csv: Created dates read with ") for line in said)
    assert list(parsed["created_at"]) == [pd.Timestamp(instant, tz="UTC") for _, instant in written]


def test_no_word_is_two_months_nor_another_month_than_english_reads():
    english = {name.casefold(): month for names in (month_names.ENGLISH_ABBREVIATED, month_names.ENGLISH_FULL)
               for month, name in enumerate(names, 1)}
    meaning: dict[str, set[int]] = defaultdict(set)
    for language in month_names.LANGUAGES:
        own: dict[str, set[int]] = defaultdict(set)
        for month, forms in enumerate(language.months, 1):
            for form in forms.split():
                own[month_names.month_key(form)].add(month)
        assert {key: months for key, months in own.items() if len(months) > 1} == {}, language.name
        for key, month in month_names.months_of(language).items():
            meaning[key].add(month)
            assert english.get(key, month) == month, f"{language.name} {key!r}: English reads another month"
    assert {key: months for key, months in meaning.items() if len(months) > 1} == {}
    assert not month_names.KNOWN_MONTHS & month_names.KNOWN_MARKERS


def test_a_month_two_languages_read_differently_is_refused_by_name():
    """None does in the languages Jira writes; were one added that did (Croatian `lip` is June,
    Polish `lip` July), a file whose words cannot tell them apart is refused, never guessed."""
    croatian = Language("Croatian", ("sij", "velj", "ožu", "tra", "svi", "lip", "srp", "kol", "ruj", "lis", "stu", "pro"))
    polish = next(language for language in month_names.LANGUAGES if language.name == "Polish")
    with pytest.raises(InputFileError) as refused:
        choose_languages(Words({"lip": "lip"}, {"am": "AM"}), "hr.csv", (month_names.ENGLISH, polish, croatian))
    assert str(refused.value) == ("hr.csv: the month 'lip' is July in Polish but June in Croatian, and no other date "
                                  "of the file tells which language it is in - export the dates in English or ISO 8601 "
                                  "(Jira: your profile's language), then import again")
    assert choose_languages(Words({"lip": "lip", "sie": "sie"}, {}), "pl.csv", (polish, croatian)) == (polish,)
