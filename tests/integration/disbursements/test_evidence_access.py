"""Who may download a disbursement's evidence: the pledging organisation's members and staff of
the case's region, by API token or web session; everyone else gets the 404 of an unknown id."""

from __future__ import annotations

import httpx
import pytest

from backend.accounts.tables import Role
from backend.audit.tables import AuditEntry
from tests.factories import JIANGBEI, api_token, make_organisation, make_user, web_login
from tests.integration.disbursements.support import disburse, funded, png

pytestmark = pytest.mark.usefixtures("database")


async def test_the_download_authorisation_matrix(client: httpx.AsyncClient) -> None:
    f = await funded(client, amount_fen=50_000)
    content = png(7)
    recorded = await disburse(client, f.member, f.pledge_id, 10_000, content)
    disbursement_id = recorded.json()["id"]
    url = f"/api/v1/disbursements/{disbursement_id}/evidence"

    colleague = await make_user(Role.org_member, organisation_id=f.org_id)
    other_org_member = await make_user(
        Role.org_member, organisation_id=(await make_organisation()).id
    )
    staff_here = await make_user(Role.staff)  # 塘沽街道, the case's street
    staff_elsewhere = await make_user(Role.staff, region_code=JIANGBEI)
    auditor = await make_user(Role.auditor)
    allowed = {
        "the recording member": f.member,
        "a colleague": await api_token(client, colleague.username),
        "staff of the region": await api_token(client, staff_here.username),
    }
    refused = {
        "anonymous": {},
        "another organisation": await api_token(client, other_org_member.username),
        "staff of another region": await api_token(client, staff_elsewhere.username),
        "an auditor": await api_token(client, auditor.username),
    }
    for who, headers in allowed.items():
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, who
        assert response.content == content, who
        assert response.headers["content-type"] == "image/png"
        assert "attachment" in response.headers["content-disposition"]
        assert (
            "收据" not in response.headers["content-disposition"]
        )  # the upload's name is not kept
        assert response.headers["cache-control"] == "private, no-store"
    unknown = await client.get(
        "/api/v1/disbursements/no-such-disbursement/evidence", headers=f.member
    )
    for who, headers in refused.items():
        response = await client.get(url, headers=headers)
        assert response.status_code == 404, who
        assert response.json() == unknown.json(), who

    # Each download by staff is audited against the case.
    audited = await AuditEntry.select(AuditEntry.action, AuditEntry.case).where(
        AuditEntry.action == "disbursement.evidence"
    )
    assert len(audited) == 3 and sum(1 for a in audited if a["case"] is not None) == 1


async def test_web_download_uses_the_session_and_nothing_is_public(
    client: httpx.AsyncClient,
) -> None:
    f = await funded(client, amount_fen=50_000)
    content = png(8)
    disbursement_id = (await disburse(client, f.member, f.pledge_id, 10_000, content)).json()["id"]
    page_url = f"/disbursements/{disbursement_id}/evidence"

    assert (await client.get(page_url)).status_code == 404  # anonymous
    digest = (
        await client.get(f"/api/v1/pledges/{f.pledge_id}/disbursements", headers=f.member)
    ).json()["disbursements"][0]["evidence_sha256"]
    for guess in (
        f"/static/evidence/{digest[:2]}/{digest}",
        f"/static/{digest}",
        f"/evidence/{digest}",
    ):
        assert (await client.get(guess)).status_code == 404

    staff = await make_user(Role.staff)
    assert (await web_login(client, staff.username)).status_code == 303
    response = await client.get(page_url)
    assert response.status_code == 200 and response.content == content

    client.cookies.clear()
    elsewhere = await make_user(Role.staff, region_code=JIANGBEI)
    assert (await web_login(client, elsewhere.username)).status_code == 303
    assert (await client.get(page_url)).status_code == 404
