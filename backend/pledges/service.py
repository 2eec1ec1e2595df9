"""Pledging: accepting, cancelling, delivering, verifying and expiring pledges.

The remaining amount of a need is enforced by the database: a pledge is accepted only by an
UPDATE of the need's running total whose WHERE clause refuses to pass the target, so however
many requests race, the total never exceeds it. Retries carry an idempotency key; requests with
the same key are serialised by a transaction-scoped advisory lock and the second returns the
first's pledge.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

import structlog
from piccolo.engine.postgres import PostgresEngine

from backend.accounts.guards import in_region_scope
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Membership, Role
from backend.db import execute_raw, fetch_raw, get_engine
from backend.errors import Conflict, Forbidden, NotFound
from backend.events.service import record_event
from backend.ledger import service as ledger
from backend.needs.search_sync import need_changed
from backend.needs.service import remaining
from backend.needs.tables import Need, NeedStatus
from backend.organisations.service import OrganisationNotVerified, OrganisationSuspended
from backend.pledges.schemas import CancelPledge, PledgeCreate, PledgeRead
from backend.pledges.tables import PLEDGE_STATUS_LABELS, Pledge, PledgeStatus
from backend.policy.service import int_at, policy_today
from backend.referrals.schemas import GoodsLine
from matching.assistance import charity_allowance, grant_kinds_for
from matching.ledger import EntryKind
from matching.policy_rules import PLEDGE_EXPIRY_DAYS
from matching.recommend import yuan
from matching.vocabulary import NeedCategory, NeedKind

log = structlog.get_logger(__name__)


class NeedNotOpen(Conflict):
    code = "need_not_open"
    message = "该需求已关闭、待复核或已过期，不能认捐"


class OverPledge(Conflict):
    code = "over_pledge"

    def __init__(self, remaining_text: str) -> None:
        super().__init__(f"认捐超过剩余需求，当前剩余：{remaining_text}", field="amount_fen")


class ExcessAssistance(Conflict):
    code = "excess_assistance"

    def __init__(self, later_aid_fen: int, allowed_fen: int) -> None:
        super().__init__(
            f"该家庭在需求发布后已获同类政府救助{yuan(later_aid_fen)}，为避免重复救助，"
            f"本需求还可认捐{yuan(allowed_fen)}",
            field="amount_fen",
        )


class KindMismatch(Conflict):
    code = "kind_mismatch"
    message = "认捐方式与需求不符"


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"
    message = "未找到该组织"


class VolunteerHoursOnly(Forbidden):
    code = "volunteer_hours_only"
    message = "个人志愿者只能认捐服务时长"


class PledgeNotFound(NotFound):
    code = "pledge_not_found"
    message = "未找到该认捐"


class PledgeStateConflict(Conflict):
    code = "pledge_state_conflict"
    message = "该认捐当前状态不允许此操作"


class MoneyPledgeNeedsDisbursements(Conflict):
    code = "money_pledge_needs_disbursements"
    message = (
        "资金认捐须由认捐组织登记拨付并上传证明，由民政逐笔核实拨付记录后自动完成，不能直接核实"
    )


class DisbursementsUnchecked(Conflict):
    code = "disbursements_unchecked"
    message = "该认捐尚有待核实的拨付记录，请先逐笔核实或退回，再核实认捐"


class IdempotencyKeyMissing(Conflict):
    status_code = 400
    code = "idempotency_key_missing"
    message = "请在请求头 Idempotency-Key 中提供幂等键，以免重复提交"


def _now() -> datetime:
    return datetime.now(UTC)


async def _acting_organisation(user: CurrentUser, public_id: str | None) -> dict[str, Any] | None:
    """The organisation the user pledges for (checked in one query), or None for a volunteer."""
    if user.role == Role.volunteer:
        if public_id:
            raise OrganisationNotFound(field="organisation_id")
        return None
    if not public_id:
        raise OrganisationNotFound("请选择代表哪个组织认捐", field="organisation_id")
    # One hand-written join on the pledge hot path (Piccolo's join building costs more).
    rows = await fetch_raw(
        "SELECT o.id, o.public_id, o.name, o.verified, o.suspended, o.suspended_reason "
        "FROM membership m JOIN organisation o ON o.id = m.organisation "
        'WHERE m."user" = {} AND o.public_id = {}',
        user.id,
        public_id,
    )
    if not rows:
        raise OrganisationNotFound(field="organisation_id")
    found: dict[str, Any] = rows[0]
    if found["suspended"]:
        raise OrganisationSuspended(found["suspended_reason"])
    if not found["verified"]:
        raise OrganisationNotVerified()
    return found


async def _earlier_pledge(scoped_key: str) -> str | None:
    """The pledge already made with this idempotency key, if any, once no twin is in flight.

    Requests with the same key are serialised by a transaction-scoped advisory lock taken in
    the same statement as the lookup (one round trip on the hot path); SQLite's write
    transactions are serialised already (BEGIN IMMEDIATE).
    """
    if isinstance(get_engine(), PostgresEngine):
        rows = await fetch_raw(
            "SELECT p.public_id FROM (SELECT pg_advisory_xact_lock(hashtext({}))) AS l "
            "LEFT JOIN pledge p ON p.idempotency_key = {}",
            scoped_key,
            scoped_key,
        )
    else:
        rows = await fetch_raw(
            "SELECT public_id FROM pledge WHERE idempotency_key = {}", scoped_key
        )
    found: str | None = rows[0]["public_id"] if rows else None
    return found


async def create_pledge(user: CurrentUser, data: PledgeCreate, idempotency_key: str) -> PledgeRead:
    key = idempotency_key.strip()
    if not key or len(key) > 64 or not key.replace("-", "").replace("_", "").isalnum():
        raise IdempotencyKeyMissing()
    scoped_key = f"{user.id}:{key}"
    earlier = await _earlier_pledge(scoped_key)
    if earlier is not None:
        return await read_pledge(earlier)

    org = await _acting_organisation(user, data.organisation_id)
    if org is None and data.kind != NeedKind.service:
        raise VolunteerHoursOnly()
    # Hand-written reads and writes on this hot path: see backend/db.fetch_raw.
    found = await fetch_raw(
        'SELECT id, kind, status, deadline, "case", title, category, target_fen, published_at '
        "FROM need WHERE public_id = {}",
        data.need_id,
    )
    if not found:
        raise NotFound("未找到该需求", code="need_not_found", field="need_id")
    need = found[0]
    # Policy days, deadlines and expiry dates are Beijing days, whatever the server's zone.
    today = policy_today()
    if need["status"] != NeedStatus.published or _as_date(need["deadline"]) < today:
        raise NeedNotOpen()
    if need["kind"] != data.kind:
        raise KindMismatch(field="kind")

    amount, hours = (0, data.hours or 0) if data.kind == NeedKind.service else (data.value_fen, 0)
    # The case's grants, read once: the pledge links to them, and the later ones of the need's
    # category cap what charities may still give (no excess assistance).
    grants = await fetch_raw(
        'SELECT id, kind, amount_fen, granted_on FROM assistance_grant WHERE "case" = {}',
        need["case"],
    )
    later_aid = _later_government_aid(need, grants) if data.kind != NeedKind.service else 0
    cap = charity_allowance(need["target_fen"] or 0, later_aid)
    accepted = await _take(need["id"], amount, hours, cap_fen=cap)
    if not accepted and later_aid:
        row = await Need.select(Need.pledged_fen).where(Need.id == need["id"]).first()
        assert row is not None
        raise ExcessAssistance(later_aid, max(cap - row["pledged_fen"], 0))
    if not accepted:
        row = (
            await Need.select(
                Need.kind, Need.target_fen, Need.target_hours, Need.pledged_fen, Need.pledged_hours
            )
            .where(Need.id == need["id"])
            .first()
        )
        assert row is not None
        open_fen, open_hours = remaining(row)
        raise OverPledge(f"{open_hours}小时" if data.kind == NeedKind.service else yuan(open_fen))

    expiry_days = await int_at(PLEDGE_EXPIRY_DAYS, today)
    public_id = secrets.token_urlsafe(12)
    created_at = _now()
    expires_on = today + timedelta(days=expiry_days)
    await execute_raw(
        "INSERT INTO pledge (public_id, need, organisation, pledged_by, kind, amount_fen, hours, "
        "goods, service_type, status, idempotency_key, linked_grants, created_at, expires_on, "
        "cancel_reason, disbursed_fen) "
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, '', 0)",
        public_id,
        need["id"],
        org["id"] if org else None,
        user.id,
        data.kind.value,
        amount,
        hours,
        json.dumps([g.model_dump() for g in data.goods], ensure_ascii=False),
        data.service_type,
        PledgeStatus.pledged.value,
        scoped_key,
        json.dumps([g["id"] for g in grants]),
        created_at,
        expires_on,
    )
    await record_event(
        "pledge.accepted",
        need_id=need["id"],
        pledge_id=public_id,
        actor_id=user.id,
        pledge_kind=data.kind.value,
        amount_fen=amount,
        hours=hours,
    )
    await ledger.append(
        EntryKind.pledge,
        amount_fen=amount,
        hours=hours,
        need=data.need_id,
        organisation=org["public_id"] if org else None,
        pledge=public_id,
        details={"pledge_kind": data.kind.value},
    )
    need_changed(data.need_id)
    log.info("pledge_accepted", pledge=public_id, need=data.need_id, kind=data.kind.value)
    return PledgeRead(
        id=public_id,
        need_id=data.need_id,
        need_title=need["title"],
        organisation_id=org["public_id"] if org else None,
        organisation_name=org["name"] if org else None,
        kind=data.kind,
        amount_fen=amount,
        hours=hours,
        goods=data.goods,
        service_type=data.service_type,
        status=PledgeStatus.pledged,
        status_label=PLEDGE_STATUS_LABELS[PledgeStatus.pledged],
        created_at=created_at,
        expires_on=expires_on,
        cancel_reason="",
        disbursed_fen=0,
    )


def _later_government_aid(need: dict[str, Any], grants: list[dict[str, Any]]) -> int:
    """Government aid of the need's category granted since it was published (fen)."""
    kinds = set(grant_kinds_for(NeedCategory(need["category"])))
    published_on = _day_of(need["published_at"])
    return sum(
        g["amount_fen"]
        for g in grants
        if g["kind"] in kinds and _as_date(g["granted_on"]) >= published_on
    )


