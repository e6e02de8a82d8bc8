"""Draw the real-item labelling corpus from ../shared/realdata and cut it into reader batches.

Why a script: the corpus is references only (file + link), never the outlets' text, so the draw must be
reproducible from the shared folder. It fixes, once and before any training, which items are labelled,
in which batch, and in which split (train / validation / test), by a fixed seed. Syndicated copies
(the same normalized headline) always land in the same split, so a copy cannot leak into the test part.

    python tools/label_corpus.py --out /tmp/mpm-labelling      # writes manifest + batch text files
    python tools/label_corpus.py --out DIR --extend 1000        # more training items, chosen by the model

The manifest (refs, batch, split) is committed as tests/data/corpus/manifest.jsonl; the batch files
hold text and stay outside the repository.

`--extend` adds items to the *train* split only, after the split was fixed: the validation and test
parts never change. It picks, from the real items not yet drawn, those the shipped model is least sure
about (a pair candidate or a topic scored near its threshold: uncertainty sampling), because the learning
curve showed that more items of the first draw's kind add about 0.02 F1 per doubling. Items whose
headline matches any drawn item's (syndicated copies) are skipped, so no copy of a test item enters
training. The readers see the same batch files as before, never the model's scores.
"""

from __future__ import annotations

import argparse
import csv
import glob
import html
import json
import math
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"
MANIFEST = REPO / "tests" / "data" / "corpus" / "manifest.jsonl"
SEED = 20261205
BATCH_SIZE = 250
SPLIT_SIZES = {"test": 700, "validation": 500}  # the rest is train
SECOND_READER = 400  # items a second reader labels independently, in batches of 200 (s01, s02)
# How many items each pool gives (recent: all of it).
POOL_SIZES = {"cbc_2023": 1100, "cbc_2025": 300, "world_2023": 1600}
FOREIGN_SHARE = {"cbc_2023": 0.6, "cbc_2025": 0.6}  # the rest of a Canadian pool is domestic noise

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_FOREIGN = re.compile(
    r"\b(foreign|diplomat\w*|tariff\w*|sanction\w*|war|wars|summit|refugee\w*|trade|embass\w*|ambassador|"
    r"treaty|nato|u\.?n\.?|g7|g20|eu|joly|trudeau|carney|trump|biden|china|chinese|india\w*|u\.s\.|american|"
    r"russia\w*|ukrain\w*|israel\w*|gaza|iran\w*|mexic\w*|japan\w*|korea\w*|britain|british|france|french|"
    r"german\w*|europe\w*|australia\w*|haiti\w*|palestin\w*|lebanon|syria\w*|africa\w*|asia\w*)\b",
    re.IGNORECASE,
)


