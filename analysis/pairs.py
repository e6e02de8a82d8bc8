"""Country pairs: which co-mentioned countries an article reports dealing with each other.

The rule (measured on the gold set, see docs/analysis.md): every two countries named as actors (not as
the venue of a meeting: "talks in Tokyo") are a candidate; the candidate is kept when a weighted sum of
plain features reaches zero: both in the title, an interaction cue (analysis/data/cues.csv: meet, visit,
sign, talks, tariffs, sanctions, with, rencontre, accord...) in a sentence naming both, the names joined
by a dash ("Canada-Japan"), one of them Canada (or, in an article without Canada, the title's first
country), a name used only as a place or in a side clause, and how many countries the article names (a
list of five members of a pact does not say who deals with whom, while five ministers who meet, or a chain
of joint subjects "The United States, India, Japan and Australia announced...", all deal together), a
stance word between the two ("Canada regrets U.S. withdrawal"), and whether one of the two is directly
linked to a third country instead ("urges diplomacy after U.S. strikes on Iran"). A comparison, ranking or
list ("Canada trails Japan", "press freedom index", "India, Indonesia and Mexico head to the polls") weighs
against a pair; two countries at war on the article's date (analysis/data/wars.csv) weigh for one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import combinations, compress
from pathlib import Path
from typing import NamedTuple

from analysis.gazetteer import COUNTRY, CUE, DATA_DIR, PERSON, alternation, read_rows, word_lists
from analysis.matcher import FOLD, Entry

# A sentence ends at . ! ? (and closing quotes) followed by space, unless the dot closes an
# abbreviation or an initial ("U.S. President", "Mr. Carney", "Gen. Smith"). Written "[.!?][.!?]*", not
# "[.!?]+": a pattern that opens with a character set lets the regex engine skip to the next . ! or ? in C
# (the same matches; this scans every summary, twice as fast).
_END = re.compile(r"[.!?][.!?]*[\"'”’»)\]]*\s+")
# The words of this grammar live in analysis/data/word_lists.csv, by name (read once, at import).
_WORDS = word_lists()
_ABBREV = frozenset(_WORDS["abbreviations"])


# The roles the hand-weighted rule reads, then those only the learned model reads (analysis/features.py).
CUE_ROLES = ("cue", "side", "stance", "compare", "rank", "mediator", "joint", "armed_group", "citizens", "origin")


def cue_patterns(data_dir: Path = DATA_DIR) -> list[tuple[str, Entry]]:
    """Words of cues.csv as matcher patterns; Entry.value is the word's role (cue, side or stance)."""
    return [
        (row["term"], Entry(CUE, row.get("role") or "cue", FOLD, row["term"]))
        for row in read_rows("cues.csv", data_dir)
        if row.get("term")
    ]


def unit_starts(text: str, title_end: int) -> list[int]:
    """Start offsets of the units: the title (0) and each sentence of the summary."""
    starts = [0]
    if title_end < len(text):
        starts.append(title_end)
    for m in _END.finditer(text, title_end):
        prev = text[max(title_end, m.start() - 12) : m.start()].split()
        word = prev[-1].lower().rstrip(".") if prev else ""
        if word in _ABBREV or (len(word) == 1 and word.isalpha()):
            continue
        starts.append(m.end())
    return starts


class Mention(NamedTuple):
    """A country named at [start, end) of the text, in unit `unit`; `venue` when written as a place
    where something happens ("in Tokyo", "à Bruxelles") rather than as an actor. (A named tuple: one is
    built for each country match of every article naming two countries, and a frozen dataclass's
    `__init__` costs three times as much.)"""

    code: str
    unit: int
    start: int
    end: int
    venue: bool
    adjective: bool = False  # named by a demonym or adjective ("Canadian")
    place: bool = False  # named after in/from/into/dans/en: a place where things happen or come from


# Pairs are read from the first mentions only: feed items name a handful of countries, and a
# pathological text must not cost quadratic time.
MAX_MENTIONS = 200

