"""Smoke test of story clustering on ~19,000 real 2023 headlines (skips when the data is absent)."""

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.stories import cluster_stories

RUMCA = Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata" / "rumca-rss-2023"

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real_headlines():
    if not RUMCA.is_dir():
        pytest.skip(f"no real data at {RUMCA}")
    rows = []
    for path in sorted(RUMCA.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for item in data["entries"] if isinstance(data, dict) else data:
            rows.append((item.get("title"), item.get("date_published"), item.get("source") or path.name))
    df = pd.DataFrame(rows, columns=["title", "published_at", "source"])
    df.insert(0, "id", range(1, len(df) + 1))
    return df


def test_real_headlines_cluster_plausibly(real_headlines):
    stories = cluster_stories(real_headlines)
    assert len(stories) == len(real_headlines)
    assert (stories <= stories.index).all()  # the story id is the smallest id of the cluster
    clustered = stories[stories.duplicated(keep=False)]
    # Several outlets of one archive cover the same world news: some, not most, articles cluster.
    assert 0.01 < len(clustered) / len(stories) < 0.15
    sizes = stories.value_counts()
    assert sizes.max() <= 10
    # No cluster drifts across weeks: every copy is within a few days of the first one.
    times = pd.to_datetime(real_headlines.set_index("id")["published_at"], utc=True, format="mixed", errors="coerce")
    spread = times.groupby(stories).agg(lambda t: t.max() - t.min())
    assert spread.max() <= pd.Timedelta(days=4)


def test_known_real_copies_share_a_story(real_headlines):
    stories = cluster_stories(real_headlines).to_dict()
    by_title = real_headlines.set_index("title")["id"]
    a = by_title.get("Plane carrying 72 people crashes in Nepal")
    b = by_title.get("Plane with 72 people on board crashes in Nepal")
    if a is None or b is None:
        pytest.skip("the Nepal crash headlines are not in this copy of the data")
    a = a if not hasattr(a, "iloc") else a.iloc[0]
    b = b if not hasattr(b, "iloc") else b.iloc[0]
    assert stories[int(a)] == stories[int(b)]
