"""Requests to internal addresses (issue 11, item 5), against real servers on 127.0.0.1.

Only 127.0.0.1 is reachable in tests, so the resolver hook (`ingest.netguard.resolve`) is replaced:
names ending in `.public.test` resolve to 127.0.0.1 with the class "public", which lets a test play
a public feed that redirects to the loopback address of the same server, the attack as reported.
"""

from __future__ import annotations

import socket
import sqlite3

import pytest

from ingest import netguard
from ingest.__main__ import main
from ingest.fetcher import fetch, make_client
from ingest.opml import read_opml
from ingest.runner import fetch_all
from tests.ingest.feedserver import rss

FEED = rss(
    "Public feed",
    [
        {
            "title": "Canada and Japan sign a trade pact",
            "link": "https://pub.example.org/1",
            "date": "Tue, 03 Mar 2026 10:00:00 GMT",
        }
    ],
)
ADMIN = rss(
    "Local admin",
    [
        {
            "title": "INTERNAL: admin password is hunter2",
            "link": "https://admin.example.org/1",
            "date": "Tue, 03 Mar 2026 11:00:00 GMT",
        }
    ],
)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Safety net: if the guard ever let a test's request through to 169.254.169.254 or 10.x, the
    connection is refused here instead of leaving the machine."""
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):
        if address[0] not in ("127.0.0.1", "localhost"):
            raise ConnectionRefusedError(f"test safety net: no connection to {address[0]}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)


@pytest.fixture
def public_names(monkeypatch):
    """`*.public.test` -> 127.0.0.1 as a public address; `answers` may script a name's answers in turn."""
    real = netguard.resolve
    answers: dict[str, list[list[tuple[str, str]]]] = {}
    calls: list[str] = []

    def resolve(host, port):
        calls.append(host)
        if host in answers and answers[host]:
            return answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
        if host.endswith(".public.test"):
            return [("127.0.0.1", netguard.PUBLIC)]
        return real(host, port)

    monkeypatch.setattr(netguard, "resolve", resolve)
    resolve.answers, resolve.calls = answers, calls
    return resolve


@pytest.fixture
def client():
    with make_client(8) as c:
        yield c


