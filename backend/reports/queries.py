"""The one aggregate statement behind a report, for PostgreSQL and SQLite alike.

One round trip, one scan of the needs: a CTE joins each need to its case's region once, and
the published / fully pledged / fulfilled counts and the ledger sums all read it; a second
CTE does the same for referrals. Rows come back grouped by sub-region and month (and by whole
days for the two durations), a few thousand at most whatever the number of needs, so the exact
medians are computed in Python from day histograms (``matching.report_stats``).

Portable on purpose: a timestamp's month is found by comparing it with the 13 instants where
the local months begin (bound parameters), not by a time-zone function, which SQLite lacks and
which costs PostgreSQL more per row than eleven comparisons; the sub-region is the leading
digits of the case's 12-digit code, cast to an integer so grouping compares numbers, not
collated text (no region code starts with 0). Only the whole days between two timestamps are
spelled per engine.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from backend.db import get_engine
from backend.needs.tables import Need
from matching.ledger import EntryKind
from matching.report_stats import MONTHS, Grouping, Tally

#: Ledger kinds whose signed amounts add up to what is pledged (cancellations and expiries
#: are negative); disbursements are counted apart; donations and refunds not at all.
PLEDGE_KINDS = (EntryKind.pledge, EntryKind.pledge_cancelled, EntryKind.pledge_expired)
#: Sub-region key of rows that count over all sub-regions (cases referred only).
ALL = 0


@dataclass
class Counts:
    #: (sub-region digits, month 1-12) → what happened there and then.
    cells: dict[tuple[str, int], Tally] = field(default_factory=lambda: defaultdict(Tally))
    #: Distinct cases referred: (digits, month) per cell, (digits, 0) per sub-region over the
    #: year, ("", month) per month over all sub-regions, ("", 0) over everything.
    referred: dict[tuple[str, int], int] = field(default_factory=dict)


class _Statement:
    """SQL text and its positional parameters, appended in the order they appear."""

    def __init__(self, grouping: Grouping, starts: list[datetime], postgres: bool) -> None:
        self.args: list[Any] = []
        self.starts = starts
        self.postgres = postgres
        self.prefix = grouping.prefix
        self.sub = f"CAST(substr(c.region_code, 1, {int(grouping.digits)}) AS BIGINT)"

    def param(self, value: Any) -> str:
        self.args.append(value)
        return "{}"

    def month(self, column: str) -> str:
        """The local month (1-12) of a timestamp already known to lie within the year."""
        whens = " ".join(
            f"WHEN {column} < {self.param(start)} THEN {month}"
            for month, start in zip(MONTHS[:-1], self.starts[1:12], strict=True)
        )
        return f"CASE {whens} ELSE 12 END"

    def in_year(self, column: str) -> str:
        return (
            f"{column} >= {self.param(self.starts[0])} AND {column} < {self.param(self.starts[12])}"
        )

    def in_region(self, keyword: str) -> str:
        """`` WHERE/AND c.region_code LIKE …`` for a region, nothing for the whole platform."""
        if not self.prefix:
            return ""
        return f" {keyword} c.region_code LIKE {self.param(self.prefix + '%')}"

    def whole_days(self, start: str, end: str) -> str:
        """Whole days from ``start`` to ``end`` (2 days 23 hours is 2)."""
        if self.postgres:
            # Subtracting timestamps gives days and a time of day, never months.
            return f"CAST(date_part('day', {end} - {start}) AS INTEGER)"
        seconds = "CAST(strftime('%s', {}) AS INTEGER)"
        return f"(({seconds.format(end)} - {seconds.format(start)}) / 86400)"

    def build(self) -> str:
        # Only constant fragments are interpolated (S608); every value is a bound parameter.
        needs = (
            f"needs AS (SELECT n.public_id, {self.sub} AS sub, n.published_at, "  # noqa: S608
            "n.fully_pledged_at, n.fulfilled_at "
            'FROM need n JOIN assistance_case c ON c.id = n."case"'
            f"{self.in_region('WHERE')})"
        )
        referred = (
            f"referred AS (SELECT {self.sub} AS sub, {self.month('r.submitted_at')} AS month, "  # noqa: S608
            'r."case" AS case_id FROM referral r JOIN assistance_case c ON c.id = r."case" '
            f"WHERE {self.in_year('r.submitted_at')}{self.in_region('AND')})"
        )
        parts = [
            f"SELECT 'published' AS metric, sub, {self.month('published_at')} AS month, "  # noqa: S608
            "0 AS days, COUNT(*) AS n, 0 AS pledged_fen, 0 AS pledged_hours, 0 AS disbursed_fen "
            f"FROM needs WHERE {self.in_year('published_at')} GROUP BY 2, 3"
        ]
        for metric, column in (
            ("fully_pledged", "fully_pledged_at"),
            ("fulfilled", "fulfilled_at"),
        ):
            parts.append(
                f"SELECT '{metric}', sub, {self.month(column)}, "  # noqa: S608
                f"{self.whole_days('published_at', column)}, COUNT(*), 0, 0, 0 "
                f"FROM needs WHERE {self.in_year(column)} GROUP BY 2, 3, 4"
            )
        kinds = ", ".join(f"'{kind.value}'" for kind in (*PLEDGE_KINDS, EntryKind.disbursement))
        paid = f"e.kind = '{EntryKind.disbursement.value}'"
        parts.append(
            f"SELECT 'ledger', n.sub, {self.month('e.recorded_at')}, 0, 0, "  # noqa: S608
            f"SUM(CASE WHEN {paid} THEN 0 ELSE e.amount_fen END), "
            f"SUM(CASE WHEN {paid} THEN 0 ELSE e.hours END), "
            f"SUM(CASE WHEN {paid} THEN e.amount_fen ELSE 0 END) "
            "FROM ledger_entry e JOIN needs n ON n.public_id = e.need_public_id "
            f"WHERE e.kind IN ({kinds}) AND {self.in_year('e.recorded_at')} GROUP BY 2, 3"
        )
        distinct = "0, COUNT(DISTINCT case_id), 0, 0, 0 FROM referred"
        parts += [
            f"SELECT 'referred', sub, month, {distinct} GROUP BY sub, month",
            f"SELECT 'referred', sub, 0, {distinct} GROUP BY sub",
            f"SELECT 'referred', {ALL}, month, {distinct} GROUP BY month",
            f"SELECT 'referred', {ALL}, 0, {distinct}",
        ]
        return f"WITH {needs}, {referred} " + " UNION ALL ".join(parts)


async def count(grouping: Grouping, starts: list[datetime]) -> Counts:
    """Everything a report counts over ``grouping``'s region in the year ``starts`` spans."""
    postgres = isinstance(get_engine(), PostgresEngine)
    statement = _Statement(grouping, starts, postgres)
    sql = statement.build()
    if postgres:
        # The needs CTE holds up to every need of the year; let it, and the hash of the
        # ledger join, stay in memory (for this transaction only).
        await Need.raw("SET LOCAL work_mem = '64MB'")
    rows: list[dict[str, Any]] = await Need.raw(sql, *statement.args)
    counts = Counts()
    for row in rows:
        sub = "" if int(row["sub"]) == ALL else str(row["sub"])
        month = int(row["month"])
        metric = row["metric"]
        if metric == "referred":
            counts.referred[(sub, month)] = int(row["n"])
            if sub and month:
                counts.cells[(sub, month)].cases_referred = int(row["n"])
            continue
        tally = counts.cells[(sub, month)]
        if metric == "published":
            tally.needs_published += int(row["n"])
        elif metric == "fully_pledged":
            tally.days_to_fully_pledged[int(row["days"])] += int(row["n"])
        elif metric == "fulfilled":
            tally.days_to_fulfilled[int(row["days"])] += int(row["n"])
        else:
            tally.pledged_fen += int(row["pledged_fen"])
            tally.pledged_hours += int(row["pledged_hours"])
            tally.disbursed_fen += int(row["disbursed_fen"])
    return counts
