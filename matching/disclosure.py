"""What the public disclosure shows, computed from ledger entries alone: totals and due dates.

The totals are sums over the append-only ledger, never over the mutable tables of pledges,
donations or disbursements, so a figure on a disclosure page can always be re-derived by
anyone from the open-data ledger file. Cancellations, expiries and refunds are negative
entries and simply add in.

Due dates follow the Charity Law's rhythm (慈善法): a fundraising or project running longer
than six months discloses at least every three months, and everything within three months
after it ends. The three numbers are parameters with the law's values as defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from matching.calendar import add_months

#: Keys of an entry body that are the entry itself; every other key is a ``details`` key.
ENTRY_KEYS = frozenset(
    {"v", "id", "kind", "at", "amount_fen", "hours", "currency", "need", "organisation", "pledge"}
)

PAYEE_KIND_LABELS = {
    "hospital": "医院",
    "school": "学校",
    "landlord": "房东",
    "supplier": "供应商",
    "household": "受助家庭",
}

PLEDGE_KIND_LABELS = {"money": "资金", "goods": "物资", "service": "服务"}

CHANNEL_LABELS = {"stripe": "网上支付", "offline": "线下"}


def details_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``details`` an entry was appended with, recovered from its canonical body."""
    return {key: value for key, value in body.items() if key not in ENTRY_KEYS}


@dataclass
class Totals:
    """Sums over ledger entries, in fen (signed) and hours.

    ``pledged_*`` nets pledges against their cancellations and expiries; ``raised_fen`` nets
    donations against refunds; ``disbursed_fen`` is what organisations recorded as paid and
    ``verified_fen`` what staff then verified against the case.
    """

    pledged_money_fen: int = 0
    pledged_goods_fen: int = 0
    pledged_hours: int = 0
    raised_fen: int = 0
    general_funds_fen: int = 0
    disbursed_fen: int = 0
    verified_fen: int = 0
    delivered_goods_fen: int = 0
    delivered_hours: int = 0
    government_aid_fen: int = 0
    entries: int = 0

    @property
    def pledged_fen(self) -> int:
        """Money and the estimated value of goods together (hours are counted apart)."""
        return self.pledged_money_fen + self.pledged_goods_fen

    def add(self, kind: str, amount_fen: int, hours: int, details: Mapping[str, Any]) -> None:
        self.entries += 1
        if kind in ("pledge", "pledge_cancelled", "pledge_expired"):
            pledge_kind = details.get("pledge_kind")
            if pledge_kind == "goods":
                self.pledged_goods_fen += amount_fen
            elif pledge_kind == "service":
                self.pledged_hours += hours
            else:
                self.pledged_money_fen += amount_fen
        elif kind in ("donation", "refund"):
            self.raised_fen += amount_fen
            self.general_funds_fen += _int(details.get("general_funds_fen"))
        elif kind == "disbursement":
            self.disbursed_fen += amount_fen
        elif kind == "verification":
            if details.get("of") == "disbursement":
                self.verified_fen += amount_fen
        elif kind == "delivery":
            if details.get("pledge_kind") == "service":
                self.delivered_hours += hours
            else:
                self.delivered_goods_fen += amount_fen
        elif kind == "government_aid":
            self.government_aid_fen += amount_fen


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def tally(entries: Iterable[tuple[str, int, int, Mapping[str, Any]]]) -> Totals:
    """Totals of ``(kind, amount_fen, hours, details)`` entries."""
    totals = Totals()
    for kind, amount_fen, hours, details in entries:
        totals.add(kind, amount_fen, hours, details)
    return totals


class DueKind(StrEnum):
    #: Periodic disclosure while the project runs (at least every three months).
    periodic = "periodic"
    #: The closing disclosure of everything, within three months after the project ends.
    final = "final"


DUE_KIND_LABELS = {DueKind.periodic: "定期公开", DueKind.final: "结项公开"}


@dataclass(frozen=True)
class DisclosureDue:
    kind: DueKind
    due_on: date
    #: False while a running project has lasted (and is planned to last) six months or less:
    #: the periodic rhythm becomes a legal duty only for longer projects.
    required: bool
    passed: bool

    @property
    def label(self) -> str:
        return DUE_KIND_LABELS[self.kind]


def next_disclosure_due(
    *,
    started_on: date,
    ended_on: date | None,
    planned_end_on: date | None,
    today: date,
    period_months: int = 3,
    long_project_months: int = 6,
    final_within_months: int = 3,
) -> DisclosureDue:
    """The next disclosure a project owes.

    Running: the first quarter boundary (start + 3k months, k ≥ 1) on or after today; it is
    required once the project has run, or is planned to run, longer than six months. Ended:
    the closing disclosure, three months after the end, which is marked ``passed`` once over.
    """
    if ended_on is not None:
        due = add_months(ended_on, final_within_months)
        return DisclosureDue(DueKind.final, due, required=True, passed=today > due)
    periods = 1
    while add_months(started_on, periods * period_months) < today:
        periods += 1
    long_from = add_months(started_on, long_project_months)
    long_project = today > long_from or (planned_end_on is not None and planned_end_on > long_from)
    return DisclosureDue(
        DueKind.periodic,
        add_months(started_on, periods * period_months),
        required=long_project,
        passed=False,
    )