_VENUE_WORDS = frozenset(_WORDS["venue_prepositions"])
_EVENT_WORDS = frozenset(_WORDS["event_words"])
_OF_WORDS = frozenset(_WORDS["of_words"])  # "Conférence de Rome", "G20 de Johannesburg", "summit of ..."


def _word_before(folded: str, pos: int) -> tuple[str, int]:
    """The run of letters and digits before `pos` (spaces skipped) and its offset. The usual case, a word
    of the 40 characters before, is cut with C string methods; a longer or odd one is walked character by
    character (this runs for every country mention of an article naming two)."""
    lo = pos - 40 if pos > 40 else 0
    chunk = folded[lo:pos].rstrip(" ")
    cut = chunk.rfind(" ")
    word = chunk[cut + 1 :]
    if word.isalnum() and (cut >= 0 or lo == 0):
        return word, lo + cut + 1
    j = pos - 1
    while j >= 0 and folded[j] == " ":
        j -= 1
    k = j
    while k >= 0 and (folded[k].isalnum()):
        k -= 1
    return folded[k + 1 : j + 1], k + 1


_PLACE_WORDS = frozenset(_WORDS["place_prepositions"])
_COAST_WORDS = frozenset(_WORDS["coast_words"])  # not "côtes": "côtés" folds the same


def _preposition_before(folded: str, text: str, start: int, articles: bool = True) -> tuple[str, int]:
    """The word before `start` and its offset; the French "à" folds to "a", which is also the English
    article ("a Beijing-linked operation"), so a bare "a" only counts when it carries its accent."""
    word, at = _word_before(folded, start)
    if articles and word in _ARTICLES:  # "in the U.S.", "dans les Émirats"
        word, at = _word_before(folded, at)
    if word == "a" and text[at : at + 1] not in ("\u00e0", "\u00c0"):
        return "", at
    return word, at


_ARTICLES = frozenset(_WORDS["articles"])


def is_place(folded: str, start: int, text: str | None = None) -> bool:
    """True when the word before a name is a place preposition ("outbreak in Canada, U.S.")."""
    if text is None:
        return _word_before(folded, start)[0] in _PLACE_WORDS
    return venue_and_place(folded, text, start, False, False)[1]


_ARRIVALS = frozenset(_WORDS["arrival_words"])
_VISIT_WORDS = frozenset(_WORDS["visit_words"])


def is_venue(folded: str, text: str, start: int, capital: bool, demonym: bool = False) -> bool:
    """True when a country is named as the place where something happens rather than as an actor
    (see venue_and_place)."""
    return venue_and_place(folded, text, start, capital, demonym)[0]


def venue_and_place(folded: str, text: str, start: int, capital: bool, demonym: bool) -> tuple[bool, bool]:
    """(venue, place) of a mention, both read off the words before it (read once: this runs for every
    mention of an article naming two countries or more).

    venue: named as the place where something happens rather than as an actor: a capital after
    in/at/à/en ("talks in Tokyo"), or any name after an event word and a preposition ("a summit in
    Jakarta", "conference in Italy"). "Troops in Latvia" or "aid in Sudan" stay actors, and so does a
    demonym, which names people ("aimed at Haitians, Colombians and Venezuelans").
    place: after a place preposition ("outbreak in Canada, U.S."); never a demonym."""
    if demonym:
        return False, False
    word, at = _preposition_before(folded, text, start)
    before = None  # _word_before(folded, at)[0], read at most once
    if word == "off":
        return True, True  # "quotas off Saint-Pierre-et-Miquelon", "drills off Japan": waters, not a party
    if word in _OF_WORDS:  # "Nigeria's capital of Abuja", "la capitale de la Lituanie"
        before = _word_before(folded, at)[0]
        if before in _COAST_WORDS:  # "au large de Terre-Neuve", "off the coast of Somalia"
            return True, True
        place = before in ("capital", "capitale")
    elif word in _PLACE_WORDS:
        # "a trade mission in India", "visite officielle en Corée": the country visited is the counterpart
        before = _word_before(folded, at)[0]
        place = before not in _VISIT_WORDS
    else:
        place = False
    if word and text[at + len(word) : start].strip() == ",":
        # "in Nice, France": the country after a city that is itself a venue (a city takes no article:
        # "at the UN, Canada called..." names an actor)
        word, at = _preposition_before(folded, text, at, articles=False)
        if word in _VENUE_WORDS:
            return True, place
        before = None
    if word in _OF_WORDS:
        if not capital:
            return False, place
    elif word not in _VENUE_WORDS:
        return False, place
    if before is None:
        before = _word_before(folded, at)[0]
    if capital and word not in _OF_WORDS:
        # "Joly lands in Seoul", "Carney arrive à Canberra": arriving in a capital is a visit, not a venue
        return before not in _ARRIVALS, place
    return before in _EVENT_WORDS, place


