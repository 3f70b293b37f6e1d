"""Month names and AM/PM markers of the languages Jira writes dates in, read as English.

Jira writes a date in the exporting user's language: Java's SimpleDateFormat `dd/MMM/yy h:mm a`
with the user's locale gives `27/Okt/26 2:34 AM` in German, `27/oct./26 2:34 AM` in French,
`27/oct/26 2:34 p. m.` in Spanish. Arrow's and Python's `%b` read English only, so a column that
English leaves unread is translated (dates.py): each distinct month word and marker is looked up
once, then replaced over the distinct texts of the column at once, and the column is read as
English again. A million German dates to the minute over a year (Jira's default form) take 1.3 s
of CPU where English ones take 0.35 s (this project's 2-core development machine, pyarrow 26):
the English try, one pass to find the distinct texts and words, the English read of the translation.

The forms are Java's own, printed by OpenJDK 17 (`DateFormatSymbols` short and long months, and
`Month.getDisplayName` in the SHORT, FULL and standalone styles) for each language and its regional
variants (de-AT, en-GB, es-MX, pt-PT, zh-TW...), with both the CLDR data Java 9+ uses by default
(`27/Okt./26`) and the JRE's older data, Java 8's and what `-Djava.locale.providers=COMPAT` brings
back (`27/Okt/26`). Case, a trailing dot and Unicode normalisation aside (`okt` = `Okt.`).

No word means two months across these languages, nor does any read as English (the first reading)
mean another month in its own language (tests/test_month_names.py checks both), so a file's words
pick its months without a guess; should a language added later break this, the file is refused by
name (choose_languages).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toilaudit.errors import InputFileError, shown


@dataclass(frozen=True, slots=True)
class Language:
    """The month names and AM/PM markers one language writes dates with."""

    name: str
    """In English, as the import's output names it ("German")."""
    months: tuple[str, ...]
    """January to December, each the forms Java writes for it, space-separated ("Okt Okt. Oktober")."""
    am: tuple[str, ...] = ("AM",)
    """The forms of the morning marker (`a` in Java's pattern, `%p` in Python's)."""
    pm: tuple[str, ...] = ("PM",)
    """The forms of the afternoon marker."""


ENGLISH_ABBREVIATED = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ENGLISH_FULL = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")

