"""One-pass multi-pattern matching: a single Aho-Corasick automaton over every pattern of the tagger.

Patterns and text are folded (lower case, accents removed, punctuation blanked to spaces) by a
character map that keeps the string length, so an offset in the folded text is the same offset in the
original text. Keys are padded with spaces, so the automaton itself only reports whole words; letter
case is then checked on the original text at those offsets, which lets one automaton serve
case-sensitive terms ("US", "China") and case-insensitive ones ("japonais").
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import ahocorasick

# Case modes of a pattern, as written in the data files.
FOLD, TITLE, EXACT = "fold", "title", "exact"

_KEEP = frozenset("$")  # a non-word character that patterns need ("US$", "$US")


def _build_fold_table() -> dict[int, str]:
    """Map every character below U+3000 to exactly one character: its lower-case base letter or digit,
    '$', or a space for everything else (punctuation, quotes, dashes, control characters)."""
    table: dict[int, str] = {}
    for cp in range(0x3000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if ch in _KEEP:
            continue
        if not ch.isalnum():
            table[cp] = " "
            continue
        base = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in base if not unicodedata.combining(c)) or ch
        low = base.lower()
        if len(low) != 1 or not low.isalnum():
            low = _SPECIAL.get(ch, ch.lower() if len(ch.lower()) == 1 else ch)
        if low != ch:
            table[cp] = low
    return table


_SPECIAL = {
    "\u00f8": "o",
    "\u00d8": "o",
    "\u0142": "l",
    "\u0141": "l",
    "\u0111": "d",
    "\u0110": "d",
    "\u0131": "i",
    "\u0130": "i",
    "\u00df": "s",
    "\u00e6": "a",
    "\u00c6": "a",
    "\u0153": "o",
    "\u0152": "o",
}
_FOLD_TABLE = _build_fold_table()
for _ch, _low in _SPECIAL.items():
    _FOLD_TABLE[ord(_ch)] = _low


_ASCII_TABLE = bytes.maketrans(bytes(range(128)), bytes(ord(_FOLD_TABLE.get(i, chr(i))) for i in range(128)))

# Windows-1252 holds the accented letters of French and Western European names and the typographic quotes
# and dashes of feed text: 99 % of the real items that are not ASCII are written in it alone. Such a text
# is encoded to one byte a character (codecs' C encoder) and decoded with a table that maps each byte to
# the fold of its character, which is str.translate's result without its per-character lookups.
_CP1252 = bytes(range(256)).decode("cp1252", "replace").replace("\ufffd", "\ufffe")  # U+FFFE: no character
_CP1252_ENCODE = codecs.charmap_build(_CP1252)
_CP1252_FOLD = "".join(c if c == "\ufffe" else _FOLD_TABLE.get(ord(c), c) for c in _CP1252)

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def fold(text: str) -> str:
    """Lower-case, accent-fold and blank out punctuation without changing the length of `text`, so that
    offsets in the folded text are offsets in the original and words are delimited by spaces."""
    if text.isascii():  # most English items: a byte table is several times faster than str.translate
        return text.encode("ascii").translate(_ASCII_TABLE).decode("ascii")
    try:
        one_byte = codecs.charmap_encode(text, "strict", _CP1252_ENCODE)[0]
        return codecs.charmap_decode(one_byte, "strict", _CP1252_FOLD)[0]
    except UnicodeEncodeError:  # a character beyond Windows-1252 ("ğ", "č", a zero-width space)
        pass
    # Other feed text still holds only a few non-ASCII characters (about 1 %):
    # fold the whole text with the byte table ('?' stands in for each non-ASCII character, one for one)
    # and run the slow per-character map over the non-ASCII runs only.
    folded = text.encode("ascii", "replace").translate(_ASCII_TABLE).decode("ascii")
    parts = []
    last = 0
    for m in _NON_ASCII.finditer(text):
        start, end = m.span()
        parts.append(folded[last:start])
        parts.append(m.group().translate(_FOLD_TABLE))
        last = end
    parts.append(folded[last:])
    return "".join(parts)


def normalize(term: str) -> str:
    """The matching key of a pattern: folded, without outer spaces ("U.S." -> "u s", "London, Ont." ->
    "london  ont"). Inner spaces are kept one for one so that the key lines up with folded text."""
    return fold(term).strip()


@dataclass(frozen=True, slots=True)
class Entry:
    """One meaning of a pattern: what it is (kind), what it points to (value) and how it must be cased."""

    kind: str
    value: Any  # a country code, a (Person, full name) pair, an (org slug, lang) pair, a topic weight...
    case: str = FOLD
    term: str = ""


class Hit(NamedTuple):
    """A pattern found at [start, end) of the text (its key), with the entries whose case test passed,
    and `kinds`, the set of their kinds (so callers can route a hit without looking at each entry)."""

    start: int
    end: int
    key: str
    entries: tuple[Entry, ...]
    kinds: frozenset


class Matcher:
    """An Aho-Corasick automaton over (term, Entry) pairs; `scan` returns word-bounded hits.

    Keys carry a space on each side that starts or ends with a word character, and the text is folded
    with punctuation blanked and padded with a space at both ends: every hit is then a whole-word hit
    and the automaton reports no match inside a word ("us" in "thus", "inde" in "independent")."""

    def __init__(self, patterns: Iterable[tuple[str, Entry]], annotate: Callable[[tuple], object] | None = None):
        """`annotate(entries)`, when given, is computed once per key and handed back by `raw_matches`, so a
        caller can precompute what it does with a key's entries instead of working it out on every hit."""
        grouped: dict[str, list[Entry]] = {}
        for term, entry in patterns:
            key = normalize(term)
            if key:
                grouped.setdefault(key, []).append(entry)
        self._automaton = ahocorasick.Automaton()
        for key, entries in grouped.items():
            lead = 1 if key[0].isalnum() else 0
            trail = 1 if key[-1].isalnum() else 0
            padded = " " * lead + key + " " * trail
            # 0: no case test; 1: every entry needs a capital (one test settles them all); 2: per entry
            if all(e.case == FOLD for e in entries):
                cased = 0
            elif all(e.case == TITLE for e in entries):
                cased = 1
            else:
                cased = 2
            frozen = tuple(entries)
            self._automaton.add_word(
                padded,
                (
                    len(padded) - lead,
                    len(key),
                    key,
                    frozen,
                    frozenset(e.kind for e in frozen),
                    cased,
                    annotate(frozen) if annotate else None,
                ),
            )
        self._automaton.make_automaton()
        self.size = len(grouped)

    def scan(self, text: str) -> tuple[str, list[Hit]]:
        """Find every whole-word occurrence of every pattern in `text`; returns (folded text, hits)."""
        folded = fold(text)
        hits: list[Hit] = []
        append = hits.append
        new = tuple.__new__  # what Hit(...) does, without the call of its Python-level __new__
        # Padding shifts offsets by one: the padded text's index i is the text's index i - 1.
        for end, (from_end, length, key, entries, kinds, cased, _note) in self._automaton.iter(f" {folded} "):
            start = end - from_end
            if cased == 1:
                if not text[start].isupper():
                    continue
            elif cased:
                kept = tuple(e for e in entries if _case_ok(e, text, start, start + length))
                if not kept:
                    continue
                if len(kept) != len(entries):
                    entries = kept
                    kinds = frozenset(e.kind for e in kept)
            append(new(Hit, (start, start + length, key, entries, kinds)))
        return folded, hits

    def raw_matches(self, folded: str) -> Iterator[tuple[int, tuple]]:
        """The automaton's own output over folded text, for a caller that routes hits itself (the tagger's
        inner loop, where building a Hit per match costs more than the rest): pairs of (end, value) with
        value = (from_end, length, key, entries, kinds, cased, note): the match is text[start:start +
        length] with start = end - from_end; `cased` 0: no case test, 1: text[start] must be upper case
        for every entry, 2: filter the entries with `case_filter`; `note` is annotate(entries)."""
        return self._automaton.iter(f" {folded} ")


