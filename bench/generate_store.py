"""Build a realistic synthetic store of any size for development, tests and the dashboard bench.

The dashboard must stay fast on a million articles, and the only honest way to know is to measure on
a store shaped like the real one: a few dozen outlets, two years of dates with bursts around events,
countries in a Zipf-like spread with Canada in most articles, pairs mostly Canada-x, 0-3 topics,
some organizations, syndicated stories with 1-4 copies, English and French. Everything is written
through `store.open_store`'s schema, in bulk: indexes and the full-text triggers are dropped
for the load and rebuilt once at the end, which is what makes a million articles take about a minute.

    python bench/generate_store.py --articles 200000 --db bench/out/store_200000.db
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from store import iso, open_store, set_meta  # noqa: E402

# Ranked by how often Canadian foreign-news coverage names them (rough, hand-made order).
PARTNERS = (
    "USA CHN GBR UKR IND JPN FRA DEU MEX RUS ISR AUS KOR PSE IRN ITA BRA TWN IDN TUR "
    "NLD SAU PHL HTI VNM PAK NZL NOR ESP SWE POL DNK FIN BEL IRL ZAF NGA EGY ARG CHL "
    "COL PER VEN CUB KEN ETH SYR LBN IRQ AFG QAT ARE JOR MYS SGP THA BGD LKA NPL MMR "
    "KHM PRK MNG KAZ UZB ARM AZE GEO GRC PRT CZE HUN ROU BGR SRB HRV EST LVA LTU ISL "
    "GRL HKG SDN SSD SOM COD RWA GHA SEN CIV MAR DZA TUN LBY YEM OMN KWT BHR JAM TTO"
).split()
TOPICS = (
    "trade",
    "defence",
    "conflict",
    "energy",
    "technology",
    "critical_minerals",
    "climate",
    "migration",
    "human_rights",
    "humanitarian_aid",
    "health",
    "arctic",
    "oceans_fisheries",
)
TOPIC_WEIGHTS = np.array([18, 16, 16, 8, 8, 5, 7, 6, 6, 5, 4, 3, 2], dtype=float)
ORGS = (
    "nato",
    "un",
    "g7",
    "eu",
    "g20",
    "wto",
    "who",
    "imf",
    "cptpp",
    "apec",
    "asean",
    "arctic_council",
    "commonwealth",
    "francophonie",
    "five_eyes",
    "icc",
    "iaea",
    "quad",
    "mikta",
)
ORG_WEIGHTS = 1.0 / np.arange(1, len(ORGS) + 1)

OUTLETS_EN = (
    "CBC News",
    "CTV News",
    "Global News",
    "The Globe and Mail",
    "National Post",
    "Toronto Star",
    "Ottawa Citizen",
    "Montreal Gazette",
    "Vancouver Sun",
    "Calgary Herald",
    "Edmonton Journal",
    "Winnipeg Free Press",
    "The Canadian Press",
    "iPolitics",
    "Hill Times",
    "Policy Options",
    "Maclean's",
    "The Tyee",
    "Halifax Examiner",
    "Financial Post",
    "BNN Bloomberg",
    "Global Affairs Canada",
    "Prime Minister of Canada",
    "Department of National Defence",
    "CIGI",
    "Macdonald-Laurier Institute",
    "Asia Pacific Foundation",
    "OpenCanada",
    "The Walrus",
    "Saskatoon StarPhoenix",
)
OUTLETS_FR = (
    "Radio-Canada",
    "Le Devoir",
    "La Presse",
    "Le Journal de Montréal",
    "L'actualité",
    "Le Droit",
    "Le Soleil",
    "TVA Nouvelles",
    "Affaires mondiales Canada",
    "Noovo Info",
)
OFFICIAL = {
    "Global Affairs Canada",
    "Prime Minister of Canada",
    "Department of National Defence",
    "Affaires mondiales Canada",
}

TEMPLATES_EN = {
    "trade": "{a} and {b} push ahead with trade talks on {w}",
    "defence": "{a} and {b} deepen defence cooperation after {w}",
    "conflict": "{a} condemns {b} over {w} as tensions rise",
    "energy": "{a} eyes {b} energy deal covering {w}",
    "technology": "{a} and {b} team up on technology and {w}",
    "critical_minerals": "{a} courts {b} on critical minerals and {w}",
    "climate": "{a} and {b} pledge climate action on {w}",
    "migration": "{a} changes visa rules for {b} citizens amid {w}",
    "human_rights": "{a} raises human rights concerns with {b} over {w}",
    "humanitarian_aid": "{a} sends aid to {b} after {w}",
    "health": "{a} and {b} coordinate on health and {w}",
    "arctic": "{a} and {b} talk Arctic security and {w}",
    "oceans_fisheries": "{a} and {b} clash over fisheries and {w}",
    None: "{a} and {b}: what to know about {w}",
}
TEMPLATES_FR = {
    "trade": "{a} et {b} relancent les négociations commerciales sur {w}",
    "defence": "{a} et {b} renforcent leur coopération en défense après {w}",
    "conflict": "{a} condamne {b} au sujet de {w}",
    "energy": "{a} vise une entente énergétique avec {b} sur {w}",
    "technology": "{a} et {b} s'allient en technologie et {w}",
    "critical_minerals": "{a} courtise {b} sur les minéraux critiques et {w}",
    "climate": "{a} et {b} s'engagent pour le climat sur {w}",
    "migration": "{a} modifie les règles de visa pour {b} en pleine {w}",
    "human_rights": "{a} interpelle {b} sur les droits de la personne et {w}",
    "humanitarian_aid": "{a} envoie de l'aide à {b} après {w}",
    "health": "{a} et {b} coordonnent leur action en santé et {w}",
    "arctic": "{a} et {b} discutent de sécurité arctique et {w}",
    "oceans_fisheries": "{a} et {b} s'opposent sur les pêches et {w}",
    None: "{a} et {b} : ce qu'il faut savoir sur {w}",
}
WORDS_EN = (
    "a summit",
    "a new agreement",
    "a ministerial visit",
    "a budget review",
    "a G7 meeting",
    "the election",
    "a trade mission",
    "new tariffs",
    "a joint statement",
    "a phone call",
    "a state visit",
    "a supply shock",
    "a court ruling",
    "a cyberattack",
    "a naval exercise",
)
WORDS_FR = (
    "un sommet",
    "une nouvelle entente",
    "une visite ministérielle",
    "un examen budgétaire",
    "une réunion du G7",
    "l'élection",
    "une mission commerciale",
    "de nouveaux tarifs",
    "une déclaration commune",
    "un appel téléphonique",
    "une visite d'État",
    "une pénurie",
    "une décision judiciaire",
    "une cyberattaque",
    "un exercice naval",
)
DOMESTIC_EN = (
    "Snowstorm snarls the morning commute",
    "City council approves new transit budget",
    "Local team clinches playoff spot",
    "Wildfire season outlook released",
)
DOMESTIC_FR = (
    "Tempête de neige sur les routes du Québec",
    "Le conseil municipal adopte son budget",
    "L'équipe locale en séries éliminatoires",
    "Bilan de la saison des feux de forêt",
)


def _names() -> tuple[dict[str, str], dict[str, str]]:
    """English and French display names (analysis.countries), so titles read like the real feeds."""
    from analysis.countries import country_name

    codes = ("CAN", *PARTNERS)
    return {c: country_name(c, "en") for c in codes}, {c: country_name(c, "fr") for c in codes}


def _profiles(rng: np.random.Generator, count: int) -> list[dict]:
    """Tag combinations that stories draw from; Zipf over PARTNERS gives the long tail of countries."""
    zipf = 1.0 / np.arange(1, len(PARTNERS) + 1) ** 1.1
    zipf /= zipf.sum()
    topic_p = TOPIC_WEIGHTS / TOPIC_WEIGHTS.sum()
    org_p = ORG_WEIGHTS / ORG_WEIGHTS.sum()
    profiles = []
    for _ in range(count):
        if rng.random() < 0.06:  # domestic noise: no countries except sometimes Canada, no topics
            profiles.append(
                {
                    "countries": ["CAN"] if rng.random() < 0.5 else [],
                    "pairs": [],
                    "topics": [],
                    "orgs": [],
                    "domestic": True,
                }
            )
            continue
        k = int(rng.choice([0, 1, 2, 3], p=[0.08, 0.55, 0.27, 0.10]))
        others = list(rng.choice(PARTNERS, size=k, replace=False, p=zipf)) if k else []
        has_can = rng.random() < (0.97 if k == 0 else 0.78)
        countries = sorted(set(others) | ({"CAN"} if has_can else set()))
        pairs = set()
        for x in others:
            if has_can and rng.random() < 0.8:
                pairs.add("-".join(sorted(("CAN", x))))
        for i, x in enumerate(others):
            for y in others[i + 1 :]:
                if rng.random() < 0.35:
                    pairs.add("-".join(sorted((x, y))))
        n_topics = int(rng.choice([0, 1, 2, 3], p=[0.15, 0.45, 0.28, 0.12]))
        topics = sorted(rng.choice(TOPICS, size=n_topics, replace=False, p=topic_p)) if n_topics else []
        n_orgs = int(rng.choice([0, 1, 2], p=[0.78, 0.18, 0.04]))
        orgs = sorted(rng.choice(ORGS, size=n_orgs, replace=False, p=org_p)) if n_orgs else []
        profiles.append(
            {
                "countries": countries,
                "pairs": sorted(pairs),
                "topics": list(topics),
                "orgs": list(orgs),
                "domestic": False,
                "lead": others[0] if others else None,
            }
        )
    return profiles


def _title(p: dict, lang: str, variant: int, en: dict, fr: dict) -> str:
    if p["domestic"]:
        pool = DOMESTIC_FR if lang == "fr" else DOMESTIC_EN
        return pool[variant % len(pool)]
    names = fr if lang == "fr" else en
    templates = TEMPLATES_FR if lang == "fr" else TEMPLATES_EN
    words = WORDS_FR if lang == "fr" else WORDS_EN
    allies = "ses alliés" if lang == "fr" else "its allies"
    others = [c for c in p["countries"] if c != p.get("lead")]
    if p.get("lead") is None:
        a, b = names["CAN"] if p["countries"] else "Ottawa", allies
    elif "CAN" in p["countries"]:
        a, b = names["CAN"], names[p["lead"]]
    else:
        a, b = names[p["lead"]], names[others[0]] if others else allies
    topic = p["topics"][0] if p["topics"] else None
    return templates[topic].format(a=a, b=b, w=words[variant % len(words)])


def _expand(per_item: list[list[str]], item_of_row: np.ndarray, row_ids: np.ndarray):
    """Rows (id, value) for every value of every row's item, vectorized for millions of rows."""
    lengths = np.array([len(v) for v in per_item], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    flat = np.array([x for v in per_item for x in v] or [""], dtype=object)
    counts = lengths[item_of_row]
    total = int(counts.sum())
    if total == 0:
        return [], np.array([], dtype=object)
    rep = np.repeat(np.arange(len(item_of_row)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(total) - starts
    values = flat[offsets[item_of_row[rep]] + within]
    return row_ids[rep], values


def generate_store(
    path: str | Path,
    articles: int = 10_000,
    seed: int = 42,
    end: datetime | None = None,
    days: int = 730,
    is_sample: bool = False,
) -> dict:
    """Write a fresh store of `articles` synthetic articles at `path` and return a few counts."""
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    end = (end or datetime.now(UTC)).replace(microsecond=0)
    start = end - timedelta(days=days)
    en_names, fr_names = _names()

    # Outlets and their feeds.
    outlets = [(o, "en") for o in OUTLETS_EN] + [(o, "fr") for o in OUTLETS_FR]
    feeds = []  # (id, name, outlet, url, site_url, lang, kind, enabled, ...)
    feed_of_outlet: list[list[int]] = []
    for i, (outlet, lang) in enumerate(outlets):
        slug = "".join(ch for ch in outlet.lower().replace(" ", "-") if ch.isalnum() or ch == "-")
        ids = []
        for section in ("World", "Politics") if i % 3 == 0 else ("World",):
            fid = len(feeds) + 1
            ids.append(fid)
            roll = rng.random()
            status, error, failures, enabled, reason = 200, None, 0, 1, None
            if roll < 0.06:
                status, error, failures = 404, "HTTP 404 Not Found", int(rng.integers(1, 4))
            elif roll < 0.10:
                status, error, failures = None, "timed out after 20 s", int(rng.integers(1, 3))
            elif roll < 0.12:
                status, error, failures, enabled, reason = 410, "HTTP 410 Gone", 5, 0, "410 Gone"
            elif roll < 0.5:
                status = 304
            fetched = iso(end - timedelta(minutes=int(rng.integers(5, 240))))
            feeds.append(
                (
                    fid,
                    f"{outlet}: {section}",
                    outlet,
                    f"https://example.com/{slug}/{section.lower()}.xml",
                    f"https://example.com/{slug}/",
                    lang,
                    "official" if outlet in OFFICIAL else "outlet",
                    enabled,
                    reason,
                    fetched,
                    fetched if error is None else None,
                    status,
                    error,
                    failures,
                )
            )
        feed_of_outlet.append(ids)
    en_idx = np.array([i for i, (_, lang) in enumerate(outlets) if lang == "en"])
    fr_idx = np.array([i for i, (_, lang) in enumerate(outlets) if lang == "fr"])

    # Stories: how many copies each, when, in which language, about what.
    sizes = rng.choice([1, 2, 3, 4], size=articles, p=[0.72, 0.15, 0.08, 0.05])
    n_stories = int(np.searchsorted(np.cumsum(sizes), articles) + 1)
    sizes = sizes[:n_stories].copy()
    sizes[-1] -= int(sizes.sum()) - articles
    profiles = _profiles(rng, max(200, min(6000, n_stories // 4)))
    profile = rng.integers(0, len(profiles), size=n_stories)
    span = days * 86400.0
    # Coverage grows over the two years (density 1 + t), plus ~15 % of stories in short bursts.
    t = span * (np.sqrt(1 + 3 * rng.random(n_stories)) - 1)
    burst = rng.random(n_stories) < 0.15
    n_events = 40
    ev_time = rng.random(n_events) * span
    ev_profile = rng.integers(0, len(profiles), size=n_events)
    which = rng.integers(0, n_events, size=int(burst.sum()))
    t[burst] = np.minimum(span - 1, ev_time[which] + rng.exponential(5 * 86400, size=which.size))
    profile[burst] = ev_profile[which]
    lang_fr = rng.random(n_stories) < 0.25
    variant = rng.integers(0, 1000, size=n_stories)

    # Articles: copies go to different outlets of the story's language, hours apart.
    story = np.repeat(np.arange(n_stories), sizes)
    copy = np.arange(articles) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    pool_size = np.where(lang_fr[story], len(fr_idx), len(en_idx))
    base = rng.integers(0, 1 << 30, size=n_stories)[story]
    slot = (base + copy * 7) % pool_size
    outlet_ix = np.where(lang_fr[story], fr_idx[np.minimum(slot, len(fr_idx) - 1)], en_idx[slot])
    seconds = t[story] + copy * rng.uniform(600, 6 * 3600, size=articles)
    seconds = np.minimum(seconds, span - 1)
    order = np.argsort(seconds, kind="stable")
    ids = np.empty(articles, dtype=np.int64)
    ids[order] = np.arange(1, articles + 1)
    story_min = np.full(n_stories, np.iinfo(np.int64).max)
    np.minimum.at(story_min, story, ids)

    titles_by_story = {}
    start_ts = start.timestamp()
    art_rows = []
    feed_choice = rng.integers(0, 2, size=articles)
    fetched_lag = rng.integers(60, 3600, size=articles)
    for i in order.tolist():
        s = int(story[i])
        lang = "fr" if lang_fr[s] else "en"
        title = titles_by_story.get(s)
        if title is None:
            title = _title(profiles[profile[s]], lang, int(variant[s]), en_names, fr_names)
            titles_by_story[s] = title
        o = int(outlet_ix[i])
        outlet, _ = outlets[o]
        fids = feed_of_outlet[o]
        ts = start_ts + float(seconds[i])
        published = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
        fetched = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(min(ts + int(fetched_lag[i]), end.timestamp())))
        aid = int(ids[i])
        summary = (
            f"{title}. Story {s} as reported by {outlet}."
            if lang == "en"
            else f"{title}. Article {s} rapporté par {outlet}."
        )
        art_rows.append(
            (
                aid,
                f"https://example.com/a/{aid}",
                f"g{aid}",
                title,
                summary,
                published,
                None,
                outlet,
                fids[int(feed_choice[i]) % len(fids)],
                lang,
                fetched,
                int(is_sample),
                int(story_min[s]),
                "bench",
            )
        )

    # Tag rows, sorted by article id so they go into the primary keys in order.
    prof_of_article = profile[story][order]
    sorted_ids = np.arange(1, articles + 1, dtype=np.int64)
    tag_rows = {}
    for key in ("countries", "pairs", "topics", "orgs"):
        aids, values = _expand([p[key] for p in profiles], prof_of_article, sorted_ids)
        if key == "pairs":
            tag_rows[key] = [(int(a), v, v[:3], v[4:]) for a, v in zip(aids.tolist(), values.tolist())]
        else:
            tag_rows[key] = list(zip(aids.tolist(), values.tolist()))

    conn = open_store(path)
    _bulk_load(conn, feeds, art_rows, tag_rows, end)
    conn.close()
    return {
        "articles": articles,
        "stories": n_stories,
        "feeds": len(feeds),
        "country_rows": len(tag_rows["countries"]),
        "pair_rows": len(tag_rows["pairs"]),
    }


def _bulk_load(conn: sqlite3.Connection, feeds, art_rows, tag_rows, end: datetime) -> None:
    """Insert everything in one transaction with secondary indexes and FTS triggers dropped."""
    saved = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('index', 'trigger') "
        "AND tbl_name IN ('articles', 'article_countries', 'article_pairs', 'article_topics', "
        "'article_organizations')"
    ).fetchall()
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN IMMEDIATE")
    for kind, name, _ in saved:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    conn.executemany(
        "INSERT INTO feeds (id, name, outlet, url, site_url, lang, kind, enabled, disabled_reason, "
        "last_fetch_at, last_ok_at, last_status, last_error, consecutive_failures) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        feeds,
    )
    conn.executemany(
        "INSERT INTO fetch_log (feed_id, url, started_at, status, bytes, duration_ms, items_seen, items_new, error) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        [(f[0], f[3], f[9], f[11], 0 if f[12] else 48000, 350, 0 if f[12] else 30, 0, f[12]) for f in feeds],
    )
    conn.executemany(
        "INSERT INTO articles (id, url, guid, title, summary, published_at, date_flag, source, "
        "feed_id, lang, fetched_at, is_sample, story_id, tagger_version) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        art_rows,
    )
    conn.executemany("INSERT INTO article_countries (article_id, country) VALUES (?, ?)", tag_rows["countries"])
    conn.executemany(
        "INSERT INTO article_pairs (article_id, pair, country_a, country_b) VALUES (?,?,?,?)", tag_rows["pairs"]
    )
    conn.executemany("INSERT INTO article_topics (article_id, topic) VALUES (?, ?)", tag_rows["topics"])
    conn.executemany("INSERT INTO article_organizations (article_id, organization) VALUES (?, ?)", tag_rows["orgs"])
    for _, _, sql in saved:
        conn.execute(sql)
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    now = iso(end)
    set_meta(conn, "tagger_version", "bench")
    set_meta(conn, "last_ingest_at", now)
    set_meta(conn, "last_write_at", now)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="default: bench/out/store_<N>.db")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    db = Path(args.db or Path(__file__).resolve().parent / "out" / f"store_{args.articles}.db")
    started = time.perf_counter()
    stats = generate_store(db, args.articles, seed=args.seed)
    print(f"{db}: {stats} in {time.perf_counter() - started:.1f} s, {db.stat().st_size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
