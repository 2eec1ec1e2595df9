"""Inbox API (the caller's own and their organisations' notifications) and digest settings."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody, Parameter
from pydantic import BaseModel

from backend.accounts.guards import require_login, require_org_member, user_of
from backend.notifications import service
from backend.notifications.service import DigestSettings, Inbox, NotificationRead


class MarkedRead(BaseModel):
    marked: int


class InboxApiController(Controller):
    path = "/api/v1/inbox"
    tags = ["消息"]
    guards = [require_login]

    @get("/", summary="我的消息", description="本人及所属组织的消息，最新在前；unread 为未读总数。")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        limit: Annotated[
            int, Parameter(ge=1, le=service.INBOX_MAX, description="条数，1–200")
        ] = service.INBOX_DEFAULT,
    ) -> Inbox:
        return await service.inbox(user_of(request), limit=limit)

    @post("/{notification_id:str}/read", summary="标为已读", status_code=200)
    async def read(
        self, request: Request[Any, Any, Any], notification_id: FromPath[str]
    ) -> NotificationRead:
        return await service.mark_read(user_of(request), notification_id)

    @post("/read-all", summary="全部标为已读", status_code=200)
    async def read_all(self, request: Request[Any, Any, Any]) -> MarkedRead:
        return MarkedRead(marked=await service.mark_all_read(user_of(request)))


class DigestSettingsApiController(Controller):
    path = "/api/v1/organisations"
    tags = ["消息"]

    @get(
        "/{org_id:str}/digest-settings",
        summary="摘要邮件设置",
        guards=[require_org_member("org_id")],
    )
    async def digest_settings(self, org_id: FromPath[str]) -> DigestSettings:
        return await service.digest_settings(org_id)

    @put(
        "/{org_id:str}/digest-settings",
        summary="修改摘要邮件设置",
        description="email 留空则只在站内消息中提醒。",
        guards=[require_org_member("org_id")],
    )
    async def update_digest_settings(
        self, org_id: FromPath[str], data: JSONBody[DigestSettings]
    ) -> DigestSettings:
        return await service.set_digest_settings(org_id, data)
