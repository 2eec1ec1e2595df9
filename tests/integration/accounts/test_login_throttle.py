"""Login throttling that slows guessing without locking the account's owner out."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from backend.accounts.tables import LoginAttempt, Role
from backend.accounts.throttle import backoff_seconds
from backend.settings import get_settings
from tests.factories import PASSWORD, make_user, web_login

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient


def test_backoff_doubles_from_the_threshold_and_stops_at_the_window() -> None:
    settings = get_settings().model_copy(
        update={"login_backoff_seconds": 60, "login_failure_window_seconds": 3600}
    )
    waits = [backoff_seconds(n, 5, settings) for n in range(4, 12)]
    assert waits == [0, 60, 120, 240, 480, 960, 1920, 3600]


async def _fail(client: Client, username: str, times: int) -> httpx.Response:
    response: httpx.Response | None = None
    for _ in range(times):
        response = await web_login(client, username, "wrong-password")
    assert response is not None
    return response


async def test_attempts_while_throttled_do_not_extend_the_wait(client: Client) -> None:
    user = await make_user(Role.staff)
    await _fail(client, user.username, 5)
    first = await web_login(client, user.username, PASSWORD)
    assert first.status_code == 429
    waited = int(first.headers["retry-after"])
    assert 0 < waited <= 60

    for _ in range(10):
        again = await web_login(client, user.username, "wrong-password")
        assert again.status_code == 429
        assert int(again.headers["retry-after"]) <= waited
    # Only the five real attempts are recorded: the refused ones never count.
    assert await LoginAttempt.count().where(LoginAttempt.username == user.username) == 5


async def test_the_right_password_works_once_the_back_off_has_passed(client: Client) -> None:
    user = await make_user(Role.staff)
    await _fail(client, user.username, 5)
    assert (await web_login(client, user.username, PASSWORD)).status_code == 429
    rows = await LoginAttempt.select(LoginAttempt.id, LoginAttempt.at)
    for row in rows:  # a minute and a bit later
        await LoginAttempt.update({LoginAttempt.at: row["at"] - timedelta(seconds=61)}).where(
            LoginAttempt.id == row["id"]
        )
    assert (await web_login(client, user.username, PASSWORD)).status_code == 303


async def test_a_known_device_logs_in_despite_failures_from_elsewhere(
    client: Client, app: object
) -> None:
    """The owner's browser (device cookie from an earlier login) is never locked out by an
    attacker hammering the account, even from the same address."""
    user = await make_user(Role.reviewer)
    assert (await web_login(client, user.username)).status_code == 303
    assert client.cookies.get("aidbridge_device")
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=client.base_url) as attacker:
        await _fail(attacker, user.username, 12)
        assert (await web_login(attacker, user.username, PASSWORD)).status_code == 429

    response = await web_login(client, user.username, PASSWORD)

    assert response.status_code == 303


async def test_a_forged_device_cookie_does_not_help(client: Client) -> None:
    user = await make_user(Role.reviewer)
    await _fail(client, user.username, 5)
    client.cookies.set("aidbridge_device", f"1.abc.{'0' * 64}")
    assert (await web_login(client, user.username, PASSWORD)).status_code == 429


async def test_the_token_endpoint_is_throttled_the_same_way(client: Client) -> None:
    user = await make_user(Role.auditor)
    for _ in range(5):
        wrong = await client.post(
            "/api/v1/auth/token", json={"username": user.username, "password": "wrong-password"}
        )
        assert wrong.status_code == 401
    response = await client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["code"] == "login_rate_limited"
    assert int(response.headers["retry-after"]) > 0
