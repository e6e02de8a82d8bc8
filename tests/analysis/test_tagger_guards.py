"""Every trap of issue 3 and TAXONOMY.md as a table: headline (+ summary, date) -> expected countries.

One parametrized test sweeps the table; a failing row names the trap it guards.
"""

import pytest

from analysis.language import detect
from analysis.tagger import tag

# (trap, title, summary, published, expected countries)
COUNTRY_CASES = [
    ("Jordan the country", "Jordan's King Abdullah meets Canadian envoy in Amman", "", "2025-05-01", {"JOR", "CAN"}),
    ("Jordan Peterson is a person", "Jordan Peterson to speak at Toronto event", "", "2025-05-01", set()),
    ("Jordan as a first name", "Jordan Bennett scores twice for Halifax", "", "2025-05-01", set()),
    ("Jim Jordan is a person", "The Jim Jordan from Ohio? CNN host asks", "", "2023-10-12", set()),
    ("Chad Kroeger is a person", "Singer Chad Kroeger plays Vancouver", "", "2024-10-01", set()),
    ("Title Case headline keeps Jordan", "Jordan Rejects Israeli Proposal For Talks", "", "2024-10-01", {"JOR", "ISR"}),
    ("Chad the country", "Canada sends aid to refugees in Chad", "", "2024-05-01", {"CAN", "TCD"}),
    ("Chad Smith is a person", "Chad Smith joins band on stage in Edmonton", "", "2024-05-01", set()),
    ("turkey dinner", "Turkey dinner prices climb ahead of Thanksgiving", "", "2024-10-01", set()),
    ("turkey, lower case", "Grocers say the price of turkey is up 12 per cent", "", "2024-10-01", set()),
    ("Turkey the country", "Turkey and Canada discuss drone export permits", "", "2024-10-01", {"TUR", "CAN"}),
    ("Türkiye with accent", "Türkiye hosts talks on grain corridor", "", "2024-10-01", {"TUR"}),
    ("china cabinet", "Antique china cabinet fetches record price at auction", "", "2024-10-01", set()),
    ("fine china", "How to wash fine china without chipping it", "", "2024-10-01", set()),
    ("China the country", "China lifts canola restrictions", "", "2024-10-01", {"CHN"}),
    ("guinea pig", "Vet clinic treats guinea pig with rare condition", "", "2024-10-01", set()),
    ("Guinea", "Guinea's junta schedules referendum", "", "2024-10-01", {"GIN"}),
    ("Equatorial Guinea", "Equatorial Guinea opens embassy", "", "2024-10-01", {"GNQ"}),
    ("Guinea-Bissau", "Guinea-Bissau election results delayed", "", "2024-10-01", {"GNB"}),
    ("Papua New Guinea", "Papua New Guinea signs defence pact", "", "2024-10-01", {"PNG"}),
    ("Papua province", "Floods hit Papua as rains continue", "", "2024-10-01", set()),
    ("Niger vs Nigeria", "Nigeria closes border with Niger after coup", "", "2024-10-01", {"NGA", "NER"}),
    ("Nigeria alone", "Nigeria's president visits Ottawa", "", "2024-10-01", {"NGA", "CAN"}),
    ("DR Congo", "DR Congo and Rwanda sign peace deal", "", "2025-06-27", {"COD", "RWA"}),
    ("Republic of the Congo", "Republic of the Congo holds election", "", "2025-06-27", {"COG"}),
    ("Dominica", "Dominica rebuilds after hurricane", "", "2024-10-01", {"DMA"}),
    ("Dominican Republic", "Dominican Republic deports Haitians", "", "2024-10-01", {"DOM", "HTI"}),
    ("South Sudan", "South Sudan delays elections again", "", "2024-10-01", {"SSD"}),
    ("Sudan", "Sudan's army retakes Khartoum", "", "2025-03-26", {"SDN"}),
    ("North Korea", "North Korea fires missile", "", "2024-10-01", {"PRK"}),
    ("South Korea", "South Korea and Canada sign defence deal", "", "2024-10-01", {"KOR", "CAN"}),
    ("Ireland", "Ireland recognizes Palestine", "", "2024-05-28", {"IRL", "PSE"}),
    ("Northern Ireland is not Ireland", "Northern Ireland assembly returns", "", "2024-10-01", set()),
    ("New Mexico", "New Mexico wildfire forces evacuations", "", "2024-10-01", set()),
    ("Mexico", "Mexico and Canada talk trade", "", "2024-10-01", {"MEX", "CAN"}),
    ("Mexico City is the capital", "Leaders meet in Mexico City", "", "2024-10-01", {"MEX"}),
    ("New Jersey", "New Jersey Devils sign defenceman", "", "2024-10-01", set()),
    ("Georgia the U.S. state", "Georgia voters head to polls as Atlanta suburbs swing", "", "2024-10-01", set()),
    (
        "Georgia the country",
        "Georgia's parliament passes foreign agent law as protesters fill Tbilisi",
        "",
        "2024-05-14",
        {"GEO"},
    ),
    ("Strait of Georgia", "Ferries cancelled on the Strait of Georgia", "", "2024-10-01", set()),
    ("Washington state", "Washington state wildfire crosses into B.C.", "", "2024-10-01", set()),
    ("Washington = USA", "Ottawa and Washington trade barbs over tariffs", "", "2025-03-05", {"CAN", "USA"}),
    ("Ottawa Senators", "Ottawa Senators beat Leafs in overtime", "", "2024-10-01", set()),
    ("Team Canada hockey", "Team Canada beats Sweden at world juniors", "", "2025-01-01", set()),
    ("Team Canada trade mission", "A Team Canada trade mission lands in Japan", "", "2026-03-20", {"CAN", "JPN"}),
    ("US$ is a currency mark", "Loonie trades at 72 cents US$ after rate cut", "", "2024-10-01", set()),
    ("C$ is a currency mark", "Startup raises C$40 million", "", "2024-10-01", set()),
    ("Health Canada counts", "Health Canada recalls baby formula", "", "2024-10-01", {"CAN"}),
    ("Air Canada counts", "Air Canada pilots vote to strike", "", "2024-10-01", {"CAN"}),
    (
        "French elision l'Inde",
        "Le Canada et l'Inde rétablissent leurs hauts-commissaires",
        "",
        "2025-06-17",
        {"CAN", "IND"},
    ),
    ("French elision d'Haïti", "Des réfugiés d'Haïti arrivent à Montréal", "", "2024-10-01", {"HTI"}),
    ("aux États-Unis", "Exportations aux États-Unis en baisse", "", "2024-10-01", {"USA"}),
    ("les États-Unis without accent", "Les Etats-Unis imposent des droits de douane", "", "2024-10-01", {"USA"}),
    ("Turkey vs Türkiye same code", "Turkey, Türkiye: one country", "", "2024-10-01", {"TUR"}),
    ("demonym japonais", "Un investisseur japonais achète une mine", "", "2024-10-01", {"JPN"}),
    ("demonym japonaise", "La délégation japonaise arrive", "", "2024-10-01", {"JPN"}),
    ("inclusive demonym japonais·es", "Des étudiant·es japonais·es en visite", "", "2024-10-01", {"JPN"}),
    ("demonym Palestinians", "Palestinians mark anniversary", "", "2024-10-01", {"PSE"}),
    ("capital Pékin", "Pékin dénonce les sanctions", "", "2024-10-01", {"CHN"}),
    ("capital Beijing", "Beijing warns Ottawa over Taiwan", "", "2024-10-01", {"CHN", "CAN", "TWN"}),
    ("Carney before his term", "Carney speaks at Bank of England event", "", "2019-06-01", set()),
    ("Carney as prime minister", "Carney speaks to reporters", "", "2025-03-20", {"CAN"}),
    ("Joly as foreign minister", "Joly meets NATO counterparts", "", "2023-04-04", {"CAN"}),
    ("Joly after her term", "Joly opens a factory in Quebec", "", "2025-09-01", set()),
    ("surname without a term", "Joly opens a factory in Quebec", "", "2019-09-01", set()),
    ("cities do not count", "Toronto and Mumbai sign a sister-city deal", "", "2024-10-01", set()),
    ("regions do not count", "Gaza and Crimea in the news", "", "2024-10-01", set()),
    ("organizations are not countries", "Hamas and the Taliban", "", "2024-10-01", set()),
    ("Hong Kong has its own code", "Hong Kong activists seek asylum in Canada", "", "2024-10-01", {"HKG", "CAN"}),
    ("Taiwan", "Taiwan Strait transit by Canadian frigate", "", "2024-10-01", {"CAN"}),
    ("Greenland", "Greenland election draws attention", "", "2025-03-11", {"GRL"}),
    ("Kosovo XKX", "Kosovo and Serbia agree to talks", "", "2024-10-01", {"XKX", "SRB"}),
    ("U.S. abbreviation", "U.S. tariffs hit Canadian steel", "", "2025-03-12", {"USA", "CAN"}),
    ("us lower case is a pronoun", "Tell us what you think", "", "2024-10-01", set()),
    ("U.K. and Britain", "Britain and the U.K.", "", "2024-10-01", {"GBR"}),
    ("British Columbia is a province", "British Columbia floods close highway", "", "2024-10-01", set()),
    ("Indian Act is Canadian law", "First Nations challenge the Indian Act", "", "2024-10-01", set()),
    ("Georgian Bay", "Cottagers on Georgian Bay brace for storm", "", "2024-10-01", set()),
    ("London, Ont.", "London, Ont., council approves budget", "", "2024-10-01", set()),
    (
        "Kingston, Ont.",
        "Kingston council debates transit as Queen's University students return to Ontario",
        "",
        "2024-09-01",
        set(),
    ),
    (
        "Kingston = Jamaica",
        "Kingston declares state of emergency as Jamaica braces for hurricane",
        "",
        "2024-07-01",
        {"JAM"},
    ),
    ("London = U.K.", "London and Ottawa sign trade continuity deal", "", "2024-10-01", {"GBR", "CAN"}),
    (
        "sud-américain is not American",
        "Le Brésil relance les discussions avec le bloc sud-américain",
        "",
        "2025-05-01",
        {"BRA"},
    ),
    ("chili the dish", "Chili cook-off raises $20,000 for food bank", "", "2024-10-01", set()),
    ("Chili the country in French", "Le Chili élit un nouveau président", "", "2025-12-15", {"CHL"}),
    ("empty title", "", "", None, set()),
    ("Xi'an is a city, not Xi", "Tourists flock to Xi'an to see the terracotta warriors", "", "2024-05-01", set()),
    ("Xian spelling is a city", "Flights to Xian resume", "", "2024-05-01", set()),
    ("Wellington Street is in Ottawa", "Crowds fill Wellington St. for the July 1 parade", "", "2025-07-01", set()),
    (
        "Wellington alone is New Zealand's capital",
        "Wellington announces new climate targets",
        "",
        "2025-07-01",
        {"NZL"},
    ),
    ("Xi is China's president", "Xi hosts Carney in Beijing", "", "2026-01-15", {"CHN", "CAN"}),
    ("out-of-term Israel Katz keeps the Israel inside", "Israel Katz criticizes UN report", "", "2023-06-01", {"ISR"}),
    ("in-term Israel Katz is Israel", "Israel Katz orders troops to stay in Gaza", "", "2025-03-01", {"ISR"}),
    ("a Governor General is not Canada (g083)", "Mary Simon presents bravery decorations", "", "2024-06-01", set()),
    ("nor is a former one", "Julie Payette speaks at Montreal event", "", "2019-06-01", set()),
    ("a seat of government is not a listed form", "White House weighs new chip export rules", "", "2024-06-01", set()),
    (
        "French the language is not France",
        "Ontario adds French immersion spaces as Quebec tightens rules",
        "",
        "2024-06-01",
        set(),
    ),
    ("French officials are France", "Quebec and French officials sign youth mobility deal", "", "2024-06-01", {"FRA"}),
    (
        "the Pan American Games are not the U.S.",
        "Canadian swimmer wins gold at the Pan American Games",
        "",
        "2023-10-25",
        {"CAN"},
    ),
    (
        "a sports story keeps a country written as a place",
        "Canada beats Finland at world juniors",
        "The game was played in Gothenburg, Sweden.",
        "2024-01-01",
        {"SWE"},
    ),
    (
        "a language in a sports story is no place",
        "He calls baseball games in Spanish for a Toronto radio station",
        "",
        "2024-01-01",
        set(),
    ),
    (
        "a list of teams before a comma is no city",
        "Six Nations, France-Scotland: a record crowd at the match",
        "",
        "2024-01-01",
        set(),
    ),
    ("a number before U.S. is no amount", "33 U.S. states sue social media giant", "", "2023-10-25", {"USA"}),
    ("a police rank before a name", "Const. Travis Jordan remembered at Edmonton service", "", "2023-05-01", set()),
    (
        "Holland as a surname is not the Netherlands",
        "Health Minister Mark Holland tables pharmacare bill",
        "",
        "2024-02-29",
        set(),
    ),
    (
        "San Marcos is a place, not Marcos",
        "Students occupy the University of San Marcos in Lima",
        "",
        "2023-05-01",
        {"PER"},
    ),
]


