"""Reading the public disclosure (信息公开): per need, per organisation, for the platform.

Everything here is read from three public sources only: the ledger (``ledger_entry``), the
need's public columns (``backend.needs.service.PUBLIC_COLUMNS`` plus its lifecycle dates and
``version``) and an organisation's public profile columns. Cases, referrals, and the donation
and disbursement tables are never read, so no personal field can reach a disclosure page.

Each reader comes in two steps. A *snapshot* is a few cheap, indexed queries whose result
changes whenever anything the page shows changes (a new ledger entry, an entry sealed, the
need's status or version, an organisation's name or qualification); its ``key`` is the cache
version (``backend/disclosure/cache.py``). The *disclosure* is the full read, built only when
the cached copy for that version is missing.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from backend.errors import NotFound
from backend.ledger.tables import LedgerEntry
from backend.needs.schemas import NeedPublic
from backend.needs.service import PUBLIC_COLUMNS, remaining, to_public
from backend.needs.tables import NEED_STATUS_LABELS, Need, NeedStatus
from backend.organisations.tables import ORGANISATION_KIND_LABELS, Organisation, OrganisationKind
from backend.regions.tables import Region
from backend.web.pages import LOCAL_ZONE
from matching.disclosure import (
    CHANNEL_LABELS,
    PAYEE_KIND_LABELS,
    PLEDGE_KIND_LABELS,
    DisclosureDue,
    Totals,
    details_of,
    next_disclosure_due,
    tally,
)
from matching.ledger import ENTRY_KIND_LABELS, EntryKind
from matching.regions import LEVEL_DIGITS, InvalidRegionCode, level_of
from matching.vocabulary import NEED_CATEGORY_LABELS, NeedCategory


class DisclosureNeedNotFound(NotFound):
    code = "disclosure_need_not_found"
    message = "未找到该需求的公开信息"


class DisclosureOrganisationNotFound(NotFound):
    code = "disclosure_organisation_not_found"
    message = "未找到该组织的公开信息"


class DisclosureEntryNotFound(NotFound):
    code = "disclosure_entry_not_found"
    message = "账本条目不存在"


#: The need columns disclosure reads: the public projection plus lifecycle facts (no person).
NEED_COLUMNS = (*PUBLIC_COLUMNS, Need.version, Need.fulfilled_at, Need.closed_at)
#: The organisation columns anyone may read; ``uscc`` is shown for charities only.
ORGANISATION_COLUMNS = (
    Organisation.public_id,
    Organisation.name,
    Organisation.kind,
    Organisation.uscc,
    Organisation.verified,
    Organisation.public_fundraising,
    Organisation.fundraising_certificate,
)
ENTRY_COLUMNS = (
    LedgerEntry.public_id,
    LedgerEntry.seq,
    LedgerEntry.kind,
    LedgerEntry.recorded_at,
    LedgerEntry.need_public_id,
    LedgerEntry.organisation_public_id,
    LedgerEntry.pledge_public_id,
    LedgerEntry.amount_fen,
    LedgerEntry.hours,
    LedgerEntry.body,
)


def digest(*parts: Any) -> str:
    text = json.dumps(parts, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- public shapes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFacts:
    id: str
    name: str
    kind: str
    kind_label: str
    #: 统一社会信用代码: public for charities (registered with civil affairs), else blank.
    uscc: str
    verified: bool
    public_fundraising: bool
    fundraising_certificate: str


def organisation_facts(row: dict[str, Any]) -> OrganisationFacts:
    kind = OrganisationKind(row["kind"])
    return OrganisationFacts(
        id=row["public_id"],
        name=row["name"],
        kind=kind.value,
        kind_label=ORGANISATION_KIND_LABELS[kind],
        uscc=row["uscc"] if kind == OrganisationKind.charity else "",
        verified=row["verified"],
        public_fundraising=row["public_fundraising"],
        fundraising_certificate=row["fundraising_certificate"],
    )


@dataclass(frozen=True)
class EntryView:
    """One ledger entry as the public reads it: ids are public ids only."""

    id: str
    seq: int | None
    kind: str
    kind_label: str
    recorded_at: datetime
    need_id: str | None
    organisation_id: str | None
    organisation_name: str
    pledge_id: str | None
    amount_fen: int
    hours: int
    details: dict[str, Any]
    payee_label: str
    evidence_sha256: str
    note: str


def _party(kind: str, organisation_id: str | None, names: dict[str, str]) -> str:
    if organisation_id:
        return names.get(organisation_id, "（组织）")
    if kind == EntryKind.government_aid:
        return "民政部门"
    if kind in (EntryKind.pledge, EntryKind.pledge_cancelled, EntryKind.pledge_expired):
        return "个人志愿者"
    return "—"


def _note(kind: str, details: dict[str, Any]) -> str:
    """A short Chinese line saying what the details mean (no person is ever named here)."""
    if "pledge_kind" in details:
        return PLEDGE_KIND_LABELS.get(str(details["pledge_kind"]), "")
    if kind in (EntryKind.donation, EntryKind.refund):
        channel = CHANNEL_LABELS.get(str(details.get("channel", "")), "")
        donor = str(details.get("donor") or "") if kind == EntryKind.donation else ""
        extra = "（拨付后退款）" if details.get("after_disbursement") else ""
        return "，".join(part for part in (donor, channel) if part) + extra
    if kind == EntryKind.verification:
        return "核实拨付" if details.get("of") == "disbursement" else "核实交付"
    if kind == EntryKind.disbursement and details.get("paid_on"):
        return f"支付日期 {details['paid_on']}"
    return ""


#: Parsed entries by (id, position, organisation name): an entry's body never changes.
_VIEWS: OrderedDict[tuple[str, int | None, str | None], EntryView] = OrderedDict()
MAX_VIEWS = 100_000


def _view_key(row: dict[str, Any], names: dict[str, str]) -> tuple[str, int | None, str | None]:
    org = row["organisation_public_id"]
    return (row["public_id"], row["seq"], names.get(org) if org else None)


def _remember(key: tuple[str, int | None, str | None], view: EntryView) -> EntryView:
    _VIEWS[key] = view
    if len(_VIEWS) > MAX_VIEWS:
        _VIEWS.popitem(last=False)
    return view


def entry_view(row: dict[str, Any], names: dict[str, str]) -> EntryView:
    key = _view_key(row, names)
    found = _VIEWS.get(key)
    return found if found is not None else _remember(key, _entry_view(row, names))


async def entries_where(column: str, value: str, names: dict[str, str]) -> list[EntryView]:
    """Entries of one need or organisation, oldest first, parsing only those not seen yet.

    The list is read with its identifying columns only; bodies are fetched for entries that are
    new to this process (or newly sealed), so a page rebuilt after one new entry reads one body.
    """
    light = await LedgerEntry.raw(_LIGHT_BY[column], value)
    views = {}
    missing = []
    for row in light:
        key = _view_key(row, names)
        found = _VIEWS.get(key)
        if found is None:
            missing.append(row["public_id"])
        else:
            views[row["public_id"]] = found
    if missing:
        for row in await LedgerEntry.select(*ENTRY_COLUMNS).where(
            LedgerEntry.public_id.is_in(missing)
        ):
            views[row["public_id"]] = _remember(_view_key(row, names), _entry_view(row, names))
    return [views[row["public_id"]] for row in light]


_LIGHT = "SELECT public_id, seq, organisation_public_id FROM ledger_entry WHERE "
_LIGHT_BY = {
    "need": _LIGHT + "need_public_id = {} ORDER BY id",
    "organisation": _LIGHT + "organisation_public_id = {} ORDER BY id",
}


def _entry_view(row: dict[str, Any], names: dict[str, str]) -> EntryView:
    details = details_of(json.loads(row["body"]))
    kind = row["kind"]
    return EntryView(
        id=row["public_id"],
        seq=row["seq"],
        kind=kind,
        kind_label=ENTRY_KIND_LABELS.get(EntryKind(kind), kind),
        recorded_at=row["recorded_at"],
        need_id=row["need_public_id"],
        organisation_id=row["organisation_public_id"],
        organisation_name=_party(kind, row["organisation_public_id"], names),
        pledge_id=row["pledge_public_id"],
        amount_fen=row["amount_fen"],
        hours=row["hours"],
        details=details,
        payee_label=PAYEE_KIND_LABELS.get(str(details.get("payee_kind", "")), ""),
        evidence_sha256=str(details.get("evidence_sha256") or ""),
        note=_note(kind, details),
    )


def _tally(entries: list[EntryView]) -> Totals:
    return tally((e.kind, e.amount_fen, e.hours, e.details) for e in entries)


_ENDED = (NeedStatus.closed, NeedStatus.fulfilled, NeedStatus.expired)


def _due(row: dict[str, Any], today: date | None = None) -> DisclosureDue:
    """The need's next disclosure; it ends when closed or fulfilled (or at its deadline)."""
    today = today or datetime.now(LOCAL_ZONE).date()
    ended = row["closed_at"] or row["fulfilled_at"]
    ended_on: date | None = ended.astimezone(LOCAL_ZONE).date() if ended else None
    if ended_on is None and row["status"] in _ENDED:
        ended_on = min(row["deadline"], today)
    return next_disclosure_due(
        started_on=row["published_at"].astimezone(LOCAL_ZONE).date(),
        ended_on=ended_on,
        planned_end_on=row["deadline"],
        today=today,
    )


