"""The matcher's promises: folding keeps offsets, hits are whole words, case modes hold, longest wins."""

import pytest

from analysis.matcher import EXACT, FOLD, TITLE, Entry, Matcher, fold, longest_non_overlapping, normalize


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Türkiye’s İstanbul",
        "ÉTATS-UNIS",
        "straße Œuvre Ærø",
        "日本 Канада",
        "a\x00b\x1fc\u200bd",
        "\ud800x",
        "ǅ ﬁ ŉ ẞ",
        "".join(chr(i) for i in range(0x3000)),
    ],
)
def test_fold_keeps_the_length(text):
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize(
    "text",
    [
        "Türkiye’s İstanbul",
        "« Le Canada » — l’Inde",
        "日本 Канада, Ελλάδα",
        "\ud800x\U0001f600 é",
        "".join(chr(i) for i in range(0x3100)),
        bytes(range(256)).decode("cp1252", "ignore"),  # every Windows-1252 character: the one-byte path
        "Açores \ufffe é",  # the code table's mark for "no character", written in a text
    ],
)
def test_fold_of_mixed_text_is_the_character_map(text):
    # The fast paths fold ASCII with a byte table and Windows-1252 text with a code table, and only the
    # non-ASCII runs of other text with the character map; the result must be the character map's over
    # the whole text.
    from analysis.matcher import _FOLD_TABLE

    assert fold(text) == text.translate(_FOLD_TABLE)


def test_fold_lowercases_strips_accents_and_blanks_punctuation():
    assert fold("Les États-Unis, l’Inde") == "les etats unis  l inde"
    assert fold("US$ 5") == "us$ 5"
    assert normalize("U.S.") == "u s" and normalize("London, Ont.") == "london  ont"


def matcher(*terms):
    return Matcher([(t, Entry("country", code, case, t)) for t, code, case in terms])


def found(m, text):
    return [(text[h.start : h.end], [e.value for e in h.entries]) for h in m.scan(text)[1]]


def test_hits_are_whole_words_only():
    m = matcher(("US", "USA", EXACT), ("Inde", "IND", FOLD))
    assert found(m, "thus bus indépendance") == []
    assert found(m, "US-made; l'Inde") == [("US", ["USA"]), ("Inde", ["IND"])]


def test_case_modes():
    m = matcher(("China", "CHN", TITLE), ("US", "USA", EXACT), ("Japon", "JPN", FOLD))
    assert found(m, "china cabinet, us, JAPON") == [("JAPON", ["JPN"])]
    assert found(m, "China and the US") == [("China", ["CHN"]), ("US", ["USA"])]


def test_longest_non_overlapping():
    m = matcher(
        ("Mexico", "MEX", FOLD),
        ("New Mexico", None, FOLD),
        ("Guinea", "GIN", FOLD),
        ("Papua New Guinea", "PNG", FOLD),
        ("New Guinea", None, FOLD),
    )
    hits = longest_non_overlapping(m.scan("New Mexico and Papua New Guinea, not Mexico")[1])
    assert [h.key for h in hits] == ["new mexico", "papua new guinea", "mexico"]