@pytest.mark.parametrize(
    "address, kind",
    [
        ("8.8.8.8", "public"),
        ("2606:4700::1111", "public"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fd12::1", "private"),
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("64:ff9b::a9fe:a9fe", "cloud metadata"),
        ("2002:a9fe:a9fe::1", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("0.0.0.0", "reserved"),
        ("0.1.2.3", "reserved"),
        ("::", "reserved"),
        ("224.0.0.1", "reserved"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
    ],
)
def test_classify(address, kind):
    assert netguard.classify(address) == kind


@pytest.mark.parametrize(
    "url, refused",
    [
        ("https://www.cbc.ca/webfeed/rss/rss-world", None),
        ("http://127.0.0.1:8080/feed.xml", None),  # the person's own machine
        ("http://192.168.1.20/rss", None),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[fd00:ec2::254]/", "cloud metadata"),
        ("http://2852039166/", "cloud metadata"),  # 169.254.169.254 written as one number
        ("http://0xa9fea9fe/", "cloud metadata"),
        ("http://0251.0376.0251.0376/", "cloud metadata"),
        ("http://169.254.10.1/", "link-local"),
        ("http://0.0.0.0:8501/", "reserved"),
        ("ftp://example.org/feed.xml", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("feed.xml", "only http and https"),
        ("http:///feed.xml", "no host"),
        ("http://exa mple.org/feed", "contains spaces"),
        ("http://example.org/\x00feed", "control characters"),
        ("http://[::1/feed", "not a valid URL"),
    ],
)
def test_check_listed(url, refused):
    if refused is None:
        netguard.check_listed(url, block_private=False)
    else:
        with pytest.raises(netguard.Refused, match=refused):
            netguard.check_listed(url, block_private=False)


def test_check_listed_strict_mode_refuses_private_addresses(monkeypatch):
    monkeypatch.setenv("MPM_BLOCK_PRIVATE", "1")
    for url in ("http://127.0.0.1:8080/feed.xml", "http://10.0.0.5/rss", "http://[::1]/rss"):
        with pytest.raises(netguard.Refused, match="MPM_BLOCK_PRIVATE"):
            netguard.check_listed(url)
    netguard.check_listed("https://www.cbc.ca/webfeed/rss/rss-world")


def test_public_feed_redirecting_to_loopback_is_refused(feed_server, client, public_names):
    feed_server.route("/local-admin", body=ADMIN)
    feed_server.route("/feed", status=302, headers={"Location": feed_server.url("/local-admin")})
    result = fetch(client, f"http://feeds.public.test:{feed_server.port}/feed")
    assert result.outcome == "failed" and result.status == 302 and result.body == b""
    assert result.error.startswith("refused: 127.0.0.1 is a loopback address reached by a redirect from a public")
    assert feed_server.hits("/local-admin") == []  # no request ever reached the internal page


@pytest.mark.parametrize(
    "target",
    [
        "http://localhost:{port}/local-admin",
        "http://[::ffff:127.0.0.1]:{port}/x",
        "http://2130706433:{port}/local-admin",
        "http://10.0.0.7/admin",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_every_spelling_of_an_internal_target_is_refused_after_a_public_hop(feed_server, client, public_names, target):
    feed_server.route("/feed", status=301, headers={"Location": target.format(port=feed_server.port)})
    result = fetch(client, f"http://feeds.public.test:{feed_server.port}/feed")
    assert result.outcome == "failed" and result.status == 301 and result.error.startswith("refused:")


def test_a_later_public_hop_still_taints_the_chain(feed_server, client, public_names):
    """Listed private feed -> public host -> private: the last hop is an attack, not the owner's server."""
    feed_server.route("/local-admin", body=ADMIN)
    feed_server.route("/bounce", status=302, headers={"Location": feed_server.url("/local-admin")})
    feed_server.route("/start", status=302, headers={"Location": f"http://cdn.public.test:{feed_server.port}/bounce"})
    result = fetch(client, feed_server.url("/start"))
    assert result.outcome == "failed" and "redirect from a public address" in result.error
    assert feed_server.hits("/local-admin") == []


def test_listed_private_feeds_work_and_may_redirect_on_their_own_network(feed_server, client):
    feed_server.route("/new.xml", body=FEED)
    feed_server.route("/old.xml", status=301, headers={"Location": "/new.xml"})
    result = fetch(client, feed_server.url("/old.xml"))
    assert result.outcome == "ok" and result.body == FEED


def test_strict_mode_refuses_listed_private_feeds(feed_server, client, monkeypatch):
    monkeypatch.setenv("MPM_BLOCK_PRIVATE", "1")
    url = feed_server.route("/feed.xml", body=FEED)
    result = fetch(client, url)
    assert result.outcome == "failed" and "MPM_BLOCK_PRIVATE=1" in result.error
    assert feed_server.hits("/feed.xml") == []


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://0.0.0.0:{port}/feed.xml"]
)
def test_metadata_link_local_and_reserved_are_refused_even_when_listed(feed_server, client, url):
    feed_server.route("/feed.xml", body=FEED)
    result = fetch(client, url.format(port=feed_server.port))
    assert result.outcome == "failed" and result.error.startswith("refused:") and "never fetched" in result.error
    assert feed_server.hits("/feed.xml") == []


def test_a_name_is_resolved_once_and_the_checked_address_is_used(feed_server, client, public_names):
    """The connection goes to the address the hook returned: `only-hook.public.test` has no DNS record,
    so asking the name again (as a plain connect would) could not reach the server."""
    feed_server.route("/feed.xml", body=FEED)
    result = fetch(client, f"http://only-hook.public.test:{feed_server.port}/feed.xml")
    assert result.outcome == "ok" and result.body == FEED
    assert public_names.calls.count("only-hook.public.test") == 1


def test_dns_rebinding_between_hops_is_refused(feed_server, client, public_names):
    """The name answers public first, then 127.0.0.1 as loopback (a rebinding DNS server): the second
    connection is checked on its own answer, after a public hop, and refused."""
    host = f"rebind.public.test:{feed_server.port}"
    public_names.answers["rebind.public.test"] = [[("127.0.0.1", netguard.PUBLIC)], [("127.0.0.1", netguard.LOOPBACK)]]
    feed_server.route("/local-admin", body=ADMIN)
    feed_server.route("/feed", status=302, headers={"Location": f"http://{host}/local-admin"})
    result = fetch(client, f"http://{host}/feed")
    assert result.outcome == "failed" and "loopback address reached by a redirect" in result.error
    assert feed_server.hits("/local-admin") == []


def test_a_name_with_one_refused_address_uses_only_the_allowed_one(feed_server, client, public_names):
    public_names.answers["mixed.public.test"] = [
        [("169.254.169.254", netguard.METADATA), ("127.0.0.1", netguard.PUBLIC)]
    ]
    feed_server.route("/feed.xml", body=FEED)
    assert fetch(client, f"http://mixed.public.test:{feed_server.port}/feed.xml").outcome == "ok"


def test_the_whole_run_stores_nothing_from_the_internal_page(feed_server, fresh_db, write_sources, public_names):
    """The attack as reported: the internal page's text was stored and shown. Now the feed fails with
    its status and the reason, and no article comes from the internal page."""
    feed_server.route("/local-admin", body=ADMIN)
    feed_server.route("/feed", status=302, headers={"Location": feed_server.url("/local-admin")})
    sources = write_sources([("Hostile", f"http://feeds.public.test:{feed_server.port}/feed")])
    summary = fetch_all(fresh_db, sources)
    assert (summary.ok, summary.failed, summary.new_articles) == (0, 1, 0)
    conn = sqlite3.connect(fresh_db)
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE title LIKE '%hunter2%'").fetchone()[0] == 0
    status, error = conn.execute("SELECT last_status, last_error FROM feeds WHERE name = 'Hostile'").fetchone()
    assert status == 302 and error.startswith("refused: 127.0.0.1 is a loopback address")
    assert conn.execute("SELECT status, error FROM fetch_log").fetchone() == (status, error)


def test_a_feed_moved_to_another_host_is_not_trusted_as_listed(feed_server, fresh_db, write_sources, public_names):
    """A public feed 301s to a host that is public on that day: the feed's URL moves. If that host later
    answers 127.0.0.1, the moved URL must not get the trust of a URL the person listed."""
    feed_server.route("/new.xml", body=FEED)
    feed_server.route(
        "/old.xml", status=301, headers={"Location": f"http://moved.public.test:{feed_server.port}/new.xml"}
    )
    sources = write_sources([("Moving", f"http://feeds.public.test:{feed_server.port}/old.xml")])
    assert fetch_all(fresh_db, sources).ok == 1
    conn = sqlite3.connect(fresh_db)
    assert conn.execute("SELECT url FROM feeds").fetchone()[0].startswith("http://moved.public.test")
    public_names.answers["moved.public.test"] = [[("127.0.0.1", netguard.LOOPBACK)]]  # rebinds
    summary = fetch_all(fresh_db, sources, force=True)
    assert summary.failed == 1
    assert "comes from a redirect, not from the source list" in summary.errors[0][1]


def test_a_feed_moved_on_its_own_host_stays_trusted(feed_server, fresh_db, write_sources):
    feed_server.route("/new.xml", body=FEED)
    feed_server.route("/old.xml", status=301, headers={"Location": "/new.xml"})
    sources = write_sources([("Local", feed_server.url("/old.xml"))])
    assert fetch_all(fresh_db, sources).ok == 1
    assert fetch_all(fresh_db, sources, force=True).failed == 0


def test_behind_a_proxy_the_resolved_addresses_are_still_checked(feed_server, public_names, monkeypatch):
    """With HTTP_PROXY set, the client keeps the proxy (no guarded transport) and fetch() checks the
    addresses it resolves itself. The feed server plays the proxy: it serves absolute-URL routes."""
    public = f"http://feeds.public.test:{feed_server.port}"
    feed_server.route(f"{public}/feed", status=302, headers={"Location": feed_server.url("/local-admin")})
    feed_server.route(f"{public}/ok.xml", body=FEED)
    feed_server.route(feed_server.url("/local-admin"), body=ADMIN)
    monkeypatch.setenv("HTTP_PROXY", feed_server.url(""))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with make_client(4) as proxied:
        assert not getattr(proxied, "mpm_guarded", False)
        assert fetch(proxied, f"{public}/ok.xml").body == FEED  # through the proxy
        result = fetch(proxied, f"{public}/feed")
        assert result.outcome == "failed" and result.status == 302
        assert "loopback address reached by a redirect from a public address" in result.error
        assert fetch(proxied, "http://169.254.169.254/").error.startswith("refused:")
    assert [h.path for h in feed_server.requests] == [f"{public}/ok.xml", f"{public}/feed"]


# ---------------------------------------------------------------- the source list


def _exit_code(argv) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/",
        "http://[fd00:ec2::254]/latest",
        "http://2852039166/",
        "file:///etc/passwd",
        "gopher://example.org/",
    ],
)
def test_sources_add_refuses_internal_and_non_http_urls(tmp_path, capsys, url):
    path = tmp_path / "list.opml"
    assert _exit_code(["--sources", str(path), "sources", "add", url, "--name", "X"]) == 2
    assert "refused" in capsys.readouterr().err and not path.exists()


def test_sources_add_in_strict_mode_refuses_private(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MPM_BLOCK_PRIVATE", "1")
    assert _exit_code(["--sources", str(tmp_path / "l.opml"), "sources", "add", "http://192.168.0.2/rss"]) == 2
    assert "MPM_BLOCK_PRIVATE" in capsys.readouterr().err


def test_sources_import_keeps_only_fetchable_urls(tmp_path, capsys):
    other = tmp_path / "reader.opml"
    other.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="Good" xmlUrl="https://good.example.org/rss"/>'
        '<outline text="Local" xmlUrl="http://127.0.0.1:8080/rss"/>'
        '<outline text="File" xmlUrl="file:///etc/passwd"/>'
        '<outline text="Script" xmlUrl="javascript:alert(1)"/>'
        '<outline text="Metadata" xmlUrl="http://169.254.169.254/latest/meta-data/"/>'
        '<outline text="Gopher" xmlUrl="gopher://example.org/1"/>'
        '<outline text="Line&#10;break&#9;name" xmlUrl="https://two.example.org/rss" htmlUrl="javascript:x()"'
        ' language="not a language"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    path = tmp_path / "list.opml"
    assert main(["--sources", str(path), "sources", "import", str(other)]) == 0
    out, err = capsys.readouterr()
    assert "imported 3 new source(s) of 7" in out and "4 refused" in out
    for name in ("File", "Script", "Metadata", "Gopher"):
        assert f"skipped '{name}'" in err
    kept = read_opml(path)
    assert [s.url for s in kept] == [
        "https://good.example.org/rss",
        "http://127.0.0.1:8080/rss",
        "https://two.example.org/rss",
    ]
    assert (kept[2].name, kept[2].site_url, kept[2].lang) == ("Line break name", "", "")


def test_a_listed_non_http_url_fails_at_fetch_time_with_a_message(fresh_db, tmp_path):
    """A list edited by hand can still hold any scheme: the fetch refuses it and says so."""
    path = tmp_path / "list.opml"
    path.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="File" xmlUrl="file:///etc/passwd"/></body></opml>',
        encoding="utf-8",
    )
    summary = fetch_all(fresh_db, path)
    assert summary.failed == 1 and summary.errors[0][1].startswith("refused: only http and https")
    conn = sqlite3.connect(fresh_db)
    assert conn.execute("SELECT last_error FROM feeds").fetchone()[0].startswith("refused:")
