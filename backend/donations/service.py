"""Donations: starting an online donation, recording an offline one, crediting a succeeded
donation to the charity's pledge, and refunds.

Only a charity with a public-fundraising qualification that is verified and not suspended may
receive public donations, and only for a need that is still open (published or fully pledged)
where it holds an open money pledge. A succeeded donation is credited to that pledge up to what
the pledge still lacks (its amount less what donations have already covered); the rest goes to
the charity's general funds. Crediting is serialised per charity and need, so two donations
succeeding at once cannot both fill the same gap. Each succeeded donation writes exactly one
``donation`` ledger entry, each refund one ``refund`` entry, in the same unit of work.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

import structlog
from piccolo.engine.postgres import PostgresEngine
from piccolo.query.functions.aggregate import Sum

from backend.accounts.schemas import CurrentUser
from backend.accounts.service import organisation_ids_of
from backend.db import get_engine
from backend.donations import stripe_gateway
from backend.donations.schemas import (
    CharityOption,
    DonationCreate,
    DonationRead,
    PaymentStart,
)
from backend.donations.tables import (
    CREDITED_STATUSES,
    DONATION_CHANNEL_LABELS,
    DONATION_STATUS_LABELS,
    Donation,
    DonationChannel,
    DonationStatus,
)
from backend.errors import Conflict, NotFound
from backend.needs.tables import Need, NeedStatus
from backend.organisations.tables import Organisation
from backend.pledges.tables import Pledge, PledgeStatus
from backend.public_url import absolute_url
from backend.settings import get_settings
from matching.vocabulary import NeedKind

log = structlog.get_logger(__name__)


class DonationNotFound(NotFound):
    code = "donation_not_found"
    message = "未找到该捐赠记录"


class NeedNotFound(NotFound):
    code = "need_not_found"
    message = "未找到该需求"


class CharityNotFound(NotFound):
    code = "charity_not_found"
    message = "未找到该慈善组织"


class CharityNotQualified(Conflict):
    code = "charity_not_qualified"
    message = "该组织不具有公开募捐资格，不能接受公众捐赠"


class CharityNotVerified(Conflict):
    code = "charity_not_verified"
    message = "该慈善组织尚未通过认证，暂不能接受捐赠"


class CharitySuspended(Conflict):
    code = "charity_suspended"
    message = "该慈善组织已被暂停，暂不能接受捐赠"


class NeedNotOpenForDonation(Conflict):
    code = "need_not_open_for_donation"
    message = "该需求已完成、关闭或过期，不再接受捐赠"


class CharityNotFundraising(Conflict):
    code = "charity_not_fundraising"
    message = "该慈善组织在此需求下没有进行中的资金认捐，不能为其募捐"


class IdempotencyKeyMissing(Conflict):
    status_code = 400
    code = "idempotency_key_missing"
    message = "请在请求头 Idempotency-Key 中提供幂等键，以免重复扣款"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = "该幂等键已用于另一笔捐赠，请刷新页面后重新提交"


class BankReferenceTaken(Conflict):
    code = "bank_reference_taken"
    message = "该银行流水号已登记为另一笔捐赠"


#: Statuses of a need that still takes donations.
OPEN_NEED_STATUSES = (NeedStatus.published, NeedStatus.fully_pledged)
#: Pledges that donations may be credited to: money not yet verified as spent in full.
FUNDRAISING_PLEDGE_STATUSES = (PledgeStatus.pledged, PledgeStatus.disbursed)
#: Pledge states after money went out: a refund then comes out of the charity's own funds.
DISBURSED_PLEDGE_STATUSES = (PledgeStatus.disbursed, PledgeStatus.verified)


def open_for_donation(status: str, deadline: date) -> bool:
    """Whether a need still takes donations: open and not past its deadline.

    The one test for both the service and the need page, so the page never offers a form the
    service would refuse.
    """
    return status in OPEN_NEED_STATUSES and deadline >= date.today()


def now() -> datetime:
    return datetime.now(UTC)


async def serialise_on(key: str) -> None:
    """Serialise transactions on ``key`` until they end (PostgreSQL advisory lock)."""
    if isinstance(get_engine(), PostgresEngine):
        await Donation.raw("SELECT pg_advisory_xact_lock(hashtext({}))", key)
    # SQLite: write transactions are already serialised (BEGIN IMMEDIATE).


# --- who may receive donations for what --------------------------------------------------------


async def open_pledges(need_id: int, organisation_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Pledge.select(Pledge.id, Pledge.public_id, Pledge.amount_fen)
        .where(
            (Pledge.need == need_id)
            & (Pledge.organisation == organisation_id)
            & (Pledge.kind == NeedKind.money)
            & Pledge.status.is_in(list(FUNDRAISING_PLEDGE_STATUSES))
        )
        .order_by(Pledge.id)
    )
    return rows


async def credited_totals(pledge_ids: list[int]) -> dict[int, int]:
    """Fen of donations already credited to each pledge."""
    if not pledge_ids:
        return {}
    rows = (
        await Donation.select(Donation.pledge, Sum(Donation.credited_fen, alias="total"))
        .where(Donation.pledge.is_in(pledge_ids) & Donation.status.is_in(list(CREDITED_STATUSES)))
        .group_by(Donation.pledge)
    )
    return {int(r["pledge"]): int(r["total"] or 0) for r in rows}


async def charities_for_need(need_public_id: str) -> list[CharityOption]:
    """Qualified charities fundraising for the need: those with an open money pledge on it."""
    rows = await Pledge.select(
        Pledge.id,
        Pledge.amount_fen,
        Pledge.organisation.public_id,
        Pledge.organisation.name,
        Pledge.organisation.fundraising_certificate,
    ).where(
        (Pledge.need.public_id == need_public_id)
        & (Pledge.kind == NeedKind.money)
        & Pledge.status.is_in(list(FUNDRAISING_PLEDGE_STATUSES))
        & Pledge.organisation._.public_fundraising.eq(True)
        & Pledge.organisation._.verified.eq(True)
        & Pledge.organisation._.suspended.eq(False)
    )
    credited = await credited_totals([r["id"] for r in rows])
    options: dict[str, CharityOption] = {}
    for row in rows:
        org_id = row["organisation.public_id"]
        lacking = max(row["amount_fen"] - credited.get(row["id"], 0), 0)
        if org_id in options:
            options[org_id].lacking_fen += lacking
        else:
            options[org_id] = CharityOption(
                id=org_id,
                name=row["organisation.name"],
                fundraising_certificate=row["organisation.fundraising_certificate"],
                lacking_fen=lacking,
            )
    return sorted(options.values(), key=lambda o: o.name)


async def target(need_public_id: str, org_public_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The need and charity of a new donation, after every rule on who may receive it."""
    need = (
        await Need.select(Need.id, Need.public_id, Need.title, Need.status, Need.deadline)
        .where(Need.public_id == need_public_id)
        .first()
    )
    if need is None:
        raise NeedNotFound(field="need_id")
    org = (
        await Organisation.select(
            Organisation.id,
            Organisation.public_id,
            Organisation.name,
            Organisation.public_fundraising,
            Organisation.verified,
            Organisation.suspended,
        )
        .where(Organisation.public_id == org_public_id)
        .first()
    )
    if org is None:
        raise CharityNotFound(field="organisation_id")
    if not org["public_fundraising"]:
        raise CharityNotQualified(field="organisation_id")
    if org["suspended"]:
        raise CharitySuspended(field="organisation_id")
    if not org["verified"]:
        raise CharityNotVerified(field="organisation_id")
    if not open_for_donation(need["status"], need["deadline"]):
        raise NeedNotOpenForDonation()
    if not await open_pledges(need["id"], org["id"]):
        raise CharityNotFundraising(field="organisation_id")
    return need, org


