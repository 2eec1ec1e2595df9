"""Organisations: charities, social-work agencies, volunteer teams and enterprises, their
profile and verification state, and the one-time links their owners send to invite members.

State: registered → verified by staff or an admin (``verified``, ``verified_at``); suspended at
any time with a reason, and reinstated. Only a verified organisation that is not suspended may
pledge (``backend.organisations.service.organisation_can_pledge``).
"""

from enum import StrEnum

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.readable import Readable
from piccolo.table import Table


class OrganisationKind(StrEnum):
    charity = "charity"  # 慈善组织
    social_work = "social_work"  # 社工机构
    volunteer_team = "volunteer_team"  # 志愿服务队
    enterprise = "enterprise"  # 爱心企业


ORGANISATION_KIND_LABELS = {
    OrganisationKind.charity: "慈善组织",
    OrganisationKind.social_work: "社工机构",
    OrganisationKind.volunteer_team: "志愿服务队",
    OrganisationKind.enterprise: "爱心企业",
}


class Organisation(Table, tablename="organisation"):
    id: Serial
    #: Random and unguessable; the only id that appears in URLs and on public pages.
    public_id = Varchar(length=24, unique=True)
    name = Varchar(length=200)
    kind = Varchar(length=20, choices=OrganisationKind)
    #: 统一社会信用代码, 18 characters with a check character.
    uscc = Varchar(length=18, unique=True)
    verified = Boolean(default=False)
    created_at = Timestamptz()
    #: 公开募捐资格: only such charities may raise money from the public.
    public_fundraising = Boolean(default=False)
    fundraising_certificate = Varchar(length=60, default="")
    #: Region codes the organisation serves (any level); recommendations rank by proximity.
    service_regions = JSON(default="[]")
    #: Need categories it focuses on (matching.vocabulary.NeedCategory values).
    focus_categories = JSON(default="[]")
    #: What it can take on per month: money in fen, and volunteer hours.
    monthly_capacity_fen = Integer(default=0)
    monthly_capacity_hours = Integer(default=0)
    suspended = Boolean(default=False)
    suspended_reason = Text(default="")
    verified_at = Timestamptz(null=True, default=None)

    @classmethod
    def get_readable(cls) -> Readable:
        """How a reference to an organisation reads in the back office (``admin``)."""
        return Readable(template="%s", columns=[cls.name])


class Invitation(Table, tablename="organisation_invitation"):
    """A one-time link an owner sends to a new member; only a SHA-256 of its token is kept.

    Usable once (``used_at``) and until ``expires_at`` (7 days after it was made). The user ids
    are plain integers, not foreign keys: the accounts app already refers to this one
    (``Membership.organisation``), and a reference back would make the two apps' migrations
    depend on each other.
    """

    id: Serial
    organisation = ForeignKey(Organisation, on_delete=OnDelete.cascade, null=False, index=True)
    token_hash = Varchar(length=64, unique=True)
    #: ``app_user.id`` of the owner who made the link.
    created_by = Integer()
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    #: ``app_user.id`` of the account created with the link.
    used_by = Integer(null=True, default=None)