# Weights of the pair score. They started as a logistic regression fitted on one half of the gold set
# and checked on the other, then were set by hand, rounded, and checked against real labelled headlines
# too (docs/analysis.md has the figures). Every later change had to improve (or keep) both halves of the
# gold set split by id parity, and not lower the real-headline figure. A candidate pair is kept when the
# sum of the weights of its features is >= 0.
WEIGHTS = {
    "bias": -0.5,
    "both_in_title": 0.5,  # the title names both countries
    "title_short_list": 0.8,  # ... and the title names at most three countries
    "one_in_title": 0.2,  # at least one of the two is in the title
    "none_in_title": -0.7,  # neither is in the title
    "same_unit_cue": 0.6,  # a sentence names both and holds an interaction cue
    "cue_between": -0.2,  # ... the cue stands between the two names, but across a clause break
    "clause_cue_between": 0.5,  # ... the cue stands between them within one clause (no ';', ':', ' - ')
    "dash": 0.3,  # "Canada-Japan", "Canada/U.S."
    "between_and": 0.8,  # "between Ottawa and Beijing", "entre Pyongyang et Moscou"
    "co_subjects": 1.2,  # joint subjects of a cue: "Saudi Arabia and Russia led...", "Ministers from
    # Mexico, Indonesia and Australia said..." (a whole chain, not listed)
    "co_objects": -1.2,  # "aid for Turkey and Syria": named side by side after a verb
    "with_canada": 0.8,  # one of the two is Canada (the product follows Canada's diplomacy)
    "two_countries": 0.3,  # the article names exactly two countries
    "three_countries": -0.7,  # the article names three
    "four_plus": -0.5,  # the article names four or more
    "backgrounded": -1.0,  # one of the two is only named in a side clause ("amid U.S. tariffs")
    "listed": -0.3,  # one of the two is only named in a sentence listing four or more countries
    "stance": -0.6,  # the text takes a stance (welcomes, monitors) and no cue links the two
    "place_only": -0.9,  # one of the two is only named as a place ("in Sweden", "in the U.S. and
    # Canada"; not "a trade mission in India", not a demonym)
    "with_hub": 0.8,  # without Canada: one of the two is the first country of the title
    "identity": -3.0,  # "Canadian-American", "Chinese-Canadian", "Canadian Israeli": one person's
    # origins, not a pair
    "third_party": -0.2,  # no direct link between the two (dash, "between", a cue between adjacent
    # names), but one of them is directly linked to a third country
    "both_places": -1.0,  # both only named as places ("outbreak grows in Canada, U.S.")
    "stance_between": -1.5,  # a stance word and no cue between the two names, in one clause
    "at_war": 1.0,  # the two are at war with each other on the article's date (wars.csv): an
    # article naming both reports them fighting ("the Russian invasion" + Ukraine)
    "co_listed": -1.0,  # a chain of names opening a clause with no interaction cue after it: listed
    # together, not dealing ("India, Indonesia, Mexico and South Africa head to the
    # polls", "la Turquie et la Syrie dénombrent 50 000 morts")
    "compared": -2.5,  # compared, ranked or side by side, not dealing: a comparison word between the
    # two names in one clause ("Canada trails China", "derrière les États-Unis"), a
    # ranking, listing or travel word in their sentence or in the title ("index",
    # "classement", "flights"), or a chain acting in parallel ("each"); and no cue
    # between them
}


