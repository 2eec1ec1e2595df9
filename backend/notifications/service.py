"""Notifications: the inbox, the hourly digest of newly published needs, and its e-mail copy.

When a need is published, every verified, unsuspended organisation that serves its city (or
a region containing it) and focuses on its category gets the need queued for its digest
(``queue_for_digests``); ``send_digests`` turns each organisation's queue into one inbox
entry, at most once per policy interval (an hour by default). Digest text is built from the
need's public projection (``to_public``) alone, so it holds nothing a public need page hides.

Jobs may run twice (arq's promise is at-least-once): queueing is keyed per organisation and
need, and the hourly claim is one conditional UPDATE, so repeats change nothing.
"""

from __future__ import annotations

import re
import secrets
import smtplib
import ssl
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

import structlog
from piccolo.query.mixins import OnConflictAction
from pydantic import BaseModel, Field

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Membership
from backend.errors import FieldInvalid, NotFound
from backend.needs.schemas import NeedPublic
from backend.needs.service import PUBLIC_COLUMNS, to_public
from backend.needs.tables import Need, NeedStatus
from backend.notifications.tables import (
    NOTIFICATION_KIND_LABELS,
    DigestEntry,
    Notification,
    NotificationKind,
    OrganisationDigest,
)
from backend.organisations.tables import Organisation
from backend.policy.service import POLICY_ZONE, int_at
from backend.public_url import absolute_url
from backend.recommendations.service import local_today, organisation_row, profile_from_row
from backend.settings import Settings, get_settings
from matching.policy_rules import DIGEST_INTERVAL_MINUTES, DIGEST_LISTED_MAX
from matching.recommend import should_notify, yuan
from matching.vocabulary import Urgency

log = structlog.get_logger(__name__)

INBOX_DEFAULT = 50
INBOX_MAX = 200
#: A plausible address (one @, a dotted domain); the mail server has the last word.
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


class NotificationNotFound(NotFound):
    code = "notification_not_found"
    message = "未找到该消息"


class DigestEmailInvalid(FieldInvalid):
    code = "email_invalid"
    message = "电子邮箱格式不正确"


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


class NotificationRead(BaseModel):
    id: str
    kind: NotificationKind
    kind_label: str
    title: str
    body: str
    link: str
    #: Whose inbox: the organisation's name, or None for a personal message.
    organisation_name: str | None
    created_at: datetime
    read_at: datetime | None

    @property
    def read(self) -> bool:
        return self.read_at is not None


class Inbox(BaseModel):
    items: list[NotificationRead]
    unread: int = Field(description="未读消息数")


class DigestSettings(BaseModel):
    email: str = Field(
        default="",
        max_length=254,
        title="摘要邮件接收地址",
        description="留空则只在站内消息中提醒",
    )


def _now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------------------------
# The inbox
# --------------------------------------------------------------------------------------------


def _visible_to(user: CurrentUser) -> Any:
    """The user's own notifications and those of every organisation they belong to."""
    mine = Membership.select(Membership.organisation).where(Membership.user == user.id)
    return (Notification.user == user.id) | Notification.organisation.is_in(mine)


def _read(row: dict[str, Any]) -> NotificationRead:
    kind = NotificationKind(row["kind"])
    return NotificationRead(
        id=row["public_id"],
        kind=kind,
        kind_label=NOTIFICATION_KIND_LABELS[kind],
        title=row["title"],
        body=row["body"],
        link=row["link"],
        organisation_name=row["organisation.name"],
        created_at=row["created_at"],
        read_at=row["read_at"],
    )


_READ_COLUMNS = (
    Notification.public_id,
    Notification.kind,
    Notification.title,
    Notification.body,
    Notification.link,
    Notification.created_at,
    Notification.read_at,
    Notification.organisation.name,
)


async def inbox(user: CurrentUser, *, limit: int = INBOX_DEFAULT) -> Inbox:
    """Newest first, with the number still unread (over the whole inbox, not the page)."""
    limit = max(1, min(limit, INBOX_MAX))
    rows = (
        await Notification.select(*_READ_COLUMNS)
        .where(_visible_to(user))
        .order_by(Notification.created_at, Notification.id, ascending=False)
        .limit(limit)
    )
    return Inbox(items=[_read(row) for row in rows], unread=await unread_count(user))


