"""Demo households for ``make demo``: invented people, generated at seed time.

Nothing here is a real person and nothing personal is committed: names are drawn from common
characters by a seeded random generator, ID numbers get a computed check character. Each
household has a temporary-assistance grant, a referral written as staff would, and (after the
demo reviewer approves it) published needs, so the need hall has something to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from backend.accounts.schemas import CurrentUser
from backend.cases.schemas import CaseCreate, GrantCreate, MemberIn
from backend.cases.service import add_grant, create_case
from backend.cases.tables import Case
from backend.referrals.review import decide
from backend.referrals.schemas import ConsentIn, Decision, GoodsLine, NeedItemIn, ReferralCreate
from backend.referrals.service import create_referral, submit_referral
from backend.referrals.tables import ConsentMethod
from backend.regions.tables import Region
from matching.identity import check_character
from matching.vocabulary import GrantKind, NeedCategory, NeedKind, Programme, Urgency

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅春燕凤海"


@dataclass(frozen=True)
class Story:
    category: NeedCategory
    kind: NeedKind
    narrative: str
    title: str
    amount_yuan: int = 0
    goods: tuple[tuple[str, int, str, int], ...] = ()
    hours: int = 0
    service_type: str = ""


STORIES = (
    Story(
        NeedCategory.medical,
        NeedKind.money,
        "{name}，{age}岁，患尿毒症{years}年，每周在天津医科大学总医院血液透析三次，每月自付医疗费用约{cost}元。"
        "丈夫{spouse}在{employer}打零工，收入不稳定。已获临时救助{aid}元，仍难以负担透析费用。",
        "尿毒症透析费用资助",
        amount_yuan=18000,
    ),
    Story(
        NeedCategory.education,
        NeedKind.money,
        "{name}的女儿{child}今年考入大学，学费及住宿费每年约{cost}元。{name}患腰椎间盘突出，无法从事重体力劳动，"
        "家庭月收入不足2000元。已获临时救助{aid}元，开学在即仍缺学费。",
        "大学新生学费资助",
        amount_yuan=9000,
    ),
    Story(
        NeedCategory.living,
        NeedKind.goods,
        "{name}，{age}岁，独居，二级肢体残疾，依靠低保生活。今冬家中取暖设备损坏，缺少棉被、冬衣，"
        "电话{phone}。已获临时救助{aid}元，仍需过冬物资。",
        "过冬物资",
        goods=(("棉被", 2, "床", 15000), ("羽绒服", 1, "件", 30000)),
    ),
    Story(
        NeedCategory.care,
        NeedKind.service,
        "{name}，{age}岁，脑梗后遗症，生活不能完全自理，老伴{spouse}身体也不好。子女在外地，"
        "需要每周上门照料和陪同复诊。已获临时救助{aid}元。",
        "上门照料与陪诊",
        hours=48,
        service_type="上门照料",
    ),
    Story(
        NeedCategory.psychological,
        NeedKind.service,
        "{name}的丈夫{spouse}因工伤去世，{name}独自抚养两个孩子，情绪低落，孩子{child}出现厌学。"
        "已获临时救助{aid}元，需要心理疏导和学业辅导。",
        "心理疏导与学业辅导",
        hours=24,
        service_type="心理疏导",
    ),
    Story(
        NeedCategory.housing,
        NeedKind.money,
        "{name}家住老旧平房，屋顶漏水，雨季墙体开裂，存在安全隐患。{name}患风湿性心脏病，"
        "无力修缮。已获临时救助{aid}元，维修估价约{cost}元。",
        "危房修缮资助",
        amount_yuan=12000,
    ),
    Story(
        NeedCategory.medical,
        NeedKind.goods,
        "{name}，{age}岁，因车祸双下肢截瘫，出院后需要轮椅和护理床。家中仅靠{spouse}打零工维持生活，"
        "已获临时救助{aid}元。",
        "轮椅与护理床",
        goods=(("轮椅", 1, "辆", 180000), ("护理床", 1, "张", 260000)),
    ),
    Story(
        NeedCategory.employment,
        NeedKind.service,
        "{name}失业一年，家中有患病老人需要照顾，希望获得就业指导和技能培训，以便就近就业。"
        "已获临时救助{aid}元。",
        "就业指导与技能培训",
        hours=16,
        service_type="就业指导",
    ),
)


def _id_number(rng: random.Random, county: str, born: date, female: bool) -> str:
    seq = rng.randrange(0, 999)
    if (seq % 2 == 1) == female:
        seq = (seq + 1) % 999
    body = f"{county}{born:%Y%m%d}{seq:03d}"
    return body + check_character(body)


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _household(rng: random.Random, community: str) -> tuple[CaseCreate, dict[str, str]]:
    today = date.today()
    head_born = date(rng.randint(1950, 1990), rng.randint(1, 12), rng.randint(1, 28))
    female = rng.random() < 0.5
    head = MemberIn(
        is_head=True,
        relation="户主",
        name=_name(rng),
        id_number=_id_number(rng, community[:6], head_born, female),
        phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
        address=(
            f"{rng.choice(('海滨', '福润', '新港', '金岸'))}小区{rng.randint(1, 30)}号楼"
            f"{rng.randint(1, 6)}单元{rng.randint(101, 1802)}室"
        ),
        illness=rng.choice((None, "尿毒症", "高血压", "糖尿病")),
        monthly_income_fen=rng.randint(0, 150_000),
    )
    spouse = MemberIn(
        relation="配偶",
        name=_name(rng),
        id_number=_id_number(
            rng, community[:6], head_born - timedelta(days=rng.randint(-900, 900)), not female
        ),
        employment=rng.choice(("物流公司", "建筑工地", "超市")),
        monthly_income_fen=rng.randint(0, 200_000),
    )
    child_born = date(
        min(today.year - 8, head_born.year + rng.randint(22, 35)),
        rng.randint(1, 12),
        rng.randint(1, 28),
    )
    child = MemberIn(
        relation="子女",
        name=_name(rng),
        id_number=_id_number(rng, community[:6], child_born, rng.random() < 0.5),
        school=f"滨海新区第{rng.randint(1, 9)}中学",
    )
    members = [head, spouse, child]  # every person a story names is a known identifier
    facts = {
        "name": head.name,
        "spouse": spouse.name,
        "child": child.name,
        "phone": head.phone or "",
        "employer": spouse.employment or "",
        "age": str(today.year - head_born.year),
    }
    case = CaseCreate(
        region_code=community,
        programme=rng.choice(
            (Programme.dibao, Programme.low_income, Programme.tekun, Programme.expenditure)
        ),
        income_stable=rng.random() < 0.4,
        members=members,
    )
    return case, facts


async def seed_households(staff: CurrentUser, reviewer: CurrentUser, count: int = 40) -> int:
    """Create ``count`` referred households with published needs, unless already there."""
    if await Case.exists().where(Case.created_by == staff.id):
        return 0
    rng = random.Random(20261125)
    assert staff.region_code
    communities = [
        row["code"]
        for row in await Region.select(Region.code)
        .where((Region.level == 5) & Region.code.like(staff.region_code[:6] + "%"))
        .order_by(Region.code)
    ][:12]
    today = date.today()
    created = 0
    submitted: list[str] = []
    for n in range(count):
        data, facts = _household(rng, communities[n % len(communities)])
        case = await create_case(staff, data)
        aid = rng.choice((1000, 2000, 3000, 5000))
        await add_grant(
            staff,
            case.ref,
            GrantCreate(
                kind=rng.choice((GrantKind.temporary_emergency, GrantKind.temporary_expenditure)),
                amount_fen=aid * 100,
                granted_on=today - timedelta(days=rng.randint(5, 60)),
                office="滨海新区塘沽街道办事处",
            ),
        )
        story = STORIES[n % len(STORIES)]
        narrative = story.narrative.format(
            **facts, years=rng.randint(1, 6), cost=rng.randint(20, 90) * 100, aid=aid
        )
        item = NeedItemIn(
            category=story.category,
            kind=story.kind,
            amount_fen=story.amount_yuan * 100 or None,
            goods=[
                GoodsLine(item=i, quantity=q, unit=u, unit_value_fen=v)
                for i, q, u, v in story.goods
            ],
            hours=story.hours or None,
            service_type=story.service_type,
            urgency=Urgency.urgent if rng.random() < 0.3 else Urgency.normal,
            deadline=today + timedelta(days=rng.randint(20, 120)),
            title=story.title,
        )
        referral = await create_referral(
            staff,
            case.ref,
            ReferralCreate(
                narrative=narrative,
                items=[item],
                consent=ConsentIn(consent_on=today, method=ConsentMethod.written),
            ),
        )
        if referral.remaining:
            continue  # the anonymiser still sees something: leave it as a draft for staff
        await submit_referral(staff, referral.ref)
        submitted.append(referral.ref)
        created += 1
    # Approve once every household is registered: k-anonymity counts the whole registry.
    for n, ref in enumerate(submitted):
        if n % 8 != 7:  # a few stay in the review queue for the demo reviewer
            await decide(reviewer, ref, Decision(approve=True))
    return created
