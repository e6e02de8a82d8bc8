"""Feed bytes -> small frozen dataclasses, converted once right after parsing.

Nothing downstream of `parse_feed` touches feedparser's dictionaries: it gets `Entry` objects with
a canonical URL, plain-text title and summary and an aware UTC time. feedparser is always handed
bytes, never a string (a string may be read as a URL or a file path).
"""

from __future__ import annotations

import calendar
import hashlib
import heapq
import html
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
from feedparser.datetimes import _parse_date as _feed_date  # what feedparser applies to every entry

TITLE_MAX = 500
SUMMARY_MAX = 5000
TITLE_FROM_SUMMARY = 160
FUTURE_TOLERANCE = timedelta(days=1)
# Nothing a news feed reports was published before the web; earlier dates are typos, "0001" or
# epoch placeholders (issue 11). Such an item is stored at its fetch time, flagged 'implausible'.
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)

# Query parameters that identify the click, not the page. CBC appends cmp=rss, Postmedia ocid and
# taid; newsletters mc_cid/mc_eid. Anything not listed is kept, in its original order.
TRACKING_PARAMS = frozenset(
    {
        "cmp",
        "cmpid",
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ocid",
        "taid",
        "_ga",
        "_gl",
        "mkt_tok",
        "__twitter_impression",
        "s_cid",
        "xtor",
        "at_medium",
        "at_campaign",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "hsa_")


class FeedError(Exception):
    """The body is not a usable feed; the message is what the fetch log records."""


@dataclass(frozen=True)
class Entry:
    url: str  # canonical URL or 'urn:mpm:<sha1>'
    guid: str | None
    title: str
    summary: str
    published: datetime  # aware, UTC
    date_flag: str | None  # None | 'missing' | 'future' | 'implausible' (before 1990)
    lang: str | None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    site_url: str
    lang: str | None
    entries: tuple[Entry, ...]
    skipped: int  # entries with neither title, summary nor link
    warning: str | None  # set when the XML was broken but feedparser recovered entries, or capped
    capped_from: int = 0  # entries the feed held when it held more than the cap; 0 = not capped

    @property
    def seen(self) -> int:
        """Entries the feed held, including those the cap left out and those with nothing to show."""
        return self.capped_from or len(self.entries) + self.skipped


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    # Credentials never belong in a stored link, so the netloc is rebuilt from host and port only.
    netloc = host if port in (None, 80 if scheme == "http" else 443) else f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query, doseq=True), ""))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile(r"<!--.*?(?:-->|$)|<(script|style|template|noscript)\b.*?(?:</\1\s*>|$)", re.I | re.S)
_TAG = re.compile(r"</?[A-Za-z!?][^>]*(?:>|$)")
_LEFTOVER_MARKUP = re.compile(r"<!\[CDATA\[|\]\]>|</?[A-Za-z][^<>]*>")


def plain_text(value: str | None, is_html: bool = True) -> str:
    """Markup stripped (when it is HTML), entities unescaped, whitespace collapsed.

    Regular expressions rather than an HTML parser: feed summaries are small fragments, this runs
    for every entry of every feed, and it is several times faster. Nothing here is rendered.
    """
    if not value:
        return ""
    if is_html and ("<" in value or "&" in value):
        value = _INVISIBLE.sub(" ", value)
        value = _TAG.sub(" ", value)
        value = html.unescape(value)
        # Markup that survives (double-escaped tags, nested CDATA) is still markup, not news text.
        value = _LEFTOVER_MARKUP.sub(" ", value)
    value = _CONTROL.sub("", value.replace("\u00a0", " "))
    return _SPACE.sub(" ", value).strip()


def cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"


def language(code: str | None) -> str | None:
    """'en-US' -> 'en'; anything that is not a language subtag -> None."""
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-")[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _is_html(detail) -> bool:
    kind = (detail or {}).get("type") or "text/html"
    return kind != "text/plain"


def _when(entry, fetched_at: datetime) -> tuple[datetime, str | None]:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")
    if not parsed:
        return fetched_at, "missing"
    try:
        # feedparser's struct_time is already UTC; timegm keeps it so.
        when = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return fetched_at, "missing"
    if when > fetched_at + FUTURE_TOLERANCE:
        return fetched_at, "future"
    if when < EARLIEST_PLAUSIBLE:
        return fetched_at, "implausible"
    return when, None


