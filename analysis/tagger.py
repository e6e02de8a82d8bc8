"""Tag an article with countries, country pairs, topics and organizations (TAXONOMY.md).

All patterns of all data files go into one Aho-Corasick automaton (analysis/matcher.py), so an article
is read once. The hits are then resolved in this order: leaders by the article's date, longest
non-overlapping entity spans (blockers included), context guards, pairs by unit, topics by weight.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from itertools import combinations, compress
from pathlib import Path

from analysis import gazetteer as gz
from analysis import model as learned
from analysis.features import ArticleContext, pair_vector, rule_features, topic_vector
from analysis.language import detect as detect_language
from analysis.matcher import Hit, Matcher, case_filter, fold, longest_non_overlapping, normalize
from analysis.pairs import (
    WEIGHTS,
    actor_mentions,
    cue_patterns,
    find_pairs,
    pair_features,
    title_leader_echoes,
    unit_starts,
)
from analysis.topics import lexicon_scores, score_terms, topic_patterns, topic_terms

RULES_VERSION = "3"  # 3: learned weights over the rules' features (analysis/model.py, 2026-12-05)
TAGGER_VERSION = f"{RULES_VERSION}.{gz.data_fingerprint()}"

# Word lists of the rules below: analysis/data/word_lists.csv, by name.
_WORDS = gz.word_lists()

# Distinct outcomes of the pair rule remembered by a tagger (about a thousand occur in real news; the cap
# keeps a stream of odd inputs from growing the memory without bound).
MAX_RULE_OUTCOMES = 20_000

# Longer inputs are cut: a feed summary is a few hundred characters; a megabyte is junk or an attack.
MAX_TITLE = 2_000
MAX_SUMMARY = 50_000

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# "$5,000 US", "10 $ US", "72 cents U.S.": an amount with its currency sign or unit, so "33 U.S. states"
# stays a mention.
_AMOUNT_BEFORE = re.compile(r"(?:\$\s?[\d.,]+(?:\s?(?:million|billion|M|B|K|k))?|\d[\d.,]*\s?(?:\$|cents?))\s?$")
_NEXT_WORD = re.compile(r"[ \t]+([A-Z][\w'’.-]*)")
_PREV_WORD = re.compile(r"(\S*)[ \t]+([A-Z][a-z]+)[ \t]+$")
# Titles and ranks that stand before a person's name, so a name after them is a person even though the
# title ends with a full stop ("Const. Travis Jordan", "Rep. Jim Jordan").
_TITLES = frozenset(_WORDS["person_titles"])


@dataclass(frozen=True, slots=True)
class Tags:
    """What an article is about, as TAXONOMY.md defines it; every field is a sorted tuple."""

    countries: tuple[str, ...]
    pairs: tuple[str, ...]
    topics: tuple[str, ...]
    organizations: tuple[str, ...]


def _day(published: datetime | date | str | None) -> str:
    """ISO date of publication (as written, local to the feed), today when missing or unreadable."""
    if isinstance(published, datetime):
        return published.date().isoformat()
    if isinstance(published, date):
        return published.isoformat()
    if isinstance(published, str) and published.strip():
        s = published.strip()
        if _ISO_DATE.match(s):
            return s[:10]
        try:
            return parsedate_to_datetime(s).date().isoformat()
        except (TypeError, ValueError, IndexError):
            pass
    return date.today().isoformat()


def _first_name_before(text: str, start: int, allowed: tuple[str, ...]) -> bool:
    """A capitalized word right before the match, itself inside a sentence ("the Jim Jordan from Ohio",
    "Rep. Jim Jordan"), makes the match a surname; a sentence's first word does not ("Egypt Jordan")."""
    p = _PREV_WORD.search(text, max(0, start - 40), start)
    if not p or p.group(2) in allowed or p.group(2) in _SENTENCE_OPENERS:
        return False
    before = p.group(1)
    return bool(before) and (before in _TITLES or before[-1] not in ".!?:;\n\"'«»")


