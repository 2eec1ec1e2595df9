"""The policy parameters page (/manage/policy): every parameter's value in force per region,
its next scheduled change and its history; admins add values and withdraw scheduled ones,
auditors read."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.errors import DomainError
from backend.policy import service
from backend.policy.schemas import ParameterValueCreate
from backend.regions.tables import Region
from backend.web.forms import FormErrors, flash, form_data, take_flashes, validate
from backend.web.pages import page
from matching.policy_rules import CATALOGUE, PolicyValueInvalid, ValueKind
from matching.regions import parent_code

PATH = "/manage/policy"
_FIELDS = ("name", "region_code", "value", "effective_from", "note")

#: How each kind of value is typed on the form.
VALUE_HINTS = {
    ValueKind.fen: "以元为单位，如 1110 或 1110.50",
    ValueKind.permille: "倍数，如 1.5（最多三位小数）",
    ValueKind.months: "整数月数，如 12",
    ValueKind.days: "整数天数，如 30",
    ValueKind.minutes: "整数分钟数，如 60",
    ValueKind.quantity: "整数，如 5",
}

PARAMETER_OPTIONS = [
    (name, spec.label + (f"（{spec.unit}）" if spec.unit else ""))
    for name, spec in CATALOGUE.items()
]


async def region_options() -> list[tuple[str, str]]:
    """Provinces, cities, districts and streets: where a policy value is set. A community's
    households follow their street's, district's or city's value."""
    rows = (
        await Region.select(Region.code, Region.name, Region.level)
        .where(Region.level <= 4)
        .order_by(Region.code)
    )
    names = {row["code"]: row["name"] for row in rows}
    return [(row["code"], f"{_path(row['code'], names)}（{row['code']}）") for row in rows]


def _path(code: str, names: dict[str, str]) -> str:
    """ "天津市 › 滨海新区 › 塘沽街道": where a region sits (the 市辖区 placeholder left out)."""
    parts: list[str] = []
    current: str | None = code
    while current:
        if names.get(current, "市辖区") != "市辖区":
            parts.append(names[current])
        current = parent_code(current)
    return " › ".join(reversed(parts))


def _read_form(form: dict[str, str], errors: FormErrors) -> ParameterValueCreate | None:
    """The form as the API's schema: the value typed in its display unit (yuan, "1.5" …)
    becomes the stored integer; every problem lands beside its field, in Chinese."""
    spec = CATALOGUE.get(form["name"])
    data: dict[str, Any] = {key: form[key] for key in _FIELDS if form[key] and key != "value"}
    if spec is None:
        errors.add("name", "请选择参数")
    elif not form["value"]:
        errors.add("value", f"请填写{spec.label}")
    else:
        try:
            data["value"] = spec.parse(form["value"])
        except PolicyValueInvalid as exc:
            errors.add("value", str(exc))
    # Adds the remaining fields' problems; a message already set for a field is kept.
    return validate(ParameterValueCreate, data, errors)


class PolicyPagesController(Controller):
    path = PATH
    include_in_schema = False
    guards = [require_roles(Role.admin, Role.auditor)]

    @get("/", name="policy")
    async def overview(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request, {}, FormErrors())

    @post("/", guards=[require_roles(Role.admin)], status_code=303)
    async def add(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        submitted = await form_data(request)
        form = {key: submitted.get(key, "").strip() for key in _FIELDS}
        errors = FormErrors()
        data = _read_form(form, errors)
        if data is None:
            return await self._page(request, form, errors, status=400)
        try:
            added = await service.add_value(user_of(request), data)
        except DomainError as exc:
            errors.add(exc.field, exc.message)
            return await self._page(request, form, errors, status=exc.status_code)
        flash(
            request,
            f"已添加{CATALOGUE[added.name].label}（{added.region_name}）：{added.display}，"
            f"自 {added.effective_from.isoformat()} 起生效。",
        )
        return Redirect(path=f"{PATH}#{added.name}", status_code=303)

    @post("/values/{value_id:int}/withdraw", guards=[require_roles(Role.admin)], status_code=303)
    async def withdraw(self, request: Request[Any, Any, Any], value_id: FromPath[int]) -> Redirect:
        try:
            await service.withdraw_value(user_of(request), value_id)
        except DomainError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, "已撤回尚未生效的取值。")
        return Redirect(path=PATH, status_code=303)

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
            "policy/parameters.html",
            status_code=status,
            active="policy",
            flashes=take_flashes(request),
            parameters=await service.list_parameters(),
            today=service.policy_today(),
            values=values,
            errors=errors,
            parameter_options=PARAMETER_OPTIONS,
            region_options=await region_options(),
            hints={name: VALUE_HINTS[spec.kind] for name, spec in CATALOGUE.items()},
            can_edit=user_of(request).role == Role.admin,
        )
