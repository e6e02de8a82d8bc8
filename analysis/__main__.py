"""Command line of the analysis layer:
`python -m analysis tag | explain | evaluate FILE.jsonl | train | retag [--db PATH]`."""

from __future__ import annotations

import argparse
import json
import sys
import time

from analysis.evaluate import FIELDS, evaluate, read_gold


def tags_dict(tags) -> dict:
    return {
        "countries": list(tags.countries),
        "pairs": list(tags.pairs),
        "topics": list(tags.topics),
        "organizations": list(tags.organizations),
    }


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
    tags = tagger.tag(
        title,
        summary if isinstance(summary, str) else "",
        published if isinstance(published, str) else None,
        lang if isinstance(lang, str) else None,
    )
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


def read_items(stdin, out_error):
    """(line number, item) of each valid input line; error lines are reported through `out_error`."""
    for number, line in enumerate(stdin, 1):
        try:
            item = json.loads(line)
        except (ValueError, RecursionError) as exc:
            out_error({"line": number, "error": f"invalid JSON: {exc}"})
            continue
        if not isinstance(item, dict) or item.get("id") is None or not isinstance(item.get("title"), str):
            out_error({"line": number, "error": "not an object with an id and a title"})
            continue
        yield number, item


def cmd_explain(args) -> int:
    """Each candidate pair and topic of each input item, with score, threshold and top features."""
    from analysis.explain import compact, explain
    from analysis.tagger import default_tagger

    tagger = default_tagger()
    failed = False
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)

    def error(obj):
        nonlocal failed
        failed = True
        sys.stdout.write(json.dumps(obj) + "\n")

    for _number, item in read_items(stdin, error):
        summary, published, lang = (
            item.get(k) if isinstance(item.get(k), str) else None for k in ("summary", "published", "lang")
        )
        result = explain(tagger, item["title"], summary or "", published, lang, top=args.top)
        if args.text:
            print(f"{item['id']}: {item['title'][:100]}")
            for kind in ("pairs", "topics"):
                for entry in result[kind]:
                    mark = "+" if entry["kept"] else "-"
                    threshold = f" (threshold {entry['threshold']:.2f})" if "threshold" in entry else ""
                    print(f"  {mark} {compact(entry, args.top)}{threshold}")
        else:
            sys.stdout.write(json.dumps({"id": item["id"], **result}, ensure_ascii=False) + "\n")
    return 1 if failed else 0


def cmd_train(args) -> int:
    """Learn the pair and topic weights from the labelled corpus and write analysis/data/model.json."""
    from analysis import corpus, train
    from analysis.model import MODEL_FILE

    try:
        items = corpus.corpus_items()
        extra = [item for name in corpus.TRAINING_SETS for item in corpus.labelled_set(name)]
        held = {name.removesuffix(".jsonl"): corpus.labelled_set(name) for name in corpus.HELD_OUT_SETS}
    except corpus.MissingRealData as exc:
        print(f"train: {exc}; the labels reference it, so training needs it", file=sys.stderr)
        return 2
    parts = {split: [i for i in items if i["split"] == split] for split in ("train", "validation", "test")}
    # Blind parts first (no choice read them), then the test part by language, then the sets trained on
    # (their scores show fit, not quality: the report marks them).
    report_sets = {
        "test": parts["test"],
        **held,
        "test (en)": [i for i in parts["test"] if i.get("lang") != "fr"],
        "test (fr)": [i for i in parts["test"] if i.get("lang") == "fr"],
        **{f"trained on: {name.removesuffix('.jsonl')}": corpus.labelled_set(name) for name in corpus.TRAINING_SETS},
    }
    started = time.perf_counter()
    document = train.run(
        parts["train"] + extra,
        parts["validation"],
        report_sets,
        corpus.corpus_hash(),
        seed=args.seed,
        progress=lambda m: print(f"train: {m}", file=sys.stderr),
    )
    out = args.out or MODEL_FILE
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(document, fh, ensure_ascii=False, indent=1, sort_keys=False)
        fh.write("\n")
    print(train.report(document))
    print(f"\nwrote {out} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


def cmd_evaluate(args) -> int:
    from analysis.tagger import default_tagger

    tagger = default_tagger()
    with open(args.file, encoding="utf-8") as fh:
        items = read_gold(fh)

    def predict(item):
        return tags_dict(
            tagger.tag(item.get("title") or "", item.get("summary") or "", item.get("published"), item.get("lang"))
        )

    scores = evaluate(items, predict)
    print(f"{len(items)} items")
    print(f"{'field':<14} {'precision':>9} {'recall':>7} {'f1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
    for field in FIELDS:
        s = scores[field]
        print(f"{field:<14} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.tp:5d} {s.fp:5d} {s.fn:5d}")
    return 0


def cmd_retag(args) -> int:
    # An entry point composes the layers: the tagger is ours, the pass that tags and writes is
    # ingest's pipeline, the store's connection the store's. Imported here, so the other commands
    # never load the store.
    from ingest import config, pipeline
    from store import open_store

    started = time.perf_counter()
    conn = open_store(config.db_path(args.db))
    try:
        count = pipeline.retag_all(conn)
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
    p = sub.add_parser("explain", help="like tag, but each candidate pair and topic with score, threshold and reasons")
    p.add_argument("--top", type=int, default=4, help="features shown per candidate (default 4)")
    p.add_argument("--text", action="store_true", help="readable lines instead of JSON Lines")
    p.set_defaults(func=cmd_explain)
    p = sub.add_parser("train", help="learn pair and topic weights from tests/data (needs scikit-learn, ../shared)")
    p.add_argument("--seed", type=int, default=20261205, help="seed of the folds and the solver")
    p.add_argument("--out", help="where to write the model (default analysis/data/model.json)")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("retag", help="re-tag every stored article after a data or rule change")
    p.add_argument("--db", help="SQLite store (default: MPM_DB, else data/news.db)")
    p.set_defaults(func=cmd_retag)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
