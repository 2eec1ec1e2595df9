"""Strict input at the edge: body types, nesting, encodings, strict numbers, unsafe characters."""

from __future__ import annotations

import json
import typing
import uuid

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from pydantic import BaseModel

from backend.accounts.tables import Role
from backend.organisations.tables import Organisation
from tests.factories import api_token, csrf_token, make_organisation, make_user, valid_uscc

pytestmark = pytest.mark.usefixtures("database")

Client = httpx.AsyncClient
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
BEL = "\x07"


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.mark.parametrize("levels", [100, 5000])
async def test_json_nested_too_deep_is_400(client: Client, levels: int) -> None:
    body = b'{"username": "a", "password": "b", "x": ' + _deep(levels) + b"}"
    response = await client.post(
        "/api/v1/auth/token", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep"


async def test_ordinary_nesting_and_brackets_in_strings_pass_the_depth_check(
    client: Client,
) -> None:
    body = json.dumps({"username": "[" * 60, "password": "{" * 200}).encode()
    response = await client.post(
        "/api/v1/auth/token", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401  # read and checked, just wrong


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", ""])
async def test_a_json_endpoint_refuses_other_body_types(client: Client, content_type: str) -> None:
    body = json.dumps({"username": "nobody", "password": "whatever-pass"}).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.post("/api/v1/auth/token", content=body, headers=headers)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


async def test_a_form_page_refuses_json(client: Client) -> None:
    await client.get("/login")
    token = client.cookies.get("csrftoken")
    response = await client.post(
        "/login",
        content=b'{"username": "x"}',
        headers={"Content-Type": "application/json", "X-CSRFToken": token or ""},
    )
    assert response.status_code == 415


_BAD_MULTIPART = (
    b'--B\r\nContent-Disposition: form-data; name="amount_fen"\r\n\r\n\xff\xfe\x80\r\n'
    b'--B\r\nContent-Disposition: form-data; name="evidence"\r\n\r\n\x89PNG\xff\r\n--B--\r\n'
)


async def test_undecodable_multipart_is_400_on_disbursements(client: Client) -> None:
    org = await make_organisation()
    member = await make_user(Role.org_member, organisation_id=org.id)
    headers = await api_token(client, member.username)
    response = await client.post(
        "/api/v1/pledges/no-such-pledge/disbursements",
        content=_BAD_MULTIPART,
        headers={**headers, "Content-Type": "multipart/form-data; boundary=B"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


async def test_undecodable_multipart_is_400_on_imports(client: Client) -> None:
    staff = await make_user(Role.staff)
    headers = await api_token(client, staff.username)
    body = b'--B\r\nContent-Disposition: form-data; name="file"\r\n\r\n\xff\xfe\r\n--B--\r\n'
    response = await client.post(
        "/api/v1/cases/imports",
        content=body,
        headers={**headers, "Content-Type": "multipart/form-data; boundary=B"},
    )
    assert response.status_code == 400


async def test_an_anonymous_upload_is_401_whatever_its_body(client: Client) -> None:
    response = await client.post(
        "/api/v1/pledges/x/disbursements",
        content=_BAD_MULTIPART,
        headers={"Content-Type": "multipart/form-data; boundary=B"},
    )
    assert response.status_code == 401


@pytest.mark.parametrize("amount", [True, "100", 100.0, "1e2"])
async def test_money_takes_integers_only(client: Client, amount: object) -> None:
    org = await make_organisation()
    member = await make_user(Role.org_member, organisation_id=org.id)
    headers = await api_token(client, member.username)
    response = await client.post(
        "/api/v1/pledges",
        json={"need_id": "x", "organisation_id": org.id, "kind": "money", "amount_fen": amount},
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 400, response.text
    assert "amount_fen" in {e["field"] for e in response.json()["errors"]}


async def test_counts_and_flags_are_strict_too(client: Client) -> None:
    member = await make_user(Role.volunteer)
    headers = await api_token(client, member.username)
    response = await client.post(
        "/api/v1/pledges",
        json={"need_id": "x", "kind": "service", "hours": "3"},
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 400
    assert "hours" in {e["field"] for e in response.json()["errors"]}


def _has(annotation: object, kinds: tuple[type, ...]) -> bool:
    if annotation in kinds:
        return True
    return any(_has(arg, kinds) for arg in typing.get_args(annotation))


def _models(annotation: object, found: set[type[BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for info in annotation.model_fields.values():
            _models(info.annotation, found)
    for arg in typing.get_args(annotation):
        _models(arg, found)


def test_every_number_and_flag_of_a_json_body_is_strict(app: Litestar) -> None:
    """No JSON endpoint coerces "100" or true into a number, or "yes" into a flag."""
    models: set[type[BaseModel]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data")
            media = getattr(getattr(data, "kwarg_definition", None), "media_type", None)
            if data is not None and (media is None or media.value == "application/json"):
                _models(data.annotation, models)
    lax = [
        f"{model.__name__}.{name}"
        for model in models
        for name, info in model.model_fields.items()
        if _has(info.annotation, (int, float, bool))
        and not any(getattr(m, "strict", False) for m in info.metadata)
    ]
    assert models and lax == []


async def test_bidi_and_control_characters_are_refused_in_json(client: Client) -> None:
    body = {
        "name": f"善心{RLO}会慈",
        "kind": "charity",
        "uscc": valid_uscc(),
        "owner_username": "owner" + uuid.uuid4().hex[:6],
        "owner_display_name": f"负责人{BEL}",
        "owner_password": "a-long-enough-pass",
    }
    response = await client.post("/api/v1/organisations/register", json=body)
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"name", "owner_display_name"} <= fields
    assert response.json()["code"] == "invalid_characters"
    assert "U+202E" in response.json()["message"]
    assert await Organisation.count() == 0


async def test_bidi_characters_are_refused_in_forms(client: Client) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"username": f"x{RLO}y", "password": "p", "_csrf_token": token}
    )
    assert response.status_code == 400
    assert "U+202E" in response.text


@pytest.mark.parametrize("query", ["?q=%07", "?q=%E2%80%AE", "?q=%00", "?q=%FF%FE"])
async def test_unsafe_query_strings_are_400(client: Client, query: str) -> None:
    response = await client.get("/api/v1/needs" + query)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


async def test_stored_bidi_characters_never_reach_a_page(client: Client) -> None:
    """Text written before the rule (or by a path that skipped it) is cleaned on output."""
    org = await make_organisation(name="善心互助会")
    await Organisation.update({Organisation.name: f"善心{RLO}互助会{BEL}"}).where(
        Organisation.public_id == org.id
    )
    page = await client.get(f"/disclosure/organisations/{org.id}")
    assert page.status_code == 200
    assert "善心互助会" in page.text
    assert RLO not in page.text and BEL not in page.text
