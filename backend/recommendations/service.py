"""为您推荐: the open needs ranked for one organisation, each with the reasons for its place.

The ranking rules live in ``matching.recommend``. What this module adds is speed: with
100,000 open needs, merely fetching one summary row per need costs about 200 ms on the
development machine, twice the budget of a whole answer. So the database evaluates the same
rules (the ``ScorePlan`` look-up tables, compiled below into one ``CASE`` sum) in a single
SELECT over the need table and returns only the id and score of the best ``limit`` needs,
in the core's order (score, then deadline, then public id). Their public rows are then read
by id, and the core scores them again, with reasons. The two scores must agree: if they
ever do not, the mismatch is logged and the exact path answers instead (every open need
fetched and ranked in Python), so a bug in the compiled SQL costs time, never a wrong order.

Open means: published, deadline not passed (in Beijing time), and something left to pledge.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from piccolo.querystring import QueryString

from backend.accounts.guards import OrganisationNotFound
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Membership
from backend.needs.service import PUBLIC_COLUMNS, remaining, to_public
from backend.needs.tables import Need, NeedStatus
from backend.organisations.tables import Organisation
from backend.recommendations.schemas import Recommendations, RecommendedNeed
from matching.recommend import (
    CAPACITY_POINTS,
    CATEGORY_POINTS,
    URGENT_POINTS,
    NeedSummary,
    OrgProfile,
    Ranked,
    ScorePlan,
    explain,
    plan_for,
    rank_with,
    sort_key,
)
from matching.vocabulary import NeedKind, Urgency

log = structlog.get_logger(__name__)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: Deadlines are days in China: a need is open through its deadline day, Beijing time.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")

_PROFILE_COLUMNS = (
    Organisation.id,
    Organisation.public_id,
    Organisation.name,
    Organisation.service_regions,
    Organisation.focus_categories,
    Organisation.monthly_capacity_fen,
    Organisation.monthly_capacity_hours,
)


def local_today() -> date:
    return datetime.now(LOCAL_ZONE).date()


def _json_list(value: Any) -> list[str]:
    """A JSON list column as strings, whatever the engine handed back (text or a list)."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return [str(item) for item in value] if isinstance(value, list) else []


def profile_from_row(row: dict[str, Any]) -> OrgProfile:
    """The matching profile of an ``organisation`` row (read with the profile columns)."""
    return OrgProfile(
        service_regions=tuple(_json_list(row["service_regions"])),
        focus_categories=frozenset(_json_list(row["focus_categories"])),
        monthly_capacity_fen=int(row["monthly_capacity_fen"] or 0),
        monthly_capacity_hours=int(row["monthly_capacity_hours"] or 0),
    )


async def organisation_row(public_id: str) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await Organisation.select(*_PROFILE_COLUMNS)
        .where(Organisation.public_id == public_id)
        .first()
    )
    if row is None:
        raise OrganisationNotFound()
    return row


# --------------------------------------------------------------------------------------------
# The plan, compiled to SQL
# --------------------------------------------------------------------------------------------


def _in(expression: str, values: frozenset[str]) -> QueryString:
    ordered = sorted(values)
    return QueryString(f"{expression} IN ({', '.join(['{}'] * len(ordered))})", *ordered)


def _score_sql(plan: ScorePlan) -> QueryString:
    """The plan's sum as one SQL expression over the ``need`` columns of an open need.

    Mirrors ``matching.recommend.explain`` term by term; empty tables give no term at all.
    The values are parameters: they only ever appear inside CASE, where they cannot sway the
    plan (see ``_open_where``). Each CASE first rules out what most rows are (another city,
    a deadline beyond the last step), which saves a sixth of the query's time at 100,000.
    """
    terms: list[QueryString] = []
    *finer, (city_digits, cities, city_points) = plan.region_tiers
    if cities:  # every street or district served lies in a city served
        outside = _in(f"substr(region_code, 1, {city_digits})", cities)
        whens = [QueryString("WHEN NOT {} THEN 0", outside)]
        whens += [
            QueryString(
                f"WHEN {{}} THEN {points}", _in(f"substr(region_code, 1, {digits})", prefixes)
            )
            for digits, prefixes, points in finer
            if prefixes
        ]
        terms.append(
            QueryString(f"CASE {' '.join(['{}'] * len(whens))} ELSE {city_points} END", *whens)
        )
    if plan.focus_categories:
        terms.append(
            QueryString(
                f"CASE WHEN {{}} THEN {CATEGORY_POINTS} ELSE 0 END",
                _in("category", plan.focus_categories),
            )
        )
    terms.append(
        QueryString(
            f"CASE WHEN urgency = {{}} THEN {URGENT_POINTS} ELSE 0 END", Urgency.urgent.value
        )
    )
    *sooner, (last_day, last_points) = plan.deadline_steps
    whens_sql = " ".join(f"WHEN deadline <= {{}} THEN {points}" for _, points in sooner)
    terms.append(
        QueryString(
            f"CASE WHEN deadline > {{}} THEN 0 {whens_sql} ELSE {last_points} END",
            last_day,
            *(day for day, _ in sooner),
        )
    )
    if plan.capacity_fen > 0 or plan.capacity_hours > 0:
        # Open needs have something left, so "remaining <= capacity" is the whole test.
        terms.append(
            QueryString(
                "CASE WHEN kind = {} "
                f"THEN CASE WHEN target_hours - pledged_hours <= {{}} THEN {CAPACITY_POINTS} "
                "ELSE 0 END "
                f"WHEN target_fen - pledged_fen <= {{}} THEN {CAPACITY_POINTS} ELSE 0 END",
                NeedKind.service.value,
                plan.capacity_hours,
                plan.capacity_fen,
            )
        )
    return QueryString(" + ".join(["{}"] * len(terms)), *terms)