@pytest.mark.parametrize("trap,title,summary,published,expected", COUNTRY_CASES, ids=[c[0] for c in COUNTRY_CASES])
def test_country_guard(trap, title, summary, published, expected):
    assert set(tag(title, summary, published).countries) == expected


# (trap, title, summary, published, expected pairs)
PAIR_CASES = [
    ("dash names a pair", "Canada-Japan strategic partnership signed", "", "2026-03-06", {"CAN-JPN"}),
    ("leaders by date make a pair", "Carney meets Takaichi in Tokyo", "", "2026-03-06", {"CAN-JPN"}),
    ("teaming up is dealing", "Canada and Australia team up on polar research", "", "2025-09-01", {"AUS-CAN"}),
    (
        "a common approach is dealing",
        "Canada and France push for a common approach to AI governance",
        "",
        "2025-09-01",
        {"CAN-FRA"},
    ),
    ("s'allier is dealing", "Le Canada et le Mexique s'allient contre les tarifs", "", "2025-04-01", {"CAN-MEX"}),
    ("codes in alphabetical order", "Japan and Canada sign agreement", "", "2026-03-06", {"CAN-JPN"}),
    ("a venue is not a party", "Canada and the EU sign defence pact at a summit in Brussels", "", "2025-06-23", set()),
    (
        "a deterrence posture is not a pair",
        "Carney visits Latvia",
        "He said Canadian troops would stay as long as needed to deter Moscow.",
        "2025-08-26",
        {"CAN-LVA"},
    ),
    (
        "co-objects do not pair with each other",
        "Canada sends aid to Turkey and Syria after earthquake",
        "",
        "2023-02-07",
        {"CAN-SYR", "CAN-TUR"},
    ),
    pytest.param(
        "a list of members is not a pair",
        "Britain joins CPTPP",
        "The pact also includes Canada, Japan, Australia, Mexico and Vietnam.",
        "2024-12-15",
        set(),
        id="a list of members is not a pair",
    ),
    (
        "English 'a' is not the French 'à' of a venue",
        "Security officials report a Beijing-linked online operation focused on Carney",
        "",
        "2025-04-20",
        {"CAN-CHN"},
    ),
    (
        "two places are not a pair",
        "Tariffs hitting shoppers in Canada and U.S., with some prices set to rise",
        "",
        "2025-04-20",
        set(),
    ),
    (
        "a place passes along 'in the U.S. and Canada'",
        "Salmonella illness counts grow in Canada, U.S.",
        "More than 100 people in the U.S. and Canada have been sickened.",
        "2023-11-20",
        set(),
    ),
    pytest.param(
        "a chain of joint subjects pairs all its members (g343)",
        "Quad leaders pledge maritime security initiative",
        "The United States, India, Japan and Australia announced joint coast guard training.",
        "2024-09-22",
        {"AUS-IND", "AUS-JPN", "AUS-USA", "IND-JPN", "IND-USA", "JPN-USA"},
        id="a chain of joint subjects pairs all its members (g343)",
        marks=pytest.mark.xfail(
            strict=True,
            reason="model of 2026-12-05 (late, 6,030 training items): AUS-USA scores 0.377 against the pair "
            "threshold 0.40, the other five 0.47-0.56 (python -m analysis explain shows it); a borderline miss",
        ),
    ),
    (
        "ministers from a list of countries meeting (g341)",
        "MIKTA foreign ministers meet in New York",
        "Ministers from Mexico, Indonesia, South Korea and Australia said middle powers should defend open trade.",
        "2025-09-25",
        {"AUS-IDN", "AUS-KOR", "AUS-MEX", "IDN-KOR", "IDN-MEX", "KOR-MEX"},
    ),
    (
        "a trade mission in a country deals with it",
        "Le Canada mène une mission commerciale en Inde",
        "",
        "2025-11-01",
        {"CAN-IND"},
    ),
    (
        "French demonyms after the noun as joint subjects",
        "Les ministres de la Défense japonais et canadien veulent des exercices communs",
        "",
        "2025-11-01",
        {"CAN-JPN"},
    ),
    (
        "an organization before a comma is no venue city",
        "At the UN, Canada called on Russia to withdraw its troops",
        "",
        "2024-05-01",
        {"CAN-RUS"},
    ),
    (
        "one country named twice by equal keys is one name",
        "Türkiye, Indonesia and Mexico hold joint talks",
        "",
        "2025-09-25",
        {"IDN-MEX", "IDN-TUR", "MEX-TUR"},
    ),
    (
        "a comparison is not dealing",
        "Canada trails Germany and Japan in research spending, report says",
        "",
        "2025-05-01",
        set(),
    ),
    (
        "a French comparison is not dealing",
        "Productivité : le Canada derrière l'Allemagne et la France, selon une étude",
        "",
        "2025-05-01",
        set(),
    ),
    (
        "a ranking is not dealing",
        "Canada ranks 14th on global innovation index, behind Sweden and Switzerland",
        "",
        "2025-06-01",
        set(),
    ),
    (
        "a comparison word outside the two names changes nothing",
        "Canada and Japan sign defence pact, more than a year after talks began",
        "",
        "2025-06-01",
        {"CAN-JPN"},
    ),
    (
        "French chains repeat the preposition",
        "Des chefs de l'Italie, de la Grèce et du Portugal primés au festival",
        "",
        "2025-06-01",
        set(),
    ),
    (
        "French joint subjects with articles",
        "Le Canada, les États-Unis et le Mexique reprennent les négociations",
        "",
        "2025-06-01",
        {"CAN-MEX", "CAN-USA", "MEX-USA"},
    ),
    ("a quantity is no comparison", "Canada sends more than 200 soldiers to Latvia", "", "2025-06-01", {"CAN-LVA"}),
    (
        "a possessive does not break a chain of compared names",
        "Canada's productivity is worse than Britain's or France's, economists say",
        "",
        "2025-06-01",
        set(),
    ),
    ("a two-country comparison in a title", "Trudeau lags Albanese in approval ratings", "", "2023-06-01", set()),
    (
        "a chain with no interaction cue is a list",
        "Brazil, India and Mexico swelter in record heat",
        "",
        "2024-06-01",
        set(),
    ),
    (
        "flights and routes are travel, not dealing",
        "WestJet launches new routes to Lisbon and Manila",
        "",
        "2024-06-01",
        set(),
    ),
    (
        "an air agreement adding flights is dealing",
        "Canada and Japan agree to add direct flights under new air transport agreement",
        "",
        "2024-06-01",
        {"CAN-JPN"},
    ),
    (
        "a source is not a party",
        "Chinese hackers targeted Canadian MPs",
        "The campaign ran for two years, according to U.S. officials.",
        "2024-06-01",
        {"CAN-CHN"},
    ),
    (
        "a leader after a city and a comma acts",
        "In Canberra, Carney pitches a middle-power bloc to Australian MPs",
        "",
        "2026-03-04",
        {"AUS-CAN"},
    ),
    pytest.param(
        "the summary's 'le premier ministre' is the title's leader",
        "Carney à Kuala Lumpur pour le sommet de l'ANASE",
        "Le premier ministre a rencontré le président philippin pour accélérer les négociations.",
        "2025-10-26",
        {"CAN-PHL"},  # the summit's host is a venue (contract, hard cases, 2026-12-05)
        id="the summary's 'le premier ministre' is the title's leader",
        marks=pytest.mark.xfail(
            strict=True, reason="learned model (2026-12-05) still pairs the host: CAN-MYS, MYS-PHL"
        ),
    ),
    (
        "'the prime minister of Japan' is another leader",
        "Carney speaks at Toronto business forum",
        "The prime minister of Japan met Indian business leaders on Monday.",
        "2026-03-05",
        set(),
    ),
    (
        "a ranking title makes the whole item a ranking",
        "Global passport ranking: Canada slips to ninth",
        "Singapore keeps first place in the index, ahead of Japan and South Korea.",
        "2025-07-22",
        set(),
    ),
    (
        "origins are background",
        "Finland closes its border crossings",
        "Helsinki accuses Moscow of sending it asylum seekers originally from Somalia and Syria.",
        "2023-11-28",
        {"FIN-RUS"},
    ),
    (
        "an abbreviation's period does not break a chain",
        "Nobel prize shared by researchers from the U.S., Japan and Britain",
        "",
        "2024-10-09",
        set(),
    ),
    (
        "joint subjects after an opening phrase",
        "Allies act on settler violence",
        "In a joint statement, Britain and Norway said they would sanction two ministers.",
        "2025-06-10",
        {"GBR-NOR"},
    ),
    (
        "a chain acting 'each' acts in parallel",
        "Canada and Australia each tighten caps on international students",
        "",
        "2024-09-01",
        set(),
    ),
    pytest.param(
        "recognizing a state is dealing with it; co-recognizers are no pair (contract: co-actors)",
        "Ireland, Spain and Norway recognize Palestine",
        "",
        "2024-05-28",
        {"ESP-PSE", "IRL-PSE", "NOR-PSE"},
        id="recognizing a state is dealing with it",
        marks=pytest.mark.xfail(
            strict=True,
            reason="expected pairs brought in line with the contract's co-actors case (it listed ESP-IRL, ESP-NOR, "
            "IRL-NOR); the model of 2026-12-05 (late) still pairs the co-actors (0.43-0.65) and scores ESP-PSE "
            "0.36 against 0.40",
        ),
    ),
    ("a minister arriving in a capital visits it", "Anand à Amman pour parler de Gaza", "", "2025-08-01", {"CAN-JOR"}),
    (
        "Brussels speaking for the EU is no party",
        "L'Union européenne et l'Inde concluent un accord de libre-échange",
        "Bruxelles et New Delhi s'entendent sur les droits de douane.",
        "2026-01-27",
        set(),
    ),
    ("Belgium itself still deals", "Belgium and Canada sign tax treaty in Brussels", "", "2026-01-27", {"BEL-CAN"}),
    (
        "a ranking word anywhere makes the item a ranking",
        "Finland, Denmark and Canada in this year's results",
        "The annual happiness report puts the Nordic countries ahead again.",
        "2025-03-20",
        set(),
    ),
    (
        "X-based is where someone sits",
        "Stockholm-based institute says U.S. leads arms spending",
        "",
        "2025-04-28",
        set(),
    ),
    (
        "waters off a territory are a place",
        "Canada and France agree on redfish quotas off Saint-Pierre-et-Miquelon",
        "",
        "2025-04-28",
        {"CAN-FRA"},
    ),
    (
        "two demonyms side by side are one person's origins",
        "Canadian Israeli author wins literary prize",
        "",
        "2025-06-01",
        set(),
    ),
]