async def unread_count(user: CurrentUser) -> int:
    """One indexed COUNT: cheap enough for the nav badge on every page."""
    count: int = await Notification.count().where(
        _visible_to(user) & Notification.read_at.is_null()
    )
    return count


async def mark_read(user: CurrentUser, public_id: str) -> NotificationRead:
    """Mark one notification read; someone else's is "not found", as if it did not exist."""
    visible = _visible_to(user) & (Notification.public_id == public_id)
    await Notification.update({Notification.read_at: _now()}).where(
        visible & Notification.read_at.is_null()
    )
    row = await Notification.select(*_READ_COLUMNS).where(visible).first()
    if row is None:
        raise NotificationNotFound()
    return _read(row)


async def mark_all_read(user: CurrentUser) -> int:
    rows = (
        await Notification.update({Notification.read_at: _now()})
        .where(_visible_to(user) & Notification.read_at.is_null())
        .returning(Notification.id)
    )
    return len(rows)


# --------------------------------------------------------------------------------------------
# Digest settings (where an organisation's digest e-mails go)
# --------------------------------------------------------------------------------------------


async def digest_settings(org_public_id: str) -> DigestSettings:
    org = await organisation_row(org_public_id)
    row = (
        await OrganisationDigest.select(OrganisationDigest.email)
        .where(OrganisationDigest.organisation == org["id"])
        .first()
    )
    return DigestSettings(email=row["email"] if row else "")


async def set_digest_settings(org_public_id: str, data: DigestSettings) -> DigestSettings:
    email = data.email.strip()
    if email and not _EMAIL.match(email):
        raise DigestEmailInvalid(field="email")
    org = await organisation_row(org_public_id)
    await _ensure_digest_rows([org["id"]])
    await OrganisationDigest.update({OrganisationDigest.email: email}).where(
        OrganisationDigest.organisation == org["id"]
    )
    return DigestSettings(email=email)


async def _ensure_digest_rows(organisation_ids: list[int]) -> None:
    if organisation_ids:
        await OrganisationDigest.insert(
            *(OrganisationDigest(organisation=org_id) for org_id in organisation_ids)
        ).on_conflict(target=OrganisationDigest.organisation, action=OnConflictAction.do_nothing)


# --------------------------------------------------------------------------------------------
# Publication → digest queue
# --------------------------------------------------------------------------------------------


async def _eligible_organisations() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await Organisation.select(
        Organisation.id,
        Organisation.service_regions,
        Organisation.focus_categories,
        Organisation.monthly_capacity_fen,
        Organisation.monthly_capacity_hours,
    ).where(Organisation.verified.eq(True) & Organisation.suspended.eq(False))
    return rows


async def queue_for_digests(need_public_id: str) -> int:
    """Queue a published need, with the needs published beside it, for the digests of the
    organisations they concern; returns how many organisations that is.

    One approval publishes every need of a referral in one transaction, and their jobs run
    one after the other: queueing the siblings with the first lets one digest carry them
    all, instead of the first alone and the rest an hour later. The later jobs find their
    needs queued already (entries are keyed per organisation and need) and add nothing.
    A need no longer published when its job runs concerns nobody.
    """
    need = (
        await Need.select(Need.referral, Need.status)
        .where(Need.public_id == need_public_id)
        .first()
    )
    if need is None or need["status"] != NeedStatus.published:
        return 0
    needs = await Need.select(Need.id, Need.region_code, Need.category).where(
        (Need.referral == need["referral"]) & (Need.status == NeedStatus.published)
    )
    organisations = await _eligible_organisations()
    entries = [
        (org["id"], row["id"])
        for org in organisations
        for row in needs
        if should_notify(profile_from_row(org), row["region_code"], row["category"])
    ]
    if not entries:
        return 0
    now = _now()
    await DigestEntry.insert(
        *(
            DigestEntry(key=f"{org_id}:{need_id}", organisation=org_id, need=need_id, added_at=now)
            for org_id, need_id in entries
        )
    ).on_conflict(target=DigestEntry.key, action=OnConflictAction.do_nothing)
    concerned = sorted({org_id for org_id, _ in entries})
    await _ensure_digest_rows(concerned)
    log.info("need_queued_for_digests", need=need_public_id, organisations=len(concerned))
    return len(concerned)


# --------------------------------------------------------------------------------------------
# Digest → inbox
# --------------------------------------------------------------------------------------------


