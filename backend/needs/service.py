"""Publishing needs, and reading them through the one public projection."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime
from typing import Any

from backend.cases.service import households
from backend.cases.tables import AssistanceGrant, Case, HouseholdMember
from backend.errors import NotFound
from backend.events.service import record_event
from backend.ledger import service as ledger
from backend.needs.schemas import GoodsPublic, NeedPublic
from backend.needs.tables import NEED_STATUS_LABELS, Need, NeedStatus
from backend.policy.service import int_at
from backend.referrals.schemas import NeedItemRead
from backend.regions.service import full_name
from matching.calendar import add_months
from matching.kanon import Household, PublicProfile, public_profile
from matching.ledger import EntryKind
from matching.policy_rules import K_ANONYMITY
from matching.vocabulary import (
    NEED_CATEGORY_LABELS,
    NEED_KIND_LABELS,
    SEX_LABELS,
    URGENCY_LABELS,
    NeedCategory,
    NeedKind,
    Sex,
    Urgency,
)

PUBLIC_STATUSES = (
    NeedStatus.published,
    NeedStatus.fully_pledged,
    NeedStatus.fulfilled,
    NeedStatus.closed,
)


class NeedNotFound(NotFound):
    code = "need_not_found"
    message = "未找到该需求"


async def _subject(case_id: int, on: date) -> Household:
    head = (
        await HouseholdMember.select(HouseholdMember.birth_year, HouseholdMember.sex)
        .where((HouseholdMember.case == case_id) & HouseholdMember.is_head.eq(True))
        .first()
    )
    size = await HouseholdMember.count().where(HouseholdMember.case == case_id)
    case = await Case.select(Case.region_code).where(Case.id == case_id).first()
    assert head is not None and case is not None
    return Household(
        community_code=case["region_code"],
        head_age=on.year - head["birth_year"],
        head_sex=head["sex"],
        size=size,
        categories=frozenset(),
    )


async def profiles_for(case_id: int, categories: list[str], on: date) -> dict[str, PublicProfile]:
    """The k-anonymous public profile per category of the case's needs."""
    subject = await _subject(case_id, on)
    region = subject.community_code
    k = await int_at(K_ANONYMITY, on, region)
    registry = await households(on)
    return {
        category: public_profile(
            Household(
                community_code=subject.community_code,
                head_age=subject.head_age,
                head_sex=subject.head_sex,
                size=subject.size,
                categories=frozenset({category}),
            ),
            category,
            registry,
            k,
        )
        for category in set(categories)
    }


async def review_due_on(case_id: int, on: date) -> date:
    case = (
        await Case.select(Case.region_code, Case.review_cycle, Case.verified_on)
        .where(Case.id == case_id)
        .first()
    )
    assert case is not None
    months = await int_at(f"review_cycle_months.{case['review_cycle']}", on, case["region_code"])
    return add_months(case["verified_on"], months)


async def publish(
    case_id: int,
    referral_id: int,
    story: str,
    items: list[tuple[int, NeedItemRead]],
    profiles: dict[str, PublicProfile],
) -> list[str]:
    """Publish one need per item, with the k-anonymous profile of its category."""
    today = date.today()
    due = await review_due_on(case_id, today)
    aid = sum(
        g["amount_fen"]
        for g in await AssistanceGrant.select(AssistanceGrant.amount_fen).where(
            AssistanceGrant.case == case_id
        )
    )
    public_ids = []
    for item_id, item in items:
        profile = profiles[item.category]
        public_id = secrets.token_urlsafe(12)
        await Need.insert(
            Need(
                public_id=public_id,
                case=case_id,
                referral=referral_id,
                need_item=item_id,
                title=item.title,
                story=story,
                category=item.category,
                kind=item.kind,
                urgency=item.urgency,
                region_code=profile.region_code,
                age_band=profile.age_band,
                sex=profile.sex,
                household_size_band=profile.household_size_band,
                target_fen=(
                    item.amount_fen if item.kind == NeedKind.money else item.goods_value_fen or None
                ),
                target_hours=item.hours if item.kind == NeedKind.service else None,
                goods=json.dumps([g.model_dump() for g in item.goods], ensure_ascii=False),
                service_type=item.service_type,
                deadline=item.deadline,
                status=NeedStatus.published,
                published_at=datetime.now(UTC),
                review_due_on=due,
                government_aid_fen=aid,
            )
        )
        public_ids.append(public_id)
    for row in await Need.select(
        Need.id, Need.public_id, Need.target_fen, Need.target_hours, Need.category
    ).where(Need.public_id.is_in(public_ids)):
        await record_event(
            "need.published",
            need_id=row["id"],
            target_fen=row["target_fen"],
            target_hours=row["target_hours"],
            government_aid_fen=aid,
        )
        await ledger.append(
            EntryKind.government_aid,
            amount_fen=aid,
            need=row["public_id"],
            details={
                "category": row["category"],
                "target_fen": row["target_fen"],
                "target_hours": row["target_hours"],
            },
        )
    return public_ids


