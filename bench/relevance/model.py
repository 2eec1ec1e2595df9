"""The relevance corpus's shape: households (cases) with their published needs, and how a
judged query grades them.

Needs are written as staff publish them: one anonymised story per household, shared by every
need of its referral (as the platform does), each need with its own title, goods lines or
service type. Every case and every need carries *concept tags* (``dialysis``, ``alone``,
``wheelchair`` …) assigned by the person who wrote it, from what the text means, not from the
words it uses; a judged query grades concepts, so its judgements are made once, by meaning,
and hold for every need however it is worded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.needs_generator import DISTRICTS, STATUS_LABELS, STREETS
from matching.vocabulary import (
    NEED_CATEGORY_LABELS,
    NEED_KIND_LABELS,
    URGENCY_LABELS,
    NeedCategory,
    NeedKind,
    Urgency,
)
from search.documents import NeedDocument

PROVINCES = {"12": "天津市", "50": "重庆市", "37": "山东省"}
CITIES = {"1201": "市辖区", "5001": "市辖区", "3709": "泰安市"}


def _tags(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Item:
    """One need of a case: what it asks for."""

    category: str
    kind: str
    title: str
    tags: frozenset[str]
    #: Yuan for money and goods, hours for services.
    amount: int
    urgent: bool = False
    goods: tuple[str, ...] = ()
    service: str = ""
    status: str = "published"


@dataclass(frozen=True)
class Case:
    """A household: where it is (street prefix, or district when k-anonymity lifted it),
    its situation's tags, its story, and its needs."""

    key: str
    place: str
    tags: frozenset[str]
    story: str
    items: tuple[Item, ...]


def case(key: str, place: str, tags: str, story: str, *items: Item) -> Case:
    assert place[:6] in DISTRICTS and (len(place) == 6 or place in STREETS), place
    return Case(key, place, _tags(tags), story, items)


def money(
    category: str, title: str, tags: str, yuan: int, *, urgent: bool = False, status: str = ""
) -> Item:
    return Item(category, "money", title, _tags(tags), yuan, urgent, status=status or "published")


def goods(category: str, title: str, tags: str, yuan: int, items: str, **flags: Any) -> Item:
    """A goods need; ``items`` names its goods lines, space-separated."""
    return replace(
        money(category, title, tags, yuan, **flags), kind="goods", goods=tuple(items.split())
    )


def service(
    category: str, title: str, tags: str, hours: int, service_type: str, **flags: Any
) -> Item:
    return replace(
        money(category, title, tags, hours, **flags), kind="service", service=service_type
    )


@dataclass(frozen=True)
class Need:
    """A published need of the corpus, with what the judgements read."""

    id: str
    case: Case
    item: Item

    @property
    def region(self) -> str:
        return self.case.place

    def document(self, index: int) -> NeedDocument:
        item, place = self.item, self.case.place
        category, kind = NeedCategory(item.category), NeedKind(item.kind)
        urgency = Urgency.urgent if item.urgent else Urgency.normal
        street = STREETS.get(place) if len(place) == 9 else None
        district = DISTRICTS[place[:6]]
        money_like = kind != NeedKind.service
        public = {
            "id": self.id,
            "title": item.title,
            "story": self.case.story,
            "category": category,
            "category_label": NEED_CATEGORY_LABELS[category],
            "kind": kind,
            "kind_label": NEED_KIND_LABELS[kind],
            "urgency": urgency,
            "urgency_label": URGENCY_LABELS[urgency],
            "status": item.status,
            "status_label": STATUS_LABELS[item.status],
            "region_code": place.ljust(12, "0"),
            "region_name": district + (street or ""),
            "goods": [
                {"item": g, "quantity": 1, "unit": "件", "unit_value_fen": item.amount * 100}
                for g in item.goods
            ],
            "service_type": item.service,
            "deadline": date(2026, 1, 1) + timedelta(days=(index * 37) % 365),
            "published_at": datetime(2025, 6, 1, 9, 0, tzinfo=UTC) + timedelta(hours=index),
        }
        return NeedDocument.from_public(
            public,
            remaining_fen=item.amount * 100 if money_like else 0,
            remaining_hours=0 if money_like else item.amount,
            province_name=PROVINCES[place[:2]],
            city_name=CITIES[place[:4]],
            district_name=district,
            street_name=street,
        )


def needs_of(cases: Iterable[Case]) -> list[Need]:
    return [
        Need(f"r-{c.key}-{i}", c, item) for c in cases for i, item in enumerate(c.items, start=1)
    ]


@dataclass(frozen=True)
class Judged:
    """A query and how relevant each need is to it, 0 (not) to 3 (exactly what was meant).

    ``need`` grades the concepts a need asks for (its own tags); ``case`` grades a household's
    situation (its case's tags), which every need of the household shares; ``where`` grades
    needs by region prefix; ``category`` and ``kind`` by those fields. A need's grade is the
    highest any of these gives it. ``empty``: nothing should be found.
    """

    q: str
    why: str
    need: Mapping[str, int] = field(default_factory=dict)
    case: Mapping[str, int] = field(default_factory=dict)
    where: Mapping[str, int] = field(default_factory=dict)
    category: Mapping[str, int] = field(default_factory=dict)
    kind: Mapping[str, int] = field(default_factory=dict)
    #: The query class, for per-class figures (synonym, typo, partial …).
    group: str = "word"

    def grade(self, need: Need) -> int:
        grades = [0]
        grades += [g for tag, g in self.need.items() if tag in need.item.tags]
        grades += [g for tag, g in self.case.items() if tag in need.case.tags]
        grades += [g for prefix, g in self.where.items() if need.region.startswith(prefix)]
        grades += [g for name, g in self.category.items() if need.item.category == name]
        grades += [g for name, g in self.kind.items() if need.item.kind == name]
        return max(grades)

    @property
    def empty(self) -> bool:
        return not (self.need or self.case or self.where or self.category or self.kind)


def judge(
    q: str,
    why: str,
    group: str = "word",
    *,
    need: Mapping[str, int] | None = None,
    case: Mapping[str, int] | None = None,
    where: Mapping[str, int] | None = None,
    category: Mapping[str, int] | None = None,
    kind: Mapping[str, int] | None = None,
) -> Judged:
    return Judged(
        q, why, need or {}, case or {}, where or {}, category or {}, kind or {}, group=group
    )
