"""What the thesaurus API and page read and write: edits and lookups, never a table row."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from matching.thesaurus import MAX_ENTRY_TERMS, MAX_TERM_CHARS, Relation


class EditAction(StrEnum):
    add = "add"  # 添加条目
    remove = "remove"  # 移除关系


ACTION_LABELS = {EditAction.add: "添加", EditAction.remove: "移除"}


class ThesaurusEditCreate(BaseModel):
    action: EditAction = Field(title="操作", description="add 添加条目；remove 移除关系")
    #: For an addition: which kind of entry.
    relation: Relation | None = Field(
        default=None,
        title="关系",
        description="添加时必填：synonym 同义词（互相扩展）、narrower 单向（较宽→较窄）、"
        "related 相关词（互相扩展，排在同义词之后）",
    )
    #: The searched word of a one-way entry; the word whose relations a removal takes out.
    head: str = Field(
        default="",
        title="被搜索的词",
        max_length=MAX_TERM_CHARS,
        description="单向扩展和移除时填写；同义词和相关词留空",
    )
    terms: list[str] = Field(
        default_factory=list,
        title="词语",
        max_length=MAX_ENTRY_TERMS,
        description="同义词、相关词或单向扩展到的词；移除时为要断开的词（留空表示该词的全部关系）",
    )
    note: str = Field(default="", title="说明", max_length=500)


class ThesaurusEditRead(BaseModel):
    id: int
    action: EditAction
    action_label: str
    relation: Relation | None
    relation_label: str
    head: str
    terms: list[str]
    #: The edit as a line of the thesaurus file (or, for a removal, in words).
    text: str
    note: str
    created_at: datetime
    created_by: str | None


class ExpansionRead(BaseModel):
    term: str
    relation: Relation
    relation_label: str


class LookupRead(BaseModel):
    """What searching one word also finds, with the thesaurus in force."""

    word: str
    expansions: list[ExpansionRead]


class BuiltinEntryRead(BaseModel):
    relation: Relation
    relation_label: str
    text: str


class ThesaurusRead(BaseModel):
    builtin_entries: int
    #: Distinct words and (searched, also found) pairs of the thesaurus in force.
    terms: int
    pairs: int
    edits: list[ThesaurusEditRead]
