"""Web sessions (no fixation, none for anonymous reads, new id on privilege change) and the
security headers every response carries."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from backend.accounts.tables import Membership, Role, User
from backend.organisations.tables import Organisation
from backend.settings import Settings, get_settings
from backend.web.security import content_security_policy, forwarded_client
from tests.factories import PASSWORD, csrf_token, make_organisation, make_user, web_login

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
TEMPLATES = Path(__file__).resolve().parents[3] / "backend" / "web" / "templates"


def _session_cookie(response: httpx.Response) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        match = re.match(r"session=([^;]*)", header)
        if match:
            return match.group(1)
    return None


async def _logged_in_as(client: Client, display_name: str, cookie: str | None = None) -> bool:
    headers = {"Cookie": f"session={cookie}"} if cookie is not None else None
    page = await client.get("/", headers=headers)
    return display_name in page.text


async def test_a_session_id_chosen_by_the_client_is_never_logged_in(client: Client) -> None:
    """Session fixation: the attacker's planted id must not become the victim's session."""
    user = await make_user(Role.reviewer)
    planted = "a" * 64
    client.cookies.set("session", planted)

    response = await web_login(client, user.username)

    assert response.status_code == 303
    issued = _session_cookie(response)
    assert issued and issued != planted
    client.cookies.clear()
    async with httpx.AsyncClient(transport=client._transport, base_url=client.base_url) as other:
        assert not await _logged_in_as(other, user.display_name, planted)
        assert await _logged_in_as(other, user.display_name, issued)


async def test_a_second_login_gets_a_new_id_and_the_old_one_is_dead(client: Client) -> None:
    user = await make_user(Role.staff)
    first = _session_cookie(await web_login(client, user.username))
    second = _session_cookie(await web_login(client, user.username))
    assert first and second and first != second
    client.cookies.clear()
    assert not await _logged_in_as(client, user.display_name, first)
    assert await _logged_in_as(client, user.display_name, second)


async def test_logout_ends_the_session_id(client: Client) -> None:
    user = await make_user(Role.staff)
    issued = _session_cookie(await web_login(client, user.username))
    token = await csrf_token(client, "/")
    out = await client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.clear()
    assert not await _logged_in_as(client, user.display_name, issued)


async def test_a_privilege_change_gives_the_session_a_new_id(client: Client) -> None:
    user = await make_user(Role.volunteer)
    before = _session_cookie(await web_login(client, user.username))
    organisation = await make_organisation()
    row = await User.select(User.id).where(User.username == user.username).first()
    org = await Organisation.select(Organisation.id).where(
        Organisation.public_id == organisation.id
    )
    await Membership.insert(Membership(user=row["id"], organisation=org[0]["id"]))

    page = await client.get("/")
    after = _session_cookie(page)

    assert after and after != before
    client.cookies.clear()
    assert not await _logged_in_as(client, user.display_name, before)
    assert await _logged_in_as(client, user.display_name, after)


async def test_an_unchanged_session_is_not_rewritten(client: Client) -> None:
    user = await make_user(Role.staff)
    await web_login(client, user.username)
    page = await client.get("/")
    assert page.status_code == 200
    assert _session_cookie(page) is None


@pytest.mark.parametrize("path", ["/", "/needs", "/disclosure", "/disclosure/open-data"])
async def test_anonymous_reads_set_no_cookie_and_store_no_session(
    client: Client, settings: Settings, path: str
) -> None:
    sessions = settings.var_dir / "sessions"
    before = set(sessions.glob("*")) if sessions.exists() else set()
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers.get_list("set-cookie") == []
    after = set(sessions.glob("*")) if sessions.exists() else set()
    assert after == before


async def test_public_disclosure_page_is_cacheable_and_cookie_free(client: Client) -> None:
    response = await client.get("/disclosure")
    assert "public" in response.headers["cache-control"]
    assert "set-cookie" not in response.headers


async def test_a_page_with_a_form_sets_the_csrf_cookie_it_needs(client: Client) -> None:
    response = await client.get("/login")
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("csrftoken=") for c in cookies)
    assert not any(c.startswith("session=") for c in cookies)


async def test_a_response_with_a_cookie_is_never_publicly_cacheable() -> None:
    from backend.web.security import security_headers

    message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"cache-control", b"public, max-age=60"),
            (b"set-cookie", b"session=x; Path=/; HttpOnly"),
        ],
    }
    await security_headers(message, {"type": "http", "path": "/disclosure"})  # type: ignore[arg-type]
    headers = dict(message["headers"])  # type: ignore[arg-type]
    assert headers[b"cache-control"] == b"private, max-age=60"


SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/login"),
        ("GET", "/api/v1/needs"),
        ("GET", "/api/v1/auth/me"),  # 401
        ("GET", "/static/app.css"),
        ("GET", "/no-such-page"),  # 404 before any route
        ("GET", "/api/v1/no-such-endpoint"),
        ("DELETE", "/api/v1/needs"),  # 405
        ("GET", "/admin/"),  # redirect to the login
        ("GET", "/health/live"),
        ("GET", "/schema/openapi.json"),
    ],
)
async def test_every_response_carries_the_security_headers(
    client: Client, method: str, path: str
) -> None:
    response = await client.request(method, path, headers={"Accept": "text/html"})
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "strict-transport-security" not in response.headers  # not in development or test


def test_hsts_only_in_production() -> None:
    import asyncio
    import base64

    from backend.settings import set_settings
    from backend.web.security import security_headers

    current = get_settings()
    key = base64.b64encode(b"h" * 32).decode()
    production = Settings(
        environment="production",
        session_secret="s" * 40,
        data_encryption_keys="k1:" + key,
        blind_index_key=key,
        ledger_signing_key=key,
    )
    message = {"type": "http.response.start", "status": 200, "headers": []}
    set_settings(production)
    try:
        asyncio.run(security_headers(message, {"type": "http", "path": "/"}))  # type: ignore[arg-type]
    finally:
        set_settings(current)
    assert (b"strict-transport-security", b"max-age=31536000; includeSubDomains") in message[
        "headers"
    ]


def test_the_site_policy_allows_no_inline_script_style_or_eval() -> None:
    policy = content_security_policy(get_settings(), "/needs")
    for directive in ("script-src", "style-src"):
        part = next(p for p in policy.split("; ") if p.startswith(directive))
        assert "'unsafe-inline'" not in part and "'unsafe-eval'" not in part
    assert "stripe" not in policy  # Stripe is off in the tests' settings


def test_stripe_is_allowed_only_when_enabled() -> None:
    stripe = get_settings().model_copy(
        update={
            "stripe_secret_key": "sk_test_x",
            "stripe_publishable_key": "pk_test_x",
            "stripe_webhook_secret": "whsec_x",
        }
    )
    policy = content_security_policy(stripe, "/donations/abc/pay")
    assert "script-src 'self' https://js.stripe.com" in policy
    assert "frame-src https://js.stripe.com" in policy
    assert "https://api.stripe.com" in policy


_INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|hx-on|javascript:", re.IGNORECASE
)


def test_no_template_carries_inline_script_style_or_handler() -> None:
    """What the CSP forbids must not be in the pages: every behaviour lives in /static."""
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group()}"
        for path in TEMPLATES.rglob("*.html")
        for match in _INLINE.finditer(path.read_text())
    ]
    assert offenders == []


def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    import ipaddress

    proxies = (ipaddress.ip_network("10.0.0.5/32"),)
    assert forwarded_client("203.0.113.9", "1.2.3.4", ()) == "203.0.113.9"
    assert forwarded_client("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"
    assert forwarded_client("10.0.0.5", "1.2.3.4", proxies) == "1.2.3.4"
    # Entries the client wrote itself (left of the proxy's) are not believed.
    assert forwarded_client("10.0.0.5", "6.6.6.6, 1.2.3.4", proxies) == "1.2.3.4"
    assert forwarded_client("10.0.0.5", "not-an-ip", proxies) == "10.0.0.5"


async def test_an_untrusted_forwarded_for_cannot_dodge_the_login_throttle(client: Client) -> None:
    user = await make_user(Role.staff)
    for n in range(5):
        token = await csrf_token(client)
        await client.post(
            "/login",
            data={"username": user.username, "password": "wrong-password", "_csrf_token": token},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "_csrf_token": token},
        headers={"X-Forwarded-For": "198.51.100.200"},
        follow_redirects=False,
    )
    assert response.status_code == 429


async def test_sessions_live_in_redis_when_configured(settings: Settings) -> None:
    """With REDIS_URL the same rules hold, the sessions kept in Redis instead of var/sessions."""
    from redis.asyncio import Redis

    from backend.app import create_app
    from backend.settings import set_settings
    from tests.settings import TEST_REDIS_URL

    user = await make_user(Role.auditor)
    redis_app = create_app(settings.model_copy(update={"redis_url": TEST_REDIS_URL}))
    redis = Redis.from_url(TEST_REDIS_URL)
    try:
        transport = httpx.ASGITransport(app=redis_app, client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
            assert (await c.get("/")).headers.get_list("set-cookie") == []
            c.cookies.set("session", "b" * 64)
            issued = _session_cookie(await web_login(c, user.username))
            assert issued and issued != "b" * 64
            keys = [k.decode() for k in await redis.keys("aidbridge-sessions*")]
            assert any(issued in key for key in keys)
            assert not any("b" * 64 in key for key in keys)
    finally:
        set_settings(settings)
        await redis.aclose()
