"""One error shape for the API; error pages for people; never a stack trace."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar, get

from backend.accounts.tables import Role
from backend.organisations.tables import Organisation
from tests.factories import api_token, make_user

pytestmark = pytest.mark.usefixtures("database")


def assert_error_shape(body: dict[str, object]) -> None:
    assert set(body) == {"code", "message", "field", "errors"}
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str)


async def test_malformed_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/token",
        content=b'{"username": "a", ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body)
    assert body["code"] == "malformed_json"
    assert body["message"] == "请求体不是有效的 JSON"


async def test_missing_field_is_named_in_chinese(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", json={"username": "someone"})
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body)
    assert body["code"] == "missing_field"
    assert body["field"] == "password"
    assert body["message"] == "缺少必填字段：密码"


async def test_every_invalid_field_is_listed(client: httpx.AsyncClient) -> None:
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    response = await client.post(
        "/api/v1/organisations", json={"name": "x", "kind": "bank"}, headers=headers
    )
    body = response.json()
    assert response.status_code == 400
    fields = {error["field"]: error for error in body["errors"]}
    assert set(fields) == {"name", "kind", "uscc"}
    assert fields["kind"]["message"] == "组织类型的取值不在允许范围内"
    assert fields["uscc"]["code"] == "missing_field"


async def test_credit_code_check_character(client: httpx.AsyncClient) -> None:
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    response = await client.post(
        "/api/v1/organisations",
        json={"name": "测试慈善会", "kind": "charity", "uscc": "53120116MJ0000001K"},
        headers=headers,
    )
    assert response.status_code == 400
    body = response.json()
    assert body == {
        "code": "uscc_checksum",
        "message": "统一社会信用代码校验位错误",
        "field": "uscc",
        "errors": [
            {"code": "uscc_checksum", "message": "统一社会信用代码校验位错误", "field": "uscc"}
        ],
    }
    assert await Organisation.count() == 0


async def test_unknown_api_path_is_404_in_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert_error_shape(response.json())
    assert response.json()["code"] == "not_found"


async def test_unknown_page_is_a_chinese_error_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "未找到" in response.text


async def test_guarded_page_redirects_anonymous_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me")
    assert response.status_code == 401


async def test_unexpected_error_sends_no_stack_trace(app: Litestar) -> None:
    @get("/api/v1/_boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("secret internals 110101199003074514")

    app.register(boom)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/api/v1/_boom")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert "110101199003074514" not in response.text


async def test_failed_request_leaves_no_half_written_state(client: httpx.AsyncClient) -> None:
    """The user row is written before the membership check fails: both must roll back."""
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    response = await client.post(
        "/api/v1/users",
        json={
            "username": "halfway",
            "display_name": "半途",
            "password": "long-enough-pw",
            "role": "org_member",
            "organisation_id": "no-such-org",
        },
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "organisation_id"
    from backend.accounts.tables import User

    assert not await User.exists().where(User.username == "halfway")
