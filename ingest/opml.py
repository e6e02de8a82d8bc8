"""The source list as OPML 2.0 (http://opml.org/spec2.opml), the format feed readers exchange.

Standard outline attributes: text, title, type="rss", xmlUrl, htmlUrl, language. Ours, which other
readers ignore: outlet (the name the dashboard groups by), kind ('outlet' | 'official'), note
(where the URL was confirmed) and formerXmlUrls (earlier URLs of the same feed, separated by spaces,
which `python -m ingest backfill` also asks the archive for). Nested outlines (reader folders) are
read; a folder's text is the outlet of the feeds inside it when they carry no outlet of their own.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from ingest import netguard

KINDS = ("outlet", "official")
# Longest accepted value of each text attribute: a name is a table cell, a note a sentence or two.
MAX_LENGTH = {"name": 200, "outlet": 200, "url": 2048, "site_url": 2048, "lang": 35, "kind": 16, "note": 1000}
_LANG = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")  # BCP 47 shape: en, fr, en-CA, zh-Hant-TW
# Characters XML 1.0 cannot carry at all (§2.2): written into an attribute, they make the file unreadable.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Earlier URLs of a feed, space-separated (a URL holds no raw space): a feed that moved keeps its
# history in the archive under its old address.
FORMER_URLS = "formerXmlUrls"


class OPMLError(ValueError):
    """The bytes are not an OPML document we can read."""


@dataclass(frozen=True)
class Source:
    name: str
    outlet: str
    url: str
    site_url: str
    lang: str
    kind: str
    note: str = ""
    former_urls: tuple[str, ...] = ()  # earlier URLs of this feed (OPML attribute formerXmlUrls)


def read_opml(path_or_bytes: str | os.PathLike | bytes) -> list[Source]:
    """Every outline with an `xmlUrl`, in document order; later duplicates of a URL are dropped."""
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OPMLError(f"not valid OPML XML: {exc}") from exc
    if root.tag != "opml":
        raise OPMLError(f"root element is <{root.tag}>, not <opml>")
    body = root.find("body")
    if body is None:
        raise OPMLError("OPML has no <body>")
    sources: list[Source] = []
    seen: set[str] = set()
    _walk(body, "", sources, seen)
    return sources


def _walk(node: ET.Element, folder: str, out: list[Source], seen: set[str]) -> None:
    for outline in node.findall("outline"):
        attrs = outline.attrib
        url = (attrs.get("xmlUrl") or "").strip()
        label = (attrs.get("title") or attrs.get("text") or "").strip()
        if url:
            if url in seen:
                continue
            seen.add(url)
            name = label or url
            kind = (attrs.get("kind") or "outlet").strip().lower()
            out.append(
                Source(
                    name=name,
                    outlet=(attrs.get("outlet") or folder or name).strip(),
                    url=url,
                    site_url=(attrs.get("htmlUrl") or "").strip(),
                    lang=(attrs.get("language") or "").strip().lower(),
                    kind=kind if kind in KINDS else "outlet",
                    note=(attrs.get("note") or "").strip(),
                    former_urls=tuple(dict.fromkeys(u for u in (attrs.get(FORMER_URLS) or "").split() if u != url)),
                )
            )
        _walk(outline, label or folder, out, seen)


def _refusal(value: str) -> str | None:
    """Why a text attribute cannot be stored, or None: control characters, surrogates, non-characters."""
    for i, c in enumerate(value):
        if unicodedata.category(c) in ("Cc", "Cs") or _NOT_XML.match(c):
            return f"character U+{ord(c):04X} at position {i + 1} is not allowed (control or non-XML character)"
    return None


def check_source(s: Source) -> Source:
    """The source with its fields trimmed, or OPMLError naming the first field that cannot be kept.

    Used by `sources add`: a control character in a name once made the whole list unreadable.
    The feed URL gets netguard.check_listed (http or https, no metadata or link-local address).
    """
    fields = {k: getattr(s, k).strip() for k in MAX_LENGTH}
    for key, value in fields.items():
        why = _refusal(getattr(s, key))
        if why is None and len(value) > MAX_LENGTH[key]:
            why = f"longer than {MAX_LENGTH[key]} characters"
        if why:
            raise OPMLError(f"{key} {netguard.shorten(getattr(s, key), 60)!r}: {why}")
    if not fields["name"]:
        raise OPMLError("name: empty")
    if fields["lang"] and not _LANG.fullmatch(fields["lang"]):
        raise OPMLError(f"lang {fields['lang']!r}: not a language code such as en, fr or en-CA")
    if fields["kind"] not in KINDS:
        raise OPMLError(f"kind {fields['kind']!r}: not one of {', '.join(KINDS)}")
    try:
        netguard.check_listed(fields["url"])
        if fields["site_url"]:
            netguard.check_scheme(fields["site_url"])
    except netguard.Refused as exc:
        raise OPMLError(str(exc)) from exc
    fields["lang"] = fields["lang"].lower()
    return replace(s, **fields)


def _clean(value: str, limit: int) -> str:
    """Control characters become spaces, runs of spaces one, and the text is cut at `limit`."""
    value = "".join(" " if _refusal(c) else c for c in value)
    return " ".join(value.split())[:limit]


def clean_imported(s: Source) -> Source:
    """A source read from someone else's OPML, made storable, or OPMLError when its URL is refused.

    Text is cleaned rather than refused (a feed reader's export is not typed by the person running
    the import); a language that is not a language code and a site URL that is not http(s) are dropped.
    """
    try:
        netguard.check_listed(s.url.strip())
    except netguard.Refused as exc:
        raise OPMLError(str(exc)) from exc
    site = _clean(s.site_url, MAX_LENGTH["site_url"])
    try:
        netguard.check_scheme(site)
    except netguard.Refused:
        site = ""
    lang = _clean(s.lang, MAX_LENGTH["lang"]).lower()
    name = _clean(s.name, MAX_LENGTH["name"]) or netguard.shorten(s.url, MAX_LENGTH["name"])
    return replace(
        s,
        name=name,
        outlet=_clean(s.outlet, MAX_LENGTH["outlet"]) or name,
        url=s.url.strip(),
        site_url=site,
        lang=lang if _LANG.fullmatch(lang) else "",
        kind=s.kind if s.kind in KINDS else "outlet",
        note=_clean(s.note, MAX_LENGTH["note"]),
    )


def without_credentials(sources: list[Source]) -> list[Source]:
    """The sources with `user:password@` removed from every URL: what may be shown or exported."""
    return [
        replace(s, url=netguard.strip_credentials(s.url), site_url=netguard.strip_credentials(s.site_url))
        for s in sources
    ]


def write_opml(sources: list[Source], title: str = "Middle Powers Monitor sources") -> str:
    """An OPML 2.0 document listing `sources` flat, in the given order.

    OPMLError if a value holds a character XML cannot carry: ElementTree would write it as is and
    produce a file that no parser (ours included) reads back.
    """
    for s in sources:
        for key, value in [(k, getattr(s, k)) for k in MAX_LENGTH] + [("former_urls", " ".join(s.former_urls))]:
            if _NOT_XML.search(value):
                raise OPMLError(f"source {netguard.shorten(s.name, 60)!r}: {key}: {_refusal(value)}")
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateModified").text = format_datetime(datetime.now(UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    for s in sources:
        attrs = {"text": s.name, "title": s.name, "type": "rss", "xmlUrl": s.url}
        if s.site_url:
            attrs["htmlUrl"] = s.site_url
        if s.lang:
            attrs["language"] = s.lang
        attrs["outlet"] = s.outlet
        attrs["kind"] = s.kind
        if s.note:
            attrs["note"] = s.note
        if s.former_urls:
            attrs[FORMER_URLS] = " ".join(s.former_urls)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def save_opml(path: str | os.PathLike, sources: list[Source]) -> None:
    """Write atomically, and only a file that reads back with every source: the old list stays otherwise.

    The new text goes to a temporary file beside the list, is flushed to disk, read back with
    read_opml and compared (names and URLs, in order) before os.replace puts it in place. A list that
    would not read back raises OPMLError and leaves the old file untouched.
    """
    path = Path(path)
    text = write_opml(sources)
    wanted, urls = [], set()
    for s in sources:
        url = s.url.strip()
        if url and url not in urls:  # read_opml keeps the first of two outlines with one URL
            urls.add(url)
            wanted.append((s.name.strip() or url, url))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sources-", suffix=".opml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        back = [(s.name, s.url) for s in read_opml(tmp)]
        if back != wanted:
            raise OPMLError(
                f"the new source list would not read back as written ({len(back)} of {len(wanted)} "
                f"sources); {path} is unchanged"
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_source(sources: list[Source], new: Source) -> list[Source]:
    """Append `new`; a source with the same URL or name is replaced in place instead."""
    out, placed = [], False
    for s in sources:
        if s.url == new.url or s.name == new.name:
            if not placed:
                out.append(new)
                placed = True
            continue
        out.append(s)
    if not placed:
        out.append(new)
    return out


def merge_sources(sources: list[Source], incoming: list[Source]) -> tuple[list[Source], int]:
    """Add the incoming sources whose URL and name are both new; returns (list, how many added)."""
    urls = {s.url for s in sources}
    names = {s.name for s in sources}
    added = []
    for s in incoming:
        if s.url in urls:
            continue
        name = s.name
        n = 2
        while name in names:
            name = f"{s.name} ({n})"
            n += 1
        added.append(replace(s, name=name))
        urls.add(s.url)
        names.add(name)
    return sources + added, len(added)
