"""Pure statistics behind the region-and-month reports (backend/reports).

The database groups rows by sub-region and month and counts how many needs took each whole
number of days; everything that cannot be summed (a median) is computed here from those
counts, exactly, so one code path serves PostgreSQL and SQLite alike. Totals of a report are
built from the same cells: counts and amounts add up, day histograms merge, and only the
number of distinct cases referred needs its own count from the database (one case referred
twice in a year is one case in the year's total, not two).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from matching.regions import LEVEL_DIGITS, LEVEL_NAMES, level_of, significant_prefix

#: Months of a calendar year, 1-based as people read them.
MONTHS = tuple(range(1, 13))
#: Whole days elapsed → how many needs took that long.
DayHistogram = Counter[int]


def median_of_histogram(histogram: Mapping[int, int]) -> float | None:
    """The exact median of the values a histogram counts (the mean of the middle two when
    the count is even); None when it counts nothing.

    Walking the sorted distinct values is enough: a year has at most a few hundred distinct
    day counts, whatever the number of needs.
    """
    total = sum(n for n in histogram.values() if n > 0)
    if total == 0:
        return None
    lower_rank, upper_rank = (total - 1) // 2, total // 2  # 0-based ranks of the middle
    lower = upper = None
    seen = 0
    for value in sorted(v for v, n in histogram.items() if n > 0):
        seen += histogram[value]
        if lower is None and seen > lower_rank:
            lower = value
        if seen > upper_rank:
            upper = value
            break
    assert lower is not None and upper is not None
    return (lower + upper) / 2


def month_starts(year: int, zone: tzinfo) -> list[datetime]:
    """The UTC instants where each month of the calendar year begins in ``zone``, and where
    the next year begins (13 instants).

    Reports follow the local calendar (a pledge made at 01:00 on 1 February Beijing time
    belongs to February, though it is still January in UTC); comparing a timestamp with
    these instants places it in its month on any database, whatever its time-zone support.
    """
    starts = [datetime(year, month, 1, tzinfo=zone) for month in MONTHS]
    starts.append(datetime(year + 1, 1, 1, tzinfo=zone))
    return [start.astimezone(UTC) for start in starts]


@dataclass(frozen=True, slots=True)
class Grouping:
    """How a report over a region is broken down: by the next level down.

    A report over the whole platform (``region`` None) groups by province; over a community,
    the lowest level, by the community itself.
    """

    region: str | None
    #: Leading digits of a 12-digit code that name the sub-region a row belongs to.
    digits: int
    #: What the sub-regions are called (省, 市, 区县, 街道乡镇, 社区村).
    level_name: str

    @property
    def prefix(self) -> str:
        """Leading digits every code inside the region shares ("" for the whole platform)."""
        if self.region is None:
            return ""
        return significant_prefix(self.region)

    def sub_region_code(self, digits: str) -> str:
        """The 12-digit code of a sub-region from its leading digits."""
        return digits.ljust(12, "0")


def grouping_for(region: str | None) -> Grouping:
    """The breakdown of a report over ``region`` (a 12-digit code) or the whole platform."""
    if region is None:
        return Grouping(region=None, digits=LEVEL_DIGITS[1], level_name=LEVEL_NAMES[1])
    level = min(level_of(region) + 1, max(LEVEL_DIGITS))
    return Grouping(region=region, digits=LEVEL_DIGITS[level], level_name=LEVEL_NAMES[level])


@dataclass(slots=True)
class Tally:
    """What one cell of a report counts: a sub-region in a month, or any total of cells."""

    cases_referred: int = 0
    needs_published: int = 0
    #: Whole days from publication to fully pledged, of needs fully pledged in the period.
    days_to_fully_pledged: DayHistogram = field(default_factory=Counter)
    #: Whole days from publication to fulfilled, of needs fulfilled in the period.
    days_to_fulfilled: DayHistogram = field(default_factory=Counter)
    #: Net fen pledged: pledges less cancelled and expired pledges (money and goods value).
    pledged_fen: int = 0
    #: Net service hours pledged, likewise.
    pledged_hours: int = 0
    disbursed_fen: int = 0

    @property
    def needs_fully_pledged(self) -> int:
        return sum(self.days_to_fully_pledged.values())

    @property
    def needs_fulfilled(self) -> int:
        return sum(self.days_to_fulfilled.values())

    @property
    def median_days_to_fully_pledged(self) -> float | None:
        return median_of_histogram(self.days_to_fully_pledged)

    @property
    def median_days_to_fulfilled(self) -> float | None:
        return median_of_histogram(self.days_to_fulfilled)

    def add(self, other: Tally) -> None:
        """Add another cell's additive figures (not ``cases_referred``: see module doc)."""
        self.needs_published += other.needs_published
        self.days_to_fully_pledged.update(other.days_to_fully_pledged)
        self.days_to_fulfilled.update(other.days_to_fulfilled)
        self.pledged_fen += other.pledged_fen
        self.pledged_hours += other.pledged_hours
        self.disbursed_fen += other.disbursed_fen


def sum_tallies(tallies: Iterable[Tally], *, cases_referred: int) -> Tally:
    """The total of several cells, with the distinct cases referred counted over all of them."""
    total = Tally(cases_referred=cases_referred)
    for tally in tallies:
        total.add(tally)
    return total


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen as a yuan Decimal with two places, exactly (12345 → Decimal("123.45"))."""
    return Decimal(fen).scaleb(-2).quantize(Decimal("0.01"))
