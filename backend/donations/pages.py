"""Donation pages: the 我要捐赠 section of the need page, the payment page (Stripe Payment
Element), the status page Stripe returns to, the public receipt, and the offline-donation page
of charity members.

Thin controllers over ``backend.donations.service``. The donation form carries a hidden
idempotency key rendered with it, so a double submit makes one donation and one PaymentIntent.
Nothing here shows anything about the household; the receipt shows only the donor's chosen
display name.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.disclosure.pages import qr_code
from backend.donations import offline, service
from backend.donations.schemas import CharityOption, DonationCreate, OfflineDonationCreate
from backend.donations.tables import DEFAULT_DONOR_NAME, DonationStatus
from backend.errors import DomainError
from backend.needs.schemas import NeedPublic
from backend.needs.service import public_need
from backend.pledges.pages import pledge_panel
from backend.public_url import absolute_url
from backend.settings import get_settings
from backend.web.forms import (
    FormErrors,
    clean,
    flash,
    form_data,
    take_flashes,
    undo_on_error,
    validate,
)
from backend.web.pages import page, yuan

_KEY_FIELD = "idempotency_key"
_DONATE_FIELDS = ("organisation_id", "amount_fen", "donor_name")
_OFFLINE_FIELDS = ("target", "amount_fen", "donor_name", "bank_reference", "received_on")


@dataclass
class DonatePanel:
    """The 我要捐赠 section: the charities to give through, and the form when Stripe is on."""

    charities: list[CharityOption]
    online: bool
    values: dict[str, str] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(c.id, c.name) for c in self.charities]


async def donation_panel(
    need: NeedPublic, *, values: dict[str, str] | None = None, errors: FormErrors | None = None
) -> DonatePanel | None:
    """The donation section of the need page, or None when nobody can give through it."""
    if not service.open_for_donation(need.status, need.deadline) and errors is None:
        return None
    charities = await service.charities_for_need(need.id)
    if not charities and errors is None:
        return None
    initial = {_KEY_FIELD: secrets.token_urlsafe(18)}
    if len(charities) == 1:
        initial["organisation_id"] = charities[0].id
    return DonatePanel(
        charities=charities,
        online=get_settings().stripe_enabled,
        values=values if values is not None else initial,
        errors=errors or FormErrors(),
    )


class DonationPagesController(Controller):
    include_in_schema = False

    @post("/needs/{need_id:str}/donate", status_code=303, name="donate")
    async def donate(
        self, request: Request[Any, Any, Any], need_id: FromPath[str]
    ) -> Redirect | Template:
        need = await public_need(need_id)  # NeedNotFound → the 404 page
        form = await form_data(request)
        values = {k: form.get(k, "") for k in (*_DONATE_FIELDS, _KEY_FIELD)}
        errors = FormErrors()
        data = clean({k: values[k] for k in _DONATE_FIELDS}, errors)
        data["need_id"] = need.id
        data.setdefault("donor_name", DEFAULT_DONOR_NAME)
        status = 400
        donation = validate(DonationCreate, data, errors)
        if donation is not None:
            try:
                async with undo_on_error():
                    started = await service.start_online_donation(donation, values[_KEY_FIELD])
            except DomainError as exc:
                errors.add(exc.field if exc.field in _DONATE_FIELDS else "", exc.message)
                status = exc.status_code
            else:
                return Redirect(path=f"/donations/{started.donation.id}/pay", status_code=303)
        return page(
            request,
            "needs/detail.html",
            status_code=status,
            active="needs",
            need=need,
            pledge=await pledge_panel(request, need),
            donate=await donation_panel(need, values=values, errors=errors),
            donate_status=status,
        )

    @get("/donations/{donation_id:str}/pay", name="donation_pay")
    async def pay(
        self, request: Request[Any, Any, Any], donation_id: FromPath[str]
    ) -> Redirect | Template:
        start = await service.pending_payment_start(donation_id)
        if start is None:
            return Redirect(path=f"/donations/{donation_id}", status_code=303)
        return page(
            request,
            "donations/pay.html",
            active="needs",
            start=start,
            donation=start.donation,
            stripe_js_url=get_settings().stripe_js_url,
        )

    @get("/donations/{donation_id:str}", name="donation_status")
    async def status(self, request: Request[Any, Any, Any], donation_id: FromPath[str]) -> Template:
        """Where Stripe returns the donor: the state our verified webhook recorded."""
        donation = await service.read_donation(donation_id)
        redirect_status = request.query_params.get("redirect_status", "")
        pending = donation.status == DonationStatus.pending and redirect_status != "failed"
        response = page(
            request,
            "donations/status.html",
            active="needs",
            donation=donation,
            redirect_failed=redirect_status == "failed",
        )
        if pending:
            response.set_header("Refresh", "3")  # until the webhook has been processed
        return response

    @get("/donations/{donation_id:str}/receipt", name="donation_receipt")
    async def receipt(
        self, request: Request[Any, Any, Any], donation_id: FromPath[str]
    ) -> Template:
        """电子捐赠凭证: public to whoever holds the unguessable donation id."""
        donation = await service.read_donation(donation_id)
        if donation.receipt_url is None:
            raise service.DonationNotFound("该捐赠尚未成功，暂无捐赠凭证")
        disclosure_url = absolute_url(f"/disclosure/needs/{donation.need_id}")
        return page(
            request,
            "donations/receipt.html",
            active="needs",
            donation=donation,
            disclosure_url=disclosure_url,
            proof_url=absolute_url(f"/api/v1/ledger/proofs/inclusion/{donation.ledger_entry_id}")
            if donation.ledger_entry_id
            else None,
            qr=qr_code(disclosure_url, "需求信息公开页的二维码"),
        )


async def _target_choices(targets: list[dict[str, str]]) -> list[tuple[str, str]]:
    """The offline form's (value, text) options. Two needs may share a title (the same kind
    of help for two households), so each option also says where, until when and how much is
    still needed; options that would still read alike name the need's number as well."""
    described = []
    for t in targets:
        need = await public_need(t["need_id"])
        text = (
            f"{t['need_title']} · {need.region_name} · {need.deadline.isoformat()}截止 · "
            f"尚需{yuan(need.remaining_fen)}（{t['organisation_name']}）"
        )
        described.append((f"{t['need_id']}|{t['organisation_id']}", text, t["need_id"]))
    texts = Counter(text for _value, text, _need in described)
    return [
        (value, f"{text} · 需求编号 {need_id}" if texts[text] > 1 else text)
        for value, text, need_id in described
    ]