# Two names joined by "and" / a comma after a verb or preposition are co-objects ("aid for Turkey and
# Syria", "trip to Paris and London"): they share what happens to them, they do not deal together.
def _coordinations() -> frozenset[str]:
    """What may stand between two names of one chain: a comma or a conjunction, then the article or
    preposition that French repeats before each name ("de l'Iran, de la Corée du Sud et du Mexique", "Le
    Canada, les États-Unis et le Mexique") and English sometimes does ("from Chile and from Peru")."""
    joins = _WORDS["chain_joins"]
    repeats = ("", *_WORDS["chain_repeats"])
    return frozenset(f"{join} {rep}".strip() for join in joins for rep in repeats)


_COORD = _coordinations()
# What may stand before the first of a chain of joint subjects: nothing, an article, or the people acting
# for the countries ("Ministers from Mexico, Indonesia and Australia said", "Les dirigeants du Canada et...").
_LEAD = re.compile(
    r"\W*(?:[^,;:]{1,40},\s+)?(?:(?:the|le|la|les|l|en|au|aux)\W+)?"
    rf"(?:(?:(?:{alternation(_WORDS['lead_portfolios'])})\s+)?(?:{alternation(_WORDS['lead_roles'])})"
    r"(?:\s+(?:de\s+la\s+défense|des\s+affaires\s+étrangères|du\s+commerce(?:\s+international)?))?"
    r"\s+(?:(?:from|of|de|du|des|d)\W+(?:(?:the|le|la|les|l)\W+)?)?)?$",
    re.IGNORECASE,
)
_EACH = re.compile(rf"(?:['’]s)?\W*(?:{alternation(_WORDS['parallel_words'])})\b", re.IGNORECASE)
# A clause break: ";", ":", "|", or a dash between spaces. Written to open with one character set (the
# regex engine then skips in C to the next candidate), the same matches as "[;:|]|\s[-–—]\s".
_CLAUSE_BREAK = re.compile(r"[;:|\s](?:(?<=[;:|])|[-\u2013\u2014]\s)")
_SENTENCE_BREAK = re.compile(r"[.;:\n]")
SIDE_REACH = 50  # characters after a side-clause word within which a country is background
CLOSE = 60  # a cue between two names this close, in one clause, links them directly
_DASHES = frozenset({"-", "/", "\u2013", "\u2014", "\u2010", "\u2011"})
# "U.S.-China tariff war", "U.S.–Canada talks": the mention "U.S" ends before the abbreviation's full stop, so the
# gap is ".-" (issue 9: such compounds were not read as dashes; the contract's "A-B" reading of who deals with whom).
_DASHES = _DASHES | {"." + dash for dash in _DASHES}
_BETWEEN = re.compile(
    rf"\b(?:{alternation(_WORDS['between_words'])})\s+(?:the\s+|les?\s+|la\s+|l['’])?$", re.IGNORECASE
)


def _unit_start(text: str, pos: int) -> int:
    """Start of the sentence holding `pos` (after the last sentence end or newline before it)."""
    lo = max(0, pos - 2000)  # no news sentence is longer; a megabyte without a full stop must stay cheap
    j = max(text.rfind("\n", lo, pos), text.rfind(". ", lo, pos), text.rfind("; ", lo, pos), text.rfind(": ", lo, pos))
    return j + 1 if j >= 0 else lo


