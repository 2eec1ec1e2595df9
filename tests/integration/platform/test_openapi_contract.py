"""The OpenAPI document describes the wire; the integrator's endpoints it was missing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from backend.accounts.tables import Role
from tests.factories import api_token, make_organisation, make_user
from tests.integration.disbursements.support import funded

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
async def document(client: Client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def test_every_error_is_the_one_error_schema(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message", "field", "errors"]
    for path, method, operation in _operations(document):
        errors = {k: v for k, v in operation["responses"].items() if k[0] in "45"}
        assert "400" in errors, (method, path)
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
    assert "status_code" not in str(document["components"]["schemas"])


def test_statuses_follow_what_each_operation_can_answer(document: dict[str, Any]) -> None:
    ops = {(path, method): op for path, method, op in _operations(document)}
    token = ops[("/api/v1/auth/token", "post")]["responses"]
    assert {"400", "401", "415", "429"} <= token.keys()
    assert "Retry-After" in token["429"]["headers"]
    pledge = ops[("/api/v1/pledges", "post")]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "415"} <= pledge.keys()
    need = ops[("/api/v1/needs/{need_id}", "get")]["responses"]
    assert "404" in need and "401" not in need  # public


def test_bearer_security_on_every_guarded_operation(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    ops = {(path, method): op for path, method, op in _operations(document)}
    assert ops[("/api/v1/pledges", "post")]["security"] == [{"bearer": []}]
    assert ops[("/api/v1/auth/me", "get")]["security"] == [{"bearer": []}]
    assert "security" not in ops[("/api/v1/needs", "get")]
    assert "security" not in ops[("/api/v1/ledger/tree-head", "get")]


def test_idempotency_key_is_required_without_a_default(document: dict[str, Any]) -> None:
    for path in ("/api/v1/pledges", "/api/v1/donations"):
        parameters = document["paths"][path]["post"]["parameters"]
        key = next(p for p in parameters if p["name"] == "Idempotency-Key")
        assert key["required"] is True
        assert "default" not in key["schema"]
        assert key["schema"]["minLength"] == 1


def test_files_are_declared_as_what_they_are(document: dict[str, Any]) -> None:
    for dataset in ("needs", "organisations", "entries"):
        as_json = document["paths"][f"/api/v1/disclosure/{dataset}.json"]["get"]["responses"]
        assert as_json["200"]["content"]["application/json"]["schema"]["type"] == "array"
        as_csv = document["paths"][f"/api/v1/disclosure/{dataset}.csv"]["get"]["responses"]
        assert list(as_csv["200"]["content"]) == ["text/csv"]


async def test_open_data_json_is_an_array_on_the_wire(client: Client) -> None:
    response = await client.get("/api/v1/disclosure/organisations.json")
    assert isinstance(response.json(), list)
    csv_file = await client.get("/api/v1/disclosure/needs.csv")
    assert csv_file.headers["content-type"].startswith("text/csv")


async def test_a_missing_idempotency_key_is_refused_by_name(client: Client) -> None:
    org = await make_organisation()
    member = await make_user(Role.org_member, organisation_id=org.id)
    headers = await api_token(client, member.username)
    response = await client.post(
        "/api/v1/pledges",
        json={"need_id": "x", "organisation_id": org.id, "kind": "money", "amount_fen": 100},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key", response.text
    assert response.json()["code"] == "idempotency_key_missing"


async def test_a_pledge_can_be_read_back_by_its_id(client: Client) -> None:
    money = await funded(client)
    response = await client.get(f"/api/v1/pledges/{money.pledge_id}", headers=money.member)
    assert response.status_code == 200
    assert response.json()["id"] == money.pledge_id
    # Someone else's pledge is not found, whoever asks.
    stranger = await make_user(Role.volunteer)
    other = await client.get(
        f"/api/v1/pledges/{money.pledge_id}", headers=await api_token(client, stranger.username)
    )
    assert other.status_code == 404
    assert (await client.get(f"/api/v1/pledges/{money.pledge_id}")).status_code == 401


async def test_me_lists_the_callers_organisations(client: Client) -> None:
    org = await make_organisation(name="滨海善心会")
    member = await make_user(Role.org_member, organisation_id=org.id)
    response = await client.get("/api/v1/auth/me", headers=await api_token(client, member.username))
    assert response.status_code == 200
    assert response.json()["organisations"] == [
        {"id": org.id, "name": "滨海善心会", "kind": "charity", "membership_role": "member"}
    ]


async def test_signed_tree_heads_come_in_pages(client: Client) -> None:
    money = await funded(client, amount_fen=100_000, pledged_fen=50_000)
    sizes = []
    for _ in range(3):
        sealed = await client.post("/api/v1/ledger/tree-heads", headers=money.staff)
        assert sealed.status_code == 201, sealed.text
        sizes.append(sealed.json()["tree_size"])
        more = await client.post(
            "/api/v1/pledges",
            json={
                "need_id": money.need_id,
                "organisation_id": money.org_id,
                "kind": "money",
                "amount_fen": 1,
            },
            headers={**money.member, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert more.status_code == 201, more.text
    assert len(set(sizes)) == 3
    first_response = await client.get("/api/v1/ledger/tree-heads", params={"limit": 2})
    assert first_response.status_code == 200, first_response.text
    first = first_response.json()
    assert [h["tree_size"] for h in first["tree_heads"]] == sorted(set(sizes))[:2]
    rest_response = await client.get(
        "/api/v1/ledger/tree-heads", params={"after": first["next_after"]}
    )
    assert rest_response.status_code == 200, (first, rest_response.text)
    rest = rest_response.json()
    assert [h["tree_size"] for h in rest["tree_heads"]] == sorted(set(sizes))[2:]
    assert rest["next_after"] is None
    head = first["tree_heads"][0]
    same = await client.get(f"/api/v1/ledger/tree-heads/{head['tree_size']}")
    assert same.json() == head
    assert (await client.get("/api/v1/ledger/tree-heads", params={"limit": 0})).status_code == 400


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_status_a_domain_error_carries_is_in_the_catalogue(app: object) -> None:
    """A new error status must be documented (backend/web/openapi.py) before it is answered."""
    import backend.app  # noqa: F401 - every domain module is imported by the app
    from backend.errors import DomainError
    from backend.web.openapi import _DESCRIPTIONS

    used = {int(cls.status_code) for cls in _subclasses(DomainError) | {DomainError}}
    assert used - {500} <= _DESCRIPTIONS.keys()
