"""Schemas of the bulk import. The report refers to rows by number and never repeats a value
from the file: no name, ID number or phone reaches it (nor the logs)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class RowOutcome(StrEnum):
    created = "created"
    existing = "existing"
    error = "error"


ROW_OUTCOME_LABELS = {
    RowOutcome.created: "新增",
    RowOutcome.existing: "已存在，跳过",
    RowOutcome.error: "有错误，未导入",
}


class ImportIssue(BaseModel):
    row: int = Field(description="表格中的行号（表头为第1行）")
    column: str = Field(description="列名；空表示整行")
    code: str = Field(description="稳定的错误代码")
    message: str = Field(description="中文原因")


class ImportRowResult(BaseModel):
    row: int
    outcome: RowOutcome
    case_ref: str | None = None
    grants_added: int = 0


class ImportReport(BaseModel):
    id: str
    file_kind: str
    rows: int
    created: int
    existing: int
    failed: int
    grants_added: int
    summary: str
    issues: list[ImportIssue]
    results: list[ImportRowResult]


class ImportBatchRead(BaseModel):
    id: str
    imported_at: datetime
    file_kind: str
    rows: int
    created: int
    existing: int
    failed: int
    grants_added: int