def pair_features(
    mentions: list[Mention],
    cue_at: list[tuple[int, int]],
    folded: str,
    text: str,
    side_at: Sequence[int] = (),
    stance: Sequence[int] = (),
    compare: Sequence[tuple[int, int, bool]] = (),
    at_war: frozenset[str] = frozenset(),
) -> dict[str, dict[str, bool]]:
    """Candidate pairs of actor countries and their features (names of WEIGHTS). `cue_at` holds the
    (unit, offset) of interaction cues, `side_at` the offsets of side-clause words, `stance` those of
    stance words, `compare` the (unit, offset, is a ranking word) of comparison and ranking words (cues.csv
    roles compare and rank), `at_war` the pairs at war with each other on the article's date (wars.csv)."""
    actors = [m for m in mentions[:MAX_MENTIONS] if not m.venue]
    codes = sorted({m.code for m in actors})
    n = len(codes)
    out: dict[str, dict[str, bool]] = {}
    if n < 2:
        return out
    cues_by_unit: dict[int, list[int]] = {}
    for unit, pos in cue_at:
        cues_by_unit.setdefault(unit, []).append(pos)
    # One pass over the actors builds every index below (plain loops: this runs for every article naming
    # two countries or more, and comprehensions cost a frame each).
    title_codes: set[str] = set()
    by_code: dict[str, list[Mention]] = {}
    by_unit_code: dict[tuple[int, str], list[Mention]] = {}
    unit_codes: dict[int, set[str]] = {}
    at_start: dict[int, Mention] = {}
    first = None  # the title's first country (the first of equal offsets, as min() would pick)
    for m in actors:
        code, unit = m.code, m.unit
        if unit == 0:
            title_codes.add(code)
            if first is None or m.start < first.start:
                first = m
        ms = by_code.get(code)
        if ms is None:
            by_code[code] = [m]
        else:
            ms.append(m)
        ms = by_unit_code.get((unit, code))
        if ms is None:
            by_unit_code[(unit, code)] = [m]
        else:
            ms.append(m)
        present = unit_codes.get(unit)
        if present is None:
            unit_codes[unit] = {code}
        else:
            present.add(code)
        at_start[m.start] = m
    ordered = sorted(actors, key=_START)
    # The head of a coordination chain ("Canada, Australia and New Zealand call..."): a name joined to the
    # one before it by a comma or "and" shares that name's position (subject or object).
    head: dict[int, int] = {}
    previous = None
    for m in ordered:
        head[m.start] = m.start
        if previous is not None and previous.unit == m.unit and m.start - previous.end <= 20:
            if _joiner(text, previous.end, m.start) in _COORD:
                head[m.start] = head[previous.start]
        previous = m
    # A chain followed by "each" acts in parallel, not together ("Canada and Australia each tighten caps").
    chain_end: dict[int, int] = {}
    for m in ordered:
        chain_end[head[m.start]] = m.end
    parallel = {h for h, end in chain_end.items() if _EACH.match(text, end, end + 24)}
    # Listed: only named in sentences listing four or more countries. Place only: every mention is a place,
    # or coordinated with one ("grow in Canada, U.S.", "in the U.S. and Canada"). Background: every mention
    # follows a side-clause word.
    listed: set[str] = set()
    place_only: set[str] = set()
    background: set[str] = set()
    for code, ms in by_code.items():
        for m in ms:
            if len(unit_codes[m.unit]) < 4:
                break
        else:
            listed.add(code)
        for m in ms:
            if not (m.place or at_start[head[m.start]].place):
                break
        else:
            place_only.add(code)
        if side_at:
            for m in ms:
                if not _after_side_word(m.start, side_at, text):
                    break
            else:
                background.add(code)
    # The article's main actor when Canada is not in it: the first country the title names.
    hub = None if "CAN" in by_code or first is None else first.code
    strong: dict[str, bool] = {}
    leads: dict[int, bool] = {}
    # Names side by side in a unit, no other country between them: a cue between two such names links them.
    adjacent = {(p.start, q.start) for p, q in zip(ordered, ordered[1:]) if p.unit == q.unit and p.code != q.code}
    # A ranking, listing or travel word anywhere ("Classement des passeports : ...", "Press freedom index",
    # "bookings to sun destinations") makes the whole item one: every pair not linked by a cue between its
    # names counts as compared.
    ranked_item = any(rank for _unit, _p, rank in compare)
    for a, b in combinations(codes, 2):
        ta, tb = a in title_codes, b in title_codes
        same_cue = between = clause = dash = between_and = identity = co_objects = co_subjects = False
        close_cue = stance_between = compared = co_listed = in_parallel = False
        for unit, present in unit_codes.items():
            if a not in present or b not in present:
                continue
            cues = cues_by_unit.get(unit, ())
            same_cue = same_cue or bool(cues)
            for x in by_unit_code[(unit, a)]:
                for y in by_unit_code[(unit, b)]:
                    lo, hi = (x, y) if x.start < y.start else (y, x)
                    lo_end, hi_start = lo.end, hi.start
                    cue_in = False
                    for c in cues:
                        if lo_end <= c < hi_start:
                            cue_in = True
                            break
                    if compare and not cue_in and not compared:
                        # "Canada trails China and the U.S.", "derrière la Chine", "ranks eighth, behind
                        # Japan": a comparison word in the sentence and no interaction cue between the two
                        for c_unit, p, rank in compare:
                            if rank:
                                if c_unit == unit:
                                    compared = True
                                    break
                            elif lo_end <= p < hi_start and not _CLAUSE_BREAK.search(text, lo_end, hi_start):
                                compared = True
                                break
                    if stance and not cue_in:
                        for p in stance:
                            if lo_end <= p < hi_start:
                                if not _CLAUSE_BREAK.search(text, lo_end, hi_start):
                                    stance_between = True  # "Canada regrets U.S. withdrawal", "salue la trêve au Liban"
                                break
                    if cue_in:
                        between = True
                        if not _CLAUSE_BREAK.search(text, lo.end, hi.start):
                            clause = True
                            close_cue = close_cue or ((lo.start, hi.start) in adjacent and hi.start - lo.end <= CLOSE)
                    if head[lo.start] == head[hi.start] and _joiner(text, lo.end, hi.start) not in _COORD:
                        # members of one coordination chain, not side by side ("the United States, India,
                        # Japan and Australia announced..."): they share the chain's position
                        if _leads(text, head[lo.start], leads):
                            if cues and head[lo.start] not in parallel:
                                co_subjects = True
                            else:
                                co_listed = True
                                in_parallel = in_parallel or head[lo.start] in parallel
                        else:
                            co_objects = True
                        continue
                    if hi.start - lo.end > 20:
                        continue  # too far apart to be joined by a dash or an "and"
                    gap = text[lo.end : hi.start]
                    if gap == " " and lo.adjective and hi.adjective:
                        identity = True  # "a Canadian Israeli woman", "Japanese Canadian families"
                    elif gap in _DASHES:
                        if lo.adjective and hi.adjective:
                            identity = True
                        else:
                            dash = True
                    elif _joiner(text, lo.end, hi.start) in _COORD:
                        if _BETWEEN.search(text, max(0, lo.start - 20), lo.start):
                            between_and = True
                        elif not _leads(text, head[lo.start], leads):
                            co_objects = True
                        elif cues and head[lo.start] not in parallel:
                            co_subjects = True
                        else:
                            co_listed = True
                            in_parallel = in_parallel or head[lo.start] in parallel
        if (ranked_item and not between) or in_parallel:
            compared = True  # a ranking, or a chain acting in parallel ("each"): side by side, not dealing
        out[f"{a}-{b}"] = {
            "bias": True,
            "both_in_title": ta and tb,
            "title_short_list": ta and tb and len(title_codes) <= 3,
            "one_in_title": ta or tb,
            "none_in_title": not (ta or tb),
            "same_unit_cue": same_cue,
            "cue_between": between,
            "dash": dash,
            "with_canada": "CAN" in (a, b),
            "two_countries": n == 2,
            "three_countries": n == 3,
            "four_plus": n >= 4,
            "backgrounded": a in background or b in background,
            "between_and": between_and,
            "listed": (a in listed or b in listed) and not co_subjects,
            "identity": identity,
            "clause_cue_between": clause,
            "co_objects": co_objects,
            "co_subjects": co_subjects,
            "stance": bool(stance) and not (between or dash or between_and),
            "stance_between": stance_between and not (dash or between_and),
            "compared": compared and not (dash or between_and),
            "at_war": f"{a}-{b}" in at_war,
            "co_listed": co_listed and not (co_subjects or co_objects or between_and),
            "place_only": a in place_only or b in place_only,
            "both_places": a in place_only and b in place_only,
            "with_hub": hub in (a, b) and not (co_listed or co_objects),  # the first of a list is no main actor
            "third_party": False,
        }
        strong[f"{a}-{b}"] = dash or between_and or close_cue
    # A country whose own dealings with a third one are spelled out ("after U.S. strikes on Iran", "the
    # Trump-Putin summit", "tensions between Washington and Caracas") is, for anyone else who merely
    # comments, the subject of the comment rather than a counterpart.
    engaged: dict[str, set[str]] = {}
    for pair, on in strong.items():
        if on:
            a, b = pair.split("-")
            engaged.setdefault(a, set()).add(b)
            engaged.setdefault(b, set()).add(a)
    for pair, feats in out.items():
        if strong[pair]:
            continue
        a, b = pair.split("-")
        feats["third_party"] = bool(engaged.get(a, set()) - {b} or engaged.get(b, set()) - {a})
    return out


