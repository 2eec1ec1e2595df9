"""Accounts: creating users, logging in (with a rate limit on failures), API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from backend.accounts import throttle
from backend.accounts.passwords import hash_password, needs_rehash, verify_password
from backend.accounts.schemas import CurrentUser, MyOrganisation, UserCreate
from backend.accounts.tables import (
    REGION_SCOPED_ROLES,
    ApiToken,
    LoginAttempt,
    Membership,
    MembershipRole,
    RelativeDeclaration,
    Role,
    User,
)
from backend.audit.service import record
from backend.db import fetch_raw
from backend.errors import Conflict, DomainError, FieldInvalid
from backend.figures.jobs import figures_changed
from backend.organisations.tables import Organisation
from backend.regions.tables import Region
from backend.settings import get_settings
from matching.regions import significant_prefix

log = structlog.get_logger(__name__)

TOKEN_LIFETIME = timedelta(hours=12)


class LoginFailed(DomainError):
    status_code = 401
    code = "login_failed"
    message = "用户名或密码错误"
    keep_writes = True  # the attempt is recorded for the rate limit


class LoginRateLimited(DomainError):
    status_code = 429
    code = "login_rate_limited"
    keep_writes = True

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            f"登录失败次数过多，请 {minutes} 分钟后再试",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class UsernameTaken(Conflict):
    code = "username_taken"
    message = "该用户名已被使用"


def _now() -> datetime:
    return datetime.now(UTC)


def to_current_user(row: dict[str, Any]) -> CurrentUser:
    return CurrentUser(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        region_code=row["region_code"],
    )


_USER_COLUMNS = (User.id, User.username, User.display_name, User.role, User.region_code)


async def get_active_user(user_id: int) -> CurrentUser | None:
    row = (
        await User.select(*_USER_COLUMNS)
        .where((User.id == user_id) & (User.is_active.eq(True)))
        .first()
    )
    return to_current_user(row) if row else None


async def create_user(data: UserCreate) -> CurrentUser:
    username = data.username.lower()
    if data.role in REGION_SCOPED_ROLES and not data.region_code:
        raise FieldInvalid("民政工作人员和审核人员必须指定管辖地区", field="region_code")
    if data.region_code and not await Region.exists().where(Region.code == data.region_code):
        raise FieldInvalid("管辖地区不存在", field="region_code", code="unknown_region")
    organisation_id: int | None = None
    if data.role == Role.org_member:
        if not data.organisation_id:
            raise FieldInvalid("组织成员必须指定所属组织", field="organisation_id")
        org = (
            await Organisation.select(Organisation.id)
            .where(Organisation.public_id == data.organisation_id)
            .first()
        )
        if org is None:
            raise FieldInvalid(
                "所属组织不存在", field="organisation_id", code="unknown_organisation"
            )
        organisation_id = org["id"]
    if await User.exists().where(User.username == username):
        raise UsernameTaken(field="username")
    user = User(
        username=username,
        display_name=data.display_name,
        password_hash=hash_password(data.password),
        role=data.role,
        region_code=data.region_code if data.role in REGION_SCOPED_ROLES else None,
    )
    await user.save()
    if organisation_id is not None:
        await Membership.insert(
            Membership(user=user.id, organisation=organisation_id, role=MembershipRole.member)
        )
    figures_changed()
    log.info("user_created", user_id=user.id, role=data.role.value)
    return CurrentUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=data.role,
        region_code=user.region_code,
    )


async def authenticate(
    username: str, password: str, ip: str, *, device_user_id: int | None = None
) -> CurrentUser:
    """Check a login; every attempt that is not throttled is recorded.

    ``device_user_id``: the user named by the request's signed device cookie. When it is this
    account's, failures made elsewhere do not hold the login back (``accounts.throttle``).
    """
    settings = get_settings()
    username = username.strip().lower()[:64]
    now = _now()
    row = (
        await User.select(*_USER_COLUMNS, User.password_hash, User.is_active)
        .where(User.username == username)
        .first()
    )
    known_device = row is not None and device_user_id == row["id"]
    if not known_device:
        wait = await throttle.seconds_to_wait(username, ip, now, settings)
        if wait:
            # Not recorded: an attempt while waiting must not make the wait longer.
            log.warning("login_rate_limited", ip=ip, retry_after=wait)
            raise LoginRateLimited(retry_after=wait)
    ok = verify_password(row["password_hash"] if row else None, password)
    ok = ok and row is not None and row["is_active"]
    await LoginAttempt.insert(LoginAttempt(username=username, ip=ip, succeeded=ok, at=now))
    if not ok or row is None:
        log.warning("login_failed", user_id=row["id"] if row else None, ip=ip)
        raise LoginFailed()
    update: dict[Any, Any] = {User.last_login_at: now}
    if needs_rehash(row["password_hash"]):
        update[User.password_hash] = hash_password(password)
    await User.update(update).where(User.id == row["id"])
    log.info("login_succeeded", user_id=row["id"], ip=ip, known_device=known_device)
    return to_current_user(row)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(user: CurrentUser) -> tuple[str, datetime]:
    token = "abt_" + secrets.token_urlsafe(32)
    expires_at = _now() + TOKEN_LIFETIME
    await ApiToken.insert(
        ApiToken(user=user.id, token_hash=_token_digest(token), expires_at=expires_at)
    )
    return token, expires_at


async def user_for_token(token: str) -> CurrentUser | None:
    """The active user a live token belongs to.

    Runs on every API call, so it is one hand-written join: Piccolo's join building costs
    more than the query itself on this path.
    """
    rows = await fetch_raw(
        "SELECT u.id, u.username, u.display_name, u.role, u.region_code FROM api_token t "
        'JOIN app_user u ON u.id = t."user" WHERE t.token_hash = {} AND t.expires_at > {} '
        "AND t.revoked_at IS NULL AND u.is_active",
        _token_digest(token),
        _now(),
    )
    return to_current_user(rows[0]) if rows else None


async def revoke_token(token: str) -> None:
    await ApiToken.update({ApiToken.revoked_at: _now()}).where(
        ApiToken.token_hash == _token_digest(token)
    )


async def organisations_of(user_id: int) -> list[MyOrganisation]:
    rows = (
        await Membership.select(
            Membership.organisation.public_id.as_alias("id"),
            Membership.organisation.name.as_alias("name"),
            Membership.organisation.kind.as_alias("kind"),
            Membership.role.as_alias("membership_role"),
        )
        .where(Membership.user == user_id)
        .order_by(Membership._meta.primary_key)
    )
    return [MyOrganisation(**row) for row in rows]


async def organisation_ids_of(user_id: int) -> set[int]:
    rows = await Membership.select(Membership.organisation).where(Membership.user == user_id)
    return {row["organisation"] for row in rows}


async def users_in_region(region_code: str) -> list[CurrentUser]:
    """Active staff and reviewers whose scope lies in ``region_code``."""
    prefix = significant_prefix(region_code)
    rows = (
        await User.select(*_USER_COLUMNS)
        .where(User.region_code.like(prefix + "%") & User.is_active.eq(True))
        .order_by(User.username)
    )
    return [to_current_user(row) for row in rows]


class RelativeAlreadyDeclared(Conflict):
    code = "relative_already_declared"
    message = "该近亲属已备案"


async def declare_relative(user: CurrentUser, id_number: str, relation: str) -> None:
    """近亲属备案: the keyed hash bars this user from the case; the number itself is sealed
    only so that the hash can be recomputed when the blind-index key rotates."""
    from backend.crypto import RELATIVE_ID_NUMBER, blind_index, cipher

    index = blind_index()
    if await RelativeDeclaration.exists().where(
        (RelativeDeclaration.user == user.id)
        & RelativeDeclaration.id_number_index.is_in(index.candidates(id_number))
    ):
        raise RelativeAlreadyDeclared(field="id_number")
    await RelativeDeclaration.insert(
        RelativeDeclaration(
            user=user.id,
            id_number_index=index.id_number(id_number),
            id_number_index_key=index.current_key_id,
            id_number_sealed=cipher().seal(id_number, column=RELATIVE_ID_NUMBER),
            relation=relation,
        )
    )
    await record(user, "relative.declare", detail=relation)


async def relatives_of(user: CurrentUser) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await RelativeDeclaration.select(
            RelativeDeclaration.relation, RelativeDeclaration.declared_at
        )
        .where(RelativeDeclaration.user == user.id)
        .order_by(RelativeDeclaration.declared_at)
    )
    return rows
