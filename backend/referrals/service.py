"""Drafting referrals: narrative in, anonymised public text out, until nothing is left to remove.

The anonymiser runs on the narrative with everything the case record knows about the
household; staff may then edit the public text, which is checked again on every save, on
submission and once more at approval.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import structlog

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import User
from backend.audit.service import record
from backend.cases.service import case_in_scope, members_of
from backend.cases.tables import AssistanceGrant
from backend.crypto import cipher
from backend.errors import Conflict, NotFound
from backend.referrals.schemas import (
    ConsentIn,
    FindingRead,
    NeedItemIn,
    NeedItemRead,
    ReferralCreate,
    ReferralRead,
    ReferralUpdate,
)
from backend.referrals.tables import NeedItem, Referral, ReferralStatus
from matching.anonymiser import Finding, Known, anonymise, remaining_identifiers
from matching.vocabulary import (
    NEED_CATEGORY_LABELS,
    NEED_KIND_LABELS,
    TEMPORARY_ASSISTANCE,
    NeedCategory,
)

log = structlog.get_logger(__name__)

_NARRATIVE = "referral.narrative"
_WITNESS = "referral.consent_witness"
#: Every sealed column of ``referral`` and its associated data (for key rotation).
SEALED_COLUMNS = {"narrative_sealed": _NARRATIVE, "consent_witness_sealed": _WITNESS}


class NoTemporaryAssistance(Conflict):
    code = "no_temporary_assistance"
    message = (
        "转介前须先登记临时救助：按政策，对临时救助后仍有困难的家庭才可转介慈善组织，"
        "请先在救助记录中登记临时救助（急难型或支出型）"
    )


class DuplicateOpenNeed(Conflict):
    code = "duplicate_open_need"


async def refuse_duplicate_needs(case_id: int, categories: set[str]) -> None:
    """One household may have one open need per category: a second referral names the first.

    Open means published (募集中), fully pledged or awaiting re-verification, or a referral of
    that category still in draft or review. Staff alone see this answer.
    """
    from backend.needs.tables import Need, NeedStatus

    open_need = (
        await Need.select(Need.public_id, Need.category)
        .where(
            (Need.case == case_id)
            & Need.category.is_in(list(categories))
            & Need.status.is_in([NeedStatus.published, NeedStatus.fully_pledged, NeedStatus.lapsed])
        )
        .first()
    )
    if open_need is not None:
        label = NEED_CATEGORY_LABELS[NeedCategory(open_need["category"])]
        raise DuplicateOpenNeed(
            f"该家庭已有{label}类在办需求（需求编号 {open_need['public_id']}），"
            "不能重复转介同类需求",
            field="items",
        )
    pending = (
        await NeedItem.select(NeedItem.category, NeedItem.referral.ref_code)
        .where(
            (NeedItem.referral.case == case_id)
            & NeedItem.category.is_in(list(categories))
            & NeedItem.referral.status.is_in([ReferralStatus.draft, ReferralStatus.submitted])
        )
        .first()
    )
    if pending is not None:
        label = NEED_CATEGORY_LABELS[NeedCategory(pending["category"])]
        raise DuplicateOpenNeed(
            f"该家庭已有{label}类转介正在办理（转介编号 {pending['referral.ref_code']}），"
            "请在原转介中修改",
            field="items",
        )


class ReferralNotFound(NotFound):
    code = "referral_not_found"
    message = "未找到该转介，或不在您的管辖范围内"


class ReferralNotEditable(Conflict):
    code = "referral_not_editable"
    message = "该转介已提交或已审核，不能再修改"


class ConsentMissing(Conflict):
    code = "consent_missing"
    message = "提交前须登记家庭对公开发布的同意（日期、方式、见证人）"


class IdentifiersRemain(Conflict):
    code = "identifiers_remain"

    def __init__(self, findings: tuple[Finding, ...]) -> None:
        kinds = "、".join(sorted({f.reason for f in findings}))
        super().__init__(f"公开文本中仍有可识别信息，请修改后再提交：{kinds}", field="public_text")


def _now() -> datetime:
    return datetime.now(UTC)


async def known_identifiers(case_id: int) -> Known:
    """Everything the case record knows that could identify the household."""
    members = await members_of(case_id)
    return Known(
        names=tuple(m.name for m in members),
        id_numbers=tuple(m.id_number for m in members),
        phones=tuple(m.phone for m in members if m.phone),
        addresses=tuple(m.address for m in members if m.address),
        schools=tuple(m.school for m in members if m.school),
        employers=tuple(m.employment for m in members if m.employment),
    )


def _finding(f: Finding) -> FindingRead:
    return FindingRead(
        kind=f.kind,
        start=f.start,
        end=f.end,
        replacement=f.replacement,
        source=f.source,
        reason=f.reason,
    )


def _default_title(item: NeedItemIn) -> str:
    return f"{NEED_CATEGORY_LABELS[item.category]}帮扶（{NEED_KIND_LABELS[item.kind]}）"


def _item_row(referral_id: int, seq: int, item: NeedItemIn) -> NeedItem:
    return NeedItem(
        referral=referral_id,
        seq=seq,
        category=item.category,
        kind=item.kind,
        amount_fen=item.amount_fen,
        goods=json.dumps([line.model_dump() for line in item.goods], ensure_ascii=False),
        hours=item.hours,
        service_type=item.service_type,
        urgency=item.urgency,
        deadline=item.deadline,
        title=item.title.strip() or _default_title(item),
    )


def _consent_values(consent: ConsentIn) -> dict[Any, Any]:
    return {
        Referral.consent_on: consent.consent_on,
        Referral.consent_method: consent.method,
        Referral.consent_witness_sealed: cipher().seal_optional(consent.witness, column=_WITNESS),
    }


async def create_referral(
    user: CurrentUser, case_ref: str, data: ReferralCreate, *, ip: str = ""
) -> ReferralRead:
    case = await case_in_scope(user, case_ref)
    temporary = await AssistanceGrant.exists().where(
        (AssistanceGrant.case == case["id"])
        & AssistanceGrant.kind.is_in(list(TEMPORARY_ASSISTANCE))
    )
    if not temporary:
        raise NoTemporaryAssistance()
    await refuse_duplicate_needs(case["id"], {item.category.value for item in data.items})
    draft = anonymise(data.narrative, await known_identifiers(case["id"]))
    referral = Referral(
        ref_code=secrets.token_urlsafe(9),
        case=case["id"],
        status=ReferralStatus.draft,
        narrative_sealed=cipher().seal(data.narrative, column=_NARRATIVE),
        public_text=draft.text,
        findings=json.dumps([_finding(f).model_dump() for f in draft.findings], ensure_ascii=False),
        created_by=user.id,
    )
    await referral.save()
    await NeedItem.insert(
        *[_item_row(referral.id, seq, item) for seq, item in enumerate(data.items, start=1)]
    )
    if data.consent:
        await Referral.update(_consent_values(data.consent)).where(Referral.id == referral.id)
    await record(
        user, "referral.create", case_id=case["id"], detail=f"需求{len(data.items)}项", ip=ip
    )
    log.info("referral_created", referral=referral.ref_code, findings=len(draft.findings))
    return await read_referral(user, referral.ref_code, ip=ip, audit=False)


async def referral_in_scope(user: CurrentUser, ref: str) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await Referral.select(
            *Referral.all_columns(), Referral.case.ref_code, Referral.case.region_code
        )
        .where(Referral.ref_code == ref)
        .first()
    )
    if row is None:
        raise ReferralNotFound()
    try:
        await case_in_scope(user, row["case.ref_code"])
    except NotFound:
        raise ReferralNotFound() from None
    return row


async def items_of(referral_id: int) -> list[NeedItemRead]:
    rows = await NeedItem.select().where(NeedItem.referral == referral_id).order_by(NeedItem.seq)
    return [
        NeedItemRead(
            seq=row["seq"],
            category=row["category"],
            kind=row["kind"],
            amount_fen=row["amount_fen"],
            goods=json.loads(row["goods"]) if isinstance(row["goods"], str) else row["goods"],
            hours=row["hours"],
            service_type=row["service_type"],
            urgency=row["urgency"],
            deadline=row["deadline"],
            title=row["title"],
        )
        for row in rows
    ]


async def _username(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    row = await User.select(User.display_name).where(User.id == user_id).first()
    return row["display_name"] if row else None


async def read_referral(
    user: CurrentUser, ref: str, *, ip: str = "", audit: bool = True
) -> ReferralRead:
    from backend.needs.tables import Need

    row = await referral_in_scope(user, ref)
    if audit:
        await record(user, "referral.view", case_id=row["case"], detail="转介原文", ip=ip)
    known = await known_identifiers(row["case"])
    findings = json.loads(row["findings"]) if isinstance(row["findings"], str) else row["findings"]
    needs = await Need.select(Need.public_id).where(Need.referral == row["id"])
    return ReferralRead(
        ref=row["ref_code"],
        case_ref=row["case.ref_code"],
        status=ReferralStatus(row["status"]),
        narrative=cipher().open(row["narrative_sealed"], column=_NARRATIVE),
        public_text=row["public_text"],
        findings=[FindingRead(**f) for f in findings],
        remaining=[_finding(f) for f in remaining_identifiers(row["public_text"], known)],
        items=await items_of(row["id"]),
        consent_on=row["consent_on"],
        consent_method=row["consent_method"],
        created_by=await _username(row["created_by"]) or "",
        created_at=row["created_at"],
        reviewed_by=await _username(row["reviewed_by"]),
        decision_reason=row["decision_reason"],
        need_ids=[n["public_id"] for n in needs],
    )


async def update_referral(
    user: CurrentUser, ref: str, data: ReferralUpdate, *, ip: str = ""
) -> ReferralRead:
    """Edit a draft (or a rejected referral, which goes back to draft)."""
    row = await referral_in_scope(user, ref)
    if row["status"] not in (ReferralStatus.draft, ReferralStatus.rejected):
        raise ReferralNotEditable()
    values: dict[Any, Any] = {Referral.status: ReferralStatus.draft}
    if data.narrative is not None:
        draft = anonymise(data.narrative, await known_identifiers(row["case"]))
        values[Referral.narrative_sealed] = cipher().seal(data.narrative, column=_NARRATIVE)
        values[Referral.public_text] = draft.text
        values[Referral.findings] = json.dumps(
            [_finding(f).model_dump() for f in draft.findings], ensure_ascii=False
        )
    if data.public_text is not None:
        values[Referral.public_text] = data.public_text
    if data.consent is not None:
        values.update(_consent_values(data.consent))
    await Referral.update(values).where(Referral.id == row["id"])
    await record(user, "referral.update", case_id=row["case"], detail="修改草稿", ip=ip)
    return await read_referral(user, ref, ip=ip, audit=False)


async def submit_referral(user: CurrentUser, ref: str, *, ip: str = "") -> ReferralRead:
    row = await referral_in_scope(user, ref)
    if row["status"] not in (ReferralStatus.draft, ReferralStatus.rejected):
        raise ReferralNotEditable()
    if row["consent_on"] is None:
        raise ConsentMissing()
    await refuse_identifiers(row)
    await Referral.update(
        {Referral.status: ReferralStatus.submitted, Referral.submitted_at: _now()}
    ).where(Referral.id == row["id"])
    await record(user, "referral.update", case_id=row["case"], detail="提交审核", ip=ip)
    return await read_referral(user, ref, ip=ip, audit=False)


async def refuse_identifiers(row: dict[str, Any]) -> None:
    """Publication is refused while the public text or a title still identifies anyone."""
    known = await known_identifiers(row["case"])
    titles = " ".join(item.title for item in await items_of(row["id"]))
    remaining = remaining_identifiers(row["public_text"], known) + remaining_identifiers(
        titles, known
    )
    if remaining:
        raise IdentifiersRemain(remaining)


async def referrals_of_case(case_ref: str) -> list[dict[str, Any]]:
    """The case's referrals, newest first, with their need categories (no personal data).

    The caller has checked that the case is in the user's scope.
    """
    referrals: list[dict[str, Any]] = (
        await Referral.select(
            Referral.id,
            Referral.ref_code,
            Referral.status,
            Referral.created_at,
            Referral.submitted_at,
        )
        .where(Referral.case.ref_code == case_ref)
        .order_by(Referral.id, ascending=False)
    )
    items = await NeedItem.select(NeedItem.referral, NeedItem.category).where(
        NeedItem.referral.is_in([r["id"] for r in referrals] or [0])
    )
    for referral in referrals:
        referral["categories"] = sorted(
            {i["category"] for i in items if i["referral"] == referral["id"]}
        )
    return referrals