def case_filter(entries: tuple[Entry, ...], text: str, start: int, end: int) -> tuple[Entry, ...]:
    """The entries whose case test passes on text[start:end]."""
    return tuple(e for e in entries if _case_ok(e, text, start, end))


def _case_ok(entry: Entry, text: str, start: int, end: int) -> bool:
    if entry.case == FOLD:
        return True
    if entry.case == TITLE:
        return text[start].isupper()
    return text[start:end] == entry.term.strip(_STRIP)


_STRIP = " .,;:!?'\"()[]-"


def longest_non_overlapping(hits: list[Hit]) -> list[Hit]:
    """Leftmost-longest hits, none overlapping: "New Mexico" beats "Mexico", "South Sudan" beats
    "Sudan", "Papua New Guinea" beats "New Guinea" and "Guinea"."""
    reach = -1
    for hit in hits:  # the automaton reports hits by end: when none overlaps, that order is the answer
        if hit[0] < reach:
            break
        reach = hit[1]
    else:
        return list(hits)
    taken: list[Hit] = []
    reach = -1
    for hit in sorted(hits, key=_span):
        if hit[0] >= reach:
            taken.append(hit)
            reach = hit[1]
    return taken


def _span(hit: Hit) -> tuple[int, int]:
    return hit[0], -hit[1]
