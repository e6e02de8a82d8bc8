"""Pair features for the contract's hard cases added in issue 9 (quality): each fires on a made-up sentence and
not on its near miss. Why they exist and what they measured: docs/quality.md, 2026-12-05 (issue 9, quality)."""

from analysis.features import bystander_counts
from analysis.matcher import fold
from analysis.model import Model
from analysis.pairs import Mention
from analysis.tagger import Tagger
from analysis.topics import TOPICS

TRACER = Tagger(model=Model.accept_all(TOPICS))


def pair_trace(title: str, summary: str = "") -> dict[str, dict[str, float]]:
    trace: dict = {}
    TRACER.tag(title, summary, "2025-06-01", trace=trace)
    return trace.get("pairs", {})


def test_a_dash_after_an_abbreviation_joins_the_two_names():
    """A dash in "U.S.-China tariff war": the mention "U.S" ends before its full stop, and the compound is still a dash."""
    for title in ("Will the U.S.-China tariff war raise prices?", "U.S.\u2013Mexico talks resume in Ottawa"):
        pairs = pair_trace(title)
        pair = "CHN-USA" if "China" in title else "MEX-USA"
        assert pairs[pair].get("rule:dash") == 1.0, (title, pairs)
    # near misses: names side by side without a dash, or after a sentence's full stop
    assert "rule:dash" not in pair_trace("Will the U.S. China tariff war raise prices?")["CHN-USA"]
    assert "rule:dash" not in pair_trace("Prices rise in the U.S. China answers with tariffs.").get("CHN-USA", {})


def test_a_demonym_beside_a_private_noun_is_a_bystander():
    """In "'Scared' British family told they cannot leave their Greece hotel": Britain is a family's origin."""
    vec = pair_trace("'Scared' British family told they cannot leave their Greece hotel after floods")["GBR-GRC"]
    assert vec.get("bystander:only") == 1.0 and vec.get("bystander:any") == 1.0
    fr = pair_trace("Une famille indienne reste bloquée en Grèce")["GRC-IND"]
    assert fr.get("bystander:only") == 1.0
    # near miss: the same demonym before a state's noun is an actor
    vec = pair_trace("British government tells Greece to reopen the hotel after floods")["GBR-GRC"]
    assert "bystander:any" not in vec and "bystander:only" not in vec


def test_bystander_only_needs_every_mention_of_the_country_to_be_one():
    text = "Japanese report says Honda leaves Canada; Japan denies it"
    folded = fold(text)
    jpn_report = Mention("JPN", 0, 0, 8, False, True)
    canada = Mention("CAN", 0, text.index("Canada"), text.index("Canada") + 6, False)
    japan = Mention("JPN", 0, text.index("Japan denies"), text.index("Japan denies") + 5, False)
    assert bystander_counts([jpn_report, canada, japan], folded) == {"JPN": 1}
    assert bystander_counts([canada, japan], folded) == {}
    vec = pair_trace("Honda considering moving production out of Canada: Japanese report")["CAN-JPN"]
    assert vec.get("bystander:only") == 1.0
    vec = pair_trace("Japanese report says Honda leaves Canada; Japan denies moving the plant")["CAN-JPN"]
    assert vec.get("bystander:any") == 1.0 and "bystander:only" not in vec
