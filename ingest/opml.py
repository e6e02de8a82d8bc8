"""The source list as OPML 2.0 (http://opml.org/spec2.opml), the format feed readers exchange.

Standard outline attributes: text, title, type="rss", xmlUrl, htmlUrl, language. Ours, which other
readers ignore: outlet (the name the dashboard groups by), kind ('outlet' | 'official'), note
(where the URL was confirmed) and formerXmlUrls (earlier URLs of the same feed, separated by spaces,
which `python -m ingest backfill` also asks the archive for). Nested outlines (reader folders) are
read; a folder's text is the outlet of the feeds inside it when they carry no outlet of their own.
"""
from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

KINDS = ("outlet", "official")
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
    former_urls: tuple[str, ...] = ()   # earlier URLs of this feed (OPML attribute formerXmlUrls)


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
            out.append(Source(
                name=name,
                outlet=(attrs.get("outlet") or folder or name).strip(),
                url=url,
                site_url=(attrs.get("htmlUrl") or "").strip(),
                lang=(attrs.get("language") or "").strip().lower(),
                kind=kind if kind in KINDS else "outlet",
                note=(attrs.get("note") or "").strip(),
                former_urls=tuple(dict.fromkeys(u for u in (attrs.get(FORMER_URLS) or "").split() if u != url)),
            ))
        _walk(outline, label or folder, out, seen)


def write_opml(sources: list[Source], title: str = "Middle Powers Monitor sources") -> str:
    """An OPML 2.0 document listing `sources` flat, in the given order."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateModified").text = format_datetime(datetime.now(timezone.utc), usegmt=True)
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
    """Write atomically, so a crash never leaves a half-written source list."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sources-", suffix=".opml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(write_opml(sources))
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
