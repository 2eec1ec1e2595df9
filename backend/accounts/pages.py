"""近亲属备案 page: staff and reviewers declare close relatives, so that they are kept away
from reviewing those households. Only a keyed hash of the ID number is stored; the list shows
relation and date, never the number."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from backend.accounts import service
from backend.accounts.guards import require_roles, user_of
from backend.accounts.schemas import RelativeCreate
from backend.accounts.tables import Role
from backend.errors import DomainError
from backend.web.forms import FormErrors, flash, form_data, take_flashes, validate
from backend.web.pages import page

RELATIONS = tuple(
    (r, r)
    for r in (
        "配偶",
        "父母",
        "子女",
        "兄弟姐妹",
        "祖父母/外祖父母",
        "孙子女/外孙子女",
        "其他近亲属",
    )
)


class RelativesPagesController(Controller):
    path = "/me/relatives"
    include_in_schema = False
    guards = [require_roles(Role.staff, Role.reviewer)]

    @get("/", name="relatives")
    async def mine(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request, {}, FormErrors())

    @post("/", status_code=303)
    async def declare(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        form = await form_data(request)
        values = {"id_number": form.get("id_number", ""), "relation": form.get("relation", "")}
        errors = FormErrors()
        data = {k: v.strip() for k, v in values.items() if v.strip()}
        relative = validate(RelativeCreate, data, errors)
        if relative is None:
            return await self._page(request, values, errors, status=400)
        try:
            await service.declare_relative(user_of(request), relative.id_number, relative.relation)
        except DomainError as exc:
            errors.add(exc.field, exc.message)
            return await self._page(request, values, errors, status=exc.status_code)
        flash(request, f"已备案：{relative.relation}。")
        return Redirect(path="/me/relatives", status_code=303)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        values: dict[str, str],
        errors: FormErrors,
        *,
        status: int = 200,
    ) -> Template:
        return page(
            request,
            "account/relatives.html",
            status_code=status,
            active="relatives",
            flashes=take_flashes(request),
            values=values,
            errors=errors,
            relations=RELATIONS,
            relatives=await service.relatives_of(user_of(request)),
        )
