"""Registering organisations for the organisations tests (through the same service the API
and the page use)."""

from __future__ import annotations

import itertools
from typing import Any

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role
from backend.db import unit_of_work
from backend.organisations import service
from backend.organisations.schemas import OrganisationRegister
from tests.factories import PASSWORD, TANGGU, valid_uscc

_seq = itertools.count(1)


def register_body(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    body: dict[str, Any] = {
        "name": f"滨海新区测试慈善会{n}",
        "kind": "charity",
        "uscc": valid_uscc(),
        "public_fundraising": True,
        "fundraising_certificate": f"津民证字第{n:04d}号",
        "service_regions": [TANGGU],
        "focus_categories": ["medical", "education"],
        "monthly_capacity_fen": 5_000_000,
        "monthly_capacity_hours": 120,
        "owner_username": f"owner{n}",
        "owner_display_name": f"测试负责人{n}",
        "owner_password": PASSWORD,
    }
    body.update(overrides)
    return body


async def make_registered(
    *, verified: bool = False, suspended_reason: str | None = None, **overrides: Any
) -> tuple[str, CurrentUser]:
    """An organisation registered with its owner; verified or suspended by an admin if asked."""
    admin = CurrentUser(id=0, username="root", display_name="平台管理员", role=Role.admin)
    async with unit_of_work():
        registered, owner = await service.register(
            OrganisationRegister.model_validate(register_body(**overrides))
        )
        org_id = registered.organisation.id
        if verified:
            await service.verify(admin, org_id)
        if suspended_reason:
            await service.suspend(admin, org_id, suspended_reason)
    return org_id, owner
