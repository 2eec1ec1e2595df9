"""Logging in and out on the web pages: every role, wrong passwords, the rate limit, CSRF."""

from __future__ import annotations

import httpx
import pytest

from backend.accounts.tables import LoginAttempt, Role, User
from tests.factories import PASSWORD, csrf_token, make_user, web_login

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_logs_in_sees_home_and_logs_out(client: Client, role: Role) -> None:
    user = await make_user(role)

    response = await web_login(client, user.username)
    assert response.status_code == 303
    assert response.headers["location"] == "/"

    home = await client.get("/")
    assert home.status_code == 200
    assert '<html lang="zh-CN">' in home.text
    assert user.display_name in home.text
    assert "退出登录" in home.text

    token = await csrf_token(client, "/")
    out = await client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    after = await client.get("/")
    assert user.display_name not in after.text
    assert 'href="/login"' in after.text


async def test_home_shows_headline_figures(client: Client) -> None:
    await make_user(Role.volunteer)
    home = await client.get("/")
    assert "平台数据" in home.text
    assert "注册志愿者" in home.text  # the in-process job has refreshed the figures


async def test_wrong_password_gets_a_clear_message_and_no_session(client: Client) -> None:
    user = await make_user(Role.staff)

    response = await web_login(client, user.username, "not-the-password")

    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert user.display_name not in (await client.get("/")).text
    attempts = await LoginAttempt.select().where(LoginAttempt.username == user.username)
    assert [a["succeeded"] for a in attempts] == [False]


async def test_unknown_user_gets_the_same_message(client: Client) -> None:
    response = await web_login(client, "nobody-here", "whatever-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


async def test_inactive_user_cannot_log_in(client: Client) -> None:
    user = await make_user(Role.auditor)
    await User.update({User.is_active: False}).where(User.id == user.id)
    response = await web_login(client, user.username)
    assert response.status_code == 401


async def test_repeated_failures_on_one_account_are_rate_limited(client: Client) -> None:
    user = await make_user(Role.reviewer)
    for _ in range(5):
        assert (await web_login(client, user.username, "wrong-password")).status_code == 401

    # Even the right password is refused while the account is locked out.
    response = await web_login(client, user.username, PASSWORD)

    assert response.status_code == 429
    assert "登录失败次数过多" in response.text
    assert user.display_name not in (await client.get("/")).text


async def test_repeated_failures_from_one_address_are_rate_limited(client: Client) -> None:
    """Password spraying: many accounts from one client; that client waits (not the users)."""
    victim = await make_user(Role.admin)
    for n in range(20):
        await web_login(client, f"sprayed-account-{n}", "wrong-password")

    response = await web_login(client, victim.username, PASSWORD)

    assert response.status_code == 429


async def test_rate_limited_attempts_are_logged(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    user = await make_user(Role.volunteer)
    for _ in range(6):
        await web_login(client, user.username, "wrong-password")
    events = [record.msg for record in caplog.records if isinstance(record.msg, dict)]
    names = [event["event"] for event in events]
    assert names.count("login_failed") == 5
    assert names.count("login_rate_limited") == 1
    assert "wrong-password" not in str(events)


async def test_login_form_without_csrf_token_is_rejected(client: Client) -> None:
    user = await make_user(Role.staff)
    await client.get("/login")  # has the CSRF cookie, but the form omits the token
    response = await client.post(
        "/login", data={"username": user.username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert await LoginAttempt.count() == 0


async def test_forged_csrf_token_is_rejected(client: Client) -> None:
    user = await make_user(Role.staff)
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "_csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403


async def test_login_does_not_redirect_off_site(client: Client) -> None:
    user = await make_user(Role.staff)
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "_csrf_token": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


async def test_session_cookie_is_http_only(client: Client) -> None:
    user = await make_user(Role.staff)
    response = await web_login(client, user.username)
    cookie = response.headers.get("set-cookie", "")
    assert "session=" in cookie
    assert "HttpOnly" in cookie
