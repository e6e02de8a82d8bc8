"""Gather the readers' label files into the corpus's gold labels, and measure how often two readers agree.

    python tools/merge_labels.py --labels /tmp/mpm-labelling/labels            # readers' files
                                 [--adjudicated FILE]                          # decisions on disagreements
                                 [--corrections FILE]                          # later re-checks by the guide

Every reader file `<batch>.<reader>.jsonl` (batches bNN first readers, sNN second readers) is
copied, labels only (no text, no notes: notes may quote the outlets), to tests/data/corpus/readers/. Gold
labels (tests/data/corpus/labels.jsonl) are the first reader's, except where a second reader disagreed and
an adjudicator decided: then the decision and its reason; last, the corrections of a later re-check
against the labelling guide (tests/data/corpus/corrections.jsonl: the fields that changed, why, by whom).
Agreement per field is written to tests/data/corpus/agreement.json (overall and per draw). Which reader
labelled which batch, and when, is in readers.json.
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


def _override(row: dict, decision: dict) -> None:
    """The fields a later decision (an adjudication, a correction) gives replace the row's, cleaned as
    one row; the fields it leaves out stay."""
    row.update(clean({"id": row["id"], **{f: decision.get(f, row[f]) for f in FIELDS}}))


def _drawn(rows: list[dict], manifest: dict[str, dict]) -> dict:
    """How the batch's items were drawn, when not by the first stratified draw: the readers of an
    uncertainty batch were told only that its items are hard, never what the model scored."""
    draws = {manifest[r["id"]].get("draw") for r in rows} - {None}
    return {"drawn": "/".join(sorted(draws))} if draws else {}


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
    parser.add_argument("--corrections", type=Path)
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
                **_drawn(rows, manifest),
            }
        )
    missing = sorted(set(manifest) - set(first))
    decisions = {row["id"]: row for row in read_jsonl(args.adjudicated)} if args.adjudicated else {}
    corrections = {row["id"]: row for row in read_jsonl(args.corrections)} if args.corrections else {}
    gold = []
    disagreements = 0
    for key in sorted(first):
        row = dict(first[key])
        row["readers"] = who[key]
        if key in second and any(first[key][f] != second[key][f] for f in FIELDS):
            disagreements += 1
            decision = decisions.get(key)
            if decision is not None:
                _override(row, decision)
                row["adjudicated"] = decision.get("reason") or "adjudicated"
        correction = corrections.get(key)
        if correction is not None:
            _override(row, correction)
            row["corrected"] = f"{correction['reader']}: {correction['reason']}"
        gold.append(row)
    with (CORPUS / "labels.jsonl").open("w", encoding="utf-8") as fh:
        for row in gold:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    by_draw: dict[str, dict[str, dict]] = defaultdict(dict)
    for key, row in second.items():
        by_draw[manifest[key].get("draw") or "stratified"][key] = row
    stats = {
        "agreement": agreement(first, second) if second else {},
        # the first draw's random 400 and the items the model was least sure of, apart: not the same difficulty
        "agreement_by_draw": {draw: agreement(first, rows) for draw, rows in sorted(by_draw.items())},
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
