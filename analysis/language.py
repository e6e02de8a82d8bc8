"""Cheap language guess (English or French) from function words, for aliases that mean something else
in the other language: "CPI" is the French ICC and the English consumer price index, "BCE" the French
ECB, "UA" the French African Union.

Feed `lang` tags are often missing or wrong (an English item in a French feed), so a clear majority of
function words overrides the tag; a text too short to tell keeps the tag, and with no tag either the
answer is None (the caller then lets every alias count rather than guess).
"""

from __future__ import annotations

import re

# Function words frequent in news and not words of the other language ("un" is left out: UN; "a", "on",
# "de" are shared or too ambiguous).
_FR = frozenset(
    """le la les des du et est une dans pour sur au aux qui que avec par pas ses son sa leur leurs
ont sont été entre contre selon après avant plus ne se il elle ils elles nous vous cette ces lors sous chez
où mais aussi depuis dont être fait très""".split()
)
_EN = frozenset(
    """the of and to in is for with by at from that it was are says said after over has have will
its his her their an be been were this which who into amid than about as up not but more new could would
had they we you out""".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ELISION = re.compile(r"\b(?:l|d|qu|n|s|j|c)['’]\w", re.IGNORECASE)  # l'Inde, d'Haïti, qu'il


def detect(text: str, tag: str | None = None) -> str | None:
    """'en' or 'fr' when the function words say so clearly (at least 2, and twice the other side's
    count), else the tag when it is 'en' or 'fr', else None."""
    fr = en = 0
    for word in _WORD.findall(text.lower()):
        if word in _FR:
            fr += 1
        elif word in _EN:
            en += 1
    # An elision holds an apostrophe: the pattern (a slow one, with its word boundary and ignored case) is
    # run from just before the first, and not at all on a text without one.
    apostrophes = [i for i in (text.find("'"), text.find("\u2019")) if i >= 0]
    if apostrophes:
        fr += len(_ELISION.findall(text, max(0, min(apostrophes) - 2)))
    if fr >= 2 and fr >= 2 * en:
        return "fr"
    if en >= 2 and en >= 2 * fr:
        return "en"
    tag = (tag or "").strip().lower()[:2]
    return tag if tag in ("en", "fr") else None
