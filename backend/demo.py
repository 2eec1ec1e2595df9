"""Demo data for ``make demo``: regions, organisations and one account per role.

Idempotent: running it again finds what it made and changes nothing. Every person here is
invented; no household data is ever part of the demo fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.accounts.schemas import CurrentUser, UserCreate
from backend.accounts.service import create_user, get_active_user
from backend.accounts.tables import ROLE_LABELS, Membership, MembershipRole, Role, User
from backend.db import unit_of_work
from backend.demo_activity import seed_activity
from backend.demo_cases import seed_households
from backend.figures.jobs import figures_changed
from backend.organisations.service import OrganisationCreate, create_organisation
from backend.organisations.tables import Organisation, OrganisationKind
from backend.regions.service import load_regions, read_fixture

DEMO_ORGANISATIONS = [
    OrganisationCreate(
        name="滨海新区慈善协会（演示）",
        kind=OrganisationKind.charity,
        uscc="53120116MJ0000001J",
        verified=True,
    ),
    OrganisationCreate(
        name="江北区同心社会工作服务中心（演示）",
        kind=OrganisationKind.social_work,
        uscc="52500105MJ0000002D",
        verified=True,
    ),
    OrganisationCreate(
        name="泰山区暖心志愿服务队（演示）",
        kind=OrganisationKind.volunteer_team,
        uscc="53370902MJ0000003T",
        verified=False,
    ),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    password: str
    region_code: str | None = None
    organisation_uscc: str | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


DEMO_ACCOUNTS = [
    DemoAccount(
        "staff", "塘沽街道民政专干（演示）", Role.staff, "demo-tanggu-2026", "120116001000"
    ),
    DemoAccount(
        "reviewer",
        "滨海新区民政局审核员（演示）",
        Role.reviewer,
        "demo-binhai-2026",
        "120116000000",
    ),
    DemoAccount(
        "charity",
        "滨海新区慈善协会项目官员（演示）",
        Role.org_member,
        "demo-cishan-2026",
        organisation_uscc="53120116MJ0000001J",
    ),
    DemoAccount("volunteer", "志愿者小王（演示）", Role.volunteer, "demo-xiaowang-2026"),
    DemoAccount("auditor", "社会监督员（演示）", Role.auditor, "demo-jiandu-2026"),
    DemoAccount("admin", "平台管理员（演示）", Role.admin, "demo-houtai-2026"),
]


async def seed() -> list[DemoAccount]:
    async with unit_of_work():
        await load_regions(read_fixture())
        public_ids: dict[str, str] = {}
        for org in DEMO_ORGANISATIONS:
            row = (
                await Organisation.select(Organisation.public_id)
                .where(Organisation.uscc == org.uscc)
                .first()
            )
            public_ids[org.uscc] = row["public_id"] if row else (await create_organisation(org)).id
        for account in DEMO_ACCOUNTS:
            if await User.exists().where(User.username == account.username):
                continue
            await create_user(
                UserCreate(
                    username=account.username,
                    display_name=account.display_name,
                    password=account.password,
                    role=account.role,
                    region_code=account.region_code,
                    organisation_id=public_ids.get(account.organisation_uscc or ""),
                )
            )
        charity_owner = await User.select(User.id).where(User.username == "charity").first()
        if charity_owner:
            await Membership.update({Membership.role: MembershipRole.owner}).where(
                Membership.user == charity_owner["id"]
            )
        figures_changed()
    async with unit_of_work():
        staff = await get_active_user_by_name("staff")
        reviewer = await get_active_user_by_name("reviewer")
        if staff and reviewer:
            await seed_households(staff, reviewer)
    async with unit_of_work():
        charity = await get_active_user_by_name("charity")
        staff = await get_active_user_by_name("staff")
        if charity and staff:
            await seed_activity(charity, staff)
    return DEMO_ACCOUNTS


async def get_active_user_by_name(username: str) -> CurrentUser | None:
    row = await User.select(User.id).where(User.username == username).first()
    return await get_active_user(row["id"]) if row else None
