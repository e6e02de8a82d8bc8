"""Speed and country accuracy of analysis.tagger against geotext and flashgeotext, on the same texts.

    python bench/tag_bench.py [--min-articles 20000] [--gold tests/data/gold.jsonl]

Texts: every real item of ../shared/realdata (rumca-rss-2023 RSS items, canadian-news-feed-history
headlines) when that folder exists, plus the gold set; cycled until --min-articles. Each tool runs
once over all texts on one core (this process); speed is articles per CPU-second of this process. Country F1 is micro-averaged over the gold set.
geotext and flashgeotext only find countries, so their speed is for countries alone while the
tagger's figure covers all four fields. Their packages: bench/requirements.txt.
Prints a markdown table (copied into docs/analysis.md).
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.evaluate import Score  # noqa: E402
from analysis.tagger import TAGGER_VERSION, default_tagger  # noqa: E402
from ingest.normalize import plain_text  # noqa: E402

REALDATA = ROOT / ".." / "shared" / "realdata"


def real_items() -> list[tuple[str, str, str | None]]:
    items = []
    rss = REALDATA / "rumca-rss-2023"
    for path in sorted(rss.rglob("*_entries.json")) if rss.exists() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data.get("entries", []) if isinstance(data, dict) else data
        for e in entries:
            items.append((e.get("title") or "", plain_text(e.get("description") or ""), e.get("date_published")))
    history = REALDATA / "canadian-news-feed-history" / "history_dedup_by_url.csv"
    if history.exists():
        with history.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                items.append((row.get("headline") or "", "", row.get("first_seen_commit_date")))
    return items


def iso3_from_alpha2() -> dict[str, str]:
    import pycountry

    table = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    table["XK"] = "XKX"
    return table


def iso3_from_name() -> dict[str, str]:
    import pycountry

    table = {}
    for c in pycountry.countries:
        for name in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            if name:
                table[name.lower()] = c.alpha_3
    table.update(
        {
            "south korea": "KOR",
            "north korea": "PRK",
            "russia": "RUS",
            "iran": "IRN",
            "syria": "SYR",
            "vietnam": "VNM",
            "laos": "LAO",
            "bolivia": "BOL",
            "venezuela": "VEN",
            "tanzania": "TZA",
            "moldova": "MDA",
            "taiwan": "TWN",
            "kosovo": "XKX",
            "czech republic": "CZE",
            "democratic republic of the congo": "COD",
            "republic of the congo": "COG",
            "ivory coast": "CIV",
            "macedonia": "MKD",
            "palestine": "PSE",
            "vatican": "VAT",
            "brunei": "BRN",
            "cape verde": "CPV",
            "east timor": "TLS",
            "swaziland": "SWZ",
            "micronesia": "FSM",
            "united states": "USA",
            "united kingdom": "GBR",
            "the gambia": "GMB",
            "the bahamas": "BHS",
            "turkey": "TUR",
        }
    )
    return table


def make_tools():
    """name -> (function text -> set of alpha-3, what it computes)."""
    tagger = default_tagger()
    tools = {"analysis.tagger": (lambda t, s, d: set(tagger.tag(t, s, d).countries), "all four fields")}
    try:
        from geotext import GeoText

        a2 = iso3_from_alpha2()
        tools["geotext 0.4"] = (
            lambda t, s, d: {a2[c] for c in GeoText(f"{t}\n{s}").country_mentions if c in a2},
            "countries only",
        )
    except ImportError:
        print("geotext not installed: pip install -r bench/requirements.txt", file=sys.stderr)
    try:
        import logging

        logging.disable(logging.WARNING)
        from loguru import logger

        logger.remove()
        from flashgeotext.geotext import GeoText as FlashGeoText

        flash = FlashGeoText()
        names = iso3_from_name()
        tools["flashgeotext 0.5"] = (
            lambda t, s, d: {
                names[n.lower()] for n in flash.extract(input_text=f"{t}\n{s}")["countries"] if n.lower() in names
            },
            "countries only",
        )
    except ImportError:
        print("flashgeotext not installed: pip install -r bench/requirements.txt", file=sys.stderr)
    return tools


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-articles", type=int, default=20_000)
    parser.add_argument("--gold", default=str(ROOT / "tests" / "data" / "gold.jsonl"))
    args = parser.parse_args(argv)

    gold = [json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()]
    gold_texts = [(g["title"], g.get("summary") or "", g.get("published")) for g in gold]
    texts = real_items() + gold_texts
    real = len(texts) - len(gold_texts)
    while len(texts) < args.min_articles:
        texts += texts[: args.min_articles - len(texts)]
    words = sum(len(f"{t} {s}".split()) for t, s, _ in texts) / len(texts)

    rows = []
    for name, (run, scope) in make_tools().items():
        run("warm up", "", None)
        gc.collect()
        # CPU time of this process: the build machine is shared, and wall time would count the others.
        start = time.process_time()
        for t, s, d in texts:
            run(t, s, d)
        elapsed = time.process_time() - start
        score = Score()
        for g, (t, s, d) in zip(gold, gold_texts):
            got, want = run(t, s, d), set(g["countries"])
            score.tp += len(got & want)
            score.fp += len(got - want)
            score.fn += len(want - got)
        rows.append((name, scope, len(texts) / elapsed, score))

    print(
        f"{len(texts):,} articles ({real:,} real items from ../shared/realdata, {len(gold_texts)} gold items; "
        f"{words:.0f} words each on average); Python {platform.python_version()} on {platform.machine()}, "
        f"one process; tagger {TAGGER_VERSION}; country F1 on {len(gold)} gold items.\n"
    )
    print("| tool | computes | articles/s (CPU) | country precision | country recall | country F1 |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, scope, rate, s in rows:
        print(f"| {name} | {scope} | {rate:,.0f} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
