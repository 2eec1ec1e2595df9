"""Cases: recording households, finding them, reading them (audited), and their grants.

Staff work within their region: a case outside it does not exist for them (404, not 403, so
nothing is learnt by probing). Personal fields are sealed on the way in and opened only here.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import structlog

from backend.accounts.guards import in_region_scope
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import REGION_SCOPED_ROLES
from backend.audit.service import record
from backend.audit.tables import AuditEntry
from backend.cases.schemas import (
    CaseCreate,
    CaseRead,
    CaseSummary,
    GrantCreate,
    GrantRead,
    MemberIn,
    MemberRead,
    StageRead,
)
from backend.cases.tables import AssistanceGrant, Case, GrantStage, HouseholdMember
from backend.crypto import blind_index, cipher
from backend.db import UNIQUE_VIOLATIONS
from backend.errors import Conflict, FieldInvalid, NotFound
from backend.regions.service import full_name
from backend.regions.tables import Region
from matching.identity import check_id_number, normalise
from matching.kanon import Household
from matching.regions import InvalidRegionCode, level_of, significant_prefix
from matching.vocabulary import GrantKind, Programme, ReviewCycle, Sex, review_cycle_for

log = structlog.get_logger(__name__)

_SEALED = ("name", "id_number", "phone", "address", "illness", "school", "employment")
#: Cases a name search decrypts at most; a district holds far fewer open cases than this.
NAME_SEARCH_LIMIT = 5000
#: Values per ``IN (...)`` list when looking up many codes or hashes at once.
_IN_CHUNK = 1000


class CaseNotFound(NotFound):
    code = "case_not_found"
    message = "未找到该救助对象，或不在您的管辖范围内"


class PersonAlreadyRegistered(Conflict):
    code = "person_already_registered"


class RegionOutsideScope(FieldInvalid):
    code = "region_out_of_scope"
    message = "所属社区不在您的管辖范围内"


def _column(name: str) -> str:
    """The AES-GCM associated data of a member's sealed field."""
    return f"household_member.{name}"


MEMBER_ID_NUMBER = _column("id_number")
#: Every sealed column of ``household_member`` and its associated data (for key rotation).
SEALED_COLUMNS = {f"{f}_sealed": _column(f) for f in (*_SEALED, "birth_date")}


def _now() -> datetime:
    return datetime.now(UTC)


def _is_community_code(code: str) -> bool:
    try:
        return level_of(code) == 5
    except InvalidRegionCode:
        return False


