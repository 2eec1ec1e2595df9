"""Accounts: people who log in, their organisation memberships, logins and API tokens."""

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.organisations.tables import Organisation


class Role(StrEnum):
    staff = "staff"  # 民政工作人员: records cases, refers, verifies delivery
    reviewer = "reviewer"  # 审核人员: approves referrals (district)
    org_member = "org_member"  # 组织成员: searches needs, pledges
    volunteer = "volunteer"  # 志愿者: pledges service hours
    auditor = "auditor"  # 审计/社会监督员: reads finance, audit log, ledger
    admin = "admin"  # 平台管理员


ROLE_LABELS = {
    Role.staff: "民政工作人员",
    Role.reviewer: "审核人员",
    Role.org_member: "组织成员",
    Role.volunteer: "志愿者",
    Role.auditor: "审计监督员",
    Role.admin: "平台管理员",
}

#: Roles whose work is bounded by a region (a 12-digit division code and everything under it).
REGION_SCOPED_ROLES = frozenset({Role.staff, Role.reviewer})


class User(Table, tablename="app_user"):
    id: Serial
    username = Varchar(length=64, unique=True)
    display_name = Varchar(length=100)
    #: argon2id, via argon2-cffi; never logged, never serialised.
    password_hash = Varchar(length=255, secret=True)
    role = Varchar(length=20, choices=Role, index=True)
    #: Required for staff and reviewers: the region their work is limited to.
    region_code = Varchar(length=12, null=True, index=True)
    is_active = Boolean(default=True)
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)


class MembershipRole(StrEnum):
    owner = "owner"
    member = "member"


class Membership(Table, tablename="membership"):
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(Organisation, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=10, choices=MembershipRole, default=MembershipRole.member)
    created_at = Timestamptz()


class LoginAttempt(Table, tablename="login_attempt"):
    """Every login attempt: the rate limit counts these, auditors read them."""

    #: As typed (lower-cased, truncated): an unknown name is recorded too.
    username = Varchar(length=64, index=True)
    ip = Varchar(length=45, index=True)
    succeeded = Boolean()
    at = Timestamptz(index=True)


class ApiToken(Table, tablename="api_token"):
    """Bearer tokens for the JSON API; only a SHA-256 of the token is kept."""

    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class RelativeDeclaration(Table, tablename="relative_declaration"):
    """近亲属备案: a staff member's declared close relatives, by keyed hash of ID number.

    Declared relatives' cases can never be approved by that staff member.
    """

    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    id_number_index = Varchar(length=64, index=True)
    #: The blind-index key id of ``id_number_index`` (null: before key ids existed).
    id_number_index_key = Varchar(length=16, null=True, default=None)
    #: The declared ID number, sealed like a household's (AES-GCM): without it the index could
    #: not be recomputed under a new blind-index key. Null for declarations made before.
    id_number_sealed = Text(null=True, default=None)
    relation = Varchar(length=20)
    declared_at = Timestamptz()