def _joiner(text: str, end: int, start: int) -> str:
    """The words between two names, lower case, one space apart, without the possessive of the first name
    ("Australia's or New Zealand's" -> "or"), ready to look up in _COORD."""
    gap = " ".join(text[end:start].split()).lower().replace("\u2019", "'")
    if gap.startswith(".") and text[end - 1 : end].isalpha():
        gap = gap[1:].lstrip()  # the last period of an abbreviation: "the U.S., Japan and Britain"
    if gap.startswith("'s"):
        gap = gap[2:].lstrip()
    elif gap.startswith("'") and text[end - 1 : end] in "sS":
        gap = gap[1:].lstrip()
    return gap


def _START(m: Mention) -> int:
    return m.start


def _leads(text: str, pos: int, memo: dict[int, bool]) -> bool:
    """True when the name at `pos` opens its sentence or clause (after an article or "Ministers from")."""
    if pos not in memo:
        memo[pos] = bool(_LEAD.match(text, _unit_start(text, pos), pos))
    return memo[pos]


def _after_side_word(start: int, side_at: Sequence[int], text: str) -> bool:
    return any(start - SIDE_REACH <= p < start and not _SENTENCE_BREAK.search(text, p, start) for p in side_at)


def find_pairs(
    mentions: list[Mention],
    cue_at: list[tuple[int, int]],
    folded: str,
    text: str,
    side_at: Sequence[int] = (),
    stance: Sequence[int] = (),
    compare: Sequence[tuple[int, int, bool]] = (),
    at_war: frozenset[str] = frozenset(),
    weights: dict[str, float] = WEIGHTS,
) -> tuple[str, ...]:
    """Pairs whose weighted feature score reaches 0 (see WEIGHTS)."""
    # The weights of the features that are on, summed in the features' order (map and compress keep the
    # loop in C; the sum is the same float as a Python loop's).
    weight = weights.__getitem__
    kept = [
        pair
        for pair, feats in pair_features(mentions, cue_at, folded, text, side_at, stance, compare, at_war).items()
        if round(sum(map(weight, compress(feats, feats.values()))), 6) >= 0
    ]  # 0.1 + 0.2 - 0.3 is not 0
    return tuple(sorted(kept))


