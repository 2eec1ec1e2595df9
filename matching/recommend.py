"""Ranking published needs for one organisation (为您推荐), and saying why each is where it is.

A need's score is the sum of five components, each worth a fixed number of points when it
applies and nothing otherwise:

=============  ===========================================================  ==============
component      applies when                                                 points
=============  ===========================================================  ==============
region         the need lies in a street / district / city the org serves   40 / 25 / 10
category       the need's category is one of the org's focus categories     30
urgency        the need is 急难                                              20
deadline       the deadline is at most 3 / 7 / 14 / 30 days away            15 / 10 / 6 / 3
capacity       what remains fits in the org's monthly capacity              15
=============  ===========================================================  ==============

Every component that contributes points carries one Chinese reason, and no other reason is
ever given: the list of reasons *is* the score, read aloud. Ties are broken by the sooner
deadline, then by public id, so the same data always gives the same order. The publication
date travels with a need for display but scores nothing: a fresh need with a far deadline
is not more pressing than an old one with a near deadline.

Proximity compares the 12-digit division codes by prefix (``matching.regions``): two codes
are in the same street when their first 9 digits agree and both name a street or below, and
likewise 6 digits for a district and 4 for a city. A need that k-anonymity lifted to its
district can therefore be "同区" at best, never "同一街道".

The rules are deliberately a sum of table look-ups: ``ScorePlan`` holds the tables for one
organisation on one day, so that a database can evaluate the same sum over 100,000 rows and
hand back only the best few (``backend.recommendations.service``); ``rank`` and ``explain``
then score those rows here, in plain Python, and the caller checks that both agree.
``rank`` does the whole job in Python for any number of needs; it is the reference the
database's answer is tested against.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from matching.regions import LEVEL_DIGITS, InvalidRegionCode, contains, level_of
from matching.vocabulary import NEED_CATEGORY_LABELS, NeedCategory, NeedKind, Urgency

#: Points for the region tier, best first: (level, digits compared, points, reason).
REGION_TIERS: tuple[tuple[int, int, int, str], ...] = (
    (4, LEVEL_DIGITS[4], 40, "同一街道"),
    (3, LEVEL_DIGITS[3], 25, "同区"),
    (2, LEVEL_DIGITS[2], 10, "同市"),
)
CATEGORY_POINTS = 30
URGENT_POINTS = 20
#: (days left at most, points), soonest first; a deadline further away earns nothing.
DEADLINE_STEPS: tuple[tuple[int, int], ...] = ((3, 15), (7, 10), (14, 6), (30, 3))
CAPACITY_POINTS = 15

STREET_DIGITS, DISTRICT_DIGITS, CITY_DIGITS = (digits for _, digits, _, _ in REGION_TIERS)


@dataclass(frozen=True)
class OrgProfile:
    """What an organisation told us about itself that matters for matching."""

    service_regions: tuple[str, ...] = ()
    focus_categories: frozenset[str] = frozenset()
    #: Money (fen) and volunteer hours it can take on per month; 0 means not stated.
    monthly_capacity_fen: int = 0
    monthly_capacity_hours: int = 0

    @property
    def complete(self) -> bool:
        """Whether it said enough for recommendations to mean something."""
        return bool(self.service_regions and self.focus_categories)


class NeedSummary(NamedTuple):
    """The few public facts of an open need that ranking reads.

    A named tuple rather than a dataclass: building 100,000 of them must cost next to nothing.
    ``remaining_fen`` is money or the estimated value of goods; ``remaining_hours`` is service.
    """

    public_id: str
    region_code: str
    category: str
    kind: str
    urgency: str
    deadline: date
    remaining_fen: int
    remaining_hours: int
    published_on: date


@dataclass(frozen=True)
class Component:
    """One part of a score: which rule, how many points, and the reason people read."""

    name: str  # region | category | urgency | deadline | capacity
    points: int
    reason: str


@dataclass(frozen=True)
class Ranked:
    need: NeedSummary
    score: int
    #: Only the components that contributed points, in the order of the table above.
    components: tuple[Component, ...]

    @property
    def reasons(self) -> list[str]:
        return [component.reason for component in self.components]


@dataclass(frozen=True)
class ScorePlan:
    """The score of every need for one organisation on one day, as look-up tables.

    Plain data, so that the same rules can be evaluated here (``explain``, ``rank_with``) or
    handed to a database; building it is the only place where the profile is interpreted.
    """

    today: date
    #: Prefixes of the served regions at each tier (9, 6 and 4 digits).
    streets: frozenset[str]
    districts: frozenset[str]
    cities: frozenset[str]
    focus_categories: frozenset[str]
    capacity_fen: int
    capacity_hours: int
    #: (last day, points), soonest first: a deadline on or before the day earns the points.
    deadline_steps: tuple[tuple[date, int], ...]

    @property
    def region_tiers(self) -> tuple[tuple[int, frozenset[str], int], ...]:
        """(digits compared, prefixes, points), best first."""
        return (
            (STREET_DIGITS, self.streets, REGION_TIERS[0][2]),
            (DISTRICT_DIGITS, self.districts, REGION_TIERS[1][2]),
            (CITY_DIGITS, self.cities, REGION_TIERS[2][2]),
        )


def plan_for(profile: OrgProfile, today: date) -> ScorePlan:
    """The look-up tables of ``profile`` on ``today``; malformed region codes are ignored."""
    tiers: dict[int, set[str]] = {digits: set() for _, digits, _, _ in REGION_TIERS}
    for code in profile.service_regions:
        try:
            level = level_of(code)
        except (InvalidRegionCode, TypeError):
            continue
        for tier_level, digits, _, _ in REGION_TIERS:
            if level >= tier_level:
                tiers[digits].add(code[:digits])
    return ScorePlan(
        today=today,
        streets=frozenset(tiers[STREET_DIGITS]),
        districts=frozenset(tiers[DISTRICT_DIGITS]),
        cities=frozenset(tiers[CITY_DIGITS]),
        focus_categories=frozenset(profile.focus_categories),
        capacity_fen=max(profile.monthly_capacity_fen, 0),
        capacity_hours=max(profile.monthly_capacity_hours, 0),
        deadline_steps=tuple(
            (today + timedelta(days=days), points) for days, points in DEADLINE_STEPS
        ),
    )


def remaining_of(need: NeedSummary) -> int:
    """What is still open in the need's own unit: hours for services, fen otherwise."""
    return need.remaining_hours if need.kind == NeedKind.service else need.remaining_fen


