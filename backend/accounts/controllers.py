"""Logging in and out (web and API), and creating accounts (admins)."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlsplit

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect, Template

from backend.accounts import service
from backend.accounts.guards import require_login, require_roles, user_of
from backend.accounts.schemas import (
    CurrentUser,
    MeRead,
    RelativeCreate,
    RelativeRead,
    TokenCreate,
    TokenRead,
    UserCreate,
)
from backend.accounts.tables import Role
from backend.web.auth import bearer_token, end_session, start_session
from backend.web.devices import device_cookie, device_user_id
from backend.web.middleware import keep_writes
from backend.web.pages import page
from backend.web.requests import client_ip


def safe_next(url: str | None) -> str:
    """Only same-site paths, so the login form cannot be used as an open redirect."""
    if not url:
        return "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return "/"
    return url


class LoginController(Controller):
    path = "/"
    include_in_schema = False

    @get("/login", name="login")
    async def login_form(
        self, request: Request[Any, Any, Any], next: FromQuery[str] = "/"
    ) -> Template:
        return page(request, "login.html", active="login", next_url=safe_next(next), username="")

    @post("/login", status_code=303)
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        username = (data.get("username") or "").strip()
        password = data.get("password") or ""
        next_url = safe_next(data.get("next"))
        if not username or not password:
            message = "请输入用户名和密码"
            return page(
                request,
                "login.html",
                status_code=400,
                error=message,
                next_url=next_url,
                username=username,
                active="login",
            )
        try:
            user = await service.authenticate(
                username, password, client_ip(request), device_user_id=device_user_id(request)
            )
        except (service.LoginFailed, service.LoginRateLimited) as exc:
            keep_writes(request.scope)  # the failed attempt must be counted
            refused = page(
                request,
                "login.html",
                status_code=exc.status_code,
                error=exc.message,
                next_url=next_url,
                username=username,
                active="login",
            )
            refused.headers.update(exc.headers)  # Retry-After when throttled
            return refused
        await start_session(request, user)
        return _remember_device(request, Redirect(path=next_url, status_code=303), user)

    @post("/logout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        end_session(request)
        return Redirect(path="/", status_code=303)


R = TypeVar("R", bound=Response[Any])


def _remember_device(request: Request[Any, Any, Any], response: R, user: CurrentUser) -> R:
    """Give the browser the account's device cookie, unless it already holds one."""
    if device_user_id(request) != user.id:
        response.cookies.append(device_cookie(user.id))
    return response


class AuthApiController(Controller):
    path = "/api/v1/auth"
    tags = ["认证"]

    @post("/token", summary="用用户名和密码换取访问令牌")
    async def create_token(
        self, request: Request[Any, Any, Any], data: JSONBody[TokenCreate]
    ) -> Response[TokenRead]:
        user = await service.authenticate(
            data.username, data.password, client_ip(request), device_user_id=device_user_id(request)
        )
        token, expires_at = await service.issue_token(user)
        return _remember_device(
            request,
            Response(TokenRead(token=token, expires_at=expires_at, user=user), status_code=201),
            user,
        )

    @delete("/token", summary="注销当前访问令牌", guards=[require_login])
    async def revoke_token(self, request: Request[Any, Any, Any]) -> None:
        token = bearer_token(request)
        if token:
            await service.revoke_token(token)

    @get("/me", summary="当前用户及其所属组织", guards=[require_login])
    async def me(self, request: Request[Any, Any, Any]) -> MeRead:
        user = user_of(request)
        return MeRead(**user.model_dump(), organisations=await service.organisations_of(user.id))


class UsersApiController(Controller):
    path = "/api/v1/users"
    tags = ["用户"]
    guards = [require_roles(Role.admin)]

    @post("/", summary="创建用户（平台管理员）")
    async def create_user(self, data: JSONBody[UserCreate]) -> CurrentUser:
        return await service.create_user(data)


class RelativesApiController(Controller):
    """近亲属备案 by staff and reviewers."""

    path = "/api/v1/me/relatives"
    tags = ["近亲属备案"]
    guards = [require_roles(Role.staff, Role.reviewer)]

    @post("/", summary="备案一位近亲属")
    async def declare(
        self, request: Request[Any, Any, Any], data: JSONBody[RelativeCreate]
    ) -> list[RelativeRead]:
        user = user_of(request)
        await service.declare_relative(user, data.id_number, data.relation)
        return [RelativeRead(**row) for row in await service.relatives_of(user)]

    @get("/", summary="我的近亲属备案")
    async def mine(self, request: Request[Any, Any, Any]) -> list[RelativeRead]:
        return [RelativeRead(**row) for row in await service.relatives_of(user_of(request))]
