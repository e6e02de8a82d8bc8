import csv

import pycountry
import pytest

from analysis.countries import (
    DISPLAY_NAMES_PATH,
    all_country_codes,
    country_name,
    iso2,
    iso3_from_iso2,
    iso_numeric,
    name_map,
)


@pytest.mark.parametrize(
    "code,en,fr",
    [
        ("CAN", "Canada", "Canada"),
        ("JPN", "Japan", "Japon"),
        ("KOR", "South Korea", "Corée du Sud"),
        ("PRK", "North Korea", "Corée du Nord"),
        ("RUS", "Russia", "Russie"),
        ("TWN", "Taiwan", "Taïwan"),
        ("TUR", "Türkiye", "Turquie"),
        ("DEU", "Germany", "Allemagne"),
        ("USA", "United States", "États-Unis"),
        ("IRN", "Iran", "Iran"),
        ("XKX", "Kosovo", "Kosovo"),
        ("COD", "DR Congo", "RD Congo"),
    ],
)
def test_names(code, en, fr):
    assert country_name(code) == en
    assert country_name(code, "fr") == fr


def test_lowercase_and_unknown_codes():
    assert country_name("jpn") == "Japan"
    assert country_name("ZZZ") == "ZZZ"
    assert country_name("") == ""
    assert country_name("JPN", "de") == "Japan"


def test_all_codes_have_readable_names_in_both_languages():
    codes = all_country_codes()
    assert len(codes) == len(pycountry.countries) + 1 and "XKX" in codes and codes == sorted(codes)
    for code in codes:
        for lang in ("en", "fr"):
            name = country_name(code, lang)
            assert name and name != code, (code, lang)
            # ISO's inverted forms ("Korea, Republic of") must not reach the screen.
            assert ", " not in name or code in {"BES", "SHN"}, (code, lang, name)


def test_display_names_file_is_well_formed():
    with open(DISPLAY_NAMES_PATH, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(set(r) == {"code", "en", "fr"} for r in rows)
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    assert set(codes) <= set(all_country_codes())


def test_code_conversions():
    assert iso2("CAN") == "CA" and iso2("XKX") == "XK" and iso2("nope") is None
    assert iso3_from_iso2("jp") == "JPN" and iso3_from_iso2("XK") == "XKX" and iso3_from_iso2("QQ") is None
    assert iso_numeric("CAN") == "124" and iso_numeric("XKX") is None


def test_name_map():
    m = name_map("fr", ["CAN", "JPN"])
    assert m == {"CAN": "Canada", "JPN": "Japon"}
    assert len(name_map()) == len(all_country_codes())
