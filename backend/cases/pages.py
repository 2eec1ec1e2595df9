"""Staff web pages of cases: search, the case form, the case page and its grant form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from backend.accounts.guards import require_roles, user_of
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role
from backend.cases import service
from backend.cases.schemas import CaseCreate, GrantCreate
from backend.errors import DomainError
from backend.policy.service import dibao_assessment
from backend.referrals import service as referral_service
from backend.referrals.tables import REFERRAL_STATUS_LABELS
from backend.regions.tables import Region
from backend.web.forms import (
    FormErrors,
    clean,
    flash,
    flatten,
    form_data,
    nest,
    rows,
    take_flashes,
    undo_on_error,
    validate,
)
from backend.web.middleware import keep_writes
from backend.web.pages import page
from backend.web.requests import client_ip
from matching.regions import InvalidRegionCode, significant_prefix
from matching.vocabulary import (
    GRANT_KIND_LABELS,
    NEED_CATEGORY_LABELS,
    PROGRAMME_LABELS,
    REVIEW_CYCLE_LABELS,
    SEX_LABELS,
    TEMPORARY_ASSISTANCE,
)

# --------------------------------------------------------------------------------------------
# Case pages
# --------------------------------------------------------------------------------------------

RELATIONS = tuple(
    (r, r)
    for r in (
        "户主",
        "配偶",
        "子女",
        "父母",
        "兄弟姐妹",
        "祖父母/外祖父母",
        "孙子女/外孙子女",
        "其他",
    )
)
DISABILITY_GRADES = (("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级"))
MAX_MEMBERS = 20
MAX_STAGES = 24

LABELS = {
    "programme": PROGRAMME_LABELS,
    "review_cycle": REVIEW_CYCLE_LABELS,
    "grant_kind": GRANT_KIND_LABELS,
    "sex": SEX_LABELS,
    "referral_status": REFERRAL_STATUS_LABELS,
    "category": NEED_CATEGORY_LABELS,
    "disability": dict(DISABILITY_GRADES),
}


async def communities(user: CurrentUser) -> list[dict[str, Any]]:
    """The communities (level 5) inside the user's scope, grouped by street."""
    try:
        prefix = significant_prefix(user.region_code or "")
    except InvalidRegionCode:
        return []
    regions = (
        await Region.select(Region.code, Region.name, Region.level, Region.parent_code)
        .where(Region.code.like(prefix + "%") & Region.level.is_in([4, 5]))
        .order_by(Region.code)
    )
    streets = {r["code"]: r["name"] for r in regions if r["level"] == 4}
    groups: dict[str, dict[str, Any]] = {}
    for region in regions:
        if region["level"] != 5:
            continue
        street = region["parent_code"] or ""
        group = groups.setdefault(street, {"name": streets.get(street, ""), "options": []})
        group["options"].append((region["code"], region["name"]))
    return list(groups.values())


def _case_input(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any], FormErrors]:
    """What to show again (blank added rows dropped), the data for ``CaseCreate``, and the
    errors found while reading it (amounts that are not amounts)."""
    raw = nest(form)
    shown = {**raw, "members": rows(raw.get("members"), keep_one=True)}
    errors = FormErrors()
    data = clean(shown, errors)
    data["income_stable"] = form.get("income_stable") == "on"
    for member in data["members"]:
        member["is_head"] = member.get("relation") == "户主"
    return shown, data, errors