# How the tagger's country matches become the rule's mentions (venues, places, leaders' visits).


def actor_mentions(
    countries_at: list,
    folded: str,
    text: str,
    orgs: set[str],
    has_person: bool,
    capitals: frozenset[str] | set[str],
    demonyms: frozenset[str] | set[str],
) -> list[Mention]:
    """The pair rule's view of each country match of the tagger, `countries_at` = (hit, code, unit): where it
    stands and whether it is a venue or a place."""
    # where a leader's name ends: "Anand à Amman", "Joly et Bill Blair à Kyiv" are visits, not venues
    leader_ends = {h[1] for h, _c, _u in countries_at if is_leader(h)} if has_person else _NO_ENDS
    mentions = []
    for h, code, unit in countries_at:
        demonym = h[2] in demonyms
        if is_leader(h):  # a leader named as a person acts; "In Canberra, Carney pitches..." is no venue
            venue = place = False
        elif h[2] in _EU_SEAT and "eu" in orgs:
            # "Bruxelles et New Delhi s'entendent" in an item about the EU: Brussels is the EU's seat
            # speaking, so Belgium is named (the contract counts a capital) but deals with no one
            venue = place = True
            demonym = False
        elif text[h[1] : h[1] + 6].lower() in _BASED:
            venue = place = True  # "Stockholm-based SIPRI", "a U.S.-based firm": where someone sits, no party
        else:
            venue, place = venue_and_place(folded, text, h[0], h[2] in capitals, demonym)
            if venue and leader_ends and _visited(text, h[0], leader_ends):
                venue = place = False
        mentions.append(Mention(code, unit, h[0], h[1], venue, demonym, place))
    return mentions


