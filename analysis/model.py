"""The learned weights of pairs and topics, read from a plain JSON file, and the reasons for each tag.

`python -m analysis train` (analysis/train.py, scikit-learn) writes `analysis/data/model.json`; this module
reads it with the standard library only, so the runtime tagger gains no dependency. The file holds, for
the pair model and for each topic's model, a bias, a weight per feature (the names of
`analysis/features.py`), and a decision threshold chosen on the validation part; plus the corpus hash,
the seed and the measured scores (docs/quality.md). A reader can open it and see what weighs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import add, ge, mul
from pathlib import Path

MODEL_FILE = Path(__file__).resolve().parent / "data" / "model.json"
FORMAT = 1


@dataclass(frozen=True, slots=True)
class Linear:
    """A logistic model: P(yes) = sigmoid(bias + sum of weight x value); yes when P >= threshold."""

    bias: float
    weights: dict[str, float]
    threshold: float

    @property
    def cut(self) -> float:
        """The threshold on the raw sum (logit), so deciding needs no exponential."""
        t = min(max(self.threshold, 1e-6), 1 - 1e-6)
        return math.log(t / (1 - t))

    def logit(self, vec: dict[str, float]) -> float:
        # map/sum keep the loop in C: this runs for every candidate pair of every article
        return self.bias + sum(map(mul, map(self.weights.get, vec, repeat(0.0)), vec.values()))

    def probability(self, vec: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, self.logit(vec)))))

    def contributions(self, vec: dict[str, float]) -> list[tuple[str, float]]:
        """(feature, weight x value) of the features that count, largest effect first."""
        get = self.weights.get
        out = [(name, get(name, 0.0) * value) for name, value in vec.items() if get(name)]
        return sorted(out, key=lambda item: (-abs(item[1]), item[0]))


class TopicScorer:
    """All topic models at once, as inverted indexes from a word (or lexicon term, or topic score) to the
    topics it weighs on: an article is read once, whatever the number of topics. It decides exactly as
    each topic's `Linear` would on `analysis.features.topic_vector` (a test checks this), only faster:
    the runtime tagger must stay above 20,000 articles a second."""

    def __init__(self, topics: dict[str, Linear]):
        ordered = sorted(topics.items())  # alphabetical, so the kept topics come out sorted
        self.names = tuple(name for name, _m in ordered)
        self.biases = [m.bias for _n, m in ordered]
        self.cuts = [m.cut for _n, m in ordered]
        index: dict[str, dict[str, list[tuple[int, float]]]] = {"w": {}, "lex": {}, "score": {}}
        for i, (_name, linear) in enumerate(ordered):
            for name, weight in linear.weights.items():
                kind, _, key = name.partition(":")
                if kind in index:
                    index[kind].setdefault(key, []).append((i, weight))
        self.words = {k: tuple(v) for k, v in index["w"].items()}
        self.terms = {k: tuple(v) for k, v in index["lex"].items()}
        self.scores = {k: tuple(v) for k, v in index["score"].items()}
        # Set intersections run in C over the smaller set: only words that weigh are looked at in Python.
        # (An Aho-Corasick automaton over the folded text finding the model's words was tried: no faster.)
        self._vocab = (frozenset(self.words), frozenset(self.terms))
        self._word_hits = self.words.__getitem__
        self._term_hits = self.terms.__getitem__

    def decide(self, folded: str, lexicon: dict[str, float], terms: list[str]) -> tuple[str, ...]:
        # One running sum per topic, from 0.0, adding each (topic, weight) of each word found, then of each
        # lexicon term, then the lexicon scores; the per-word loop is flattened by chain (in C).
        words, term_set = self._vocab
        z = [0.0] * len(self.names)
        for i, weight in chain(
            chain.from_iterable(map(self._word_hits, words.intersection(folded.split()))),
            chain.from_iterable(map(self._term_hits, term_set.intersection(terms))),
        ):
            z[i] += weight
        scores = self.scores
        for topic, score in lexicon.items():
            hits = scores.get(topic)
            if hits is not None:
                value = min(score, 6.0) / 2.0
                for i, weight in hits:
                    z[i] += weight * value
        # bias + sum >= cut, per topic; a topic nothing weighs on has sum 0.0, so it is kept only when its
        # bias alone passes (none does, in practice). Names are alphabetical: the result is sorted.
        return tuple(compress(self.names, map(ge, map(add, self.biases, z), self.cuts)))


@dataclass(frozen=True, slots=True)
class Model:
    """The pair model, one model per topic, and what the file says about itself."""

    pairs: Linear
    topics: dict[str, Linear]
    version: str
    meta: dict
    scorer: TopicScorer | None = None

    pair_words: dict[str, frozenset[str]] | None = None

    @classmethod
    def build(cls, pairs: Linear, topics: dict[str, Linear], version: str = "", meta: dict | None = None) -> Model:
        words: dict[str, set[str]] = {"btw": set(), "pre": set(), "post": set()}
        for name in pairs.weights:
            kind, _, word = name.partition(":")
            if kind in words:
                words[kind].add(word)
        return cls(
            pairs,
            topics,
            version,
            meta or {},
            TopicScorer(topics),
            {kind: frozenset(found) for kind, found in words.items()},
        )

    @classmethod
    def accept_all(cls, topics: tuple[str, ...]) -> Model:
        """A model that keeps every candidate: a tagger given it traces the features of every candidate
        pair and topic (what training reads)."""
        everything = Linear(0.0, {}, 1e-6)
        return cls.build(everything, dict.fromkeys(topics, everything), "candidates")


def _linear(data: dict) -> Linear:
    return Linear(float(data["bias"]), {k: float(v) for k, v in data["weights"].items()}, float(data["threshold"]))


def load(path: Path = MODEL_FILE) -> Model | None:
    """The model in `path`, or None when there is none (the tagger then uses the hand-weighted rules)."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: model format {data.get('format')!r}, expected {FORMAT}")
    meta = {k: v for k, v in data.items() if k not in ("pairs", "topics")}
    return Model.build(
        pairs=_linear(data["pairs"]),
        topics={topic: _linear(m) for topic, m in data["topics"].items()},
        version=str(data.get("corpus_hash", ""))[:8],
        meta=meta,
    )


