"""The form kit of the server pages: reading nested form fields, money in 元, errors beside
the field they concern, undoing a failed service call, flash messages.

Form input names are the schema's own paths (``members.0.id_number``), so a pydantic or domain
error lands next to the right input and everything typed can be shown again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from itertools import pairwise
from typing import Any, TypeVar, get_args

from litestar import Request
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from backend.db import get_engine
from backend.errors import DomainError
from backend.web.validation_messages import CJK as _CJK
from backend.web.validation_messages import PYDANTIC_MESSAGES as _PYDANTIC_MESSAGES

M = TypeVar("M", bound=BaseModel)

_MONEY = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$")
_PATH_PART = re.compile(r"^(?:[a-z_]{1,40}|\d{1,3})$")

#: Model-level rules whose error belongs beside one field (a suffix of the model's path).
_AT_FIELD = {
    "one_head": "members",
    "duplicate_member": "members",
    "verified_on_future": "verified_on",
    "granted_on_future": "granted_on",
    "stages_total": "stages",
    "amount_required": "amount_fen",
    "goods_required": "goods",
    "hours_required": "hours",
    "deadline_past": "deadline",
    "consent_future": "consent_on",
    "witness_required": "witness",
    "reason_required": "reason",
}

#: How an entry of a list is called when an error is listed in the summary.
_ENTRY_NAMES = {
    "members": "第{n}位成员",
    "items": "第{n}项需求",
    "goods": "物资第{n}行",
    "stages": "第{n}期发放",
}


class MoneyInvalid(ValueError):
    pass


def parse_yuan(text: str) -> int:
    """An amount typed in yuan, as integer fen, exactly: "1,234.56" → 123456.

    Accepts full-width digits, "¥"/"元" and thousands separators; refuses more than two
    decimals, negatives and anything else rather than guessing.
    """
    value = unicodedata.normalize("NFKC", text).strip()
    value = value.removeprefix("¥").removesuffix("元").replace("，", ",").replace(" ", "")
    if not _MONEY.match(value):
        if value.startswith("-") and _MONEY.match(value[1:]):
            raise MoneyInvalid("金额不能为负数")
        decimals = value.rpartition(".")[2] if "." in value else ""
        if decimals.isdigit() and len(decimals) > 2:
            raise MoneyInvalid("金额最多保留两位小数（精确到分）")
        raise MoneyInvalid("金额格式不正确，请填写以元为单位的数字，如 1234.56")
    return int(Decimal(value.replace(",", "")) * 100)


def _where(path: str) -> str:
    parts = path.split(".")
    said = [
        _ENTRY_NAMES[name].format(n=int(index) + 1)
        for name, index in pairwise(parts)
        if name in _ENTRY_NAMES and index.isdigit()
    ]
    return "，".join(said)


@dataclass
class FormErrors:
    """Messages by form path ("" for the form as a whole); the first message per path wins."""

    fields: dict[str, str] = field(default_factory=dict)

    def add(self, path: str | None, message: str) -> None:
        self.fields.setdefault(path or "", message)

    def get(self, path: str) -> str | None:
        return self.fields.get(path)

    def under(self, prefix: str) -> bool:
        return any(p == prefix or p.startswith(prefix + ".") for p in self.fields)

    def __bool__(self) -> bool:
        return bool(self.fields)

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(anchor, text) pairs for the summary at the top of the form."""
        entries = []
        for path, message in self.fields.items():
            where = _where(path)
            entries.append((path.replace(".", "-"), f"{where}：{message}" if where else message))
        return entries


async def form_data(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The submitted form as one string per name (the last one wins)."""
    form = await request.form()
    return {
        key: value if isinstance(value, str) else ""
        for key, value in form.items()
        if not key.startswith("_")
    }


def nest(flat: Mapping[str, str]) -> dict[str, Any]:
    """``{"members.0.name": "x"}`` → ``{"members": [{"name": "x"}]}``; lists keep index order."""
    root: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        if not all(_PATH_PART.match(part) for part in parts):
            continue
        node: Any = root
        for part in parts[:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else None
        if isinstance(node, dict) and not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = value
    listed = _listify(root)
    assert isinstance(listed, dict)
    return listed


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(key.isdigit() for key in node):
            return [_listify(node[key]) for key in sorted(node, key=int)]
        return {key: _listify(value) for key, value in node.items()}
    return node


def flatten(node: Any, prefix: str = "") -> dict[str, str]:
    """The inverse of ``nest``: what the form's inputs show again."""
    if isinstance(node, dict):
        items: list[tuple[str, Any]] = list(node.items())
    elif isinstance(node, list):
        items = [(str(i), value) for i, value in enumerate(node)]
    else:
        return {prefix: "" if node is None else str(node)}
    flat: dict[str, str] = {}
    for key, value in items:
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else key))
    return flat