def plain(value: str | None) -> str:
    """Feed HTML as ingest stores it: tags dropped, entities unescaped, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", value or ""))).strip()


def title_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def already_labelled() -> set[str]:
    links = set()
    for path in (REPO / "tests" / "data").glob("realdata_labels*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                links.add(json.loads(line)["ref"]["link"])
    return links


def read_archive(pattern: str) -> list[dict]:
    items = []
    for path in sorted(glob.glob(str(REALDATA / pattern))):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = data["entries"] if isinstance(data, dict) else data
        rel = str(Path(path).relative_to(REALDATA))
        for entry in entries:
            if entry.get("link") and entry.get("title"):
                items.append(
                    {
                        "ref": {"path": rel, "link": entry["link"]},
                        "title": plain(entry["title"]),
                        "summary": plain(entry.get("description")),
                        "published": str(entry.get("date_published") or "")[:10],
                        "lang": "en",
                        "outlet": rel.split("/")[-1].replace("_entries.json", ""),
                    }
                )
    return items


def pools() -> dict[str, list[dict]]:
    recent = []
    for path in sorted((REALDATA / "recent-2024-2026").glob("*.jsonl")):
        rel = str(path.relative_to(REALDATA))
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            recent.append(
                {
                    "ref": {"path": rel, "link": row["url"]},
                    "title": row["title"],
                    "summary": row.get("summary") or "",
                    "published": row.get("published") or "",
                    "lang": row.get("lang") or "en",
                    "outlet": row.get("outlet") or "",
                }
            )
    cbc_2023 = read_archive("rumca-rss-2023/2023/*/*/*www.cbc.ca*_entries.json")
    world_2023 = [
        i
        for i in read_archive("rumca-rss-2023/2023/*/*/*_entries.json")
        if "www.cbc.ca" not in i["ref"]["path"] and "nationalpost" not in i["ref"]["path"]
    ]
    cbc_2025 = []
    rel = "canadian-news-feed-history/history_dedup_by_url.csv"
    with (REALDATA / rel).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if "/the-curator/" in row["url"] or row["source"] != "cbc":
                continue
            cbc_2025.append(
                {
                    "ref": {"path": rel, "link": row["url"]},
                    "title": plain(row["headline"]),
                    "summary": "",
                    "published": row["first_seen_commit_date"][:10],
                    "lang": "en",
                    "outlet": "CBC",
                }
            )
    return {"recent": recent, "cbc_2023": cbc_2023, "cbc_2025": cbc_2025, "world_2023": world_2023}


def dedupe(items: list[dict], seen_links: set[str], seen_titles: set[str]) -> list[dict]:
    out = []
    for item in items:
        key = title_key(item["title"])
        if item["ref"]["link"] in seen_links or key in seen_titles or not key:
            continue
        seen_links.add(item["ref"]["link"])
        seen_titles.add(key)
        out.append(item)
    return out


def draw(rng: random.Random) -> list[dict]:
    all_pools = pools()
    seen_links, seen_titles = already_labelled(), set()
    chosen = [dict(i, pool="recent") for i in dedupe(all_pools["recent"], seen_links, seen_titles)]
    for name in ("cbc_2023", "cbc_2025", "world_2023"):
        items = list(all_pools[name])
        rng.shuffle(items)
        items = dedupe(items, seen_links, seen_titles)
        want = POOL_SIZES[name]
        if name in FOREIGN_SHARE:
            foreign = [i for i in items if _FOREIGN.search(i["title"] + " " + i["summary"])]
            domestic = [i for i in items if not _FOREIGN.search(i["title"] + " " + i["summary"])]
            n_foreign = round(want * FOREIGN_SHARE[name])
            picked = foreign[:n_foreign] + domestic[: want - n_foreign]
        else:  # world outlets: spread evenly over the outlets
            by_outlet = defaultdict(list)
            for item in items:
                by_outlet[item["outlet"]].append(item)
            picked, outlets = [], sorted(by_outlet)
            while len(picked) < want and any(by_outlet.values()):
                for outlet in outlets:
                    if by_outlet[outlet] and len(picked) < want:
                        picked.append(by_outlet[outlet].pop(0))
        chosen += [dict(i, pool=name) for i in picked]
    return chosen


def assign(chosen: list[dict], rng: random.Random) -> None:
    """Split by headline group, then cut shuffled batches that mix every pool."""
    groups = defaultdict(list)
    for item in chosen:
        groups[title_key(item["title"])[:60]].append(item)
    keys = sorted(groups)
    rng.shuffle(keys)
    counts = dict.fromkeys(SPLIT_SIZES, 0)
    for key in keys:
        split = next((s for s, n in SPLIT_SIZES.items() if counts[s] < n), "train")
        for item in groups[key]:
            item["split"] = split
            if split in counts:
                counts[split] += 1
    order = list(chosen)
    rng.shuffle(order)
    for n, item in enumerate(order):
        item["batch"] = f"b{n // BATCH_SIZE + 1:02d}"
        item["id"] = f"{item['batch']}-{n % BATCH_SIZE + 1:03d}"
    chosen.sort(key=lambda i: i["id"])
    second = rng.sample(range(len(chosen)), SECOND_READER)
    for n, index in enumerate(second):
        chosen[index]["second_batch"] = f"s{n // 200 + 1:02d}"


EXTEND_QUOTA = {"cbc_2023": 0.3, "cbc_2025": 0.2, "world_2023": 0.5}  # Canadian outlets first, as in the product


def headline_group(title: str) -> str:
    """The key the corpus test uses for syndicated copies (folded headline, first 60 characters)."""
    from analysis.matcher import fold

    return " ".join(fold(title).split())[:60]


def uncertainty(explained: dict) -> tuple[float, float]:
    """How close the model's closest pair call and closest topic call are to their thresholds, in logits
    (0 is a coin toss; inf when there is no candidate)."""

    from analysis.model import Linear

    def logit(probability: float) -> float:
        return Linear(0.0, {}, probability).cut  # the model's own probability-to-logit, clamped

    def gap(entry: dict) -> float:
        return abs(logit(entry["score"]) - logit(entry["threshold"]))

    pair = min((gap(e) for e in explained["pairs"]), default=math.inf)
    topic = min((gap(e) for e in explained["topics"]), default=math.inf)
    return pair, topic


def extend(n: int, out: Path, by: str = "uncertain", quota: dict[str, float] | None = None) -> int:
    """Append `n` training items to the manifest and write their reader batches to `out`: the ones the
    model is least sure of (`by="uncertain"`), or a seeded random draw of the pools (`by="random"`)."""
    sys.path.insert(0, str(REPO))
    from analysis.explain import explain
    from analysis.tagger import default_tagger

    rows = [json.loads(line) for line in MANIFEST.read_text(encoding="utf-8").splitlines() if line.strip()]
    all_pools = pools()
    by_link = {i["ref"]["link"]: i for items in all_pools.values() for i in items}
    seen_links = already_labelled() | {r["ref"]["link"] for r in rows}
    seen_groups = {headline_group(by_link[r["ref"]["link"]]["title"]) for r in rows if r["ref"]["link"] in by_link}
    tagger = default_tagger()
    rng = random.Random(SEED + len(rows))
    picked: list[dict] = []
    for name, share in (quota or EXTEND_QUOTA).items():
        fresh = [
            item
            for item in all_pools[name]
            if item["ref"]["link"] not in seen_links and headline_group(item["title"]) not in seen_groups
        ]
        if by == "random":
            rng.shuffle(fresh)
            order = fresh
        else:
            ranked = []
            for item in fresh:
                pair, topic = uncertainty(explain(tagger, item["title"], item["summary"], item["published"]))
                ranked.append((pair, topic, item["ref"]["link"], item))
            by_pair = sorted(ranked, key=lambda r: (r[0], r[2]))
            by_topic = sorted(ranked, key=lambda r: (r[1], r[2]))
            # alternate: the closest pair call, the closest topic call; an item with neither is no call at all
            order = [r[3] for both in zip(by_pair, by_topic, strict=True) for r in both if min(r[0], r[1]) < math.inf]
        want, taken = round(n * share), 0
        for item in order:
            group = headline_group(item["title"])
            if taken < want and group and group not in seen_groups:
                seen_groups.add(group)
                picked.append(dict(item, pool=name, split="train"))
                taken += 1
    rng.shuffle(picked)
    first_batch = max(int(r["id"][1:3]) for r in rows if r["id"].startswith("b")) + 1
    for k, item in enumerate(picked):
        item["batch"] = f"b{first_batch + k // BATCH_SIZE:02d}"
        item["id"] = f"{item['batch']}-{k % BATCH_SIZE + 1:03d}"
    with MANIFEST.open("a", encoding="utf-8") as fh:
        for item in picked:
            fh.write(json.dumps(manifest_row(item, draw=by), ensure_ascii=False) + "\n")
    write_batches(picked, out)
    print(f"{len(picked)} {by} training items appended in batches b{first_batch:02d}..{picked[-1]['batch']}")
    return 0


def manifest_row(item: dict, draw: str | None = None) -> dict:
    row = {
        "id": item["id"],
        "ref": item["ref"],
        "pool": item["pool"],
        "split": item["split"],
        "published": item["published"],
        "lang": item["lang"],
        "second_batch": item.get("second_batch"),
    }
    if draw:
        row["draw"] = draw
    return row


def write_batches(chosen: list[dict], out: Path) -> dict[str, list[dict]]:
    """The readers' files: text and date only, never a label or a score."""
    out.mkdir(parents=True, exist_ok=True)
    by_batch = defaultdict(list)
    for item in chosen:
        by_batch[item["batch"]].append(item)
        if item.get("second_batch"):
            by_batch[item["second_batch"]].append(item)
    for batch, items in by_batch.items():
        with (out / f"{batch}.jsonl").open("w", encoding="utf-8") as fh:
            for item in items:
                fh.write(
                    json.dumps(
                        {k: item[k] for k in ("id", "title", "summary", "published", "lang", "outlet")},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    return by_batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the batch text files (not the repo)")
    parser.add_argument("--extend", type=int, metavar="N", help="add N items to the train split")
    parser.add_argument("--by", choices=("uncertain", "random"), default="uncertain", help="how --extend picks")
    default_pools = ",".join(EXTEND_QUOTA)
    pools_help = f"with --extend: comma-separated pools that share N equally (default: {default_pools})"
    parser.add_argument("--pools", help=pools_help)
    args = parser.parse_args(argv)
    if not REALDATA.is_dir():
        print(f"no real data at {REALDATA}", file=sys.stderr)
        return 2
    if args.extend:
        names = args.pools.split(",") if args.pools else None
        quota = {name: 1 / len(names) for name in names} if names else None
        return extend(args.extend, args.out, args.by, quota)
    rng = random.Random(SEED)
    chosen = draw(rng)
    assign(chosen, rng)
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    with MANIFEST.open("w", encoding="utf-8") as fh:
        for item in chosen:
            fh.write(json.dumps(manifest_row(item), ensure_ascii=False) + "\n")
    by_batch = write_batches(chosen, args.out)
    splits = defaultdict(int)
    for item in chosen:
        splits[item["split"]] += 1
    print(f"{len(chosen)} items in {len(by_batch)} batches; splits {dict(splits)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
