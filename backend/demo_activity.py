"""Demo money flows for ``make demo``: pledges, offline donations, disbursements with evidence,
staff verification and a sealed ledger, so the disclosure pages have a story to tell.

Everything goes through the same services as the web pages, so the ledger entries, events and
totals are exactly what real use produces. Idempotent: it does nothing once the demo charity
has pledged.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

import segno

from backend.accounts.schemas import CurrentUser
from backend.disbursements.schemas import DisbursementCreate
from backend.disbursements.service import record_disbursement, verify_disbursement
from backend.disbursements.tables import EvidenceKind, PayeeKind
from backend.donations.offline import record_offline
from backend.donations.schemas import OfflineDonationCreate
from backend.ledger.sealing import seal
from backend.needs.tables import Need, NeedStatus
from backend.organisations.tables import Organisation
from backend.pledges.schemas import PledgeCreate
from backend.pledges.service import create_pledge
from backend.pledges.tables import Pledge
from matching.vocabulary import NeedKind

CERTIFICATE = "津民慈募〔2024〕第12号（演示）"
PAYEES = (PayeeKind.hospital, PayeeKind.school, PayeeKind.landlord)
DONORS = ("爱心人士", "滨海一市民", "塘沽老街坊", "爱心人士", "匿名", "一位老师")


def _evidence_png(label: str) -> bytes:
    """A small PNG standing in for a scanned receipt (a QR code of the receipt number)."""
    out = io.BytesIO()
    segno.make(label).save(out, kind="png", scale=4)
    return out.getvalue()


async def seed_activity(charity: CurrentUser, staff: CurrentUser) -> int:
    org = (
        await Organisation.select(Organisation.id, Organisation.public_id)
        .where(Organisation.uscc == "53120116MJ0000001J")
        .first()
    )
    if org is None or await Pledge.exists().where(Pledge.organisation == org["id"]):
        return 0
    await Organisation.update(
        {
            Organisation.public_fundraising: True,
            Organisation.fundraising_certificate: "津民慈募〔2024〕第12号（演示）",
        }
    ).where(Organisation.id == org["id"])
    rng = random.Random(20261126)
    needs = await (
        Need.select(Need.public_id, Need.target_fen)
        .where((Need.kind == NeedKind.money) & (Need.status == NeedStatus.published))
        .order_by(Need.id)
        .limit(6)
    )
    today = date.today()
    flows = 0
    for n, need in enumerate(needs):
        target = int(need["target_fen"] or 0)
        amount = target if n < 3 else target // 2
        if amount <= 0:
            continue
        pledge = await create_pledge(
            charity,
            PledgeCreate(
                need_id=need["public_id"],
                organisation_id=org["public_id"],
                kind=NeedKind.money,
                amount_fen=amount,
            ),
            f"demo-pledge-{n}",
        )
        raised = 0
        for d in range(rng.randint(2, 4)):
            gift = min(rng.choice((5_000, 10_000, 20_000, 50_000)), amount)
            await record_offline(
                charity,
                OfflineDonationCreate(
                    need_id=need["public_id"],
                    organisation_id=org["public_id"],
                    amount_fen=gift,
                    donor_name=rng.choice(DONORS),
                    bank_reference=f"DEMO{n:02d}{d:02d}{rng.randint(1000, 9999)}",
                    received_on=today - timedelta(days=rng.randint(1, 10)),
                ),
            )
            raised += gift
        if n < 4:
            paid = amount if n < 2 else amount // 2
            disbursement = await record_disbursement(
                charity,
                pledge.id,
                DisbursementCreate(
                    amount_fen=paid,
                    payee_kind=rng.choice(
                        (PayeeKind.hospital, PayeeKind.school, PayeeKind.landlord)
                    ),
                    paid_on=today - timedelta(days=1),
                    evidence_kind=EvidenceKind.receipt,
                ),
                _evidence_png(f"DEMO-RECEIPT-{n:03d}"),
            )
            if n < 2:
                await verify_disbursement(staff, disbursement.id)
        flows += 1
    await seal()
    return flows
