"""Tag an article with countries, country pairs, topics and organizations (TAXONOMY.md).

All patterns of all data files go into one Aho-Corasick automaton (analysis/matcher.py), so an article
is read once. The hits are then resolved in this order: leaders by the article's date, longest
non-overlapping entity spans (blockers included), context guards, pairs by unit, topics by weight.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from analysis import gazetteer as gz
from analysis.matcher import Hit, Matcher, longest_non_overlapping, normalize
from analysis.pairs import Mention, cue_patterns, find_pairs, is_venue as _is_venue, unit_starts
from analysis.topics import score_topics, topic_patterns

RULES_VERSION = "1"
TAGGER_VERSION = f"{RULES_VERSION}.{gz.data_fingerprint()}"

# Longer inputs are cut: a feed summary is a few hundred characters; a megabyte is junk or an attack.
MAX_TITLE = 2_000
MAX_SUMMARY = 50_000

_AMOUNT_BEFORE = re.compile(r"(?:\$\s?[\d.,]+(?:\s?(?:million|billion|M|B|K|k))?|\d[\d.,]*\s?\$?)\s?$")
_NEXT_WORD = re.compile(r"[ \t]+([A-Z][\w'’.-]*)")


@dataclass(frozen=True)
class Tags:
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
        if re.match(r"\d{4}-\d{2}-\d{2}", s):
            return s[:10]
        try:
            return parsedate_to_datetime(s).date().isoformat()
        except (TypeError, ValueError, IndexError):
            pass
    return date.today().isoformat()


def _is_title_case(title: str) -> bool:
    words = [w for w in title.split() if len(w) > 3 and w[0].isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


class Tagger:
    """The loaded data files and their automaton; `tag` is pure and thread-safe after construction."""

    def __init__(self, data_dir: Path = gz.DATA_DIR):
        self.rules = gz.context_rules(data_dir)
        patterns = (gz.country_patterns(data_dir) + gz.organization_patterns(data_dir)
                    + gz.person_patterns(data_dir) + topic_patterns(data_dir) + cue_patterns(data_dir)
                    + gz.context_patterns(self.rules))
        self.matcher = Matcher(patterns)
        self._capitals = gz.kind_terms("capital", data_dir)
        self._demonyms = gz.kind_terms("demonym", data_dir)
        self._rules_for: dict[tuple[str, str], list[gz.ContextRule]] = {}
        for rule in self.rules:
            self._rules_for.setdefault((rule.code, normalize(rule.trigger) if rule.trigger != "*" else "*"), []).append(rule)

    def tag(self, title: str | None, summary: str | None = "", published=None, lang: str | None = None) -> Tags:
        """Tag one article. `lang` is accepted for the interface but not trusted: every language's
        patterns always apply, so a wrong or missing language tag cannot hide a mention."""
        title = (title if isinstance(title, str) else "")[:MAX_TITLE]
        summary = (summary if isinstance(summary, str) else "")[:MAX_SUMMARY]
        text = f"{title}\n{summary}" if summary else title
        title_end = len(title)
        folded, hits = self.matcher.scan(text)
        if not hits:
            return Tags((), (), (), ())
        day = _day(published)
        starts = unit_starts(text, title_end) if summary else [0]

        entity_hits: list[Hit] = []
        topic_hits: list[Hit] = []
        cue_at: list[tuple[int, int]] = []  # (unit, offset)
        ctx_units: dict[int, set[tuple[int, bool]]] = {}
        ctx_all: set[tuple[int, bool]] = set()
        full_names: set[gz.Person] = set()
        for hit in hits:
            for e in hit.entries:
                kind = e.kind
                if kind in gz.ENTITY_KINDS:
                    if not entity_hits or entity_hits[-1] is not hit:
                        entity_hits.append(hit)
                    if kind == gz.PERSON and e.value[1]:
                        full_names.add(e.value[0])
                elif kind == gz.TOPIC:
                    if not topic_hits or topic_hits[-1] is not hit:
                        topic_hits.append(hit)
                elif kind == gz.CUE:
                    cue_at.append((_unit(starts, hit.start), hit.start))
                elif kind == gz.CONTEXT:
                    ctx_all.add(e.value)
                    ctx_units.setdefault(_unit(starts, hit.start), set()).add(e.value)

        countries_at: list[tuple[Hit, str, int]] = []  # (hit, code, unit)
        orgs: set[str] = set()
        title_case = None
        for hit in longest_non_overlapping(entity_hits):
            codes = self._codes(hit, day, full_names)
            for e in hit.entries:
                if e.kind == gz.ORG:
                    orgs.add(e.value)
            if not codes:
                continue
            unit = _unit(starts, hit.start)
            term = hit.key
            for code in codes:
                rules = (self._rules_for.get((code, term), []) + self._rules_for.get((code, "*"), [])
                         + self._rules_for.get(("*", "*"), []))
                dropped = False
                for rule in rules:
                    if rule.action == "currency":
                        if _AMOUNT_BEFORE.search(text, max(0, hit.start - 24), hit.start):
                            dropped = True
                        continue
                    if rule.action == "name":
                        if title_case is None:
                            title_case = _is_title_case(title)
                        if hit.start < title_end and title_case:
                            continue
                        m = _NEXT_WORD.match(text, hit.end)
                        if m and m.group(1).rstrip(".") not in rule.cues:
                            dropped = True
                        continue
                    seen = ctx_units.get(unit, set()) if rule.scope == "sentence" else ctx_all
                    has_cue = (rule.index, True) in seen
                    has_unless = (rule.index, False) in seen
                    if rule.action == "drop" and has_cue and not has_unless:
                        dropped = True
                    elif rule.action == "keep_if" and not has_cue:
                        dropped = True
                if not dropped:
                    countries_at.append((hit, code, unit))

        mentions = [Mention(code, unit, h.start, h.end, _is_venue(folded, text, h.start, h.key in self._capitals),
                            h.key in self._demonyms)
                    for h, code, unit in countries_at]
        return Tags(
            countries=tuple(sorted({m.code for m in mentions})),
            pairs=find_pairs(mentions, cue_at, folded, text),
            topics=score_topics(topic_hits, title_end),
            organizations=tuple(sorted(orgs)),
        )

    @staticmethod
    def _codes(hit: Hit, day: str, full_names: set) -> list[str]:
        """Country codes a selected entity span stands for (persons checked against the date)."""
        codes: list[str] = []
        persons = []
        if any(e.kind == gz.BLOCK for e in hit.entries):
            return codes  # a blocker of the same span wins ("Canadiens" the team vs "canadiens")
        for e in hit.entries:
            if e.kind == gz.COUNTRY:
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


def _unit(starts: list[int], pos: int) -> int:
    """Index of the unit (title or summary sentence) holding offset `pos`."""
    lo, hi = 0, len(starts)
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= pos:
            lo = mid
        else:
            hi = mid
    return lo


_DEFAULT: Tagger | None = None


def default_tagger() -> Tagger:
    """The tagger over analysis/data, built once per process (about a second)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Tagger()
    return _DEFAULT


def tag(title: str, summary: str | None = "", published: datetime | str | None = None,
        lang: str | None = None) -> Tags:
    """Tag one article with the default data files; see TAXONOMY.md for what each field means."""
    return default_tagger().tag(title, summary, published, lang)