class OfflineDonationPagesController(Controller):
    """Charity members record bank transfers they received (the only way without Stripe)."""

    path = "/donations/offline"
    include_in_schema = False
    guards = [require_roles(Role.org_member)]

    @get("/", name="offline_donations")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        *,
        values: dict[str, str] | None = None,
        errors: FormErrors | None = None,
        status: int = 200,
    ) -> Template:
        user = user_of(request)
        choices = await _target_choices(await offline.fundraising_targets(user))
        return page(
            request,
            "donations/offline.html",
            status_code=status,
            active="donations",
            flashes=take_flashes(request),
            choices=choices,
            values=values or {},
            errors=errors or FormErrors(),
            donations=await service.donations_of(user),
        )

    @post("/", status_code=303, name="record_offline_donation")
    async def record(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        form = await form_data(request)
        values = {k: form.get(k, "") for k in _OFFLINE_FIELDS}
        errors = FormErrors()
        data = clean({k: v for k, v in values.items() if k != "target"}, errors)
        need_id, _, org_id = values["target"].partition("|")
        data.update(need_id=need_id, organisation_id=org_id)
        data.setdefault("donor_name", DEFAULT_DONOR_NAME)
        status = 400
        submitted = validate(OfflineDonationCreate, data, errors)
        if errors.get("need_id") or errors.get("organisation_id"):
            errors.add("target", "请选择需求与受赠组织")
        if submitted is not None:
            try:
                async with undo_on_error():
                    donation, created = await offline.record_offline(user_of(request), submitted)
            except DomainError as exc:
                if exc.field in ("need_id", "organisation_id"):
                    errors.add("target", exc.message)
                else:
                    errors.add(exc.field if exc.field in _OFFLINE_FIELDS else "", exc.message)
                status = exc.status_code
            else:
                said = "已登记线下捐赠" if created else "该银行流水号此前已登记，未重复记录"
                flash(request, f"{said}：{donation.need_title}，捐赠编号 {donation.id}。")
                return Redirect(path="/donations/offline", status_code=303)
        return await self._page(request, values=values, errors=errors, status=status)