def is_blank(node: Any, ignore: frozenset[str] = frozenset()) -> bool:
    if isinstance(node, str):
        return not node.strip()
    if isinstance(node, dict):
        return all(is_blank(v, ignore) for k, v in node.items() if k not in ignore)
    if isinstance(node, list):
        return all(is_blank(v, ignore) for v in node)
    return node is None


def rows(node: Any, *, keep_one: bool, ignore: frozenset[str] = frozenset()) -> list[Any]:
    """The non-blank rows of a repeated fieldset (an untouched added row is no mistake)."""
    found = [row for row in node if isinstance(row, dict)] if isinstance(node, list) else []
    kept = [row for row in found if not is_blank(row, ignore)]
    if not kept and keep_one:
        return found[:1] or [{}]
    return kept


def clean(node: Any, errors: FormErrors, path: str = "") -> Any:
    """Strings trimmed, blanks dropped (so defaults apply), ``*_fen`` fields parsed as yuan."""
    if isinstance(node, list):
        return [clean(item, errors, f"{path}.{i}") for i, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        here = f"{path}.{key}" if path else key
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
            if key.endswith("_fen"):
                try:
                    out[key] = parse_yuan(value)
                except MoneyInvalid as exc:
                    errors.add(here, str(exc))
                continue
        out[key] = clean(value, errors, here)
    return out


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _field_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> FieldInfo | None:
    current: type[BaseModel] | None = model
    info: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int) or part.isdigit():
            continue
        if current is None or part not in current.model_fields:
            return None
        info = current.model_fields[part]
        current = _model_in(info.annotation)
    return info


#: Plain-text fields that the pages offer as a list to choose from.
_CHOSEN = frozenset({"region_code", "relation", "disability_grade"})


def _is_choice(info: FieldInfo | None, name: str) -> bool:
    annotation = info.annotation if info else None
    return name in _CHOSEN or (isinstance(annotation, type) and issubclass(annotation, Enum | bool))


def describe(model: type[BaseModel], err: Any) -> tuple[str, str]:
    """A pydantic error as (form path, Chinese message)."""
    loc = tuple(err.get("loc", ()))
    path = ".".join(str(part) for part in loc)
    kind = str(err.get("type", "value_error"))
    info = _field_at(model, loc)
    label = ((info.title if info else None) or (str(loc[-1]) if loc else "")).replace("（分）", "")
    if kind in _AT_FIELD:
        path = f"{path}.{_AT_FIELD[kind]}" if path else _AT_FIELD[kind]
    if kind == "missing":
        chosen = _is_choice(info, str(loc[-1]) if loc else "")
        return path, (f"请选择{label}" if chosen else f"请填写{label}")
    if kind == "value_error":
        return path, str(err.get("ctx", {}).get("error", "")) or f"{label}无效"
    if _CJK.search(str(err.get("msg", ""))):
        return path, str(err["msg"])  # a PydanticCustomError of ours: already Chinese
    template = _PYDANTIC_MESSAGES.get(kind)
    return path, template.format(label=label) if template else f"{label}无效"


def validate(model: type[M], data: Any, errors: FormErrors) -> M | None:
    """The schema built from the form, or None with every problem added to ``errors``."""
    try:
        # A form carries text: "3" is the number 3 here. The JSON API keeps its strict fields
        # strict (backend.web.input.parse_body); a form cannot be anything but lax.
        result = model.model_validate(data, strict=False)
    except ValidationError as exc:
        for err in exc.errors():
            errors.add(*describe(model, err))
        return None
    return None if errors else result


@asynccontextmanager
async def undo_on_error() -> AsyncIterator[None]:
    """Undo what a service wrote before it raised a domain error, keeping the rest of the
    request's writes (e.g. the audit entry of re-rendering the page that shows the error)."""
    transaction: Any = get_engine().current_transaction.get()
    savepoint = await transaction.savepoint() if transaction is not None else None
    try:
        yield
    except DomainError:
        if savepoint is not None:
            await savepoint.rollback_to()
        raise
    if savepoint is not None:
        await savepoint.release()


_FLASH = "flash"


def flash(request: Request[Any, Any, Any], message: str, category: str = "success") -> None:
    session = dict(request.session or {})
    session[_FLASH] = [*session.get(_FLASH, []), {"category": category, "message": message}]
    request.set_session(session)


def take_flashes(request: Request[Any, Any, Any]) -> list[dict[str, str]]:
    session = dict(request.session or {})
    found = session.pop(_FLASH, [])
    if found:
        request.set_session(session)
    return list(found)