# --- reading -----------------------------------------------------------------------------------

READ_COLUMNS = (
    Donation.id,
    Donation.public_id,
    Donation.status,
    Donation.channel,
    Donation.amount_fen,
    Donation.currency,
    Donation.refunded_fen,
    Donation.credited_fen,
    Donation.general_funds_fen,
    Donation.donor_name,
    Donation.ledger_entry_id,
    Donation.created_at,
    Donation.succeeded_at,
    Donation.received_on,
    Donation.stripe_payment_intent,
    Donation.need.public_id,
    Donation.need.title,
    Donation.organisation.public_id,
    Donation.organisation.name,
    Donation.pledge.public_id,
)


def to_read(row: dict[str, Any]) -> DonationRead:
    status = DonationStatus(row["status"])
    channel = DonationChannel(row["channel"])
    receipted = status in CREDITED_STATUSES
    return DonationRead(
        id=row["public_id"],
        status=status,
        status_label=DONATION_STATUS_LABELS[status],
        channel=channel,
        channel_label=DONATION_CHANNEL_LABELS[channel],
        amount_fen=row["amount_fen"],
        currency=row["currency"],
        refunded_fen=row["refunded_fen"],
        credited_fen=row["credited_fen"],
        general_funds_fen=row["general_funds_fen"],
        donor_name=row["donor_name"],
        need_id=row["need.public_id"],
        need_title=row["need.title"],
        organisation_id=row["organisation.public_id"],
        organisation_name=row["organisation.name"],
        pledge_id=row["pledge.public_id"],
        ledger_entry_id=row["ledger_entry_id"] or None,
        created_at=row["created_at"],
        succeeded_at=row["succeeded_at"],
        received_on=row["received_on"],
        receipt_url=f"/donations/{row['public_id']}/receipt" if receipted else None,
    )