def is_open(plan: ScorePlan, need: NeedSummary) -> bool:
    """Past deadlines and needs with nothing left are never recommended."""
    return need.deadline >= plan.today and remaining_of(need) > 0


def explain(plan: ScorePlan, need: NeedSummary) -> Ranked:
    """The need's score as the components that made it, each with its reason."""
    components: list[Component] = []
    code = need.region_code
    for (_, digits, tier_points, reason), (_, prefixes, _) in zip(
        REGION_TIERS, plan.region_tiers, strict=True
    ):
        if code[:digits] in prefixes:
            components.append(Component("region", tier_points, reason))
            break
    if need.category in plan.focus_categories:
        components.append(
            Component("category", CATEGORY_POINTS, f"关注领域：{category_label(need.category)}")
        )
    if need.urgency == Urgency.urgent:
        components.append(Component("urgency", URGENT_POINTS, "急难"))
    for last_day, step_points in plan.deadline_steps:
        if need.deadline <= last_day:
            days = (need.deadline - plan.today).days
            when = "今天截止" if days == 0 else f"{days}天后截止"
            components.append(Component("deadline", step_points, when))
            break
    capacity = _capacity_reason(plan, need)
    if capacity:
        components.append(Component("capacity", CAPACITY_POINTS, capacity))
    return Ranked(need=need, score=sum(c.points for c in components), components=tuple(components))


def _capacity_reason(plan: ScorePlan, need: NeedSummary) -> str | None:
    if need.kind == NeedKind.service:
        if 0 < need.remaining_hours <= plan.capacity_hours:
            return f"剩余{need.remaining_hours}小时，在您每月可承担范围内"
        return None
    if 0 < need.remaining_fen <= plan.capacity_fen:
        what = "物资估值" if need.kind == NeedKind.goods else ""
        return f"剩余{what}{yuan(need.remaining_fen)}，在您每月可承担范围内"
    return None


