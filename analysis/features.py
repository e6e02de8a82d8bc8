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

from analysis.gazetteer import word_lists
from analysis.matcher import fold
from analysis.pairs import WEIGHTS, Mention

# Roles of cues.csv that only the learned model reads (the hand-weighted rule ignores them).
HARD_CASE_ROLES = ("mediator", "joint", "armed_group", "citizens", "origin")

# The words of a text that a topic model looks at: folded words of at least this many letters
# (shorter ones are mostly function words in English and French).
MIN_WORD = 3
# Words between two names farther apart than this say little about the two of them.
MAX_GAP_WORDS = 12
AROUND = 3  # words read before and after each mention
NEAR = 30  # characters: a hard-case word this close to a name is attached to it

# Feature names built once (the tagger builds vectors for every candidate pair of every article).
_RULE_KEYS = {name: f"rule:{name}" for name in WEIGHTS if name != "bias"}
# Nouns of private people, families and outlets (word_lists.csv, folded as the text is): a demonym beside one
# names a bystander ("British family", "Japanese report", "une famille indienne"), see ArticleContext.
BYSTANDER_NOUNS = frozenset(fold(word) for word in word_lists()["bystander_nouns"])
BYSTANDER_REACH = 24  # characters read after and before a demonym for its noun
_COUNT_KEYS = {n: f"countries:{min(n, 5)}" for n in range(6)}


def pair_vector(
    a: str,
    b: str,
    rule: dict[str, bool],
    hand_score: float,
    mentions: Sequence[Mention],
    folded: str,
    hard: dict[str, list[int]],
    n_countries: int,
    known: dict[str, frozenset[str]] | None = None,
    context: ArticleContext | None = None,
    base: dict[str, float] | None = None,
) -> dict[str, float]:
    """The features of candidate pair `a`-`b`: rule booleans (`rule:*`), the hand score, hard-case cues,
    and the words between (`btw:*`) and around (`pre:*`, `post:*`) its closest two mentions.

    `known`, when given, holds the words per kind (`btw`, `pre`, `post`) that a model weighs: the others
    are left out, which changes no decision and saves the tagger building strings nobody reads. `context`
    (what each country's mentions say, built once per article) may be passed by a caller that has it, and
    `base`, the first features (`rule_features(rule, hand_score)`), by a caller that keeps them per rule
    outcome (they recur)."""
    if context is None:
        context = ArticleContext(mentions, folded, hard, known)
    vec = rule_features(rule, hand_score) if base is None else base.copy()
    vec[_COUNT_KEYS[min(n_countries, 5)]] = 1.0
    vec.update(context.around.get(a, _EMPTY))
    vec.update(context.around.get(b, _EMPTY))
    actors = context.actors
    ma, mb = actors.get(a, ()), actors.get(b, ())
    best: tuple[int, Mention, Mention] | None = None
    for x in ma:
        for y in mb:
            if x.unit != y.unit:
                continue
            lo, hi = (x, y) if x.start < y.start else (y, x)
            gap = max(0, hi.start - lo.end)
            if best is None or gap < best[0]:
                best = (gap, lo, hi)
    bystanders = context.bystanders
    if bystanders:
        # The contract's bystanders (a place of origin): one of the two is named by a demonym beside a private
        # noun, at least once (`bystander:any`) or every time (`bystander:only`: "'Scared' British family told
        # they cannot leave their Greece hotel"). Docs/quality.md (issue 9) has what it measured.
        na, nb = bystanders.get(a), bystanders.get(b)
        if na or nb:
            vec["bystander:any"] = 1.0
            if (na and na == len(ma)) or (nb and nb == len(mb)):
                vec["bystander:only"] = 1.0
    if best is None:
        vec["no_shared_sentence"] = 1.0
        return vec
    _gap, lo, hi = best
    words = folded[lo.end : hi.start].split()
    if len(words) <= MAX_GAP_WORDS:
        btw_ok = None if known is None else known["btw"]
        for word in words if btw_ok is None else btw_ok.intersection(words):
            vec[f"btw:{word}"] = 1.0
        vec[_GAP_KEYS[min(len(words), 6)]] = 1.0
    else:
        vec["gap:far"] = 1.0
    if lo.unit == 0:
        vec["closest_in_title"] = 1.0
    if len(context.unit_codes.get(lo.unit, ())) > 2:
        vec["third_in_sentence"] = 1.0
    for role, positions in context.hard_roles:
        for p in positions:
            if lo.end <= p < hi.start:
                vec[f"{role}:between"] = 1.0
                break
        if role in ("joint", "citizens"):
            vec[f"{role}:shared_sentence"] = 1.0
    return vec


