"""The search thesaurus page (/manage/thesaurus): look up what a word finds, add entries,
remove relations, undo an edit; the built-in entries for reference. Admins only."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.errors import DomainError
from backend.thesaurus import service
from backend.thesaurus.schemas import ACTION_LABELS, EditAction, LookupRead, ThesaurusEditCreate
from backend.web.forms import FormErrors, flash, form_data, take_flashes, validate
from backend.web.pages import page
from matching.thesaurus import RELATION_LABELS

PATH = "/manage/thesaurus"
_FIELDS = ("action", "relation", "head", "terms", "note")
#: Words on the form may be separated by spaces or by Chinese or Latin commas.
_SEPARATORS = re.compile(r"[\s,，、;；]+")

ACTION_OPTIONS = [(a.value, label) for a, label in ACTION_LABELS.items()]
RELATION_OPTIONS = [(r.value, label) for r, label in RELATION_LABELS.items()]


def _read_form(form: dict[str, str], errors: FormErrors) -> ThesaurusEditCreate | None:
    data: dict[str, Any] = {
        "action": form["action"] or None,
        "relation": form["relation"] or None,
        "head": form["head"],
        "terms": [t for t in _SEPARATORS.split(form["terms"]) if t],
        "note": form["note"],
    }
    return validate(ThesaurusEditCreate, data, errors)


class ThesaurusPagesController(Controller):
    path = PATH
    include_in_schema = False
    guards = [require_roles(Role.admin)]

    @get("/", name="thesaurus")
    async def overview(
        self, request: Request[Any, Any, Any], word: FromQuery[str] = ""
    ) -> Template:
        return await self._page(request, {}, FormErrors(), word=word.strip())

    @post("/", status_code=303)
    async def add(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        submitted = await form_data(request)
        form = {key: submitted.get(key, "").strip() for key in _FIELDS}
        errors = FormErrors()
        data = _read_form(form, errors)
        if data is None:
            return await self._page(request, form, errors, status=400)
        try:
            added = await service.add_edit(user_of(request), data)
        except DomainError as exc:
            errors.add(exc.field, exc.message)
            return await self._page(request, form, errors, status=exc.status_code)
        flash(request, f"已{added.action_label}：{added.text}。检索立即按新的同义词表扩展。")
        return Redirect(path=PATH, status_code=303)

    @post("/edits/{edit_id:int}/delete", status_code=303)
    async def undo(self, request: Request[Any, Any, Any], edit_id: FromPath[int]) -> Redirect:
        try:
            await service.delete_edit(user_of(request), edit_id)
        except DomainError as exc:
            flash(request, exc.message, "error")
        else:
            flash(request, "已撤销该记录。")
        return Redirect(path=PATH, status_code=303)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        values: dict[str, str],
        errors: FormErrors,
        *,
        word: str = "",
        status: int = 200,
    ) -> Template:
        found: LookupRead | None = None
        lookup_error = None
        if word:
            try:
                found = await service.lookup(word)
            except DomainError as exc:
                lookup_error = exc.message
        return page(
            request,
            "thesaurus/manage.html",
            status_code=status,
            active="thesaurus",
            flashes=take_flashes(request),
            overview=await service.overview(),
            builtin=service.builtin_lines(found.word if found else ""),
            word=word,
            found=found,
            lookup_error=lookup_error,
            values=values or {"action": EditAction.add.value},
            errors=errors,
            action_options=ACTION_OPTIONS,
            relation_options=RELATION_OPTIONS,
        )
