"""The search thesaurus in force: the built-in entries merged with admins' edits, and keeping
the search engine on it.

An edit is checked by ``matching.thesaurus`` (words of Chinese, letters and digits, the right
shape for its kind) after folding to Simplified, as queries are folded. Every change enqueues
``apply_thesaurus``, which runs after the commit (a rolled-back edit never reaches the engine)
and writes the merged thesaurus to the engine: Meilisearch's ``synonyms`` setting, or the
embedded index's ``THESAURUS.json`` that every process reloads. Queries pick it up at once;
documents need no reindex, as the thesaurus only expands queries.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import structlog

from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import User
from backend.errors import FieldInvalid, NotFound
from backend.events.service import record_event
from backend.jobs import enqueue
from backend.needs.search_sync import search_index
from backend.thesaurus.schemas import (
    ACTION_LABELS,
    BuiltinEntryRead,
    EditAction,
    ExpansionRead,
    LookupRead,
    ThesaurusEditCreate,
    ThesaurusEditRead,
    ThesaurusRead,
)
from backend.thesaurus.tables import ThesaurusEdit
from matching.thesaurus import (
    RELATION_LABELS,
    Entry,
    Relation,
    Removal,
    Thesaurus,
    ThesaurusInvalid,
    build,
    builtin_entries,
    make_entry,
    normalise_term,
)
from search.chinese import to_simplified

log = structlog.get_logger(__name__)


class ThesaurusEditInvalid(FieldInvalid):
    code = "thesaurus_edit_invalid"
    message = "同义词条目无效"


class ThesaurusEditNotFound(NotFound):
    code = "thesaurus_edit_not_found"
    message = "未找到该同义词条目"


def fold(raw: str) -> str:
    """A word as the search compares it: NFKC, lower case, Simplified (醫療 → 医疗)."""
    return normalise_term(to_simplified(normalise_term(raw)))


def _checked(data: ThesaurusEditCreate) -> tuple[str, str, list[str]]:
    """(relation, head, terms) of a valid edit, folded; else ``ThesaurusEditInvalid`` naming
    the field at fault."""
    needs_head = data.action == EditAction.remove or data.relation == Relation.narrower
    if needs_head and not data.head.strip():
        message = (
            "移除时请填写被搜索的词"
            if data.action == EditAction.remove
            else "单向扩展需要填写被搜索的词"
        )
        raise ThesaurusEditInvalid(message, field="head")
    if not needs_head and data.head.strip():
        raise ThesaurusEditInvalid("同义词和相关词不区分被搜索的词，请将其留空", field="head")
    if data.action == EditAction.add and data.relation is None:
        raise ThesaurusEditInvalid("请选择关系：同义词、单向或相关词", field="relation")
    try:
        head = fold(data.head) if needs_head else ""
    except ThesaurusInvalid as exc:
        raise ThesaurusEditInvalid(exc.message, field="head") from None
    try:
        terms = [fold(t) for t in data.terms if t.strip()]
        if data.action == EditAction.remove:
            return "", head, [t for t in dict.fromkeys(terms) if t != head]
        assert data.relation is not None
        entry = make_entry(data.relation, terms, head or None)
    except ThesaurusInvalid as exc:
        raise ThesaurusEditInvalid(exc.message, field="terms") from None
    return entry.relation.value, entry.head or "", list(entry.terms)


def _text(row: dict[str, Any]) -> str:
    terms = _terms(row)
    if row["action"] == EditAction.remove:
        if not terms:
            return f"“{row['head']}”不再与任何词互相扩展"
        return f"“{row['head']}”不再与 {'、'.join(terms)} 互相扩展"
    entry = Entry(Relation(row["relation"]), tuple(terms), row["head"] or None)
    return entry.text()


def _terms(row: dict[str, Any]) -> list[str]:
    raw = row["terms"]
    return list(json.loads(raw) if isinstance(raw, str) else raw)


async def _read(row: dict[str, Any], names: dict[int, str]) -> ThesaurusEditRead:
    relation = Relation(row["relation"]) if row["relation"] else None
    return ThesaurusEditRead(
        id=row["id"],
        action=EditAction(row["action"]),
        action_label=ACTION_LABELS[EditAction(row["action"])],
        relation=relation,
        relation_label=RELATION_LABELS[relation] if relation else "",
        head=row["head"],
        terms=_terms(row),
        text=_text(row),
        note=row["note"],
        created_at=row["created_at"],
        created_by=names.get(row["created_by"]) if row["created_by"] is not None else None,
    )


async def _rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await ThesaurusEdit.select().order_by(ThesaurusEdit.id)
    return rows


async def list_edits() -> list[ThesaurusEditRead]:
    rows = await _rows()
    ids = list({row["created_by"] for row in rows if row["created_by"] is not None})
    names = {
        row["id"]: row["display_name"]
        for row in await User.select(User.id, User.display_name).where(User.id.is_in(ids or [0]))
    }
    return [await _read(row, names) for row in rows]


def merged(rows: list[dict[str, Any]]) -> Thesaurus:
    """The built-in entries and admins' additions, less what admins removed."""
    entries = list(builtin_entries())
    removals: list[Removal] = []
    for row in rows:
        if row["action"] == EditAction.remove:
            removals.append(Removal(row["head"], tuple(_terms(row))))
        else:
            entries.append(
                Entry(Relation(row["relation"]), tuple(_terms(row)), row["head"] or None)
            )
    return build(entries, removals)


