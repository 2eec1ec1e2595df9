"""Recording cases: validation, encryption at rest, duplicates, region scope, audit."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from backend.accounts.tables import Role
from backend.audit.tables import AuditEntry
from backend.cases.tables import Case, HouseholdMember
from backend.db import get_engine
from tests.cases_factory import add_temporary_grant, create_case
from tests.factories import JIANGBEI, api_token, make_user
from tests.people import id_number, member

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
async def staff_headers(client: httpx.AsyncClient) -> dict[str, str]:
    staff = await make_user(Role.staff)
    return await api_token(client, staff.username)


async def test_staff_records_a_case_and_reads_it_back(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    case = await create_case(client, staff_headers)
    assert case["region_name"].startswith("滨海新区塘沽街道")
    head = case["members"][0]
    assert head["is_head"] and head["name"] == "王秀英"
    assert head["phone"] == "+8613812345678"
    assert head["sex"] == "female"
    assert case["review_cycle"] == "half_yearly"

    again = await client.get(f"/api/v1/cases/{case['ref']}", headers=staff_headers)
    assert again.status_code == 200
    assert again.json()["members"][1]["school"] == "滨海新区第一中学初二(3)班"


async def test_personal_fields_are_ciphertext_in_the_database(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    case = await create_case(client, staff_headers)
    head = case["members"][0]
    rows = await get_engine().run_ddl("SELECT * FROM household_member")
    dump = repr(rows)
    for plaintext in (
        head["name"],
        head["id_number"],
        "13812345678",
        "海洋小区",
        "尿毒症",
        "第一中学",
        head["id_number"][-6:],
    ):
        assert plaintext not in dump
    assert all(str(r["name_sealed"]).startswith("v1:") for r in rows)


async def test_id_number_check_character_error_names_the_field(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    good = id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = await client.post(
        "/api/v1/cases",
        json={
            "region_code": "120116001016",
            "programme": "dibao",
            "members": [member(head=True, id_number=bad)],
        },
        headers=staff_headers,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "id_number_checksum"
    assert body["message"].endswith("身份证号校验位错误")
    assert body["field"] == "members.0.id_number"
    assert bad not in response.text  # errors never echo personal data
    assert await Case.count() == 0


async def test_county_code_newer_than_the_birth_year_is_only_a_warning(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    number = id_number(county="120116", born=date(1978, 3, 5))
    case = await create_case(client, staff_headers, members=[member(head=True, id_number=number)])
    assert case["members"][0]["id_number"] == number
    assert any("地区代码" in w for w in case["warnings"])


async def test_bad_phone_is_a_field_error(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/cases",
        json={
            "region_code": "120116001016",
            "programme": "dibao",
            "members": [member(head=True, phone="12345")],
        },
        headers=staff_headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "members.0.phone"
    assert response.json()["code"] == "phone_format"


async def test_a_person_can_be_in_one_case_only_and_the_refusal_names_the_region(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    case = await create_case(client, staff_headers)
    shared = case["members"][1]["id_number"]
    other_staff = await make_user(Role.staff, region_code="500105000000")
    other_headers = await api_token(client, other_staff.username)
    community = "500105001001"

    response = await client.post(
        "/api/v1/cases",
        json={
            "region_code": community,
            "programme": "tekun",
            "members": [member(head=True, id_number=shared)],
        },
        headers=other_headers,
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "person_already_registered"
    assert "滨海新区塘沽街道" in body["message"]
    assert body["field"] == "members.0.id_number"
    for secret in ("王秀英", "王小明", shared, case["ref"]):
        assert secret not in response.text
    assert await Case.count() == 1


async def test_staff_of_another_region_get_404(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    case = await create_case(client, staff_headers)
    outsider = await make_user(Role.staff, region_code=JIANGBEI)
    headers = await api_token(client, outsider.username)

    response = await client.get(f"/api/v1/cases/{case['ref']}", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "case_not_found"

    found = await client.get("/api/v1/cases", params={"q": "王"}, headers=headers)
    assert found.json() == []


async def test_staff_cannot_record_a_case_outside_their_region(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/cases",
        json={"region_code": "500105001001", "programme": "dibao", "members": [member(head=True)]},
        headers=staff_headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "region_code"


@pytest.mark.parametrize("role", [Role.org_member, Role.volunteer, Role.auditor, Role.admin])
async def test_roles_without_case_work_never_see_personal_data(
    client: httpx.AsyncClient, staff_headers: dict[str, str], role: Role
) -> None:
    case = await create_case(client, staff_headers)
    user = await make_user(role)
    headers = await api_token(client, user.username)
    for path in (f"/api/v1/cases/{case['ref']}", "/api/v1/cases?q=王"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 403
        assert "王秀英" not in response.text


async def test_search_by_name_and_by_id_number_in_any_written_form(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    case = await create_case(client, staff_headers)
    await create_case(client, staff_headers, members=[member(head=True, full_name="李建国")])

    by_name = await client.get("/api/v1/cases", params={"q": "秀英"}, headers=staff_headers)
    assert [c["ref"] for c in by_name.json()] == [case["ref"]]

    number = case["members"][1]["id_number"]
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    by_id = await client.get("/api/v1/cases", params={"q": spaced}, headers=staff_headers)
    assert [c["head_name"] for c in by_id.json()] == ["王秀英"]


async def test_every_personal_data_read_is_audited(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    case = await create_case(client, staff_headers)
    await client.get(f"/api/v1/cases/{case['ref']}", headers=staff_headers)
    await client.get("/api/v1/cases", params={"q": "王秀英"}, headers=staff_headers)

    actions = [
        e["action"] for e in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)
    ]
    assert actions == ["case.create", "case.view", "case.search"]
    details = " ".join(e["detail"] for e in await AuditEntry.select(AuditEntry.detail))
    assert "王秀英" not in details  # the search term itself is never logged

    auditor = await make_user(Role.auditor)
    log = await client.get("/api/v1/audit", headers=await api_token(client, auditor.username))
    assert log.status_code == 200
    assert [e["action_label"] for e in log.json()["items"]][:2] == ["检索救助对象", "查看救助对象"]
    assert "王秀英" not in log.text


async def test_nobody_can_change_the_audit_log(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    await create_case(client, staff_headers)
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.update({AuditEntry.detail: "tampered"}, force=True)
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.delete(force=True)
    staff = await make_user(Role.staff)
    response = await client.delete("/api/v1/audit", headers=await api_token(client, staff.username))
    assert response.status_code in (403, 405)


async def test_grant_stages_must_add_up(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    case = await create_case(client, staff_headers)
    response = await client.post(
        f"/api/v1/cases/{case['ref']}/grants",
        json={
            "kind": "temporary_expenditure",
            "amount_fen": 600_000,
            "granted_on": "2026-01-05",
            "office": "塘沽街道办事处",
            "stages": [
                {"amount_fen": 300_000, "due_on": "2026-01-10"},
                {"amount_fen": 200_000, "due_on": "2026-02-10"},
            ],
        },
        headers=staff_headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "stages_total"


async def test_staged_grant_is_recorded(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    case = await create_case(client, staff_headers)
    response = await client.post(
        f"/api/v1/cases/{case['ref']}/grants",
        json={
            "kind": "temporary_expenditure",
            "amount_fen": 600_000,
            "granted_on": "2026-01-05",
            "office": "塘沽街道办事处",
            "stages": [
                {"amount_fen": 300_000, "due_on": "2026-01-10", "paid_on": "2026-01-10"},
                {"amount_fen": 300_000, "due_on": "2026-02-10"},
            ],
        },
        headers=staff_headers,
    )
    assert response.status_code == 201, response.text
    assert [s["seq"] for s in response.json()["stages"]] == [1, 2]
    await add_temporary_grant(client, staff_headers, case["ref"])
    detail = await client.get(f"/api/v1/cases/{case['ref']}", headers=staff_headers)
    assert len(detail.json()["grants"]) == 2


async def test_member_rows_are_sealed_per_column(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    """A sealed name copied into the phone column does not open: the column is bound in."""
    from backend.crypto import DecryptionError, cipher

    await create_case(client, staff_headers)
    row = await HouseholdMember.select(HouseholdMember.name_sealed).first()
    assert row is not None
    with pytest.raises(DecryptionError):
        cipher().open(row["name_sealed"], column="household_member.phone")


async def test_search_limit_applies_within_the_staff_region(
    client: httpx.AsyncClient, staff_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other regions' cases never crowd a region's own out of the bounded name search."""
    from backend.cases import service

    elsewhere = await make_user(Role.staff, region_code="500105000000")
    await create_case(
        client,
        await api_token(client, elsewhere.username),
        region_code="500105001001",
        members=[member(head=True, full_name="王建军")],
    )
    ours = await create_case(client, staff_headers)
    monkeypatch.setattr(service, "NAME_SEARCH_LIMIT", 1)

    found = await client.get("/api/v1/cases", params={"q": "王"}, headers=staff_headers)

    assert [c["ref"] for c in found.json()] == [ours["ref"]]
