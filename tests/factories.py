"""Small factories for test rows, written through the same services the app uses."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
from stdnum.cn import uscc

from backend.accounts.schemas import CurrentUser, UserCreate
from backend.accounts.tables import Role
from backend.commands import create_user
from backend.db import unit_of_work
from backend.organisations.service import (
    OrganisationCreate,
    OrganisationRead,
    create_organisation,
)
from backend.organisations.tables import OrganisationKind

PASSWORD = "correct-horse-battery"
BINHAI = "120116000000"  # 天津市滨海新区
TANGGU = "120116001000"  # 滨海新区塘沽街道
JIANGBEI = "500105000000"  # 重庆市江北区

_seq = itertools.count(1)


def valid_uscc() -> str:
    body = f"53120116MJ{next(_seq):07d}"
    return body + uscc.calc_check_digit(body)


async def make_organisation(*, verified: bool = True, name: str | None = None) -> OrganisationRead:
    async with unit_of_work():
        return await create_organisation(
            OrganisationCreate(
                name=name or f"测试慈善组织{next(_seq)}",
                kind=OrganisationKind.charity,
                uscc=valid_uscc(),
                verified=verified,
            )
        )


async def make_user(
    role: Role,
    *,
    username: str | None = None,
    region_code: str | None = None,
    organisation_id: str | None = None,
    password: str = PASSWORD,
) -> CurrentUser:
    if role in (Role.staff, Role.reviewer) and region_code is None:
        region_code = TANGGU if role == Role.staff else BINHAI
    if role == Role.org_member and organisation_id is None:
        organisation_id = (await make_organisation()).id
    return await create_user(
        UserCreate(
            username=username or f"{role.value}{next(_seq)}",
            display_name=f"测试{role.value}",
            password=password,
            role=role,
            region_code=region_code,
            organisation_id=organisation_id,
        )
    )


_CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: httpx.AsyncClient, path: str = "/login") -> str:
    response = await client.get(path)
    match = _CSRF_INPUT.search(response.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def web_login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Any:
    token = await csrf_token(client)
    return await client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


async def api_token(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
