"""Pledge web pages: the pledge form on the public need page, 我的认捐, and staff's linkage.

Thin controllers over ``backend.pledges.service``: the form is read with the form kit, the
idempotency key comes from a hidden field rendered with the form (so a double submit of one
rendered form counts once), and a domain error is shown beside the form with its status code.
Nothing here reads or shows personal data of the household.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backend.accounts.guards import require_roles, user_of
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Membership, Role
from backend.disbursements import evidence
from backend.disbursements import service as disbursements
from backend.disbursements.controllers import read_evidence
from backend.disbursements.schemas import DisbursementCreate, DisbursementReject
from backend.disbursements.tables import (
    EVIDENCE_KIND_LABELS,
    PAYEE_KIND_LABELS,
    REJECTION_REASON_LABELS,
    DisbursementStatus,
)
from backend.errors import DomainError
from backend.needs.schemas import NeedPublic
from backend.needs.service import public_need
from backend.needs.tables import NeedStatus
from backend.pledges import linkage, service
from backend.pledges.schemas import CancelPledge, PledgeCreate
from backend.pledges.tables import PledgeStatus
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
from backend.web.pages import current_user, page, yuan
from matching.vocabulary import NEED_KIND_LABELS, NeedKind

PLEDGERS = (Role.org_member, Role.volunteer)
_KEY_FIELD = "idempotency_key"
_DISBURSEMENT_FIELDS = ("amount_fen", "payee_kind", "paid_on", "evidence_kind", "evidence")
#: Pledge states in which the organisation may still record payouts.
DISBURSABLE = (PledgeStatus.pledged, PledgeStatus.delivered)


@dataclass
class PledgePanel:
    """What the pledge section of the need page shows: a form, a refusal, or nothing."""

    organisations: list[tuple[str, str]] = field(default_factory=list)
    #: Why the user cannot pledge (shown instead of the form), or "".
    refusal: str = ""
    values: dict[str, str] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)
    goods_rows: int = 1
    is_volunteer: bool = False


async def _organisations(user: CurrentUser) -> list[dict[str, Any]]:
    org = Membership.organisation
    found = (
        await Membership.select(org.public_id, org.name, org.verified, org.suspended)
        .where(Membership.user == user.id)
        .order_by(org.name)
    )
    return [{k.removeprefix("organisation."): v for k, v in row.items()} for row in found]


def _initial_values(need: NeedPublic, organisations: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {"kind": need.kind.value, _KEY_FIELD: secrets.token_urlsafe(18)}
    if len(organisations) == 1:
        values["organisation_id"] = organisations[0][0]
    if need.kind == NeedKind.service:
        values["service_type"] = need.service_type
    for i, line in enumerate(need.goods):
        values.update(
            {
                f"goods.{i}.item": line.item,
                f"goods.{i}.quantity": str(line.quantity),
                f"goods.{i}.unit": line.unit,
                f"goods.{i}.unit_value_fen": f"{line.unit_value_fen / 100:.2f}",
            }
        )
    return values


async def pledge_panel(
    request: Request[Any, Any, Any],
    need: NeedPublic,
    *,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    goods_rows: int | None = None,
) -> PledgePanel | None:
    """The pledge section of the need page for this user, or None when it is not theirs."""
    user = current_user(request)
    if user is None or user.role not in PLEDGERS:
        return None
    panel = PledgePanel(is_volunteer=user.role == Role.volunteer)
    if panel.is_volunteer:
        if need.kind != NeedKind.service:
            return None
    else:
        orgs = await _organisations(user)
        usable = [o for o in orgs if o["verified"] and not o["suspended"]]
        panel.organisations = [(o["public_id"], o["name"]) for o in usable]
        if not orgs:
            panel.refusal = "您尚未加入任何组织，暂不能认捐"
        elif not usable:
            panel.refusal = "您所在的组织尚未通过认证或已被暂停，暂不能认捐"
    if need.status != NeedStatus.published and errors is None:
        return None  # after a refused submit the error is shown even if the need just closed
    panel.values = values if values is not None else _initial_values(need, panel.organisations)
    panel.errors = errors or FormErrors()
    panel.goods_rows = goods_rows or max(1, len(need.goods))
    return panel


_FORM_FIELDS = {
    NeedKind.money: {"organisation_id", "amount_fen"},
    NeedKind.goods: {"organisation_id", "goods"},
    NeedKind.service: {"organisation_id", "hours", "service_type"},
}


def _pledge_input(
    form: dict[str, str], need: NeedPublic
) -> tuple[dict[str, str], dict[str, Any], int, FormErrors]:
    """What to show again, the data for ``PledgeCreate``, the goods rows shown, and errors."""
    raw = nest({k: v for k, v in form.items() if k != _KEY_FIELD})
    errors = FormErrors()
    shown: dict[str, Any] = {
        k: v for k, v in raw.items() if k in _FORM_FIELDS[need.kind] and k != "goods"
    }
    goods_rows = 1
    if need.kind == NeedKind.goods:
        shown["goods"] = rows(raw.get("goods"), keep_one=True)
        goods_rows = len(shown["goods"])
    data = clean(shown, errors)
    data.update(need_id=need.id, kind=need.kind.value)
    if need.kind == NeedKind.goods:
        data["goods"] = [g for g in data.get("goods", []) if g]
    values = {**flatten(shown), "kind": need.kind.value, _KEY_FIELD: form.get(_KEY_FIELD, "")}
    return values, data, goods_rows, errors


class PledgePagesController(Controller):
    include_in_schema = False
    guards = [require_roles(*PLEDGERS)]

    @post("/needs/{need_id:str}/pledge", status_code=303, name="pledge_need")
    async def create(
        self, request: Request[Any, Any, Any], need_id: FromPath[str]
    ) -> Redirect | Template:
        need = await public_need(need_id)  # NeedNotFound → the 404 page
        form = await form_data(request)
        values, data, goods_rows, errors = _pledge_input(form, need)
        status = 400
        pledge = validate(PledgeCreate, data, errors)
        if pledge is not None:
            try:
                async with undo_on_error():
                    created = await service.create_pledge(
                        user_of(request), pledge, form.get(_KEY_FIELD, "")
                    )
            except DomainError as exc:
                if exc.status_code == 404 and exc.field is None:
                    raise
                known = exc.field in _FORM_FIELDS[need.kind]
                errors.add(exc.field if known else "", exc.message)
                status = exc.status_code
            else:
                flash(request, f"认捐成功：{created.need_title}。请在截止日期前完成交付。")
                return Redirect(path="/pledges", status_code=303)
        need = await public_need(need_id)
        panel = await pledge_panel(
            request, need, values=values, errors=errors, goods_rows=goods_rows
        )
        return page(
            request,
            "needs/detail.html",
            status_code=status,
            active="needs",
            need=need,
            pledge=panel,
            error_status=status,
        )

    @get("/pledges", name="my_pledges")
    async def mine(self, request: Request[Any, Any, Any]) -> Template:
        return await self._list(request)

    async def _list(
        self,
        request: Request[Any, Any, Any],
        *,
        failed: str = "",
        errors: FormErrors | None = None,
        values: dict[str, str] | None = None,
        status: int = 200,
        disbursing: bool = False,
    ) -> Template:
        pledges = await service.my_pledges(user_of(request))
        listed = await disbursements.disbursements_by_pledge([p.id for p in pledges])
        return page(
            request,
            "pledges/mine.html",
            status_code=status,
            active="pledges",
            flashes=take_flashes(request),
            pledges=pledges,
            kinds=NEED_KIND_LABELS,
            failed=failed,
            errors=errors or FormErrors(),
            values=values or {},
            open_status=PledgeStatus.pledged,
            disbursements=listed,
            disbursable=DISBURSABLE,
            payee_kinds=list(PAYEE_KIND_LABELS.items()),
            evidence_kinds=list(EVIDENCE_KIND_LABELS.items()),
            evidence_limit=evidence.limit_text(),
            evidence_accept=evidence.ACCEPT,
            today=date.today().isoformat(),
            disbursing=disbursing,
        )

    @post(
        "/pledges/{pledge_id:str}/disbursements",
        status_code=303,
        guards=[require_roles(Role.org_member)],
        request_max_body_size=evidence.UPLOAD_REQUEST_CEILING,
        name="record_disbursement",
    )
    async def disburse(
        self, request: Request[Any, Any, Any], pledge_id: FromPath[str]
    ) -> Redirect | Template:
        """登记拨付: the multipart form on 我的认捐 (its CSRF token is a form field)."""
        form = await form_data(request)
        upload = (await request.form()).get("evidence")
        values = {k: form.get(k, "") for k in _DISBURSEMENT_FIELDS if k != "evidence"}
        errors = FormErrors()
        data = validate(DisbursementCreate, clean(dict(values), errors), errors)
        status = 400
        content = await read_evidence(upload if isinstance(upload, UploadFile) else None)
        if data is not None:
            try:
                async with undo_on_error():
                    recorded = await disbursements.record_disbursement(
                        user_of(request), pledge_id, data, content
                    )
            except DomainError as exc:
                if exc.status_code == 404:
                    raise
                known = exc.field in _DISBURSEMENT_FIELDS
                errors.add(exc.field if known else "", exc.message)
                status = exc.status_code
            else:
                flash(
                    request,
                    f"已登记拨付 {yuan(recorded.amount_fen)}，等待民政部门核实。",
                )
                return Redirect(path="/pledges", status_code=303)
        return await self._list(
            request,
            failed=pledge_id,
            errors=errors,
            values=values,
            status=status,
            disbursing=True,
        )

    @post("/pledges/{pledge_id:str}/cancel", status_code=303, name="cancel_pledge")
    async def cancel(
        self, request: Request[Any, Any, Any], pledge_id: FromPath[str]
    ) -> Redirect | Template:
        form = await form_data(request)
        values = {"reason": form.get("reason", "")}
        errors = FormErrors()
        data = validate(CancelPledge, clean(values, errors), errors)
        status = 400
        if data is not None:
            try:
                async with undo_on_error():
                    await service.cancel_pledge(user_of(request), pledge_id, data)
            except DomainError as exc:
                if exc.status_code == 404:
                    raise
                errors.add("reason" if exc.field is None else exc.field, exc.message)
                status = exc.status_code
            else:
                flash(request, "已取消认捐，认捐额度已退回该需求。")
                return Redirect(path="/pledges", status_code=303)
        return await self._list(
            request, failed=pledge_id, errors=errors, values=values, status=status
        )

    @post("/pledges/{pledge_id:str}/deliver", status_code=303, name="deliver_pledge")
    async def deliver(
        self, request: Request[Any, Any, Any], pledge_id: FromPath[str]
    ) -> Redirect | Template:
        try:
            async with undo_on_error():
                await service.deliver_pledge(user_of(request), pledge_id)
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            errors = FormErrors()
            errors.add("deliver", exc.message)
            return await self._list(
                request, failed=pledge_id, errors=errors, status=exc.status_code
            )
        flash(request, "已标记交付，等待民政部门核实。")
        return Redirect(path="/pledges", status_code=303)


class LinkagePagesController(Controller):
    """Staff's linkage of a case: government assistance beside every pledge."""

    path = "/cases/{ref:str}/linkage"
    include_in_schema = False
    guards = [require_roles(Role.staff, Role.reviewer)]

    @get("/", name="case_linkage")
    async def show(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
        return await self._page(request, ref)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        ref: str,
        *,
        failed: str = "",
        error: str = "",
        status: int = 200,
        values: dict[str, str] | None = None,
    ) -> Template:
        user = user_of(request)
        found = await linkage.linkage(user, ref)
        return page(
            request,
            "pledges/linkage.html",
            status_code=status,
            active="cases",
            flashes=take_flashes(request),
            linkage=found,
            kinds=NEED_KIND_LABELS,
            can_verify=user.role == Role.staff,
            verifiable=(PledgeStatus.delivered, PledgeStatus.disbursed),
            disbursements=await disbursements.disbursements_by_pledge(
                [p.id for p in found.pledges]
            ),
            pending=DisbursementStatus.recorded,
            reasons=list(REJECTION_REASON_LABELS.items()),
            failed=failed,
            error=error,
            values=values or {},
        )

    @post(
        "/pledges/{pledge_id:str}/verify",
        status_code=303,
        guards=[require_roles(Role.staff)],
        name="verify_pledge",
    )
    async def verify(
        self, request: Request[Any, Any, Any], ref: FromPath[str], pledge_id: FromPath[str]
    ) -> Redirect | Template:
        try:
            async with undo_on_error():
                await linkage.ensure_of_case(user_of(request), ref, pledge_id=pledge_id)
                verified = await service.verify_pledge(user_of(request), pledge_id)
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            return await self._page(
                request, ref, failed=pledge_id, error=exc.message, status=exc.status_code
            )
        flash(request, f"已核实认捐：{verified.organisation_name or '志愿者'}。")
        return Redirect(path=f"/cases/{ref}/linkage", status_code=303)

    @post(
        "/disbursements/{disbursement_id:str}/verify",
        status_code=303,
        guards=[require_roles(Role.staff)],
        name="verify_disbursement",
    )
    async def verify_disbursement(
        self, request: Request[Any, Any, Any], ref: FromPath[str], disbursement_id: FromPath[str]
    ) -> Redirect | Template:
        try:
            async with undo_on_error():
                await linkage.ensure_of_case(user_of(request), ref, disbursement_id=disbursement_id)
                verified = await disbursements.verify_disbursement(
                    user_of(request), disbursement_id
                )
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            return await self._page(
                request, ref, failed=disbursement_id, error=exc.message, status=exc.status_code
            )
        flash(request, f"已核实拨付 {yuan(verified.amount_fen)}。")
        return Redirect(path=f"/cases/{ref}/linkage", status_code=303)

    @post(
        "/disbursements/{disbursement_id:str}/reject",
        status_code=303,
        guards=[require_roles(Role.staff)],
        name="reject_disbursement",
    )
    async def reject_disbursement(
        self, request: Request[Any, Any, Any], ref: FromPath[str], disbursement_id: FromPath[str]
    ) -> Redirect | Template:
        form = await form_data(request)
        values = {k: form.get(k, "") for k in ("reason_code", "reason")}
        errors = FormErrors()
        data = validate(DisbursementReject, clean(dict(values), errors), errors)
        status = 400
        if data is not None:
            try:
                async with undo_on_error():
                    await linkage.ensure_of_case(
                        user_of(request), ref, disbursement_id=disbursement_id
                    )
                    await disbursements.reject_disbursement(user_of(request), disbursement_id, data)
            except DomainError as exc:
                if exc.status_code == 404:
                    raise
                errors.add("", exc.message)
                status = exc.status_code
            else:
                flash(request, "已退回该笔拨付，金额已退回认捐，认捐组织可重新登记。")
                return Redirect(path=f"/cases/{ref}/linkage", status_code=303)
        first = next(iter(errors.fields.values()))
        return await self._page(
            request, ref, failed=disbursement_id, error=first, status=status, values=values
        )
