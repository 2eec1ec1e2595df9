"""Strict input at the edge: what a request may carry before any handler sees it.

* a body's type must be what the endpoint reads: JSON for the API's JSON endpoints, a form
  (``application/x-www-form-urlencoded`` or ``multipart/form-data``) for the pages and the
  upload endpoints; anything else is 415;
* JSON nested deeper than ``MAX_JSON_DEPTH`` is 400 before it is parsed (Python's recursion
  limit would otherwise turn it into a 500);
* a form or multipart body that does not decode (bytes that are not UTF-8, an unknown charset)
  is 400, not an exception inside the parser;
* control characters (other than tab, line feed and carriage return), Unicode bidi controls,
  lone surrogates and non-characters are refused with a field error wherever text comes in:
  JSON bodies (the field's path), forms (the field's name), query strings and paths. The same
  characters are removed from everything the pages print (``strip_unsafe``), so text stored
  before this rule, or written by a path that skipped it, cannot reorder a page either.
* JSON bodies are validated by pydantic without Litestar's ``strict=False``, so a field that
  is declared strict (money, counts: ``backend.schema_types``) refuses ``true`` and ``"100"``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from litestar import Request
from litestar._signature.types import ExtendedMsgSpecValidationError
from litestar.config.app import AppConfig
from litestar.datastructures import FormMultiDict
from litestar.enums import RequestEncodingType, ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.pydantic import PydanticInitPlugin
from litestar.types import ASGIApp, Receive, Scope, Send
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from backend.errors import DomainError
from backend.safe_text import UNSAFE_CHARACTERS, unsafe_character

MAX_JSON_DEPTH = 32
_DEFAULT_MAX_BODY = 10 * 1024 * 1024

_FORM_TYPES = (RequestEncodingType.URL_ENCODED.value, RequestEncodingType.MULTI_PART.value)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"
    message = "不支持的内容类型"


class JsonTooDeep(DomainError):
    code = "json_too_deep"
    message = f"JSON 嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）"


class MalformedBody(DomainError):
    code = "malformed_body"
    message = "请求体无法解析：表单或上传内容的编码不正确"


class BodyTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"
    message = "请求内容过大"


class UnsafeCharacters(DomainError):
    code = "invalid_characters"


def unsafe_message(character: str) -> str:
    return f"含有不允许的控制字符（U+{ord(character):04X}），请删除后重试"


def strip_unsafe(value: Any) -> Any:
    """Jinja ``finalize``: every printed value without unsafe characters (Markup stays Markup)."""
    if isinstance(value, Markup):
        return Markup(UNSAFE_CHARACTERS.sub("", value))  # noqa: S704 - already safe markup
    if isinstance(value, str):
        return UNSAFE_CHARACTERS.sub("", value)
    return value


def _unsafe_strings(value: Any, loc: tuple[int | str, ...] = ()) -> Iterator[tuple[Any, str]]:
    if isinstance(value, str):
        character = unsafe_character(value)
        if character:
            yield loc, character
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unsafe_strings(item, (*loc, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _unsafe_strings(item, (*loc, index))


def parse_body(model: type[BaseModel], value: Any) -> BaseModel:
    """Validate a decoded JSON body: unsafe characters first, then the model (its strict
    fields stay strict: no ``strict=False`` here)."""
    found = list(_unsafe_strings(value))
    if found:
        details = [
            InitErrorDetails(
                type=PydanticCustomError("invalid_characters", unsafe_message(character)),
                loc=loc,
                input="",
            )
            for loc, character in found
        ]
        raise ValidationError.from_exception_data(model.__name__, details)
    return model.model_validate(value)


def _decode_model(model: type[BaseModel], value: Any) -> BaseModel:
    try:
        return parse_body(model, value)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [dict(e) for e in exc.errors(include_input=False)]
        raise ExtendedMsgSpecValidationError(errors=errors) from exc


def _is_model_class(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


class StrictPydanticPlugin(PydanticInitPlugin):
    """Litestar's pydantic plugin, but request bodies go through ``parse_body``."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config = super().on_app_init(app_config)
        app_config.type_decoders = [
            (_is_model_class, _decode_model),
            *(app_config.type_decoders or []),
        ]
        return app_config