async def current() -> Thesaurus:
    return merged(await _rows())


async def overview() -> ThesaurusRead:
    rows = await _rows()
    thesaurus = merged(rows)
    return ThesaurusRead(
        builtin_entries=len(builtin_entries()),
        terms=len(thesaurus.terms()),
        pairs=thesaurus.size,
        edits=await list_edits(),
    )


def builtin_lines(word: str = "") -> list[BuiltinEntryRead]:
    """The built-in entries, or those naming ``word``."""
    return [
        BuiltinEntryRead(
            relation=entry.relation,
            relation_label=RELATION_LABELS[entry.relation],
            text=entry.text(),
        )
        for entry in builtin_entries()
        if not word or word == entry.head or word in entry.terms
    ]


async def lookup(word: str) -> LookupRead:
    try:
        folded = fold(word)
    except ThesaurusInvalid as exc:
        raise ThesaurusEditInvalid(exc.message, field="word") from None
    found = (await current()).expand(folded)
    return LookupRead(
        word=folded,
        expansions=[
            ExpansionRead(term=term, relation=relation, relation_label=RELATION_LABELS[relation])
            for term, relation in sorted(found.items(), key=lambda kv: (kv[1] != "synonym", kv[0]))
        ],
    )


async def add_edit(user: CurrentUser, data: ThesaurusEditCreate) -> ThesaurusEditRead:
    relation, head, terms = _checked(data)
    row = ThesaurusEdit(
        action=data.action.value,
        relation=relation,
        head=head,
        terms=json.dumps(terms, ensure_ascii=False),
        note=data.note.strip(),
        created_at=datetime.now(UTC),
        created_by=user.id,
    )
    await row.save()
    await record_event("thesaurus.edited", actor_id=user.id, edit=row.id, action=data.action)
    log.info("search_thesaurus_edited", edit=row.id, action=data.action.value)
    _changed()
    found = await ThesaurusEdit.select().where(ThesaurusEdit.id == row.id).first()
    assert found is not None
    return await _read(found, {user.id: user.display_name})


async def delete_edit(user: CurrentUser, edit_id: int) -> None:
    found = await ThesaurusEdit.select(ThesaurusEdit.id).where(ThesaurusEdit.id == edit_id).first()
    if found is None:
        raise ThesaurusEditNotFound()
    await ThesaurusEdit.delete().where(ThesaurusEdit.id == edit_id)
    await record_event("thesaurus.edit_deleted", actor_id=user.id, edit=edit_id)
    _changed()


def _changed() -> None:
    from backend.thesaurus.jobs import apply_thesaurus

    enqueue(apply_thesaurus, dedupe_key="search:thesaurus")


async def apply() -> Thesaurus:
    """Put the thesaurus in force into the search engine (idempotent)."""
    thesaurus = await current()
    await (await search_index()).set_thesaurus(thesaurus)
    log.info("search_thesaurus_applied", terms=len(thesaurus.terms()), pairs=thesaurus.size)
    return thesaurus


async def restore_at_start() -> None:
    """At start-up: put admins' edits back into an engine that may have lost them (a new
    ``var/search``, a new Meilisearch). Without edits, the engines' built-in default holds."""
    try:
        if await ThesaurusEdit.count():
            await apply()
    except Exception as exc:  # start-up goes on; the next edit or restart applies it
        log.warning("search_thesaurus_not_restored", error=type(exc).__name__)
