"""Who reaches /admin: only an AidBridge admin through the AidBridge login; no second door."""

from __future__ import annotations

import httpx
import pytest

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role, User
from tests.factories import PASSWORD, api_token, csrf_token, make_user, web_login
from tests.integration.admin.conftest import HTML, JSON, csrf_header

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
NOT_ADMIN = [role for role in Role if role != Role.admin]


async def test_anonymous_browser_is_sent_to_the_login_form(client: Client) -> None:
    response = await client.get("/admin/", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fadmin%2F"

    deep = await client.get("/admin/assets/index.js", headers=HTML)
    assert deep.headers["location"] == "/login?next=%2Fadmin%2Fassets%2Findex.js"


async def test_anonymous_api_call_gets_401(client: Client) -> None:
    response = await client.get("/admin/api/tables/", headers=JSON)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"] == "请先登录"


async def test_bare_admin_path_moves_to_the_slash(client: Client, admin_user: CurrentUser) -> None:
    response = await client.get("/admin", headers=HTML)
    assert response.status_code == 308
    assert response.headers["location"] == "/admin/"


@pytest.mark.parametrize("role", NOT_ADMIN)
async def test_every_other_role_is_refused(client: Client, role: Role) -> None:
    user = await make_user(role)
    assert (await web_login(client, user.username)).status_code == 303

    page = await client.get("/admin/", headers=HTML)
    assert page.status_code == 403
    assert "只有平台管理员可以进入后台管理" in page.text
    assert '<html lang="zh-CN">' in page.text
    assert user.display_name in page.text  # the site's own page, with its navigation

    api = await client.get("/admin/api/tables/", headers=JSON)
    assert api.status_code == 403
    assert api.json()["code"] == "admin_only"

    target = await User.select(User.id).where(User.username == user.username).first()
    write = await client.patch(
        f"/admin/api/tables/app_user/{target['id']}/",
        json={"role": "admin"},
        headers=csrf_header(client),
    )
    assert write.status_code == 403
    assert write.json()["code"] == "admin_only"
    assert (await User.select(User.role).where(User.id == target["id"]).first())["role"] == role


async def test_admin_opens_the_back_office(client: Client, admin_user: CurrentUser) -> None:
    page = await client.get("/admin/", headers=HTML)
    assert page.status_code == 200
    assert '<div id="app">' in page.text
    # piccolo-admin's own login screen sends to AidBridge's (a script file: the CSP has no inline)
    assert '<script src="/static/admin-login.js"></script>' in page.text
    assert "#/login" in (await client.get("/static/admin-login.js")).text

    me = await client.get("/admin/api/user/", headers=JSON)
    assert me.status_code == 200
    assert me.json() == {"username": admin_user.display_name, "user_id": str(admin_user.id)}


async def test_an_admin_bearer_token_is_not_a_way_in(client: Client) -> None:
    user = await make_user(Role.admin)
    headers = await api_token(client, user.username)
    response = await client.get("/admin/api/tables/", headers={**JSON, **headers})
    assert response.status_code == 401


async def test_a_deactivated_admin_is_out_on_the_next_request(
    client: Client, admin_user: CurrentUser
) -> None:
    assert (await client.get("/admin/api/tables/", headers=JSON)).status_code == 200
    await User.update({User.is_active: False}).where(User.id == admin_user.id)
    assert (await client.get("/admin/api/tables/", headers=JSON)).status_code == 401


async def test_piccolo_login_is_no_door(client: Client, admin_user: CurrentUser) -> None:
    """Neither for an admin already in, nor for anyone else with a password."""
    login = await client.post(
        "/admin/public/login/",
        json={"username": admin_user.username, "password": PASSWORD},
        headers=csrf_header(client),
    )
    assert login.status_code == 403
    assert login.json()["code"] == "admin_login_disabled"

    change = await client.post(
        "/admin/api/change-password/",
        json={
            "current_password": PASSWORD,
            "new_password": "x" * 12,
            "confirm_new_password": "x" * 12,
        },
        headers=csrf_header(client),
    )
    assert change.status_code == 403

    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://testserver.local"
    ) as stranger:
        await stranger.get("/login")
        response = await stranger.post(
            "/admin/public/login/",
            json={"username": admin_user.username, "password": PASSWORD},
            headers=csrf_header(stranger),
        )
        assert response.status_code == 401
        assert "id" not in stranger.cookies  # no piccolo session cookie was issued
        assert (await stranger.get("/admin/api/tables/", headers=JSON)).status_code == 401


async def test_piccolo_logout_ends_the_aidbridge_session(
    client: Client, admin_user: CurrentUser
) -> None:
    out = await client.post("/admin/public/logout/", headers=csrf_header(client))
    assert out.status_code == 200
    assert (await client.get("/admin/api/tables/", headers=JSON)).status_code == 401
    home = await client.get("/")
    assert admin_user.display_name not in home.text


async def test_writes_need_the_csrf_token(client: Client, admin_user: CurrentUser) -> None:
    response = await client.patch(
        f"/admin/api/tables/app_user/{admin_user.id}/",
        json={"display_name": "改名"},
        headers=JSON,
    )
    assert response.status_code == 403
    forged = await client.patch(
        f"/admin/api/tables/app_user/{admin_user.id}/",
        json={"display_name": "改名"},
        headers={**JSON, "x-csrftoken": "a-token-of-my-own"},
    )
    assert forged.status_code == 403
    name = await User.select(User.display_name).where(User.id == admin_user.id).first()
    assert name["display_name"] != "改名"


async def test_a_first_visit_to_admin_keeps_the_site_forms_working(
    client: Client, admin_user: CurrentUser
) -> None:
    """piccolo-admin must not plant a CSRF cookie of its own that Litestar would reject."""
    client.cookies.delete("csrftoken")
    page = await client.get("/admin/", headers=HTML)
    set_cookies = [c for c in page.headers.get_list("set-cookie") if c.startswith("csrftoken=")]
    assert len(set_cookies) == 1

    saved = await client.patch(
        f"/admin/api/tables/app_user/{admin_user.id}/",
        json={"display_name": "平台管理员甲"},
        headers=csrf_header(client),
    )
    assert saved.status_code == 200, saved.text

    token = await csrf_token(client, "/")
    out = await client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
