"""Country pairs: which co-mentioned countries an article reports dealing with each other.

The rule (measured on the gold set, see docs/analysis.md): every two countries named as actors (not as
the venue of a meeting: "talks in Tokyo") are a candidate; the candidate is kept when a weighted sum of
plain features reaches zero: both in the title, an interaction cue (analysis/data/cues.csv: meet, visit,
sign, talks, tariffs, sanctions, with, rencontre, accord...) in a sentence naming both, the names joined
by a dash ("Canada-Japan"), one of them Canada, and how many countries the article names (a list of
five members of a pact does not say who deals with whom).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from analysis.gazetteer import CUE, DATA_DIR, read_rows
from analysis.matcher import FOLD, Entry

# A sentence ends at . ! ? (and closing quotes) followed by space, unless the dot closes an
# abbreviation or an initial ("U.S. President", "Mr. Carney", "Gen. Smith").
_END = re.compile(r"[.!?]+[\"'”’»)\]]*\s+")
_ABBREV = frozenset("""u.s u.k u.n e.u mr mrs ms dr st gen lt col sen rep gov govt no vs jan feb mar apr aug
sept sep oct nov dec ont que alta sask man b.c n.s n.b p.e.i n.l inc ltd co corp jr sr prof rev sgt cpl maj
capt adm cmdr mt ft dept approx est fig p.m a.m d.c e.-u m mme mm""".split())


def cue_patterns(data_dir: Path = DATA_DIR) -> list[tuple[str, Entry]]:
    return [(row["term"], Entry(CUE, None, FOLD, row["term"])) for row in read_rows("cues.csv", data_dir)
            if row.get("term")]


def unit_starts(text: str, title_end: int) -> list[int]:
    """Start offsets of the units: the title (0) and each sentence of the summary."""
    starts = [0]
    if title_end < len(text):
        starts.append(title_end)
    for m in _END.finditer(text, title_end):
        prev = text[max(title_end, m.start() - 12):m.start()].split()
        word = prev[-1].lower().rstrip(".") if prev else ""
        if word in _ABBREV or (len(word) == 1 and word.isalpha()):
            continue
        starts.append(m.end())
    return starts


@dataclass(frozen=True, slots=True)
class Mention:
    """A country named at [start, end) of the text, in unit `unit`; `venue` when written as a place
    where something happens ("in Tokyo", "à Bruxelles") rather than as an actor."""

    code: str
    unit: int
    start: int
    end: int
    venue: bool
    adjective: bool = False  # named by a demonym or adjective ("Canadian")


_VENUE_WORDS = frozenset({"in", "at", "a", "en", "au", "aux", "dans"})
_EVENT_WORDS = frozenset({"summit", "conference", "meeting", "meetings", "talks", "forum", "games", "sommet",
                          "rencontre", "reunion", "held", "hosted", "tenue", "tenu", "meet", "meets", "gather",
                          "convene", "se reunissent", "reunis"})


def _word_before(folded: str, pos: int) -> tuple[str, int]:
    j = pos - 1
    while j >= 0 and folded[j] == " ":
        j -= 1
    k = j
    while k >= 0 and (folded[k].isalnum()):
        k -= 1
    return folded[k + 1:j + 1], k + 1


def is_venue(folded: str, text: str, start: int, capital: bool) -> bool:
    """True when a country is named as the place where something happens rather than as an actor:
    a capital after in/at/à/en ("talks in Tokyo"), or any name after an event word and a preposition
    ("a summit in Jakarta", "conference in Italy"). "Troops in Latvia" or "aid in Sudan" stay actors."""
    word, at = _word_before(folded, start)
    if word and text[at + len(word):start].strip() == ",":
        # "in Nice, France": the country after a city that is itself a venue
        city_word, city_at = word, at
        word, at = _word_before(folded, city_at)
        if word in _VENUE_WORDS:
            return True
    if word not in _VENUE_WORDS:
        return False
    if capital:
        return True
    before, _ = _word_before(folded, at)
    return before in _EVENT_WORDS


# Weights of the pair score. They started as a logistic regression fitted on one half of the gold set
# and checked on the other, then were set by hand, rounded, and checked against real labelled headlines
# too (docs/analysis.md has the figures). A candidate pair is kept when the sum of the weights of its
# features is >= 0.
WEIGHTS = {
    "bias": -0.5,
    "both_in_title": 0.5,        # the title names both countries
    "title_short_list": 0.8,     # ... and the title names at most three countries
    "one_in_title": 0.2,         # at least one of the two is in the title
    "none_in_title": -0.7,       # neither is in the title
    "same_unit_cue": 0.6,        # a sentence names both and holds an interaction cue
    "cue_between": -0.2,         # ... the cue stands between the two names, but across a clause break
    "clause_cue_between": 0.5,   # ... the cue stands between them within one clause (no ';', ':', ' - ')
    "dash": 0.3,                 # "Canada-Japan", "Canada/U.S."
    "between_and": 0.8,          # "between Ottawa and Beijing", "entre Pyongyang et Moscou"
    "co_subjects": 0.5,          # "Saudi Arabia and Russia led the decision": joint subjects of a cue
    "co_objects": -0.7,          # "aid for Turkey and Syria": named side by side after a verb
    "with_canada": 0.8,          # one of the two is Canada (the product follows Canada's diplomacy)
    "two_countries": 0.3,        # the article names exactly two countries
    "three_countries": -0.7,     # the article names three
    "four_plus": -0.5,           # the article names four or more
    "backgrounded": -0.5,        # one of the two is only named in a side clause ("amid U.S. tariffs")
    "listed": -0.3,              # one of the two is only named in a sentence listing four or more countries
    "identity": -3.0,            # "Canadian-American", "Chinese-Canadian": one person's origins, not a pair
}

# Words that open a side clause: a country named right after one is background, not a party
# ("as U.S. tariffs reshape markets", "alors que Washington multiplie les menaces").
_SIDE = re.compile(r"\b(?:amid|as|while|whereas|despite|alors que|tandis que|face aux?|malgré|malgre|sur fond de|"
                   r"en pleine?|joining|along with|alongside|like|such as|as did|en même temps que|"
                   r"à l'instar d[eu]|comme)\b[^.;:\n]{0,40}$", re.IGNORECASE)
# Two names joined by "and" / a comma after a verb or preposition are co-objects ("aid for Turkey and
# Syria", "trip to Paris and London"): they share what happens to them, they do not deal together.
_COORD = frozenset({"", "and", "et", "or", "ou", "puis", "and neighbouring", "et le", "et la", "et l", "and the"})
_LEAD = re.compile(r"^\W*(?:(?:the|le|la|les|l|en|au|aux)\W+)?$", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[;:|]|\s[-\u2013\u2014]\s")
_DASHES = frozenset({"-", "/", "\u2013", "\u2014", "\u2010", "\u2011"})
_BETWEEN = re.compile(r"\b(?:between|entre)\s+(?:the\s+|les?\s+|la\s+|l['’])?$", re.IGNORECASE)


def _unit_start(text: str, pos: int) -> int:
    """Start of the sentence holding `pos` (after the last sentence end or newline before it)."""
    j = max(text.rfind("\n", 0, pos), text.rfind(". ", 0, pos), text.rfind("; ", 0, pos), text.rfind(": ", 0, pos))
    return j + 1 if j >= 0 else 0


def pair_features(mentions: list["Mention"], cue_at: list[tuple[int, int]], folded: str,
                  text: str) -> dict[str, dict[str, bool]]:
    """Candidate pairs of actor countries and their features (names of WEIGHTS)."""
    actors = [m for m in mentions if not m.venue]
    codes = sorted({m.code for m in actors})
    n = len(codes)
    out: dict[str, dict[str, bool]] = {}
    if n < 2:
        return out
    cues_by_unit: dict[int, list[int]] = {}
    for unit, pos in cue_at:
        cues_by_unit.setdefault(unit, []).append(pos)
    title_codes = {m.code for m in actors if m.unit == 0}
    by_code: dict[str, list[Mention]] = {}
    for m in actors:
        by_code.setdefault(m.code, []).append(m)
    unit_start: dict[int, int] = {}
    for m in mentions:
        if m.unit not in unit_start:
            unit_start[m.unit] = _unit_start(text, m.start)
    unit_size: dict[int, int] = {}
    for unit in {m.unit for m in actors}:
        unit_size[unit] = len({m.code for m in actors if m.unit == unit})
    listed = {code for code, ms in by_code.items() if all(unit_size[m.unit] >= 4 for m in ms)}
    background = {code for code, ms in by_code.items()
                  if all(_SIDE.search(text, max(0, m.start - 50), m.start) for m in ms)}
    for a, b in combinations(codes, 2):
        ma, mb = by_code[a], by_code[b]
        ta, tb = a in title_codes, b in title_codes
        same_cue = between = clause = dash = between_and = identity = co_objects = co_subjects = False
        for x in ma:
            for y in mb:
                lo, hi = (x, y) if x.start < y.start else (y, x)
                gap = text[lo.end:hi.start]
                if gap in _DASHES:
                    if lo.adjective and hi.adjective:
                        identity = True
                    else:
                        dash = True
                elif folded[lo.end:hi.start].strip() in _COORD:
                    if _BETWEEN.search(text, max(0, lo.start - 20), lo.start):
                        between_and = True
                    elif not _LEAD.match(text, unit_start.get(lo.unit, 0), lo.start):
                        co_objects = True
                    elif x.unit == y.unit and cues_by_unit.get(x.unit):
                        co_subjects = True
                if x.unit != y.unit:
                    continue
                cues = cues_by_unit.get(x.unit, ())
                if cues:
                    same_cue = True
                    if any(lo.end <= c < hi.start for c in cues):
                        between = True
                        if not _CLAUSE_BREAK.search(text, lo.end, hi.start):
                            clause = True
        out[f"{a}-{b}"] = {
            "bias": True, "both_in_title": ta and tb, "title_short_list": ta and tb and len(title_codes) <= 3,
            "one_in_title": ta or tb, "none_in_title": not (ta or tb), "same_unit_cue": same_cue,
            "cue_between": between, "dash": dash, "with_canada": "CAN" in (a, b),
            "two_countries": n == 2, "three_countries": n == 3, "four_plus": n >= 4,
            "backgrounded": a in background or b in background, "between_and": between_and,
            "listed": a in listed or b in listed, "identity": identity, "clause_cue_between": clause,
            "co_objects": co_objects, "co_subjects": co_subjects,
        }
    return out


def find_pairs(mentions: list["Mention"], cue_at: list[tuple[int, int]], folded: str, text: str,
               weights: dict[str, float] = WEIGHTS) -> tuple[str, ...]:
    """Pairs whose weighted feature score reaches 0 (see WEIGHTS)."""
    kept = [pair for pair, feats in pair_features(mentions, cue_at, folded, text).items()
            if sum(weights[f] for f, on in feats.items() if on) >= 0]
    return tuple(sorted(kept))
