"""Organisations: registration with the owner's account, the profile, verification by staff or
admins (verify, suspend with a reason, reinstate) and the check the pledges service runs.

Members and invitations are in ``backend.organisations.members``.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import structlog

from backend.accounts.guards import OrganisationNotFound, RegionOutOfScope, in_region_scope
from backend.accounts.schemas import CurrentUser, UserCreate
from backend.accounts.service import create_user
from backend.accounts.tables import Membership, MembershipRole, Role
from backend.db import UNIQUE_VIOLATIONS
from backend.errors import Conflict, DomainError, FieldInvalid, Forbidden
from backend.figures.jobs import figures_changed
from backend.organisations.schemas import (
    CERTIFICATE_REQUIRED,
    CHARITY_ONLY,
    ORGANISATION_STATUS_LABELS,
    MemberRead,
    OrganisationCreate,
    OrganisationDetail,
    OrganisationPublic,
    OrganisationRead,
    OrganisationRegister,
    OrganisationStatus,
    OrganisationUpdate,
    OwnerRead,
    RegionRef,
    RegistrationRead,
    normalise_uscc,
)
from backend.organisations.tables import ORGANISATION_KIND_LABELS, Organisation, OrganisationKind
from backend.regions.tables import Region
from matching.regions import InvalidRegionCode, level_of, parent_code
from matching.vocabulary import NeedCategory

log = structlog.get_logger(__name__)

__all__ = [
    "MemberRead",
    "OrganisationCreate",
    "OrganisationNotFound",
    "OrganisationRead",
    "normalise_uscc",
]


class UsccTaken(Conflict):
    code = "uscc_taken"
    message = "该统一社会信用代码已登记"


class OrganisationNotVerified(Forbidden):
    code = "organisation_not_verified"
    message = "该组织尚未通过认证，暂不能认捐"


class OrganisationSuspended(Forbidden):
    code = "organisation_suspended"
    message = "该组织已被暂停，暂不能认捐"

    def __init__(self, reason: str) -> None:
        super().__init__(f"该组织已被暂停，暂不能认捐。暂停原因：{reason}" if reason else None)
        self.reason = reason


class AlreadyVerified(Conflict):
    code = "organisation_already_verified"
    message = "该组织已通过认证"


class VerifyingSuspended(Conflict):
    code = "organisation_is_suspended"
    message = "该组织已被暂停，请先恢复后再认证"


class AlreadySuspended(Conflict):
    code = "organisation_already_suspended"
    message = "该组织已处于暂停状态"


class NotSuspended(Conflict):
    code = "organisation_not_suspended"
    message = "该组织未被暂停，无需恢复"


def _now() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def _json_list(raw: Any) -> list[str]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return [str(v) for v in value] if isinstance(value, list) else []


def status_of(row: dict[str, Any]) -> OrganisationStatus:
    if row["suspended"]:
        return OrganisationStatus.suspended
    return OrganisationStatus.verified if row["verified"] else OrganisationStatus.pending


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


async def _row(public_id: str) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await Organisation.select().where(Organisation.public_id == public_id).first()
    )
    if row is None:
        raise OrganisationNotFound()
    return row


def _chain(code: str) -> list[str]:
    """The code and its ancestors down from district level (for names like 滨海新区塘沽街道)."""
    codes = [code]
    current: str | None = code
    try:
        while current and level_of(current) > 3:
            current = parent_code(current)
            if current:
                codes.append(current)
    except InvalidRegionCode:
        pass
    return codes


async def region_names(codes: list[str]) -> dict[str, str]:
    """Each code's name with its district and street, in one query."""
    chains = {code: _chain(code) for code in codes}
    wanted = {c for chain in chains.values() for c in chain}
    if not wanted:
        return {}
    rows = await Region.select(Region.code, Region.name).where(Region.code.is_in(list(wanted)))
    names = {row["code"]: row["name"] for row in rows}
    return {
        code: "".join(names.get(c, "") for c in reversed(chain)) or code
        for code, chain in chains.items()
    }


def _detail(row: dict[str, Any], names: dict[str, str]) -> OrganisationDetail:
    status = status_of(row)
    kind = OrganisationKind(row["kind"])
    return OrganisationDetail(
        id=row["public_id"],
        name=row["name"],
        kind=kind,
        kind_label=ORGANISATION_KIND_LABELS[kind],
        uscc=row["uscc"],
        public_fundraising=row["public_fundraising"],
        fundraising_certificate=row["fundraising_certificate"],
        service_regions=[
            RegionRef(code=c, name=names.get(c, c)) for c in _json_list(row["service_regions"])
        ],
        focus_categories=[
            NeedCategory(c) for c in _json_list(row["focus_categories"]) if c in set(NeedCategory)
        ],
        status=status,
        status_label=ORGANISATION_STATUS_LABELS[status],
        verified=row["verified"],
        verified_at=row["verified_at"],
        suspended=row["suspended"],
        monthly_capacity_fen=row["monthly_capacity_fen"],
        monthly_capacity_hours=row["monthly_capacity_hours"],
        suspended_reason=row["suspended_reason"],
        created_at=row["created_at"],
    )


