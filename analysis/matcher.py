"""One-pass multi-pattern matching: a single Aho-Corasick automaton over every pattern of the tagger.

Patterns and text are folded (lower case, accents removed, typographic quotes and dashes made plain)
by a character map that keeps the string length, so an offset in the folded text is the same offset
in the original text. Word boundaries and letter case are then checked on those offsets, which lets
one automaton serve case-sensitive terms ("US", "China") and case-insensitive ones ("japonais").
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable

import ahocorasick

# Case modes of a pattern, as written in the data files.
FOLD, TITLE, EXACT = "fold", "title", "exact"

_PUNCT_MAP = {
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "\u00f8": "o", "\u00d8": "o", "\u0142": "l", "\u0141": "l", "\u0111": "d", "\u0110": "d",
    "\u0131": "i", "\u0130": "i", "\u00df": "s", "\u00e6": "a", "\u00c6": "a", "\u0153": "o", "\u0152": "o",
}


def _build_fold_table() -> dict[int, str]:
    """Map every character below U+3000 to exactly one character: its lower-case base letter."""
    table: dict[int, str] = {}
    for cp in range(0x3000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if ch in _PUNCT_MAP:
            table[cp] = _PUNCT_MAP[ch]
            continue
        base = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in base if not unicodedata.combining(c)) or ch
        low = base.lower()
        if len(low) != 1:
            low = ch.lower() if len(ch.lower()) == 1 else ch
        if low != ch:
            table[cp] = low
    return table


_FOLD_TABLE = _build_fold_table()


def fold(text: str) -> str:
    """Lower-case and accent-fold `text` without changing its length (offsets stay aligned)."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One meaning of a pattern: what it is (kind), what it points to (value) and how it must be cased."""

    kind: str
    value: object
    case: str = FOLD
    term: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """A pattern found at [start, end) of the text, with the entries whose case test passed."""

    start: int
    end: int
    entries: tuple[Entry, ...]


class Matcher:
    """An Aho-Corasick automaton over (term, Entry) pairs; `scan` returns word-bounded hits."""

    def __init__(self, patterns: Iterable[tuple[str, Entry]]):
        grouped: dict[str, list[Entry]] = {}
        for term, entry in patterns:
            key = fold(term.strip())
            if key:
                grouped.setdefault(key, []).append(entry)
        self._automaton = ahocorasick.Automaton()
        for key, entries in grouped.items():
            # Boundary checks apply only where the key itself starts or ends with a word character:
            # "U.S." may be followed by a letter-less dot, "$US" may follow a digit.
            self._automaton.add_word(key, (len(key), key[0].isalnum(), key[-1].isalnum(), tuple(entries)))
        self._automaton.make_automaton()
        self.size = len(grouped)

    def scan(self, text: str) -> tuple[str, list[Hit]]:
        """Find every word-bounded occurrence of every pattern in `text`."""
        folded = fold(text)
        n = len(folded)
        hits: list[Hit] = []
        for end, (length, left_word, right_word, entries) in self._automaton.iter(folded):
            start = end - length + 1
            if left_word and start > 0 and folded[start - 1].isalnum():
                continue
            if right_word and end + 1 < n and folded[end + 1].isalnum():
                continue
            kept = entries
            for entry in entries:
                if entry.case != FOLD:
                    kept = tuple(e for e in entries if _case_ok(e, text, start, end + 1))
                    break
            if kept:
                hits.append(Hit(start, end + 1, kept))
        return folded, hits


def _case_ok(entry: Entry, text: str, start: int, end: int) -> bool:
    if entry.case == FOLD:
        return True
    if entry.case == TITLE:
        return text[start].isupper()
    return text[start:end] == entry.term


def longest_non_overlapping(hits: list[Hit]) -> list[Hit]:
    """Keep the longest hits, left to right, so "New Mexico" beats "Mexico" and "South Sudan" beats "Sudan"."""
    ordered = sorted(hits, key=lambda h: (h.start - h.end, h.start))
    taken: list[Hit] = []
    for hit in ordered:
        if all(hit.end <= t.start or hit.start >= t.end for t in taken):
            taken.append(hit)
    taken.sort(key=lambda h: h.start)
    return taken
