"""`python -m ingest`: the run, saved files, the sources commands, exit codes, help for every command."""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.__main__ import ProgressBar, build_parser, main, parse_duration
from ingest.opml import read_opml
from store import open_store
from tests.ingest.feedserver import rss

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FEED = rss(
    "CLI feed",
    [
        {
            "title": "Canada and India restore high commissioners",
            "link": "https://cli.example.org/1",
            "date": "Tue, 17 Jun 2025 10:00:00 GMT",
        }
    ],
)


@pytest.mark.parametrize(
    "text, seconds", [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), (" 45 S ", 45)]
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30", "soon", "5x", "", "0s", "10m and more"])
def test_parse_duration_refuses(text):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


def test_run_prints_a_summary_and_exits_0_even_when_feeds_fail(feed_server, fresh_db, write_sources, capsys):
    sources = write_sources(
        [("Good", feed_server.route("/ok.xml", body=FEED)), ("Broken", feed_server.route("/broken", status=500))]
    )
    assert main(["--db", str(fresh_db), "--sources", str(sources)]) == 0
    out, err = capsys.readouterr()
    assert "ingest: 1 ok, 0 not modified, 1 failed, 0 skipped; 1 new articles" in out
    assert "failed: Broken: HTTP 500 Internal Server Error" in err