def _link(entry, base: str) -> str | None:
    candidates = [entry.get("link")]
    candidates += [ln.get("href") for ln in entry.get("links") or [] if ln.get("rel", "alternate") == "alternate"]
    guid = entry.get("id")
    if guid and entry.get("guidislink", True):
        candidates.append(guid)
    for href in candidates:
        if not href or not isinstance(href, str):
            continue
        absolute = urljoin(base, href.strip())
        if urlsplit(absolute).scheme in ("http", "https") and urlsplit(absolute).hostname:
            return absolute
    return None


def normalize_entry(entry, feed_url: str, fetched_at: datetime, feed_lang: str | None) -> Entry | None:
    """One feedparser entry -> Entry, or None when it has nothing to show (no title, summary or link)."""
    title = plain_text(entry.get("title"), _is_html(entry.get("title_detail")))
    summary_raw = entry.get("summary")
    if not summary_raw and entry.get("content"):
        summary_raw = entry["content"][0].get("value")
        summary_detail = entry["content"][0]
    else:
        summary_detail = entry.get("summary_detail")
    summary = cap(plain_text(summary_raw, _is_html(summary_detail)), SUMMARY_MAX)
    guid = (entry.get("id") or "").strip() or None
    link = _link(entry, feed_url)
    if not title:
        if not summary:
            return None
        title = cap(summary, TITLE_FROM_SUMMARY)
    title = cap(title, TITLE_MAX)
    if link:
        url = canonical_url(link)
    else:
        key = f"{feed_url}\n{guid or title}".encode("utf-8", "surrogatepass")
        url = "urn:mpm:" + hashlib.sha1(key).hexdigest()
    published, flag = _when(entry, fetched_at)
    detail_lang = (entry.get("title_detail") or {}).get("language")
    return Entry(
        url=url,
        guid=guid[:1000] if guid else None,
        title=title,
        summary=summary,
        published=published,
        date_flag=flag,
        lang=language(detail_lang) or feed_lang,
    )