async def _organisation_names(ids: set[str]) -> dict[str, OrganisationFacts]:
    if not ids:
        return {}
    rows = await Organisation.select(*ORGANISATION_COLUMNS).where(
        Organisation.public_id.is_in(sorted(ids))
    )
    return {row["public_id"]: organisation_facts(row) for row in rows}


_STATS = "SELECT MAX(id) AS top, COUNT(seq) AS sealed, COUNT(*) AS n FROM ledger_entry"
#: Fixed statements, one per scope: ``MAX(id)`` moves with every new entry (the ledger is
#: append-only) and ``COUNT(seq)`` with every sealing, which turns "待签入" into a position.
_STATS_BY = {
    "platform": _STATS,
    "need": _STATS + " WHERE need_public_id = {}",
    "organisation": _STATS + " WHERE organisation_public_id = {}",
}


async def ledger_stats(scope: str, *args: str) -> tuple[Any, ...]:
    row = (await LedgerEntry.raw(_STATS_BY[scope], *args))[0]
    return (row["top"], row["sealed"], row["n"])


# --- one need --------------------------------------------------------------------------------


@dataclass
class NeedSnapshot:
    row: dict[str, Any]
    organisations: dict[str, OrganisationFacts]
    key: str


@dataclass
class NeedDisclosure:
    need: NeedPublic
    totals: Totals
    due: DisclosureDue
    entries: list[EntryView]
    organisations: dict[str, OrganisationFacts]
    ended: bool
    #: The region named with its province and city, never the 市辖区 placeholder.
    region_label: str


