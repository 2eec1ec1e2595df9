"""Members of an organisation: the list, one-time invitation links and removal.

An invitation token is shown once, to the owner who made it; the table keeps only its SHA-256.
Accepting marks it used with one conditional UPDATE, so two people opening the same link at
once cannot both join; the new account is written in the same unit of work, so a failure (a
taken username) leaves the link unused.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import structlog

from backend.accounts.guards import OrganisationNotFound
from backend.accounts.schemas import CurrentUser, UserCreate
from backend.accounts.service import create_user
from backend.accounts.tables import ApiToken, Membership, MembershipRole, Role, User
from backend.errors import Conflict, DomainError, NotFound
from backend.organisations.schemas import (
    AccountCreate,
    InvitationInfo,
    JoinedRead,
    MemberRead,
    OwnerRead,
)
from backend.organisations.tables import Invitation, Organisation

log = structlog.get_logger(__name__)

INVITATION_LIFETIME = timedelta(days=7)
INVITATION_PATH = "/invitations/"


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    message = "邀请链接无效，请核对链接或向组织负责人索取新的邀请链接"


class InvitationUsed(DomainError):
    status_code = 410
    code = "invitation_used"
    message = "该邀请链接已被使用。每个邀请链接只能使用一次，请向组织负责人索取新的链接"


class InvitationExpired(DomainError):
    status_code = 410
    code = "invitation_expired"
    message = "该邀请链接已过期（有效期7天），请向组织负责人索取新的链接"


class MemberNotFound(NotFound):
    code = "member_not_found"
    message = "该组织没有这位成员"


class CannotRemoveSelf(Conflict):
    code = "cannot_remove_self"
    message = "不能移除您自己"


class CannotRemoveOwner(Conflict):
    code = "cannot_remove_owner"
    message = "不能移除组织负责人"


def _now() -> datetime:
    return datetime.now(UTC)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _organisation_id(public_id: str) -> int:
    row = (
        await Organisation.select(Organisation.id)
        .where(Organisation.public_id == public_id)
        .first()
    )
    if row is None:
        raise OrganisationNotFound()
    return int(row["id"])


async def members(public_id: str) -> list[MemberRead]:
    rows = (
        await Membership.select(
            Membership.user.username,
            Membership.user.display_name,
            Membership.role,
        )
        .where(Membership.organisation.public_id == public_id)
        .order_by(Membership.role, ascending=False)  # owner before member
        .order_by(Membership.user.username)
    )
    return [
        MemberRead(
            username=row["user.username"], display_name=row["user.display_name"], role=row["role"]
        )
        for row in rows
    ]


async def is_owner(user: CurrentUser, public_id: str) -> bool:
    return bool(
        await Membership.exists().where(
            (Membership.user == user.id)
            & (Membership.organisation.public_id == public_id)
            & (Membership.role == MembershipRole.owner)
        )
    )


async def is_member(user: CurrentUser, public_id: str) -> bool:
    return bool(
        await Membership.exists().where(
            (Membership.user == user.id) & (Membership.organisation.public_id == public_id)
        )
    )


async def organisation_of(user: CurrentUser) -> str | None:
    """The public id of the user's organisation (the one they own first), if any."""
    row = (
        await Membership.select(Membership.organisation.public_id)
        .where(Membership.user == user.id)
        .order_by(Membership.role, ascending=False)
        .first()
    )
    return str(row["organisation.public_id"]) if row else None


async def create_invitation(user: CurrentUser, public_id: str) -> tuple[str, datetime]:
    """A new one-time token for the organisation, and when it expires."""
    organisation = await _organisation_id(public_id)
    token = secrets.token_urlsafe(32)
    now = _now()
    expires_at = now + INVITATION_LIFETIME
    await Invitation.insert(
        Invitation(
            organisation=organisation,
            token_hash=token_digest(token),
            created_by=user.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    log.info("organisation_invitation_created", organisation=public_id, actor=user.id)
    return token, expires_at


async def _refusal(digest: str, now: datetime) -> DomainError:
    row = (
        await Invitation.select(Invitation.used_at, Invitation.expires_at)
        .where(Invitation.token_hash == digest)
        .first()
    )
    if row is None:
        return InvitationNotFound()
    if row["used_at"] is not None:
        return InvitationUsed()
    return InvitationExpired()


async def invitation_info(token: str) -> InvitationInfo:
    """Which organisation a usable link invites to; raises why it cannot be used."""
    now = _now()
    digest = token_digest(token)
    row = (
        await Invitation.select(
            Invitation.organisation.public_id, Invitation.organisation.name, Invitation.expires_at
        )
        .where(
            (Invitation.token_hash == digest)
            & Invitation.used_at.is_null()
            & (Invitation.expires_at > now)
        )
        .first()
    )
    if row is None:
        raise await _refusal(digest, now)
    return InvitationInfo(
        organisation_id=row["organisation.public_id"],
        organisation_name=row["organisation.name"],
        expires_at=row["expires_at"],
    )


async def accept_invitation(token: str, data: AccountCreate) -> tuple[JoinedRead, CurrentUser]:
    """Use the link once: create the invitee's org_member account in its organisation (the
    account is returned too, so that a page can log the new member in)."""
    now = _now()
    digest = token_digest(token)
    claimed = (
        await Invitation.update({Invitation.used_at: now})
        .where(
            (Invitation.token_hash == digest)
            & Invitation.used_at.is_null()
            & (Invitation.expires_at > now)
        )
        .returning(Invitation.id, Invitation.organisation)
    )
    if not claimed:
        raise await _refusal(digest, now)
    invitation = claimed[0]
    org = (
        await Organisation.select(Organisation.public_id, Organisation.name)
        .where(Organisation.id == invitation["organisation"])
        .first()
    )
    if org is None:  # pragma: no cover - the foreign key cascades
        raise InvitationNotFound()
    user = await create_user(
        UserCreate(
            username=data.username,
            display_name=data.display_name,
            password=data.password,
            role=Role.org_member,
            organisation_id=org["public_id"],
        )
    )
    await Invitation.update({Invitation.used_by: user.id}).where(Invitation.id == invitation["id"])
    log.info("organisation_member_joined", organisation=org["public_id"], actor=user.id)
    joined = JoinedRead(
        organisation_id=org["public_id"],
        organisation_name=org["name"],
        member=OwnerRead(username=user.username, display_name=user.display_name),
    )
    return joined, user


async def remove_member(user: CurrentUser, public_id: str, username: str) -> None:
    """Remove a member (never oneself, never the owner). An account left without any
    organisation is deactivated and its API tokens revoked: it existed for this one."""
    organisation = await _organisation_id(public_id)
    row = (
        await Membership.select(Membership.user, Membership.role)
        .where(
            (Membership.organisation == organisation)
            & (Membership.user.username == username.strip().lower())
        )
        .first()
    )
    if row is None:
        raise MemberNotFound(field="username")
    if row["user"] == user.id:
        raise CannotRemoveSelf(field="username")
    if row["role"] == MembershipRole.owner:
        raise CannotRemoveOwner(field="username")
    await Membership.delete().where(
        (Membership.organisation == organisation) & (Membership.user == row["user"])
    )
    if not await Membership.exists().where(Membership.user == row["user"]):
        await User.update({User.is_active: False}).where(
            (User.id == row["user"]) & (User.role == Role.org_member)
        )
        await ApiToken.update({ApiToken.revoked_at: _now()}).where(
            (ApiToken.user == row["user"]) & ApiToken.revoked_at.is_null()
        )
    log.info(
        "organisation_member_removed", organisation=public_id, actor=user.id, member=row["user"]
    )
