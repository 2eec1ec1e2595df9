"""Offline donations: bank transfers a charity received and records itself.

Always available to members of a qualified charity, and the only way to donate when Stripe is
not configured. The bank reference is unique per charity, so a double submission records one
donation; it is credited and written to the ledger like an online one (channel "offline").
"""

from __future__ import annotations

import secrets

import structlog

from backend.accounts.schemas import CurrentUser
from backend.accounts.service import organisation_ids_of
from backend.accounts.tables import Membership
from backend.donations import outcomes, service
from backend.donations.schemas import DonationRead, OfflineDonationCreate
from backend.donations.tables import Donation, DonationChannel, DonationStatus
from backend.pledges.tables import Pledge
from matching.vocabulary import NeedKind

log = structlog.get_logger(__name__)


async def record_offline(
    user: CurrentUser, data: OfflineDonationCreate
) -> tuple[DonationRead, bool]:
    """A bank transfer recorded by a member of the receiving charity, succeeded at once.

    The bank reference is unique per charity: the same submission again returns the donation
    already recorded (``False``: not created now); a different one with that reference is a 409.
    """
    org = (
        await Membership.select(Membership.organisation.id)
        .where(
            (Membership.user == user.id)
            & (Membership.organisation.public_id == data.organisation_id)
        )
        .first()
    )
    if org is None:
        raise service.CharityNotFound(field="organisation_id")
    offline_key = f"{org['organisation.id']}:{data.bank_reference}"
    await service.serialise_on(f"donation-offline:{offline_key}")
    existing = (
        await Donation.select(*service.READ_COLUMNS)
        .where(Donation.offline_key == offline_key)
        .first()
    )
    if existing is not None:
        same = existing["need.public_id"] == data.need_id and (
            existing["amount_fen"] == data.amount_fen
        )
        if not same:
            raise service.BankReferenceTaken(field="bank_reference")
        return service.to_read(existing), False

    need, charity = await service.target(data.need_id, data.organisation_id)
    donation = Donation(
        public_id=secrets.token_urlsafe(12),
        need=need["id"],
        organisation=charity["id"],
        channel=DonationChannel.offline,
        status=DonationStatus.pending,
        amount_fen=data.amount_fen,
        donor_name=data.donor_name,
        offline_key=offline_key,
        bank_reference=data.bank_reference,
        received_on=data.received_on,
        recorded_by=user.id,
        created_at=service.now(),
    )
    await donation.save()
    await outcomes.succeed(donation.id)
    log.info("offline_donation_recorded", donation=donation.public_id, need=need["public_id"])
    return await service.read_donation(donation.public_id), True


async def fundraising_targets(user: CurrentUser) -> list[dict[str, str]]:
    """(need, charity) pairs for which the user's qualified charities may record donations."""
    orgs = await organisation_ids_of(user.id)
    if not orgs:
        return []
    rows = (
        await Pledge.select(
            Pledge.need.public_id,
            Pledge.need.title,
            Pledge.organisation.public_id,
            Pledge.organisation.name,
        )
        .where(
            Pledge.organisation.is_in(list(orgs))
            & (Pledge.kind == NeedKind.money)
            & Pledge.status.is_in(list(service.FUNDRAISING_PLEDGE_STATUSES))
            & Pledge.organisation._.public_fundraising.eq(True)
            & Pledge.need.status.is_in(list(service.OPEN_NEED_STATUSES))
        )
        .order_by(Pledge.id, ascending=False)
    )
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        key = (row["need.public_id"], row["organisation.public_id"])
        seen.setdefault(
            key,
            {
                "need_id": key[0],
                "need_title": row["need.title"],
                "organisation_id": key[1],
                "organisation_name": row["organisation.name"],
            },
        )
    return list(seen.values())
