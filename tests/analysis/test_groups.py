import json

import pycountry
import pytest

from analysis.groups import DEFAULT_GROUP, Group, GroupFileError, groups_of, load_groups

REQUIRED = {"middle_powers", "great_powers", "g7", "g20", "eu27", "mikta", "nato", "five_eyes", "indo_pacific"}


@pytest.fixture
def groups():
    return load_groups()


def test_required_groups_present_and_default_first(groups):
    assert REQUIRED <= set(groups)
    assert next(iter(groups)) == DEFAULT_GROUP


def test_every_member_is_a_pycountry_alpha3(groups):
    for g in groups.values():
        for code in g.members:
            assert pycountry.countries.get(alpha_3=code) is not None, (g.slug, code)


def test_every_group_has_labels_and_source(groups):
    for g in groups.values():
        assert g.label and g.label_fr and g.source, g.slug
        assert len(set(g.members)) == len(g.members)


@pytest.mark.parametrize(
    "slug,size",
    [
        ("g7", 7),
        ("g20", 19),
        ("eu27", 27),
        ("mikta", 5),
        ("nato", 32),
        ("five_eyes", 5),
        ("great_powers", 3),
        ("middle_powers", 8),
        ("indo_pacific", 40),
    ],
)
def test_group_sizes(groups, slug, size):
    assert len(groups[slug].members) == size


def test_known_memberships(groups):
    assert set(groups["middle_powers"].members) == {"CAN", "AUS", "JPN", "KOR", "MEX", "IDN", "TUR", "IND"}
    assert set(groups["mikta"].members) <= set(groups["middle_powers"].members)
    assert set(groups["g7"].members) <= set(groups["g20"].members)
    assert "SWE" in groups["nato"].members and "FIN" in groups["nato"].members
    assert "GBR" not in groups["eu27"].members
    assert groups["g20"].non_country_members == ("EU", "AU")
    assert {"TWN", "PRK", "FJI"} <= set(groups["indo_pacific"].members)
    assert "USA" not in groups["indo_pacific"].members


def test_label_in_french(groups):
    assert groups["nato"].label_in("fr") == "OTAN (32)"
    assert groups["nato"].label_in("en") == "NATO (32)"


def test_groups_of():
    assert {"middle_powers", "g7", "g20", "nato", "five_eyes"} <= set(groups_of("can"))
    assert "indo_pacific" not in groups_of("CAN")


def test_load_returns_a_copy():
    a = load_groups()
    a.pop("g7")
    assert "g7" in load_groups()


def test_edited_file_is_read(tmp_path):
    p = tmp_path / "groups.json"
    p.write_text(
        json.dumps(
            {
                "groups": [
                    {
                        "slug": "arctic8",
                        "label": "Arctic Council",
                        "label_fr": "Conseil de l'Arctique",
                        "members": ["can", "USA", "RUS", "NOR", "DNK", "ISL", "SWE", "FIN"],
                        "source": "arctic-council.org",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    g = load_groups(p)
    assert g == {
        "arctic8": Group(
            "arctic8",
            "Arctic Council",
            ("CAN", "USA", "RUS", "NOR", "DNK", "ISL", "SWE", "FIN"),
            "arctic-council.org",
            label_fr="Conseil de l'Arctique",
        )
    }


@pytest.mark.parametrize(
    "entry",
    [
        {"slug": "x", "label": "X", "members": ["CAN"]},  # no source
        {"slug": "x", "label": "X", "members": ["CANADA"], "source": "s"},  # not alpha-3
        {"slug": "x", "label": "X", "members": ["CAN", "CAN"], "source": "s"},  # duplicate member
    ],
)
def test_malformed_group_rejected(tmp_path, entry):
    p = tmp_path / "groups.json"
    p.write_text(json.dumps({"groups": [entry]}), encoding="utf-8")
    with pytest.raises(GroupFileError):
        load_groups(p)


def test_duplicate_slug_rejected(tmp_path):
    p = tmp_path / "groups.json"
    e = {"slug": "x", "label": "X", "members": ["CAN"], "source": "s"}
    p.write_text(json.dumps({"groups": [e, e]}), encoding="utf-8")
    with pytest.raises(GroupFileError):
        load_groups(p)