async def to_public(row: dict[str, Any]) -> NeedPublic:
    goods = json.loads(row["goods"]) if isinstance(row["goods"], str) else row["goods"]
    category, kind, urgency = (
        NeedCategory(row["category"]),
        NeedKind(row["kind"]),
        Urgency(row["urgency"]),
    )
    status = NeedStatus(row["status"])
    return NeedPublic(
        id=row["public_id"],
        title=row["title"],
        story=row["story"],
        category=category,
        category_label=NEED_CATEGORY_LABELS[category],
        kind=kind,
        kind_label=NEED_KIND_LABELS[kind],
        urgency=urgency,
        urgency_label=URGENCY_LABELS[urgency],
        region_code=row["region_code"],
        region_name=await full_name(row["region_code"]),
        age_band=row["age_band"],
        sex_label=SEX_LABELS[Sex(row["sex"])] if row["sex"] else None,
        household_size_band=row["household_size_band"],
        target_fen=row["target_fen"],
        target_hours=row["target_hours"],
        goods=[GoodsPublic(**g) for g in goods],
        service_type=row["service_type"],
        deadline=row["deadline"],
        status=status,
        status_label=NEED_STATUS_LABELS[status],
        published_at=row["published_at"],
        review_due_on=row["review_due_on"],
        government_aid_fen=row["government_aid_fen"],
        pledged_fen=row["pledged_fen"],
        pledged_hours=row["pledged_hours"],
        remaining_fen=remaining(row)[0],
        remaining_hours=remaining(row)[1],
    )


#: Only these columns are ever read for the public projection.
PUBLIC_COLUMNS = (
    Need.public_id,
    Need.title,
    Need.story,
    Need.category,
    Need.kind,
    Need.urgency,
    Need.region_code,
    Need.age_band,
    Need.sex,
    Need.household_size_band,
    Need.target_fen,
    Need.target_hours,
    Need.goods,
    Need.service_type,
    Need.deadline,
    Need.status,
    Need.published_at,
    Need.review_due_on,
    Need.government_aid_fen,
    Need.pledged_fen,
    Need.pledged_hours,
)


async def public_need(public_id: str) -> NeedPublic:
    row = (
        await Need.select(*PUBLIC_COLUMNS)
        .where((Need.public_id == public_id) & Need.status.is_in(list(PUBLIC_STATUSES)))
        .first()
    )
    if row is None:
        raise NeedNotFound()
    return await to_public(row)


async def latest_public_needs(limit: int = 20) -> list[NeedPublic]:
    rows = (
        await Need.select(*PUBLIC_COLUMNS)
        .where(Need.status.is_in(list(PUBLIC_STATUSES)))
        .order_by(Need.published_at, ascending=False)
        .limit(limit)
    )
    return [await to_public(row) for row in rows]


def remaining(row: dict[str, Any]) -> tuple[int, int]:
    """What is still open: fen for money and goods needs, hours for service needs."""
    if row["kind"] == NeedKind.service:
        return 0, max((row["target_hours"] or 0) - row["pledged_hours"], 0)
    return max((row["target_fen"] or 0) - row["pledged_fen"], 0), 0