async def registered_communities(codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` are registered communities (村/社区), in one query per thousand."""
    wanted = sorted({c for c in codes if _is_community_code(c)})
    found: set[str] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        rows = await Region.select(Region.code).where(
            Region.code.is_in(wanted[start : start + _IN_CHUNK])
        )
        found.update(r["code"] for r in rows)
    return found


def region_problem(
    user: CurrentUser, region_code: str, communities: set[str]
) -> FieldInvalid | None:
    """Why ``user`` may not record a case in ``region_code`` (None if she may); shared by the
    case form and the bulk import so both refuse the same regions the same way."""
    if region_code not in communities:
        return FieldInvalid(
            "所属地区须为已登记的社区（村）", field="region_code", code="not_a_community"
        )
    if not in_region_scope(user, region_code):
        return RegionOutsideScope(field="region_code")
    return None


async def _check_region(user: CurrentUser, region_code: str) -> None:
    problem = region_problem(user, region_code, await registered_communities([region_code]))
    if problem is not None:
        raise problem


async def registered_people(numbers: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Current-key blind index → ``{"case": id, "region_code": ...}`` of the ID ``numbers``
    already registered. Every blind-index key is searched, so a person indexed under a key
    being rotated out is still found (de-duplication holds during the rotation)."""
    index = blind_index()
    current: dict[str, str] = {}  # any key's hash → the current key's hash
    for number in numbers:
        candidates = index.candidates(number)
        current.update(dict.fromkeys(candidates, candidates[0]))
    wanted = sorted(current)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        rows = await HouseholdMember.select(
            HouseholdMember.id_number_index,
            HouseholdMember.case.as_alias("case"),
            HouseholdMember.case.region_code.as_alias("region_code"),
        ).where(HouseholdMember.id_number_index.is_in(wanted[start : start + _IN_CHUNK]))
        found.update({current[r["id_number_index"]]: r for r in rows})
    return found


def registered_elsewhere_message(where: str) -> str:
    return f"该身份证号已在{where}登记为救助对象，请联系该地区民政部门协办（就近受理、全城协办）"


async def _refuse_registered_people(members: list[MemberIn]) -> dict[str, str]:
    """One person belongs to one case platform-wide; say where, and nothing else."""
    index = blind_index()
    hashes = {index.id_number(m.id_number): m.id_number for m in members}
    found = await registered_people(hashes.values())
    if found:
        first, row = next(iter(found.items()))
        where = await full_name(row["region_code"])
        position = next(i for i, m in enumerate(members) if index.id_number(m.id_number) == first)
        raise PersonAlreadyRegistered(
            registered_elsewhere_message(where),
            field=f"members.{position}.id_number",
        )
    return hashes


def _sealed_member(case_id: int, member: MemberIn, id_index: str) -> HouseholdMember:
    box = cipher()
    identity = check_id_number(member.id_number)
    values: dict[str, Any] = {
        f"{field}_sealed": box.seal_optional(getattr(member, field), column=_column(field))
        for field in _SEALED
    }
    return HouseholdMember(
        case=case_id,
        is_head=member.is_head,
        relation=member.relation,
        id_number_index=id_index,
        id_number_index_key=blind_index().current_key_id,
        birth_date_sealed=box.seal(identity.birth_date.isoformat(), column=_column("birth_date")),
        birth_year=identity.birth_date.year,
        sex=identity.sex,
        disability_grade=member.disability_grade,
        monthly_income_fen=member.monthly_income_fen,
        **values,
    )


async def create_case(user: CurrentUser, data: CaseCreate, *, ip: str = "") -> CaseRead:
    await _check_region(user, data.region_code)
    await _refuse_registered_people(data.members)
    try:
        [case] = await insert_cases(user, [(data, [])], ip=ip)
    except UNIQUE_VIOLATIONS:
        # Another request registered the same person between our check and this insert.
        await _refuse_registered_people(data.members)
        raise
    log.info("case_created", case=case.ref_code, members=len(data.members))
    return await _read(case.id, warnings=_warnings(data.members))


async def insert_cases(
    user: CurrentUser,
    batch: Sequence[tuple[CaseCreate, Sequence[GrantCreate]]],
    *,
    ip: str = "",
    how: str = "",
) -> list[Case]:
    """Write cases already checked (region, registered people) with their grants, sealed and
    audited, in a handful of statements whatever the batch size: the case form writes a batch
    of one, the bulk import hundreds. A unique violation (someone registered the same person
    meanwhile) propagates; the caller's transaction or savepoint undoes the whole batch."""
    if not batch:
        return []
    index = blind_index()
    now = _now()
    cases = [
        Case(
            ref_code=secrets.token_urlsafe(9),
            region_code=data.region_code,
            programme=data.programme,
            monthly_income_fen=sum(m.monthly_income_fen for m in data.members),
            income_stable=data.income_stable,
            review_cycle=review_cycle_for(data.programme, data.income_stable),
            verified_on=data.verified_on or date.today(),
            created_by=user.id,
            created_at=now,
            updated_at=now,
        )
        for data, _ in batch
    ]
    await Case.insert(*cases)
    await HouseholdMember.insert(
        *[
            _sealed_member(case.id, m, index.id_number(m.id_number))
            for case, (data, _) in zip(cases, batch, strict=True)
            for m in data.members
        ]
    )
    await AuditEntry.insert(
        *[
            AuditEntry(
                user=user.id,
                action="case.create",
                case=case.id,
                detail=f"{how}成员{len(data.members)}人",
                ip=ip,
            )
            for case, (data, _) in zip(cases, batch, strict=True)
        ]
    )
    await insert_grants(
        user,
        [(case.id, g) for case, (_, grants) in zip(cases, batch, strict=True) for g in grants],
        ip=ip,
    )
    return cases


def _warnings(members: list[MemberIn]) -> list[str]:
    found: list[str] = []
    for position, member in enumerate(members, start=1):
        found += [f"第{position}位成员：{w}" for w in check_id_number(member.id_number).warnings]
    return found


async def case_in_scope(user: CurrentUser, ref: str) -> dict[str, Any]:
    row: dict[str, Any] | None = await Case.select().where(Case.ref_code == ref).first()
    if row is None or not in_region_scope(user, row["region_code"]):
        raise CaseNotFound()
    return row


def _open_member(row: dict[str, Any]) -> MemberRead:
    box = cipher()
    opened = {f: box.open_optional(row[f"{f}_sealed"], column=_column(f)) for f in _SEALED}
    born = date.fromisoformat(box.open(row["birth_date_sealed"], column=_column("birth_date")))
    return MemberRead(
        id=row["id"],
        is_head=row["is_head"],
        relation=row["relation"],
        birth_date=born,
        sex=Sex(row["sex"]),
        disability_grade=row["disability_grade"],
        monthly_income_fen=row["monthly_income_fen"],
        name=opened["name"] or "",
        id_number=opened["id_number"] or "",
        phone=opened["phone"],
        address=opened["address"],
        illness=opened["illness"],
        school=opened["school"],
        employment=opened["employment"],
    )


async def members_of(case_id: int) -> list[MemberRead]:
    rows = (
        await HouseholdMember.select()
        .where(HouseholdMember.case == case_id)
        .order_by(HouseholdMember.is_head, ascending=False)
        .order_by(HouseholdMember.id)
    )
    return [_open_member(row) for row in rows]


async def grants_of(case_id: int) -> list[GrantRead]:
    grants = (
        await AssistanceGrant.select()
        .where(AssistanceGrant.case == case_id)
        .order_by(AssistanceGrant.granted_on)
    )
    stages = (
        await GrantStage.select()
        .where(GrantStage.grant.is_in([g["id"] for g in grants] or [0]))
        .order_by(GrantStage.seq)
    )
    return [
        GrantRead(
            id=g["id"],
            kind=GrantKind(g["kind"]),
            amount_fen=g["amount_fen"],
            granted_on=g["granted_on"],
            office=g["office"],
            stages=[
                StageRead(
                    seq=s["seq"],
                    amount_fen=s["amount_fen"],
                    due_on=s["due_on"],
                    paid_on=s["paid_on"],
                )
                for s in stages
                if s["grant"] == g["id"]
            ],
        )
        for g in grants
    ]


async def _read(case_id: int, warnings: list[str] | None = None) -> CaseRead:
    row = await Case.select().where(Case.id == case_id).first()
    assert row is not None
    return CaseRead(
        ref=row["ref_code"],
        region_code=row["region_code"],
        region_name=await full_name(row["region_code"]),
        programme=Programme(row["programme"]),
        income_stable=row["income_stable"],
        review_cycle=ReviewCycle(row["review_cycle"]),
        verified_on=row["verified_on"],
        monthly_income_fen=row["monthly_income_fen"],
        members=await members_of(case_id),
        grants=await grants_of(case_id),
        warnings=warnings or [],
    )


async def get_case(user: CurrentUser, ref: str, *, ip: str = "") -> CaseRead:
    row = await case_in_scope(user, ref)
    await record(user, "case.view", case_id=row["id"], detail="成员全部字段", ip=ip)
    return await _read(row["id"])


async def search_cases(user: CurrentUser, q: str, *, ip: str = "") -> list[CaseSummary]:
    """Find cases in the user's region by ID number (exact, via the blind index) or by name.

    Names are sealed, so a name search opens the names of the region's households: bounded by
    the region scope, which holds far fewer cases than ``NAME_SEARCH_LIMIT``.
    """
    q = q.strip()
    number = normalise(q)
    wanted = (
        set(blind_index().candidates(number))
        if len(number) == 18 and number[:17].isdigit()
        else None
    )
    query = Case.select(Case.id, Case.ref_code, Case.region_code, Case.programme, Case.review_cycle)
    if user.region_code and user.role in REGION_SCOPED_ROLES:
        # The scope goes into SQL, before the limit: cut after it, a region's cases could be
        # crowded out by other regions'.
        query = query.where(Case.region_code.like(significant_prefix(user.region_code) + "%"))
    cases = {
        row["id"]: row
        for row in await query.order_by(Case.id).limit(NAME_SEARCH_LIMIT)
        if in_region_scope(user, row["region_code"])
    }
    members = await HouseholdMember.select(
        HouseholdMember.case,
        HouseholdMember.is_head,
        HouseholdMember.name_sealed,
        HouseholdMember.id_number_index,
    ).where(HouseholdMember.case.is_in(list(cases) or [0]))
    box = cipher()
    heads: dict[int, str] = {}
    sizes: dict[int, int] = {}
    matched: set[int] = set()
    for m in members:
        name = box.open(m["name_sealed"], column=_column("name"))
        sizes[m["case"]] = sizes.get(m["case"], 0) + 1
        if m["is_head"]:
            heads[m["case"]] = name
        if (m["id_number_index"] in wanted) if wanted else (q in name):
            matched.add(m["case"])
    how = "身份证号" if wanted else "姓名"
    await record(user, "case.search", detail=f"按{how}检索，结果{len(matched)}户", ip=ip)
    return [
        CaseSummary(
            ref=cases[case_id]["ref_code"],
            region_code=cases[case_id]["region_code"],
            region_name=await full_name(cases[case_id]["region_code"]),
            programme=Programme(cases[case_id]["programme"]),
            head_name=heads.get(case_id, ""),
            member_count=sizes.get(case_id, 0),
            review_cycle=ReviewCycle(cases[case_id]["review_cycle"]),
        )
        for case_id in sorted(matched)
    ]


async def add_grant(user: CurrentUser, ref: str, data: GrantCreate, *, ip: str = "") -> GrantRead:
    row = await case_in_scope(user, ref)
    [grant] = await insert_grants(user, [(row["id"], data)], ip=ip)
    return next(g for g in await grants_of(row["id"]) if g.id == grant.id)


async def insert_grants(
    user: CurrentUser, grants: Sequence[tuple[int, GrantCreate]], *, ip: str = ""
) -> list[AssistanceGrant]:
    """Record grants (with their stages) on cases already in the user's scope, each audited;
    a few statements for any number of grants."""
    if not grants:
        return []
    rows = [
        AssistanceGrant(
            case=case_id,
            kind=data.kind,
            amount_fen=data.amount_fen,
            granted_on=data.granted_on,
            office=data.office,
            recorded_by=user.id,
        )
        for case_id, data in grants
    ]
    await AssistanceGrant.insert(*rows)
    stages = [
        GrantStage(
            grant=grant.id, seq=seq, amount_fen=s.amount_fen, due_on=s.due_on, paid_on=s.paid_on
        )
        for grant, (_, data) in zip(rows, grants, strict=True)
        for seq, s in enumerate(data.stages, start=1)
    ]
    if stages:
        await GrantStage.insert(*stages)
    await AuditEntry.insert(
        *[
            AuditEntry(
                user=user.id, action="case.grant", case=case_id, detail=data.kind.value, ip=ip
            )
            for case_id, data in grants
        ]
    )
    return rows


async def households(on: date) -> list[Household]:
    """The registry's quasi-identifiers, for k-anonymity (no personal field is opened)."""
    from backend.referrals.tables import NeedItem

    heads = await HouseholdMember.select(
        HouseholdMember.case, HouseholdMember.birth_year, HouseholdMember.sex
    ).where(HouseholdMember.is_head.eq(True))
    sizes: dict[int, int] = {}
    for m in await HouseholdMember.select(HouseholdMember.case):
        sizes[m["case"]] = sizes.get(m["case"], 0) + 1
    regions = {c["id"]: c["region_code"] for c in await Case.select(Case.id, Case.region_code)}
    categories: dict[int, set[str]] = {}
    for item in await NeedItem.select(NeedItem.category, NeedItem.referral.case):
        categories.setdefault(item["referral.case"], set()).add(item["category"])
    return [
        Household(
            community_code=regions[h["case"]],
            head_age=on.year - h["birth_year"],
            head_sex=h["sex"],
            size=sizes.get(h["case"], 1),
            categories=frozenset(categories.get(h["case"], set())),
        )
        for h in heads
        if h["case"] in regions
    ]
