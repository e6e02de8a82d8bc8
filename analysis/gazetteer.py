"""Load the tagger's data files (analysis/data/*.csv) into (term, Entry) patterns and rule registries.

Every list the tagger uses lives in a CSV beside this module so that a wrong alias, a missing leader or
a new guard is fixed by editing data, not code. Lines starting with '#' are comments.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from analysis.matcher import EXACT, FOLD, TITLE, Entry, normalize

DATA_DIR = Path(__file__).resolve().parent / "data"

# Files whose content defines the tagger's behaviour; their hash is part of TAGGER_VERSION.
DATA_FILES = (
    "countries.csv",
    "blockers.csv",
    "contexts.csv",
    "people.csv",
    "organizations.csv",
    "topics.csv",
    "cues.csv",
    "wars.csv",
    "word_lists.csv",
    "model.json",
)

# The contract's organization slugs (TAXONOMY.md), in its order; organizations.csv holds their aliases.
ORGANIZATIONS = (
    "eu",
    "nato",
    "un",
    "g7",
    "g20",
    "asean",
    "apec",
    "aukus",
    "quad",
    "mikta",
    "cptpp",
    "wto",
    "who",
    "imf",
    "world_bank",
    "opec",
    "arctic_council",
    "five_eyes",
    "commonwealth",
    "francophonie",
    "oas",
    "african_union",
    "brics",
    "icc",
    "icj",
    "iaea",
)

COUNTRY, BLOCK, ORG, PERSON, TOPIC, CUE, CONTEXT = "country", "block", "org", "person", "topic", "cue", "ctx"
ENTITY_KINDS = frozenset({COUNTRY, BLOCK, ORG, PERSON})
_CASES = {FOLD, TITLE, EXACT}


def read_rows(name: str, data_dir: Path = DATA_DIR) -> list[dict[str, str]]:
    """Rows of a data CSV as dicts (comment lines skipped); [] when the file does not exist yet."""
    path = data_dir / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.lstrip().startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(lines)]


def data_fingerprint(data_dir: Path = DATA_DIR) -> str:
    """Short hash of every data file, so a data edit changes TAGGER_VERSION without a code change."""
    digest = hashlib.sha1()
    for name in DATA_FILES:
        path = data_dir / name
        digest.update(name.encode())
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def _case(value: str, default: str = FOLD) -> str:
    value = (value or default).lower()
    return value if value in _CASES else default


def country_patterns(data_dir: Path = DATA_DIR) -> list[tuple[str, Entry]]:
    """Names, demonyms and capitals (countries.csv) and non-mention spans (blockers.csv)."""
    out = []
    for row in read_rows("countries.csv", data_dir):
        case = _case(row.get("case") or "")
        out.append((row["term"], Entry(COUNTRY, row["code"], case, row["term"])))
    for row in read_rows("blockers.csv", data_dir):
        case = _case(row.get("case") or "")
        out.append((row["term"], Entry(BLOCK, None, case, row["term"])))
    return out


def kind_terms(kind: str, data_dir: Path = DATA_DIR) -> frozenset[str]:
    """Folded terms of one kind of countries.csv: capitals ("in Tokyo" is a venue, "in Latvia" may be
    the country acted upon) and demonyms ("Canadian-American" is an identity, "Canada-U.S." a pair)."""
    return frozenset(normalize(r["term"]) for r in read_rows("countries.csv", data_dir) if r.get("kind") == kind)


def wars(data_dir: Path = DATA_DIR) -> list[tuple[str, str, str]]:
    """(pair, first day, last day or "") of the country pairs at war with each other (wars.csv)."""
    return [(r["pair"], r.get("start", ""), r.get("end", "")) for r in read_rows("wars.csv", data_dir) if r.get("pair")]


def organization_patterns(data_dir: Path = DATA_DIR) -> list[tuple[str, Entry]]:
    """Aliases of the TAXONOMY organizations (organizations.csv: slug,alias,lang,case). Entry.value is
    (slug, lang): an alias written for one language ("CPI" is the French ICC, the English consumer price
    index) counts only in text of that language; `both` (or an empty lang) counts in any."""
    out = []
    for row in read_rows("organizations.csv", data_dir):
        alias, slug = row.get("alias", ""), row.get("slug", "")
        if alias and slug:
            case = _case(row.get("case") or "")
            lang = (row.get("lang") or "both").lower()
            out.append((alias, Entry(ORG, (slug, lang if lang in ("en", "fr") else "both"), case, alias)))
    return out


@dataclass(frozen=True, slots=True)
class Person:
    """An office holder: the country their name stands for between start and end (ISO dates)."""

    country: str
    name: str
    start: str
    end: str  # '' while still in office

    def in_office(self, day: str) -> bool:
        return self.start <= day and (not self.end or day <= self.end)


def person_patterns(data_dir: Path = DATA_DIR) -> list[tuple[str, Entry]]:
    """Name forms of office holders (people.csv). Entry.value is (Person, is_full_name)."""
    out = []
    for row in read_rows("people.csv", data_dir):
        if not row.get("country") or not row.get("start"):
            continue
        person = Person(row["country"], row.get("name", ""), row["start"][:10], (row.get("end") or "")[:10])
        forms = [f.strip() for f in (row.get("match") or row.get("name", "")).split("|") if f.strip()]
        for form in forms:
            full = " " in form or "-" in form or form == person.name
            # Names are proper nouns: require the capital letter so "lee" or "may" in running text do not count.
            out.append((form, Entry(PERSON, (person, full), TITLE, form)))
    return out


@dataclass(frozen=True, slots=True)
class ContextRule:
    """A guard that drops a country match depending on words around it (contexts.csv)."""

    index: int
    code: str  # country code the rule applies to, '*' = any
    trigger: str  # folded term that triggers it, '*' = any term of that code
    scope: str  # 'sentence' | 'text' | 'next' (the word right after the match)
    action: str  # 'drop' (if a cue is present) | 'keep_if' (drop unless a cue is present) | 'name'
    cues: tuple[str, ...]
    unless: tuple[str, ...]


def word_lists(data_dir: Path = DATA_DIR) -> dict[str, tuple[str, ...]]:
    """The named word lists of word_lists.csv, each in file order."""
    out: dict[str, list[str]] = {}
    for row in read_rows("word_lists.csv", data_dir):
        out.setdefault(row["list"], []).append(row["term"])
    return {name: tuple(terms) for name, terms in out.items()}


def alternation(words: Iterable[str]) -> str:
    """A regular-expression alternation of literal words, in the given order."""
    return "|".join(re.escape(w) for w in words)


def context_rules(data_dir: Path = DATA_DIR) -> list[ContextRule]:
    rules = []
    lists = word_lists(data_dir)

    def split(value: str | None) -> tuple[str, ...]:
        """Cues separated by '|'; '@name' stands for the words of word_lists.csv's list `name`."""
        out: list[str] = []
        for term in (t.strip() for t in (value or "").split("|")):
            if term.startswith("@"):
                out.extend(lists[term[1:]])
            elif term:
                out.append(term)
        return tuple(out)

    for i, row in enumerate(read_rows("contexts.csv", data_dir)):
        rules.append(
            ContextRule(
                i,
                row.get("code") or "*",
                row.get("trigger") or "*",
                row.get("scope") or "sentence",
                row.get("action") or "drop",
                split(row.get("cues")),
                split(row.get("unless")),
            )
        )
    return rules


def context_patterns(rules: list[ContextRule]) -> list[tuple[str, Entry]]:
    """Cue words of the context rules, matched in the same automaton pass as everything else."""
    out = []
    for rule in rules:
        if rule.action == "name":
            continue  # name rules look at the next word directly
        for cue in rule.cues:
            out.append((cue, Entry(CONTEXT, (rule.index, True), FOLD, cue)))
        for cue in rule.unless:
            out.append((cue, Entry(CONTEXT, (rule.index, False), FOLD, cue)))
    return out
