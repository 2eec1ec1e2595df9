"""What the gate changes in piccolo-admin's answers, so that every word an admin reads is
Chinese and every error names its field.

* Schemas: a table's (and a custom form's) JSON schema gets its labels and choices
  (``admin.labels``, ``admin.lookups``).
* Writes: the body of an edit is checked against the table's own pydantic model *before*
  piccolo-admin sees it, so a wrong value is answered with the field's Chinese name and a
  Chinese message (piccolo-admin would answer with pydantic's English text).
* Errors: any other refusal of the private API is given as ``{"detail": "…"}`` in Chinese:
  a refusal of ours (``admin.rules``) as it is, anything English by its status.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from piccolo.table import Table
from piccolo_api.crud.serializers import create_pydantic_model
from pydantic import BaseModel, ValidationError
from starlette.types import Message, Receive, Send

from admin.labels import COLUMN_LABELS
from backend.web.forms import describe

_CJK = re.compile(r"[\u4e00-\u9fff]")

#: Said for a refusal that came in English (piccolo-admin's own), by status.
STATUS_MESSAGES = {
    400: "请求有误，请检查填写的内容",
    401: "请先登录",
    403: "没有执行此操作的权限",
    404: "未找到该记录",
    405: "不允许此操作",
    409: "与现有记录冲突",
    413: "提交的内容过大",
    422: "填写的内容有误",
}
SERVER_ERROR = "服务器内部错误，请稍后再试"


def rewriting(send: Send, transform: Callable[[int, bytes], bytes]) -> Send:
    """A ``send`` that hands the whole response body to ``transform(status, body)``."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        status = int(start.get("status", 200))
        body = transform(status, b"".join(chunks))
        headers = [
            (k, v)
            for k, v in start.get("headers", [])
            if k.lower() not in (b"content-length", b"content-type")
            or (k.lower() == b"content-type" and status < 400)
        ]
        if status >= 400:
            headers.append((b"content-type", b"application/json"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return wrapped


def json_of(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def chinese_error(status: int, body: bytes) -> bytes:
    """An error answer of piccolo-admin's API as ``{"detail": "…"}`` in Chinese."""
    if status < 400:
        return body
    data = json_of(body)
    message: str | None = None
    if isinstance(data, dict):
        detail = data.get("detail")
        if isinstance(detail, list) and all(isinstance(d, dict) for d in detail):
            if all(_CJK.search(str(d.get("msg", ""))) for d in detail):
                return body  # errors of ours, one per field
        elif isinstance(detail, str) and _CJK.search(detail):
            message = detail
        elif isinstance(data.get("custom_form_error"), str):
            return body  # a form's own message (Chinese, from its endpoint)
        elif isinstance(data.get("message"), str) and _CJK.search(data["message"]):
            message = data["message"]
    if message is None:
        message = STATUS_MESSAGES.get(status, SERVER_ERROR if status >= 500 else "请求有误")
    out = data if isinstance(data, dict) else {}
    return json.dumps({**out, "detail": message}, ensure_ascii=False).encode()


Change = Callable[[dict[str, Any]], dict[str, Any]]


def schema_rewrite(change: Change) -> Callable[[int, bytes], bytes]:
    def transform(status: int, body: bytes) -> bytes:
        if status != 200:
            return chinese_error(status, body)
        return json.dumps(change(json.loads(body)), ensure_ascii=False).encode()

    return transform


# ------------------------------------------------------------------------------ writes


@functools.cache
def edit_model(table: type[Table], partial: bool) -> type[BaseModel]:
    """The model piccolo-admin validates an edit (partial) or a new row with, titled in
    Chinese so that ``describe`` names each field."""
    if partial:
        model = create_pydantic_model(table, include_default_columns=True, all_optional=True)
    else:
        model = create_pydantic_model(table, exclude_columns=(table._meta.primary_key,))
    labels = COLUMN_LABELS.get(table._meta.tablename, {})
    for name, info in model.model_fields.items():
        info.title = labels.get(name, name)
    return model


def field_errors(model: type[BaseModel], exc: ValidationError) -> list[dict[str, Any]]:
    """A validation error as piccolo-admin lists it, each message in Chinese with its field."""
    errors = []
    for err in exc.errors():
        path, message = describe(model, err)
        if not _CJK.search(message):
            info = model.model_fields.get(path.split(".")[0])
            message = f"{(info.title if info else None) or path}格式不正确"
        errors.append({"loc": [path], "msg": message, "type": err.get("type", "value_error")})
    return errors


def check_write(model: type[BaseModel], body: bytes) -> bytes | None:
    """None when piccolo-admin may take ``body``; otherwise the 422 answer to give."""
    data = json_of(body)
    if not isinstance(data, dict):
        detail = [{"loc": [""], "msg": "提交的内容应为 JSON 对象", "type": "model_type"}]
        return json.dumps({"detail": detail}, ensure_ascii=False).encode()
    # As piccolo-admin cleans it: the text "null" means no value.
    cleaned = {
        k: None if isinstance(v, str) and v.lower() == "null" else v for k, v in data.items()
    }
    try:
        model.model_validate(cleaned)
    except ValidationError as exc:
        return json.dumps({"detail": field_errors(model, exc)}, ensure_ascii=False).encode()
    return None


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def replay(body: bytes) -> Receive:
    """A ``receive`` that gives ``body`` once, then waits like a real one."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
