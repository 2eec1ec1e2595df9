"""The one place errors become responses.

API callers get ``{"code", "message", "field", "errors"}`` (a stable code for programs, a Chinese
message for people, the field at fault); web pages get an error page or, when not logged in, the
login form. No stack trace is ever sent: unexpected errors are logged and answered generically.
"""

from __future__ import annotations

import json
import re
from typing import Any

import asyncpg
import structlog
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    SerializationException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.utils.scope.state import ScopeState
from pydantic import BaseModel

from backend.db import is_database_busy
from backend.errors import DomainError
from backend.web.auth import API_PREFIX
from backend.web.input import parse_body
from backend.web.middleware import keep_writes, mark_database_busy
from backend.web.params import MISSING_HEADER_ERRORS
from backend.web.validation_messages import CJK as _CJK
from backend.web.validation_messages import PYDANTIC_MESSAGES as _PYDANTIC_MESSAGES

log = structlog.get_logger(__name__)

_HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求有误"),
    401: ("not_authenticated", "请先登录"),
    403: ("forbidden", "您没有执行此操作的权限"),
    404: ("not_found", "页面或记录不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    503: ("service_unavailable", "服务暂时不可用，请稍后再试"),
}


def is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(API_PREFIX)


def error_body(
    code: str, message: str, field: str | None = None, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "field": field,
        "errors": errors or [{"code": code, "message": message, "field": field}],
    }


def _respond(
    request: Request[Any, Any, Any],
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    if is_api(request):
        return Response(content=body, status_code=status, headers=headers)
    if status == 401:
        return Redirect(path="/login", query_params={"next": request.url.path})
    return Template(
        template_name="error.html",
        context={"status": status, "error": body},
        status_code=status,
        headers=headers,
    )


def _body_model(request: Request[Any, Any, Any]) -> type[BaseModel] | None:
    try:
        parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    except AttributeError:
        return None
    annotation = getattr(parameter, "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _field_errors(
    request: Request[Any, Any, Any], exc: ValidationException
) -> list[dict[str, Any]]:
    model = _body_model(request)
    found: list[dict[str, Any]] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        field = str(item.get("key") or "") or None
        source = item.get("source")
        if source in ("header", "query", "path", "cookie") and "Missing" in str(
            item.get("message")
        ):
            found.append(
                {"code": "missing_parameter", "message": f"缺少必需的参数：{field}", "field": field}
            )
            continue
        if model is not None:
            # Validate again to learn pydantic's error *types*, which Litestar drops.
            return _pydantic_errors(model, item, request)
        found.append({"code": "invalid_field", "message": f"字段无效：{field}", "field": field})
    return found


def _pydantic_errors(
    model: type[BaseModel], first: dict[str, Any], request: Request[Any, Any, Any]
) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    body = ScopeState.from_scope(request.scope).body
    try:
        raw = json.loads(body) if isinstance(body, bytes) and body else None
    except ValueError:
        raw = None
    if isinstance(raw, dict):
        try:
            parse_body(model, raw)
        except Exception as exc:  # pydantic.ValidationError
            for err in getattr(exc, "errors", list)():
                errors.append(_describe(model, err))
    if not errors:
        field = str(first.get("key") or "") or None
        label = _label(model, field)
        errors.append({"code": "invalid_field", "message": f"{label}无效", "field": field})
    return errors


def _label(model: type[BaseModel], field: str | None) -> str:
    info = model.model_fields.get(field or "")
    return (info.title if info and info.title else field) or "请求体"


def _describe(model: type[BaseModel], err: Any) -> dict[str, Any]:
    loc = [str(part) for part in err.get("loc", ())]
    field = ".".join(loc) or None
    label = _label(model, loc[0] if loc else None)
    kind = str(err.get("type", "value_error"))
    template = _PYDANTIC_MESSAGES.get(kind)
    if template:
        code, message = ("missing_field" if kind == "missing" else f"invalid_{kind}"), template
        message = template.format(label=label)
    elif kind == "value_error":
        # A validator's ValueError carries its own Chinese sentence.
        code, message = "invalid_value", str(err.get("ctx", {}).get("error", "")) or f"{label}无效"
    elif _CJK.search(str(err.get("msg", ""))):
        # A PydanticCustomError of ours: its type is the stable code, its message Chinese.
        code, message = kind, str(err["msg"])
    else:
        code, message = f"invalid_{kind}", f"{label}无效"
    if len(loc) >= 2 and loc[1].isdigit():
        # A field inside a list, e.g. members.0.id_number: say which entry.
        message = f"{_label(model, loc[0])}第{int(loc[1]) + 1}项：{message}"
    return {"code": code, "message": message, "field": field}


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if exc.keep_writes:
        keep_writes(request.scope)
    return _respond(
        request, exc.status_code, error_body(exc.code, exc.message, exc.field), exc.headers
    )


_MISSING_PARAMETER = re.compile(r"Missing required (\w+) parameter '([^']+)'")


def validation_error_handler(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Any]:
    missing = _MISSING_PARAMETER.search(str(exc.detail))
    if missing:
        name = missing.group(2)
        code, message = MISSING_HEADER_ERRORS.get(
            name, ("missing_parameter", f"缺少必需的参数：{name}")
        )
        return _respond(request, 400, error_body(code, message, name))
    errors = _field_errors(request, exc)
    if not errors:
        return _respond(request, 400, error_body("validation_error", "请求参数有误"))
    first = errors[0]
    return _respond(
        request, 400, error_body(first["code"], first["message"], first["field"], errors)
    )


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc.__cause__, SerializationException):
        return _respond(request, 400, error_body("malformed_json", "请求体不是有效的 JSON"))
    if isinstance(exc, NotAuthorizedException):
        status = 401
    elif isinstance(exc, PermissionDeniedException):
        status = 403
    elif isinstance(exc, NotFoundException):
        status = 404
    code, message = _HTTP_CODES.get(status, ("http_error", "请求无法处理"))
    if status >= 500:
        log.error("http_error", status=status, error=type(exc).__name__)
        code, message = "internal_error", "服务器内部错误，请稍后再试"
    return _respond(request, status, error_body(code, message), exc.headers)


def _out_of_range(exc: BaseException) -> bool:
    if isinstance(exc, asyncpg.exceptions.DataError):
        return "out of" in str(exc) and "range" in str(exc)
    return isinstance(exc, OverflowError) and "SQLite INTEGER" in str(exc)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if is_database_busy(exc):
        mark_database_busy(request.scope)  # a read that wrote: retried as a writer
        log.warning("database_busy", method=request.method)
        return _respond(request, 503, error_body("service_unavailable", "服务繁忙，请稍后再试"))
    if _out_of_range(exc):
        # A number the database cannot hold (an id of 30 digits): the client's mistake.
        return _respond(request, 400, error_body("value_out_of_range", "数值超出允许范围"))
    log.exception("unhandled_error", error=type(exc).__name__)
    return _respond(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        error_body("internal_error", "服务器内部错误，请稍后再试"),
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
