"""The inbox page (消息): notifications newest first, read marks, and, for each organisation
of the user, the address its digest e-mails go to.

Opening a notification is a POST (mark read, then go to its link) rather than a GET with a
side effect, so a prefetching browser or a crawler never marks anything read.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backend.accounts.guards import require_login, require_org_member, user_of
from backend.errors import DomainError
from backend.notifications import service
from backend.notifications.service import DigestSettings
from backend.recommendations.service import organisations_of
from backend.web.forms import flash, form_data, take_flashes
from backend.web.pages import page

INBOX_PATH = "/inbox"


class InboxPagesController(Controller):
    path = INBOX_PATH
    include_in_schema = False
    guards = [require_login]

    @get("/", name="inbox")
    async def inbox(self, request: Request[Any, Any, Any]) -> Template:
        return await self._page(request)

    @post("/{notification_id:str}/open", status_code=303)
    async def open(
        self, request: Request[Any, Any, Any], notification_id: FromPath[str]
    ) -> Redirect:
        notification = await service.mark_read(user_of(request), notification_id)
        return Redirect(path=_inside(notification.link), status_code=303)

    @post("/{notification_id:str}/read", status_code=303)
    async def read(
        self, request: Request[Any, Any, Any], notification_id: FromPath[str]
    ) -> Redirect:
        await service.mark_read(user_of(request), notification_id)
        return Redirect(path=INBOX_PATH, status_code=303)

    @post("/read-all", status_code=303)
    async def read_all(self, request: Request[Any, Any, Any]) -> Redirect:
        marked = await service.mark_all_read(user_of(request))
        flash(request, f"已将 {marked} 条消息标为已读。" if marked else "没有未读消息。")
        return Redirect(path=INBOX_PATH, status_code=303)

    @post(
        "/organisations/{org_id:str}/email",
        status_code=303,
        guards=[require_org_member("org_id")],
    )
    async def digest_email(
        self, request: Request[Any, Any, Any], org_id: FromPath[str]
    ) -> Redirect | Template:
        form = await form_data(request)
        email = form.get("email", "").strip()
        try:
            await service.set_digest_settings(org_id, DigestSettings(email=email[:254]))
        except DomainError as exc:
            return await self._page(
                request, status=exc.status_code, email_error=(org_id, exc.message, email)
            )
        flash(request, "摘要邮件地址已保存。" if email else "已关闭摘要邮件，仅在站内提醒。")
        return Redirect(path=INBOX_PATH, status_code=303)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        *,
        status: int = 200,
        email_error: tuple[str, str, str] | None = None,
    ) -> Template:
        user = user_of(request)
        organisations = await organisations_of(user)
        for org in organisations:
            org["email"] = (await service.digest_settings(org["id"])).email
        return page(
            request,
            "notifications/inbox.html",
            status_code=status,
            active="inbox",
            flashes=take_flashes(request),
            inbox=await service.inbox(user),
            organisations=organisations,
            mail_configured=service.mail_configured(),
            email_error=email_error,
        )


def _inside(link: str) -> str:
    """Only paths of this site: a stored link can never send anyone elsewhere."""
    return link if link.startswith("/") and not link.startswith("//") else INBOX_PATH