def _day_of(value: datetime | str) -> date:
    """The UTC day of a timestamp, from asyncpg (datetime) or SQLite (ISO string)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def _as_date(value: date | str) -> date:
    """asyncpg gives dates; SQLite's raw rows give ISO strings."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def _take(need_id: int, amount_fen: int, hours: int, *, cap_fen: int) -> bool:
    """Add to the need's totals unless that would pass its cap (the target, less government
    aid of its category granted since publication); the need turns fully pledged when the
    last of it is taken. One statement, so it is atomic under concurrency."""
    full = (
        "(kind = 'service' AND pledged_hours + {} >= target_hours) "
        "OR (kind <> 'service' AND pledged_fen + {} >= {})"
    )
    # Only constant fragments are interpolated; every value is a bound parameter.
    rows = await fetch_raw(
        "UPDATE need SET pledged_fen = pledged_fen + {}, pledged_hours = pledged_hours + {}, "  # noqa: S608
        f"status = CASE WHEN {full} THEN 'fully_pledged' ELSE status END, "
        f"fully_pledged_at = CASE WHEN {full} THEN COALESCE(fully_pledged_at, {{}}) "
        "ELSE fully_pledged_at END "
        "WHERE id = {} AND status = 'published' "
        "AND ((kind = 'service' AND pledged_hours + {} <= target_hours) "
        "OR (kind <> 'service' AND pledged_fen + {} <= {})) RETURNING id",
        amount_fen,
        hours,
        hours,
        amount_fen,
        cap_fen,
        hours,
        amount_fen,
        cap_fen,
        _now(),
        need_id,
        hours,
        amount_fen,
        cap_fen,
    )
    return bool(rows)


