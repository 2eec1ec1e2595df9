"""The door to /admin: only a logged-in AidBridge admin passes, and only AidBridge's login.

Every request to /admin goes through ``AdminGate`` before piccolo-admin sees it:

* the AidBridge web session (the ``uid`` the login form stores) names the user; an anonymous
  browser is sent to ``/login?next=…``, other callers get 401; any role but ``admin`` gets 403
  (a Chinese page for browsers, the API's error shape otherwise);
* piccolo-admin's own login, password change and MFA endpoints are refused, and its logout ends
  the AidBridge session, so there is no second password and no second door;
* the identity reaches piccolo-admin through the scope: its private API's session backend is
  replaced by ``AidBridgeBackend``, which trusts only what this gate put there;
* one CSRF token serves both CSRF checks (see ``_share_csrf_cookie``);
* everything an admin reads is Chinese: the page and its script (``admin.page``,
  ``admin.l10n``), the schemas, and every error, which names its field (``admin.responses``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from litestar import Request
from litestar.handlers import ASGIRouteHandler, asgi
from litestar.response import Redirect, Response, Template
from litestar.types import Receive as LitestarReceive
from litestar.types import Scope as LitestarScope
from litestar.types import Send as LitestarSend
from litestar.utils.scope.state import ScopeState
from piccolo_admin.endpoints import AdminRouter
from pydantic import BaseModel
from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from admin.labels import TABLE_NAMES, label_form_schema, label_references, label_schema
from admin.lookups import form_choices, table_choices
from admin.page import Bundle, localise_page
from admin.responses import (
    check_write,
    chinese_error,
    edit_model,
    read_body,
    replay,
    rewriting,
    schema_rewrite,
)
from admin.site import CREATABLE, EDITABLE, build_site
from backend.accounts.schemas import CurrentUser
from backend.accounts.service import get_active_user
from backend.accounts.tables import Role
from backend.public_url import public_base_url
from backend.settings import Settings
from backend.web.auth import SESSION_USER_KEY, end_session
from backend.web.errors import error_body
from backend.web.sessions import want_csrf_cookie

MOUNT_PATH = "/admin"
#: Where piccolo-admin's copy of the identity travels (never read from the request itself).
SCOPE_KEY = "aidbridge.admin"

#: piccolo-admin endpoints that would be a second door or a second password.
_REFUSED = re.compile(r"^/(public/login|api/change-password|api/mfa-setup)(/|$)")
_LOGOUT = "/public/logout/"
_SCHEMA = re.compile(r"^/api/tables/([a-z0-9_]+)/schema/$")
_FORM_SCHEMA = re.compile(r"^/api/forms/([^/]+)/schema/$")
_FORM = re.compile(r"^/api/forms/([^/]+)/$")
_ROW = re.compile(r"^/api/tables/([a-z0-9_]+)/[^/]+/$")
_TABLE = re.compile(r"^/api/tables/([a-z0-9_]+)/$")
_REFERENCES = re.compile(r"^/api/tables/([a-z0-9_]+)/references/$")

NOT_LOGGED_IN = ("not_authenticated", "请先登录")
ADMIN_ONLY = ("admin_only", "只有平台管理员可以进入后台管理")
NO_SECOND_DOOR = ("admin_login_disabled", "后台管理没有单独的账号和密码：请用平台账号登录")


class AidBridgeAdmin(BaseUser):
    """The AidBridge admin as piccolo-admin sees them (``request.user``)."""

    def __init__(self, user: CurrentUser) -> None:
        self.current = user

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.current.display_name

    @property
    def identity(self) -> str:
        return str(self.current.id)

    @property
    def user_id(self) -> int:
        return self.current.id

    @property
    def username(self) -> str:
        return self.current.username


class AidBridgeBackend(AuthenticationBackend):
    """Trusts the identity ``AdminGate`` put in the scope; nothing a client sends."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        user = conn.scope.get(SCOPE_KEY)
        if isinstance(user, CurrentUser) and user.role == Role.admin:
            return AuthCredentials(["admin"]), AidBridgeAdmin(user)
        return None


