"""Country groups (middle powers, G7, NATO...) read from ``analysis/data/groups.json``.

The groups are data, not code, so that an analyst can add or redefine one by editing the
JSON file (see docs/analysis-aggregates.md); every group carries the source of its definition
because "middle power" and "Indo-Pacific" have no single agreed membership.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GROUPS_PATH = Path(__file__).resolve().parent / "data" / "groups.json"
DEFAULT_GROUP = "middle_powers"


@dataclass(frozen=True)
class Group:
    """One named set of countries; ``members`` are ISO 3166-1 alpha-3 codes in file order."""

    slug: str
    label: str
    members: tuple[str, ...]
    source: str
    label_fr: str = ""
    note: str = ""
    # Members that are organizations, not countries (the EU in the G7 and G20, the African
    # Union in the G20): kept for display, never mixed into the country codes.
    non_country_members: tuple[str, ...] = ()

    def label_in(self, lang: str = "en") -> str:
        """The label in French when asked and available, else in English."""
        return self.label_fr if lang == "fr" and self.label_fr else self.label


class GroupFileError(ValueError):
    """The groups file is malformed (missing field, duplicate slug, bad code shape)."""


def _parse(raw: dict) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for i, entry in enumerate(raw.get("groups", [])):
        missing = [k for k in ("slug", "label", "members", "source") if not entry.get(k)]
        if missing:
            raise GroupFileError(f"group #{i} lacks {', '.join(missing)}")
        slug = str(entry["slug"])
        if slug in groups:
            raise GroupFileError(f"duplicate group slug {slug!r}")
        members = tuple(str(m).strip().upper() for m in entry["members"])
        bad = [m for m in members if len(m) != 3 or not m.isalpha()]
        if bad:
            raise GroupFileError(f"group {slug!r}: not alpha-3 codes: {bad}")
        if len(set(members)) != len(members):
            raise GroupFileError(f"group {slug!r} lists a member twice")
        groups[slug] = Group(
            slug=slug,
            label=str(entry["label"]),
            members=members,
            source=str(entry["source"]),
            label_fr=str(entry.get("label_fr", "")),
            note=str(entry.get("note", "")),
            non_country_members=tuple(entry.get("non_country_members", ())),
        )
    return groups


@lru_cache(maxsize=8)
def _load(path: str) -> dict[str, Group]:
    with open(path, encoding="utf-8") as fh:
        return _parse(json.load(fh))


def load_groups(path: str | Path | None = None) -> dict[str, Group]:
    """All groups by slug, in file order (the first is the default).

    Returns a fresh dict each call so callers may modify it without touching the cache.
    """
    return dict(_load(str(path or GROUPS_PATH)))


def groups_of(code: str, groups: dict[str, Group] | None = None) -> list[str]:
    """Slugs of the groups a country belongs to, in file order."""
    code = code.upper()
    return [g.slug for g in (groups or load_groups()).values() if code in g.members]