async def _release(need_id: int, amount_fen: int, hours: int) -> None:
    """Give a cancelled or expired pledge's amount back; a fully pledged need reopens."""
    await Need.raw(
        "UPDATE need SET pledged_fen = pledged_fen - {}, pledged_hours = pledged_hours - {}, "
        "status = CASE WHEN status = 'fully_pledged' THEN 'published' ELSE status END "
        "WHERE id = {}",
        amount_fen,
        hours,
        need_id,
    )


_READ_COLUMNS = (
    Pledge.id,
    Pledge.public_id,
    Pledge.kind,
    Pledge.amount_fen,
    Pledge.hours,
    Pledge.goods,
    Pledge.service_type,
    Pledge.status,
    Pledge.created_at,
    Pledge.expires_on,
    Pledge.cancel_reason,
    Pledge.disbursed_fen,
    Pledge.need.public_id,
    Pledge.need.title,
    Pledge.organisation.public_id,
    Pledge.organisation.name,
    Pledge.pledged_by,
    Pledge.need,
    Pledge.organisation,
)


def _to_read(row: dict[str, Any]) -> PledgeRead:
    goods = json.loads(row["goods"]) if isinstance(row["goods"], str) else row["goods"]
    status = PledgeStatus(row["status"])
    return PledgeRead(
        id=row["public_id"],
        need_id=row["need.public_id"],
        need_title=row["need.title"],
        organisation_id=row["organisation.public_id"],
        organisation_name=row["organisation.name"],
        kind=NeedKind(row["kind"]),
        amount_fen=row["amount_fen"],
        hours=row["hours"],
        goods=[GoodsLine(**g) for g in goods],
        service_type=row["service_type"],
        status=status,
        status_label=PLEDGE_STATUS_LABELS[status],
        created_at=row["created_at"],
        expires_on=row["expires_on"],
        cancel_reason=row["cancel_reason"],
        disbursed_fen=row["disbursed_fen"],
    )


