"""Staff web pages of referrals: the referral form with its live anonymisation preview, the
referral page (original beside public text, edit, submit, decide) and the review queue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from markupsafe import Markup, escape

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.cases.service import case_in_scope
from backend.errors import DomainError
from backend.referrals import review, service
from backend.referrals.schemas import Decision, ReferralCreate, ReferralUpdate
from backend.referrals.tables import (
    CONSENT_METHOD_LABELS,
    REFERRAL_STATUS_LABELS,
    ReferralStatus,
)
from backend.web.forms import (
    FormErrors,
    clean,
    flash,
    flatten,
    form_data,
    is_blank,
    nest,
    rows,
    take_flashes,
    undo_on_error,
    validate,
)
from backend.web.middleware import keep_writes
from backend.web.pages import page
from backend.web.requests import client_ip
from matching.anonymiser import Known, anonymise
from matching.vocabulary import NEED_CATEGORY_LABELS, NEED_KIND_LABELS, URGENCY_LABELS, NeedKind

MAX_ITEMS = 10
MAX_GOODS = 50
NARRATIVE_LIMIT = 5000

LABELS: dict[str, Mapping[Any, str]] = {
    "category": NEED_CATEGORY_LABELS,
    "kind": NEED_KIND_LABELS,
    "urgency": URGENCY_LABELS,
    "status": REFERRAL_STATUS_LABELS,
    "consent_method": CONSENT_METHOD_LABELS,
}
CHOICES = {name: list(labels.items()) for name, labels in LABELS.items()}

#: The fields each kind of need uses; the others are kept on screen but not sent.
_KIND_FIELDS = {
    NeedKind.money: {"amount_fen"},
    NeedKind.goods: {"goods"},
    NeedKind.service: {"hours", "service_type"},
}
_KIND_SPECIFIC = set().union(*_KIND_FIELDS.values())


# --------------------------------------------------------------------------------------------
# Highlighting what the anonymiser removed
# --------------------------------------------------------------------------------------------


class FindingLike(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def replacement(self) -> str: ...
    @property
    def reason(self) -> str: ...


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    css: str
    title: str
    said: str  # read out by screen readers after the marked text


def _ordered(findings: Iterable[FindingLike], length: int) -> list[FindingLike]:
    """Findings in text order, without overlaps or offsets outside the text."""
    kept: list[FindingLike] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if 0 <= finding.start < finding.end <= length and (
            not kept or finding.start >= kept[-1].end
        ):
            kept.append(finding)
    return kept


def _marked(text: str, spans: Iterable[Span]) -> Markup:
    parts: list[Markup] = []
    position = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < position:
            continue
        parts.append(escape(text[position : span.start]))
        parts.append(
            Markup(
                '<mark class="{}" title="{}">{}<span class="sr-only">（{}）</span></mark>'
            ).format(span.css, span.title, text[span.start : span.end], span.said)
        )
        position = span.end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def marked_original(narrative: str, findings: Iterable[FindingLike]) -> Markup:
    """The narrative with every removed span marked, its reason in the title."""
    return _marked(
        narrative,
        (
            Span(
                f.start,
                f.end,
                "removed",
                f"{f.reason}：公开稿中替换为{f.replacement}",
                f"将移除：{f.reason}",
            )
            for f in _ordered(findings, len(narrative))
        ),
    )


def marked_public(
    public_text: str,
    narrative: str,
    findings: Iterable[FindingLike],
    remaining: Iterable[FindingLike] = (),
) -> Markup:
    """The public text with each replacement marked, and what still identifies someone.

    While the public text is still the anonymiser's draft, replacements are found by
    position; once staff have edited it, by the placeholder text itself.
    """
    ordered = _ordered(findings, len(narrative))
    spans: list[Span] = [
        Span(f.start, f.end, "remaining", f"仍可识别：{f.reason}", f"仍可识别：{f.reason}")
        for f in _ordered(remaining, len(public_text))
    ]
    taken = [(s.start, s.end) for s in spans]

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    draft, placed, shift = [], [], 0
    position = 0
    for f in ordered:
        draft.append(narrative[position : f.start] + f.replacement)
        placed.append((f.start + shift, f, len(f.replacement)))
        shift += len(f.replacement) - (f.end - f.start)
        position = f.end
    draft.append(narrative[position:])
    if "".join(draft) == public_text:
        candidates = [(start, start + size, f) for start, f, size in placed]
    else:
        candidates = []
        for f in {f.replacement: f for f in ordered}.values():
            start = public_text.find(f.replacement)
            while f.replacement and start != -1:
                candidates.append((start, start + len(f.replacement), f))
                start = public_text.find(f.replacement, start + len(f.replacement))
    for start, end, f in sorted(candidates, key=lambda c: c[0]):
        if end > start and free(start, end):
            spans.append(
                Span(start, end, "replacement", f"已替换：{f.reason}", f"已替换：{f.reason}")
            )
            taken.append((start, end))
    return _marked(public_text, spans)


def preview_of(narrative: str, known: Known) -> dict[str, Any]:
    if len(narrative) > NARRATIVE_LIMIT:
        return {"too_long": True, "limit": NARRATIVE_LIMIT}
    draft = anonymise(narrative, known)
    return {
        "too_long": False,
        "original": marked_original(narrative, draft.findings),
        "public": marked_public(draft.text, narrative, draft.findings),
        "count": len(draft.findings),
        "reasons": sorted({f.reason for f in draft.findings}),
    }


# --------------------------------------------------------------------------------------------
# Reading the forms
# --------------------------------------------------------------------------------------------


def _for_kind(item: dict[str, Any]) -> dict[str, Any]:
    try:
        wanted = _KIND_FIELDS[NeedKind(item.get("kind", ""))]
    except ValueError:
        return item
    return {k: v for k, v in item.items() if k not in _KIND_SPECIFIC or k in wanted}


def referral_input(
    form: Mapping[str, str],
) -> tuple[dict[str, Any], dict[str, Any], FormErrors]:
    """What to show again, the data for ``ReferralCreate`` and the amounts that were not."""
    raw = nest(form)
    items = rows(raw.get("items"), keep_one=True, ignore=frozenset({"urgency"}))
    for item in items:
        item["goods"] = rows(item.get("goods"), keep_one=False)
    consent = raw.get("consent") if isinstance(raw.get("consent"), dict) else {}
    shown = {"narrative": form.get("narrative", ""), "items": items, "consent": consent}
    errors = FormErrors()
    data = clean({**shown, "items": [_for_kind(item) for item in items]}, errors)
    if is_blank(consent):
        data.pop("consent", None)
    return shown, data, errors


def _consent_changed(consent: dict[str, Any], row: Mapping[str, Any]) -> bool:
    """The consent fields of the edit form come prefilled; unchanged, they are not resent
    (the witness is sealed and never shown, so a blank witness means "as recorded")."""
    if is_blank(consent):
        return False
    recorded_on = row["consent_on"].isoformat() if row["consent_on"] else ""
    same = (
        consent.get("consent_on", "") == recorded_on
        and consent.get("method", "") == (row["consent_method"] or "")
        and not str(consent.get("witness", "")).strip()
    )
    return not same


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def _new_item(i: int) -> dict[str, str]:
    return {f"items.{i}.urgency": "normal"}


class ReferralPagesController(Controller):
    path = "/"
    include_in_schema = False

    # ---- the referral form -----------------------------------------------------------------

    @get("/cases/{ref:str}/referrals/new", guards=[require_roles(Role.staff)])
    async def new(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
        await case_in_scope(user_of(request), ref)
        return await self._form(request, ref, _new_item(0), FormErrors(), goods_counts=[1])

    @get("/cases/{ref:str}/referrals/item-row", guards=[require_roles(Role.staff)])
    async def item_row(
        self, request: Request[Any, Any, Any], ref: FromPath[str], index: FromQuery[int]
    ) -> Template:
        index = max(1, min(index, MAX_ITEMS))
        return page(
            request,
            "referrals/_item_row_added.html",
            ref=ref,
            i=index,
            goods_count=1,
            values=_new_item(index),
            errors=FormErrors(),
            choices=CHOICES,
            max_items=MAX_ITEMS,
            max_goods=MAX_GOODS,
        )

    @get("/cases/{ref:str}/referrals/goods-row", guards=[require_roles(Role.staff)])
    async def goods_row(
        self,
        request: Request[Any, Any, Any],
        ref: FromPath[str],
        item: FromQuery[int],
        index: FromQuery[int],
    ) -> Template:
        return page(
            request,
            "referrals/_goods_row_added.html",
            ref=ref,
            i=max(0, min(item, MAX_ITEMS - 1)),
            j=max(0, min(index, MAX_GOODS - 1)),
            values={},
            errors=FormErrors(),
            max_goods=MAX_GOODS,
        )

    @post("/cases/{ref:str}/referrals/preview", guards=[require_roles(Role.staff)], status_code=200)
    async def preview(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
        """Echo the narrative anonymised. Writes nothing and logs nothing of the text."""
        narrative = (await form_data(request)).get("narrative", "")
        case = await case_in_scope(user_of(request), ref)
        known = await service.known_identifiers(case["id"])
        return page(
            request, "referrals/_preview.html", preview=preview_of(narrative, known), live=True
        )

    @post("/cases/{ref:str}/referrals", guards=[require_roles(Role.staff)], status_code=303)
    async def create(
        self, request: Request[Any, Any, Any], ref: FromPath[str]
    ) -> Redirect | Template:
        shown, data, errors = referral_input(await form_data(request))
        goods_counts = [max(1, len(item["goods"])) for item in shown["items"]]
        referral = validate(ReferralCreate, data, errors)
        if referral is not None:
            try:
                created = await service.create_referral(
                    user_of(request), ref, referral, ip=client_ip(request)
                )
            except DomainError as exc:
                if exc.status_code == 404:
                    raise
                errors.add(exc.field, exc.message)
                status = exc.status_code
            else:
                flash(request, "转介草稿已保存。请核对公开文本，登记家庭同意后提交审核。")
                return Redirect(path=f"/referrals/{created.ref}", status_code=303)
        else:
            status = 400
        return await self._form(
            request, ref, flatten(shown), errors, goods_counts=goods_counts, status=status
        )

    async def _form(
        self,
        request: Request[Any, Any, Any],
        ref: str,
        values: dict[str, str],
        errors: FormErrors,
        *,
        goods_counts: list[int],
        status: int = 200,
    ) -> Template:
        case = await case_in_scope(user_of(request), ref)
        narrative = values.get("narrative", "")
        preview = None
        if narrative.strip():
            preview = preview_of(narrative, await service.known_identifiers(case["id"]))
        return page(
            request,
            "referrals/new.html",
            status_code=status,
            active="cases",
            ref=ref,
            values=values,
            errors=errors,
            goods_counts=goods_counts,
            preview=preview,
            choices=CHOICES,
            max_items=MAX_ITEMS,
            max_goods=MAX_GOODS,
            today=date.today().isoformat(),
        )

    # ---- the referral page -----------------------------------------------------------------

    @get("/referrals/{ref:str}", name="referral", guards=[require_roles(Role.staff, Role.reviewer)])
    async def detail(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
        return await self._page(request, ref, FormErrors())

    @post("/referrals/{ref:str}", guards=[require_roles(Role.staff)], status_code=303)
    async def update(
        self, request: Request[Any, Any, Any], ref: FromPath[str]
    ) -> Redirect | Template:
        user = user_of(request)
        form = await form_data(request)
        raw = nest(form)
        consent: dict[str, Any] = raw["consent"] if isinstance(raw.get("consent"), dict) else {}
        errors = FormErrors()
        recorded = await service.referral_in_scope(user, ref)
        data: dict[str, Any] = {"public_text": form.get("public_text", "")}
        if _consent_changed(consent, recorded):
            data["consent"] = clean(consent, errors)
        changes = validate(ReferralUpdate, data, errors)
        if changes is not None:
            try:
                async with undo_on_error():
                    await service.update_referral(user, ref, changes, ip=client_ip(request))
            except DomainError as exc:
                if exc.status_code == 404:
                    raise
                errors.add(exc.field, exc.message)
            else:
                flash(request, "已保存修改。")
                return Redirect(path=f"/referrals/{ref}", status_code=303)
        keep_writes(request.scope)  # keep the audit entry of the page shown
        edit = {"public_text": form.get("public_text", ""), **flatten({"consent": consent})}
        return await self._page(request, ref, errors, edit_values=edit, status=400)

    @post("/referrals/{ref:str}/submit", guards=[require_roles(Role.staff)], status_code=303)
    async def submit(
        self, request: Request[Any, Any, Any], ref: FromPath[str]
    ) -> Redirect | Template:
        try:
            async with undo_on_error():
                await service.submit_referral(user_of(request), ref, ip=client_ip(request))
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            keep_writes(request.scope)  # keep the audit entry of the page shown
            errors = FormErrors()
            errors.add(exc.field, exc.message)
            return await self._page(request, ref, errors, status=exc.status_code)
        flash(request, "已提交审核，审核人员将尽快处理。")
        return Redirect(path=f"/referrals/{ref}", status_code=303)

    @post("/referrals/{ref:str}/decision", guards=[require_roles(Role.reviewer)], status_code=303)
    async def decide(
        self, request: Request[Any, Any, Any], ref: FromPath[str]
    ) -> Redirect | Template:
        form = await form_data(request)
        errors = FormErrors()
        reason = form.get("reason", "")
        decision = validate(
            Decision, {"approve": form.get("decision") == "approve", "reason": reason}, errors
        )
        status = 400
        if decision is not None:
            try:
                async with undo_on_error():
                    await review.decide(user_of(request), ref, decision, ip=client_ip(request))
            except DomainError as exc:
                if exc.status_code == 404:
                    raise
                errors.add(exc.field, exc.message)
                status = exc.status_code
            else:
                flash(request, "已通过，需求已发布。" if decision.approve else "已退回转介。")
                return Redirect(path=f"/referrals/{ref}", status_code=303)
        keep_writes(request.scope)  # keep the audit entry of the page shown
        return await self._page(
            request, ref, errors, decision_values={"reason": reason}, status=status
        )

    async def _page(
        self,
        request: Request[Any, Any, Any],
        ref: str,
        errors: FormErrors,
        *,
        edit_values: dict[str, str] | None = None,
        decision_values: dict[str, str] | None = None,
        status: int = 200,
    ) -> Template:
        user = user_of(request)
        referral = await service.read_referral(user, ref, ip=client_ip(request))  # audited
        editable = user.role == Role.staff and referral.status in (
            ReferralStatus.draft,
            ReferralStatus.rejected,
        )
        why_not = ""
        if user.role == Role.reviewer and referral.status == ReferralStatus.submitted:
            refusal = await review.why_not(user, await service.referral_in_scope(user, ref))
            why_not = refusal.message if refusal else ""
        if edit_values is None:
            edit_values = {
                "public_text": referral.public_text,
                "consent.consent_on": (
                    referral.consent_on.isoformat() if referral.consent_on else ""
                ),
                "consent.method": referral.consent_method or "",
            }
        return page(
            request,
            "referrals/detail.html",
            status_code=status,
            active="review" if user.role == Role.reviewer else "cases",
            flashes=take_flashes(request),
            r=referral,
            original=marked_original(referral.narrative, referral.findings),
            public=marked_public(
                referral.public_text, referral.narrative, referral.findings, referral.remaining
            ),
            remaining=[(f, referral.public_text[f.start : f.end]) for f in referral.remaining],
            editable=editable,
            can_decide=user.role == Role.reviewer
            and referral.status == ReferralStatus.submitted
            and not why_not,
            why_not=why_not,
            errors=errors,
            edit_values=edit_values,
            decision_values=decision_values or {},
            labels=LABELS,
            choices=CHOICES,
            today=date.today().isoformat(),
        )


class ReviewPagesController(Controller):
    path = "/review"
    include_in_schema = False
    guards = [require_roles(Role.reviewer)]

    @get("/", name="review_queue")
    async def queue(self, request: Request[Any, Any, Any]) -> Template:
        return page(
            request,
            "referrals/queue.html",
            active="review",
            entries=await review.queue(user_of(request)),
            labels=LABELS,
        )


__all__ = ["ReferralPagesController", "ReviewPagesController", "marked_original", "marked_public"]
