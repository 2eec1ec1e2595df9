"""Members: one-time invitation links (single use, 7 days), removal, and the 404 that a member
of another organisation gets for every write."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.accounts.tables import ApiToken, Membership, MembershipRole, Role, User
from backend.organisations.tables import Invitation, Organisation
from tests.factories import api_token, make_user
from tests.integration.organisations.helpers import make_registered

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
API = "/api/v1/organisations"
NEWCOMER = {"username": "newcomer", "display_name": "新成员小李", "password": "tide-pool-lantern"}


async def _invite(client: Client, org_id: str, headers: dict[str, str]) -> str:
    response = await client.post(f"{API}/{org_id}/invitations", headers=headers)
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    assert "/invitations/" in url
    return str(url.rsplit("/", 1)[1])


async def test_an_invitation_is_used_once(client: Client) -> None:
    org_id, owner = await make_registered()
    headers = await api_token(client, owner.username)
    response = await client.post(f"{API}/{org_id}/invitations", headers=headers)
    expires_at = datetime.fromisoformat(response.json()["expires_at"])
    assert timedelta(days=6, hours=23) < expires_at - datetime.now(UTC) <= timedelta(days=7)
    token = response.json()["url"].rsplit("/", 1)[1]

    # only the hash is kept
    row = await Invitation.select(Invitation.token_hash).first()
    assert row is not None and row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    info = await client.get(f"/api/v1/invitations/{token}")
    assert info.status_code == 200
    assert info.json()["organisation_id"] == org_id

    joined = await client.post(f"/api/v1/invitations/{token}", json=NEWCOMER)
    assert joined.status_code == 201, joined.text
    assert joined.json()["organisation_id"] == org_id
    assert joined.json()["member"] == {"username": "newcomer", "display_name": "新成员小李"}
    membership = (
        await Membership.select(Membership.role, Membership.organisation.public_id)
        .where(Membership.user.username == "newcomer")
        .first()
    )
    assert membership == {"role": MembershipRole.member, "organisation.public_id": org_id}
    newcomer = await api_token(client, "newcomer", NEWCOMER["password"])
    listed = await client.get(f"{API}/{org_id}/members", headers=newcomer)
    assert [m["username"] for m in listed.json()] == [owner.username, "newcomer"]

    again = await client.post(
        f"/api/v1/invitations/{token}", json={**NEWCOMER, "username": "second"}
    )
    assert (again.status_code, again.json()["code"]) == (410, "invitation_used")
    assert "只能使用一次" in again.json()["message"]
    assert not await User.exists().where(User.username == "second")
    used = await client.get(f"/api/v1/invitations/{token}")
    assert used.status_code == 410


async def test_an_expired_invitation_is_refused(client: Client) -> None:
    org_id, owner = await make_registered()
    org = await Organisation.select(Organisation.id).where(Organisation.public_id == org_id).first()
    assert org is not None
    token = "expired-token-for-the-test"
    now = datetime.now(UTC)
    await Invitation.insert(
        Invitation(
            organisation=org["id"],
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            created_by=owner.id,
            created_at=now - timedelta(days=8),
            expires_at=now - timedelta(days=1),
        )
    )
    response = await client.post(f"/api/v1/invitations/{token}", json=NEWCOMER)
    assert (response.status_code, response.json()["code"]) == (410, "invitation_expired")
    assert response.json()["message"] == "该邀请链接已过期（有效期7天），请向组织负责人索取新的链接"
    assert not await User.exists().where(User.username == "newcomer")
    unknown = await client.post("/api/v1/invitations/no-such-token", json=NEWCOMER)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "invitation_not_found")


async def test_a_failed_join_leaves_the_link_usable(client: Client) -> None:
    org_id, owner = await make_registered()
    token = await _invite(client, org_id, await api_token(client, owner.username))
    taken = await client.post(
        f"/api/v1/invitations/{token}", json={**NEWCOMER, "username": owner.username}
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "username_taken")
    weak = await client.post(
        f"/api/v1/invitations/{token}", json={**NEWCOMER, "password": "12345678901"}
    )
    assert (weak.status_code, weak.json()["code"]) == (400, "password_weak")
    assert await Invitation.exists().where(Invitation.used_at.is_null())
    assert (await client.post(f"/api/v1/invitations/{token}", json=NEWCOMER)).status_code == 201


async def test_the_owner_removes_a_member_but_not_themself(client: Client) -> None:
    org_id, owner = await make_registered()
    owner_headers = await api_token(client, owner.username)
    member = await make_user(Role.org_member, organisation_id=org_id)
    member_headers = await api_token(client, member.username)

    refused = await client.delete(f"{API}/{org_id}/members/{owner.username}", headers=owner_headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "cannot_remove_self")
    unknown = await client.delete(f"{API}/{org_id}/members/nobody", headers=owner_headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "member_not_found")
    by_member = await client.delete(
        f"{API}/{org_id}/members/{owner.username}", headers=member_headers
    )
    assert by_member.status_code == 404

    removed = await client.delete(
        f"{API}/{org_id}/members/{member.username}", headers=owner_headers
    )
    assert removed.status_code == 204
    assert not await Membership.exists().where(Membership.user == member.id)
    # the account existed for this organisation only: it is switched off, its tokens revoked
    assert (await client.get("/api/v1/auth/me", headers=member_headers)).status_code == 401
    assert await User.exists().where((User.id == member.id) & User.is_active.eq(False))
    assert not await ApiToken.exists().where(
        (ApiToken.user == member.id) & ApiToken.revoked_at.is_null()
    )
    members = await client.get(f"{API}/{org_id}/members", headers=owner_headers)
    assert [m["username"] for m in members.json()] == [owner.username]


async def test_a_member_of_another_organisation_gets_404_on_every_write(client: Client) -> None:
    ours, our_owner = await make_registered()
    theirs, their_owner = await make_registered()
    their_member = await make_user(Role.org_member, organisation_id=theirs)
    our_member = await make_user(Role.org_member, organisation_id=ours)
    for user in (our_owner, our_member):
        headers = await api_token(client, user.username)
        writes = [
            client.patch(f"{API}/{theirs}", json={"name": "抢注名称"}, headers=headers),
            client.post(f"{API}/{theirs}/invitations", headers=headers),
            client.delete(f"{API}/{theirs}/members/{their_member.username}", headers=headers),
            client.delete(f"{API}/{theirs}/members/{their_owner.username}", headers=headers),
            client.get(f"{API}/{theirs}/members", headers=headers),
        ]
        for call in writes:
            response = await call
            assert response.status_code == 404, response.request.url
            assert response.json()["code"] == "organisation_not_found"
        # verification is no organisation's business: the same 403 for their own and another's,
        # so it tells nothing about membership either
        for org in (ours, theirs):
            for action in ("verify", "reinstate"):
                response = await client.post(f"{API}/{org}/{action}", headers=headers)
                assert (response.status_code, response.json()["code"]) == (403, "role_forbidden")
            response = await client.post(
                f"{API}/{org}/suspend", json={"reason": "恶意举报"}, headers=headers
            )
            assert (response.status_code, response.json()["code"]) == (403, "role_forbidden")
    assert await Invitation.count() == 0
    assert await Membership.count() == 4
    row = (
        await Organisation.select(Organisation.name).where(Organisation.public_id == theirs).first()
    )
    assert row is not None and row["name"] != "抢注名称"