def _is_title_case(title: str) -> bool:
    """Headlines In Title Case capitalize every word, so a capital after "Jordan" proves no first name."""
    words = [w for w in title.split() if len(w) > 3 and w[0].isalpha()]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.9 * len(words)


class Tagger:
    """The loaded data files and their automaton; `tag` is pure and thread-safe after construction."""

    def __init__(self, data_dir: Path = gz.DATA_DIR, model: learned.Model | None | bool = True):
        """`model`: True loads `data_dir/model.json` when it exists; None or False keeps the hand-weighted
        rules alone (the baseline the learned model is measured against); a Model is used as given."""
        if model is True:
            model = learned.load(data_dir / "model.json")
        self.model: learned.Model | None = model or None
        # the pair model's threshold as a logit, worked out once (Linear.cut takes a logarithm)
        self._pair_cut = self.model.pairs.cut if self.model is not None else 0.0
        # (rule booleans of a candidate pair, in order) -> (hand score, rule_features): see _learned_pairs
        self._rule_outcomes: dict[tuple[bool, ...], tuple[float, dict[str, float]]] = {}
        self.rules = gz.context_rules(data_dir)
        patterns = (
            gz.country_patterns(data_dir)
            + gz.organization_patterns(data_dir)
            + gz.person_patterns(data_dir)
            + topic_patterns(data_dir)
            + cue_patterns(data_dir)
            + gz.context_patterns(self.rules)
        )
        self.matcher = Matcher(patterns, annotate=_note)
        self._capitals = gz.kind_terms("capital", data_dir)
        self._demonyms = gz.kind_terms("demonym", data_dir)
        # pair -> ((first day, last day), ...) of the wars between two countries (wars.csv)
        self._wars: dict[str, list[tuple[str, str]]] = {}
        for pair, start, end in gz.wars(data_dir):
            self._wars.setdefault(pair, []).append((start, end or "9999-12-31"))
        # the countries of those wars: an article naming fewer than two of them names no pair at war
        self._war_codes = frozenset(code for pair in self._wars for code in pair.split("-"))
        self._rule_cache: dict[tuple[str, str], list[gz.ContextRule]] = {}
        self._undroppable_cache: dict[tuple[str, str], list[gz.ContextRule]] = {}  # the same without "drop"
        self._rules_for: dict[tuple[str, str], list[gz.ContextRule]] = {}
        # Rules that act on the whole article (no_pairs, no_topics) rather than on one country match.
        self._text_rules = [r for r in self.rules if r.action in ("no_pairs", "no_topics")]
        # Rules whose code is an organization slug (lower case) guard that organization's aliases
        # ("ICC" near "cricket" is the International Cricket Council).
        self._org_rules: dict[str, list[gz.ContextRule]] = {}
        for rule in self.rules:
            if rule.action in ("no_pairs", "no_topics"):
                continue
            if rule.code != "*" and rule.code.islower():
                self._org_rules.setdefault(rule.code, []).append(rule)
                continue
            self._rules_for.setdefault((rule.code, normalize(rule.trigger) if rule.trigger != "*" else "*"), []).append(
                rule
            )

    def tag(
        self,
        title: str | None,
        summary: str | None = "",
        published=None,
        lang: str | None = None,
        trace: dict | None = None,
    ) -> Tags:
        """Tag one article. `lang` is not trusted: country, topic and cue patterns of every language
        always apply, so a wrong or missing tag cannot hide a mention. Only organization aliases written
        for one language ("CPI", "BCE", "UA") look at the language, guessed from the text's function
        words, with `lang` as the fallback for texts too short to tell (analysis/language.py).

        `trace`, when given a dict, receives what the decisions were made from: `pairs` (pair -> features)
        and `topics` (topic -> features) of every candidate, for `explain` and for training."""
        title = (title if isinstance(title, str) else "")[:MAX_TITLE]
        summary = (summary if isinstance(summary, str) else "")[:MAX_SUMMARY]
        text = f"{title}\n{summary}" if summary else title
        title_end = len(title)
        folded = fold(text)

        # The matcher's raw output is routed here directly (Matcher.scan's loop, plus routing): each key
        # carries its route bits, cue roles and topic terms, computed once when the automaton is built
        # (_note), and a Hit is only built for what later steps look at again (entities, context cues).
        entity_hits: list[Hit] = []
        topic_items: list[tuple[int, int, tuple]] = []  # (start, end, topic_terms(entries))
        cue_pos: list[int] = []
        side_pos: list[int] = []
        stance: list[int] = []
        compare: list[tuple[int, bool]] = []
        hard: dict[str, list[int]] = {}  # hard-case word role -> offsets (features of the learned model)
        ctx_hits: list[Hit] = []
        day = None
        has_person = False
        text_lang: list[str | None] = []  # computed once, only when a one-language alias is found
        new = tuple.__new__
        for end, (from_end, length, key, entries, kinds, cased, note) in self.matcher.raw_matches(folded):
            start = end - from_end
            if cased == 1:
                if not text[start].isupper():
                    continue
            elif cased:
                kept = case_filter(entries, text, start, start + length)
                if not kept:
                    continue
                if len(kept) != len(entries):
                    entries = kept
                    kinds = frozenset(e.kind for e in kept)
                    note = _note(kept)
            route, roles, terms = note
            if route & _R_PERSON_ORG:
                # Before the longest-match contest: a leader out of office is no mention, so "Israel Katz"
                # in 2023 must not hide the "Israel" inside it; an alias of the other language is no alias.
                if day is None and _PERSON in kinds:
                    day = _day(published)
                kept = entries
                for e in entries:  # most hits keep every entry: build a new tuple only when one goes
                    kind = e.kind
                    if (kind == _PERSON and not e.value[0].in_office(day)) or (
                        kind == _ORG and e.value[1] != "both" and not _lang_ok(e.value[1], text, lang, text_lang)
                    ):
                        kept = tuple(
                            e
                            for e in entries
                            if not (e.kind == _PERSON and not e.value[0].in_office(day))
                            and not (
                                e.kind == _ORG
                                and e.value[1] != "both"
                                and not _lang_ok(e.value[1], text, lang, text_lang)
                            )
                        )
                        break
                if kept is not entries:
                    if not kept:
                        continue
                    entries = kept
                    kinds = frozenset(e.kind for e in kept)
                    route, roles, terms = _note(kept)
                if _PERSON in kinds:
                    has_person = True
            if route & _R_HIT:
                hit = new(Hit, (start, start + length, key, entries, kinds))
                if route & _R_ENTITY:
                    entity_hits.append(hit)
                if route & _R_CTX:
                    ctx_hits.append(hit)
            if terms:
                topic_items.append((start, start + length, terms))
            for role in roles:
                if role == "cue":
                    cue_pos.append(start)
                elif role == "side":
                    side_pos.append(start)
                elif role == "stance":
                    stance.append(start)
                elif role == "compare" or role == "rank":  # between two names / anywhere in their sentence
                    compare.append((start, role == "rank"))
                else:  # a hard case of the contract (mediator, joint, armed_group, citizens, origin)
                    hard.setdefault(role, []).append(start)
        if not entity_hits and not topic_items:
            return _EMPTY  # no country, organization, leader or topic term: nothing else to work out
        if ctx_hits:
            ctx_all: set[tuple[int, bool]] | frozenset = {
                e.value for h in ctx_hits for e in h.entries if e.kind == gz.CONTEXT
            }
            flags: set[str] | frozenset = {
                rule.action
                for rule in self._text_rules
                if (rule.index, True) in ctx_all and (rule.index, False) not in ctx_all
            }
        else:
            ctx_all = flags = _NONE
        if not topic_items or "no_topics" in flags:
            topics: tuple[str, ...] = ()
        elif self.model is None:
            topics = score_terms(topic_items, title_end)
        else:
            topics = self._learned_topics(topic_items, folded, title_end, trace)
        if not entity_hits:
            return Tags((), (), topics, ())

        # Units (title, then each summary sentence) are only needed for context rules and pairs. Without a
        # context cue no rule reads a unit, so they wait until the article is known to name two countries.
        starts = unit_starts(text, title_end) if summary and ctx_hits else [0]
        ctx_units: dict[int, set[tuple[int, bool]]] = {}
        for hit in ctx_hits:
            unit = bisect_right(starts, hit.start) - 1
            for e in hit.entries:
                if e.kind == gz.CONTEXT:
                    ctx_units.setdefault(unit, set()).add(e.value)

        full_names: set[gz.Person] = set()
        if has_person:
            full_names = {e.value[0] for h in entity_hits for e in h.entries if e.kind == gz.PERSON and e.value[1]}
        selected = longest_non_overlapping(entity_hits) if len(entity_hits) > 1 else entity_hits

        countries_at: list[tuple[Hit, str, int]] = []  # (hit, code, unit)
        # Without any context cue in the text no "drop" rule can fire: only the others are run then.
        rule_cache = self._rule_cache if ctx_hits else self._undroppable_cache
        orgs: set[str] = set()
        title_case = None
        for hit in selected:
            kinds = hit.kinds
            if gz.ORG in kinds:
                for e in hit.entries:
                    if e.kind == gz.ORG and not self._org_dropped(e.value[0], hit, starts, ctx_units, ctx_all):
                        orgs.add(e.value[0])
            if gz.BLOCK in kinds:
                continue  # a blocker of the same span wins ("Canadiens" the team vs "canadiens")
            entries = hit[3]
            codes: Sequence[str]
            if len(entries) == 1 and entries[0].kind == _COUNTRY:
                codes = (entries[0].value,)  # the common case: one country, no leader to date
            else:
                codes = self._codes(hit, day, full_names)
                if not codes:
                    continue
            unit = bisect_right(starts, hit[0]) - 1 if len(starts) > 1 else 0
            for code in codes:
                dropped = False
                rules = rule_cache.get((code, hit[2]))
                if rules is None:
                    rules = self._rules(code, hit[2])
                    if not ctx_hits:
                        rules = rule_cache[(code, hit[2])] = [r for r in rules if r.action not in _DROPS]
                for rule in rules:
                    action = rule.action
                    if action == "currency":
                        if _AMOUNT_BEFORE.search(text, max(0, hit.start - 24), hit.start):
                            dropped = True
                    elif action == "name":
                        if title_case is None:
                            title_case = _is_title_case(title)
                        if hit.start < title_end and title_case:
                            continue
                        m = _NEXT_WORD.match(text, hit.end)
                        if m and m.group(1).rstrip(".") not in rule.cues:
                            dropped = True
                        if _first_name_before(text, hit.start, rule.cues):
                            dropped = True
                    else:
                        seen = ctx_units.get(unit, _NONE) if rule.scope == "sentence" else ctx_all
                        has_cue = (rule.index, True) in seen
                        if action in _DROPS and has_cue and (rule.index, False) not in seen:
                            # drop_team spares a country written as a place ("in Gothenburg, Sweden", "in Cairo");
                            # a demonym is never a place ("in Spanish" is the language)
                            if action == "drop" or hit[2] in self._demonyms or not _written_as_place(text, hit.start):
                                dropped = True
                        elif action == "keep_if" and not has_cue:
                            dropped = True
                if not dropped:
                    countries_at.append((hit, code, unit))

        countries = tuple(sorted({code for _h, code, _u in countries_at}))
        pairs: tuple[str, ...] = ()
        if len(countries) > 1 and "no_pairs" not in flags:
            if summary and not ctx_hits and len(entity_hits) > 1:  # the units' condition before this wait
                starts = unit_starts(text, title_end)
                if len(starts) > 1:
                    countries_at = [(hit, code, bisect_right(starts, hit[0]) - 1) for hit, code, _u in countries_at]
            mentions = actor_mentions(countries_at, folded, text, orgs, has_person, self._capitals, self._demonyms)
            if summary and has_person:
                mentions.extend(title_leader_echoes(countries_at, text, title_end, starts))
            cue_at = [(bisect_right(starts, pos) - 1, pos) for pos in cue_pos]
            compare_at = [(bisect_right(starts, pos) - 1, pos, rank) for pos, rank in compare]
            at_war = self._at_war(countries, day, published)
            if self.model is None:
                pairs = find_pairs(mentions, cue_at, folded, text, side_pos, stance, compare_at, at_war)
            else:
                pairs = self._learned_pairs(
                    mentions, cue_at, folded, text, side_pos, stance, compare_at, at_war, hard, len(countries), trace
                )
        return Tags(countries, pairs, topics, tuple(sorted(orgs)) if orgs else ())

    def _learned_topics(self, topic_items: list, folded: str, title_end: int, trace: dict | None) -> tuple[str, ...]:
        """Topics the learned models keep, for an article in which the lexicon found any term at all."""
        assert self.model is not None and self.model.scorer is not None
        scores, terms = lexicon_scores(topic_items, title_end)
        if trace is not None:
            vec = topic_vector(folded, scores, terms)
            trace["topics"] = dict.fromkeys(self.model.topics, vec)
        return self.model.scorer.decide(folded, scores, terms)

    def _learned_pairs(
        self,
        mentions,
        cue_at,
        folded,
        text,
        side_pos,
        stance,
        compare_at,
        at_war,
        hard,
        n_countries: int,
        trace: dict | None,
    ) -> tuple[str, ...]:
        """Candidate pairs (the rule's) that the learned pair model keeps."""
        assert self.model is not None
        linear = self.model.pairs
        cut = self._pair_cut
        kept = []
        candidates = pair_features(mentions, cue_at, folded, text, side_pos, stance, compare_at, at_war)
        known = None if trace is not None else self.model.pair_words
        context = ArticleContext(mentions, folded, hard, known)
        by_outcome = self._rule_outcomes
        for pair, feats in candidates.items():
            # The hand score and the rule features depend on the rule's booleans alone (pair_features lists
            # the same names in the same order every time), and outcomes recur (1,160 distinct ones over
            # 20,410 real items): each is worked out once (the cache stops growing at MAX_RULE_OUTCOMES).
            outcome = tuple(feats.values())
            known_outcome = by_outcome.get(outcome)
            if known_outcome is None:
                hand = round(sum(map(_HAND_WEIGHT, compress(feats, feats.values()))), 6)
                known_outcome = (hand, rule_features(feats, hand))
                if len(by_outcome) < MAX_RULE_OUTCOMES:
                    by_outcome[outcome] = known_outcome
            hand, base = known_outcome
            a, b = pair.split("-")
            vec = pair_vector(a, b, feats, hand, mentions, folded, hard, n_countries, known, context, base)
            if trace is not None:
                trace.setdefault("pairs", {})[pair] = vec
            if linear.logit(vec) >= cut:
                kept.append(pair)
        return tuple(sorted(kept))

    def _at_war(self, countries: tuple[str, ...], day: str | None, published) -> frozenset[str]:
        """The pairs of these countries at war with each other on the article's date (wars.csv); `day` is that
        date when the leader check already worked it out."""
        if len(self._war_codes.intersection(countries)) < 2:
            return _NONE
        fighting = [f"{a}-{b}" for a, b in combinations(countries, 2) if f"{a}-{b}" in self._wars]
        if not fighting:
            return _NONE
        day = day or _day(published)
        return frozenset(pair for pair in fighting if any(start <= day <= end for start, end in self._wars[pair]))

    def _org_dropped(self, slug: str, hit: Hit, starts: list[int], ctx_units: dict, ctx_all: set | frozenset) -> bool:
        """True when a context rule of the organization (contexts.csv, code = slug) drops this alias."""
        for rule in self._org_rules.get(slug, ()):
            if rule.trigger != "*" and normalize(rule.trigger) != hit.key:
                continue
            seen = ctx_units.get(bisect_right(starts, hit.start) - 1, _NONE) if rule.scope == "sentence" else ctx_all
            if rule.action == "drop" and (rule.index, True) in seen and (rule.index, False) not in seen:
                return True
        return False

    def _rules(self, code: str, term: str) -> list[gz.ContextRule]:
        """Context rules for a country matched by `term` (cached: the same few terms recur)."""
        key = (code, term)
        rules = self._rule_cache.get(key)
        if rules is None:
            rules = (
                self._rules_for.get(key, [])
                + self._rules_for.get((code, "*"), [])
                + self._rules_for.get(("*", "*"), [])
            )
            self._rule_cache[key] = rules
        return rules

    @staticmethod
    def _codes(hit: Hit, day: str | None, full_names: set) -> list[str]:
        """Country codes a selected entity span stands for (persons checked against the date)."""
        codes: list[str] = []
        persons = []
        for e in hit.entries:
            if e.kind == gz.COUNTRY:
                if e.value not in codes:  # "Türkiye" and "Turkiye" fold to one key with two rows
                    codes.append(e.value)
            elif e.kind == gz.PERSON:
                person, full = e.value
                if person.in_office(day):
                    persons.append((person, full))
        if persons:
            countries = {p.country for p, _ in persons}
            if len(countries) > 1:
                # A surname shared by office holders of several countries: only a full name elsewhere
                # in the text settles it.
                countries = {p.country for p, full in persons if full or p in full_names}
                if len(countries) > 1:
                    countries = set()
            codes.extend(c for c in countries if c not in codes)
        return codes