async def read_pledge(public_id: str) -> PledgeRead:
    row = await Pledge.select(*_READ_COLUMNS).where(Pledge.public_id == public_id).first()
    if row is None:
        raise PledgeNotFound()
    return _to_read(row)


async def my_pledges(user: CurrentUser) -> list[PledgeRead]:
    """The user's own pledges and those of the organisations they belong to."""
    orgs = [
        m["organisation"]
        for m in await Membership.select(Membership.organisation).where(Membership.user == user.id)
    ]
    query = Pledge.select(*_READ_COLUMNS).order_by(Pledge.id, ascending=False)
    mine = Pledge.pledged_by == user.id
    condition = (mine | Pledge.organisation.is_in(orgs)) if orgs else mine
    return [_to_read(row) for row in await query.where(condition)]


async def get_pledge(user: CurrentUser, public_id: str) -> PledgeRead:
    """One pledge of the user's own or their organisation's (404 for anyone else's), so an
    integrator whose request timed out can look the pledge up instead of listing them all."""
    return _to_read(await _own_pledge(user, public_id))


async def _own_pledge(user: CurrentUser, public_id: str) -> dict[str, Any]:
    """A pledge the user may act on: their own, or their organisation's; else 404."""
    row = await Pledge.select(*_READ_COLUMNS).where(Pledge.public_id == public_id).first()
    if row is None:
        raise PledgeNotFound()
    if row["pledged_by"] == user.id:
        return row
    if row["organisation"] and await Membership.exists().where(
        (Membership.user == user.id) & (Membership.organisation == row["organisation"])
    ):
        return row
    raise PledgeNotFound()


async def _transition(
    row: dict[str, Any],
    to: PledgeStatus,
    allowed: tuple[PledgeStatus, ...],
    values: dict[Any, Any],
    *,
    undisbursed: bool = False,
) -> bool:
    """Move a pledge only from an allowed state (a conditional UPDATE: races lose cleanly);
    ``undisbursed`` also requires that no money was recorded as paid out of it."""
    condition = (Pledge.id == row["id"]) & Pledge.status.is_in(list(allowed))
    if undisbursed:
        condition &= Pledge.disbursed_fen == 0
    updated = (
        await Pledge.update({Pledge.status: to, **values}).where(condition).returning(Pledge.id)
    )
    return bool(updated)


async def cancel_pledge(user: CurrentUser, public_id: str, data: CancelPledge) -> PledgeRead:
    row = await _own_pledge(user, public_id)
    moved = await _transition(
        row,
        PledgeStatus.cancelled,
        (PledgeStatus.pledged,),
        {Pledge.cancelled_at: _now(), Pledge.cancel_reason: data.reason},
        undisbursed=True,
    )
    if not moved:
        raise PledgeStateConflict("只有尚未交付、尚未登记拨付的认捐可以取消")
    await _release(row["need"], row["amount_fen"], row["hours"])
    await record_event(
        "pledge.cancelled",
        need_id=row["need"],
        pledge_id=public_id,
        actor_id=user.id,
        amount_fen=row["amount_fen"],
        hours=row["hours"],
    )
    await _ledger_of(EntryKind.pledge_cancelled, row, sign=-1)
    need_changed(row["need.public_id"])
    log.info("pledge_cancelled", pledge=public_id)
    return await read_pledge(public_id)


async def deliver_pledge(user: CurrentUser, public_id: str) -> PledgeRead:
    row = await _own_pledge(user, public_id)
    if row["kind"] == NeedKind.money:
        raise PledgeStateConflict("资金认捐通过拨付登记完成，不能直接标记交付")
    if not await _transition(
        row, PledgeStatus.delivered, (PledgeStatus.pledged,), {Pledge.delivered_at: _now()}
    ):
        raise PledgeStateConflict()
    await record_event(
        "pledge.delivered", need_id=row["need"], pledge_id=public_id, actor_id=user.id
    )
    await _ledger_of(EntryKind.delivery, row)
    log.info("pledge_delivered", pledge=public_id)
    return await read_pledge(public_id)


