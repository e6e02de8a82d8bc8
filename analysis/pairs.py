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


def find_pairs(units: dict[int, set[str]], cued: set[int], dashed: set[tuple[str, str]]) -> tuple[str, ...]:
    """Pairs from per-unit country sets, the units holding a cue, and dash-joined name pairs."""
    pairs: set[str] = set()
    for unit, codes in units.items():
        if len(codes) < 2 or len(codes) > MAX_PER_UNIT or unit not in cued:
            continue
        for a, b in combinations(sorted(codes), 2):
            pairs.add(f"{a}-{b}")
    for a, b in dashed:
        if a != b:
            x, y = sorted((a, b))
            pairs.add(f"{x}-{y}")
    return tuple(sorted(pairs))
