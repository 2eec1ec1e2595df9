"""What happens to a donation after it is started: success (credited to the charity's pledge
and written to the ledger, exactly once), failure (nothing moved, no entry) and refunds.

Crediting is serialised per charity and need (an advisory lock on PostgreSQL; SQLite's write
lock serialises anyway), so two donations succeeding at once cannot both fill the same gap of a
pledge. The status moves by conditional UPDATEs, so a redelivered event, a job run twice or two
events about one PaymentIntent change nothing the second time.
"""

from __future__ import annotations

from typing import Any

import structlog

from backend.donations import service
from backend.donations.tables import CREDITED_STATUSES, Donation, DonationStatus
from backend.events.service import record_event
from backend.ledger import service as ledger
from backend.ledger.tables import LedgerEntry
from backend.pledges.tables import Pledge
from matching.ledger import EntryKind

log = structlog.get_logger(__name__)


async def succeed(donation_id: int) -> bool:
    """Mark the donation succeeded, credit it and write its ledger entry, exactly once.

    Returns False when it had already succeeded (a redelivered or second event). The status
    moves by a conditional UPDATE, so of two concurrent callers only one gets past it.
    """
    moved = (
        await Donation.update(
            {Donation.status: DonationStatus.succeeded, Donation.succeeded_at: service.now()}
        )
        .where(
            (Donation.id == donation_id)
            & Donation.status.is_in([DonationStatus.pending, DonationStatus.failed])
        )
        .returning(Donation.need, Donation.organisation, Donation.amount_fen)
    )
    if not moved:
        return False
    need_id, org_id, amount = (
        moved[0]["need"],
        moved[0]["organisation"],
        moved[0]["amount_fen"],
    )
    await service.serialise_on(f"donation-credit:{org_id}:{need_id}")
    pledges = await service.open_pledges(need_id, org_id)
    credited = await service.credited_totals([p["id"] for p in pledges])
    pledge: dict[str, Any] | None = None
    credit = 0
    for candidate in pledges:
        lacking = candidate["amount_fen"] - credited.get(candidate["id"], 0)
        if lacking > 0:
            pledge, credit = candidate, min(amount, lacking)
            break
    general = amount - credit
    row = await _row_by_id(donation_id)
    entry_id = await ledger.append(
        EntryKind.donation,
        amount_fen=amount,
        need=row["need.public_id"],
        organisation=row["organisation.public_id"],
        pledge=pledge["public_id"] if pledge else None,
        details={
            "donation": row["public_id"],
            "channel": row["channel"],
            "donor": row["donor_name"],
            "credited_fen": credit,
            "general_funds_fen": general,
        },
    )
    await Donation.update(
        {
            Donation.pledge: pledge["id"] if pledge else None,
            Donation.credited_fen: credit,
            Donation.general_funds_fen: general,
            Donation.ledger_entry_id: entry_id,
        }
    ).where(Donation.id == donation_id)
    await record_event(
        "donation.succeeded",
        need_id=need_id,
        pledge_id=pledge["public_id"] if pledge else None,
        donation=row["public_id"],
        channel=row["channel"],
        amount_fen=amount,
        credited_fen=credit,
        general_funds_fen=general,
    )
    log.info("donation_succeeded", donation=row["public_id"], credited=credit, general=general)
    return True


async def _row_by_id(donation_id: int) -> dict[str, Any]:
    row = (
        await Donation.select(*service.READ_COLUMNS, Donation.pledge)
        .where(Donation.id == donation_id)
        .first()
    )
    if row is None:
        raise service.DonationNotFound()
    return row


async def fail(donation_id: int) -> bool:
    """A payment that did not go through: no money moved, so no ledger entry."""
    moved = (
        await Donation.update(
            {Donation.status: DonationStatus.failed, Donation.failed_at: service.now()}
        )
        .where((Donation.id == donation_id) & (Donation.status == DonationStatus.pending))
        .returning(Donation.public_id)
    )
    if moved:
        log.info("donation_failed", donation=moved[0]["public_id"])
    return bool(moved)


async def _after_disbursement(pledge_id: int | None, pledge_public_id: str | None) -> bool:
    if pledge_id is None:
        return False
    pledge = await Pledge.select(Pledge.status).where(Pledge.id == pledge_id).first()
    if pledge is not None and pledge["status"] in service.DISBURSED_PLEDGE_STATUSES:
        return True
    return bool(
        await LedgerEntry.exists().where(
            (LedgerEntry.pledge_public_id == pledge_public_id)
            & (LedgerEntry.kind == EntryKind.disbursement)
        )
    )


async def record_refund(donation_id: int, refunded_total_fen: int) -> bool:
    """Bring the donation's refunds up to Stripe's cumulative ``amount_refunded``.

    Only the increase is recorded, so a redelivered or stale event changes nothing. The refund
    comes out of the general-funds part first, then the pledge credit; it is recorded as a
    negative ledger entry, marked ``after_disbursement`` when money had already been paid out
    for the credited pledge (the charity then owes it from its own funds).
    """
    first = (
        await Donation.select(Donation.need, Donation.organisation)
        .where(Donation.id == donation_id)
        .first()
    )
    if first is None:
        return False
    await service.serialise_on(f"donation-credit:{first['organisation']}:{first['need']}")
    row = await _row_by_id(donation_id)
    if row["status"] not in CREDITED_STATUSES:
        return False
    total = min(refunded_total_fen, row["amount_fen"])
    delta = total - row["refunded_fen"]
    if delta <= 0:
        return False
    from_general = min(delta, row["general_funds_fen"])
    from_credit = min(delta - from_general, row["credited_fen"])
    after = await _after_disbursement(row["pledge"], row["pledge.public_id"])
    status = DonationStatus.refunded if total >= row["amount_fen"] else DonationStatus.succeeded
    await Donation.update(
        {
            Donation.refunded_fen: total,
            Donation.general_funds_fen: row["general_funds_fen"] - from_general,
            Donation.credited_fen: row["credited_fen"] - from_credit,
            Donation.status: status,
        }
    ).where(Donation.id == donation_id)
    await ledger.append(
        EntryKind.refund,
        amount_fen=-delta,
        need=row["need.public_id"],
        organisation=row["organisation.public_id"],
        pledge=row["pledge.public_id"],
        details={
            "donation": row["public_id"],
            "channel": row["channel"],
            "after_disbursement": after,
            "credited_fen": -from_credit,
            "general_funds_fen": -from_general,
        },
    )
    await record_event(
        "donation.refunded",
        need_id=first["need"],
        pledge_id=row["pledge.public_id"],
        donation=row["public_id"],
        amount_fen=-delta,
        after_disbursement=after,
    )
    log.info("donation_refunded", donation=row["public_id"], amount=delta, after=after)
    return True


async def donation_by_intent(intent_id: str) -> tuple[int, int] | None:
    """The donation paid by a PaymentIntent: its row id and amount in fen, or None."""
    row = (
        await Donation.select(Donation.id, Donation.amount_fen)
        .where(Donation.stripe_payment_intent == intent_id)
        .first()
    )
    return (int(row["id"]), int(row["amount_fen"])) if row else None
