"""Registering an organisation with its owner in one step, and the owner's profile edits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.accounts.tables import Membership, MembershipRole, User
from backend.organisations.tables import Organisation
from tests.factories import BINHAI, JIANGBEI, TANGGU, api_token, valid_uscc
from tests.integration.organisations.helpers import make_registered, register_body

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
REGISTER = "/api/v1/organisations/register"


async def _nothing_written() -> None:
    assert await Organisation.count() == 0
    assert await User.count() == 0
    assert await Membership.count() == 0


async def test_registration_creates_an_unverified_organisation_and_its_owner(
    client: Client,
) -> None:
    body = register_body(service_regions=[TANGGU, JIANGBEI], monthly_capacity_fen=123_456)
    response = await client.post(REGISTER, json=body)
    assert response.status_code == 201, response.text
    found = response.json()
    org = found["organisation"]
    assert org["name"] == body["name"]
    assert org["kind"] == "charity" and org["kind_label"] == "慈善组织"
    assert org["uscc"] == body["uscc"]
    assert org["public_fundraising"] is True
    assert org["fundraising_certificate"] == body["fundraising_certificate"]
    assert org["service_regions"] == [
        {"code": TANGGU, "name": "滨海新区塘沽街道"},
        {"code": JIANGBEI, "name": "江北区"},
    ]
    assert org["focus_categories"] == ["medical", "education"]
    assert org["monthly_capacity_fen"] == 123_456
    assert (org["status"], org["verified"], org["verified_at"]) == ("pending", False, None)
    assert found["owner"] == {
        "username": body["owner_username"],
        "display_name": body["owner_display_name"],
    }
    assert "password" not in response.text and "argon2" not in response.text

    row = await Organisation.select().where(Organisation.public_id == org["id"]).first()
    assert row is not None and row["verified"] is False
    membership = await Membership.select(Membership.role, Membership.user.username).first()
    assert membership == {"role": MembershipRole.owner, "user.username": body["owner_username"]}

    # the owner logs in and sees their organisation's members
    headers = await api_token(client, body["owner_username"])
    members = await client.get(f"/api/v1/organisations/{org['id']}/members", headers=headers)
    assert members.json() == [
        {
            "username": body["owner_username"],
            "display_name": body["owner_display_name"],
            "role": "owner",
        }
    ]


def _bad_check_character(code: str) -> str:
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


@pytest.mark.parametrize(
    ("overrides", "field", "code", "message"),
    [
        (
            {"uscc": _bad_check_character(valid_uscc())},
            "uscc",
            "uscc_checksum",
            "统一社会信用代码校验位错误",
        ),
        ({"uscc": "1234"}, "uscc", "uscc_format", "统一社会信用代码格式不正确"),
        (
            {"public_fundraising": True, "fundraising_certificate": "  "},
            "fundraising_certificate",
            "certificate_required",
            "具有公开募捐资格的，请填写公开募捐资格证书编号",
        ),
        (
            {"kind": "social_work", "public_fundraising": True},
            "public_fundraising",
            "fundraising_charity_only",
            "只有慈善组织可以具有公开募捐资格",
        ),
        (
            {"service_regions": ["120116999000"]},
            "service_regions",
            "unknown_region",
            "服务地区不存在：120116999000",
        ),
        ({"service_regions": []}, "service_regions", "invalid_too_short", None),
        (
            {"service_regions": ["1201"]},
            "service_regions.0",
            "invalid_string_pattern_mismatch",
            None,
        ),
        ({"focus_categories": ["fishing"]}, "focus_categories.0", "invalid_enum", None),
        ({"monthly_capacity_fen": -1}, "monthly_capacity_fen", "invalid_greater_than_equal", None),
        (
            {"owner_password": "short"},
            "owner_password",
            "password_too_short",
            "密码至少需要10个字符",
        ),
        (
            {"owner_password": "1111111111"},
            "owner_password",
            "password_weak",
            "密码太简单：请不要使用纯数字、重复字符或常见密码",
        ),
        ({"owner_password": "password123"}, "owner_password", "password_weak", None),
        (
            {"owner_username": "xiaoming", "owner_password": "xiaoming-2026!"},
            "owner_password",
            "password_contains_username",
            "密码不能包含用户名",
        ),
        ({"owner_username": "有中文"}, "owner_username", "invalid_string_pattern_mismatch", None),
    ],
)
async def test_each_field_error_is_named_and_nothing_is_written(
    client: Client, overrides: dict[str, Any], field: str, code: str, message: str | None
) -> None:
    response = await client.post(REGISTER, json=register_body(**overrides))
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["field"], body["code"]) == (field, code)
    if message:
        assert body["message"] == message
    await _nothing_written()


async def test_every_invalid_field_is_listed_at_once(client: Client) -> None:
    body = register_body(
        uscc=_bad_check_character(valid_uscc()),
        kind="volunteer_team",
        public_fundraising=True,
        owner_password="123",
    )
    response = await client.post(REGISTER, json=body)
    assert response.status_code == 400
    fields = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert fields == {
        "uscc": "uscc_checksum",
        "public_fundraising": "fundraising_charity_only",
        "owner_password": "password_too_short",
    }


async def test_a_certificate_without_the_qualification_is_dropped(client: Client) -> None:
    body = register_body(public_fundraising=False, fundraising_certificate="津民证字第1号")
    response = await client.post(REGISTER, json=body)
    assert response.status_code == 201
    assert response.json()["organisation"]["fundraising_certificate"] == ""


async def test_duplicate_credit_code_is_409_and_writes_nothing(client: Client) -> None:
    first = register_body()
    assert (await client.post(REGISTER, json=first)).status_code == 201
    again = register_body(uscc=first["uscc"].lower())
    response = await client.post(REGISTER, json=again)
    assert response.status_code == 409
    assert response.json()["code"] == "uscc_taken"
    assert response.json()["field"] == "uscc"
    assert await Organisation.count() == 1
    assert await User.count() == 1
    assert not await User.exists().where(User.username == again["owner_username"])


async def test_taken_username_leaves_no_organisation_behind(client: Client) -> None:
    first = register_body()
    assert (await client.post(REGISTER, json=first)).status_code == 201
    again = register_body(owner_username=first["owner_username"])
    response = await client.post(REGISTER, json=again)
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == (
        "username_taken",
        "owner_username",
    )
    assert await Organisation.count() == 1
    assert not await Organisation.exists().where(Organisation.uscc == again["uscc"])


async def test_public_profile_has_public_fields_only(client: Client) -> None:
    org_id, _ = await make_registered(service_regions=[BINHAI])
    response = await client.get(f"/api/v1/organisations/{org_id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "kind",
        "kind_label",
        "uscc",
        "public_fundraising",
        "fundraising_certificate",
        "service_regions",
        "focus_categories",
        "status",
        "status_label",
        "verified",
        "verified_at",
        "suspended",
    }
    assert body["service_regions"] == [{"code": BINHAI, "name": "滨海新区"}]
    missing = await client.get("/api/v1/organisations/no-such-org")
    assert (missing.status_code, missing.json()["code"]) == (404, "organisation_not_found")


async def test_owner_edits_the_profile(client: Client) -> None:
    org_id, owner = await make_registered()
    headers = await api_token(client, owner.username)
    response = await client.patch(
        f"/api/v1/organisations/{org_id}",
        json={
            "service_regions": [JIANGBEI, JIANGBEI],
            "focus_categories": ["care"],
            "monthly_capacity_hours": 40,
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["code"] for r in body["service_regions"]] == [JIANGBEI]
    assert body["focus_categories"] == ["care"]
    assert body["monthly_capacity_hours"] == 40
    assert body["monthly_capacity_fen"] == 5_000_000  # left out, so unchanged
    assert body["public_fundraising"] is True


@pytest.mark.parametrize(
    ("kind", "patch", "field", "code"),
    [
        (
            "charity",
            {"public_fundraising": True, "fundraising_certificate": ""},
            "fundraising_certificate",
            "certificate_required",
        ),
        (
            "enterprise",
            {"public_fundraising": True, "fundraising_certificate": "X1"},
            "public_fundraising",
            "fundraising_charity_only",
        ),
        ("charity", {"service_regions": ["500105999999"]}, "service_regions", "unknown_region"),
        ("charity", {"service_regions": []}, "service_regions", "invalid_too_short"),
    ],
)
async def test_profile_edits_keep_the_rules(
    client: Client, kind: str, patch: dict[str, Any], field: str, code: str
) -> None:
    fundraising = {"public_fundraising": False} if kind != "charity" else {}
    org_id, owner = await make_registered(kind=kind, **fundraising)
    headers = await api_token(client, owner.username)
    response = await client.patch(f"/api/v1/organisations/{org_id}", json=patch, headers=headers)
    assert response.status_code == 400, response.text
    assert (response.json()["field"], response.json()["code"]) == (field, code)


async def test_a_new_name_or_qualification_needs_verifying_again(client: Client) -> None:
    org_id, owner = await make_registered(verified=True)
    headers = await api_token(client, owner.username)
    same = await client.patch(
        f"/api/v1/organisations/{org_id}", json={"monthly_capacity_hours": 1}, headers=headers
    )
    assert same.json()["verified"] is True
    renamed = await client.patch(
        f"/api/v1/organisations/{org_id}", json={"name": "新名字慈善会"}, headers=headers
    )
    assert renamed.status_code == 200
    assert (renamed.json()["status"], renamed.json()["verified_at"]) == ("pending", None)


async def test_only_the_owner_edits(client: Client) -> None:
    from backend.accounts.tables import Role
    from tests.factories import make_user

    org_id, _ = await make_registered()
    member = await make_user(Role.org_member, organisation_id=org_id)
    headers = await api_token(client, member.username)
    response = await client.patch(
        f"/api/v1/organisations/{org_id}", json={"name": "改名"}, headers=headers
    )
    assert (response.status_code, response.json()["code"]) == (404, "organisation_not_found")
    anonymous = await client.patch(f"/api/v1/organisations/{org_id}", json={"name": "改名"})
    assert anonymous.status_code == 401
