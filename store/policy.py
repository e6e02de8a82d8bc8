"""When to ask a feed again: exponential backoff, Retry-After, and when to give up on it.

A feed that answers (200 or 304) is due again on the very next run. Each consecutive failure
doubles the wait, from BASE_BACKOFF up to MAX_BACKOFF; a Retry-After on 429/503 (RFC 9110 §10.2.3)
is a floor on that wait. 410 Gone (RFC 9110 §15.5.11: "likely to be permanent") disables the feed at
once, and so do MAX_FAILURES failures in a row; `python -m ingest sources enable NAME` revives it.
A failure that reached no server (DNS, refused, unreachable, connect timeout) backs off like any other
but never disables: it says as much about this machine's network as about the feed, and a laptop left
offline overnight must find its feeds still enabled in the morning (they are asked again at most daily).
"""

from __future__ import annotations

from datetime import datetime, timedelta

BASE_BACKOFF = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=24)
MAX_RETRY_AFTER = timedelta(days=7)
MAX_FAILURES = 10


def backoff(failures: int) -> timedelta:
    """The wait after `failures` consecutive failures (failures >= 1)."""
    if failures <= 0:
        return timedelta(0)
    return min(BASE_BACKOFF * 2 ** min(failures - 1, 20), MAX_BACKOFF)


def next_fetch_after_failure(now: datetime, failures: int, retry_after: datetime | None) -> datetime:
    when = now + backoff(failures)
    if retry_after is not None:
        when = max(when, min(retry_after, now + MAX_RETRY_AFTER))
    return when


def disable_reason(status: int | None, failures: int, unreached: bool = False) -> str | None:
    if unreached:
        return None
    if status == 410:
        return "HTTP 410 Gone: the feed was removed"
    if failures >= MAX_FAILURES:
        return f"{failures} consecutive failures"
    return None
