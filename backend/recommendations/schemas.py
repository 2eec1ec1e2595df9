"""What the recommendations API answers: the public projection of a need, plus its place.

``RecommendedNeed`` extends ``NeedPublic`` with the score and its reasons only, so nothing
reaches an organisation that the public need page does not show already.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from backend.needs.schemas import NeedPublic


class RecommendedNeed(NeedPublic):
    score: int = Field(description="推荐分：各项理由的分值之和")
    reasons: list[str] = Field(description="推荐理由，与计入分数的各项一一对应")


class Recommendations(BaseModel):
    organisation_id: str
    organisation_name: str
    #: False while the organisation has not stated its service regions or focus categories:
    #: the ranking then leans on urgency and deadlines alone, and the page says so.
    profile_complete: bool
    items: list[RecommendedNeed]
