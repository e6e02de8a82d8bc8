"""The tagger's fast paths (issue 9's speed target) give what the plain code gives, on the inputs where the
two could part: they change the speed, never a tag."""

import random
import re

import pytest

from analysis.pairs import _CLAUSE_BREAK, _END, _word_before, unit_starts


def _walked_word_before(folded: str, pos: int) -> tuple[str, int]:
    """The word before `pos` walked character by character (the code before the fast path)."""
    j = pos - 1
    while j >= 0 and folded[j] == " ":
        j -= 1
    k = j
    while k >= 0 and folded[k].isalnum():
        k -= 1
    return folded[k + 1 : j + 1], k + 1


@pytest.mark.parametrize(
    "folded",
    [
        "",
        "   ",
        "talks in  tokyo",
        "us$ canada",  # "$" ends the word before it
        "x" * 45 + " canada",  # a word longer than the 40 characters read at once
        "a" + " " * 45 + "canada",  # spaces longer than them
        "summit in \u65e5\u672c canada",  # letters the fold leaves as they are
        "talks \u3001 tokyo",  # a punctuation mark it leaves as it is
    ],
)
def test_word_before_is_the_walked_word(folded):
    for pos in range(len(folded) + 1):
        assert _word_before(folded, pos) == _walked_word_before(folded, pos)


def test_word_before_on_random_folded_text():
    rng = random.Random(9)
    pieces = ["ab", "1", " ", "  ", "$", "\u3001", "\u65e5", "x" * 43, " " * 41]
    for _ in range(2000):
        folded = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        for pos in range(len(folded) + 1):
            assert _word_before(folded, pos) == _walked_word_before(folded, pos)


def test_sentence_ends_are_those_of_the_plain_pattern():
    plain = re.compile(r"[.!?]+[\"'”’»)\]]*\s+")
    texts = [
        "Canada signs deal.\nThe U.S. President met Mr. Carney. Then?! \u00abOui.\u00bb  Fin.",
        "Wait... what?\u201d  He left!) Next. Last.",
        ". ! ? .. ?!\t\u00a0x",
    ]
    rng = random.Random(3)
    pieces = [".", "!", "?", " ", "\n", "\u00a0", "\u201d", "\u00bb", ")", "]", "U.S", "Mr", "word", "A"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 20))) for _ in range(3000)]
    for text in texts:
        assert [m.span() for m in _END.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert unit_starts("Title\nOne. Two U.S. things. Three", 5) == [0, 5, 11, 28]


def test_clause_breaks_are_those_of_the_plain_pattern():
    plain = re.compile(r"[;:|]|\s[-\u2013\u2014]\s")
    rng = random.Random(4)
    pieces = [";", ":", "|", "-", "\u2013", "\u2014", " ", "\n", "\u00a0", "Canada", "and"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        lo = rng.randint(0, len(text))
        hi = rng.randint(lo, len(text))
        got, want = _CLAUSE_BREAK.search(text, lo, hi), plain.search(text, lo, hi)
        assert (got and got.span()) == (want and want.span()), (text, lo, hi)


def test_sentences_of_the_mentions_are_read_when_no_context_cue_asked_for_them():
    # Without a context cue the units (sentences) wait until the article names two countries; the pair
    # features must still see Brazil in another sentence than Canada and Japan.
    from analysis.tagger import default_tagger

    trace: dict = {}
    tags = default_tagger().tag(
        "A busy week",  # no context cue anywhere
        "Canada met Japan on Monday. Later, Brazil spoke.",
        "2025-06-01",
        trace=trace,
    )
    assert tags.countries == ("BRA", "CAN", "JPN")
    assert {pair: "no_shared_sentence" in vec for pair, vec in trace["pairs"].items()} == {
        "BRA-CAN": True,
        "BRA-JPN": True,
        "CAN-JPN": False,
    }
