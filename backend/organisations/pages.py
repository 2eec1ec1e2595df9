"""Web pages of organisations: registration, the public profile and the owner's edit form, the
members page with invitation links, the verification queue of staff and admins, and the page
where an invited person creates their account."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import BaseModel

from backend.accounts.guards import (
    OrganisationNotFound,
    require_login,
    require_org_member,
    require_org_owner,
    require_roles,
    user_of,
)
from backend.accounts.tables import Role
from backend.errors import DomainError
from backend.organisations import members, service
from backend.organisations.controllers import invitation_url
from backend.organisations.schemas import (
    ORGANISATION_STATUS_LABELS,
    AccountCreate,
    OrganisationDetail,
    OrganisationRegister,
    OrganisationStatus,
    OrganisationUpdate,
    SuspendRequest,
)
from backend.organisations.tables import ORGANISATION_KIND_LABELS
from backend.public_url import public_base_url
from backend.regions.tables import Region
from backend.web.auth import start_session
from backend.web.forms import FormErrors, clean, flash, form_data, take_flashes, validate
from backend.web.pages import current_user, page
from matching.vocabulary import NEED_CATEGORY_LABELS

M = TypeVar("M", bound=BaseModel)

REVIEWERS = require_roles(Role.staff, Role.admin)
KINDS = [(kind.value, label) for kind, label in ORGANISATION_KIND_LABELS.items()]
CATEGORIES = [(c.value, label) for c, label in NEED_CATEGORY_LABELS.items()]
STATUSES = [(s.value, label) for s, label in ORGANISATION_STATUS_LABELS.items()]
LABELS = {"category": {c.value: label for c, label in NEED_CATEGORY_LABELS.items()}}

#: Text inputs shown again after a failed submission (never the password).
_REGISTER_FIELDS = (
    "name",
    "kind",
    "uscc",
    "fundraising_certificate",
    "monthly_capacity_fen",
    "monthly_capacity_hours",
    "owner_username",
    "owner_display_name",
)
_EDIT_FIELDS = (
    "name",
    "fundraising_certificate",
    "monthly_capacity_fen",
    "monthly_capacity_hours",
)
_LISTS = ("service_regions", "focus_categories")
#: City-level entries that stand for "the districts of this municipality", not a city name.
_UNNAMED_CITIES = frozenset({"市辖区", "县"})


# --------------------------------------------------------------------------------------------
# Reading the profile form
# --------------------------------------------------------------------------------------------


class ProfileForm:
    """What a registration or edit form sent: the values to show again, the chosen regions
    and categories, the data for the schema, and the errors found while reading it."""

    def __init__(
        self, fields: tuple[str, ...], flat: Mapping[str, str], lists: dict[str, list[str]]
    ):
        self.values = {name: flat.get(name, "") for name in fields}
        self.values["public_fundraising"] = "on" if flat.get("public_fundraising") == "on" else ""
        self.regions = lists["service_regions"]
        self.categories = lists["focus_categories"]
        self.errors = FormErrors()
        self.data: dict[str, Any] = clean(dict(self.values), self.errors)
        self.data["public_fundraising"] = self.values["public_fundraising"] == "on"
        self.data["service_regions"] = self.regions
        self.data["focus_categories"] = self.categories
        if flat.get("owner_password"):  # as typed: spaces may belong to a password
            self.data["owner_password"] = flat["owner_password"]

    def validate(self, model: type[M]) -> M | None:
        found = validate(model, self.data, self.errors)
        # An error about one chosen region or category belongs beside the whole group.
        for path in list(self.errors.fields):
            head, _, rest = path.partition(".")
            if head in _LISTS and rest:
                self.errors.add(head, self.errors.fields.pop(path))
        return found


async def _read_form(request: Request[Any, Any, Any], fields: tuple[str, ...]) -> ProfileForm:
    form = await request.form()
    lists = {name: [str(v) for v in form.getall(name, []) if isinstance(v, str)] for name in _LISTS}
    return ProfileForm(fields, await form_data(request), lists)


def _yuan_input(fen: int) -> str:
    return f"{Decimal(fen).scaleb(-2):.2f}"


async def region_groups(chosen: list[str]) -> list[dict[str, Any]]:
    """Districts with their streets, as checkbox groups; chosen codes at other levels (e.g. a
    community, given through the API) are kept in a group of their own."""
    rows = (
        await Region.select(Region.code, Region.name, Region.level, Region.parent_code)
        .where(Region.level.is_in([1, 2, 3, 4]))
        .order_by(Region.code)
    )
    by_code = {row["code"]: row for row in rows}
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["level"] == 3:
            city = by_code.get(row["parent_code"] or "")
            if city and city["name"] in _UNNAMED_CITIES:  # 市辖区 of 天津市, 重庆市
                city = by_code.get(city["parent_code"] or "")
            groups[row["code"]] = {
                "name": f"{city['name'] if city else ''}{row['name']}",
                "options": [(row["code"], f"{row['name']}（全区）")],
            }
    for row in rows:
        if row["level"] == 4 and row["parent_code"] in groups:
            groups[row["parent_code"]]["options"].append((row["code"], row["name"]))
    shown = {code for group in groups.values() for code, _ in group["options"]}
    others = [code for code in chosen if code not in shown]
    result = list(groups.values())
    if others:
        names = await service.region_names(others)
        result.append({"name": "其他已选地区", "options": [(c, names[c]) for c in others]})
    return result


# --------------------------------------------------------------------------------------------
# Registration, profile, edit, members
# --------------------------------------------------------------------------------------------


class OrganisationPagesController(Controller):
    path = "/organisations"
    include_in_schema = False

    @get("/register", name="organisation_register")
    async def register_form(self, request: Request[Any, Any, Any]) -> Template:
        values = {"kind": "", "monthly_capacity_fen": "0.00", "monthly_capacity_hours": "0"}
        return await self._register_page(request, values, [], [], FormErrors())

    @post("/register", status_code=303)
    async def register(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        form = await _read_form(request, _REGISTER_FIELDS)
        registration = form.validate(OrganisationRegister)
        status = 400
        if registration is not None:
            try:
                registered, owner = await service.register(registration)
            except DomainError as exc:
                form.errors.add(exc.field, exc.message)
                status = exc.status_code
            else:
                await start_session(request, owner)
                flash(request, "注册成功：已为您登录负责人账号。组织将在民政部门认证后才能认捐。")
                return Redirect(
                    path=f"/organisations/{registered.organisation.id}", status_code=303
                )
        return await self._register_page(
            request, form.values, form.regions, form.categories, form.errors, status=status
        )

    async def _register_page(
        self,
        request: Request[Any, Any, Any],
        values: dict[str, str],
        regions: list[str],
        categories: list[str],
        errors: FormErrors,
        *,
        status: int = 200,
    ) -> Template:
        return page(
            request,
            "organisations/register.html",
            status_code=status,
            active="organisation_register",
            values=values,
            errors=errors,
            kinds=KINDS,
            categories=CATEGORIES,
            region_groups=await region_groups(regions),
            chosen_regions=set(regions),
            chosen_categories=set(categories),
        )

    @get("/mine", name="my_organisation", guards=[require_login])
    async def mine(self, request: Request[Any, Any, Any]) -> Redirect:
        public_id = await members.organisation_of(user_of(request))
        if public_id is None:
            raise OrganisationNotFound("您还不是任何组织的成员")
        return Redirect(path=f"/organisations/{public_id}", status_code=303)

    # -- the verification queue ----------------------------------------------------------

    @get("/review", name="organisation_review", guards=[REVIEWERS])
    async def review(
        self, request: Request[Any, Any, Any], status: FromQuery[str] = "pending"
    ) -> Template:
        return await self._review_page(request, _status(status))

    async def _review_page(
        self,
        request: Request[Any, Any, Any],
        status: OrganisationStatus,
        *,
        failed: str | None = None,
        values: dict[str, str] | None = None,
        errors: FormErrors | None = None,
        code: int = 200,
    ) -> Template:
        return page(
            request,
            "organisations/review.html",
            status_code=code,
            active="organisation_review",
            flashes=take_flashes(request),
            status=status,
            statuses=STATUSES,
            organisations=await service.list_organisations(user_of(request), status),
            labels=LABELS,
            failed=failed,
            values=values or {},
            errors=errors or FormErrors(),
        )

    @post("/{org_id:str}/verify", guards=[REVIEWERS], status_code=303)
    async def verify(self, request: Request[Any, Any, Any], org_id: FromPath[str]) -> Redirect:
        back = _status((await form_data(request)).get("status", ""))
        return await _decided(
            request, back, service.verify(user_of(request), org_id), "已认证：{name}。"
        )

    @post("/{org_id:str}/reinstate", guards=[REVIEWERS], status_code=303)
    async def reinstate(self, request: Request[Any, Any, Any], org_id: FromPath[str]) -> Redirect:
        back = _status((await form_data(request)).get("status", ""))
        return await _decided(
            request, back, service.reinstate(user_of(request), org_id), "已恢复：{name}。"
        )

    @post("/{org_id:str}/suspend", guards=[REVIEWERS], status_code=303)
    async def suspend(
        self, request: Request[Any, Any, Any], org_id: FromPath[str]
    ) -> Redirect | Template:
        form = await form_data(request)
        back = _status(form.get("status", ""))
        errors = FormErrors()
        suspension = validate(SuspendRequest, {"reason": form.get("reason", "")}, errors)
        if suspension is None:
            return await self._review_page(
                request,
                back,
                failed=org_id,
                values={"reason": form.get("reason", "")},
                errors=errors,
                code=400,
            )
        decided = service.suspend(user_of(request), org_id, suspension.reason)
        return await _decided(request, back, decided, "已暂停：{name}。")

    # -- profile, edit, members ----------------------------------------------------------

    @get("/{org_id:str}", name="organisation")
    async def profile(self, request: Request[Any, Any, Any], org_id: FromPath[str]) -> Template:
        organisation = await service.detail(org_id)
        user = current_user(request)
        owner = user is not None and (
            user.role == Role.admin or await members.is_owner(user, org_id)
        )
        member = owner or (user is not None and await members.is_member(user, org_id))
        reviewer = user is not None and service.may_review(
            user, [r.code for r in organisation.service_regions]
        )
        return page(
            request,
            "organisations/profile.html",
            flashes=take_flashes(request),
            active="my_organisation" if member else "",
            organisation=organisation,
            # capacity and the suspension reason: for its own people and reviewers only
            private=owner or member or reviewer,
            owner=owner,
            member=member,
            reviewer=reviewer,
            labels=LABELS,
        )

    @get("/{org_id:str}/edit", name="organisation_edit", guards=[require_org_owner("org_id")])
    async def edit_form(self, request: Request[Any, Any, Any], org_id: FromPath[str]) -> Template:
        organisation = await service.detail(org_id)
        values = {
            "name": organisation.name,
            "fundraising_certificate": organisation.fundraising_certificate,
            "monthly_capacity_fen": _yuan_input(organisation.monthly_capacity_fen),
            "monthly_capacity_hours": str(organisation.monthly_capacity_hours),
            "public_fundraising": "on" if organisation.public_fundraising else "",
        }
        regions = [r.code for r in organisation.service_regions]
        categories = [c.value for c in organisation.focus_categories]
        return await self._edit_page(
            request, organisation, values, regions, categories, FormErrors()
        )

    @post("/{org_id:str}/edit", guards=[require_org_owner("org_id")], status_code=303)
    async def edit(
        self, request: Request[Any, Any, Any], org_id: FromPath[str]
    ) -> Redirect | Template:
        organisation = await service.detail(org_id)
        form = await _read_form(request, _EDIT_FIELDS)
        # A blank amount means none, not "unchanged": the form shows every field.
        form.data.setdefault("monthly_capacity_fen", 0)
        form.data.setdefault("monthly_capacity_hours", 0)
        form.data.setdefault("fundraising_certificate", "")
        update = form.validate(OrganisationUpdate)
        status = 400
        if update is not None:
            try:
                updated = await service.update_profile(user_of(request), org_id, update)
            except DomainError as exc:
                form.errors.add(exc.field, exc.message)
                status = exc.status_code
            else:
                flash(request, "已保存组织资料。")
                if organisation.verified and not updated.verified:
                    flash(
                        request, "名称或公开募捐资格已变更，组织需重新认证后才能认捐。", "warning"
                    )
                return Redirect(path=f"/organisations/{org_id}", status_code=303)
        return await self._edit_page(
            request,
            organisation,
            form.values,
            form.regions,
            form.categories,
            form.errors,
            status=status,
        )

    async def _edit_page(
        self,
        request: Request[Any, Any, Any],
        organisation: OrganisationDetail,
        values: dict[str, str],
        regions: list[str],
        categories: list[str],
        errors: FormErrors,
        *,
        status: int = 200,
    ) -> Template:
        return page(
            request,
            "organisations/edit.html",
            status_code=status,
            active="my_organisation",
            organisation=organisation,
            values=values,
            errors=errors,
            categories=CATEGORIES,
            region_groups=await region_groups(regions),
            chosen_regions=set(regions),
            chosen_categories=set(categories),
        )

    @get(
        "/{org_id:str}/members", name="organisation_members", guards=[require_org_member("org_id")]
    )
    async def members_page(
        self, request: Request[Any, Any, Any], org_id: FromPath[str]
    ) -> Template:
        return await self._members_page(request, org_id)

    @post("/{org_id:str}/members/invite", guards=[require_org_owner("org_id")], status_code=200)
    async def invite(self, request: Request[Any, Any, Any], org_id: FromPath[str]) -> Template:
        # Shown once, on this response, and never stored: the table keeps only its hash.
        token, expires_at = await members.create_invitation(user_of(request), org_id)
        url = invitation_url(public_base_url(), token)
        return await self._members_page(request, org_id, invitation=(url, expires_at))

    @post(
        "/{org_id:str}/members/{username:str}/remove",
        guards=[require_org_owner("org_id")],
        status_code=303,
    )
    async def remove(
        self, request: Request[Any, Any, Any], org_id: FromPath[str], username: FromPath[str]
    ) -> Redirect:
        try:
            await members.remove_member(user_of(request), org_id, username)
        except DomainError as exc:
            if exc.status_code != 409:
                raise
            flash(request, exc.message, "error")
        else:
            flash(request, f"已移除成员：{username}。")
        return Redirect(path=f"/organisations/{org_id}/members", status_code=303)

    async def _members_page(
        self,
        request: Request[Any, Any, Any],
        org_id: str,
        *,
        invitation: tuple[str, Any] | None = None,
    ) -> Template:
        user = user_of(request)
        organisation = await service.detail(org_id)
        owner = user.role == Role.admin or await members.is_owner(user, org_id)
        return page(
            request,
            "organisations/members.html",
            active="my_organisation",
            flashes=take_flashes(request),
            organisation=organisation,
            members=await members.members(org_id),
            owner=owner,
            invitation=invitation,
        )


def _status(value: str) -> OrganisationStatus:
    try:
        return OrganisationStatus(value)
    except ValueError:
        return OrganisationStatus.pending


async def _decided(
    request: Request[Any, Any, Any],
    back: OrganisationStatus,
    decision: Awaitable[OrganisationDetail],
    done: str,
) -> Redirect:
    """Run a verification decision; a conflict (two people deciding at once) is said on the
    queue rather than on an error page."""
    try:
        organisation = await decision
    except DomainError as exc:
        if exc.status_code != 409:
            raise
        flash(request, exc.message, "error")
    else:
        flash(request, done.format(name=organisation.name))
    return Redirect(path=f"/organisations/review?status={back.value}", status_code=303)


# --------------------------------------------------------------------------------------------
# Joining with an invitation link
# --------------------------------------------------------------------------------------------


class InvitationPagesController(Controller):
    path = "/invitations"
    include_in_schema = False

    @get("/{token:str}", name="invitation")
    async def open(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
        return await self._page(request, token, {}, FormErrors())

    @post("/{token:str}", status_code=303)
    async def join(
        self, request: Request[Any, Any, Any], token: FromPath[str]
    ) -> Redirect | Template:
        form = await form_data(request)
        values = {k: form.get(k, "").strip() for k in ("username", "display_name")}
        errors = FormErrors()
        data = {k: v for k, v in values.items() if v}
        if form.get("password"):
            data["password"] = form["password"]
        account = validate(AccountCreate, data, errors)
        if account is None:
            return await self._page(request, token, values, errors, status=400)
        try:
            joined, user = await members.accept_invitation(token, account)
        except (members.InvitationNotFound, members.InvitationUsed, members.InvitationExpired):
            return await self._page(request, token, values, errors)
        except DomainError as exc:
            errors.add(exc.field, exc.message)
            return await self._page(request, token, values, errors, status=exc.status_code)
        await start_session(request, user)
        flash(request, f"欢迎加入{joined.organisation_name}：您的账号已创建并登录。")
        return Redirect(path=f"/organisations/{joined.organisation_id}", status_code=303)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        token: str,
        values: dict[str, str],
        errors: FormErrors,
        *,
        status: int = 200,
    ) -> Template:
        try:
            invitation = await members.invitation_info(token)
        except (
            members.InvitationNotFound,
            members.InvitationUsed,
            members.InvitationExpired,
        ) as exc:
            return page(
                request,
                "invitations/join.html",
                status_code=exc.status_code,
                refusal=exc.message,
                invitation=None,
                values={},
                errors=FormErrors(),
            )
        return page(
            request,
            "invitations/join.html",
            status_code=status,
            invitation=invitation,
            refusal=None,
            values=values,
            errors=errors,
        )
