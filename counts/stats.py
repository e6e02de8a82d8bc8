"""Did coverage of something change beyond chance? The one test behind "Biggest movers" and "What changed".

Counts of news articles are small and lumpy: a country going from 1 article to 4 is a 300 % rise that
means nothing, and a pair going from 40 to 55 while all coverage grew by a third has not risen at
all. So a change is judged the way a rate ratio between two periods is (the conditional test for two
Poisson counts, e.g. Agresti, *Categorical Data Analysis*, 3rd ed., §1.4):

* the chosen period (the **current** window) is set against the ``k`` windows of the same length just
  before it (the **baseline**), so one quiet week does not make a baseline;
* the item's ``c`` articles now and ``b`` before are compared with the filter's totals ``N1`` and
  ``N0`` in the same windows: if the item's share of coverage did not change, then given
  ``n = c + b``, ``c`` follows Binomial(n, π) with π = N1 / (N1 + N0). The z-score is
  (c − nπ) / √(nπ(1 − π)); the p-value is the exact two-sided binomial test (the outcomes no more
  likely than the one seen);
* items with ``n`` below ``MIN_BASE`` are not tested at all ("too few to tell");
* with dozens of items tested at once some would pass by luck, so p-values are adjusted by
  Benjamini–Hochberg and a change counts as **beyond chance** when the adjusted value is under ``ALPHA``.

News is burstier than a Poisson process, so this test is, if anything, too ready to call a change:
the page says "beyond what chance explains", and the minimum base and the adjustment keep the
small-count noise out. Pure functions over plain numbers, so they are tested without a store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

MIN_BASE = 10  # articles now + before: fewer are not tested
ALPHA = 0.05  # Benjamini–Hochberg false discovery rate
BASELINE_WINDOWS = 3  # windows of the same length before the current one


@dataclass(frozen=True)
class Windows:
    """The current window and the baseline before it, as inclusive days."""

    start: date
    end: date
    baseline_start: date
    k: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def baseline_end(self) -> date:
        return self.start - timedelta(days=1)


def windows(
    start: date | None, end: date | None, last: date | None, days: int = 30, k: int = BASELINE_WINDOWS
) -> Windows | None:
    """The current window (the chosen dates, else the last `days` days up to `last`) and the `k`
    windows of the same length before it. None when there is no date to anchor on."""
    end = end or last
    if end is None:
        return None
    start = start or end - timedelta(days=days - 1)
    if start > end:
        start, end = end, start
    length = (end - start).days + 1
    return Windows(start=start, end=end, baseline_start=start - timedelta(days=k * length), k=k)


def _log_pmf(k: int, n: int, p: float) -> float:
    if p <= 0.0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if k == n else -math.inf
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p)


def binomial_p(k: int, n: int, p: float) -> float:
    """Two-sided p-value of `k` successes in `n` trials of probability `p`: the total probability
    of the outcomes no more likely than `k` (as R's binom.test).

    Exact at any n without summing all n terms: the probabilities rise to the mode and fall after
    it, so each tail is summed outward from its first qualifying outcome until the terms vanish,
    and the far tail's first outcome is found by bisection."""
    if n <= 0:
        return 1.0
    seen = _log_pmf(k, n, p)
    if seen == -math.inf:
        return 0.0
    limit = seen + 1e-7  # outcomes within rounding of the observed one count as "as likely" (as R)
    mode = min(n, max(0, math.floor((n + 1) * p)))

    def tail(first: int, step: int) -> float:
        total, i = 0.0, first
        while 0 <= i <= n:
            lp = _log_pmf(i, n, p)
            if lp < seen - 40:  # e^-40 of the observed term: nothing left to add
                break
            total += math.exp(lp)
            i += step
        return total

    def first_below(lo: int, hi: int, rising: bool) -> int | None:
        """In lo..hi (monotone there), the outcome nearest the mode whose probability is <= limit."""
        if rising:  # below the mode: probabilities rise with i; want the largest i with lp <= limit
            if _log_pmf(lo, n, p) > limit:
                return None
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if _log_pmf(mid, n, p) <= limit else (lo, mid - 1)
            return lo
        if _log_pmf(hi, n, p) > limit:  # above the mode: probabilities fall; smallest i with lp <= limit
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if _log_pmf(mid, n, p) <= limit else (mid + 1, hi)
        return lo

    if k <= mode:
        total = tail(k, -1)
        other = first_below(max(k + 1, mode), n, rising=False) if k < n else None
        if other is not None:
            total += tail(other, +1)
    else:
        total = tail(k, +1)
        other = first_below(0, min(k - 1, mode), rising=True)
        if other is not None:
            total += tail(other, -1)
    return min(1.0, total)


def adjust(pvalues: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input's order."""
    m = len(pvalues)
    if not m:
        return []
    order = sorted(range(m), key=lambda i: pvalues[i])
    out = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        out[i] = min(1.0, running)
    return out


COLUMNS = ["key", "current", "baseline", "before", "expected", "change_pct", "z", "p", "q", "verdict"]


def changes(
    counts: pd.DataFrame,
    n_current: int,
    n_baseline: int,
    k: int = BASELINE_WINDOWS,
    min_base: int = MIN_BASE,
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Test each item of `counts` ([key, current, baseline]) against the totals of both windows.

    Returns COLUMNS, one row per item, most significant first: `before` is the baseline's mean per
    window (comparable with `current`), `expected` the current count had the item kept its share,
    `change_pct` the change of its share of coverage (None when it had none before), `verdict` one
    of "rose", "fell", "within chance" or "too few" (below `min_base`; z, p and q are then empty).
    """
    frame = counts[["key", "current", "baseline"]].copy()
    frame[["current", "baseline"]] = frame[["current", "baseline"]].fillna(0).astype("int64")
    frame["before"] = (frame["baseline"] / k).round(1)
    total = n_current + n_baseline
    share = n_current / total if total else 0.0
    n = frame["current"] + frame["baseline"]
    frame["expected"] = (n * share).round(1)
    frame["change_pct"] = [
        round(100.0 * ((c / n_current) / (b / n_baseline) - 1.0), 1) if b and n_current and n_baseline else None
        for c, b in zip(frame["current"], frame["baseline"])
    ]
    tested = (n >= min_base) & (0.0 < share < 1.0)
    z: list[float | None] = []
    p: list[float | None] = []
    for c, size, ok in zip(frame["current"], n, tested):
        if not ok:
            z.append(None)
            p.append(None)
            continue
        sd = math.sqrt(size * share * (1 - share))
        z.append(round((c - size * share) / sd, 2))
        p.append(binomial_p(int(c), int(size), share))
    frame["z"] = pd.array(z, dtype="Float64")
    frame["p"] = pd.array(p, dtype="Float64")
    q = adjust([v for v in p if v is not None])
    it = iter(q)
    frame["q"] = pd.array([next(it) if v is not None else None for v in p], dtype="Float64")
    frame["verdict"] = [
        "too few" if qv is pd.NA or qv is None else ("rose" if zv > 0 else "fell") if qv < alpha else "within chance"
        for zv, qv in zip(frame["z"], frame["q"])
    ]
    frame["significant"] = frame["verdict"].isin(["rose", "fell"])
    frame["abs_z"] = frame["z"].abs().fillna(-1.0)
    frame = frame.sort_values(["significant", "abs_z", "current", "key"], ascending=[False, False, False, True])
    return frame[COLUMNS].reset_index(drop=True)


def explain(w: Windows, unit: str) -> str:
    """How the ranking is made, in the words the pages show under it."""
    return (
        f"{w.start} to {w.end} ({w.days} days) against the {w.k} periods of the same length before "
        f"({w.baseline_start} to {w.baseline_end}). An item is tested when it has at least {MIN_BASE} "
        f"{unit} in the two together; its share of all the filtered {unit} now is compared with its share "
        "before (an exact binomial test, z-score shown), and a change counts as beyond chance when the "
        f"p-value, adjusted for testing many items at once (Benjamini–Hochberg), is under {ALPHA:.2f}. "
        "'Before' is the mean per period of the baseline."
    )
