"""Reviewing referrals: a different person, with no declared relative in the household,
approves or rejects; approval publishes the needs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import structlog

from backend.accounts.guards import in_region_scope
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import RelativeDeclaration
from backend.audit.service import record
from backend.cases.service import MEMBER_ID_NUMBER
from backend.cases.tables import HouseholdMember
from backend.crypto import blind_index, cipher
from backend.errors import Conflict, Forbidden
from backend.needs.search_sync import need_changed
from backend.needs.service import profiles_for, publish
from backend.notifications.jobs import need_published
from backend.referrals.schemas import Decision, QueueEntry, ReferralRead
from backend.referrals.service import (
    _username,
    items_of,
    read_referral,
    referral_in_scope,
    refuse_identifiers,
)
from backend.referrals.tables import NeedItem, Referral, ReferralStatus
from backend.regions.service import full_name
from matching.vocabulary import NeedCategory

log = structlog.get_logger(__name__)


class OwnReferral(Forbidden):
    code = "own_referral"
    message = "不能审核本人创建的转介，请由其他审核人员审核"


class DeclaredRelative(Forbidden):
    code = "declared_relative"
    message = "该家庭中有您备案的近亲属，按回避规定不能由您审核"


class NotSubmitted(Conflict):
    code = "referral_not_submitted"
    message = "该转介不在待审核状态"


async def _relative_in_household(reviewer: CurrentUser, case_id: int) -> bool:
    declared = {
        r["id_number_index"]
        for r in await RelativeDeclaration.select(RelativeDeclaration.id_number_index).where(
            RelativeDeclaration.user == reviewer.id
        )
    }
    if not declared:
        return False
    index = blind_index()
    if len(index.key_ids) == 1:
        return await HouseholdMember.exists().where(
            (HouseholdMember.case == case_id)
            & HouseholdMember.id_number_index.is_in(list(declared))
        )
    # A blind-index key is being rotated: a declaration and a member may be indexed under
    # different keys, so the household's few ID numbers are hashed under every key.
    members = await HouseholdMember.select(HouseholdMember.id_number_sealed).where(
        HouseholdMember.case == case_id
    )
    box = cipher()
    return any(
        declared.intersection(
            index.candidates(box.open(m["id_number_sealed"], column=MEMBER_ID_NUMBER))
        )
        for m in members
    )


async def why_not(reviewer: CurrentUser, row: dict[str, Any]) -> Forbidden | None:
    """The rule that bars this reviewer from deciding, if any (回避)."""
    if row["created_by"] == reviewer.id:
        return OwnReferral()
    if await _relative_in_household(reviewer, row["case"]):
        return DeclaredRelative()
    return None


async def queue(reviewer: CurrentUser) -> list[QueueEntry]:
    rows = (
        await Referral.select(
            *Referral.all_columns(), Referral.case.region_code, Referral.case.ref_code
        )
        .where(Referral.status == ReferralStatus.submitted)
        .order_by(Referral.submitted_at)
    )
    entries = []
    for row in rows:
        if not in_region_scope(reviewer, row["case.region_code"]):
            continue
        refusal = await why_not(reviewer, row)
        categories = [
            NeedCategory(i["category"])
            for i in await NeedItem.select(NeedItem.category).where(NeedItem.referral == row["id"])
        ]
        entries.append(
            QueueEntry(
                ref=row["ref_code"],
                case_ref=row["case.ref_code"],
                region_name=await full_name(row["case.region_code"]),
                categories=categories,
                created_by=await _username(row["created_by"]) or "",
                submitted_at=row["submitted_at"],
                can_decide=refusal is None,
                why_not=refusal.message if refusal else "",
            )
        )
    return entries


async def decide(
    reviewer: CurrentUser, ref: str, decision: Decision, *, ip: str = ""
) -> ReferralRead:
    row = await referral_in_scope(reviewer, ref)
    refusal = await why_not(reviewer, row)
    if refusal is not None:
        raise refusal
    # Lock the row: two reviewers deciding at once must not both publish.
    updated = (
        await Referral.update(
            {Referral.reviewed_by: reviewer.id, Referral.reviewed_at: datetime.now(UTC)}
        )
        .where((Referral.id == row["id"]) & (Referral.status == ReferralStatus.submitted))
        .returning(Referral.id)
    )
    if not updated:
        raise NotSubmitted()
    if decision.approve:
        await refuse_identifiers(row)
        items = await items_of(row["id"])
        item_ids = [
            r["id"]
            for r in await NeedItem.select(NeedItem.id)
            .where(NeedItem.referral == row["id"])
            .order_by(NeedItem.seq)
        ]
        profiles = await profiles_for(
            row["case"], [i.category for i in items], datetime.now(UTC).date()
        )
        generalisation = {
            category: {
                "region_code": p.region_code,
                "age_band": p.age_band,
                "sex": p.sex,
                "household_size_band": p.household_size_band,
                "matches": p.matches,
                "k": p.k,
                "notes": list(p.notes),
            }
            for category, p in profiles.items()
        }
        public_ids = await publish(
            row["case"],
            row["id"],
            row["public_text"],
            list(zip(item_ids, items, strict=True)),
            profiles,
        )
        await Referral.update(
            {
                Referral.status: ReferralStatus.approved,
                Referral.decision_reason: decision.reason,
                Referral.generalisation: json.dumps(generalisation, ensure_ascii=False),
            }
        ).where(Referral.id == row["id"])
        for public_id in public_ids:
            need_changed(public_id)
            need_published(public_id)
        log.info("referral_approved", referral=ref, needs=len(public_ids))
    else:
        await Referral.update(
            {Referral.status: ReferralStatus.rejected, Referral.decision_reason: decision.reason}
        ).where(Referral.id == row["id"])
        log.info("referral_rejected", referral=ref)
    await record(
        reviewer,
        "referral.review",
        case_id=row["case"],
        detail="通过" if decision.approve else "退回",
        ip=ip,
    )
    return await read_referral(reviewer, ref, ip=ip, audit=False)
