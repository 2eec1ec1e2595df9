"""The verification queue: staff verify organisations serving their region, admins any; suspend
with a reason, reinstate; and the check the pledges service runs before a pledge."""

from __future__ import annotations

import httpx
import pytest
from structlog.testing import capture_logs

from backend.accounts.tables import Role
from backend.db import unit_of_work
from backend.errors import DomainError
from backend.organisations.service import (
    OrganisationNotVerified,
    OrganisationSuspended,
    organisation_can_pledge,
)
from backend.organisations.tables import Organisation
from tests.factories import BINHAI, JIANGBEI, TANGGU, api_token, make_user
from tests.integration.organisations.helpers import make_registered

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
API = "/api/v1/organisations"


async def _staff_headers(client: Client, region: str = TANGGU) -> dict[str, str]:
    staff = await make_user(Role.staff, region_code=region)
    return await api_token(client, staff.username)


async def test_staff_verify_an_organisation_serving_their_region(client: Client) -> None:
    org_id, _ = await make_registered(service_regions=[JIANGBEI, "120116001016"])
    headers = await _staff_headers(client)
    with capture_logs() as logs:
        response = await client.post(f"{API}/{org_id}/verify", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["verified"]) == ("verified", True)
    assert body["verified_at"] is not None
    row = await Organisation.select(Organisation.verified_at).first()
    assert row is not None and row["verified_at"] is not None
    event = next(e for e in logs if e["event"] == "organisation_verified")
    assert event["organisation"] == org_id
    assert set(event) <= {"event", "log_level", "organisation", "actor", "actor_role", "request_id"}

    again = await client.post(f"{API}/{org_id}/verify", headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "organisation_already_verified")


