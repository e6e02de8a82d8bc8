"""Story clustering: tables of headline pairs that must and must not share a story."""

import pandas as pd
import pytest

from analysis.stories import cluster_stories, core_clause, normalize_title, proper_nouns, same_story

T0 = pd.Timestamp("2026-03-06T09:00:00Z")


def frame(rows):
    """rows: (title, hours after T0, source)"""
    return pd.DataFrame(
        {
            "id": range(1, len(rows) + 1),
            "title": [r[0] for r in rows],
            "published_at": [(T0 + pd.Timedelta(hours=r[1])).strftime("%Y-%m-%dT%H:%M:%SZ") for r in rows],
            "source": [r[2] for r in rows],
        }
    )


SAME = [
    ("Carney, Takaichi sign defence pact in Tokyo", "Canada and Japan sign defence pact, Carney says in Tokyo"),
    (
        "Carney, Takaichi sign defence pact in Tokyo | CBC News",
        "Carney, Takaichi sign defence pact in Tokyo - CTV News",
    ),
    ("Canada, Japan sign defence pact in Tokyo", "Carney and Takaichi sign Canada-Japan defence pact in Tokyo"),
    ("Trump slaps 25% tariffs on Canadian steel", "Trump slaps 25 per cent tariffs on Canadian steel, aluminum"),
    (
        "Anand meets Chinese foreign minister Wang Yi in Beijing",
        "Foreign Minister Anand meets China's Wang Yi in Beijing",
    ),
    ("Canada expels Indian diplomats over Nijjar killing", "Canada expels 6 Indian diplomats over Nijjar case"),
    (
        "India, Canada agree to restore high commissioners",
        "Canada and India agree to restore high commissioners after G7 meeting",
    ),
    ("UPDATE: Carney lands in Canberra for talks with Albanese", "Carney lands in Canberra for talks with Albanese"),
    ("CARNEY LANDS IN CANBERRA FOR TALKS WITH ALBANESE", "Carney lands in Canberra for talks with Albanese"),
    (
        "Le Canada et le Japon signent un pacte de défense à Tokyo | Radio-Canada",
        "Le Canada et le Japon signent un pacte de defense a Tokyo - Le Devoir",
    ),
    (
        "Ottawa, Tokyo sign LNG supply deal as U.S. tariffs bite",
        "Ottawa and Tokyo sign LNG supply deal as US tariffs bite",
    ),
    (
        "Carney et Takaichi signent un pacte de défense à Tokyo",
        "Le Canada et le Japon signent un pacte de défense, dit Carney à Tokyo",
    ),
]

DIFFERENT = [
    ("Canada and Japan sign LNG deal", "Canada and Japan hold coast guard drills"),
    ("Canada and Japan sign LNG deal", "Canada and Japan sign critical minerals deal"),
    ("Carney meets Albanese in Canberra", "Carney meets Modi in Kananaskis"),
    ("Canada imposes sanctions on Russia", "Canada imposes sanctions on Iran"),
    ("Carney to visit Japan next week", "Carney to visit India next week"),
    (
        "Canada announces new sanctions on Russian oil executives over Ukraine war",
        "Canada announces new sanctions on Iranian oil executives over Ukraine war",
    ),
    ("Carney, Wang Yi agree on nuclear energy accord", "Wang Yi, Sharif agree on nuclear energy accord"),
    (
        "Canada to impose 25 per cent tariffs on Chinese electric vehicles",
        "Canada to impose 100 per cent tariffs on Chinese electric vehicles",
    ),
    ("Canada-Japan relations", "Canada-Japan relations: what the LNG deal means for B.C. exporters"),
    (
        "Le Canada et le Japon signent un accord sur le GNL",
        "Le Canada et le Japon tiennent des exercices de garde côtière",
    ),
    ("Ottawa impose des sanctions à la Russie", "Ottawa impose des sanctions à l'Iran"),
    # demonyms are countries too: a swap of one for another is a different story
    (
        "Australian firefighters arrive to help battle Canadian wildfires",
        "Mexican firefighters arrive to help battle Canadian wildfires",
    ),
    (
        "Canadian troops arrive in Latvia to lead NATO battle group",
        "Canadian troops arrive in Poland to lead NATO battle group",
    ),
    (
        "Chinese foreign minister visits Ottawa for trade talks",
        "Japanese foreign minister visits Ottawa for trade talks",
    ),
    (
        "Canadian curlers suffer extra-end loss to Sweden at mixed doubles worlds",
        "Canadian curlers suffer extra-end loss to Scotland at mixed doubles worlds",
    ),  # real CBC pair, 2025
    # a city swapped for a city (not a demonym) still separates
    (
        "Australian firefighters arrive in Winnipeg to help battle wildfires",
        "Australian firefighters arrive in Kelowna to help battle wildfires",
    ),
    # the main-clause score must not let a shared clause carry different news
    (
        "Carney sworn in as prime minister; U.S. trade war tops agenda",
        "Poilievre concedes defeat; U.S. trade war tops agenda",
    ),
    ("Ukraine war: Zelenskyy visits Ottawa", "Ukraine war: Putin visits Pyongyang"),
    ("Japan", "Japan"),  # too little to go on is still an exact match (kept last: tested apart)
]