_EU_SEAT = frozenset(_WORDS["eu_seat"])
_NO_ENDS: frozenset[int] = frozenset()
_BASED = frozenset({"-based", "\u2011based", " based"})
_TO_PLACE = re.compile(rf"\s+(?:{alternation(_WORDS['to_place_prepositions'])})\s+$")


def _visited(text: str, start: int, leader_ends: set[int] | frozenset[int]) -> bool:
    """True when a leader's name stands right before the preposition of a place ("Anand à Amman")."""
    m = _TO_PLACE.search(text, max(0, start - 8), start)
    return m is not None and m.start() in leader_ends


def is_leader(hit: tuple) -> bool:
    """A match that names a country only through an office holder ("Carney"), not by a country word."""
    return PERSON in hit[4] and COUNTRY not in hit[4]


# "the prime minister", "la ministre", "le président": in a summary, the leader its title named. Not
# "the prime minister of Japan" / "le président de la Corée" (another leader, named by country).
_ECHO = re.compile(
    r"\b(?:[Tt]he|[Ll]e|[Ll]a)\s+(?:(?:new|nouveau|nouvelle)\s+)?"
    rf"(?:{alternation(_WORDS['echo_roles'])})\b"
    r"(?!\s+(?:of|de|du|des|d['’]))"
)


def title_leader_echoes(countries_at: list, text: str, title_end: int, starts: list[int]) -> list[Mention]:
    """Mentions for the summary's "the prime minister" / "le premier ministre" when the title names exactly
    one leader (Carney in "Carney à Kuala Lumpur", then "le premier ministre a rencontré son homologue
    malaisien"): the summary speaks of that leader, so the pair rule sees whom the leader deals with there.
    "The Japanese prime minister" or "Australia's prime minister" do not match: they name another leader."""
    leaders = {code for hit, code, unit in countries_at if unit == 0 and is_leader(hit)}
    if len(leaders) != 1:
        return []
    code = next(iter(leaders))
    return [
        Mention(code, bisect_right(starts, m.start()) - 1, m.start(), m.end(), False, False, False)
        for m in _ECHO.finditer(text, title_end)
    ]
