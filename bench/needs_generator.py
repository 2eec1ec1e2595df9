"""Synthetic published needs: realistic Chinese text, deterministic, in any number.

For the search benchmark (100,000 needs), and reusable by the backend or another benchmark:
``generate_needs(n, seed)`` yields ``SyntheticNeed`` values that give the public projection
(``public()``), the search document (``document()``) or a row for a plain PostgreSQL table
(``pg_row()``, columns ``PG_COLUMNS``, schema ``PG_TABLE_DDL``) for an ``ILIKE``/``pg_trgm``
baseline over the same data. The same seed always gives the same needs.

Texts are assembled from the vocabulary of real referrals (illnesses and treatments, schools
and fees, housing repairs, goods, services) across the three fixture districts; they carry no
personal data, like real published needs.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from matching.vocabulary import (
    NEED_CATEGORY_LABELS,
    NEED_KIND_LABELS,
    URGENCY_LABELS,
    NeedCategory,
    NeedKind,
    Urgency,
)
from search.documents import NeedDocument

DEFAULT_SEED = 20240601

DISTRICTS = {"120116": "滨海新区", "500105": "江北区", "370902": "泰山区"}
#: The streets and towns of the three fixture districts (backend/regions/fixtures).
STREETS = {
    "120116001": "塘沽街道", "120116005": "杭州道街道", "120116006": "新河街道",
    "120116007": "大沽街道", "120116008": "新北街道", "120116009": "北塘街道",
    "120116011": "胡家园街道", "120116031": "汉沽街道", "120116032": "寨上街道",
    "120116033": "茶淀街道", "120116051": "大港街道", "120116053": "古林街道",
    "120116054": "海滨街道", "120116100": "新城镇", "120116156": "太平镇",
    "500105001": "华新街街道", "500105003": "石马河街道", "500105004": "大石坝街道",
    "500105005": "寸滩街道", "500105006": "观音桥街道", "500105007": "五里店街道",
    "500105008": "郭家沱街道", "500105009": "铁山坪街道", "500105100": "鱼嘴镇",
    "500105101": "复盛镇", "500105102": "五宝镇",
    "370902001": "岱庙街道", "370902002": "财源街道", "370902003": "泰前街道",
    "370902004": "上高街道", "370902005": "徐家楼街道", "370902100": "省庄镇",
    "370902101": "邱家店镇", "370902202": "大津口乡",
}  # fmt: skip
STATUS_LABELS = {
    "published": "募集中",
    "fully_pledged": "已足额认捐",
    "fulfilled": "已完成",
    "closed": "已关闭",
}
_STATUSES = (("published", 85), ("fully_pledged", 10), ("fulfilled", 3), ("closed", 2))

SUBJECTS = (
    "五十多岁的户主", "六十多岁的老人", "七十多岁的老人", "八十多岁的独居老人", "七岁男孩",
    "九岁女孩", "三十多岁的母亲", "四十多岁的父亲", "正在读初中的孩子", "高三学生",
    "单亲母亲", "残疾青年", "两岁的婴儿", "四十多岁的环卫工人", "外出务工返乡人员",
)  # fmt: skip
ILLNESSES = (
    ("尿毒症", "血液透析"), ("尿毒症", "腹膜透析"), ("肾功能衰竭", "肾透析"),
    ("急性白血病", "化疗"), ("乳腺癌", "化疗"), ("肺癌", "靶向治疗"), ("脑梗", "康复治疗"),
    ("脑瘫", "康复训练"), ("先天性心脏病", "手术"), ("糖尿病", "胰岛素治疗"),
    ("白内障", "手术"), ("小腿骨折", "内固定手术"), ("大面积烧伤", "植皮手术"),
    ("血友病", "凝血因子输注"), ("肝硬化", "抗病毒治疗"), ("抑郁症", "药物治疗"),
    ("慢阻肺", "家庭氧疗"), ("类风湿关节炎", "长期服药"), ("癫痫", "长期服药"),
    ("脑瘤", "术后复查"), ("听力障碍", "助听器适配"), ("股骨头坏死", "髋关节置换"),
)  # fmt: skip
EXAMS = ("CT检查", "MRI复查", "PET-CT检查", "胃镜检查", "骨髓穿刺", "心脏彩超", "基因检测")
SCHOOLS = ("大学", "职业技术学院", "高中", "初中", "小学", "中专", "技工学校", "卫生学校")
SCHOOL_COSTS = ("学费", "住宿费", "生活费", "校服和文具", "学习用电脑", "教辅资料", "交通费")
REPAIRS = (
    ("房屋漏水", "更换屋面防水层"), ("屋顶瓦片破损", "翻修屋顶"), ("墙体开裂", "加固墙体"),
    ("电路老化", "重新布线"), ("门窗变形漏风", "更换门窗"), ("卫生间地面湿滑", "适老化改造"),
    ("冬季取暖困难", "煤改电取暖设备"), ("上下水管道破裂", "更换管道"),
    ("院墙倒塌", "重砌院墙"), ("危房", "危房加固"),
)  # fmt: skip
GOODS = (
    ("轮椅", 600), ("护理床", 3000), ("助听器", 7000), ("制氧机", 3000), ("米面油", 400),
    ("冬衣棉被", 800), ("电暖器", 300), ("被褥和厨具", 1200), ("洗衣机", 1500),
    ("血糖仪和试纸", 500), ("防褥疮气垫", 600), ("假肢", 15000), ("电动代步车", 5000),
    ("学习用平板电脑", 2500), ("书包文具", 200),
)  # fmt: skip
SERVICES = (
    ("心理疏导", "psychological"), ("心理陪伴", "psychological"), ("哀伤辅导", "psychological"),
    ("陪诊", "care"), ("上门助浴", "care"), ("助餐送餐", "care"), ("喘息服务", "care"),
    ("上门照料", "care"), ("课业辅导", "education"), ("技能培训", "employment"),
    ("就业指导", "employment"), ("法律咨询", "other"), ("证件办理协助", "other"),
)  # fmt: skip
FAMILY = (
    "家中仅靠低保金维持生活。", "配偶需要全职照顾，无法外出工作。", "家中还有两个孩子在上学。",
    "父母年迈多病，家庭负担沉重。", "已享受临时救助，但仍有较大缺口。", "家庭已负债数万元。",
    "医保报销后自付部分仍然较大。", "子女在外地务工，很少回家。", "收入主要靠打零工，不稳定。",
)  # fmt: skip
CONTEXT = (
    "孩子平时很懂事，学习成绩在班里名列前茅。", "老人性格开朗，但近来身体每况愈下。",
    "邻居们时常帮忙照看，社区网格员每周上门探访。", "此前已获得临时救助两千元，用于应急。",
    "家里唯一的劳动力因病无法工作已近一年。", "一家人租住在城郊的平房里，条件简陋。",
)  # fmt: skip
APPEALS = (
    "希望爱心人士和公益组织给予帮助。", "社区已核实情况，恳请社会各界伸出援手。",
    "家庭已尽力自救，仍需社会帮助渡过难关。", "如能获得帮助，将按要求公开使用情况。",
)  # fmt: skip
#: Query words for the benchmark, drawn from the same vocabulary.
QUERY_WORDS = (
    "透析", "化疗", "康复", "手术", "学费", "大学", "生活费", "房屋漏水", "屋顶", "电路老化",
    "轮椅", "助听器", "制氧机", "米面油", "冬衣", "心理疏导", "陪诊", "助浴", "技能培训",
    "法律咨询", "CT检查", "MRI", "白血病", "尿毒症", "脑瘫", "糖尿病", "低保", "医保",
    "滨海新区", "江北区", "泰山区", "观音桥", "塘沽", "独居老人", "孩子", "急难", "醫療",
    "大学 学费", "血液透析", "适老化改造",
)  # fmt: skip

PG_TABLE = "bench_need"
PG_COLUMNS = (
    "id", "title", "story", "category", "kind", "urgency", "status", "region_code",
    "region_name", "district_code", "street_code", "remaining_fen", "remaining_hours",
    "deadline", "published_at",
)  # fmt: skip
PG_TABLE_DDL = f"""
CREATE TABLE IF NOT EXISTS {PG_TABLE} (
    id text PRIMARY KEY,
    title text NOT NULL,
    story text NOT NULL,
    category text NOT NULL,
    kind text NOT NULL,
    urgency text NOT NULL,
    status text NOT NULL,
    region_code char(12) NOT NULL,
    region_name text NOT NULL,
    district_code char(12),
    street_code char(12),
    remaining_fen bigint NOT NULL,
    remaining_hours integer NOT NULL,
    deadline date NOT NULL,
    published_at timestamptz NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class SyntheticNeed:
    id: str
    title: str
    story: str
    category: str
    kind: str
    urgency: str
    status: str
    region_code: str
    district_name: str
    street_name: str | None
    remaining_fen: int
    remaining_hours: int
    deadline: date
    published_at: datetime

    @property
    def region_name(self) -> str:
        return self.district_name + (self.street_name or "")

    def public(self) -> dict[str, Any]:
        """The need as its public projection would show it (the keys the index reads)."""
        category, kind, urgency = (
            NeedCategory(self.category),
            NeedKind(self.kind),
            Urgency(self.urgency),
        )
        return {
            "id": self.id,
            "title": self.title,
            "story": self.story,
            "category": category,
            "category_label": NEED_CATEGORY_LABELS[category],
            "kind": kind,
            "kind_label": NEED_KIND_LABELS[kind],
            "urgency": urgency,
            "urgency_label": URGENCY_LABELS[urgency],
            "status": self.status,
            "status_label": STATUS_LABELS[self.status],
            "region_code": self.region_code,
            "region_name": self.region_name,
            "goods": [],
            "service_type": "",
            "deadline": self.deadline,
            "published_at": self.published_at,
        }

    def document(self) -> NeedDocument:
        return NeedDocument.from_public(
            self.public(),
            remaining_fen=self.remaining_fen,
            remaining_hours=self.remaining_hours,
            district_name=self.district_name,
            street_name=self.street_name,
        )

    def pg_row(self) -> tuple[Any, ...]:
        """The values of ``PG_COLUMNS``, e.g. for asyncpg's ``copy_records_to_table``."""
        street = self.region_code[:9] + "000" if self.street_name else None
        return (
            self.id, self.title, self.story, self.category, self.kind, self.urgency, self.status,
            self.region_code, self.region_name, self.region_code[:6] + "000000", street,
            self.remaining_fen, self.remaining_hours, self.deadline, self.published_at,
        )  # fmt: skip


def _medical(r: random.Random, subject: str) -> tuple[str, str, str, str]:
    illness, treatment = r.choice(ILLNESSES)
    if r.random() < 0.25:
        exam = r.choice(EXAMS)
        title = f"{illness}患者需做{exam}"
        detail = f"医生建议尽快做{exam}并进行{treatment}，检查费用暂时无法筹措。"
    else:
        title = r.choice(
            (f"{illness}患者{treatment}费用缺口", f"{subject}患{illness}需要{treatment}")
        )
        detail = f"目前每月{treatment}费用约{r.randrange(2, 30) * 500}元。"
    period = r.choice(("半年", "一年多", "两年", "三个月", "数年"))
    story = f"{subject}确诊{illness}已有{period}，{detail}"
    return "medical", "money", title, story


def _education(r: random.Random, subject: str) -> tuple[str, str, str, str]:
    school, cost = r.choice(SCHOOLS), r.choice(SCHOOL_COSTS)
    kind = "goods" if cost in ("校服和文具", "学习用电脑", "教辅资料") else "money"
    title = r.choice((f"{school}学生{cost}资助", f"困难家庭{school}生{cost}缺口"))
    story = (
        f"家中孩子就读于{school}，今年的{cost}约{r.randrange(5, 60) * 100}元尚未凑齐。"
        f"已申请助学金，仍有缺口。"
    )
    return "education", kind, title, story


def _housing(r: random.Random, subject: str) -> tuple[str, str, str, str]:
    problem, fix = r.choice(REPAIRS)
    title = r.choice((f"{problem}急需维修", f"老旧房屋{problem}需要{fix}"))
    story = (
        f"{subject}居住的房屋建于{r.choice(('七十', '八十', '九十'))}年代，{problem}，需要{fix}。"
    )
    return "housing", "money", title, story


def _goods(r: random.Random, subject: str) -> tuple[str, str, str, str]:
    item, _ = r.choice(GOODS)
    category = "care" if item in ("轮椅", "护理床", "防褥疮气垫", "电动代步车") else "living"
    title = r.choice((f"{subject}需要{item}", f"困难家庭急需{item}"))
    situation = r.choice(("行动不便", "长期卧床", "入冬后", "因病"))
    story = f"{subject}生活困难，{situation}，希望捐赠{item}。"
    return category, "goods", title, story


def _service(r: random.Random, subject: str) -> tuple[str, str, str, str]:
    service, category = r.choice(SERVICES)
    title = r.choice((f"{subject}需要{service}", f"困难家庭{service}服务"))
    situation = r.choice(("情绪低落", "行动不便", "长期失业", "独自生活"))
    story = f"{subject}{situation}，希望志愿者提供{service}，每周一到两次。"
    return category, "service", title, story


_MAKERS = ((_medical, 35), (_education, 15), (_housing, 15), (_goods, 20), (_service, 15))


def generate_needs(n: int, seed: int = DEFAULT_SEED) -> Iterator[SyntheticNeed]:
    """``n`` needs, always the same ones for the same seed."""
    r = random.Random(seed)
    streets = list(STREETS)
    makers = [m for m, _ in _MAKERS]
    maker_weights = [w for _, w in _MAKERS]
    statuses = [s for s, _ in _STATUSES]
    status_weights = [w for _, w in _STATUSES]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for _ in range(n):
        subject = r.choice(SUBJECTS)
        maker = r.choices(makers, maker_weights)[0]
        category, kind, title, story = maker(r, subject)
        story += r.choice(FAMILY) + r.choice(FAMILY) + r.choice(CONTEXT) + r.choice(APPEALS)
        street = r.choice(streets)
        generalised = r.random() < 0.1  # k-anonymity lifted the need to its district
        code = (street[:6] if generalised else street).ljust(12, "0")
        if kind == "service":
            fen, hours = 0, r.randrange(4, 80)
        else:
            fen, hours = r.randrange(2, 800) * 10_000, 0
        yield SyntheticNeed(
            id=base64.urlsafe_b64encode(r.randbytes(12)).decode(),
            title=title,
            story=story,
            category=category,
            kind=kind,
            urgency="urgent" if r.random() < 0.25 else "normal",
            status=r.choices(statuses, status_weights)[0],
            region_code=code,
            district_name=DISTRICTS[street[:6]],
            street_name=None if generalised else STREETS[street],
            remaining_fen=fen,
            remaining_hours=hours,
            deadline=date(2026, 1, 1) + timedelta(days=r.randrange(365)),
            published_at=start + timedelta(seconds=r.randrange(365 * 86400)),
        )