# What a feature means, in the words of the article view ("CAN-JPN: signed, both in the title").
_RULE_WORDS = {
    "both_in_title": "both in the title",
    "title_short_list": "title names few countries",
    "one_in_title": "one in the title",
    "none_in_title": "neither in the title",
    "same_unit_cue": "interaction word in their sentence",
    "cue_between": "interaction word between them",
    "clause_cue_between": "interaction word between them, one clause",
    "dash": "joined by a dash",
    "between_and": "\u201cbetween X and Y\u201d",
    "co_subjects": "joint subjects",
    "co_objects": "side by side after a verb",
    "with_canada": "one is Canada",
    "two_countries": "only two countries named",
    "three_countries": "three countries named",
    "four_plus": "four or more countries named",
    "backgrounded": "one only in a side clause",
    "listed": "one only in a list",
    "stance": "a stance, no interaction word",
    "place_only": "one only named as a place",
    "with_hub": "one is the title's main actor",
    "identity": "one person's origins",
    "third_party": "one deals with a third country",
    "both_places": "both only places",
    "stance_between": "stance word between them",
    "at_war": "at war on that date",
    "co_listed": "listed together",
    "compared": "compared or ranked",
}
_HARD_WORDS = {
    "mediator": "mediator word",
    "joint": "joint-action word",
    "armed_group": "armed group",
    "citizens": "citizens abroad",
    "origin": "place of origin",
}


def describe(feature: str) -> str:
    """A feature name in plain words."""
    kind, _, rest = feature.partition(":")
    if kind == "rule":
        return _RULE_WORDS.get(rest, rest.replace("_", " "))
    if kind == "btw":
        return f"\u201c{rest}\u201d between them"
    if kind == "pre":
        return f"\u201c{rest}\u201d before a name"
    if kind == "post":
        return f"\u201c{rest}\u201d after a name"
    if kind in _HARD_WORDS:
        where = {
            "in_text": "in the text",
            "between": "between them",
            "near": "beside a name",
            "shared_sentence": "in their sentence",
        }.get(rest, rest)
        return f"{_HARD_WORDS[kind]} {where}"
    if kind == "lex":
        return f"lexicon \u201c{rest}\u201d"
    if kind == "w":
        return f"\u201c{rest}\u201d"
    if kind == "t":
        return f"\u201c{rest}\u201d in the title"
    if kind == "score":
        return f"{rest.replace('_', ' ')} lexicon score"
    if kind == "countries":
        return f"{rest} countries named"
    if kind == "gap":
        return f"{rest} words apart"
    return {
        "hand_score": "hand-weighted rule score",
        "venue_mention": "named as a venue",
        "no_shared_sentence": "never in one sentence",
        "closest_in_title": "closest in the title",
        "third_in_sentence": "a third country in their sentence",
        "demonym": "named by a demonym",
        "bystander:any": "a demonym beside a private noun",
        "bystander:only": "only a demonym beside a private noun",
    }.get(feature, feature)


def reasons(model: Linear, vec: dict[str, float], top: int = 3) -> str:
    """The top contributions in a compact line: "both in the title +1.2; named as a venue -0.6"."""
    parts = [f"{describe(name)} {effect:+.1f}" for name, effect in model.contributions(vec)[:top]]
    return "; ".join(parts)