async def _details(rows: list[dict[str, Any]]) -> list[OrganisationDetail]:
    codes = sorted({c for row in rows for c in _json_list(row["service_regions"])})
    names = await region_names(codes)
    return [_detail(row, names) for row in rows]


async def detail(public_id: str) -> OrganisationDetail:
    return (await _details([await _row(public_id)]))[0]


async def public_profile(public_id: str) -> OrganisationPublic:
    found = await detail(public_id)
    return OrganisationPublic.model_validate(
        found.model_dump(include=set(OrganisationPublic.model_fields))
    )


async def list_organisations(
    user: CurrentUser, status: OrganisationStatus
) -> list[OrganisationDetail]:
    """The verification queue: staff see organisations serving a region in their scope."""
    query = Organisation.select()
    if status == OrganisationStatus.suspended:
        query = query.where(Organisation.suspended.eq(True)).order_by(Organisation.name)
    elif status == OrganisationStatus.verified:
        query = query.where(
            Organisation.verified.eq(True) & Organisation.suspended.eq(False)
        ).order_by(Organisation.name)
    else:
        query = query.where(
            Organisation.verified.eq(False) & Organisation.suspended.eq(False)
        ).order_by(Organisation.created_at)
    rows = [row for row in await query if may_review(user, _json_list(row["service_regions"]))]
    return await _details(rows)


def may_review(user: CurrentUser, service_regions: list[str]) -> bool:
    """Admins review any organisation; staff those serving at least one region in scope."""
    if user.role == Role.admin:
        return True
    return user.role == Role.staff and any(in_region_scope(user, c) for c in service_regions)


# --------------------------------------------------------------------------------------------
# Registration and the profile
# --------------------------------------------------------------------------------------------


async def _check_regions(codes: list[str]) -> None:
    rows = await Region.select(Region.code).where(Region.code.is_in(codes))
    missing = [c for c in codes if c not in {row["code"] for row in rows}]
    if missing:
        raise FieldInvalid(
            f"服务地区不存在：{'、'.join(missing)}", field="service_regions", code="unknown_region"
        )


async def _insert(**values: Any) -> dict[str, Any]:
    if await Organisation.exists().where(Organisation.uscc == values["uscc"]):
        raise UsccTaken(field="uscc")
    org = Organisation(public_id=new_public_id(), created_at=_now(), **values)
    try:
        await org.save()
    except UNIQUE_VIOLATIONS:
        raise UsccTaken(field="uscc") from None  # registered meanwhile by another request
    return await _row(org.public_id)


async def register(data: OrganisationRegister) -> tuple[RegistrationRead, CurrentUser]:
    """The organisation, unverified, and its owner's account (also returned, so that a page can
    log the owner in), in the caller's unit of work: an error in any step leaves neither."""
    await _check_regions(data.service_regions)
    row = await _insert(
        name=data.name,
        kind=data.kind,
        uscc=data.uscc,
        verified=False,
        public_fundraising=data.public_fundraising,
        fundraising_certificate=data.fundraising_certificate,
        service_regions=json.dumps(data.service_regions),
        focus_categories=json.dumps([c.value for c in data.focus_categories]),
        monthly_capacity_fen=data.monthly_capacity_fen,
        monthly_capacity_hours=data.monthly_capacity_hours,
    )
    try:
        owner = await create_user(
            UserCreate(
                username=data.owner_username,
                display_name=data.owner_display_name,
                password=data.owner_password,
                role=Role.org_member,
                organisation_id=row["public_id"],
            )
        )
    except DomainError as exc:
        if exc.field in {"username", "display_name", "password"}:
            exc.field = f"owner_{exc.field}"
        raise
    await Membership.update({Membership.role: MembershipRole.owner}).where(
        (Membership.user == owner.id) & (Membership.organisation == row["id"])
    )
    figures_changed()
    log.info(
        "organisation_registered",
        organisation=row["public_id"],
        kind=data.kind.value,
        actor=owner.id,
    )
    registered = RegistrationRead(
        organisation=(await _details([row]))[0],
        owner=OwnerRead(username=owner.username, display_name=owner.display_name),
    )
    return registered, owner


