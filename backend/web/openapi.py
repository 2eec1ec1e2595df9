"""The OpenAPI document as the wire is: one error shape, every status an operation answers,
bearer security, and true media types for the files the API serves.

Litestar generates the paths and schemas from the handlers; this module corrects what it cannot
know, once per app, before the document is served (``/schema/openapi.json``, ``/schema``):

* every error response is ``Error`` (``{code, message, field, errors}``, ``backend.web.errors``),
  not Litestar's ``{status_code, detail, extra}``;
* each operation lists the error statuses it can answer: 400 (refused input), 404, 403,
  401 when it needs a login, 409 for writes, 413, 415 and 422 for bodies, 410 for invitations,
  429 for the token endpoint, 502 where Stripe is called, 503 (search or database briefly
  unavailable);
* ``securitySchemes`` has the bearer scheme of ``POST /api/v1/auth/token``, and every
  operation behind a guard requires it (so a client, or Schemathesis, knows which calls need a
  token);
* open-data files are declared as what they are: ``*.json`` an array of objects, ``*.csv``
  ``text/csv``, evidence PDF/JPEG/PNG; disclosure downloads may answer 304.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from litestar import Litestar, Request
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    ScalarRenderPlugin,
)
from litestar.routes import HTTPRoute

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "错误：稳定的错误代码、中文说明、出错的字段；errors 列出每一处问题",
    "required": ["code", "message", "field", "errors"],
    "properties": {
        "code": {"type": "string", "description": "稳定的错误代码，如 validation_error"},
        "message": {"type": "string", "description": "给人看的中文说明"},
        "field": {"type": ["string", "null"], "description": "出错的字段（路径），无则为 null"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message", "field"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                },
            },
        },
    },
}

BEARER = "bearer"
_SECURITY_SCHEMES = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "abt_…",
        "description": "POST /api/v1/auth/token 换取的访问令牌",
    }
}

_DESCRIPTIONS = {
    400: "请求有误：参数、请求体或字段无效",
    401: "未登录或令牌无效",
    403: "无权执行此操作",
    404: "记录不存在（或不在您的权限范围内）",
    409: "与现有记录或状态冲突",
    410: "链接已使用或已过期",
    413: "请求内容过大",
    415: "请求体的内容类型不受支持",
    422: "请求格式正确，但内容无法处理（如签名或联署无效）",
    429: "请求过于频繁（登录失败过多）；Retry-After 给出秒数",
    502: "支付服务暂时不可用",
    503: "服务暂时不可用，请稍后再试",
}
_WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
_METHODS = ("get", "put", "post", "delete", "patch")

_ARRAY_OF_OBJECTS = {"type": "array", "items": {"type": "object", "additionalProperties": True}}
_TEXT = {"type": "string"}
_BINARY = {"type": "string", "format": "binary"}


def _media_overrides(path: str) -> dict[str, Any] | None:
    """The true 200 content of the endpoints that answer with files."""
    if re.fullmatch(r"/api/v1/disclosure/[a-z]+\.json", path):
        return {"application/json": {"schema": _ARRAY_OF_OBJECTS}}
    if re.fullmatch(r"/api/v1/disclosure/[a-z]+\.csv", path):
        return {"text/csv": {"schema": _TEXT}}
    if path.endswith("/evidence"):
        return {
            kind: {"schema": _BINARY} for kind in ("application/pdf", "image/jpeg", "image/png")
        }
    return None


def _guarded_operations(app: Litestar) -> set[tuple[str, str]]:
    """(path, method) of the API operations behind a guard (a token is needed)."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        path = re.sub(r"\{([^}:]+)(:[^}]*)?\}", r"{\1}", route.path)
        for handler in route.route_handlers:
            if handler.resolve_guards():
                found.update((path, method.lower()) for method in handler.http_methods)
    return found


def _error_statuses(path: str, method: str, operation: dict[str, Any], secured: bool) -> set[int]:
    statuses = {400, 403, 404, 503}
    if secured or path == "/api/v1/auth/token":
        statuses.add(401)
    if method in _WRITE_METHODS:
        statuses.add(409)
    if "requestBody" in operation:
        statuses.update({413, 415, 422})
    if path.startswith("/api/v1/invitations/"):
        statuses.add(410)
    if path == "/api/v1/auth/token" and method == "post":
        statuses.add(429)
    if path.startswith("/api/v1/donations"):
        statuses.add(502)
    return statuses


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {"description": "需等待的秒数", "schema": {"type": "integer"}}
        }
    return response


def api_contract(app: Litestar, generated: dict[str, Any]) -> dict[str, Any]:
    """The generated document, corrected to describe the wire (see the module docstring)."""
    document = copy.deepcopy(generated)
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = _SECURITY_SCHEMES
    guarded = _guarded_operations(app)
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            secured = (path, method) in guarded
            if secured:
                operation["security"] = [{BEARER: []}]
            responses = {
                code: response
                for code, response in operation.get("responses", {}).items()
                if not str(code).startswith(("4", "5"))
            }
            media = _media_overrides(path)
            if media is not None and "200" in responses:
                responses["200"]["content"] = media
            if path.startswith("/api/v1/disclosure/"):
                responses["304"] = {"description": "未修改（If-None-Match 与 ETag 相同）"}
            for status in sorted(_error_statuses(path, method, operation, secured)):
                responses[str(status)] = _error_response(status)
            operation["responses"] = responses
    return document


class _Contract(OpenAPIRenderPlugin):
    """Serves ``api_contract`` of the generated document, computed once per app."""

    def contract(self, request: Request[Any, Any, Any], schema: dict[str, Any]) -> dict[str, Any]:
        state = request.app.state
        cached = state.get("openapi_contract")
        if cached is None or cached[0] is not schema:
            cached = (schema, api_contract(request.app, schema))
            state["openapi_contract"] = cached
        return cached[1]


class ContractJsonPlugin(_Contract, JsonRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, self.contract(request, openapi_schema))


class ContractScalarPlugin(_Contract, ScalarRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, self.contract(request, openapi_schema))


def render_plugins() -> list[OpenAPIRenderPlugin]:
    return [ContractScalarPlugin(path="/"), ContractJsonPlugin()]
