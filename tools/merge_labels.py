"""Gather the readers' label files into the corpus's gold labels, and measure how often two readers agree.

    python tools/merge_labels.py --labels /tmp/mpm-labelling/labels            # readers' files
                                 [--adjudicated FILE]                          # decisions on disagreements

Every reader file `<batch>.<reader>.jsonl` (batches b01..b13 first readers, s01 and s02 second readers) is
copied, labels only (no text, no notes: notes may quote the outlets), to tests/data/corpus/readers/. Gold
labels (tests/data/corpus/labels.jsonl) are the first reader's, except where a second reader disagreed and
an adjudicator decided: then the decision and its reason. Agreement per field is written to
tests/data/corpus/agreement.json. Which reader labelled which batch, and when, is in readers.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analysis.corpus import CORPUS, FIELDS, read_jsonl  # noqa: E402
from analysis.evaluate import Score  # noqa: E402


def clean(row: dict) -> dict:
    """Labels only, sorted and de-duplicated; pairs whose codes are not both countries dropped."""
    out = {"id": row["id"]}
    for name in FIELDS:
        out[name] = sorted(set(row.get(name) or ()))
    countries = set(out["countries"])
    out["pairs"] = [p for p in out["pairs"] if set(p.split("-")) <= countries and p.split("-")[0] < p.split("-")[1]]
    return out


def agreement(first: dict[str, dict], second: dict[str, dict]) -> dict:
    """Per field: label-level F1 of the second reader against the first, and the share of items where the
    two readers gave exactly the same labels."""
    out = {}
    for name in FIELDS:
        s, same = Score(), 0
        both = [key for key in second if key in first]
        for key in both:
            a, b = first[key], second[key]
            x, y = set(a[name]), set(b[name])
            s.tp += len(x & y)
            s.fp += len(y - x)
            s.fn += len(x - y)
            same += x == y
        out[name] = {
            "f1": round(s.f1, 3),
            "exact_items": round(same / max(1, len(both)), 3),
            "items": len(both),
            "labels_first": s.tp + s.fn,
            "labels_second": s.tp + s.fp,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--adjudicated", type=Path)
    parser.add_argument("--date", default=date.today().isoformat())
    args = parser.parse_args(argv)
    manifest = {row["id"]: row for row in read_jsonl(CORPUS / "manifest.jsonl")}
    readers_dir = CORPUS / "readers"
    readers_dir.mkdir(parents=True, exist_ok=True)
    first: dict[str, dict] = {}
    second: dict[str, dict] = {}
    who: dict[str, list[str]] = defaultdict(list)
    provenance = []
    for path in sorted(args.labels.glob("[bs][0-9][0-9].*.jsonl")):
        batch, reader = path.name.split(".")[:2]
        rows = [clean(r) for r in read_jsonl(path)]
        unknown = [r["id"] for r in rows if r["id"] not in manifest]
        if unknown:
            raise SystemExit(f"{path.name}: ids not in the manifest: {unknown[:5]}")
        with (readers_dir / f"{batch}.{reader}.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        target = first if batch.startswith("b") else second
        for row in rows:
            target[row["id"]] = row
            who[row["id"]].append(reader)
        provenance.append(
            {
                "batch": batch,
                "reader": reader,
                "items": len(rows),
                "date": args.date,
                "role": "first reader" if batch.startswith("b") else "second reader",
                "who": "a helper agent that saw only TAXONOMY.md, docs/labelling-guide.md and the text",
            }
        )
    missing = sorted(set(manifest) - set(first))
    decisions = {row["id"]: row for row in read_jsonl(args.adjudicated)} if args.adjudicated else {}
    gold = []
    disagreements = 0
    for key in sorted(first):
        row = dict(first[key])
        row["readers"] = who[key]
        if key in second and any(first[key][f] != second[key][f] for f in FIELDS):
            disagreements += 1
            decision = decisions.get(key)
            if decision is not None:
                for name in FIELDS:
                    row[name] = clean({"id": key, **{f: decision.get(f, row[f]) for f in FIELDS}})[name]
                row["adjudicated"] = decision.get("reason") or "adjudicated"
        gold.append(row)
    with (CORPUS / "labels.jsonl").open("w", encoding="utf-8") as fh:
        for row in gold:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    stats = {
        "agreement": agreement(first, second) if second else {},
        "double_read": len(second),
        "disagreeing_items": disagreements,
        "adjudicated": sum("adjudicated" in r for r in gold),
    }
    (CORPUS / "agreement.json").write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    (CORPUS / "readers.json").write_text(json.dumps(provenance, indent=1) + "\n", encoding="utf-8")
    print(
        f"{len(gold)} gold items ({len(missing)} of the manifest not labelled yet), {len(second)} read twice, "
        f"{disagreements} disagreeing, {stats['adjudicated']} adjudicated"
    )
    print(json.dumps(stats["agreement"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