# English first (a file it reads needs no other); the others in the order they are named when
# several read a file alike. Java writes AM/PM for most locales: every language reads it.
LANGUAGES = (
    Language("English", (
        "Jan Jan. January", "Feb Feb. February", "Mar Mar. March", "Apr Apr. April", "May", "Jun Jun. June",
        "Jul Jul. July", "Aug Aug. August", "Sep Sep. Sept Sept. September", "Oct Oct. October",
        "Nov Nov. November", "Dec Dec. December"),
        ("AM", "am", "a.m."), ("PM", "pm", "p.m.")),  # en-GB writes Sept; en-CA and en-IE a.m., p.m.
    Language("German", (
        "Jan Jan. Januar Jän Jän. Jänner", "Feb Feb. Februar", "Mär Mrz März", "Apr Apr. April", "Mai",
        "Jun Juni", "Jul Juli", "Aug Aug. August", "Sep Sep. Sept. September", "Okt Okt. Oktober",
        "Nov Nov. November", "Dez Dez. Dezember"),
        ("AM", "vorm."), ("PM", "nachm.")),  # Mrz, vorm., nachm.: older CLDR data
    Language("French", (
        "janv. janvier", "févr. février", "mars", "avr. avril", "mai", "juin", "juil. juill. juillet", "août",
        "sept. septembre", "oct. octobre", "nov. novembre", "déc. décembre"),
        ("AM", "a.m."), ("PM", "p.m.")),
    Language("Spanish", (
        "ene ene. enero", "feb feb. febrero", "mar mar. marzo", "abr abr. abril", "may may. mayo", "jun jun. junio",
        "jul jul. julio", "ago ago. agosto", "sep sep. sept sept. septiembre", "oct oct. octubre",
        "nov nov. noviembre", "dic dic. diciembre"),
        ("AM", "a. m.", "a.m."), ("PM", "p. m.", "p.m.")),
    Language("Italian", (
        "gen gennaio", "feb febbraio", "mar marzo", "apr aprile", "mag maggio", "giu giugno", "lug luglio",
        "ago agosto", "set settembre", "ott ottobre", "nov novembre", "dic dicembre")),
    Language("Portuguese", (
        "jan jan. janeiro", "fev fev. fevereiro", "mar mar. março", "abr abr. abril", "mai mai. maio",
        "jun jun. junho", "jul jul. julho", "ago ago. agosto", "set set. setembro", "out out. outubro",
        "nov nov. novembro", "dez dez. dezembro"),
        ("AM", "da manhã"), ("PM", "da tarde")),
    Language("Dutch", (
        "jan jan. januari", "feb feb. februari", "mrt mrt. maart", "apr apr. april", "mei", "jun jun. juni",
        "jul jul. juli", "aug aug. augustus", "sep sep. september", "okt okt. oktober", "nov nov. november",
        "dec dec. december"),
        ("AM", "a.m."), ("PM", "p.m.")),
    Language("Polish", (
        "sty styczeń stycznia", "lut luty lutego", "mar marzec marca", "kwi kwiecień kwietnia", "maj maja",
        "cze czerwiec czerwca", "lip lipiec lipca", "sie sierpień sierpnia", "wrz wrzesień września",
        "paź październik października", "lis listopad listopada", "gru grudzień grudnia")),
    Language("Swedish", (
        "jan jan. januari", "feb feb. februari", "mar mars", "apr apr. april", "maj", "jun juni", "jul juli",
        "aug aug. augusti", "sep sep. september", "okt okt. oktober", "nov nov. november", "dec dec. december"),
        ("AM", "fm"), ("PM", "em")),
    Language("Danish", (
        "jan jan. januar", "feb feb. februar", "mar mar. marts", "apr apr. april", "maj", "jun jun. juni",
        "jul jul. juli", "aug aug. august", "sep sep. september", "okt okt. oktober", "nov nov. november",
        "dec dec. december")),
    Language("Norwegian", (
        "jan jan. januar", "feb feb. februar", "mar mar. mars", "apr apr. april", "mai", "jun jun. juni",
        "jul jul. juli", "aug aug. august", "sep sep. september", "okt okt. oktober", "nov nov. november",
        "des des. desember"),
        ("AM", "a.m.", "formiddag"), ("PM", "p.m.", "ettermiddag")),
    Language("Finnish", (
        "tammi tammik. tammikuu tammikuuta", "helmi helmik. helmikuu helmikuuta",
        "maalis maalisk. maaliskuu maaliskuuta", "huhti huhtik. huhtikuu huhtikuuta",
        "touko toukok. toukokuu toukokuuta", "kesä kesäk. kesäkuu kesäkuuta", "heinä heinäk. heinäkuu heinäkuuta",
        "elo elok. elokuu elokuuta", "syys syysk. syyskuu syyskuuta", "loka lokak. lokakuu lokakuuta",
        "marras marrask. marraskuu marraskuuta", "joulu jouluk. joulukuu joulukuuta"),
        ("AM", "ap."), ("PM", "ip.")),
    Language("Czech", (
        "led leden ledna", "úno únor února", "bře březen března", "dub duben dubna", "kvě květen května",
        "čvn čer červen června", "čvc červenec července", "srp srpen srpna", "zář září", "říj říjen října",
        "lis listopad listopadu", "pro prosinec prosince"),
        ("AM", "dop."), ("PM", "odp.")),
    Language("Russian", (
        "янв янв. январь января", "фев февр. февраль февраля", "мар мар. март марта", "апр апр. апрель апреля",
        "май мая", "июн июн. июнь июня", "июл июл. июль июля", "авг авг. август августа",
        "сен сент. сентябрь сентября", "окт окт. октябрь октября", "ноя нояб. ноябрь ноября",
        "дек дек. декабрь декабря")),
    # Japanese and Chinese write the month as its number and 月 (Chinese' older data: 一月)
    Language("Japanese", tuple(f"{month}月" for month in range(1, 13)), ("AM", "午前"), ("PM", "午後")),
    Language("Chinese", tuple(f"{month}月 {name}月" for month, name in enumerate(
        ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"), 1)), ("AM", "上午"), ("PM", "下午")),
    Language("Korean", tuple(f"{month}월" for month in range(1, 13)), ("AM", "오전"), ("PM", "오후")),
    Language("Hungarian", (
        "jan. január", "febr. február", "márc. március", "ápr. április", "máj. május", "jún. június",
        "júl. július", "aug. augusztus", "szept. szeptember", "okt. október", "nov. november", "dec. december"),
        ("AM", "de."), ("PM", "du.")),
    Language("Slovak", (
        "jan január januára", "feb február februára", "mar marec marca", "apr apríl apríla", "máj mája",
        "jún júna", "júl júla", "aug august augusta", "sep september septembra", "okt október októbra",
        "nov november novembra", "dec december decembra")),
    Language("Estonian", (
        "jaan jaanuar", "veebr veebruar", "märts", "apr aprill", "mai", "juuni", "juuli", "aug august",
        "sept september", "okt oktoober", "nov november", "dets detsember")),
    Language("Icelandic", (
        "jan. janúar", "feb. febrúar", "mar. mars", "apr. apríl", "maí", "jún. júní", "júl. júlí", "ágú. ágúst",
        "sep. september", "okt. október", "nóv. nóvember", "des. desember"),
        ("AM", "f.h."), ("PM", "e.h.")),
    Language("Romanian", (
        "ian ian. ianuarie", "feb feb. februarie", "mar mar. martie", "apr apr. aprilie", "mai", "iun iun. iunie",
        "iul iul. iulie", "aug aug. august", "sep sept. septembrie", "oct oct. octombrie", "nov nov. noiembrie",
        "dec dec. decembrie"),
        ("AM", "a.m."), ("PM", "p.m.")),
    Language("Turkish", (
        "Oca Ocak", "Şub Şubat", "Mar Mart", "Nis Nisan", "May Mayıs", "Haz Haziran", "Tem Temmuz",
        "Ağu Ağustos", "Eyl Eylül", "Eki Ekim", "Kas Kasım", "Ara Aralık"),
        ("AM", "ÖÖ"), ("PM", "ÖS")),
    Language("Ukrainian", (
        "січ січ. січень січня", "лют лют. лютий лютого", "бер бер. березень березня",
        "кві квіт квіт. квітень квітня", "тра трав трав. травень травня", "чер черв черв. червень червня",
        "лип лип. липень липня", "сер серп серп. серпень серпня", "вер вер. вересень вересня",
        "жов жовт жовт. жовтень жовтня", "лис лист лист. листопад листопада", "гру груд груд. грудень грудня"),
        ("AM", "дп"), ("PM", "пп")),
)
ENGLISH = LANGUAGES[0]

# A text's shape: its digit runs as 0 (but a month's number before 月/월), so a million dates hold
# a few dozen shapes, and their words are found in Python: `27/Okt/26 2:34 AM` -> `0/Okt/0 0:0 AM`.
DIGIT_RUN = r"\d+([^\d月월]|$)"
# The first word of a date is its month in Jira's forms (`27/Okt/26`, `Okt 27, 2026`); a dot after
# it may be the abbreviation's (`Okt.`) or the format's (`27.Okt.2026`), see translate.
FIRST_WORD = re.compile(r"\d{1,2}[月월]|[^\W\d_]+")
# The marker is what follows a date's last digit (`2:34 p. m.`); an ISO date's `Z` is none.
LAST_WORD = re.compile(r"\d(\s*)([^\d\s][^\d]*?)\s*$")
ODD_SPACES = ("\u00a0", "\u202f")  # Java's CLDR data: `a.\u00a0m.` (es), `2:34\u202fPM` (en, Java 20+)
MONTH_DIRECTIVE = re.compile(r"%[bBh]")
WORD_DIRECTIVES = re.compile(r"%[aAbBhpZcxX]")  # directives that write words


def month_key(word: str) -> str:
    """A month word as looked up: case, a trailing dot and Unicode normalisation aside."""
    return unicodedata.normalize("NFC", word).strip().casefold().rstrip(".")


def marker_key(word: str) -> str:
    """An AM/PM marker as looked up: spaces aside too (`a. m.` = `a.m.`)."""
    return re.sub(r"\s+", "", month_key(word))


@functools.cache
def months_of(language: Language) -> dict[str, int]:
    """The language's month words by key (month_key) -> month number, 1 to 12."""
    return {month_key(form): month for month, forms in enumerate(language.months, 1) for form in forms.split()}


@functools.cache
def markers_of(language: Language) -> dict[str, str]:
    """The language's markers by key (marker_key) -> "AM" or "PM"."""
    return {**{marker_key(form): "AM" for form in language.am}, **{marker_key(form): "PM" for form in language.pm}}


KNOWN_MONTHS = frozenset(key for language in LANGUAGES for key in months_of(language))
KNOWN_MARKERS = frozenset(key for language in LANGUAGES for key in markers_of(language))


@dataclass(frozen=True, slots=True)
class Texts:
    """A column's date texts as they are translated: each distinct text once, and their shapes."""

    distinct: pa.Array
    """The distinct texts (odd spaces made plain); null for a blank."""
    indices: pa.Array
    """Each row's index into `distinct`."""
    index: pd.Index
    """The column's index."""
    shapes: tuple[str, ...]
    """The distinct shapes of the texts (DIGIT_RUN)."""


@dataclass(frozen=True, slots=True)
class Words:
    """The words a file's dates hold that some language knows: each by its key (month_key,
    marker_key) with the first form seen, to name it."""

    months: dict[str, str]
    """Month words (`okt` -> `Okt`)."""
    markers: dict[str, str]
    """AM/PM markers (`p.m` -> `p. m.`)."""


def texts_of(text: pd.Series) -> Texts:
    """The texts (a column's dates, blanks as None) ready for words_of and translate."""
    strings = pa.array(text, type=pa.string(), from_pandas=True)
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    encoded = strings.dictionary_encode()
    distinct = encoded.dictionary
    for space in ODD_SPACES:
        distinct = pc.replace_substring(distinct, space, " ")
    shapes = pc.replace_substring_regex(distinct, DIGIT_RUN, r"0\1").unique().to_pylist()
    return Texts(distinct, encoded.indices, text.index, tuple(shape for shape in shapes if shape is not None))


def reads_months(fmt: str | None) -> bool:
    """Whether the format (None: the vote's, all month first) writes a month name as its first word."""
    if fmt is None:
        return True
    found = MONTH_DIRECTIVE.search(fmt)
    if found is None:
        return False
    before = fmt[:found.start()]
    return not WORD_DIRECTIVES.search(before) and not re.search(r"[^\W\d_]", re.sub(r"%.", "", before))


def reads_markers(fmt: str | None) -> bool:
    """Whether the format (None: the vote's) writes an AM/PM marker."""
    return fmt is None or "%p" in fmt


def _first_word(shape: str) -> tuple[str, str, str, str] | None:
    """The first word of a shape in its place: the character before it, the word, its dot, the
    character after it ("" at either end)."""
    found = FIRST_WORD.search(shape)
    if found is None:
        return None
    start, end = found.span()
    dot = "." if shape[end:end + 1] == "." else ""
    return shape[start - 1:start], found.group(), dot, shape[end + len(dot):end + len(dot) + 1]


def _last_word(shape: str) -> tuple[str, str] | None:
    """The marker after a shape's last digit, with the spaces before it."""
    found = LAST_WORD.search(shape)
    return None if found is None else (found.group(1), found.group(2))


def words_of(texts: Texts, fmt: str | None) -> Words:
    """The month words and markers some language knows among the texts."""
    months: dict[str, str] = {}
    markers: dict[str, str] = {}
    for shape in texts.shapes:
        first = _first_word(shape) if reads_months(fmt) else None
        if first is not None and month_key(first[1]) in KNOWN_MONTHS:
            months.setdefault(month_key(first[1]), first[1] + first[2])
        last = _last_word(shape) if reads_markers(fmt) else None
        if last is not None and marker_key(last[1]) in KNOWN_MARKERS:
            markers.setdefault(marker_key(last[1]), last[1])
    return Words(months, markers)


def choose_languages(words: Words, where: str, languages: tuple[Language, ...] = LANGUAGES) -> tuple[Language, ...]:
    """The `languages` that read every one of the `words`, in their order (English first);
    none for a file mixing languages (its dates are then refused as before).

    Raises InputFileError where those languages disagree on a word's meaning: the file's words
    cannot tell which is meant, and a guess would re-date the export.
    """
    fitting = tuple(language for language in languages
                    if set(words.months) <= months_of(language).keys() and set(words.markers) <= markers_of(language).keys())
    for key, word in words.months.items():
        meanings = {language.name: months_of(language)[key] for language in fitting}
        if len(set(meanings.values())) > 1:
            named = " but ".join(f"{ENGLISH_FULL[month - 1]} in {name}"
                                 for name, month in _first_of_each(meanings).items())
            raise InputFileError(f"{where}: the month {shown(word)} is {named}, and no other date of the file tells "
                                 "which language it is in - export the dates in English or ISO 8601 (Jira: your "
                                 "profile's language), then import again")
    return fitting


def mixed_languages_error(words: Words, where: str, languages: tuple[Language, ...] = LANGUAGES) -> InputFileError:
    """The one line refusing a file whose date words no one language reads all of (choose_languages
    found none): two of its words, each with the first language that writes it."""
    def knows(language: Language, key: str, kind: str) -> bool:
        return key in (months_of(language) if kind == "month" else markers_of(language))

    found = [(key, word, "month") for key, word in words.months.items()]
    found += [(key, word, "marker") for key, word in words.markers.items()]
    first_key, first_word, first_kind = found[0]
    first = next(language for language in languages if knows(language, first_key, first_kind))
    other_key, other_word, other_kind = next(item for item in found if not knows(first, item[0], item[2]))
    other = next(language for language in languages if knows(language, other_key, other_kind))
    return InputFileError(f"{where}: the dates mix languages ({shown(first_word, 20)} is {first.name}, "
                          f"{shown(other_word, 20)} {other.name}) - export the dates in one language, English or "
                          "ISO 8601 (Jira: your profile's language), then import again")


def _first_of_each(meanings: dict[str, int]) -> dict[str, int]:
    """The first language giving each meaning."""
    firsts: dict[int, str] = {}
    for name, month in meanings.items():
        firsts.setdefault(month, name)
    return {name: month for month, name in firsts.items()}


def translate(texts: Texts, language: Language, fmt: str | None) -> pd.Series:
    """The texts with `language`'s month words and markers written in English, as `fmt` (None: the
    vote's formats, all `%b`) reads them.

    Vectorised: each change is one literal replacement over the distinct texts, made exact by the
    shapes (the word's neighbours are in it, and no text holds it elsewhere). A word they cannot
    place so (glued to digits: `27Okt2026`; a month word again later in a text) is left as it is:
    its dates stay unread, and are refused by name.
    """
    distinct = texts.distinct
    firsts = [_first_word(shape) for shape in texts.shapes]
    if reads_markers(fmt):
        distinct = _markers_translated(distinct, language, {last for shape in texts.shapes
                                                            if (last := _last_word(shape)) is not None})
    if reads_months(fmt):
        later = {word for shape in texts.shapes for word in FIRST_WORD.findall(shape)[1:]}
        contexts = {first for first in firsts if first is not None and first[1] not in later}
        distinct = _months_translated(distinct, language, fmt, contexts)
    return pd.Series(distinct.take(texts.indices).to_pandas(), index=texts.index)


def _months_translated(distinct: pa.Array, language: Language, fmt: str | None,
                       contexts: set[tuple[str, str, str, str]]) -> pa.Array:
    names = ENGLISH_FULL if fmt is not None and "%B" in fmt else ENGLISH_ABBREVIATED
    table = months_of(language)
    # The word's dot is the abbreviation's (`27/Okt./26`: dropped) unless the format has a dot after
    # the month (`%d.%b.%Y`): then it is the format's, but where a second one follows (`27.Okt..2026`)
    found = None if fmt is None else MONTH_DIRECTIVE.search(fmt)
    dot_follows = found is not None and fmt is not None and fmt[found.end():].startswith(".")
    # a shape's digit stands for any digits: never part of a literal. The longest literal first:
    # `.Okt..` before the `.Okt.` that `.Okt.2026` gives, which `.Okt..2026` holds too
    exact = sorted(((before, word, dot, "" if after.isdigit() else after) for before, word, dot, after in contexts),
                   key=lambda context: (-len("".join(context)), context))
    for before, word, dot, after in exact:
        month = table.get(month_key(word))
        # a word must end at a dot or a sign (`Okt/`), not at the text's end (`mar` of `mars`)
        # nor glued to a number
        if month is None or before.isdigit() or not (dot or after):
            continue
        kept = dot if dot_follows and after != "." else ""
        english = names[month - 1]
        if word == english and kept == dot:
            continue
        if before:  # the first word: no letter comes before it, nor (translate) is it a later word
            distinct = pc.replace_substring(distinct, before + word + dot + after, before + english + kept + after,
                                            max_replacements=1)
        else:
            distinct = pc.replace_substring_regex(distinct, "^" + re.escape(word + dot + after), english + kept + after)
    return distinct


def _markers_translated(distinct: pa.Array, language: Language, contexts: set[tuple[str, str]]) -> pa.Array:
    table = markers_of(language)
    markers = {marker for _, marker in contexts}
    for marker in markers:
        english = table.get(marker_key(marker))
        # a text ending in a longer marker that ends so too (`x p. m.`) is left as it is
        if english is None or english == marker or any(other != marker and other.endswith(marker) for other in markers):
            continue
        ending = pc.ends_with(distinct, marker)
        cut = pc.utf8_slice_codeunits(distinct, 0, -len(marker))
        distinct = pc.if_else(ending, pc.binary_join_element_wise(cut, english, ""), distinct)
    return distinct
