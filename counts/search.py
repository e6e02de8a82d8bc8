"""The Articles page's search box: the operators people know, translated safely to SQLite FTS5.

People type what web search engines taught them: `"prime minister"` for a phrase, `trade OR tariffs`,
`-china` to exclude, `defen*` for a prefix. FTS5 has its own grammar (AND, OR, NOT, NEAR, column
filters, `^`, `+`), and handing it raw text fails on a stray quote or bracket, or silently means
something else ("OR" as an operator, "title:" as a column). So the text is parsed here into terms, and
the FTS5 query is *built* from them: every term goes in as a double-quoted string (its quotes doubled),
so nothing the visitor typed is ever read as FTS5 syntax; only the operators this module writes are.

The rules, also shown under the box:
* words are all required (AND); `"..."` is a phrase (words next to each other, in order);
* `OR` in capitals between two terms means either (`japan OR korea defence` = (japan or korea) and defence);
* a leading `-` excludes a word or phrase (`-china`, `-"united states"`);
* a trailing `*` matches any word starting so (`defen*`: defence, defense, defending); at least two
  letters before it;
* anything else (AND, NOT, NEAR, brackets, colons, ^) is an ordinary word or ignored punctuation;
* accents and case are ignored (the index's `unicode61 remove_diacritics 2` tokenizer).
At most `MAX_TERMS` terms are kept, so a pasted paragraph cannot build a huge query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CONTROL_SPACE = re.compile(r"[\t\n\v\f\r]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def strip_control(text: object) -> str:
    """User text without control characters (C0, DEL, C1) or lone surrogates; tabs and line breaks
    become spaces. A NUL in a search link (`?q=a%00b`) reached SQLite's FTS5 parser, which failed
    with an OperationalError and a traceback (issue 11). Lives here, with the parsing of what people
    type, so that the query module can use it without the two importing each other."""
    if not isinstance(text, str):
        return ""
    return _CONTROL.sub("", _CONTROL_SPACE.sub(" ", text))


MAX_TERMS = 16
_WORDISH = re.compile(r"\w")
# Snippet markers: private-use characters that feed text does not carry (they are stripped from
# the snippet text first anyway), turned into the visible marker after the text is cleaned.
OPEN, CLOSE = "\ue000", "\ue001"
MARK = "**"  # how a match is marked in the plain-text snippet column


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    prefix: bool = False

    def fts(self) -> str:
        """The term as an FTS5 string: always quoted, so its text is never syntax."""
        return '"' + self.text.replace('"', '""') + '"' + ("*" if self.prefix else "")

    def show(self) -> str:
        core = f'"{self.text}"' if self.phrase else self.text
        return core + ("*" if self.prefix else "")


@dataclass
class Parsed:
    """The search as understood: every group must match (a group is terms joined by OR); no
    excluded term may."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.excluded


def _tokens(text: str) -> list[tuple[str, bool, bool, bool]]:
    """(text, phrase, negated, prefix) for each whitespace-separated word or quoted phrase."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        if text[i] == '"' and text.find('"', i + 1) < 0:
            i += 1  # a quote without its pair is a stray character: the words after it are plain words
            if i >= n or text[i].isspace():
                continue
        if text[i] == '"':
            close = text.find('"', i + 1)
            body, i = text[i + 1 : close], close + 1
            prefix = i < n and text[i] == "*"
            while i < n and not text[i].isspace():  # `"a b"*` or stray characters glued to the phrase
                i += 1
            out.append((" ".join(body.split()), True, negated, prefix))
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != '"':
            j += 1
        word, i = text[i:j], j
        prefix = word.endswith("*")
        word = word.rstrip("*")
        out.append((word, False, negated, prefix))
    return out


def parse(text: object) -> Parsed:
    """The visitor's text as groups of alternatives and exclusions (see the module's rules)."""
    parsed = Parsed()
    pending_or = False
    count = 0
    for word, phrase, negated, prefix in _tokens(strip_control(text)):
        if count >= MAX_TERMS:
            break
        if word == "OR" and not phrase and not negated and not prefix:
            pending_or = bool(parsed.groups)  # an OR with nothing before it is just dropped
            continue
        if not _WORDISH.search(word):
            continue  # punctuation alone: the tokenizer would find nothing in it
        # A prefix needs a real stem: "a*" would match a large part of the index.
        prefix = prefix and len(re.findall(r"\w", word.split()[-1])) >= 2
        term = Term(word, phrase=phrase, prefix=prefix)
        count += 1
        if negated:
            parsed.excluded.append(term)
            pending_or = False
        elif pending_or:
            parsed.groups[-1].append(term)
            pending_or = False
        else:
            parsed.groups.append([term])
    return parsed


def _either(terms: list[Term]) -> str:
    return terms[0].fts() if len(terms) == 1 else "(" + " OR ".join(t.fts() for t in terms) + ")"


def to_fts5(parsed: Parsed) -> tuple[str | None, str | None]:
    """(query the articles must match, query they must not match), either None when absent.

    Exclusions are a separate query so that a search of exclusions only (`-china`) works too:
    FTS5's NOT needs something on its left.
    """
    include = " AND ".join(_either(g) for g in parsed.groups) or None
    exclude = " OR ".join(t.fts() for t in parsed.excluded) or None
    return include, exclude


def describe(parsed: Parsed) -> str:
    """The search as understood, in plain words (shown as text, never as markup)."""
    parts = []
    if parsed.groups:
        parts.append("all of: " + "; ".join(" or ".join(t.show() for t in g) for g in parsed.groups))
    if parsed.excluded:
        parts.append("none of: " + "; ".join(t.show() for t in parsed.excluded))
    return " · ".join(parts)


def marked(snippet: object) -> str:
    """An FTS5 snippet (matches between OPEN and CLOSE) as plain text with the matches in MARK."""
    if not isinstance(snippet, str):
        return ""
    text = strip_control(snippet.replace(MARK, "*\u200b*"))  # a literal ** in the feed must not read as a mark
    return text.replace(OPEN, MARK).replace(CLOSE, MARK)
