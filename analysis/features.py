"""Features of the learned tagger: what the rules saw, turned into named numbers a linear model can weigh.

The hand-written rules stay, as *features*: every boolean of the pair rule (`analysis/pairs.py`), its
hand-weighted score, the contract's hard cases (a venue, a mediator beside a name, a joint act, an armed
group, one's own citizens abroad, a place of origin: the `cues.csv` roles of the same names, see
docs/labelling-guide.md), and the words between and around the two names. Topics get the lexicon's
per-topic scores, each lexicon term found, and the words of the text.

Pure functions on plain data: no file, no model, no database. `analysis/model.py` weighs the features,
`analysis/train.py` learns the weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from analysis.pairs import Mention

# Roles of cues.csv that only the learned model reads (the hand-weighted rule ignores them).
HARD_CASE_ROLES = ("mediator", "joint", "armed_group", "citizens", "origin")

# The words of a text that a topic model looks at: folded words of at least this many letters
# (shorter ones are mostly function words in English and French).
MIN_WORD = 3
# Words between two names farther apart than this say little about the two of them.
MAX_GAP_WORDS = 12
AROUND = 3  # words read before and after each mention
NEAR = 30  # characters: a hard-case word this close to a name is attached to it


def pair_vector(
    a: str,
    b: str,
    rule: dict[str, bool],
    hand_score: float,
    mentions: Sequence[Mention],
    folded: str,
    hard: dict[str, list[int]],
    n_countries: int,
) -> dict[str, float]:
    """The features of candidate pair `a`-`b`: rule booleans (`rule:*`), the hand score, hard-case cues,
    and the words between (`btw:*`) and around (`pre:*`, `post:*`) its closest two mentions."""
    vec: dict[str, float] = {f"rule:{name}": 1.0 for name, on in rule.items() if on and name != "bias"}
    vec["hand_score"] = hand_score
    vec[f"countries:{min(n_countries, 5)}"] = 1.0
    ma = [m for m in mentions if m.code == a and not m.venue]
    mb = [m for m in mentions if m.code == b and not m.venue]
    best: tuple[int, Mention, Mention] | None = None
    for x in ma:
        for y in mb:
            if x.unit != y.unit:
                continue
            lo, hi = (x, y) if x.start < y.start else (y, x)
            gap = max(0, hi.start - lo.end)
            if best is None or gap < best[0]:
                best = (gap, lo, hi)
    shared_units = {m.unit for m in ma} & {m.unit for m in mb}
    if best is None:
        vec["no_shared_sentence"] = 1.0
    else:
        _gap, lo, hi = best
        words = folded[lo.end : hi.start].split()
        if len(words) <= MAX_GAP_WORDS:
            for word in words:
                vec[f"btw:{word}"] = 1.0
            vec[f"gap:{min(len(words), 6)}"] = 1.0
        else:
            vec["gap:far"] = 1.0
        if lo.unit == 0:
            vec["closest_in_title"] = 1.0
        others = {m.code for m in mentions if m.unit == lo.unit and not m.venue} - {a, b}
        if others:
            vec["third_in_sentence"] = 1.0
    for m in ma[:2] + mb[:2]:
        for word in folded[max(0, m.start - 40) : m.start].split()[-AROUND:]:
            vec[f"pre:{word}"] = 1.0
        for word in folded[m.end : m.end + 40].split()[:AROUND]:
            vec[f"post:{word}"] = 1.0
    if any(m.venue for m in mentions if m.code in (a, b)):
        vec["venue_mention"] = 1.0
    if any(m.adjective for m in ma) or any(m.adjective for m in mb):
        vec["demonym"] = 1.0
    starts = [m.start for m in ma + mb]
    ends = [m.end for m in ma + mb]
    for role in HARD_CASE_ROLES:
        positions = hard.get(role)
        if not positions:
            continue
        vec[f"{role}:in_text"] = 1.0
        if best is not None and any(best[1].end <= p < best[2].start for p in positions):
            vec[f"{role}:between"] = 1.0
        if any(_near(p, starts, ends) for p in positions):
            vec[f"{role}:near"] = 1.0
        if shared_units and role in ("joint", "citizens"):
            vec[f"{role}:shared_sentence"] = 1.0
    return vec


def _near(pos: int, starts: Iterable[int], ends: Iterable[int]) -> bool:
    """A word right before a name ("born in Iran") or right after it ("U.S.-brokered")."""
    return any(0 <= s - pos <= NEAR for s in starts) or any(0 <= pos - e <= NEAR // 2 for e in ends)


def topic_vector(folded: str, title_end: int, lexicon: dict[str, float], terms: Iterable[str]) -> dict[str, float]:
    """Features shared by every topic's model: the lexicon score of each topic (`score:*`, capped), the
    lexicon terms found (`lex:*`), and the distinct words of the text (`w:*`) and of the title (`t:*`)."""
    vec: dict[str, float] = {f"score:{topic}": min(score, 6.0) / 2.0 for topic, score in lexicon.items()}
    for term in terms:
        vec[f"lex:{term}"] = 1.0
    for word in folded[:title_end].split():
        if len(word) >= MIN_WORD:
            vec[f"t:{word}"] = 1.0
    for word in folded.split():
        if len(word) >= MIN_WORD:
            vec[f"w:{word}"] = 1.0
    return vec