async def test_staff_outside_every_service_region_are_refused_with_403(client: Client) -> None:
    """403, not 404: an organisation's profile is public, so hiding it would only mislead."""
    org_id, _ = await make_registered(service_regions=[JIANGBEI])
    headers = await _staff_headers(client, TANGGU)
    for action in ("verify", "reinstate"):
        response = await client.post(f"{API}/{org_id}/{action}", headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "region_out_of_scope"
    suspend = await client.post(f"{API}/{org_id}/suspend", json={"reason": "测试"}, headers=headers)
    assert suspend.status_code == 403
    row = await Organisation.select(Organisation.verified, Organisation.suspended).first()
    assert row == {"verified": False, "suspended": False}


async def test_a_street_is_not_the_whole_district(client: Client) -> None:
    """A street's staff member may not vouch for an organisation serving the whole district."""
    org_id, _ = await make_registered(service_regions=[BINHAI])
    street = await client.post(f"{API}/{org_id}/verify", headers=await _staff_headers(client))
    assert street.status_code == 403
    district = await client.post(
        f"{API}/{org_id}/verify", headers=await _staff_headers(client, BINHAI)
    )
    assert district.status_code == 200


async def test_admins_verify_anywhere_and_others_may_not(client: Client) -> None:
    org_id, owner = await make_registered(service_regions=[JIANGBEI])
    for role in (Role.reviewer, Role.auditor, Role.volunteer):
        user = await make_user(role)
        response = await client.post(
            f"{API}/{org_id}/verify", headers=await api_token(client, user.username)
        )
        assert (response.status_code, response.json()["code"]) == (403, "role_forbidden")
    own = await client.post(
        f"{API}/{org_id}/verify", headers=await api_token(client, owner.username)
    )
    assert own.status_code == 403
    admin = await make_user(Role.admin)
    response = await client.post(
        f"{API}/{org_id}/verify", headers=await api_token(client, admin.username)
    )
    assert response.status_code == 200


async def test_the_queue_lists_by_status_within_scope(client: Client) -> None:
    near, _ = await make_registered(service_regions=[TANGGU])
    far, _ = await make_registered(service_regions=[JIANGBEI])
    done, _ = await make_registered(service_regions=[TANGGU], verified=True)
    stopped, _ = await make_registered(service_regions=[TANGGU], suspended_reason="材料造假")
    staff = await _staff_headers(client)

    async def ids(headers: dict[str, str], status: str | None = None) -> list[str]:
        query = f"?status={status}" if status else ""
        response = await client.get(f"{API}{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()]

    assert await ids(staff) == [near]
    assert await ids(staff, "verified") == [done]
    assert await ids(staff, "suspended") == [stopped]
    admin = await make_user(Role.admin)
    assert set(await ids(await api_token(client, admin.username))) == {near, far}
    bad = await client.get(f"{API}?status=sleeping", headers=staff)
    assert bad.status_code == 400
    member = await make_user(Role.org_member, organisation_id=near)
    refused = await client.get(API, headers=await api_token(client, member.username))
    assert refused.status_code == 403


async def test_suspension_needs_a_reason_and_can_be_lifted(client: Client) -> None:
    org_id, _ = await make_registered(verified=True)
    headers = await _staff_headers(client)
    missing = await client.post(f"{API}/{org_id}/suspend", json={}, headers=headers)
    assert (missing.status_code, missing.json()["field"]) == (400, "reason")
    assert missing.json()["code"] == "missing_field"
    blank = await client.post(f"{API}/{org_id}/suspend", json={"reason": "  "}, headers=headers)
    assert (blank.status_code, blank.json()["code"]) == (400, "suspend_reason_required")
    assert blank.json()["message"] == "请填写暂停原因（至少2个字）"
    assert await Organisation.exists().where(Organisation.suspended.eq(False))

    reason = "年度报告未按期公开"
    with capture_logs() as logs:
        response = await client.post(
            f"{API}/{org_id}/suspend", json={"reason": reason}, headers=headers
        )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["suspended_reason"]) == (
        "suspended",
        reason,
    )
    assert reason not in repr(logs)  # free text may name people: stored, never logged
    assert any(e["event"] == "organisation_suspended" for e in logs)
    twice = await client.post(f"{API}/{org_id}/suspend", json={"reason": reason}, headers=headers)
    assert twice.status_code == 409
    verify = await client.post(f"{API}/{org_id}/verify", headers=headers)
    assert (verify.status_code, verify.json()["code"]) == (409, "organisation_is_suspended")

    lifted = await client.post(f"{API}/{org_id}/reinstate", headers=headers)
    assert lifted.status_code == 200
    assert (lifted.json()["status"], lifted.json()["suspended_reason"]) == ("verified", "")
    again = await client.post(f"{API}/{org_id}/reinstate", headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "organisation_not_suspended")


async def test_organisation_can_pledge_says_why_not() -> None:
    pending, _ = await make_registered()
    verified, _ = await make_registered(verified=True)
    suspended, _ = await make_registered(verified=True, suspended_reason="违规募捐")

    async with unit_of_work():
        assert await organisation_can_pledge(verified) is None
        with pytest.raises(OrganisationNotVerified) as not_verified:
            await organisation_can_pledge(pending)
        with pytest.raises(OrganisationSuspended) as stopped:
            await organisation_can_pledge(suspended)
        with pytest.raises(DomainError) as unknown:
            await organisation_can_pledge("no-such-org")

    assert not_verified.value.status_code == 403
    assert not_verified.value.code == "organisation_not_verified"
    assert not_verified.value.message == "该组织尚未通过认证，暂不能认捐"
    assert stopped.value.status_code == 403
    assert stopped.value.code == "organisation_suspended"
    assert "违规募捐" in stopped.value.message
    assert unknown.value.status_code == 404


async def test_each_change_refreshes_the_headline_figures(client: Client) -> None:
    from backend.figures.service import platform_figures

    async def verified_count() -> int:
        figures = await platform_figures()
        assert figures is not None
        return next(f.value for f in figures.items if f.key == "organisations_verified")

    org_id, _ = await make_registered()
    admin = await make_user(Role.admin)
    headers = await api_token(client, admin.username)
    assert (await client.post(f"{API}/{org_id}/verify", headers=headers)).status_code == 200
    assert await verified_count() == 1
    renamed = await client.patch(
        f"{API}/{org_id}", json={"name": "改了名的慈善会"}, headers=headers
    )
    assert renamed.json()["verified"] is False
    assert await verified_count() == 0