@pytest.mark.parametrize(
    "trap,title,summary,published,expected",
    PAIR_CASES,
    ids=[c[0] if isinstance(c, tuple) else c.id for c in PAIR_CASES],
)
def test_pair_guard(trap, title, summary, published, expected):
    assert set(tag(title, summary, published).pairs) == expected


TOPIC_CASES = [
    ("trade", "Canada and Japan cut tariffs on beef", "", {"trade"}),
    ("energy + critical minerals", "Japan to buy Canadian LNG and lithium", "", {"energy", "critical_minerals"}),
    ("french defence", "L'OTAN tient des exercices militaires dans l'Arctique", "", {"defence", "arctic"}),
    ("migration", "Ottawa caps international student permits", "", {"migration"}),
    ("no topic in sports", "Oilers win in overtime", "", set()),
    ("a polar vortex is weather, not the Arctic", "Polar vortex brings -40 to the Prairies", "", set()),
    ("polar icebreakers are the Arctic", "Canada orders polar icebreakers for the Northwest Passage", "", {"arctic"}),
]


@pytest.mark.parametrize("trap,title,summary,expected", TOPIC_CASES, ids=[c[0] for c in TOPIC_CASES])
def test_topic_guard(trap, title, summary, expected):
    assert set(tag(title, summary).topics) == expected