async def digest_limits(now: datetime) -> tuple[timedelta, int]:
    """The least interval between two digests of one organisation, and how many needs one
    digest lists by name: policy parameters, read as in force on ``now``'s date."""
    on = now.astimezone(POLICY_ZONE).date()
    minutes = await int_at(DIGEST_INTERVAL_MINUTES, on)
    return timedelta(minutes=minutes), await int_at(DIGEST_LISTED_MAX, on)


async def send_digests(now: datetime | None = None) -> list[str]:
    """Send every organisation's pending digest whose last one is at least the policy
    interval old (``notification.digest_interval_minutes``: an hour by default).

    Returns the public ids of the notifications created. Each organisation is claimed with a
    conditional UPDATE of ``last_sent_at``: of two runs at once, the second finds the row
    already moved (PostgreSQL re-checks the condition after the first commits) and skips it.
    Needs that closed while waiting are dropped; an organisation with nothing left to say
    keeps its hour.
    """
    now = now or _now()
    interval, listed = await digest_limits(now)
    due_before = now - interval
    pending = await DigestEntry.select(
        DigestEntry.id, DigestEntry.organisation, DigestEntry.need
    ).where(DigestEntry.notification.is_null())
    by_org: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for entry in pending:
        by_org[entry["organisation"]].append(entry)
    if not by_org:
        return []
    orgs = {
        row["id"]: row
        for row in await Organisation.select(
            Organisation.id, Organisation.public_id, Organisation.verified, Organisation.suspended
        ).where(Organisation.id.is_in(list(by_org)))
    }
    last_sent = {
        row["organisation"]: row["last_sent_at"]
        for row in await OrganisationDigest.select(
            OrganisationDigest.organisation, OrganisationDigest.last_sent_at
        ).where(OrganisationDigest.organisation.is_in(list(by_org)))
    }
    sent = []
    seen: dict[int, NeedPublic | None] = {}
    for org_id, entries in sorted(by_org.items()):
        org = orgs.get(org_id)
        if org is None or not org["verified"] or org["suspended"]:
            await DigestEntry.delete().where(DigestEntry.id.is_in([e["id"] for e in entries]))
            continue
        last = last_sent.get(org_id)
        if last is not None and last > due_before:
            continue
        notification_id = await _send_one(org, entries, now, due_before, seen, listed)
        if notification_id:
            sent.append(notification_id)
    if sent:
        log.info("digests_sent", count=len(sent))
    return sent


async def _open_needs(
    need_ids: list[int], seen: dict[int, NeedPublic | None]
) -> list[tuple[int, NeedPublic]]:
    """The still open needs among ``need_ids`` as public projections, urgent first.

    ``seen`` carries the projections across the organisations of one run: a need that many
    organisations wait for is read once.
    """
    today = local_today()
    missing = [need_id for need_id in need_ids if need_id not in seen]
    if missing:
        for row in await Need.select(Need.id, *PUBLIC_COLUMNS).where(Need.id.is_in(missing)):
            is_open = row["status"] == NeedStatus.published and row["deadline"] >= today
            seen[row["id"]] = await to_public(row) if is_open else None
    needs = [(need_id, public) for need_id in need_ids if (public := seen.get(need_id)) is not None]
    # Urgent first, then the soonest deadline: the order a reader should act in.
    needs.sort(key=lambda item: (item[1].urgency != Urgency.urgent, item[1].deadline, item[1].id))
    return needs


async def _send_one(
    org: dict[str, Any],
    entries: list[dict[str, Any]],
    now: datetime,
    due_before: datetime,
    seen: dict[int, NeedPublic | None],
    listed: int,
) -> str | None:
    needs = await _open_needs([e["need"] for e in entries], seen)
    still_open = {need_id for need_id, _ in needs}
    stale = [e["id"] for e in entries if e["need"] not in still_open]
    if stale:
        await DigestEntry.delete().where(DigestEntry.id.is_in(stale))
    if not needs:
        return None
    await _ensure_digest_rows([org["id"]])
    claimed = (
        await OrganisationDigest.update({OrganisationDigest.last_sent_at: now})
        .where(
            (OrganisationDigest.organisation == org["id"])
            & (
                OrganisationDigest.last_sent_at.is_null()
                | (OrganisationDigest.last_sent_at <= due_before)
            )
        )
        .returning(OrganisationDigest.id)
    )
    if not claimed:
        return None
    title, body, link = digest_text(
        org["public_id"], [public for _, public in needs], listed=listed
    )
    public_id = secrets.token_urlsafe(12)
    inserted = await Notification.insert(
        Notification(
            public_id=public_id,
            organisation=org["id"],
            kind=NotificationKind.need_digest,
            title=title,
            body=body,
            link=link,
            created_at=now,
        )
    ).returning(Notification.id)
    await DigestEntry.update({DigestEntry.notification: inserted[0]["id"]}).where(
        DigestEntry.id.is_in([e["id"] for e in entries if e["need"] in still_open])
    )
    log.info("digest_sent", organisation=org["public_id"], needs=len(needs))
    return public_id


