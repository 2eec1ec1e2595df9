"""The need document: what the search index holds about a need, and how it is built.

The index is a copy of public data that lives outside the database's access checks, on disk
under ``var/`` or in Meilisearch. So the document is built from the one public projection of a
need and from an explicit allow-list of its keys, never from a row or a whole mapping: a
personal field that someone adds to the projection by mistake still cannot reach the index, and
``extra="forbid"`` refuses any field the model does not declare.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from matching.regions import LEVEL_DIGITS, InvalidRegionCode, level_of
from matching.vocabulary import NeedCategory, NeedKind, Urgency

#: The only keys of the public projection that are ever read into a document.
PUBLIC_KEYS: tuple[str, ...] = (
    "id",
    "title",
    "story",
    "category",
    "category_label",
    "kind",
    "kind_label",
    "urgency",
    "urgency_label",
    "status",
    "status_label",
    "region_code",
    "region_name",
    "goods",
    "service_type",
    "deadline",
    "published_at",
)
#: Names the region tree gives to levels that are not places (a municipality's 市辖区).
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
#: Need statuses are the backend's enum; here only their spelling is checked.
StatusName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,31}$")]


def pad_code(code: str, level: int) -> str:
    """The code of ``code``'s ancestor at ``level`` (1 province … 4 street), zero-padded."""
    return code[: LEVEL_DIGITS[level]].ljust(12, "0")


def region_levels(code: str) -> dict[str, str | None]:
    """Province, city, district and street codes of a region, ``None`` above its own level.

    A need is placed at a street, or at its district when k-anonymity needed it; a finer code
    (a community) still yields its street, as the index never places a need below a street.
    """
    level = level_of(code)
    return {
        "province_code": pad_code(code, 1),
        "city_code": pad_code(code, 2) if level >= 2 else None,
        "district_code": pad_code(code, 3) if level >= 3 else None,
        "street_code": pad_code(code, 4) if level >= 4 else None,
    }


class NeedDocument(BaseModel):
    """One published need as the search engines index and return it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    title: str
    story: str
    category: NeedCategory
    category_label: str
    kind: NeedKind
    kind_label: str
    urgency: Urgency
    urgency_label: str
    status: StatusName
    status_label: str
    region_code: RegionCode
    region_name: str
    province_code: RegionCode
    city_code: RegionCode | None
    district_code: RegionCode | None
    street_code: RegionCode | None
    #: Names the caller looked up for every level above the need, searched like its region
    #: name: a charity may type the province, the city, the district or the street.
    province_name: str | None = None
    city_name: str | None = None
    district_name: str | None = None
    street_name: str | None = None
    #: What goods are asked for (the item of each goods line) and the kind of service.
    goods_items: tuple[str, ...] = ()
    service_type: str = ""
    #: What is still open, in fen: money, or the estimated value of goods; 0 for services.
    remaining_fen: int = Field(ge=0)
    #: Service hours still open; 0 for money and goods.
    remaining_hours: int = Field(ge=0)
    deadline: date
    published_at: datetime

    @property
    def published_ts(self) -> int:
        """``published_at`` in whole seconds since the epoch (a naive time is read as UTC)."""
        moment = self.published_at
        return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())

    def search_texts(self) -> dict[str, str]:
        """The texts both engines search, by part: what a need is found by, defined once.

        Labels and places repeat across needs (engines may analyse them once); the personal
        fields a need never has cannot appear here.
        """
        names = (self.province_name, self.city_name, self.district_name, self.street_name)
        places = [self.region_name, *(n for n in names if n and n not in PLACEHOLDER_NAMES)]
        return {
            "title": self.title,
            "items": " ".join((*self.goods_items, self.service_type)).strip(),
            "labels": f"{self.category_label} {self.kind_label} {self.urgency_label}",
            "places": " ".join(places),
            "story": self.story,
        }

    @model_validator(mode="after")
    def _codes_agree(self) -> NeedDocument:
        """The level codes are derived data: refuse a document whose codes disagree."""
        try:
            levels = region_levels(self.region_code)
        except InvalidRegionCode as exc:
            raise ValueError(f"not a region code: {self.region_code!r}") from exc
        if any(getattr(self, name) != code for name, code in levels.items()):
            raise ValueError("province/city/district/street codes disagree with region_code")
        return self

    @classmethod
    def from_public(
        cls,
        public: Mapping[str, Any] | BaseModel,
        *,
        remaining_fen: int,
        remaining_hours: int,
        district_name: str | None,
        street_name: str | None,
        province_name: str | None = None,
        city_name: str | None = None,
    ) -> NeedDocument:
        """Build the document from the public projection, reading only ``PUBLIC_KEYS``.

        ``public`` is the ``NeedPublic`` model or its dump; the remaining amounts and region
        names come from the caller because the projection does not carry them. Of each goods
        line only its item is kept: quantities and values are not searched.
        """
        if isinstance(public, BaseModel):
            public = public.model_dump(include=set(PUBLIC_KEYS))
        values = {key: public[key] for key in PUBLIC_KEYS}
        values["service_type"] = values["service_type"] or ""
        goods = values.pop("goods") or []
        items = tuple(
            str(line["item"] if isinstance(line, Mapping) else line.item) for line in goods
        )
        try:
            levels = region_levels(str(values["region_code"]))
        except InvalidRegionCode as exc:
            raise ValueError(f"not a region code: {values['region_code']!r}") from exc
        return cls(
            **values,
            **levels,
            goods_items=items,
            province_name=province_name,
            city_name=city_name,
            district_name=district_name,
            street_name=street_name,
            remaining_fen=remaining_fen,
            remaining_hours=remaining_hours,
        )