def test_environment_variables_choose_the_files(feed_server, tmp_path, write_sources, monkeypatch, capsys):
    sources = write_sources([("Good", feed_server.route("/ok.xml", body=FEED))])
    monkeypatch.setenv("MPM_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("MPM_SOURCES", str(sources))
    assert main([]) == 0
    assert open_store(tmp_path / "env.db").execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1


def test_verbose_logs_each_fetch(feed_server, fresh_db, write_sources, capsys):
    sources = write_sources([("Good", feed_server.route("/ok.xml", body=FEED))])
    main(["-v", "--db", str(fresh_db), "--sources", str(sources)])
    assert "Good ok 200" in capsys.readouterr().err


def test_from_dir(fresh_db, tmp_path, capsys):
    folder = tmp_path / "saved"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(FIXTURES / "cbc_world.xml", folder / "cbc_world.xml")
    shutil.copy(FIXTURES / "gac_news.atom", folder / "nested" / "gac.atom")
    shutil.copy(FIXTURES / "html_page.html", folder / "nested" / "page.xml")  # named like a feed, is not one
    (folder / "notes.md").write_text("not a feed")
    assert main(["--db", str(fresh_db), "--from-dir", str(folder)]) == 0
    assert "2 ok, 0 not modified, 1 failed" in capsys.readouterr().out
    conn = open_store(fresh_db)
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 5
    assert dict(conn.execute("SELECT name, outlet FROM feeds").fetchall()) == {
        "CBC | World News": "CBC",
        "Global Affairs Canada news": "Global Affairs Canada news",
    }
    assert {r[0] for r in conn.execute("SELECT kind FROM feeds")} == {"file"}
    assert "not a feed (HTML page)" in conn.execute("SELECT error FROM fetch_log WHERE feed_id IS NULL").fetchone()[0]
    assert main(["--db", str(fresh_db), "--from-dir", str(folder)]) == 0
    assert "0 ok, 2 not modified, 1 failed" in capsys.readouterr().out


def test_from_dir_missing_folder_is_exit_2(fresh_db, tmp_path, capsys):
    assert _exit_code(["--db", str(fresh_db), "--from-dir", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err


def _exit_code(argv) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def test_bad_arguments_exit_2(capsys):
    assert _exit_code(["--every", "soon", "--watch"]) == 2
    assert _exit_code(["--no-such-flag"]) == 2
    assert _exit_code(["--every", "5m"]) == 2  # --every without --watch
    assert _exit_code(["sources", "add", "not-a-url"]) == 2


def test_unwritable_database_exits_2(tmp_path, write_sources, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    sources = write_sources([("A", "http://127.0.0.1:9/a")])
    assert main(["--db", str(blocker / "news.db"), "--sources", str(sources)]) == 2
    assert "store" in capsys.readouterr().err


def test_missing_source_list_exits_2(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "n.db"), "--sources", str(tmp_path / "none.opml")]) == 2


def test_sources_commands(tmp_path, fresh_db, capsys):
    path = tmp_path / "list.opml"
    base = ["--db", str(fresh_db), "--sources", str(path)]
    assert (
        main(
            base
            + [
                "sources",
                "add",
                "https://www.cbc.ca/webfeed/rss/rss-world",
                "--name",
                "CBC News: World",
                "--outlet",
                "CBC News",
                "--lang",
                "en",
            ]
        )
        == 0
    )
    assert (
        main(
            base
            + [
                "sources",
                "add",
                "https://www.ledevoir.com/rss/section/international.xml",
                "--name",
                "Le Devoir: International",
                "--outlet",
                "Le Devoir",
                "--lang",
                "FR",
                "--kind",
                "outlet",
                "--note",
                "confirmed 2026-11-25",
            ]
        )
        == 0
    )
    assert [(s.name, s.lang) for s in read_opml(path)] == [
        ("CBC News: World", "en"),
        ("Le Devoir: International", "fr"),
    ]
    capsys.readouterr()
    assert main(base + ["sources", "list"]) == 0
    listed = capsys.readouterr().out
    assert "# 2 sources" in listed and "Le Devoir: International\tLe Devoir\toutlet\tfr" in listed

    other = tmp_path / "reader.opml"
    other.write_text(
        '<opml version="2.0"><body><outline text="iPolitics" type="rss" xmlUrl="https://ipolitics.ca/feed/"/>'
        '<outline text="dup" xmlUrl="https://www.cbc.ca/webfeed/rss/rss-world"/></body></opml>'
    )
    assert main(base + ["sources", "import", str(other)]) == 0
    assert "imported 1 new source(s) of 2" in capsys.readouterr().out
    assert main(base + ["sources", "remove", "CBC News: World"]) == 0
    assert main(base + ["sources", "remove", "CBC News: World"]) == 1
    assert [s.name for s in read_opml(path)] == ["Le Devoir: International", "iPolitics"]
    capsys.readouterr()
    assert main(base + ["sources", "export"]) == 0
    exported = capsys.readouterr().out
    assert read_opml(exported.encode()) == read_opml(path)
    assert main(base + ["sources", "export", "-o", str(tmp_path / "out.opml")]) == 0
    assert read_opml(tmp_path / "out.opml") == read_opml(path)


def test_sources_enable_and_disable(feed_server, fresh_db, write_sources, capsys):
    sources = write_sources([("Gone", feed_server.route("/gone", status=410))])
    base = ["--db", str(fresh_db), "--sources", str(sources)]
    main(base)
    capsys.readouterr()
    main(base + ["sources", "list"])
    assert "DISABLED (HTTP 410 Gone" in capsys.readouterr().out
    assert main(base + ["sources", "enable", "Gone"]) == 0
    row = open_store(fresh_db).execute("SELECT enabled, consecutive_failures, next_fetch_at FROM feeds").fetchone()
    assert row == (1, 0, None)
    assert main(base + ["sources", "disable", "Gone"]) == 0
    assert main(base + ["sources", "enable", "Nobody"]) == 1


def test_every_command_has_help():
    parser = build_parser()
    assert parser.description
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                assert choice.help, choice.dest
            for sub in action.choices.values():
                for inner in sub._actions:
                    if isinstance(inner, argparse._SubParsersAction):
                        for choice in inner._choices_actions:
                            assert choice.help, choice.dest
        elif action.dest != "help":
            assert action.help, action.dest


def test_help_runs_as_a_module():
    for argv in ([], ["sources"], ["sources", "add"]):
        done = subprocess.run(
            [sys.executable, "-m", "ingest", *argv, "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0 and "usage: python -m ingest" in done.stdout


def test_progress_bar_draws_only_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Terminal(), io.StringIO()
    for stream in (tty, pipe):
        bar = ProgressBar(stream, width=10)
        bar(5, 10, "CBC News: World")
        bar.close()
    assert "[#####.....] 5/10 CBC News: World" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_watch_runs_again_and_again(feed_server, fresh_db, write_sources):
    sources = write_sources([("Good", feed_server.route("/ok.xml", body=FEED, etag='"w"'))])
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", "--db", str(fresh_db), "--sources", str(sources), "--watch", "--every", "1s"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(feed_server.hits("/ok.xml")) < 3:
            time.sleep(0.1)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert len(feed_server.hits("/ok.xml")) >= 3
    assert out.count("ingest: ") >= 2 and "1 not modified" in out


def test_add_without_a_name_keeps_two_feeds_of_one_site_apart(tmp_path, capsys):
    base = ["--sources", str(tmp_path / "list.opml"), "sources", "add"]
    assert main(base + ["https://www.cbc.ca/webfeed/rss/rss-world"]) == 0
    assert main(base + ["https://www.cbc.ca/webfeed/rss/rss-politics"]) == 0
    assert [s.name for s in read_opml(tmp_path / "list.opml")] == [
        "www.cbc.ca/webfeed/rss/rss-world",
        "www.cbc.ca/webfeed/rss/rss-politics",
    ]


def test_every_command_and_flag_is_documented():
    docs = (REPO / "docs" / "ingest.md").read_text(encoding="utf-8")
    parser = build_parser()
    for action in parser._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert flag in docs, flag
    sources = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["sources"]
    actions = next(a for a in sources._actions if isinstance(a, argparse._SubParsersAction))
    for name in actions.choices:
        assert f"python -m ingest sources {name}" in docs, name
