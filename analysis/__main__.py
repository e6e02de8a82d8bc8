"""Command line of the analysis layer: `python -m analysis tag | evaluate FILE.jsonl | retag [--db PATH]`."""
from __future__ import annotations

import argparse
import json
import sys
import time

from analysis.evaluate import FIELDS, evaluate, read_gold


def tags_dict(tags) -> dict:
    return {"countries": list(tags.countries), "pairs": list(tags.pairs), "topics": list(tags.topics),
            "organizations": list(tags.organizations)}


def tag_line(line: str, number: int, tagger) -> tuple[dict, bool]:
    """One output object for one input line, and whether it is an error line (TAXONOMY.md batch interface)."""
    try:
        item = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return {"line": number, "error": f"invalid JSON: {exc}"}, True
    if not isinstance(item, dict):
        return {"line": number, "error": "not a JSON object"}, True
    if "id" not in item or item["id"] is None:
        return {"line": number, "error": "missing id"}, True
    title = item.get("title")
    if not isinstance(title, str):
        return {"line": number, "error": "missing title" if title is None else "title is not a string"}, True
    summary = item.get("summary")
    published = item.get("published")
    lang = item.get("lang")
    tags = tagger.tag(title, summary if isinstance(summary, str) else "",
                      published if isinstance(published, str) else None, lang if isinstance(lang, str) else None)
    return {"id": item["id"], **tags_dict(tags)}, False


def cmd_tag(args) -> int:
    from analysis.tagger import default_tagger
    tagger = default_tagger()
    failed = False
    # Bytes in, bytes out: a stray invalid byte or a console encoding must not stop the run, and
    # ASCII-escaped JSON survives any terminal.
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)
    out = sys.stdout.buffer
    for number, line in enumerate(stdin, 1):
        result, bad = tag_line(line, number, tagger)
        failed |= bad
        out.write(json.dumps(result).encode("ascii") + b"\n")
    out.flush()
    return 1 if failed else 0


def cmd_evaluate(args) -> int:
    from analysis.tagger import default_tagger
    tagger = default_tagger()
    with open(args.file, encoding="utf-8") as fh:
        items = read_gold(fh)

    def predict(item):
        return tags_dict(tagger.tag(item.get("title") or "", item.get("summary") or "",
                                    item.get("published"), item.get("lang")))

    scores = evaluate(items, predict)
    print(f"{len(items)} items")
    print(f"{'field':<14} {'precision':>9} {'recall':>7} {'f1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
    for field in FIELDS:
        s = scores[field]
        print(f"{field:<14} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.tp:5d} {s.fp:5d} {s.fn:5d}")
    return 0


def cmd_retag(args) -> int:
    from ingest import config, store
    started = time.perf_counter()
    conn = store.open_store(config.db_path(args.db))
    try:
        count = store.retag_all(conn)
    finally:
        conn.close()
    print(f"retagged {count} articles in {time.perf_counter() - started:.2f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("tag", help="tag JSON Lines from stdin, one result line per input line (TAXONOMY.md)")
    p.set_defaults(func=cmd_tag)
    p = sub.add_parser("evaluate", help="precision, recall and F1 per field against a labelled JSONL file")
    p.add_argument("file", help="JSON Lines with id, title, summary, published, lang and the expected fields")
    p.set_defaults(func=cmd_evaluate)
    p = sub.add_parser("retag", help="re-tag every stored article after a data or rule change")
    p.add_argument("--db", help="SQLite store (default: MPM_DB, else data/news.db)")
    p.set_defaults(func=cmd_retag)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
