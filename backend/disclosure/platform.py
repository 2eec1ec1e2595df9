"""The platform's disclosure: totals, by district, category and month, every need and
organisation; the source of the open-data files too. Same sources and two-step reading
(snapshot, then disclosure) as ``backend/disclosure/service.py``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from backend.disclosure.service import (
    ENTRY_COLUMNS,
    ORGANISATION_COLUMNS,
    EntryView,
    NeedLine,
    OrganisationFacts,
    digest,
    entry_view,
    ledger_stats,
    month_of,
    need_lines,
    organisation_facts,
)
from backend.ledger.tables import LedgerEntry
from backend.ledger.witnesses import WitnessStatus, witness_status
from backend.needs.tables import Need
from backend.organisations.tables import Organisation
from backend.web.pages import LOCAL_ZONE
from matching.disclosure import Totals

# --- the platform ----------------------------------------------------------------------------


@dataclass
class PlatformSnapshot:
    organisations: dict[str, OrganisationFacts]
    key: str
    #: The latest signed head and how many witnesses cosigned it (None: nothing signed yet).
    witnessing: WitnessStatus | None = None


@dataclass
class PlatformDisclosure:
    totals: Totals
    needs: list[NeedLine]
    organisations: list[tuple[OrganisationFacts, Totals]]
    by_district: dict[str, Totals]
    by_category: dict[str, Totals]
    by_month: dict[str, Totals]
    status_counts: dict[str, int]
    entries: list[EntryView]


async def platform_snapshot() -> PlatformSnapshot:
    """Changes with any entry, any sealing, any need's status/version, any organisation."""
    stats = await ledger_stats("platform")
    needs = await Need.raw(
        "SELECT status, COUNT(*) AS n, MAX(id) AS top, SUM(version) AS v, "
        "SUM(pledged_fen) AS pf, SUM(pledged_hours) AS ph FROM need GROUP BY status "
        "ORDER BY status"
    )
    rows = await Organisation.select(*ORGANISATION_COLUMNS).where(
        Organisation.verified.eq(True)
        | Organisation.public_id.is_in(
            LedgerEntry.select(LedgerEntry.organisation_public_id).where(
                LedgerEntry.organisation_public_id.is_not_null()
            )
        )
    )
    organisations = {r["public_id"]: organisation_facts(r) for r in rows}
    today = datetime.now(LOCAL_ZONE).date()
    witnessing = await witness_status()
    key = digest(stats, needs, sorted(organisations.items()), today, witnessing)
    return PlatformSnapshot(organisations=organisations, key=key, witnessing=witnessing)


async def all_entries(names: dict[str, str]) -> list[EntryView]:
    rows = await LedgerEntry.select(*ENTRY_COLUMNS).order_by(LedgerEntry.id)
    return [entry_view(r, names) for r in rows]


async def platform_disclosure(snapshot: PlatformSnapshot) -> PlatformDisclosure:
    names = {k: v.name for k, v in snapshot.organisations.items()}
    entries = await all_entries(names)
    needs = await need_lines()
    by_need = {line.id: line for line in needs}
    per_org: dict[str, Totals] = defaultdict(Totals)
    by_district: dict[str, Totals] = defaultdict(Totals)
    by_category: dict[str, Totals] = defaultdict(Totals)
    by_month: dict[str, Totals] = defaultdict(Totals)
    totals = Totals()
    for e in entries:
        args = (e.kind, e.amount_fen, e.hours, e.details)
        totals.add(*args)
        by_month[month_of(e.recorded_at)].add(*args)
        if e.organisation_id:
            per_org[e.organisation_id].add(*args)
        line = by_need.get(e.need_id or "")
        if line is not None:
            line.totals.add(*args)
            by_district[line.district_name].add(*args)
            by_category[line.category_label].add(*args)
    status_counts: dict[str, int] = defaultdict(int)
    for line in needs:
        status_counts[line.status_label] += 1
    organisations = sorted(
        ((org, per_org[org_id]) for org_id, org in snapshot.organisations.items()),
        key=lambda pair: (-pair[1].pledged_fen - pair[1].raised_fen, pair[0].name),
    )
    return PlatformDisclosure(
        totals=totals,
        needs=needs,
        organisations=organisations,
        by_district=dict(by_district),
        by_category=dict(by_category),
        by_month=dict(sorted(by_month.items())),
        status_counts=dict(status_counts),
        entries=entries,
    )