_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
# An internal DTD subset whose entities refer to other entities or to outside files is how
# billion-laughs and XXE bodies look; no real news feed needs one.
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE\b[^\[>]*\[(.*?)\]\s*>", re.IGNORECASE | re.DOTALL)
_ELEMENT_START = re.compile(rb"<[A-Za-z]")
_DANGEROUS_ENTITY = re.compile(
    rb"<!ENTITY\s+%?\s*[\w.-]+\s+(?:(?:SYSTEM|PUBLIC)\b|[\"'][^\"']*&[\w.-]+;)", re.IGNORECASE
)


def _dangerous_dtd(body: bytes) -> bool:
    """True when the DTD's internal subset (which must come before the root element) declares
    entities that refer to other entities or to files. feedparser strips the DTD before expat
    sees it, so this is not what keeps memory safe; it is what turns the attack into a clear error
    instead of a feed full of '&lol9;'."""
    match = _DOCTYPE_SUBSET.search(body)
    if match is None or _ELEMENT_START.search(body, 0, match.start()):
        return False
    return _DANGEROUS_ENTITY.search(match.group(1)) is not None


def _describe(exc: BaseException) -> str:
    """'<unknown>:2:27: not well-formed' -> 'not well-formed (line 2, column 27)'."""
    text = str(exc)
    match = re.match(r"<unknown>:(\d+):(\d+): (.*)", text)
    return f"{match.group(3)} (line {match.group(1)}, column {match.group(2)})" if match else text


# ---------------------------------------------------------------- the entry cap
#
# feedparser builds a dictionary per entry and cannot stop early: 50,000 entries (9.5 MB) cost 9 s
# and 160 MB before a single one is normalized. So an over-cap body is cut *before* feedparser sees
# it: one regular-expression pass finds each item's span and date, a heap keeps the newest
# `max_entries`, and feedparser reads a small document made of the feed's head, those items and its
# tail. Bytes, not a parsed tree, so broken XML (which feedparser's loose parser still reads) is cut
# the same way; CDATA sections and comments are stepped over, so markup quoted inside them is not
# mistaken for an item.
_ITEM_TOKEN = re.compile(
    rb"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)"
    rb"|<(/?)(?:[A-Za-z_][\w.-]*:)?(item|entry)(?=[\s/>])[^>]*>"
    rb"|<(?:[A-Za-z_][\w.-]*:)?(pubDate|published|issued|updated|modified|date|created)(?=[\s/>])[^>]*>"
    rb"\s*(?:<!\[CDATA\[)?\s*([^<\]]{1,120})",
    re.DOTALL | re.IGNORECASE,
)
# The same preference as `_when`: the publication date, else the last update, else the creation.
_DATE_RANK = {b"pubdate": 0, b"published": 0, b"issued": 0, b"updated": 1, b"modified": 1, b"date": 1, b"created": 2}
_DEADLINE_EVERY = 1024  # items between two looks at the clock


class ParseDeadline(FeedError):
    """Parsing ran past the feed's deadline."""


def _check(deadline: float | None, what: str) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ParseDeadline(f"deadline exceeded while parsing ({what})")


def _timestamp(raw: bytes) -> float | None:
    """A feed date as a POSIX time, or None, by feedparser's own date parser (about 4 us a date),
    so the ranking agrees with the dates that are stored."""
    try:
        parsed = _feed_date(raw.decode("utf-8", "replace").strip())
        return calendar.timegm(parsed) if parsed else None
    except (OverflowError, ValueError, TypeError):
        return None


def keep_newest(
    body: bytes, max_entries: int, fetched_at: datetime, deadline: float | None = None
) -> tuple[bytes, int]:
    """`body` with only its `max_entries` newest items, and how many items it held.

    Dated items rank newest first; undated ones (and ones dated more than a day after the fetch,
    which are stored undated too) come after them, in the feed's order; ties keep the feed's order.
    Text between two items is dropped with the items (a feed's head and tail are kept). When the
    body holds no more than `max_entries` items it is returned as it is, with 0. Raises
    ParseDeadline past `deadline`.
    """
    # A cheap over-count first (it also counts closing tags and <items>): most feeds stop here.
    if (
        max_entries <= 0
        or sum(body.count(tag) for tag in (b"<item", b"<entry", b":item", b":entry", b"<ITEM", b"<ENTRY"))
        <= max_entries
    ):
        return body, 0
    latest = (fetched_at + FUTURE_TOLERANCE).timestamp()
    heap: list[tuple[tuple, int, int]] = []  # ((dated, time, -index), start, end), smallest first
    total = 0
    first = last = None
    open_at, open_name, depth, date = None, b"", 0, None  # date: (rank, raw text) of the open item

    def close(start: int, end: int) -> None:
        nonlocal total, last
        when = _timestamp(date[1]) if date is not None else None
        key = (1, when, -total) if when is not None and when <= latest else (0, 0.0, -total)
        total += 1
        last = end
        if len(heap) < max_entries:
            heapq.heappush(heap, (key, start, end))
        elif key > heap[0][0]:
            heapq.heapreplace(heap, (key, start, end))
        if total % _DEADLINE_EVERY == 0:
            _check(deadline, f"{total:,} entries read")

    for m in _ITEM_TOKEN.finditer(body):
        name = m.group(2)
        if name is None:
            if m.group(3) is not None and open_at is not None:  # a date inside an item
                rank = _DATE_RANK.get(m.group(3).lower(), 3)
                if date is None or rank < date[0]:
                    date = (rank, m.group(4))
            continue  # else CDATA, a comment, a feed date
        name = name.lower()
        if m.group(1):  # a closing tag
            if open_at is not None and name == open_name:
                depth -= 1
                if depth == 0:
                    close(open_at, m.end())
                    open_at = None
        elif open_at is None:
            first = m.start() if first is None else first
            date = None
            if m.group(0).endswith(b"/>"):
                close(m.start(), m.end())  # an empty item still counts, and is cheap to keep
            else:
                open_at, open_name, depth = m.start(), name, 1
        elif name == open_name and not m.group(0).endswith(b"/>"):
            depth += 1
    if open_at is not None:  # an item left open by a truncated body runs to the end
        close(open_at, len(body))
    if total <= max_entries:
        return body, 0
    kept = sorted((start, end) for _, start, end in heap)
    return b"".join([body[:first], b"\n".join(body[s:e] for s, e in kept), body[last:]]), total


_UNDATED = datetime.min.replace(tzinfo=UTC)


def _newest(entries: list[Entry], max_entries: int) -> list[Entry]:
    """The last word on the cap, for bodies the byte pass cannot read (UTF-16, unusual markup):
    the same order as `keep_newest`, on the normalized entries, which keep the feed's order."""

    def rank(i: int) -> tuple:
        dated = entries[i].date_flag is None
        return dated, entries[i].published if dated else _UNDATED, -i

    order = sorted(range(len(entries)), key=rank, reverse=True)
    return [entries[i] for i in sorted(order[:max_entries])]


def parse_feed(
    body: bytes,
    feed_url: str,
    fetched_at: datetime,
    source_lang: str | None = None,
    content_type: str | None = None,
    *,
    max_entries: int | None = None,
    deadline: float | None = None,
) -> ParsedFeed:
    """Parse `body` (bytes as received, already decompressed) into a ParsedFeed or raise FeedError.

    `max_entries` keeps only the newest that many entries (None or 0: all; see `keep_newest`); the
    result's `capped_from` then says how many the feed held. `deadline` is a `time.monotonic()`
    value: parsing checks it between steps and every so many entries and raises ParseDeadline past
    it. feedparser's own pass cannot be interrupted, but after the cut it reads at most
    `max_entries` items.
    """
    if not body or body.isspace():  # not body.strip(): that copies a 10 MB body to look at it
        raise FeedError("empty body")
    head = body[:65536]
    if _dangerous_dtd(body):
        raise FeedError("refused: the XML declares nested or external entities (entity-expansion bomb)")
    headers = {"content-location": feed_url}
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        raise FeedError("not a feed (JSON; feedparser 6.0 reads RSS, Atom and RDF only)")
    if content_type:
        headers["content-type"] = content_type
    capped_from = 0
    if max_entries:
        body, capped_from = keep_newest(body, max_entries, fetched_at, deadline)
    _check(deadline, "before reading the entries")
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    del body  # the cut copy, or the caller's: nothing below needs the bytes
    _check(deadline, f"{len(parsed.entries):,} entries read")
    version = parsed.get("version") or ""
    if not parsed.entries and not version:
        if _HTML_START.match(head):
            raise FeedError("not a feed (HTML page)")
        exc = parsed.get("bozo_exception")
        raise FeedError(f"invalid XML: {_describe(exc)}" if exc else "not a feed (no RSS, Atom or RDF root)")
    feed = parsed.feed
    feed_lang = (
        language(feed.get("language"))
        or language((feed.get("title_detail") or {}).get("language"))
        or language(source_lang)
    )
    entries: list[Entry] = []
    seen: set[str] = set()
    skipped = 0
    for i, raw in enumerate(parsed.entries, 1):
        if i % 100 == 0:
            _check(deadline, f"{i:,} entries normalized")
        entry = normalize_entry(raw, feed_url, fetched_at, feed_lang)
        if entry is None:
            skipped += 1
            continue
        if entry.url in seen:  # the same story twice in one feed (duplicate guid or link)
            continue
        seen.add(entry.url)
        entries.append(entry)
    warning = None
    exc = parsed.get("bozo_exception")
    if (
        parsed.get("bozo")
        and exc is not None
        and not isinstance(exc, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType))
    ):
        if not entries:
            raise FeedError(f"invalid XML: {_describe(exc)}")
        warning = f"recovered from invalid XML: {_describe(exc)}"
    if max_entries and len(entries) > max_entries:
        capped_from = max(capped_from, len(parsed.entries))
        entries = _newest(entries, max_entries)
    if capped_from:
        # Recorded like a recovered-XML warning: in fetch_log.error and feeds.last_error of an ok fetch.
        capped = f"capped: kept the newest {len(entries):,} of {capped_from:,} entries (--max-entries {max_entries:,})"
        warning = f"{warning}; {capped}" if warning else capped
    return ParsedFeed(
        title=plain_text(feed.get("title"), _is_html(feed.get("title_detail"))),
        site_url=feed.get("link") or "",
        lang=feed_lang,
        entries=tuple(entries),
        skipped=skipped,
        warning=warning,
        capped_from=capped_from,
    )