async def verify_pledge(staff: CurrentUser, public_id: str) -> PledgeRead:
    """Staff confirm delivered goods or services against the case (their region only)."""
    row = (
        await Pledge.select(*_READ_COLUMNS, Pledge.need._.case._.region_code)
        .where(Pledge.public_id == public_id)
        .first()
    )
    if row is None or not in_region_scope(staff, row["need.case.region_code"]):
        raise PledgeNotFound()
    if row["kind"] == NeedKind.money:
        raise MoneyPledgeNeedsDisbursements()
    # Closing the need with payouts nobody has checked would make them final unexamined.
    if await _has_unchecked_disbursements(row["id"]):
        raise DisbursementsUnchecked()
    if not await _transition(
        row,
        PledgeStatus.verified,
        (PledgeStatus.delivered, PledgeStatus.disbursed),
        {Pledge.verified_at: _now(), Pledge.verified_by: staff.id},
    ):
        raise PledgeStateConflict("只有已交付或已拨付的认捐可以核实")
    await record_event(
        "pledge.verified",
        need_id=row["need"],
        pledge_id=public_id,
        actor_id=staff.id,
        amount_fen=row["amount_fen"],
        hours=row["hours"],
    )
    await _ledger_of(EntryKind.verification, row, details={"of": "pledge"})
    log.info("pledge_verified", pledge=public_id)
    await _fulfil_if_complete(row["need"], row["need.public_id"])
    return await read_pledge(public_id)


async def _has_unchecked_disbursements(pledge_id: int) -> bool:
    """Whether any disbursement of the pledge still awaits staff's verdict."""
    rows = await fetch_raw(
        "SELECT 1 AS found FROM disbursement WHERE pledge = {} AND status = 'recorded' LIMIT 1",
        pledge_id,
    )
    return bool(rows)


async def _ledger_of(
    kind: EntryKind, row: dict[str, Any], *, sign: int = 1, details: dict[str, Any] | None = None
) -> None:
    """A ledger entry for a pledge row read with ``_READ_COLUMNS``."""
    await ledger.append(
        kind,
        amount_fen=sign * row["amount_fen"],
        hours=sign * row["hours"],
        need=row["need.public_id"],
        organisation=row["organisation.public_id"],
        pledge=row["public_id"],
        details={"pledge_kind": row["kind"], **(details or {})},
    )


async def _fulfil_if_complete(need_id: int, need_public_id: str) -> None:
    """A fully pledged need whose every pledge is delivered and verified is fulfilled and closed.

    Money pledges only reach ``verified`` once their disbursements are verified, so at this
    point every yuan has been paid out and checked: the project is over and its disclosure
    final, in the same statement. The need row is locked first on PostgreSQL, so of two
    pledges verified at once the later one sees the other and completes the need.
    """
    if isinstance(get_engine(), PostgresEngine):
        await Need.raw("SELECT id FROM need WHERE id = {} FOR UPDATE", need_id)
    unfinished = await Pledge.exists().where(
        (Pledge.need == need_id)
        & Pledge.status.is_in(
            [PledgeStatus.pledged, PledgeStatus.delivered, PledgeStatus.disbursed]
        )
    )
    if unfinished:
        return
    now = _now()
    values: dict[Any, Any] = {
        Need.status: NeedStatus.closed,
        Need.fulfilled_at: now,
        Need.closed_at: now,
    }
    fulfilled = (
        await Need.update(values)
        .where((Need.id == need_id) & (Need.status == NeedStatus.fully_pledged))
        .returning(Need.id)
    )
    if fulfilled:
        await record_event("need.fulfilled", need_id=need_id)
        await record_event("need.closed", need_id=need_id, reason="all_verified")
        need_changed(need_public_id)


async def expire_pledges(today: date | None = None) -> int:
    """Release pledges that were neither delivered nor disbursed in time (idempotent)."""
    today = today or policy_today()
    expired = 0
    # A pledge partly paid out is in progress, not lapsed: only untouched pledges expire.
    rows = await Pledge.select(*_READ_COLUMNS).where(
        (Pledge.status == PledgeStatus.pledged)
        & (Pledge.expires_on < today)
        & (Pledge.disbursed_fen == 0)
    )
    for row in rows:
        if await _transition(
            row, PledgeStatus.expired, (PledgeStatus.pledged,), {}, undisbursed=True
        ):
            await _release(row["need"], row["amount_fen"], row["hours"])
            await record_event(
                "pledge.expired",
                need_id=row["need"],
                pledge_id=row["public_id"],
                amount_fen=row["amount_fen"],
                hours=row["hours"],
            )
            await _ledger_of(EntryKind.pledge_expired, row, sign=-1)
            need_changed(row["need.public_id"])
            expired += 1
    if expired:
        log.info("pledges_expired", count=expired)
    return expired
