"""Would fuzzy matching of country and leader names pay on real feed text? A measurement, not a feature.

    python bench/fuzzy_alias_probe.py [--top 40]

The tagger matches aliases exactly (after folding case and accents) and lists known spelling variants as
data (Zelenskyy, Zelensky, Zelenskiy...). This script asks what a fuzzy fallback would add: every
capitalized word of six letters or more in the real items of ../shared/realdata that is not already a word
of some alias is compared, with rapidfuzz's optimal-string-alignment distance (one edit, a swap counting as
one), to the single-word country names, demonyms, capitals and leader names of the gazetteer. It prints
how many such words there are and the most frequent near misses, so that a person can judge which are
real variants (add them to analysis/data as aliases) and which are other words (Indiana, Francis, Siberia).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rapidfuzz import process  # noqa: E402
from rapidfuzz.distance import OSA  # noqa: E402
from tag_bench import REALDATA, real_items  # noqa: E402

from analysis import gazetteer as gz  # noqa: E402
from analysis.matcher import fold, normalize  # noqa: E402

_CAPITALIZED = re.compile(r"\b[A-Z][^\W\d_]{5,}\b")


def alias_words() -> tuple[set[str], list[str]]:
    """(every folded word of every country or person alias, the single-word aliases of six letters or more)."""
    known: set[str] = set()
    single: set[str] = set()
    for term, entry in gz.country_patterns() + gz.person_patterns():
        key = normalize(term)
        known.update(key.split())
        if " " not in key and len(key) >= 6 and entry.kind in (gz.COUNTRY, gz.PERSON):
            single.add(key)
    return known, sorted(single)


def near_misses(texts, known: set[str], vocabulary: list[str]) -> tuple[int, Counter]:
    """(number of unknown capitalized words, Counter of (word, nearest alias) one edit apart)."""
    unknown = 0
    found: Counter = Counter()
    for text in texts:
        for word in _CAPITALIZED.findall(text):
            folded = fold(word)
            if folded in known:
                continue
            unknown += 1
            match = process.extractOne(folded, vocabulary, scorer=OSA.distance, score_cutoff=1)
            if match:
                found[(word, match[0])] += 1
    return unknown, found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    items = real_items()
    if not items:
        print(f"no real data at {REALDATA.resolve()}", file=sys.stderr)
        return 1
    known, vocabulary = alias_words()
    unknown, found = near_misses((f"{t} {s}" for t, s, _ in items), known, vocabulary)
    print(
        f"{len(items):,} real items; {len(vocabulary):,} single-word aliases; {unknown:,} capitalized words of six "
        f"letters or more that are no alias word; {sum(found.values()):,} of them ({len(found)} distinct) one edit "
        f"from an alias.\n"
    )
    print("| occurrences | word in the text | nearest alias |")
    print("| ---: | --- | --- |")
    for (word, alias), n in found.most_common(args.top):
        print(f"| {n} | {word} | {alias} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
