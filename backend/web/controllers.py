"""The home page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from backend.figures.service import platform_figures
from backend.regions.service import region_name
from backend.web.pages import current_user, page


class HomeController(Controller):
    path = "/"
    include_in_schema = False

    @get("/", name="home")
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        user = current_user(request)
        return page(
            request,
            "home.html",
            active="home",
            figures=await platform_figures(),
            region_name=await region_name(user.region_code if user else None),
        )
