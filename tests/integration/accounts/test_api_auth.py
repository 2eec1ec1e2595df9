"""The JSON API's bearer tokens, user creation and its guards."""

from __future__ import annotations

import httpx
import pytest

from backend.accounts.tables import Role
from tests.factories import (
    BINHAI,
    JIANGBEI,
    PASSWORD,
    TANGGU,
    api_token,
    make_organisation,
    make_user,
)

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient


async def test_token_login_and_me(client: Client) -> None:
    user = await make_user(Role.staff)
    headers = await api_token(client, user.username)
    me = await client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["role"] == "staff"
    assert "password" not in me.text


async def test_revoked_token_stops_working(client: Client) -> None:
    user = await make_user(Role.volunteer)
    headers = await api_token(client, user.username)
    assert (await client.delete("/api/v1/auth/token", headers=headers)).status_code == 204
    response = await client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_api_wrong_password_is_401_with_error_shape(client: Client) -> None:
    user = await make_user(Role.staff)
    response = await client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": "nope-nope"}
    )
    assert response.status_code == 401
    assert response.json() == {
        "code": "login_failed",
        "message": "用户名或密码错误",
        "field": None,
        "errors": [{"code": "login_failed", "message": "用户名或密码错误", "field": None}],
    }


async def test_api_rate_limit_answers_429_with_retry_after(client: Client) -> None:
    user = await make_user(Role.staff)
    for _ in range(5):
        await client.post("/api/v1/auth/token", json={"username": user.username, "password": "x"})
    response = await client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["code"] == "login_rate_limited"
    assert int(response.headers["retry-after"]) > 0


async def test_api_ignores_session_cookies(client: Client) -> None:
    """Only bearer tokens authenticate the API, so cross-site requests cannot ride a session."""
    from tests.factories import web_login

    user = await make_user(Role.admin)
    await web_login(client, user.username)
    response = await client.get("/api/v1/auth/me")
    assert response.status_code == 401


async def test_guard_refuses_a_role(client: Client) -> None:
    volunteer = await make_user(Role.volunteer)
    headers = await api_token(client, volunteer.username)
    response = await client.post(
        "/api/v1/users",
        json={
            "username": "newstaff",
            "display_name": "新同事",
            "password": "long-enough-pw",
            "role": "staff",
            "region_code": TANGGU,
        },
        headers=headers,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_forbidden"
    assert response.json()["message"] == "您的角色无权执行此操作"


async def test_admin_creates_a_staff_user(client: Client) -> None:
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    response = await client.post(
        "/api/v1/users",
        json={
            "username": "NewStaff",
            "display_name": "新同事",
            "password": "long-enough-pw",
            "role": "staff",
            "region_code": TANGGU,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["username"] == "newstaff"
    assert await api_token(client, "newstaff", "long-enough-pw")


async def test_staff_user_needs_a_region(client: Client) -> None:
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    response = await client.post(
        "/api/v1/users",
        json={
            "username": "noregion",
            "display_name": "无地区",
            "password": "long-enough-pw",
            "role": "staff",
        },
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "region_code"


async def test_duplicate_username_is_a_conflict(client: Client) -> None:
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    body = {
        "username": admin.username,
        "display_name": "重复",
        "password": "long-enough-pw",
        "role": "auditor",
    }
    response = await client.post("/api/v1/users", json=body, headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"
    assert response.json()["field"] == "username"


async def test_region_guard_lets_staff_into_their_district(client: Client) -> None:
    reviewer = await make_user(Role.reviewer, region_code=BINHAI)
    colleague = await make_user(Role.staff, region_code=TANGGU)
    headers = await api_token(client, reviewer.username)
    response = await client.get(f"/api/v1/regions/{BINHAI}/staff", headers=headers)
    assert response.status_code == 200
    assert {u["username"] for u in response.json()} == {reviewer.username, colleague.username}


async def test_region_guard_refuses_another_region(client: Client) -> None:
    staff = await make_user(Role.staff, region_code=TANGGU)
    headers = await api_token(client, staff.username)
    response = await client.get(f"/api/v1/regions/{JIANGBEI}/staff", headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "region_out_of_scope"


async def test_region_guard_refuses_the_parent_of_ones_scope(client: Client) -> None:
    """A street's staff member does not see the whole district."""
    staff = await make_user(Role.staff, region_code=TANGGU)
    headers = await api_token(client, staff.username)
    response = await client.get(f"/api/v1/regions/{BINHAI}/staff", headers=headers)
    assert response.status_code == 403


async def test_org_guard_hides_other_organisations(client: Client) -> None:
    ours = await make_organisation(name="我们的组织")
    theirs = await make_organisation(name="别人的组织")
    member = await make_user(Role.org_member, organisation_id=ours.id)
    headers = await api_token(client, member.username)

    own = await client.get(f"/api/v1/organisations/{ours.id}/members", headers=headers)
    assert own.status_code == 200
    assert [m["username"] for m in own.json()] == [member.username]

    other = await client.get(f"/api/v1/organisations/{theirs.id}/members", headers=headers)
    assert other.status_code == 404
    assert other.json()["code"] == "organisation_not_found"


async def test_anonymous_api_call_to_guarded_endpoint_is_401(client: Client) -> None:
    response = await client.get(f"/api/v1/regions/{BINHAI}/staff")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