def rule_features(rule: dict[str, bool], hand_score: float) -> dict[str, float]:
    """The rule booleans that are on (`rule:*`, in the rule's order) and the hand score: what a candidate
    pair's features start with, and all that depends on the rule's outcome alone."""
    keys = _RULE_KEYS
    vec = {keys[name]: 1.0 for name, on in rule.items() if on and name in keys}
    vec["hand_score"] = hand_score
    return vec


_EMPTY: dict[str, float] = {}
_GAP_KEYS = {n: f"gap:{n}" for n in range(7)}


class ArticleContext:
    """What each country's mentions say in one article, worked out once for all its candidate pairs:
    the actor mentions per code, the countries per sentence, and per code the words before and after its
    first two mentions, a venue or demonym use, and the hard-case words beside it (`around`)."""

    __slots__ = ("actors", "unit_codes", "around", "hard_roles", "bystanders")

    def __init__(
        self,
        mentions: Sequence[Mention],
        folded: str,
        hard: dict[str, list[int]],
        known: dict[str, frozenset[str]] | None = None,
    ):
        pre_ok = post_ok = None
        if known is not None:
            pre_ok, post_ok = known["pre"], known["post"]
        actors: dict[str, list[Mention]] = {}
        unit_codes: dict[int, set[str]] = {}
        venue: set[str] = set()
        for m in mentions:
            if m.venue:
                venue.add(m.code)
                continue
            actors.setdefault(m.code, []).append(m)
            unit_codes.setdefault(m.unit, set()).add(m.code)
        self.actors = actors
        self.unit_codes = unit_codes
        self.bystanders = bystander_counts(mentions, folded)
        self.hard_roles = [(role, hard[role]) for role in HARD_CASE_ROLES if hard.get(role)] if hard else []
        around: dict[str, dict[str, float]] = {}
        # only the codes named as actors: a country named only as a venue is in no candidate pair
        for code, ms in actors.items():
            vec: dict[str, float] = {}
            for m in ms[:2]:
                # the last AROUND words before, the first AROUND after (maxsplit: no string for the others)
                before = folded[max(0, m.start - 40) : m.start].rsplit(None, AROUND)[-AROUND:]
                for word in before if pre_ok is None else pre_ok.intersection(before):
                    vec[f"pre:{word}"] = 1.0
                after = folded[m.end : m.end + 40].split(None, AROUND)[:AROUND]
                for word in after if post_ok is None else post_ok.intersection(after):
                    vec[f"post:{word}"] = 1.0
            if code in venue:
                vec["venue_mention"] = 1.0
            for m in ms:
                if m.adjective:
                    vec["demonym"] = 1.0
                    break
            for role, positions in self.hard_roles:
                vec[f"{role}:in_text"] = 1.0
                if any(_near(p, m.start, m.end) for p in positions for m in ms):
                    vec[f"{role}:near"] = 1.0
            around[code] = vec
        self.around = around


def bystander_counts(mentions: Sequence[Mention], folded: str) -> dict[str, int]:
    """Per country, how many of its actor mentions are a demonym beside a private noun (BYSTANDER_NOUNS): the
    next word in English ("British family", "Japanese report", "Norwegian climber"), the word before in French
    ("une famille indienne"). Only codes with at least one such mention are in the result; most articles
    have none. Why: the contract's hard case of bystanders (a place of origin, a family "from" a country) is the
    largest group of false pairs on the validation part (docs/quality.md, issue 9)."""
    out: dict[str, int] = {}
    for m in mentions:
        if m.venue or not m.adjective:
            continue
        after = folded[m.end : m.end + BYSTANDER_REACH].split(None, 1)[:1]
        before = folded[max(0, m.start - BYSTANDER_REACH) : m.start].rsplit(None, 1)[-1:]
        if (after and after[0] in BYSTANDER_NOUNS) or (before and before[0] in BYSTANDER_NOUNS):
            out[m.code] = out.get(m.code, 0) + 1
    return out


def _near(pos: int, start: int, end: int) -> bool:
    """A word right before a name ("born in Iran") or right after it ("U.S.-brokered")."""
    return 0 <= start - pos <= NEAR or 0 <= pos - end <= NEAR // 2


def topic_vector(folded: str, lexicon: dict[str, float], terms: Iterable[str]) -> dict[str, float]:
    """Features shared by every topic's model: the lexicon score of each topic (`score:*`, capped), the
    lexicon terms found (`lex:*`), and the distinct words of the text (`w:*`). (Title words as features of
    their own were tried and dropped: validation F1 0.759 with them, 0.785 without, and slower.)"""
    vec: dict[str, float] = {f"score:{topic}": min(score, 6.0) / 2.0 for topic, score in lexicon.items()}
    for term in terms:
        vec[f"lex:{term}"] = 1.0
    for word in folded.split():
        if len(word) >= MIN_WORD:
            vec[f"w:{word}"] = 1.0
    return vec
