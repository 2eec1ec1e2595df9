"""Policy parameters: the value in force at a date for a region, the history, adding a value and
withdrawing one not yet in force.

Reading: the most specific region wins (a street's value over its district's over its city's
over the platform's), and within one region the latest ``effective_from`` on or before the
date (``matching.policy_rules.in_force``). Every caller passes the date of its own decision.

Writing: rows are never edited in place, so any past computation can be re-derived with the
value it used. A new value may start today or later; a past start is refused once a decision
has used the parameter since then (``retroactive_refusal``), and only a value not yet in force
may be withdrawn.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from piccolo.engine.postgres import PostgresEngine

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import User
from backend.cases.tables import Case
from backend.db import UNIQUE_VIOLATIONS, fetch_raw, get_engine
from backend.errors import Conflict, DomainError, FieldInvalid, NotFound
from backend.events.service import record_event
from backend.needs.tables import Need
from backend.notifications.tables import Notification, NotificationKind
from backend.pledges.tables import Pledge
from backend.policy.schemas import (
    VALUE_STATUS_LABELS,
    DibaoAssessment,
    ParameterRead,
    ParameterValueCreate,
    ParameterValueRead,
    RegionValues,
    ValueStatus,
)
from backend.policy.tables import PolicyParameter
from backend.regions.service import full_name
from backend.regions.tables import Region
from matching.policy_rules import (
    CATALOGUE,
    DIBAO_STANDARD,
    LOW_INCOME_MULTIPLIER,
    TEKUN_MULTIPLIER,
    Decisions,
    ParameterSpec,
    PolicyValueInvalid,
    dibao_figures,
    in_force,
    may_withdraw,
    next_change,
    retroactive_refusal,
)
from matching.regions import significant_prefix

log = structlog.get_logger(__name__)

#: Policy dates are Beijing dates: a value "from 2025-03-01" starts at midnight there.
POLICY_ZONE = ZoneInfo("Asia/Shanghai")
PLATFORM = "全平台"


class PolicyParameterMissing(DomainError):
    status_code = 500
    code = "policy_parameter_missing"
    message = "缺少政策参数配置"


class UnknownParameter(FieldInvalid):
    code = "policy_parameter_unknown"
    message = "未知的政策参数"


class PolicyValueInvalidError(FieldInvalid):
    code = "policy_value_invalid"
    message = "取值无效"


class PolicyRegionInvalid(FieldInvalid):
    code = "policy_region_invalid"
    message = "适用地区不存在"


class PolicyNotRegional(FieldInvalid):
    code = "policy_not_regional"
    message = "该参数全平台统一，不能按地区设置；请将适用地区留空"


class PolicyValueDuplicate(Conflict):
    code = "policy_value_duplicate"
    message = "该参数在该地区的这一生效日期已有取值；请另选生效日期"


class PolicyRetroactive(Conflict):
    code = "policy_retroactive"
    message = "不能追溯修改已被使用的政策参数；请将生效日期设为今天或以后"


class PolicyValueNotFound(NotFound):
    code = "policy_value_not_found"
    message = "未找到该参数取值"


class PolicyValueInForce(Conflict):
    code = "policy_value_in_force"
    message = "已生效的取值不能撤回或修改；如需调整，请添加一条新的取值"


def policy_today() -> date:
    return datetime.now(POLICY_ZONE).date()


def _decode(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str) else raw


# --------------------------------------------------------------------------------------------
# Reading the value in force
# --------------------------------------------------------------------------------------------


async def _rows(name: str) -> list[dict[str, Any]]:
    if isinstance(get_engine(), PostgresEngine):
        # Read on every pledge: the hand-written path (dates come back as dates on PostgreSQL).
        return await fetch_raw(
            "SELECT id, region_code, value, effective_from FROM policy_parameter WHERE name = {}",
            name,
        )
    rows: list[dict[str, Any]] = await PolicyParameter.select(
        PolicyParameter.id,
        PolicyParameter.region_code,
        PolicyParameter.value,
        PolicyParameter.effective_from,
    ).where(PolicyParameter.name == name)
    return rows


async def row_at(name: str, on: date, region_code: str | None = None) -> dict[str, Any] | None:
    """The row in force at ``on`` for ``region_code``, or None when none is."""
    found = in_force(await _rows(name), on, region_code)
    return dict(found) if found is not None else None


async def value_at(name: str, on: date, region_code: str | None = None) -> Any:
    row = await row_at(name, on, region_code)
    if row is None:
        raise PolicyParameterMissing(f"缺少政策参数：{name}")
    return _decode(row["value"])


async def int_at(name: str, on: date, region_code: str | None = None) -> int:
    return int(await value_at(name, on, region_code))


# --------------------------------------------------------------------------------------------
# The catalogue with every value
# --------------------------------------------------------------------------------------------


class _Names:
    """Region and admin names read once per call, however many rows name the same one."""

    def __init__(self) -> None:
        self._regions: dict[str | None, str] = {None: PLATFORM}
        self._users: dict[int, str | None] = {}

    async def of(self, code: str | None) -> str:
        if code not in self._regions:
            assert code is not None
            self._regions[code] = await full_name(code, from_level=1)
        return self._regions[code]

    async def user(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if user_id not in self._users:
            row = await User.select(User.display_name).where(User.id == user_id).first()
            self._users[user_id] = row["display_name"] if row else None
        return self._users[user_id]


def _status(row: dict[str, Any], current_id: int | None, today: date) -> ValueStatus:
    if row["effective_from"] > today:
        return ValueStatus.scheduled
    return ValueStatus.in_force if row["id"] == current_id else ValueStatus.superseded


async def _read(
    row: dict[str, Any], status: ValueStatus, today: date, names: _Names
) -> ParameterValueRead:
    spec = CATALOGUE.get(row["name"])
    value = _decode(row["value"])
    return ParameterValueRead(
        id=row["id"],
        name=row["name"],
        region_code=row["region_code"],
        region_name=await names.of(row["region_code"]),
        value=int(value),
        display=spec.display(int(value)) if spec else str(value),
        effective_from=row["effective_from"],
        note=row["note"],
        status=status,
        status_label=VALUE_STATUS_LABELS[status],
        withdrawable=may_withdraw(row["effective_from"], today),
        created_at=row["created_at"],
        created_by=await names.user(row["created_by"]),
    )


_COLUMNS = (
    PolicyParameter.id,
    PolicyParameter.name,
    PolicyParameter.region_code,
    PolicyParameter.value,
    PolicyParameter.effective_from,
    PolicyParameter.note,
    PolicyParameter.created_at,
    PolicyParameter.created_by,
)


async def _parameter(
    spec: ParameterSpec, rows: list[dict[str, Any]], today: date, names: _Names
) -> ParameterRead:
    by_region: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_region[row["region_code"]].append(row)
    regions = []
    # The platform first, then regions in code order (a city before its districts).
    for region in sorted(by_region, key=lambda code: code or ""):
        own = by_region[region]
        current = in_force(own, today, region)
        current_id = current["id"] if current is not None else None
        upcoming = next_change(own, today, region)
        history = sorted(own, key=lambda r: r["effective_from"], reverse=True)
        reads = {r["id"]: await _read(r, _status(r, current_id, today), today, names) for r in own}
        regions.append(
            RegionValues(
                region_code=region,
                region_name=await names.of(region),
                current=reads[current_id] if current_id is not None else None,
                next=reads[upcoming["id"]] if upcoming is not None else None,
                history=[reads[r["id"]] for r in history],
            )
        )
    return ParameterRead(
        name=spec.name,
        label=spec.label,
        unit=spec.unit,
        kind=spec.kind.value,
        per_region=spec.per_region,
        minimum=spec.display(spec.minimum),
        maximum=spec.display(spec.maximum),
        help=spec.help,
        regions=regions,
    )


async def list_parameters(today: date | None = None) -> list[ParameterRead]:
    """Every catalogued parameter, per region: in force today, next scheduled, history."""
    today = today or policy_today()
    rows = await PolicyParameter.select(*_COLUMNS).order_by(PolicyParameter.id)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_name[row["name"]].append(row)
    names = _Names()
    return [await _parameter(spec, by_name[spec.name], today, names) for spec in CATALOGUE.values()]


async def get_parameter(name: str, today: date | None = None) -> ParameterRead:
    spec = CATALOGUE.get(name)
    if spec is None:
        raise UnknownParameter(field="name")
    today = today or policy_today()
    rows = await PolicyParameter.select(*_COLUMNS).where(PolicyParameter.name == name)
    return await _parameter(spec, rows, today, _Names())


# --------------------------------------------------------------------------------------------
# Decisions that used a parameter since a date
# --------------------------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=POLICY_ZONE)


async def decisions_since(name: str, region_code: str | None, since: date) -> int:
    """How many decisions taken since ``since`` (within the region, when it has one) read
    the parameter ``name``: what a value starting on ``since`` would rewrite."""
    spec = CATALOGUE[name]
    prefix = significant_prefix(region_code) + "%" if region_code else None
    start = _start_of(since)
    count: int
    if spec.decisions == Decisions.needs_published:
        if name.startswith("review_cycle_months."):
            # A cycle's length went into the review-due dates of its own households' needs,
            # set on publication and set again when the household is re-verified.
            query = Need.count().where(
                (Need.case.review_cycle == name.partition(".")[2])
                & ((Need.published_at >= start) | (Need.case.verified_on >= since))
            )
        else:
            query = Need.count().where(Need.published_at >= start)
        if prefix:
            query = query.where(Need.case.region_code.like(prefix))
        count = await query
    elif spec.decisions == Decisions.pledges_created:
        query = Pledge.count().where(Pledge.created_at >= start)
        if prefix:
            in_region = Need.select(Need.id).where(Need.case.region_code.like(prefix))
            query = query.where(Pledge.need.is_in(in_region))
        count = await query
    elif spec.decisions == Decisions.cases_assessed:
        query = Case.count().where((Case.created_at >= start) | (Case.verified_on >= since))
        if prefix:
            query = query.where(Case.region_code.like(prefix))
        count = await query
    else:
        count = await Notification.count().where(
            (Notification.kind == NotificationKind.need_digest) & (Notification.created_at >= start)
        )
    return count


# --------------------------------------------------------------------------------------------
# Adding and withdrawing values
# --------------------------------------------------------------------------------------------


async def _check(data: ParameterValueCreate) -> tuple[ParameterSpec, int, str | None]:
    spec = CATALOGUE.get(data.name)
    if spec is None:
        raise UnknownParameter(field="name")
    try:
        value = spec.validate(data.value)
    except PolicyValueInvalid as exc:
        raise PolicyValueInvalidError(str(exc), field="value") from None
    region = data.region_code or None
    if region is not None:
        if not spec.per_region:
            raise PolicyNotRegional(field="region_code")
        if not await Region.exists().where(Region.code == region):
            raise PolicyRegionInvalid(field="region_code")
    return spec, value, region


async def add_value(
    user: CurrentUser, data: ParameterValueCreate, *, today: date | None = None
) -> ParameterValueRead:
    """Add a value from ``effective_from``; history is kept, nothing is overwritten."""
    today = today or policy_today()
    spec, value, region = await _check(data)
    same_date = (
        (PolicyParameter.name == spec.name)
        & (PolicyParameter.effective_from == data.effective_from)
        & (
            PolicyParameter.region_code.is_null()
            if region is None
            else PolicyParameter.region_code == region
        )
    )
    if await PolicyParameter.exists().where(same_date):
        raise PolicyValueDuplicate(field="effective_from")
    if data.effective_from < today:
        used = await decisions_since(spec.name, region, data.effective_from)
        refusal = retroactive_refusal(spec, data.effective_from, today, used)
        if refusal:
            raise PolicyRetroactive(refusal, field="effective_from")
    row = PolicyParameter(
        name=spec.name,
        region_code=region,
        value=json.dumps(value),
        effective_from=data.effective_from,
        note=data.note.strip(),
        created_at=datetime.now(POLICY_ZONE),
        created_by=user.id,
    )
    try:
        await row.save()
    except UNIQUE_VIOLATIONS:
        # Another admin added the same value between the check and this insert.
        raise PolicyValueDuplicate(field="effective_from") from None
    await record_event(
        "policy.value_added",
        actor_id=user.id,
        parameter=spec.name,
        region_code=region,
        value=value,
        effective_from=data.effective_from.isoformat(),
    )
    log.info("policy_value_added", parameter=spec.name, region=region, value_id=row.id)
    saved = await PolicyParameter.select(*_COLUMNS).where(PolicyParameter.id == row.id).first()
    assert saved is not None
    status = ValueStatus.scheduled if data.effective_from > today else ValueStatus.in_force
    if status == ValueStatus.in_force:
        current = await row_at(spec.name, today, region)
        if current is None or current["id"] != row.id:
            status = ValueStatus.superseded  # a past value already followed by a later one
    return await _read(saved, status, today, _Names())


async def withdraw_value(user: CurrentUser, value_id: int, *, today: date | None = None) -> None:
    """Delete a value not yet in force; a value in force (or past) is part of history."""
    today = today or policy_today()
    row = (
        await PolicyParameter.select(
            PolicyParameter.id,
            PolicyParameter.name,
            PolicyParameter.region_code,
            PolicyParameter.value,
            PolicyParameter.effective_from,
        )
        .where(PolicyParameter.id == value_id)
        .first()
    )
    if row is None:
        raise PolicyValueNotFound()
    if not may_withdraw(row["effective_from"], today):
        raise PolicyValueInForce()
    await PolicyParameter.delete().where(PolicyParameter.id == value_id)
    await record_event(
        "policy.value_withdrawn",
        actor_id=user.id,
        parameter=row["name"],
        region_code=row["region_code"],
        value=_decode(row["value"]),
        effective_from=row["effective_from"].isoformat(),
    )
    log.info("policy_value_withdrawn", parameter=row["name"], value_id=value_id)


# --------------------------------------------------------------------------------------------
# The 低保 standard, used: a household's assessment
# --------------------------------------------------------------------------------------------


async def dibao_assessment(
    region_code: str, household_income_fen: int, size: int, on: date
) -> DibaoAssessment | None:
    """The household's 低保 figures under the parameters in force at ``on`` in its region,
    or None when no 低保标准 is set for the region (there is no platform-wide standard)."""
    if size <= 0:
        return None
    standards = await _rows(DIBAO_STANDARD)
    standard = in_force(standards, on, region_code)
    if standard is None:
        return None
    figures = dibao_figures(
        int(_decode(standard["value"])),
        household_income_fen,
        size,
        low_income_permille=await int_at(LOW_INCOME_MULTIPLIER, on, region_code),
        tekun_permille=await int_at(TEKUN_MULTIPLIER, on, region_code),
    )
    now = in_force(standards, policy_today(), region_code)
    changed = now is not None and now["id"] != standard["id"]
    return DibaoAssessment(
        on=on,
        standard_region_name=await full_name(standard["region_code"], from_level=1)
        if standard["region_code"]
        else PLATFORM,
        standard_effective_from=standard["effective_from"],
        standard_fen=figures.standard_fen,
        per_capita_income_fen=figures.per_capita_income_fen,
        low_income_line_fen=figures.low_income_line_fen,
        tekun_minimum_fen=figures.tekun_minimum_fen,
        band=figures.band.value,
        band_label=figures.band_label,
        gap_fen=figures.gap_fen,
        current_standard_fen=int(_decode(now["value"])) if now is not None and changed else None,
        current_effective_from=now["effective_from"] if now is not None and changed else None,
    )
