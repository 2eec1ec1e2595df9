"""A small, known dataset for the reports, in 2024 (Beijing time).

Cases are recorded through the API as staff would (so their members' names exist, sealed, and
the privacy tests can look for them); referrals, needs and ledger entries are written with
chosen timestamps, which no request could set, so every month and median below is known.

Expected figures (see the tests):
- 塘沽街道 (cases A in 紫云园, B in 新城家园): A referred in January and March, B on
  1 March 01:00 Beijing (still February in UTC); needs n1 (Jan; fully pledged after 2 days
  23 hours = 2 whole days; fulfilled after 39 days in February), n2 (Mar; fully pledged after
  10 days), n3 (Mar; fully pledged after 4 days; fulfilled after 28 days in March). Pledged:
  Jan +15,000, Feb -3,000 (cancelled), Mar +20,000, Apr -20,000 expired +15,000 renewed;
  disbursed Feb 7,000. A donation of 5,000 is not a pledge.
- 杭州道街道 (case C): referred Feb, service need n4 published Feb, 10 hours pledged and 4
  cancelled in Feb; one more referral of C left as a draft (never counted).
- 江北区观音桥街道 (case D): referred Feb (and once on 31 Dec 2023 23:00 Beijing, another
  year), n5 published Feb, fully pledged 1 Mar after 9 days; pledged Feb 8,000; disbursed
  Mar 8,000. A pledge at 1 Jan 2025 01:00 Beijing (still 2024 in UTC) belongs to 2025.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx

from backend.accounts.tables import Role
from backend.cases.tables import Case
from backend.db import unit_of_work
from backend.ledger import service as ledger
from backend.needs.tables import Need, NeedStatus
from backend.referrals.tables import NeedItem, Referral, ReferralStatus
from matching.ledger import EntryKind
from tests.cases_factory import create_case
from tests.factories import api_token, make_user
from tests.people import member

BJ = ZoneInfo("Asia/Shanghai")
YEAR = 2024
BINHAI = "120116000000"
TANGGU = "120116001000"
HANGZHOUDAO = "120116005000"
JIANGBEI = "500105000000"
GUANYINQIAO = "500105006000"
ZIYUNYUAN = "120116001016"
XINCHENG = "120116001017"
XINYUANLI = "120116005001"
TAOYUAN = "500105006001"
#: Names of the heads of household: they must never appear in a report.
NAMES = ("赵春梅", "钱秋菊", "孙冬梅", "李夏荷")


def bj(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BJ)


@dataclass
class Dataset:
    case_refs: list[str]
    need_ids: list[str]


async def _case(client: httpx.AsyncClient, community: str, street: str, head: str) -> int:
    staff = await make_user(Role.staff, region_code=street)
    headers = await api_token(client, staff.username)
    case = await create_case(
        client, headers, region_code=community, members=[member(head=True, full_name=head)]
    )
    row = await Case.select(Case.id, Case.created_by).where(Case.ref_code == case["ref"]).first()
    assert row is not None
    return int(row["id"])


async def _referral(case_id: int, submitted: datetime | None) -> int:
    creator = (await Case.select(Case.created_by).where(Case.id == case_id).first()) or {}
    referral = Referral(
        ref_code=secrets.token_urlsafe(9),
        case=case_id,
        status=ReferralStatus.approved if submitted else ReferralStatus.draft,
        narrative_sealed="",
        public_text="需要帮助",
        created_by=creator["created_by"],
        created_at=submitted or bj(YEAR, 2, 1),
        submitted_at=submitted,
    )
    await referral.save()
    return int(referral.id)


async def _need(
    case_id: int,
    referral_id: int,
    region: str,
    published: datetime,
    *,
    kind: str = "money",
    fully_pledged: datetime | None = None,
    fulfilled: datetime | None = None,
) -> str:
    item = NeedItem(
        referral=referral_id,
        seq=1,
        category="medical" if kind == "money" else "care",
        kind=kind,
        amount_fen=50_000 if kind == "money" else None,
        hours=20 if kind == "service" else None,
        urgency="normal",
        deadline=date(YEAR, 12, 31),
        title="帮扶需求",
    )
    await item.save()
    public_id = secrets.token_urlsafe(12)
    status = NeedStatus.published
    if fully_pledged:
        status = NeedStatus.fully_pledged
    if fulfilled:
        status = NeedStatus.fulfilled
    await Need.insert(
        Need(
            public_id=public_id,
            case=case_id,
            referral=referral_id,
            need_item=item.id,
            title="帮扶需求",
            story="一户困难家庭需要帮助。",
            category=item.category,
            kind=kind,
            urgency="normal",
            region_code=region,
            target_fen=50_000 if kind == "money" else None,
            target_hours=20 if kind == "service" else None,
            deadline=date(YEAR, 12, 31),
            status=status,
            published_at=published,
            review_due_on=date(YEAR + 1, 1, 1),
            fully_pledged_at=fully_pledged,
            fulfilled_at=fulfilled,
        )
    )
    return public_id


async def _entry(
    kind: EntryKind, need: str, at: datetime, amount_fen: int = 0, hours: int = 0
) -> None:
    async with unit_of_work():
        await ledger.append(kind, amount_fen=amount_fen, hours=hours, need=need, at=at)


async def build(client: httpx.AsyncClient) -> Dataset:
    a = await _case(client, ZIYUNYUAN, TANGGU, NAMES[0])
    b = await _case(client, XINCHENG, TANGGU, NAMES[1])
    c = await _case(client, XINYUANLI, HANGZHOUDAO, NAMES[2])
    d = await _case(client, TAOYUAN, GUANYINQIAO, NAMES[3])

    r1 = await _referral(a, bj(YEAR, 1, 10))
    r2 = await _referral(a, bj(YEAR, 3, 5))
    r3 = await _referral(b, bj(YEAR, 3, 1, 1, 0))
    r4 = await _referral(c, bj(YEAR, 2, 15))
    await _referral(c, None)
    r5 = await _referral(d, bj(YEAR, 2, 20))
    await _referral(d, bj(YEAR - 1, 12, 31, 23, 0))

    n1 = await _need(
        a,
        r1,
        TANGGU,
        bj(YEAR, 1, 12),
        fully_pledged=bj(YEAR, 1, 15, 9),
        fulfilled=bj(YEAR, 2, 20),
    )
    n2 = await _need(a, r2, BINHAI, bj(YEAR, 3, 6), fully_pledged=bj(YEAR, 3, 16))
    n3 = await _need(
        b, r3, TANGGU, bj(YEAR, 3, 2), fully_pledged=bj(YEAR, 3, 6), fulfilled=bj(YEAR, 3, 30)
    )
    n4 = await _need(c, r4, HANGZHOUDAO, bj(YEAR, 2, 16), kind="service")
    n5 = await _need(d, r5, GUANYINQIAO, bj(YEAR, 2, 21), fully_pledged=bj(YEAR, 3, 1))

    await _entry(EntryKind.pledge, n1, bj(YEAR, 1, 13), 10_000)
    await _entry(EntryKind.pledge, n1, bj(YEAR, 1, 15, 8), 5_000)
    await _entry(EntryKind.donation, n1, bj(YEAR, 1, 16), 5_000)
    await _entry(EntryKind.pledge_cancelled, n1, bj(YEAR, 2, 2), -3_000)
    await _entry(EntryKind.disbursement, n1, bj(YEAR, 2, 18), 7_000)
    await _entry(EntryKind.pledge, n3, bj(YEAR, 3, 3), 20_000)
    await _entry(EntryKind.pledge_expired, n3, bj(YEAR, 4, 10), -20_000)
    await _entry(EntryKind.pledge, n3, bj(YEAR, 4, 11), 15_000)
    await _entry(EntryKind.pledge, n4, bj(YEAR, 2, 17), hours=10)
    await _entry(EntryKind.pledge_cancelled, n4, bj(YEAR, 2, 20), hours=-4)
    await _entry(EntryKind.pledge, n5, bj(YEAR, 2, 25), 8_000)
    await _entry(EntryKind.disbursement, n5, bj(YEAR, 3, 10), 8_000)
    await _entry(EntryKind.pledge, n3, bj(YEAR + 1, 1, 1, 1), 999)

    refs = [
        str(row["ref_code"])
        for row in await Case.select(Case.ref_code).where(Case.id.is_in([a, b, c, d]))
    ]
    return Dataset(case_refs=refs, need_ids=[n1, n2, n3, n4, n5])
