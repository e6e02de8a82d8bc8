"""The change test behind Biggest movers and What changed (counts/stats.py), on plain numbers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from counts import stats


@pytest.mark.parametrize(
    "k, n, p",
    [(0, 10, 0.25), (7, 10, 0.25), (3, 12, 0.5), (40, 100, 0.3), (1, 1, 0.9), (150, 1500, 0.08), (5, 2000, 0.001)],
)
def test_binomial_p_matches_scipy(k, n, p):
    scipy_stats = pytest.importorskip("scipy.stats")
    assert stats.binomial_p(k, n, p) == pytest.approx(scipy_stats.binomtest(k, n, p).pvalue, rel=1e-6)


def test_binomial_p_is_exact_for_large_n_too():
    scipy_stats = pytest.importorskip("scipy.stats")
    for k in (2450, 2500, 2600, 2700, 3100, 1900):
        exact = scipy_stats.binomtest(k, 10_000, 0.25).pvalue
        assert stats.binomial_p(k, 10_000, 0.25) == pytest.approx(exact, rel=1e-6, abs=1e-300)


def test_benjamini_hochberg():
    # Worked example: p = .01, .04, .03, .005 (m = 4) -> .02, .04, .04, .02
    assert stats.adjust([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert stats.adjust([]) == []
    assert stats.adjust([0.9, 0.5]) == pytest.approx([0.9, 0.9])


def test_windows_default_and_chosen():
    w = stats.windows(None, None, date(2026, 3, 31), days=30)
    assert (w.start, w.end, w.days, w.baseline_start, w.baseline_end) == (
        date(2026, 3, 2),
        date(2026, 3, 31),
        30,
        date(2025, 12, 2),
        date(2026, 3, 1),
    )
    w = stats.windows(date(2026, 1, 1), date(2026, 1, 7), date(2026, 3, 31), k=2)
    assert (w.days, w.baseline_start, w.baseline_end) == (7, date(2025, 12, 18), date(2025, 12, 31))
    assert stats.windows(None, None, None) is None


def frame(rows):
    return pd.DataFrame(rows, columns=["key", "current", "baseline"])


def test_small_counts_are_not_called_changes():
    """1 -> 4 articles is +300 % but far from enough to tell; the minimum base keeps it out."""
    out = stats.changes(frame([("A", 4, 3), ("B", 0, 2)]), n_current=100, n_baseline=300).set_index("key")
    assert out.loc["A", "verdict"] == "too few" and pd.isna(out.loc["A", "z"])
    assert out.loc["A", "before"] == 1.0 and out.loc["A", "change_pct"] == pytest.approx(300.0)
    assert out.loc["B", "change_pct"] == pytest.approx(-100.0)


def test_growth_of_all_coverage_is_not_a_rise():
    """40 -> 55 per window while all coverage grew by a third: the share did not move."""
    out = stats.changes(frame([("A", 53, 120)]), n_current=400, n_baseline=900, k=3)
    row = out.iloc[0]
    assert row["verdict"] == "within chance" and abs(row["z"]) < 1
    assert row["expected"] == pytest.approx(173 * 400 / 1300, abs=0.05)


def test_a_real_rise_and_fall_beyond_chance_rank_first():
    counts = frame([("up", 60, 30), ("down", 5, 90), ("flat", 30, 95), ("tiny", 3, 1), ("new", 25, 0)])
    out = stats.changes(counts, n_current=1000, n_baseline=3000, k=3)
    verdict = dict(zip(out["key"], out["verdict"]))
    assert verdict == {"up": "rose", "down": "fell", "flat": "within chance", "tiny": "too few", "new": "rose"}
    assert set(out["key"][:3]) == {"up", "down", "new"}  # the significant ones first, by |z|
    assert list(out.columns) == stats.COLUMNS
    new = out.set_index("key").loc["new"]
    assert new["change_pct"] is None or pd.isna(new["change_pct"])  # no share before: no percentage
    assert (out.loc[out["verdict"] != "too few", "q"] >= out.loc[out["verdict"] != "too few", "p"]).all()


def test_empty_windows_do_not_fail():
    out = stats.changes(frame([("A", 0, 0)]), n_current=0, n_baseline=0)
    assert out.iloc[0]["verdict"] == "too few"
    assert stats.changes(frame([]), 10, 10).empty


def test_binomial_p_matches_scipy_over_many_cases():
    scipy_stats = pytest.importorskip("scipy.stats")
    import random

    rng = random.Random(3)
    for _ in range(300):
        n = rng.choice([1, 2, 5, 17, 60, 400, 5000])
        p = rng.choice([0.01, 0.2, 0.5, 0.77, 0.99, rng.random()])
        k = rng.randint(0, n)
        assert stats.binomial_p(k, n, p) == pytest.approx(
            scipy_stats.binomtest(k, n, p).pvalue, rel=1e-6, abs=1e-300
        ), (k, n, p)
