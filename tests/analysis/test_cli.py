"""`python -m analysis tag | evaluate | retag` run as real subprocesses (TAXONOMY.md batch interface)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(args, stdin="", env=None):
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        input=stdin.encode("utf-8"),
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        env=env,
    )


def lines_of(proc):
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]


def test_tag_outputs_one_sorted_line_per_input_in_order():
    items = [
        {
            "id": "a",
            "title": "Carney and Takaichi sign Canada-Japan partnership",
            "summary": "LNG and defence.",
            "published": "2026-03-06T09:18:00-05:00",
            "lang": "en",
        },
        {"id": 2, "title": "Turkey dinner prices rise"},
        {"id": "c", "title": "L'OTAN et l'ONU", "summary": None, "published": None, "lang": None},
    ]
    proc = run(["tag"], "\n".join(json.dumps(i) for i in items) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = lines_of(proc)
    assert [o["id"] for o in out] == ["a", 2, "c"]
    assert out[0] == {
        "id": "a",
        "countries": ["CAN", "JPN"],
        "pairs": ["CAN-JPN"],
        "topics": ["defence", "energy"],
        "organizations": [],
    }
    assert out[1]["countries"] == [] and set(out[1]) == {"id", "countries", "pairs", "topics", "organizations"}
    assert out[2]["organizations"] == ["nato", "un"]


def test_malformed_lines_are_reported_in_place_and_the_run_goes_on():
    stdin = (
        "\n".join(
            [
                json.dumps({"id": "ok1", "title": "Canada and Mexico talk trade"}),
                "{not json",
                json.dumps({"title": "no id"}),
                json.dumps({"id": "x"}),
                json.dumps(["a", "list"]),
                json.dumps({"id": "t", "title": 42}),
                "",
                json.dumps({"id": "ok2", "title": "Japon"}),
            ]
        )
        + "\n"
    )
    proc = run(["tag"], stdin)
    assert proc.returncode == 1
    out = lines_of(proc)
    assert len(out) == 8
    assert out[0]["id"] == "ok1" and out[0]["countries"] == ["CAN", "MEX"]
    for number in (2, 3, 4, 5, 6, 7):
        assert out[number - 1]["line"] == number and out[number - 1]["error"]
    assert out[7] == {"id": "ok2", "countries": ["JPN"], "pairs": [], "topics": [], "organizations": []}


def test_tag_on_empty_input_exits_zero():
    proc = run(["tag"], "")
    assert proc.returncode == 0 and proc.stdout == b""


def test_tag_survives_invalid_utf8_and_huge_lines():
    big = json.dumps({"id": "big", "title": "Canada", "summary": "Japan " * 200_000})
    stdin = b'{"id": "bad", "title": "caf\xe9 Canada"}\n' + big.encode() + b"\n"
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "tag"], input=stdin, capture_output=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = lines_of(proc)
    assert out[0]["countries"] == ["CAN"] and "CAN" in out[1]["countries"]


def test_evaluate_prints_precision_recall_f1_per_field(tmp_path):
    gold = tmp_path / "g.jsonl"
    gold.write_text(
        "\n".join(
            json.dumps(x)
            for x in [
                {
                    "id": "1",
                    "title": "Canada and Japan sign trade deal",
                    "countries": ["CAN", "JPN"],
                    "pairs": ["CAN-JPN"],
                    "topics": ["trade"],
                    "organizations": [],
                },
                {
                    "id": "2",
                    "title": "NATO meets",
                    "countries": ["BEL"],
                    "pairs": [],
                    "topics": [],
                    "organizations": ["nato"],
                },
            ]
        ),
        encoding="utf-8",
    )
    proc = run(["evaluate", str(gold)])
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()[2:]}
    assert set(rows) == {"countries", "pairs", "topics", "organizations"}
    precision, recall, f1 = (float(x) for x in rows["countries"][:3])
    assert precision == 1.0 and abs(recall - 2 / 3) < 1e-3 and abs(f1 - 0.8) < 1e-3


def test_every_command_has_help():
    for command in ("tag", "evaluate", "retag"):
        proc = run([command, "--help"])
        assert proc.returncode == 0 and len(proc.stdout) > 80


def test_retag_rewrites_the_store(tmp_path):
    import store

    db = tmp_path / "news.db"
    conn = store.open_store(db)
    conn.execute(
        "INSERT INTO articles (url, title, summary, published_at, source, fetched_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            "https://example.com/1",
            "Canada and Japan sign LNG deal",
            "",
            "2026-03-06T14:00:00Z",
            "Test",
            "2026-03-06T14:00:00Z",
        ),
    )
    conn.commit()
    conn.close()
    proc = run(["retag", "--db", str(db)])
    assert proc.returncode == 0, proc.stderr
    assert b"retagged 1 articles" in proc.stdout
    conn = store.open_store(db)
    codes = {r[0] for r in conn.execute("SELECT country FROM article_countries")}
    conn.close()
    assert codes == {"CAN", "JPN"}