async def _row(public_id: str) -> dict[str, Any]:
    row = await Donation.select(*READ_COLUMNS).where(Donation.public_id == public_id).first()
    if row is None:
        raise DonationNotFound()
    return row


async def read_donation(public_id: str) -> DonationRead:
    return to_read(await _row(public_id))


async def donations_of(user: CurrentUser, limit: int = 100) -> list[DonationRead]:
    """The latest donations received by the user's organisations (their members' view)."""
    orgs = await organisation_ids_of(user.id)
    if not orgs:
        return []
    rows = (
        await Donation.select(*READ_COLUMNS)
        .where(Donation.organisation.is_in(list(orgs)))
        .order_by(Donation.id, ascending=False)
        .limit(limit)
    )
    return [to_read(row) for row in rows]


# --- online donations --------------------------------------------------------------------------


def _checked_key(idempotency_key: str) -> str:
    key = idempotency_key.strip()
    if not key or len(key) > 64 or not key.replace("-", "").replace("_", "").isalnum():
        raise IdempotencyKeyMissing()
    return f"donation:{key}"


async def start_online_donation(data: DonationCreate, idempotency_key: str) -> PaymentStart:
    """A pending donation and its PaymentIntent; the same key again returns the same pair.

    The donation row is written before Stripe is called, in the request's transaction: if the
    call fails, nothing is kept. Stripe's own idempotency key is the donation's public id, so a
    retry of that call inside this request gives the same PaymentIntent.
    """
    if not get_settings().stripe_enabled:
        raise stripe_gateway.OnlinePaymentsDisabled()
    scoped = _checked_key(idempotency_key)
    await serialise_on(scoped)
    existing = (
        await Donation.select(*READ_COLUMNS).where(Donation.idempotency_key == scoped).first()
    )
    if existing is not None:
        same = (
            existing["need.public_id"] == data.need_id
            and existing["organisation.public_id"] == data.organisation_id
            and existing["amount_fen"] == data.amount_fen
        )
        if not same:
            raise IdempotencyKeyReused()
        return await payment_start(existing["public_id"])

    need, org = await target(data.need_id, data.organisation_id)
    donation = Donation(
        public_id=secrets.token_urlsafe(12),
        need=need["id"],
        organisation=org["id"],
        channel=DonationChannel.stripe,
        status=DonationStatus.pending,
        amount_fen=data.amount_fen,
        donor_name=data.donor_name,
        idempotency_key=scoped,
        created_at=now(),
    )
    await donation.save()
    intent = await stripe_gateway.create_intent(
        amount_fen=data.amount_fen,
        donation=donation.public_id,
        need=need["public_id"],
        organisation=org["public_id"],
        idempotency_key=f"aidbridge-donation-{donation.public_id}",
    )
    await Donation.update({Donation.stripe_payment_intent: intent.id}).where(
        Donation.id == donation.id
    )
    log.info("donation_started", donation=donation.public_id, need=need["public_id"])
    return _payment_start(await _row(donation.public_id), intent.client_secret)


def _payment_start(row: dict[str, Any], client_secret: str) -> PaymentStart:
    settings = get_settings()
    return PaymentStart(
        donation=to_read(row),
        payment_intent_client_secret=client_secret,
        publishable_key=str(settings.stripe_publishable_key),
        return_url=absolute_url(f"/donations/{row['public_id']}"),
    )


async def payment_start(public_id: str) -> PaymentStart:
    """What the payment page needs for a donation (its client secret comes from Stripe)."""
    return await _payment_start_of(await _row(public_id))


async def pending_payment_start(public_id: str) -> PaymentStart | None:
    """The payment page's data, or None once the donation is no longer awaiting payment
    (one read of the row; Stripe is asked only while payment is still pending)."""
    row = await _row(public_id)
    if row["status"] != DonationStatus.pending:
        return None
    return await _payment_start_of(row)


async def _payment_start_of(row: dict[str, Any]) -> PaymentStart:
    if row["channel"] != DonationChannel.stripe or not row["stripe_payment_intent"]:
        raise DonationNotFound()
    intent = await stripe_gateway.retrieve_intent(row["stripe_payment_intent"])
    return _payment_start(row, intent.client_secret)
