"""Speed and accuracy of analysis.stories.cluster_stories on synthetic headlines.

Generates N articles (default 100,000) over 90 days: distinct base stories built from
foreign-policy templates (many share a country pair, a leader and a day, the hard negatives),
and for a share of them syndicated copies planted across outlets within 36 hours, with the
edits wire copies get: outlet suffixes, kickers, reordered names, added or dropped words,
spelling variants, case and accents. Reports the time and the pairwise precision and recall of
the planted clusters (a pair of articles counts as a true positive when both the planted truth
and the clustering put them in one story).

Then two adversarial cases for speed, where every title looks like every other and blocking
alone cannot keep the comparisons down: 1,200 and 12,000 near-identical copies of one headline
within a day (some with a changed number, so they must stay apart), and 25,000 titles of 8
words drawn from a 60-word vocabulary over a week. The cost per article should stay flat
from one size to the next.

    python bench/story_bench.py            # 100,000 articles, then the adversarial cases
    python bench/story_bench.py -n 20000 --seed 3 --no-adversarial
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from analysis.stories import cluster_stories  # noqa: E402

COUNTRIES = [
    "Canada",
    "Japan",
    "India",
    "Australia",
    "South Korea",
    "Mexico",
    "Indonesia",
    "Türkiye",
    "China",
    "the U.S.",
    "Russia",
    "Ukraine",
    "Germany",
    "France",
    "the U.K.",
    "Brazil",
    "Italy",
    "the Philippines",
    "Vietnam",
    "Iran",
    "Israel",
    "Saudi Arabia",
    "Poland",
    "Norway",
    "Chile",
    "Argentina",
    "Nigeria",
    "Kenya",
    "Egypt",
    "Thailand",
    "Malaysia",
    "Singapore",
    "Taiwan",
    "New Zealand",
    "Sweden",
    "Finland",
    "Denmark",
    "Spain",
    "Pakistan",
    "Bangladesh",
]
LEADERS = [
    "Carney",
    "Takaichi",
    "Modi",
    "Albanese",
    "Lee",
    "Sheinbaum",
    "Prabowo",
    "Erdoğan",
    "Xi",
    "Trump",
    "Putin",
    "Zelenskyy",
    "Merz",
    "Macron",
    "Starmer",
    "Lula",
    "Meloni",
    "Anand",
    "LeBlanc",
    "Champagne",
    "Joly",
    "McGuinty",
    "Wang Yi",
    "Rubio",
    "Lammy",
    "Wadephul",
    "Marcos",
    "Luxon",
    "Kristersson",
    "Orpo",
    "Frederiksen",
    "Sánchez",
    "Sharif",
    "Anwar",
]
PLACES = [
    "Tokyo",
    "Ottawa",
    "New Delhi",
    "Canberra",
    "Seoul",
    "Mexico City",
    "Jakarta",
    "Ankara",
    "Beijing",
    "Washington",
    "Brussels",
    "Geneva",
    "Davos",
    "Kananaskis",
    "The Hague",
    "Manila",
    "Hanoi",
    "Singapore",
    "Paris",
    "Berlin",
    "London",
    "Rome",
    "Brasília",
    "Nairobi",
    "Cairo",
    "Bangkok",
    "Kuala Lumpur",
    "Oslo",
    "Helsinki",
    "Madrid",
    "Vancouver",
    "Toronto",
    "Montreal",
]
DEALS = [
    "defence pact",
    "LNG deal",
    "critical minerals agreement",
    "free trade talks",
    "security partnership",
    "nuclear energy accord",
    "AI research partnership",
    "fisheries agreement",
    "Arctic cooperation deal",
    "climate finance pledge",
    "visa agreement",
    "semiconductor supply deal",
    "pension fund investment",
    "coast guard exercise",
    "cyber security pact",
    "hydrogen partnership",
    "youth mobility agreement",
    "uranium supply contract",
    "wheat export deal",
    "canola tariff truce",
    "steel quota deal",
    "rare earths accord",
    "satellite launch agreement",
    "vaccine production deal",
    "refugee resettlement plan",
]
ISSUES = [
    "tariffs",
    "sanctions",
    "election interference",
    "detained citizens",
    "illegal fishing",
    "cyber attacks",
    "the war in Ukraine",
    "the Iran conflict",
    "steel dumping",
    "canola",
    "student visas",
    "foreign interference",
    "Arctic sovereignty",
    "drug trafficking",
    "wildfires",
    "the G7 agenda",
    "NATO spending",
    "critical minerals",
    "LNG exports",
    "auto parts",
]
NUMBERS = ["2", "3", "4", "5", "6", "10", "12", "15", "20", "25", "40", "100"]

TEMPLATES = [
    "{c1} and {c2} sign {deal} in {place}",
    "{l1} and {l2} sign {deal} in {place}",
    "{l1}, {l2} agree on {deal}",
    "{c1} to impose {n} per cent tariffs on {c2} over {issue}",
    "{l1} meets {l2} in {place} to discuss {issue}",
    "{c1} expels {n} {c2} diplomats over {issue}",
    "{c1} announces new sanctions on {c2} over {issue}",
    "{l1} warns {c2} over {issue} ahead of {place} summit",
    "{c1} and {c2} hold talks on {issue} in {place}",
    "{c1} pledges ${n} billion for {deal} with {c2}",
    "{l1} arrives in {place} for talks on {deal}",
    "{c1} summons {c2} ambassador over {issue}",
    "{l1} says {c1} will not back down on {issue}",
    "{c1}, {c2} launch {deal} as {l1} visits {place}",
    "{n} {c1} nationals detained in {c2} amid {issue} row",
    "{l1} calls {l2} to discuss {issue} and {deal}",
]

OUTLETS = [
    "CBC News",
    "CTV News",
    "Global News",
    "National Post",
    "Toronto Star",
    "The Globe and Mail",
    "Radio-Canada",
    "La Presse",
    "Le Devoir",
    "Canadian Press",
    "Reuters",
    "Ottawa Citizen",
    "Vancouver Sun",
    "Montreal Gazette",
    "iPolitics",
    "The Hill Times",
]
SYNONYMS = {
    "defence": "defense",
    "per cent": "%",
    "agree on": "reach",
    "sign": "ink",
    "talks": "discussions",
    "warns": "cautions",
    "detained": "held",
    "pledges": "commits",
    "announces": "unveils",
    "meets": "sits down with",
    "the U.S.": "U.S.",
    "the U.K.": "Britain",
}


def base_title(rng: random.Random) -> str:
    c1, c2 = rng.sample(COUNTRIES, 2)
    l1, l2 = rng.sample(LEADERS, 2)
    return rng.choice(TEMPLATES).format(
        c1=c1,
        c2=c2,
        l1=l1,
        l2=l2,
        deal=rng.choice(DEALS),
        issue=rng.choice(ISSUES),
        place=rng.choice(PLACES),
        n=rng.choice(NUMBERS),
    )


def edit(title: str, outlet: str, rng: random.Random) -> str:
    """One syndicated copy: a few of the edits wire copies get between outlets."""
    t = title
    for _ in range(rng.randint(0, 2)):
        op = rng.random()
        words = t.split()
        if op < 0.25:
            src = rng.choice(list(SYNONYMS))
            t = t.replace(src, SYNONYMS[src], 1)
        elif op < 0.45:
            t = t + rng.choice([", officials say", " amid tensions", " as talks continue", ", report says", " today"])
        elif op < 0.6 and len(words) > 6:
            i = rng.randrange(1, len(words) - 1)
            t = " ".join(words[:i] + words[i + 1 :])
        elif op < 0.75:
            t = t.replace(" and ", ", ", 1)
        elif op < 0.85:
            t = t.title()
        else:
            t = t.replace("ğ", "g").replace("é", "e").replace("á", "a").replace("ü", "u")
    r = rng.random()
    if r < 0.35:
        t = f"{t} | {outlet}"
    elif r < 0.6:
        t = f"{t} - {outlet}"
    elif r < 0.65:
        t = f"UPDATE: {t}"
    return t


def generate(n: int, seed: int = 1) -> tuple[pd.DataFrame, list[int]]:
    """Articles (id, title, published_at, source) and their planted story labels."""
    rng = random.Random(seed)
    start = pd.Timestamp("2026-01-01T00:00:00Z").value // 10**9
    span = 90 * 86400
    seen: set[str] = set()
    rows, truth = [], []
    story = 0
    while len(rows) < n:
        title = base_title(rng)
        if title in seen:
            continue
        seen.add(title)
        t0 = start + rng.randrange(span)
        copies = 1 if rng.random() < 0.55 else rng.randint(2, 5)
        outlets = rng.sample(OUTLETS, copies)
        for k, outlet in enumerate(outlets):
            if len(rows) >= n:
                break
            ts = t0 if k == 0 else t0 + rng.randrange(36 * 3600)
            rows.append((title if k == 0 and rng.random() < 0.5 else edit(title, outlet, rng), ts, outlet))
            truth.append(story)
        story += 1
    order = sorted(range(len(rows)), key=lambda i: rows[i][1])  # ids follow publication, like the store
    df = pd.DataFrame(
        {
            "id": range(1, len(rows) + 1),
            "title": [rows[i][0] for i in order],
            "published_at": pd.to_datetime([rows[i][1] for i in order], unit="s", utc=True),
            "source": [rows[i][2] for i in order],
        }
    )
    return df, [truth[i] for i in order]


VOCABULARY = """canada japan india australia korea mexico trade tariffs defence pact deal talks minister
prime carney sign signs summit ottawa tokyo energy lng minerals security partnership agreement new
leaders meet meeting visit foreign ambassador sanctions steel aluminum border arctic climate nato
g7 war ukraine china crisis pledge billion investment exports imports agenda week officials says
amid ahead aid refugees wildfires council""".split()
assert len(set(VOCABULARY)) == 60


def near_identical(n: int, seed: int = 1) -> pd.DataFrame:
    """n wire copies of one headline within 24 hours; a quarter carry another number."""
    rng = random.Random(seed)
    base = "Carney and Takaichi sign defence pact in Tokyo as trade talks continue"
    start = pd.Timestamp("2026-03-06T00:00:00Z").value // 10**9
    titles = []
    for _ in range(n):
        outlet = rng.choice(OUTLETS)
        t = edit(base, outlet, rng)
        if rng.random() < 0.25:
            t = f"{t}, {rng.randrange(2, 60)} dead"
        titles.append((t, start + rng.randrange(86400), outlet))
    return _frame(sorted(titles, key=lambda r: r[1]))


def small_vocabulary(n: int, seed: int = 1) -> pd.DataFrame:
    """n titles of 8 words drawn from a 60-word vocabulary, over 7 days."""
    rng = random.Random(seed)
    start = pd.Timestamp("2026-03-01T00:00:00Z").value // 10**9
    rows = sorted(
        (
            (" ".join(rng.sample(VOCABULARY, 8)), start + rng.randrange(7 * 86400), rng.choice(OUTLETS))
            for _ in range(n)
        ),
        key=lambda r: r[1],
    )
    return _frame(rows)


def _frame(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": range(1, len(rows) + 1),
            "title": [r[0] for r in rows],
            "published_at": pd.to_datetime([r[1] for r in rows], unit="s", utc=True),
            "source": [r[2] for r in rows],
        }
    )


def pair_scores(pred: list[int], truth: list[int]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the planted clusters."""

    def pairs(counter: Counter) -> int:
        return sum(c * (c - 1) // 2 for c in counter.values())

    tp = pairs(Counter(zip(pred, truth)))
    p_pairs, t_pairs = pairs(Counter(pred)), pairs(Counter(truth))
    return (tp / p_pairs if p_pairs else 1.0), (tp / t_pairs if t_pairs else 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-adversarial", action="store_true", help="skip the adversarial speed cases")
    args = ap.parse_args()
    df, truth = generate(args.n, args.seed)
    t = time.perf_counter()
    stories = cluster_stories(df)
    elapsed = time.perf_counter() - t
    precision, recall = pair_scores(stories.tolist(), truth)
    print(f"articles {len(df):,}  planted stories {len(set(truth)):,}  found stories {stories.nunique():,}")
    print(f"time {elapsed:.1f} s ({len(df) / elapsed:,.0f} articles/s)")
    print(f"pairwise precision {precision:.3f}  recall {recall:.3f}")
    if args.no_adversarial:
        return
    for label, make, n in (
        ("near-identical", near_identical, 1_200),
        ("near-identical", near_identical, 12_000),
        ("60-word vocabulary", small_vocabulary, 25_000),
    ):
        df = make(n, args.seed)
        t = time.perf_counter()
        stories = cluster_stories(df)
        elapsed = time.perf_counter() - t
        print(
            f"{label:<19} {n:>7,} titles  {elapsed:5.1f} s  {elapsed / n * 1e6:6.0f} µs/title  "
            f"{stories.nunique():,} stories"
        )


if __name__ == "__main__":
    main()
