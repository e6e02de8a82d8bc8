"""Country pairs: which co-mentioned countries an article reports dealing with each other.

The rule (measured on the gold set, see docs/analysis.md):
1. The title and each sentence of the summary are units. Two countries named in the same unit form a
   pair when that unit also holds an interaction cue (analysis/data/cues.csv: meet, visit, sign,
   talks, tariffs, sanctions, with, rencontre, accord...) or writes the two names joined by a dash
   ("Canada-Japan", "Canada–U.S.").
2. A unit that names more than MAX_PER_UNIT countries is a list ("the G7: Canada, France, ...");
   it yields no pairs, since a list does not say who deals with whom.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from analysis.gazetteer import CUE, DATA_DIR, read_rows
from analysis.matcher import FOLD, Entry

MAX_PER_UNIT = 4

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


_VENUE_WORDS = frozenset({"in", "at", "a", "en", "au", "aux", "dans", "near", "inside", "outside"})


def is_venue(folded: str, start: int) -> bool:
    """True when the word right before `start` is a place preposition (in, at, à, en, au, dans)."""
    j = start - 1
    while j >= 0 and folded[j] in " '":
        j -= 1
    k = j
    while k >= 0 and folded[k].isalpha():
        k -= 1
    return folded[k + 1:j + 1] in _VENUE_WORDS


# Switches of the rule, kept as data so that bench/ and docs/ can report variants side by side.
TITLE_NEEDS_CUE = True
SUMMARY_CUE_BETWEEN = True
SKIP_VENUES = True


def _pair(a: str, b: str) -> str:
    return f"{a}-{b}" if a < b else f"{b}-{a}"


def find_pairs(mentions: list[Mention], cue_at: list[tuple[int, int]], folded: str, title_end: int) -> tuple[str, ...]:
    """The pair rule of this module's docstring, over the mentions and cue offsets of one article."""
    pairs: set[str] = set()
    by_unit: dict[int, list[Mention]] = {}
    for m in mentions:
        if not (SKIP_VENUES and m.venue):
            by_unit.setdefault(m.unit, []).append(m)
    cues_by_unit: dict[int, list[int]] = {}
    for unit, pos in cue_at:
        cues_by_unit.setdefault(unit, []).append(pos)
    for unit, ms in by_unit.items():
        codes = {m.code for m in ms}
        if len(codes) < 2 or len(codes) > MAX_PER_UNIT:
            continue
        cues = cues_by_unit.get(unit, [])
        if unit == 0 or not SUMMARY_CUE_BETWEEN:
            if cues or not TITLE_NEEDS_CUE or unit != 0:
                if cues:
                    pairs.update(_pair(a, b) for a, b in combinations(sorted(codes), 2))
            continue
        for i, m1 in enumerate(ms):
            for m2 in ms[i + 1:]:
                if m1.code != m2.code and any(m1.end <= c < m2.start for c in cues):
                    pairs.add(_pair(m1.code, m2.code))
    for m1, m2 in zip(mentions, mentions[1:]):
        if m1.code != m2.code and folded[m1.end:m2.start] in ("-", "/"):
            pairs.add(_pair(m1.code, m2.code))
    return tuple(sorted(pairs))
