"""The "为您推荐" page: the same ranking as the API, for members of the organisation.

``/recommendations`` is the nav entry: it sends a member of one organisation straight to that
organisation's page, and lets a member of several choose.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from backend.accounts.guards import require_login, require_org_member, user_of
from backend.recommendations import service
from backend.web.pages import page
from matching.recommend import (
    CAPACITY_POINTS,
    CATEGORY_POINTS,
    DEADLINE_STEPS,
    REGION_TIERS,
    URGENT_POINTS,
)

#: The rules as people read them, from the core's own numbers, for the page's explanation.
RULES = (
    ("地区", "、".join(f"{reason} {points} 分" for _, _, points, reason in REGION_TIERS)),
    ("关注领域", f"属于本组织关注的领域 {CATEGORY_POINTS} 分"),
    ("急难", f"急难需求 {URGENT_POINTS} 分"),
    (
        "截止日期",
        "、".join(f"{days}天内截止 {points} 分" for days, points in DEADLINE_STEPS),
    ),
    ("承担能力", f"剩余金额（服务为时长）在本组织每月可承担范围内 {CAPACITY_POINTS} 分"),
)


class RecommendationPagesController(Controller):
    include_in_schema = False

    @get("/recommendations", name="recommendations_entry", guards=[require_login])
    async def entry(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        organisations = await service.organisations_of(user_of(request))
        if len(organisations) == 1:
            return Redirect(path=f"/organisations/{organisations[0]['id']}/recommendations")
        return page(
            request,
            "recommendations/choose.html",
            active="recommendations",
            organisations=organisations,
        )

    @get(
        "/organisations/{org_id:str}/recommendations",
        name="recommendations",
        guards=[require_org_member("org_id")],
    )
    async def recommendations(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[str],
        limit: FromQuery[int] = service.DEFAULT_LIMIT,
    ) -> Template:
        result = await service.recommend(org_id, limit=limit)
        return page(
            request,
            "recommendations/list.html",
            active="recommendations",
            result=result,
            rules=RULES,
            organisations=await service.organisations_of(user_of(request)),
            limit=max(1, min(limit, service.MAX_LIMIT)),
            max_limit=service.MAX_LIMIT,
        )
