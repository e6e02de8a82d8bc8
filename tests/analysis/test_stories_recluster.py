"""recluster() in ingest/pipeline.py hands the tagger's countries to cluster_stories (real SQLite file)."""

from ingest.pipeline import recluster
from store import open_store

# The same wire headline on two days' visits: only the summaries (so the tagger) say where.
TITLE = "Carney meets premier to talk trade and energy"
ROWS = [  # (id, title, published_at, source, countries)
    (1, TITLE, "2026-03-06T09:00:00Z", "A", ("CAN", "JPN")),
    (2, TITLE, "2026-03-06T20:00:00Z", "B", ("CAN", "KOR")),
    (3, TITLE + " | C News", "2026-03-06T11:00:00Z", "C", ("CAN", "JPN")),
    (4, "Carney meets premier to talk trade, energy", "2026-03-06T21:00:00Z", "D", ("CAN", "KOR")),
    (5, TITLE, "2026-03-06T22:00:00Z", "E", ()),  # untagged: falls back to the title, which names no country
]


def test_recluster_separates_by_tagged_countries(tmp_path):
    conn = open_store(tmp_path / "news.db")
    try:
        for article_id, title, published, source, countries in ROWS:
            conn.execute(
                "INSERT INTO articles(id, url, title, published_at, source, fetched_at) VALUES (?, ?, ?, ?, ?, ?)",
                (article_id, f"https://example.com/{article_id}", title, published, source, published),
            )
            conn.executemany(
                "INSERT INTO article_countries(article_id, country) VALUES (?, ?)", [(article_id, c) for c in countries]
            )
        conn.commit()
        assert recluster(conn, [1, 2, 3, 4, 5]) == 5
        stories = dict(conn.execute("SELECT id, story_id FROM articles").fetchall())
        assert stories[1] == stories[3] == 1
        assert stories[2] == stories[4] == 2
        assert stories[5] in (1, 2)
    finally:
        conn.close()