async def need_snapshot(need_id: str) -> NeedSnapshot:
    """The need's disclosure version: its row, its ledger's size and sealing, its parties."""
    row = await Need.select(*NEED_COLUMNS).where(Need.public_id == need_id).first()
    if row is None:
        raise DisclosureNeedNotFound()
    stats = await ledger_stats("need", need_id)
    parties = await Organisation.select(*ORGANISATION_COLUMNS).where(
        Organisation.public_id.is_in(
            LedgerEntry.select(LedgerEntry.organisation_public_id).where(
                LedgerEntry.need_public_id == need_id
            )
        )
    )
    organisations = {p["public_id"]: organisation_facts(p) for p in parties}
    today = datetime.now(LOCAL_ZONE).date()
    key = digest(row, stats, sorted(organisations.items()), today)
    return NeedSnapshot(row=row, organisations=organisations, key=key)


async def need_disclosure(snapshot: NeedSnapshot) -> NeedDisclosure:
    row = snapshot.row
    names = {k: v.name for k, v in snapshot.organisations.items()}
    entries = await entries_where("need", row["public_id"], names)
    region = (await region_labels({row["region_code"]}))[row["region_code"]]
    return NeedDisclosure(
        need=await to_public(row),
        totals=_tally(entries),
        due=_due(row),
        entries=entries,
        organisations=snapshot.organisations,
        ended=bool(row["closed_at"] or row["fulfilled_at"]) or row["status"] in _ENDED,
        region_label=region[0],
    )


# --- lists of needs (organisation and platform pages, open data) -----------------------------


@dataclass
class NeedLine:
    """One need in a table: its public facts and the totals of the entries in scope."""

    id: str
    title: str
    category: str
    category_label: str
    kind: str
    region_code: str
    region_name: str
    district_name: str
    status: str
    status_label: str
    published_at: datetime
    deadline: date
    target_fen: int | None
    target_hours: int | None
    government_aid_fen: int
    remaining_fen: int
    remaining_hours: int
    due: DisclosureDue
    totals: Totals = field(default_factory=Totals)


async def region_labels(codes: set[str]) -> dict[str, tuple[str, str]]:
    """Per region code: its full name (天津市滨海新区塘沽街道) and its district's (天津市滨海新区).

    One query. District names carry their province and city (天津市滨海新区) because district
    names repeat across cities; the 市辖区/县 placeholders of the division table are left out.
    """
    chains: dict[str, list[tuple[int, str]]] = {}
    for code in codes:
        try:
            level = level_of(code)
        except InvalidRegionCode:
            chains[code] = []
            continue
        chains[code] = [(lv, code[: LEVEL_DIGITS[lv]].ljust(12, "0")) for lv in range(1, level + 1)]
    wanted = sorted({c for chain in chains.values() for _, c in chain})
    names: dict[str, str] = {}
    if wanted:
        rows = await Region.select(Region.code, Region.name).where(Region.code.is_in(wanted))
        names = {r["code"]: r["name"] for r in rows}
    out: dict[str, tuple[str, str]] = {}
    for code, chain in chains.items():
        named = [(lv, names[c]) for lv, c in chain if names.get(c) not in (None, "市辖区", "县")]
        full = "".join(name for _, name in named)
        district = "".join(name for lv, name in named if lv <= 3)
        out[code] = (full or code, district or code)
    return out