# Three syndicated copies of one wire story (sample_data/en, slug australian-mexican-firefighters-arrive):
# one swaps the demonyms for names, one swaps "Canadian" for the city.
FIREFIGHTERS = [
    ("Australian and Mexican firefighters arrive to help battle Canadian wildfires", 0, "Canadian Wire"),
    ("Australian and Mexican firefighters arrive in Winnipeg to help battle wildfires", 5, "Prairie Post"),
    ("Firefighters from Australia and Mexico arrive to help battle Canadian wildfires", 8, "Northern Dispatch"),
]
# The wire story plus a copy with a second clause added (slug carney-sworn-in-prime-minister).
SWORN_IN = [
    ("Mark Carney sworn in as Canada's 24th prime minister", 0, "Canadian Wire"),
    ("Carney sworn in as Canada's 24th prime minister", 2, "Capital Ledger"),
    ("Mark Carney sworn in as prime minister; U.S. trade war tops agenda", 5, "Northern Dispatch"),
]


@pytest.mark.parametrize("a,b", SAME)
def test_copies_share_a_story(a, b):
    stories = cluster_stories(frame([(a, 0, "CBC News"), (b, 5, "CTV News")]))
    assert stories.tolist() == [1, 1]


@pytest.mark.parametrize("a,b", DIFFERENT[:-1])
def test_different_stories_stay_apart(a, b):
    stories = cluster_stories(frame([(a, 0, "CBC News"), (b, 5, "CTV News")]))
    assert stories.tolist() == [1, 2]


def test_sample_syndicated_copies_cluster():
    assert cluster_stories(frame(FIREFIGHTERS)).tolist() == [1, 1, 1]
    df = frame(FIREFIGHTERS)  # with the tagger's countries (title and summary), as ingest passes them
    df["countries"] = ["AUS,CAN,MEX", "AUS,MEX", "AUS,CAN,MEX"]
    assert cluster_stories(df).tolist() == [1, 1, 1]


def test_added_clause_copy_clusters_when_countries_agree():
    # The added clause names the U.S. and the wire title Canada: from the titles alone that is a
    # country swap; the tagger's countries (Carney is CAN, the summaries name both) settle it.
    df = frame(SWORN_IN)
    df["countries"] = ["CAN,USA"] * 3
    assert cluster_stories(df).tolist() == [1, 1, 1]
    df["countries"] = ["CAN,USA", "CAN,USA", "CAN,USA,MEX"]
    assert cluster_stories(df).tolist() == [1, 1, 1]
    df["countries"] = ["CAN", "CAN", "USA"]
    assert cluster_stories(df).tolist() == [1, 1, 3]


def test_sample_copies_do_not_absorb_neighbours():
    rows = FIREFIGHTERS + [
        ("Mexican firefighters return home after battling Canadian wildfires", 7, "Capital Ledger"),
        # the wire's title again, by the wire, a day and a half later: a new story, not a copy
        ("Australian and Mexican firefighters arrive to help battle Canadian wildfires", 40, "Canadian Wire"),
    ]
    assert cluster_stories(frame(rows)).tolist() == [1, 1, 1, 4, 5]


def test_core_clause():
    assert (
        core_clause("Mark Carney sworn in as prime minister; U.S. trade war tops agenda")
        == "mark carney sworn prime minister"
    )
    assert core_clause("Ukraine war: Zelenskyy visits Ottawa") == "zelenskyy visits ottawa"
    assert core_clause("Carney lands in Canberra") == "carney lands canberra"
    assert core_clause("Tariffs: a primer") == "tariffs primer"  # no clause of 3 content words


def test_identical_short_titles_cluster():
    assert cluster_stories(frame([("Japan", 0, "A"), ("Japan", 1, "B")])).tolist() == [1, 1]


def test_time_window():
    a = "Carney, Takaichi sign defence pact in Tokyo"
    assert cluster_stories(frame([(a, 0, "CBC News"), (a, 47, "CTV News")])).tolist() == [1, 1]
    assert cluster_stories(frame([(a, 0, "CBC News"), (a, 49, "CTV News")])).tolist() == [1, 2]


def test_same_outlet_recurring_title_does_not_chain():
    t = "Your morning briefing: Carney, Japan and the LNG deal"
    rows = [(t, h, "Globe") for h in (0, 24, 48, 72)]
    assert cluster_stories(frame(rows)).tolist() == [1, 2, 3, 4]
    # but an update by the same outlet within hours is the same story
    assert cluster_stories(frame([(t, 0, "Globe"), (t, 3, "Globe")])).tolist() == [1, 1]