def _trust_the_gate(site: AdminRouter) -> None:
    """Swap piccolo-admin's session backend (its own user and session tables) for ours."""
    mount = next((r for r in site.routes if isinstance(r, Mount) and r.path == "/api"), None)
    if mount is None or not isinstance(mount.app, AuthenticationMiddleware):
        raise RuntimeError("piccolo-admin's /api mount has changed; review admin.gate")
    mount.app = AuthenticationMiddleware(mount.app.app, backend=AidBridgeBackend())


def _wants_html(scope: Scope) -> bool:
    accept = next((v for k, v in scope["headers"] if k == b"accept"), b"").decode("latin-1")
    return scope["method"] in ("GET", "HEAD") and "text/html" in accept


def _full_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    return unquote(raw.decode("latin-1")) if raw else MOUNT_PATH + scope["path"]


class AdminGate:
    def __init__(self, site: AdminRouter) -> None:
        _trust_the_gate(site)
        self.bundle = Bundle(site, TABLE_NAMES)
        site.template = localise_page(site.template, site.site_name)
        self.site = site
        self.forms: dict[str, type[BaseModel]] = {
            slug: form.pydantic_model for slug, form in site.form_config_map.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # piccolo-admin has no websockets
            await send({"type": "websocket.close", "code": 1008})
            return
        request: Request[Any, Any, Any] = Request(
            cast(Any, scope), cast(Any, receive), cast(Any, send)
        )
        full = _full_path(scope)
        sub = full[len(MOUNT_PATH) :] or "/"
        if full == MOUNT_PATH:
            await self._send(request, Redirect(path=MOUNT_PATH + "/", status_code=308))
            return
        user = await self._session_user(scope)
        if user is None:
            await self._refuse_anonymous(request, full)
        elif user.role != Role.admin:
            await self._refuse(request, 403, ADMIN_ONLY, user)
        elif _REFUSED.match(sub):
            await self._refuse(request, 403, NO_SECOND_DOOR, user)
        elif sub == _LOGOUT and scope["method"] == "POST":
            end_session(request)
            await self._send(request, Response(content={"detail": "已退出登录"}))
        else:
            await self._pass(scope, receive, send, sub, user)

    async def _pass(
        self, scope: Scope, receive: Receive, send: Send, sub: str, user: CurrentUser
    ) -> None:
        child: dict[str, Any] = dict(scope)
        child["path"] = MOUNT_PATH + sub
        child["root_path"] = MOUNT_PATH
        child[SCOPE_KEY] = user
        child["headers"] = _share_csrf_cookie(scope)
        want_csrf_cookie(scope)  # piccolo-admin's JavaScript reads the token from the cookie
        method = scope["method"]
        if method in ("GET", "HEAD") and sub == self.bundle.path:
            await self.bundle.serve(scope, send)
            return
        if sub.startswith("/api/"):
            send = await self._in_chinese(sub, method, send)
            write = self._write_model(sub, method)
            if write is not None:
                body = await read_body(receive)
                refusal = check_write(write, body)
                if refusal is not None:
                    await _answer(send, 422, refusal)
                    return
                receive = replay(body)
        await self.site(child, receive, send)

    async def _in_chinese(self, sub: str, method: str, send: Send) -> Send:
        """``send``, rewriting what piccolo-admin answers into Chinese."""
        table = _SCHEMA.match(sub)
        if table and method == "GET":
            name, dynamic = table.group(1), await table_choices(table.group(1))
            return rewriting(send, schema_rewrite(lambda s: label_schema(name, s, dynamic)))
        if _REFERENCES.match(sub) and method == "GET":
            return rewriting(send, schema_rewrite(label_references))
        if _FORM_SCHEMA.match(sub) and method == "GET":
            found = await form_choices()
            return rewriting(send, schema_rewrite(lambda s: label_form_schema(s, found)))
        return rewriting(send, chinese_error)

    def _write_model(self, sub: str, method: str) -> type[BaseModel] | None:
        """The model a write's body must fit, for the writes piccolo-admin accepts."""
        form = _FORM.match(sub)
        if form and method == "POST":
            return self.forms.get(form.group(1))
        row = _ROW.match(sub)
        if row and method == "PATCH" and row.group(1) in EDITABLE:
            return edit_model(EDITABLE[row.group(1)], partial=True)
        table = _TABLE.match(sub)
        if table and method == "POST" and table.group(1) in CREATABLE:
            return edit_model(CREATABLE[table.group(1)], partial=False)
        return None

    @staticmethod
    async def _session_user(scope: Scope) -> CurrentUser | None:
        """The AidBridge web session's user. A bearer token is not a way in: the back office
        is a browser application, and its door is the login form."""
        session = scope.get("session")
        user_id = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
        return await get_active_user(int(user_id)) if user_id else None

    async def _refuse_anonymous(self, request: Request[Any, Any, Any], full: str) -> None:
        if _wants_html(cast(Scope, request.scope)):
            target = full if full.startswith(MOUNT_PATH + "/") else MOUNT_PATH + "/"
            await self._send(
                request, Redirect(path="/login", query_params={"next": target}, status_code=303)
            )
        else:
            code, message = NOT_LOGGED_IN
            await self._send(
                request,
                Response(content=error_body(code, message) | {"detail": message}, status_code=401),
            )

    async def _refuse(
        self,
        request: Request[Any, Any, Any],
        status: int,
        error: tuple[str, str],
        user: CurrentUser,
    ) -> None:
        code, message = error
        body = error_body(code, message)
        if _wants_html(cast(Scope, request.scope)):
            response: Response[Any] = Template(
                template_name="error.html",
                context={"status": status, "error": body, "user": user, "flashes": []},
                status_code=status,
            )
        else:
            # ``detail`` is what piccolo-admin's screens show.
            response = Response(content=body | {"detail": message}, status_code=status)
        await self._send(request, response)

    @staticmethod
    async def _send(request: Request[Any, Any, Any], response: Response[Any]) -> None:
        asgi_response = response.to_asgi_response(app=None, request=request)
        await asgi_response(request.scope, request.receive, request.send)


def _share_csrf_cookie(scope: Scope) -> list[tuple[bytes, bytes]]:
    """Give piccolo-admin the cookie Litestar's CSRF check is about to set.

    Both checks read the ``csrftoken`` cookie and the ``X-CSRFToken`` header. Litestar's tokens
    are signed, piccolo-admin's are any string equal in cookie and header; so the one cookie must
    always be Litestar's. On a first visit (no cookie yet) piccolo-admin would set a token of its
    own and break every form of the main site; handing it Litestar's fresh token makes it keep
    quiet, and then each unsafe request passes Litestar's check and piccolo-admin's alike.
    """
    headers: list[tuple[bytes, bytes]] = list(scope["headers"])
    app = scope.get("litestar_app")
    config = getattr(app, "csrf_config", None)
    token = ScopeState.from_scope(cast(LitestarScope, scope)).csrf_token
    if config is None or not isinstance(token, str):
        return headers
    name = config.cookie_name
    cookies = b"; ".join(v for k, v in headers if k == b"cookie").decode("latin-1")
    if any(part.strip().startswith(name + "=") for part in cookies.split(";")):
        return headers
    jar = f"{cookies}; {name}={token}" if cookies else f"{name}={token}"
    return [(k, v) for k, v in headers if k != b"cookie"] + [(b"cookie", jar.encode("latin-1"))]


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class PublicHost(Sequence[str]):
    """piccolo-admin's allowed hosts (its CSRF check of Origin/Referer over HTTPS): the host
    of the public address, which is the request's own when ``PUBLIC_BASE_URL`` is unset."""

    def _host(self) -> str | None:
        return urlsplit(public_base_url()).hostname

    def __contains__(self, value: object) -> bool:
        return value is not None and value == self._host()

    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: Any) -> Any:
        return [self._host() or ""][index]


def admin_mount(settings: Settings) -> ASGIRouteHandler:
    """The /admin route: piccolo-admin behind the gate, built once with the app."""
    gate = AdminGate(build_site(production=settings.is_production, allowed_hosts=PublicHost()))

    @asgi(MOUNT_PATH, is_mount=True, copy_scope=False, include_in_schema=False, name="admin")
    async def admin_app(scope: LitestarScope, receive: LitestarReceive, send: LitestarSend) -> None:
        await gate(cast(Scope, scope), cast(Receive, receive), cast(Send, send))

    return admin_app