def _remaining(need: NeedPublic) -> str:
    if need.kind == "service":
        return f"{need.remaining_hours}小时"
    return f"物资约{yuan(need.remaining_fen)}" if need.kind == "goods" else yuan(need.remaining_fen)


def digest_text(
    org_public_id: str, needs: list[NeedPublic], *, listed: int
) -> tuple[str, str, str]:
    """Title, body and link of a digest: public need fields only, one line per need for the
    first ``listed`` needs, the rest counted."""
    title = f"{len(needs)}条新发布的需求符合本组织的服务地区和关注领域"
    lines = [
        f"【{need.urgency_label}】{need.title}｜{need.category_label}｜{need.region_name}"
        f"｜尚需{_remaining(need)}｜{need.deadline.isoformat()}截止"
        for need in needs[:listed]
    ]
    if len(needs) > listed:
        lines.append(f"……另有{len(needs) - listed}条，请在“为您推荐”中查看。")
    link = (
        f"/needs/{needs[0].id}"
        if len(needs) == 1
        else f"/organisations/{org_public_id}/recommendations"
    )
    return title, "\n".join(lines), link


# --------------------------------------------------------------------------------------------
# The e-mail copy
# --------------------------------------------------------------------------------------------


def mail_configured(settings: Settings | None = None) -> bool:
    return bool((settings or get_settings()).smtp_host)


async def email_for(notification_public_id: str) -> tuple[int, EmailMessage] | None:
    """The e-mail to send for a notification, or None when there is nothing to send.

    Nothing to send: no SMTP, already sent, a personal notification (users have no address
    here), or an organisation that has not given a digest address.
    """
    settings = get_settings()
    if not mail_configured(settings):
        return None
    row = (
        await Notification.select(
            Notification.id,
            Notification.title,
            Notification.body,
            Notification.link,
            Notification.organisation,
            Notification.emailed_at,
        )
        .where(Notification.public_id == notification_public_id)
        .first()
    )
    if row is None or row["emailed_at"] is not None or row["organisation"] is None:
        return None
    digest = (
        await OrganisationDigest.select(OrganisationDigest.email)
        .where(OrganisationDigest.organisation == row["organisation"])
        .first()
    )
    if digest is None or not digest["email"]:
        return None
    return row["id"], compose(settings, digest["email"], row["title"], row["body"], row["link"])


def compose(settings: Settings, to: str, title: str, body: str, link: str) -> EmailMessage:
    sender = settings.smtp_from or formataddr(
        ("救助衔接平台", settings.smtp_user or f"noreply@{settings.smtp_host}")
    )
    message = EmailMessage()
    message["Subject"] = f"【救助衔接平台】{title}"
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=settings.smtp_host or None)
    url = absolute_url(link, settings)
    message.set_content(
        f"{body}\n\n查看详情：{url}\n\n"
        "此邮件由救助衔接平台自动发送，内容均为已公开的需求信息。"
        "如不需要邮件提醒，请组织成员在站内“消息”页面清空摘要邮件地址。\n"
    )
    return message


def deliver(settings: Settings, message: EmailMessage) -> None:
    """Send one message with smtplib (blocking: call it through ``asyncio.to_thread``)."""
    host, port = settings.smtp_host or "", settings.smtp_port
    context = ssl.create_default_context()
    smtp: smtplib.SMTP = (
        smtplib.SMTP_SSL(host, port, timeout=30, context=context)
        if port == 465
        else smtplib.SMTP(host, port, timeout=30)
    )
    with smtp:
        smtp.ehlo()
        if port != 465 and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


async def mark_emailed(notification_id: int) -> None:
    await Notification.update({Notification.emailed_at: _now()}).where(
        Notification.id == notification_id
    )