def _need_line(row: dict[str, Any], labels: dict[str, tuple[str, str]]) -> NeedLine:
    category = NeedCategory(row["category"])
    status = NeedStatus(row["status"])
    region, district = labels.get(row["region_code"], (row["region_code"], row["region_code"]))
    remaining_fen, remaining_hours = remaining(row)
    return NeedLine(
        id=row["public_id"],
        title=row["title"],
        category=category.value,
        category_label=NEED_CATEGORY_LABELS[category],
        kind=row["kind"],
        region_code=row["region_code"],
        region_name=region,
        district_name=district,
        status=status.value,
        status_label=NEED_STATUS_LABELS[status],
        published_at=row["published_at"],
        deadline=row["deadline"],
        target_fen=row["target_fen"],
        target_hours=row["target_hours"],
        government_aid_fen=row["government_aid_fen"],
        remaining_fen=remaining_fen,
        remaining_hours=remaining_hours,
        due=_due(row),
    )


_LINE_COLUMNS = (
    Need.public_id,
    Need.title,
    Need.category,
    Need.kind,
    Need.region_code,
    Need.status,
    Need.published_at,
    Need.deadline,
    Need.target_fen,
    Need.target_hours,
    Need.government_aid_fen,
    Need.pledged_fen,
    Need.pledged_hours,
    Need.version,
    Need.fulfilled_at,
    Need.closed_at,
)


async def need_lines(need_ids: set[str] | None = None) -> list[NeedLine]:
    """Needs (all, or these), newest first, with their region names; totals left empty."""
    query = Need.select(*_LINE_COLUMNS).order_by(Need.published_at, ascending=False)
    if need_ids is not None:
        if not need_ids:
            return []
        query = query.where(Need.public_id.is_in(sorted(need_ids)))
    rows = await query
    labels = await region_labels({r["region_code"] for r in rows})
    return [_need_line(r, labels) for r in rows]


# --- one organisation ------------------------------------------------------------------------


@dataclass
class OrganisationSnapshot:
    organisation: OrganisationFacts
    key: str


@dataclass
class OrganisationDisclosure:
    organisation: OrganisationFacts
    totals: Totals
    needs: list[NeedLine]
    months: dict[str, Totals]


async def organisation_snapshot(org_id: str) -> OrganisationSnapshot:
    row = (
        await Organisation.select(*ORGANISATION_COLUMNS)
        .where(Organisation.public_id == org_id)
        .first()
    )
    if row is None:
        raise DisclosureOrganisationNotFound()
    stats = await ledger_stats("organisation", org_id)
    needs = await Need.select(Need.public_id, Need.status, Need.version, Need.title).where(
        Need.public_id.is_in(
            LedgerEntry.select(LedgerEntry.need_public_id).where(
                LedgerEntry.organisation_public_id == org_id
            )
        )
    )
    today = datetime.now(LOCAL_ZONE).date()
    key = digest(row, stats, sorted(needs, key=lambda n: n["public_id"]), today)
    return OrganisationSnapshot(organisation=organisation_facts(row), key=key)


def month_of(moment: datetime) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m")


async def organisation_disclosure(snapshot: OrganisationSnapshot) -> OrganisationDisclosure:
    org = snapshot.organisation
    entries = await entries_where("organisation", org.id, {org.id: org.name})
    per_need: dict[str, Totals] = defaultdict(Totals)
    months: dict[str, Totals] = defaultdict(Totals)
    for e in entries:
        if e.need_id:
            per_need[e.need_id].add(e.kind, e.amount_fen, e.hours, e.details)
        months[month_of(e.recorded_at)].add(e.kind, e.amount_fen, e.hours, e.details)
    lines = await need_lines(set(per_need))
    for line in lines:
        line.totals = per_need[line.id]
    return OrganisationDisclosure(
        organisation=org, totals=_tally(entries), needs=lines, months=dict(sorted(months.items()))
    )


# --- the verify page -------------------------------------------------------------------------


async def entry_state(entry_id: str) -> EntryView:
    """An entry for the verify page (404 for an unknown id)."""
    row = await LedgerEntry.select(*ENTRY_COLUMNS).where(LedgerEntry.public_id == entry_id).first()
    if row is None:
        raise DisclosureEntryNotFound()
    names = await _organisation_names(
        {row["organisation_public_id"]} if row["organisation_public_id"] else set()
    )
    return entry_view(row, {k: v.name for k, v in names.items()})


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