def test_transitive_group_and_smallest_id():
    rows = [
        ("Canada and Japan hold coast guard drills", 0, "Global News"),
        ("Carney, Takaichi sign defence pact in Tokyo | CBC News", 1, "CBC News"),
        ("Canada and Japan sign defence pact, Carney says in Tokyo - National Post", 2, "National Post"),
        ("Carney, Takaichi sign defence pact in Tokyo", 3, "CTV News"),
        ("Canada and Japan sign LNG deal", 4, "Reuters"),
    ]
    df = frame(rows)
    df["id"] = [50, 12, 40, 30, 7]
    out = cluster_stories(df)
    assert out.index.tolist() == [50, 12, 40, 30, 7]
    assert out.tolist() == [50, 12, 12, 12, 7]
    assert out.name == "story_id" and out.index.name == "id"


def test_tagger_countries_column_separates_leader_swaps():
    a, b = (
        "Carney meets premier in Tokyo to talk trade and energy",
        "Carney meets premier in Seoul to talk trade and energy",
    )
    df = frame([(a, 0, "A"), (b, 1, "B")])
    df["countries"] = [("CAN", "JPN"), ("CAN", "KOR")]
    assert cluster_stories(df).tolist() == [1, 2]
    df["countries"] = [("CAN", "JPN"), ("CAN", "JPN")]
    assert cluster_stories(df.assign(title=[a, a])).tolist() == [1, 1]
    # one headline, two visits: only the tagger's countries (from the summaries) tell them apart
    same = frame(
        [
            ("Carney meets premier to talk trade and energy", 0, "A"),
            ("Carney meets premier to talk trade and energy", 1, "B"),
        ]
    )
    assert cluster_stories(same).tolist() == [1, 1]
    assert cluster_stories(same.assign(countries=["CAN,JPN", "CAN,KOR"])).tolist() == [1, 2]


def test_empty_countries_fall_back_to_the_title():
    a = "Canada imposes sanctions on Russian oil executives over Ukraine war"
    df = frame([(a, 0, "A"), (a + ", officials say", 1, "B"), (a.replace("Russian", "Iranian"), 2, "C")])
    df["countries"] = ["", "CAN,RUS,UKR", None]  # untagged rows: '' from the store, or missing
    assert cluster_stories(df).tolist() == [1, 1, 3]


def test_bad_input_is_its_own_story():
    df = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "title": ["", None, "Carney in Tokyo for talks", "Carney in Tokyo for talks"],
            "published_at": ["2026-03-06T09:00:00Z", "2026-03-06T09:00:00Z", "not a date", "2026-03-06T10:00:00Z"],
            "source": ["A", "B", "C", "D"],
        }
    )
    assert cluster_stories(df).tolist() == [1, 2, 3, 4]


def test_empty_and_datetime_input_and_no_mutation():
    empty = cluster_stories(pd.DataFrame(columns=["id", "title", "published_at", "source"]))
    assert empty.empty and empty.name == "story_id"
    df = frame(
        [
            ("Carney lands in Canberra for talks with Albanese", 0, "A"),
            ("Carney lands in Canberra for talks with Albanese", 1, "B"),
        ]
    )
    df["published_at"] = pd.to_datetime(df["published_at"], utc=True)
    before = df.copy()
    assert cluster_stories(df).tolist() == [1, 1]
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    "title,source,expected",
    [
        (
            "Carney, Takaichi sign defence pact in Tokyo | CBC News",
            "CBC News",
            "carney takaichi sign defence pact tokyo",
        ),
        ("Canada and Japan sign defence pact - National Post", "National Post", "canada japan sign defence pact"),
        ("Opinion | Why Canada needs Japan", None, "why canada needs japan"),
        ("UPDATE: Canada-Japan deal signed - CTV News - Politics", None, "canada japan deal signed"),
        ("Tariffs - Canada responds", None, "tariffs canada responds"),
        ("Carney à Tokyo - Le Devoir", "Le Devoir", "carney tokyo"),
        ("U.S. and U.K. talks", None, "us uk talks"),
        (None, None, ""),
        ("Kim orders increase in N. Korea's arsenal", None, "kim orders increase north korea arsenal"),
        ("Seoul's Korea policy", None, "seoul korea policy"),
    ],
)
def test_normalize_title(title, source, expected):
    assert normalize_title(title, source) == expected


def test_proper_nouns():
    assert proper_nouns("Carney meets Wang Yi in Beijing") == {"carney", "wang", "yi", "beijing"}
    assert proper_nouns("Carney Meets Wang Yi In Beijing") is None


def test_same_story_direct():
    assert same_story(
        "carney takaichi sign defence pact tokyo",
        "canada japan sign defence pact carney tokyo",
        frozenset({"carney", "takaichi", "tokyo"}),
        frozenset({"canada", "japan", "carney", "tokyo"}),
    )
    assert not same_story("canada imposes sanctions russia", "canada imposes sanctions iran")
    assert not same_story("", "x")