class CasePagesController(Controller):
    path = "/cases"
    include_in_schema = False
    guards = [require_roles(Role.staff, Role.reviewer)]

    @get("/", name="cases")
    async def search(
        self, request: Request[Any, Any, Any], q: FromQuery[str | None] = None
    ) -> Template:
        results = None
        if q is not None:
            results = await service.search_cases(user_of(request), q, ip=client_ip(request))
        return page(
            request, "cases/search.html", active="cases", q=q or "", results=results, labels=LABELS
        )

    @get("/new", name="case_form", guards=[require_roles(Role.staff)])
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        values = {"members.0.relation": "户主", "programme": "dibao"}
        return await self._form(request, values, FormErrors(), member_count=1)

    @get("/new/member-row", guards=[require_roles(Role.staff)])
    async def member_row(self, request: Request[Any, Any, Any], index: FromQuery[int]) -> Template:
        index = max(1, min(index, MAX_MEMBERS))
        return page(
            request,
            "cases/_member_row_added.html",
            i=index,
            values={},
            errors=FormErrors(),
            relations=RELATIONS,
            grades=DISABILITY_GRADES,
            max_members=MAX_MEMBERS,
        )

    @post("/new", guards=[require_roles(Role.staff)], status_code=303)
    async def create(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        form = await form_data(request)
        shown, data, errors = _case_input(form)
        values = flatten(shown)
        count = len(shown["members"])
        case = validate(CaseCreate, data, errors)
        if case is None:
            return await self._form(request, values, errors, member_count=count, status=400)
        try:
            created = await service.create_case(user_of(request), case, ip=client_ip(request))
        except DomainError as exc:
            errors.add(exc.field, exc.message)
            return await self._form(
                request, values, errors, member_count=count, status=exc.status_code
            )
        flash(request, "已登记救助对象。")
        for warning in created.warnings:
            flash(request, warning, "warning")
        return Redirect(path=f"/cases/{created.ref}", status_code=303)

    async def _form(
        self,
        request: Request[Any, Any, Any],
        values: dict[str, str],
        errors: FormErrors,
        *,
        member_count: int,
        status: int = 200,
    ) -> Template:
        return page(
            request,
            "cases/new.html",
            status_code=status,
            active="cases",
            values=values,
            errors=errors,
            member_count=member_count,
            communities=await communities(user_of(request)),
            programmes=list(PROGRAMME_LABELS.items()),
            relations=RELATIONS,
            grades=DISABILITY_GRADES,
            max_members=MAX_MEMBERS,
        )

    @get("/{ref:str}", name="case")
    async def detail(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
        return await self._case_page(request, ref, grant_values={}, grant_errors=FormErrors())

    @get("/{ref:str}/grants/stage-row", guards=[require_roles(Role.staff)])
    async def stage_row(
        self, request: Request[Any, Any, Any], ref: FromPath[str], index: FromQuery[int]
    ) -> Template:
        index = max(0, min(index, MAX_STAGES - 1))
        return page(
            request,
            "cases/_stage_row_added.html",
            ref=ref,
            i=index,
            values={},
            errors=FormErrors(),
            max_stages=MAX_STAGES,
        )

    @post("/{ref:str}/grants", guards=[require_roles(Role.staff)], status_code=303)
    async def add_grant(
        self, request: Request[Any, Any, Any], ref: FromPath[str]
    ) -> Redirect | Template:
        raw = nest(await form_data(request))
        shown = {**raw, "stages": rows(raw.get("stages"), keep_one=False)}
        errors = FormErrors()
        grant = validate(GrantCreate, clean(shown, errors), errors)
        if grant is not None:
            try:
                async with undo_on_error():
                    await service.add_grant(user_of(request), ref, grant, ip=client_ip(request))
            except DomainError as exc:
                if exc.status_code == 404:
                    raise
                errors.add(exc.field, exc.message)
            else:
                flash(request, f"已登记救助记录：{GRANT_KIND_LABELS[grant.kind]}。")
                return Redirect(path=f"/cases/{ref}#grants", status_code=303)
        keep_writes(request.scope)  # the re-rendered page's view is audited: keep that entry
        return await self._case_page(
            request,
            ref,
            grant_values=flatten(shown),
            grant_errors=errors,
            stage_count=len(shown["stages"]),
            status=400,
        )

    async def _case_page(
        self,
        request: Request[Any, Any, Any],
        ref: str,
        *,
        grant_values: dict[str, str],
        grant_errors: FormErrors,
        stage_count: int = 0,
        status: int = 200,
    ) -> Template:
        user = user_of(request)
        case = await service.get_case(user, ref, ip=client_ip(request))  # audited, once
        head = next((m for m in case.members if m.is_head), None)
        return page(
            request,
            "cases/detail.html",
            status_code=status,
            active="cases",
            flashes=take_flashes(request),
            case=case,
            head=head,
            referrals=await referral_service.referrals_of_case(ref),
            # 低保 figures under the standard in force for the region when the facts were verified.
            assessment=await dibao_assessment(
                case.region_code, case.monthly_income_fen, len(case.members), case.verified_on
            ),
            has_temporary=any(g.kind in TEMPORARY_ASSISTANCE for g in case.grants),
            grant_values=grant_values,
            grant_errors=grant_errors,
            stage_count=stage_count,
            grant_kinds=list(GRANT_KIND_LABELS.items()),
            labels=LABELS,
            max_stages=MAX_STAGES,
            can_edit=user.role == Role.staff,
        )
