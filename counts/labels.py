"""Names people read for the codes the store keeps (topics, organizations, countries, groups).

Slugs come from TAXONOMY.md, the tagging contract; the store never holds anything else, so these
tables are complete by construction. A code outside them is shown as it is rather than failing.
"""

from __future__ import annotations

from analysis.countries import country_name
from analysis.groups import load_groups

TOPICS = {
    "defence": "Defence",
    "trade": "Trade",
    "energy": "Energy",
    "critical_minerals": "Critical minerals",
    "technology": "Technology",
    "arctic": "Arctic",
    "climate": "Climate",
    "oceans_fisheries": "Oceans and fisheries",
    "migration": "Migration",
    "human_rights": "Human rights",
    "humanitarian_aid": "Humanitarian aid",
    "health": "Health",
    "conflict": "Conflict",
}
ORGANIZATIONS = {
    "eu": "EU",
    "nato": "NATO",
    "un": "UN",
    "g7": "G7",
    "g20": "G20",
    "asean": "ASEAN",
    "apec": "APEC",
    "aukus": "AUKUS",
    "quad": "Quad",
    "mikta": "MIKTA",
    "cptpp": "CPTPP",
    "wto": "WTO",
    "who": "WHO",
    "imf": "IMF",
    "world_bank": "World Bank",
    "opec": "OPEC",
    "arctic_council": "Arctic Council",
    "five_eyes": "Five Eyes",
    "commonwealth": "Commonwealth",
    "francophonie": "Francophonie",
    "oas": "OAS",
    "african_union": "African Union",
    "brics": "BRICS",
    "icc": "ICC",
    "icj": "ICJ",
    "iaea": "IAEA",
}
LANGS = {"en": "English", "fr": "French"}
UNITS = {"articles": "Articles", "stories": "Stories (syndicated copies counted once)"}
FREQS = {"day": "Day", "week": "Week", "month": "Month"}


def topic(slug: str) -> str:
    return TOPICS.get(slug, slug)


def organization(slug: str) -> str:
    return ORGANIZATIONS.get(slug, slug)


def language(code: str) -> str:
    return LANGS.get(code, code)


def country(code: str | None) -> str:
    return country_name(code) if code else ""


def country_option(code: str) -> str:
    """How a country appears in a select box: the name, with the code people type to find it."""
    return f"{country_name(code)} ({code})"


def pair(code: str) -> str:
    a, _, b = code.partition("-")
    return f"{country_name(a)} – {country_name(b)}"


def group(slug: str | None) -> str:
    g = load_groups().get(slug or "")
    return g.label if g else (slug or "")