ORG_CASES = [
    ("NATO and OTAN", "NATO allies meet; l'OTAN se réunit", {"nato"}),
    ("UN Security Council is un", "UN Security Council votes on Haiti mission", {"un"}),
    ("ONU", "L'ONU demande un cessez-le-feu", {"un"}),
    ("EU / UE", "EU and UE", {"eu"}),
    ("who the pronoun is not WHO", "People who travel abroad", set()),
]


@pytest.mark.parametrize("trap,title,expected", ORG_CASES, ids=[c[0] for c in ORG_CASES])
def test_organization_guard(trap, title, expected):
    assert set(tag(title).organizations) == expected


# (trap, title, summary, lang tag, expected organizations): aliases of one language count only in that
# language's text, guessed from function words when the tag is missing or wrong (analysis/language.py).
ORG_CONTEXT_CASES = [
    ("English CPI is the price index", "CPI rises 2.9% as inflation picks up in Canada", "", "en", set()),
    ("English CPI without a lang tag", "CPI rises 2.9% as inflation picks up in Canada", "", None, set()),
    ("French CPI is the ICC", "La CPI émet un mandat d'arrêt contre Netanyahu", "", "fr", {"icc"}),
    (
        "French text with a wrong en tag",
        "La CPI émet un mandat d'arrêt contre le chef de la junte",
        "Les juges de la Cour ont accepté la demande du procureur.",
        "en",
        {"icc"},
    ),
    ("English BCE is Bell's parent", "BCE shares fall after the company cuts its dividend", "", "en", set()),
    ("French BCE is the ECB", "La BCE baisse ses taux directeurs pour la troisième fois", "", "fr", {"eu"}),
    ("French UA is the African Union", "L'UA suspend le Niger après le coup d'État", "", "fr", {"african_union"}),
    ("English UA is not", "UA flight diverted to Denver after engine trouble", "", "en", set()),
    ("French OEA is the OAS", "L'OEA condamne la fraude électorale au Venezuela", "", "fr", {"oas"}),
    (
        "Five Eyes is used in French too",
        "Ottawa tient à son partage de renseignement au sein des Five Eyes",
        "",
        "fr",
        {"five_eyes"},
    ),
    (
        "cricket's ICC is not the court (g092)",
        "Canada beats Pakistan at T20 World Cup",
        "The team won its first match against a full member of the ICC.",
        "en",
        set(),
    ),
    (
        "International Cricket Council",
        "International Cricket Council fines Pakistan for slow over rate",
        "",
        "en",
        set(),
    ),
    ("the court's ICC", "ICC issues arrest warrant for Netanyahu", "", "en", {"icc"}),
]


@pytest.mark.parametrize("trap,title,summary,lang,expected", ORG_CONTEXT_CASES, ids=[c[0] for c in ORG_CONTEXT_CASES])
def test_organization_language_and_context_guard(trap, title, summary, lang, expected):
    assert set(tag(title, summary, "2024-06-01", lang).organizations) == expected


@pytest.mark.parametrize(
    "text,tag_,expected",
    [
        ("CPI rises 2.9% as inflation picks up in Canada", None, "en"),
        ("La CPI émet un mandat d'arrêt contre le chef de la junte", "en", "fr"),  # a clear text beats a wrong tag
        ("Canada-Japan", "fr", "fr"),  # too short to tell: the tag
        ("Canada-Japan", None, None),  # neither: unknown
    ],
)
def test_language_guess(text, tag_, expected):
    assert detect(text, tag_) == expected
