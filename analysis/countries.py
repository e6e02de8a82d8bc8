"""Display names and code conversions for countries (ISO 3166-1 alpha-3, as in TAXONOMY.md).

Names come from pycountry (English, and French through pycountry's bundled ``iso3166-1``
gettext catalogue), with ``analysis/data/display_names.csv`` overriding the ~30 official names
that read badly in a chart ("Korea, Republic of" -> "South Korea").

Choropleths: plotly's ``px.choropleth(df, locations="country", locationmode="ISO-3")`` takes
these alpha-3 codes directly, so no conversion is needed; pass ``name_map(lang)`` values as
``hover_name``. Kosovo (``XKX``, a user-assigned code) may be absent from plotly's base map and
is then simply not drawn. ``iso2`` and ``iso_numeric`` serve libraries that key on other codes.
"""

from __future__ import annotations

import csv
import gettext
from functools import lru_cache
from pathlib import Path

import pycountry

DISPLAY_NAMES_PATH = Path(__file__).resolve().parent / "data" / "display_names.csv"
LANGS = ("en", "fr")

# Kosovo has no ISO 3166-1 code; XK / XKX are the user-assigned codes used by the EU,
# the IMF and most data providers, and TAXONOMY.md adopts XKX.
_EXTRA_ALPHA2 = {"XKX": "XK"}


@lru_cache(maxsize=1)
def _overrides() -> dict[str, dict[str, str]]:
    with open(DISPLAY_NAMES_PATH, encoding="utf-8", newline="") as fh:
        return {
            row["code"].strip().upper(): {"en": row["en"].strip(), "fr": row["fr"].strip()}
            for row in csv.DictReader(fh)
        }


@lru_cache(maxsize=1)
def _french() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    except OSError:  # a pycountry build without locales: fall back to English names
        return gettext.NullTranslations()


@lru_cache(maxsize=1)
def all_country_codes() -> list[str]:
    """Every alpha-3 code a tag may carry: pycountry's 249 plus Kosovo's XKX, sorted."""
    return sorted({c.alpha_3 for c in pycountry.countries} | set(_EXTRA_ALPHA2))


@lru_cache(maxsize=1024)
def country_name(code: str, lang: str = "en") -> str:
    """The name to show for ``code`` in ``lang`` ('en' or 'fr'; anything else means 'en').

    An unknown code is returned unchanged (upper-cased) so that a chart never fails on it.
    """
    code = (code or "").strip().upper()
    lang = lang if lang in LANGS else "en"
    over = _overrides().get(code)
    if over and over.get(lang):
        return over[lang]
    record = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    if record is None:
        return code
    if lang == "fr":
        return _french().gettext(record.name)
    return getattr(record, "common_name", None) or record.name


def name_map(lang: str = "en", codes=None) -> dict[str, str]:
    """``{code: name}`` for ``codes`` (default: all), e.g. to label a plotly choropleth."""
    return {c: country_name(c, lang) for c in (all_country_codes() if codes is None else codes)}


def iso2(code: str) -> str | None:
    """ISO 3166-1 alpha-2 for an alpha-3 code (``XKX`` -> ``XK``), ``None`` when unknown."""
    code = (code or "").strip().upper()
    if code in _EXTRA_ALPHA2:
        return _EXTRA_ALPHA2[code]
    record = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    return record.alpha_2 if record else None


def iso3_from_iso2(code: str) -> str | None:
    """The inverse of :func:`iso2`."""
    code = (code or "").strip().upper()
    for a3, a2 in _EXTRA_ALPHA2.items():
        if a2 == code:
            return a3
    record = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return record.alpha_3 if record else None


def iso_numeric(code: str) -> str | None:
    """ISO 3166-1 numeric code as a 3-digit string ('124' for CAN); ``None`` for XKX or unknown."""
    code = (code or "").strip().upper()
    record = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    return record.numeric if record else None
