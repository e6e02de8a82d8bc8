"""The labelled corpora that train and measure the tagger, read from tests/data/.

Two kinds of files: sets written by hand, which carry their own text (`gold*.jsonl`, `holdout*.jsonl`), and
labels of real feed items, which carry only a reference (file and link) into `../shared/realdata` because the
text belongs to the outlets (`realdata_labels*.jsonl`, and the corpus of `tests/data/corpus/`). This module
joins references to their text the way ingest cleans it. It reads files and nothing else; it is used by the
command line (`python -m analysis train`), the tests and the benches, never by the runtime tagger.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
CORPUS = DATA / "corpus"
REALDATA = REPO.parent / "shared" / "realdata"
FIELDS = ("countries", "pairs", "topics", "organizations")

# The written sets and the earlier real-item sets: training material (they were read while the rules were
# tuned, so their scores are no evidence). The two held-out sets are never trained on.
TRAINING_SETS = (
    "gold.jsonl",
    "gold_a.jsonl",
    "gold_c.jsonl",
    "gold_d.jsonl",
    "gold_f.jsonl",
    "gold_k.jsonl",
    "realdata_labels.jsonl",
    "realdata_labels_b.jsonl",
    "realdata_labels_e.jsonl",
)
HELD_OUT_SETS = ("holdout.jsonl", "holdout_2.jsonl")

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


class MissingRealData(FileNotFoundError):
    """The labels reference ../shared/realdata, which is not on this machine."""


def plain(value: str | None) -> str:
    """Feed HTML as ingest stores it: tags dropped, entities unescaped, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", value or ""))).strip()


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _source_texts(path: Path) -> dict[str, dict]:
    """link -> {title, summary, published, lang} for one referenced real-data file (three shapes)."""
    out: dict[str, dict] = {}
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.setdefault(
                    row["url"],
                    {
                        "title": plain(row["headline"]),
                        "summary": "",
                        "published": row.get("first_seen_commit_date") or None,
                        "lang": "en",
                    },
                )
        return out
    if path.suffix == ".jsonl":
        for row in read_jsonl(path):
            out.setdefault(
                row["url"],
                {
                    "title": row["title"],
                    "summary": row.get("summary") or "",
                    "published": row.get("published"),
                    "lang": row.get("lang") or "en",
                },
            )
        return out
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data["entries"] if isinstance(data, dict) else data:
        link = entry.get("link")
        if link and link not in out:
            out[link] = {
                "title": plain(entry.get("title")),
                "summary": plain(entry.get("description")),
                "published": entry.get("date_published"),
                "lang": "en",
            }
    return out


def attach_text(items: list[dict], realdata: Path = REALDATA) -> list[dict]:
    """Items with a `ref` get their title and summary from the real data; others are returned as they are."""
    by_path: dict[str, list[int]] = defaultdict(list)
    for n, item in enumerate(items):
        if "ref" in item and "title" not in item:
            by_path[item["ref"]["path"]].append(n)
    if by_path and not realdata.is_dir():
        raise MissingRealData(f"no real data at {realdata} (kept outside the repository)")
    out = list(items)
    for rel, indexes in by_path.items():
        texts = _source_texts(realdata / rel)
        for n in indexes:
            item = items[n]
            text = texts.get(item["ref"]["link"])
            if text is None:
                raise KeyError(f"labelled item not found in {rel}: {item['ref']['link']}")
            out[n] = {
                **text,
                **{k: v for k, v in item.items() if v is not None},
                "title": text["title"],
                "summary": text["summary"],
            }
    return out


def corpus_items(realdata: Path = REALDATA) -> list[dict]:
    """The real-item corpus: gold labels joined to the manifest (split, reference) and to their text."""
    manifest = {row["id"]: row for row in read_jsonl(CORPUS / "manifest.jsonl")}
    labels = read_jsonl(CORPUS / "labels.jsonl")
    items = [{**manifest[row["id"]], **row} for row in labels]
    return attach_text(items, realdata)


def labelled_set(name: str, realdata: Path = REALDATA) -> list[dict]:
    """One labelled file of tests/data, with its text."""
    return attach_text(read_jsonl(DATA / name), realdata)


def corpus_files() -> list[Path]:
    """Every file whose content training depends on, in a fixed order (for the corpus hash)."""
    return [DATA / name for name in TRAINING_SETS] + [CORPUS / "manifest.jsonl", CORPUS / "labels.jsonl"]


def corpus_hash(paths: list[Path] | None = None) -> str:
    """SHA-256 over the labelled files training reads (names and bytes): the model file records it, and a
    test checks that the shipped model was trained on the labels as they are."""
    digest = hashlib.sha256()
    for path in paths if paths is not None else corpus_files():
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()