class StrictRequest(Request[Any, Any, Any]):
    """A form that cannot be decoded is the client's mistake (400), and so is unsafe text."""

    async def form(self) -> FormMultiDict:
        try:
            form = await super().form()
        except (UnicodeDecodeError, LookupError, ValueError) as exc:
            raise MalformedBody() from exc
        for name, value in form.multi_items():
            character = unsafe_character(value) if isinstance(value, str) else None
            character = character or unsafe_character(name)
            if character:
                raise UnsafeCharacters(unsafe_message(character), field=name)
        return form


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``body`` nests arrays and objects deeper than ``limit`` (strings skipped)."""
    without_strings = re.sub(rb'"(?:[^"\\]|\\.)*"', b"", body)
    depth = 0
    for bracket in re.finditer(rb"[\[\]{}]", without_strings):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _media_type(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


def _has_body(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        name = key.lower()
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
        if name == b"transfer-encoding":
            return True
    return False


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _expected_body(handler: HTTPRouteHandler, path: str) -> str | None:
    """ "json", "form", or None when the endpoint reads its body itself (or reads none)."""
    parameter = handler.parsed_fn_signature.parameters.get("data")
    if parameter is None:
        return None if path.startswith("/api/") else "form"
    media_type = getattr(parameter.kwarg_definition, "media_type", None)
    if media_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        return "form"
    return "json"


def _check_target(scope: Scope) -> None:
    character = unsafe_character(scope.get("path", ""))
    if character:
        raise UnsafeCharacters(unsafe_message(character), field="path")
    query: bytes = scope.get("query_string", b"")
    if not query:
        return
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            text = unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
            field = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise UnsafeCharacters("查询参数不是有效的 UTF-8 文本", field=None) from None
        character = unsafe_character(text) or unsafe_character(field)
        if character:
            raise UnsafeCharacters(unsafe_message(character), field=field or None)


async def _read_body(receive: Receive, limit: int) -> list[Any]:
    messages: list[Any] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > limit:
            raise BodyTooLarge()
        if not message.get("more_body"):
            return messages


async def _run_guards(scope: Scope, receive: Receive, handler: HTTPRouteHandler) -> None:
    guards = handler.resolve_guards()
    if not guards:
        return
    request: Request[Any, Any, Any] = Request(scope, receive)
    for guard in guards:
        outcome = guard(request, handler)
        if inspect.isawaitable(outcome):
            await outcome


class StrictInputMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        _check_target(scope)
        handler = scope.get("route_handler")
        if scope["method"] not in _BODY_METHODS or not isinstance(handler, HTTPRouteHandler):
            await self.app(scope, receive, send)
            return
        expected = _expected_body(handler, scope["path"])
        if expected is None or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        # Who may call comes before what they sent: an anonymous or unauthorised request is
        # answered 401/403 by the route's guards, whatever its body.
        await _run_guards(scope, receive, handler)
        media_type = _media_type(scope)
        if expected == "form":
            if media_type not in _FORM_TYPES:
                raise UnsupportedMediaType("请以表单方式提交（application/x-www-form-urlencoded）")
            # Parsed here, where a body that does not decode is a 400; the handler, the CSRF
            # check and Litestar's multipart extractor all reuse the parsed form.
            await StrictRequest(scope, receive).form()
            await self.app(scope, receive, send)
            return
        if not _is_json(media_type):
            raise UnsupportedMediaType("请求体须为 JSON（Content-Type: application/json）")
        limit = handler.resolve_request_max_body_size() or _DEFAULT_MAX_BODY
        messages = await _read_body(receive, limit)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        if json_depth_exceeds(body):
            raise JsonTooDeep()
        replay = iter(messages)

        async def replayed() -> Any:
            message = next(replay, None)
            return message if message is not None else await receive()

        await self.app(scope, replayed, send)
