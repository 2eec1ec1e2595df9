"""One password policy, whichever way a password is set: the public registration, an
invitation, the users API, the admin's create-user form and ``aidbridge create-user``."""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role, User
from backend.cli import main
from tests.factories import BINHAI, api_token, make_user
from tests.integration.admin.conftest import csrf_header
from tests.integration.organisations.helpers import make_registered, register_body

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
WEAK = ["1234567890", " " * 10, "          x", "aaaaaaaaaaaa"]


@pytest.mark.parametrize("password", WEAK)
async def test_the_users_api_refuses_weak_passwords(client: Client, password: str) -> None:
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    response = await client.post(
        "/api/v1/users",
        json={
            "username": "weakling",
            "display_name": "弱密码",
            "password": password,
            "role": "auditor",
        },
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "password"
    assert await User.count().where(User.username == "weakling") == 0


@pytest.mark.parametrize("password", WEAK)
async def test_registration_refuses_weak_passwords(client: Client, password: str) -> None:
    response = await client.post(
        "/api/v1/organisations/register", json=register_body(owner_password=password)
    )
    assert response.status_code == 400
    assert response.json()["field"] == "owner_password"


@pytest.mark.parametrize("password", WEAK)
async def test_an_invitation_refuses_weak_passwords(client: Client, password: str) -> None:
    org_id, owner = await make_registered()
    headers = await api_token(client, owner.username)
    url = (
        await client.post(f"/api/v1/organisations/{org_id}/invitations", headers=headers)
    ).json()["url"]
    response = await client.post(
        f"/api/v1/invitations/{url.rsplit('/', 1)[1]}",
        json={"username": "newcomer", "display_name": "新成员", "password": password},
    )
    assert response.status_code == 400
    assert response.json()["field"] == "password"


@pytest.mark.parametrize("password", WEAK)
async def test_the_admin_form_refuses_weak_passwords(
    client: Client, admin_user: CurrentUser, password: str
) -> None:
    response = await client.post(
        "/admin/api/forms/新建用户/",
        json={
            "username": "weakreviewer",
            "display_name": "审核员",
            "password": password,
            "role": "reviewer",
            "region_code": BINHAI,
        },
        headers=csrf_header(client),
    )
    assert response.status_code in (400, 422)
    assert await User.count().where(User.username == "weakreviewer") == 0


@pytest.mark.parametrize("password", WEAK)
def test_the_cli_refuses_weak_passwords(password: str) -> None:
    result = CliRunner().invoke(
        main,
        [
            "create-user",
            "--username",
            "cliuser",
            "--display-name",
            "命令行用户",
            "--role",
            "auditor",
            "--password",
            password,
        ],
    )
    assert result.exit_code == 2
    assert "password" in result.output
