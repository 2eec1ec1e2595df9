"""Organisations: charities, social-work agencies, volunteer teams and enterprises.

Small for now (name, kind, USCC, verified); the registration and verification lifecycle comes
with the organisations issue.
"""

from enum import StrEnum

from piccolo.columns import Boolean, Serial, Timestamptz, Varchar
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