async def create_organisation(data: OrganisationCreate) -> OrganisationRead:
    """An organisation entered by staff or an admin (and the demo data)."""
    now = _now()
    row = await _insert(
        name=data.name,
        kind=data.kind,
        uscc=data.uscc,
        verified=data.verified,
        verified_at=now if data.verified else None,
    )
    figures_changed()
    log.info("organisation_created", organisation=row["public_id"])
    return OrganisationRead(
        id=row["public_id"],
        name=row["name"],
        kind=data.kind,
        uscc=row["uscc"],
        verified=data.verified,
    )


async def update_profile(
    user: CurrentUser, public_id: str, data: OrganisationUpdate
) -> OrganisationDetail:
    """The owner's changes. A new name or qualification needs verifying again."""
    row = await _row(public_id)
    given = data.model_dump(exclude_unset=True, exclude_none=True)
    fundraising = given.get("public_fundraising", row["public_fundraising"])
    certificate = given.get("fundraising_certificate", row["fundraising_certificate"])
    if fundraising and row["kind"] != OrganisationKind.charity:
        code, message = CHARITY_ONLY
        raise FieldInvalid(message, field="public_fundraising", code=code)
    if fundraising and not certificate:
        code, message = CERTIFICATE_REQUIRED
        raise FieldInvalid(message, field="fundraising_certificate", code=code)
    certificate = certificate if fundraising else ""
    changes: dict[Any, Any] = {
        Organisation.public_fundraising: fundraising,
        Organisation.fundraising_certificate: certificate,
    }
    if "name" in given:
        changes[Organisation.name] = given["name"]
    if "service_regions" in given:
        await _check_regions(given["service_regions"])
        changes[Organisation.service_regions] = json.dumps(given["service_regions"])
    if "focus_categories" in given:
        changes[Organisation.focus_categories] = json.dumps(
            [NeedCategory(c).value for c in given["focus_categories"]]
        )
    for name in ("monthly_capacity_fen", "monthly_capacity_hours"):
        if name in given:
            changes[getattr(Organisation, name)] = given[name]
    reverify = row["verified"] and (
        given.get("name", row["name"]) != row["name"]
        or fundraising != row["public_fundraising"]
        or certificate != row["fundraising_certificate"]
    )
    if reverify:
        changes[Organisation.verified] = False
        changes[Organisation.verified_at] = None
    await Organisation.update(changes).where(Organisation.id == row["id"])
    if reverify:
        figures_changed()
    log.info(
        "organisation_profile_updated",
        organisation=public_id,
        actor=user.id,
        fields=sorted(given),
        reverification=reverify,
    )
    return await detail(public_id)


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------


async def _reviewable(user: CurrentUser, public_id: str) -> dict[str, Any]:
    row = await _row(public_id)
    if not may_review(user, _json_list(row["service_regions"])):
        raise RegionOutOfScope("该组织的服务地区不在您的管辖范围内")
    return row


async def _changed(
    event: str, user: CurrentUser, row: dict[str, Any], changes: dict[Any, Any]
) -> OrganisationDetail:
    await Organisation.update(changes).where(Organisation.id == row["id"])
    figures_changed()
    log.info(event, organisation=row["public_id"], actor=user.id, actor_role=user.role.value)
    return await detail(row["public_id"])


async def verify(user: CurrentUser, public_id: str) -> OrganisationDetail:
    row = await _reviewable(user, public_id)
    if row["suspended"]:
        raise VerifyingSuspended()
    if row["verified"]:
        raise AlreadyVerified()
    changes = {Organisation.verified: True, Organisation.verified_at: _now()}
    return await _changed("organisation_verified", user, row, changes)


async def suspend(user: CurrentUser, public_id: str, reason: str) -> OrganisationDetail:
    row = await _reviewable(user, public_id)
    if row["suspended"]:
        raise AlreadySuspended()
    changes = {Organisation.suspended: True, Organisation.suspended_reason: reason}
    # The reason is free text and may name people: it is stored, never logged.
    return await _changed("organisation_suspended", user, row, changes)


async def reinstate(user: CurrentUser, public_id: str) -> OrganisationDetail:
    row = await _reviewable(user, public_id)
    if not row["suspended"]:
        raise NotSuspended()
    changes = {Organisation.suspended: False, Organisation.suspended_reason: ""}
    return await _changed("organisation_reinstated", user, row, changes)


async def organisation_can_pledge(org_public_id: str) -> None:
    """Raise why the organisation may not pledge now (403, said in Chinese), or return."""
    row = (
        await Organisation.select(
            Organisation.verified, Organisation.suspended, Organisation.suspended_reason
        )
        .where(Organisation.public_id == org_public_id)
        .first()
    )
    if row is None:
        raise OrganisationNotFound()
    if row["suspended"]:
        raise OrganisationSuspended(row["suspended_reason"])
    if not row["verified"]:
        raise OrganisationNotVerified()
