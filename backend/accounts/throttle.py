"""Login throttling that slows guessing down without handing anyone a way to lock a user out.

Failures (rows of ``login_attempt``) are counted over a window, three ways:

* per account and client: from ``login_max_failures`` on, that client waits a back-off that
  starts at ``login_backoff_seconds`` and doubles with every further failure, capped at the
  window, counted from its last failure; a success from the pair starts the count again;
* per client across accounts (password spraying), from ``login_max_failures_per_client``;
* per account across clients (a distributed guess), from ``login_max_failures_per_account``.

Attempts refused while waiting are logged but not recorded, so they never extend the wait. A
browser that holds the account's signed device cookie (set by an earlier successful login,
``backend.web.devices``) is not throttled at all: failures elsewhere cannot keep the account's
owner out, and its own guesses still cost one argon2 verification each and are recorded.
The client is the peer address, or the forwarded address from a trusted proxy only
(``TRUSTED_PROXIES``, ``backend.web.security``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Max

from backend.accounts.tables import LoginAttempt
from backend.settings import Settings


@dataclass(frozen=True)
class Limit:
    failures: int
    last_failure: datetime | None


def backoff_seconds(failures: int, threshold: int, settings: Settings) -> int:
    """How long to wait after ``failures`` failures, where ``threshold`` starts the waiting."""
    if failures < threshold:
        return 0
    doublings = min(failures - threshold, 30)
    return int(
        min(settings.login_backoff_seconds * 2**doublings, settings.login_failure_window_seconds)
    )


async def _failures(where: Any, since: datetime) -> Limit:
    failed = where & LoginAttempt.succeeded.eq(False) & (LoginAttempt.at >= since)
    rows = await LoginAttempt.select(Max(LoginAttempt.at, alias="last")).where(failed)
    count = await LoginAttempt.count().where(failed)
    last = rows[0]["last"] if rows else None
    if isinstance(last, str):  # SQLite hands aggregates back as text
        last = datetime.fromisoformat(last)
    return Limit(failures=count, last_failure=last)


async def _last_success(username: str, ip: str) -> datetime | None:
    rows = await LoginAttempt.select(Max(LoginAttempt.at, alias="last")).where(
        (LoginAttempt.username == username)
        & (LoginAttempt.ip == ip)
        & LoginAttempt.succeeded.eq(True)
    )
    last = rows[0]["last"] if rows else None
    return datetime.fromisoformat(last) if isinstance(last, str) else last


def _remaining(limit: Limit, threshold: int, now: datetime, settings: Settings) -> int:
    wait = backoff_seconds(limit.failures, threshold, settings)
    if not wait or limit.last_failure is None:
        return 0
    last = limit.last_failure
    if last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    left = (last + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(-(-left // 1)))


async def seconds_to_wait(username: str, ip: str, now: datetime, settings: Settings) -> int:
    """0 when this client may try this account now, else how many seconds it must wait."""
    window_start = now - timedelta(seconds=settings.login_failure_window_seconds)
    success = await _last_success(username, ip)
    pair_since = max(window_start, success) if success else window_start
    pair = await _failures(
        (LoginAttempt.username == username) & (LoginAttempt.ip == ip), pair_since
    )
    client = await _failures(LoginAttempt.ip == ip, window_start)
    account = await _failures(LoginAttempt.username == username, window_start)
    return max(
        _remaining(pair, settings.login_max_failures, now, settings),
        _remaining(client, settings.login_max_failures_per_client, now, settings),
        _remaining(account, settings.login_max_failures_per_account, now, settings),
    )
