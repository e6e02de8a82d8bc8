"""Precision, recall and F1 of the tagger against labelled JSON Lines (micro-averaged over labels)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

FIELDS = ("countries", "pairs", "topics", "organizations")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_gold(lines: Iterable[str]) -> list[dict]:
    """Labelled items: one JSON object per non-blank line."""
    return [json.loads(line) for line in lines if line.strip()]


def evaluate(items: list[dict], predict: Callable[[dict], dict], fields=FIELDS) -> dict[str, Score]:
    """Score `predict(item) -> {field: labels}` on every item for each field present in the gold."""
    scores = {f: Score() for f in fields}
    for item in items:
        got = predict(item)
        for f in fields:
            if f not in item:
                continue
            want, have = set(item[f] or ()), set(got.get(f) or ())
            s = scores[f]
            s.tp += len(want & have)
            s.fp += len(have - want)
            s.fn += len(want - have)
    return scores


def errors(items: list[dict], predict: Callable[[dict], dict], field: str) -> list[tuple[dict, set, set]]:
    """(item, missed, spurious) for every item the prediction gets wrong on `field`."""
    out = []
    for item in items:
        got = set(predict(item).get(field) or ())
        want = set(item.get(field) or ())
        if got != want:
            out.append((item, want - got, got - want))
    return out