def _open_where(today: date) -> QueryString:
    """Open: published, deadline not passed, something left in the need's own unit.

    Written with literals, not parameters, on purpose. asyncpg prepares each statement, and
    after five runs PostgreSQL may switch to a generic plan; not knowing that nearly every
    row is published and open, that plan walks the status index instead of scanning in
    parallel, and takes twice as long. The literals are our own constants and an ISO date.
    """
    service, published = NeedKind.service.value, NeedStatus.published.value
    return QueryString(
        f"status = '{published}' AND deadline >= '{today.isoformat()}' "
        f"AND ((kind = '{service}' AND target_hours > pledged_hours) "
        f"OR (kind <> '{service}' AND target_fen > pledged_fen))"
    )


def _is_postgres() -> bool:
    return bool(Need._meta.db.engine_type == "postgres")


async def _best_ids(plan: ScorePlan, limit: int) -> list[tuple[str, int]]:
    """(public id, score) of the ``limit`` best open needs, best first, by the database.

    Only the id and the score leave the database: the sort keeps nothing wider, and the few
    winners are read in full afterwards.
    """
    # Byte order for the public id, as Python compares strings (SQLite's default already).
    by_id = 'public_id COLLATE "C"' if _is_postgres() else "public_id"
    rows = await Need.raw(
        "SELECT public_id, {} AS score FROM need WHERE {} "
        "ORDER BY score DESC, deadline, {} LIMIT {}",
        _score_sql(plan),
        _open_where(plan.today),
        QueryString(by_id),
        QueryString(str(int(limit))),
    )
    return [(row["public_id"], int(row["score"])) for row in rows]


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_ZONE).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) > 10:
        return _as_date(datetime.fromisoformat(text))
    return date.fromisoformat(text)


def summary_of(row: dict[str, Any]) -> NeedSummary:
    """The core's view of a ``need`` row (read with, at least, the public columns)."""
    remaining_fen, remaining_hours = remaining(row)
    return NeedSummary(
        public_id=row["public_id"],
        region_code=row["region_code"],
        category=row["category"],
        kind=row["kind"],
        urgency=row["urgency"],
        deadline=_as_date(row["deadline"]),
        remaining_fen=remaining_fen,
        remaining_hours=remaining_hours,
        published_on=_as_date(row["published_at"]),
    )


_SUMMARY_COLUMNS = (
    "public_id, region_code, category, kind, urgency, deadline, published_at, "
    "target_fen, target_hours, pledged_fen, pledged_hours"
)


async def open_summaries(today: date) -> list[NeedSummary]:
    """Every open need as a summary: the exact path, and the reference for tests."""
    rows = await Need.raw(
        "SELECT {} FROM need WHERE {}", QueryString(_SUMMARY_COLUMNS), _open_where(today)
    )
    return [summary_of(row) for row in rows]


async def _public_rows(ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    rows = await Need.select(*PUBLIC_COLUMNS).where(Need.public_id.is_in(ids))
    return {row["public_id"]: row for row in rows}


async def _ranked_rows(
    profile: OrgProfile, limit: int, today: date
) -> list[tuple[Ranked, dict[str, Any]]]:
    """The best open needs, explained by the core, each with its public row."""
    plan = plan_for(profile, today)
    best = await _best_ids(plan, limit)
    rows = await _public_rows([public_id for public_id, _ in best])
    ranked = []
    disagreements = []
    for public_id, score in best:
        row = rows.get(public_id)
        if row is None:  # gone between the two reads
            continue
        explained = explain(plan, summary_of(row))
        if explained.score != score:
            disagreements.append((public_id, score, explained.score))
        ranked.append((explained, row))
    if disagreements:
        # A pledge landing between the two reads can move a score; a compiler bug always
        # does. Either way the exact path answers.
        log.warning("recommendation_score_mismatch", needs=disagreements[:5])
        exact = rank_with(plan, await open_summaries(today), limit)
        rows = await _public_rows([r.need.public_id for r in exact])
        ranked = [(r, rows[r.need.public_id]) for r in exact if r.need.public_id in rows]
    return sorted(ranked, key=lambda pair: sort_key(pair[0]))


async def ranked_needs(profile: OrgProfile, limit: int, today: date) -> list[Ranked]:
    """The ``limit`` best open needs for ``profile``: the database picks, the core explains."""
    return [ranked for ranked, _ in await _ranked_rows(profile, limit, today)]


# --------------------------------------------------------------------------------------------
# Use cases
# --------------------------------------------------------------------------------------------


async def recommend(
    org_public_id: str, *, limit: int = DEFAULT_LIMIT, today: date | None = None
) -> Recommendations:
    """Recommendations for one organisation: public need fields, score and reasons."""
    limit = max(1, min(limit, MAX_LIMIT))
    row = await organisation_row(org_public_id)
    profile = profile_from_row(row)
    items = []
    for ranked, need in await _ranked_rows(profile, limit, today or local_today()):
        public = await to_public(need)
        items.append(
            RecommendedNeed(**public.model_dump(), score=ranked.score, reasons=ranked.reasons)
        )
    return Recommendations(
        organisation_id=row["public_id"],
        organisation_name=row["name"],
        profile_complete=profile.complete,
        items=items,
    )


async def organisations_of(user: CurrentUser) -> list[dict[str, str]]:
    """The organisations a user belongs to (public id and name), for the page's switcher."""
    rows = (
        await Membership.select(
            Membership.organisation.public_id.as_alias("id"),
            Membership.organisation.name.as_alias("name"),
        )
        .where(Membership.user == user.id)
        .order_by(Membership.organisation.name)
    )
    return [{"id": row["id"], "name": row["name"]} for row in rows]