_HAND_WEIGHT = WEIGHTS.__getitem__


def _lang_ok(alias_lang: str, text: str, tag: str | None, memo: list) -> bool:
    """Whether an alias written for one language counts in this text (its language guessed once)."""
    if not memo:
        memo.append(detect_language(text, tag if isinstance(tag, str) else None))
    return memo[0] is None or memo[0] == alias_lang


_EMPTY = Tags((), (), (), ())
_DROPS = frozenset({"drop", "drop_team"})
# Before a country written as a place: a preposition of place, perhaps with a city and a comma ("in Santiago, Chile").
_PLACE_BEFORE = re.compile(
    rf"\b(?:{gz.alternation(_WORDS['place_before_prepositions'])})\s+(?:(?:the|la|le|les)\s+|l['’]|"
    r"[A-Z][\w'’.-]+(?:\s[A-Z][\w'’.-]+)?,\s)?$"
)


def _written_as_place(text: str, start: int) -> bool:
    """True when the words before a country make it a place rather than a team ("games in Italy", "in
    Gothenburg, Sweden", "moved to Canada from the Philippines"); "lost to Sweden" and "beat Germany" stay teams."""
    return bool(_PLACE_BEFORE.search(text, max(0, start - 30), start))


_PERSON, _ORG, _COUNTRY = gz.PERSON, gz.ORG, gz.COUNTRY
# Where a hit goes in `Tagger.tag`, as bits computed once per key of the automaton (_note).
_R_PERSON_ORG, _R_ENTITY, _R_CTX = 1, 2, 4
_R_HIT = _R_ENTITY | _R_CTX


def _note(entries: tuple) -> tuple[int, tuple[str, ...], tuple]:
    """(route bits, roles of the cue entries in order, topic_terms) of a key's entries."""
    kinds = {e.kind for e in entries}
    route = (
        (_R_PERSON_ORG if gz.PERSON in kinds or gz.ORG in kinds else 0)
        | (0 if kinds.isdisjoint(gz.ENTITY_KINDS) else _R_ENTITY)
        | (_R_CTX if gz.CONTEXT in kinds else 0)
    )
    return route, tuple(e.value for e in entries if e.kind == gz.CUE), topic_terms(entries)


# Capitalized words that may stand before a country without making it a surname.
_SENTENCE_OPENERS = frozenset(_WORDS["sentence_openers"])
_NONE: frozenset = frozenset()
_DEFAULT: Tagger | None = None


def default_tagger() -> Tagger:
    """The tagger over analysis/data, built once per process (about a second)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Tagger()
    return _DEFAULT


def tag(title: str, summary: str | None = "", published: datetime | str | None = None, lang: str | None = None) -> Tags:
    """Tag one article with the default data files; see TAXONOMY.md for what each field means."""
    return default_tagger().tag(title, summary, published, lang)
