"""The one public projection of a need: everything any outside reader may see, and nothing else.

Search documents, disclosure pages, open data and the public API all start from ``NeedPublic``.
It is built from the ``need`` row alone, which holds no personal field: the case and referral
links on that row are internal ids and are deliberately not part of this schema.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from backend.needs.tables import NeedStatus
from matching.vocabulary import NeedCategory, NeedKind, Urgency


class GoodsPublic(BaseModel):
    item: str
    quantity: int
    unit: str
    unit_value_fen: int


class NeedPublic(BaseModel):
    id: str
    title: str
    story: str
    category: NeedCategory
    category_label: str
    kind: NeedKind
    kind_label: str
    urgency: Urgency
    urgency_label: str
    region_code: str
    region_name: str
    age_band: str | None
    sex_label: str | None
    household_size_band: str | None
    target_fen: int | None
    target_hours: int | None
    goods: list[GoodsPublic]
    service_type: str
    deadline: date
    status: NeedStatus
    status_label: str
    published_at: datetime
    review_due_on: date
    government_aid_fen: int
    #: Open pledges so far and what is still needed (fen for money/goods, hours for services).
    pledged_fen: int = 0
    pledged_hours: int = 0
    remaining_fen: int = 0
    remaining_hours: int = 0