def sort_key(ranked: Ranked) -> tuple[int, date, str]:
    """Best first: higher score, then sooner deadline, then public id."""
    return (-ranked.score, ranked.need.deadline, ranked.need.public_id)


def rank(
    profile: OrgProfile, needs: Iterable[NeedSummary], today: date, limit: int = 20
) -> list[Ranked]:
    """The ``limit`` best open needs for ``profile``, best first, each with its reasons.

    O(n) cheap arithmetic per need plus O(n log limit) for the selection; only the chosen few
    are explained.
    """
    plan = plan_for(profile, today)
    return rank_with(plan, needs, limit)


def rank_with(plan: ScorePlan, needs: Iterable[NeedSummary], limit: int = 20) -> list[Ranked]:
    """``rank`` with a plan already built: the arithmetic of ``explain``, inlined.

    One pass scores every open need (local look-ups only, no call per need); the ``limit``-th
    best score is then a threshold, and only needs at or above it are sorted and explained.
    ``explain`` stays the definition: the tests hold this loop to it.
    """
    if limit <= 0:
        return []
    today = plan.today
    streets, districts, cities = plan.streets, plan.districts, plan.cities
    focus, cap_fen, cap_hours = plan.focus_categories, plan.capacity_fen, plan.capacity_hours
    (street_pts, district_pts, city_pts) = (points for _, _, points, _ in REGION_TIERS)
    steps = plan.deadline_steps
    urgent, service = Urgency.urgent.value, NeedKind.service.value
    kept: list[NeedSummary] = []
    scores: list[int] = []
    for need in needs:
        (_, code, category, kind, urgency, deadline, rem_fen, rem_hours, _) = need
        if deadline < today:
            continue
        if kind == service:
            if rem_hours <= 0:
                continue
            score = CAPACITY_POINTS if rem_hours <= cap_hours else 0
        elif rem_fen <= 0:
            continue
        else:
            score = CAPACITY_POINTS if rem_fen <= cap_fen else 0
        if code[:STREET_DIGITS] in streets:
            score += street_pts
        elif code[:DISTRICT_DIGITS] in districts:
            score += district_pts
        elif code[:CITY_DIGITS] in cities:
            score += city_pts
        if category in focus:
            score += CATEGORY_POINTS
        if urgency == urgent:
            score += URGENT_POINTS
        for last_day, step_points in steps:
            if deadline <= last_day:
                score += step_points
                break
        kept.append(need)
        scores.append(score)
    if not kept:
        return []
    threshold = heapq.nlargest(limit, scores)[-1]
    candidates = [
        (-score, need.deadline, need.public_id, need)
        for score, need in zip(scores, kept, strict=True)
        if score >= threshold
    ]
    candidates.sort(key=lambda entry: entry[:3])
    return [explain(plan, entry[3]) for entry in candidates[:limit]]


def should_notify(profile: OrgProfile, region_code: str, category: str) -> bool:
    """Whether a newly published need concerns this organisation enough to tell it.

    It must focus on the need's category and serve a region that contains the need's region
    or lies in the same city (an org serving one street hears of needs across its city).
    """
    if category not in profile.focus_categories:
        return False
    try:
        need_level = level_of(region_code)
    except InvalidRegionCode:
        return False
    city = LEVEL_DIGITS[2]
    for served in profile.service_regions:
        try:
            served_level = level_of(served)
        except (InvalidRegionCode, TypeError):
            continue
        if contains(served, region_code):
            return True
        if served_level >= 2 and need_level >= 2 and served[:city] == region_code[:city]:
            return True
    return False


def category_label(category: str) -> str:
    try:
        return NEED_CATEGORY_LABELS[NeedCategory(category)]
    except ValueError:
        return category


def yuan(fen: int) -> str:
    """Integer fen as people read it: 200000 → "¥2,000.00" (exact, no float)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{Decimal(abs(fen)).scaleb(-2):,.2f}"
