"""The linkage of a case (staff only): every pledge against its needs beside the government
assistance already granted, so duplicate or excess help is visible before it happens."""

from __future__ import annotations

from backend.accounts.schemas import CurrentUser
from backend.cases.service import case_in_scope, grants_of
from backend.disbursements.service import DisbursementNotFound
from backend.disbursements.tables import Disbursement
from backend.pledges.schemas import Linkage, LinkedPledge
from backend.pledges.service import _READ_COLUMNS, PledgeNotFound, _to_read
from backend.pledges.tables import OPEN_STATUSES, Pledge, PledgeStatus


async def linkage(staff: CurrentUser, case_ref: str) -> Linkage:
    case = await case_in_scope(staff, case_ref)
    grants = await grants_of(case["id"])
    rows = (
        await Pledge.select(*_READ_COLUMNS, Pledge.pledged_by.display_name)
        .where(Pledge.need.case == case["id"])
        .order_by(Pledge.id)
    )
    pledges = [
        LinkedPledge(**_to_read(row).model_dump(), pledged_by=row["pledged_by.display_name"])
        for row in rows
    ]
    open_pledges = [p for p in pledges if p.status in OPEN_STATUSES]
    return Linkage(
        case_ref=case_ref,
        grants_total_fen=sum(g.amount_fen for g in grants),
        pledges=pledges,
        pledged_total_fen=sum(p.amount_fen for p in open_pledges),
        verified_total_fen=sum(p.amount_fen for p in pledges if p.status == PledgeStatus.verified),
    )


async def ensure_of_case(
    staff: CurrentUser,
    case_ref: str,
    *,
    pledge_id: str | None = None,
    disbursement_id: str | None = None,
) -> None:
    """An action on the linkage page must concern the case in its URL, else 404.

    Region scope alone would let a form posted under one case act on another case's pledge in
    the same region, and the audit trail would then name the wrong household.
    """
    case = await case_in_scope(staff, case_ref)
    if pledge_id is not None and not await Pledge.exists().where(
        (Pledge.public_id == pledge_id) & (Pledge.need.case == case["id"])
    ):
        raise PledgeNotFound()
    if disbursement_id is not None and not await Disbursement.exists().where(
        (Disbursement.public_id == disbursement_id)
        & (Disbursement.pledge._.need._.case == case["id"])
    ):
        raise DisbursementNotFound()
