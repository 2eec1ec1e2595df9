"""Recommendations API: for members of the organisation only (others get 404)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, Parameter

from backend.accounts.guards import require_org_member
from backend.recommendations import service
from backend.recommendations.schemas import Recommendations


class RecommendationsApiController(Controller):
    path = "/api/v1/organisations"
    tags = ["为您推荐"]

    @get(
        "/{org_id:str}/recommendations",
        summary="为您推荐",
        description=(
            "按地区远近、关注领域、急难程度、截止日期和每月可承担能力为本组织排序的募集中需求；"
            "每条附推荐分和与分数一一对应的推荐理由。仅本组织成员可见。"
        ),
        guards=[require_org_member("org_id")],
    )
    async def recommendations(
        self,
        org_id: FromPath[str],
        limit: Annotated[
            int, Parameter(ge=1, le=service.MAX_LIMIT, description="条数，1–100")
        ] = service.DEFAULT_LIMIT,
    ) -> Recommendations:
        return await service.recommend(org_id, limit=limit)
