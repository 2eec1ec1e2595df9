"""Bulk import of cases and their government grants from a spreadsheet.

Every row is checked like the case form checks it (the same schemas, the same region rule,
the same one-person-one-case blind index), then the valid rows are written through the cases
service's own writer, so personal data is sealed exactly as the form seals it. Rows with an
error are reported and not written; the others are. Each row's case and grants go in together
or not at all: rows are written in chunks under a savepoint, and a chunk that fails (someone
registered the same person meanwhile) is undone and retried row by row.

Re-importing a file changes nothing: a person already registered (found by the blind index) is
reported as existing, and a grant is added only if the case has no grant of the same kind, date
and amount (the office is left out of a grant's identity: it is spelt in many ways).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError

from backend.accounts.guards import in_region_scope
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import Role
from backend.cases.schemas import CaseCreate, GrantCreate
from backend.cases.service import (
    insert_cases,
    insert_grants,
    region_problem,
    registered_communities,
    registered_elsewhere_message,
    registered_people,
)
from backend.cases.tables import AssistanceGrant, Case
from backend.crypto import blind_index
from backend.db import UNIQUE_VIOLATIONS, get_engine
from backend.errors import FieldInvalid, Forbidden
from backend.imports.columns import BY_PATH, COLUMNS, MAX_GRANTS, CellInvalid, header_key, parse
from backend.imports.reader import RawRow, Sheet, UnreadableFile, read_upload
from backend.imports.schemas import (
    ImportBatchRead,
    ImportIssue,
    ImportReport,
    ImportRowResult,
    RowOutcome,
)
from backend.imports.tables import ImportBatch
from backend.regions.service import full_name
from backend.web.forms import describe
from backend.web.validation_messages import CJK

log = structlog.get_logger(__name__)

#: Rows written per statement batch (and per savepoint).
CHUNK = 500
_ID_HEADER = BY_PATH["members.0.id_number"].header
_REGION_HEADER = BY_PATH["region_code"].header


class ImportForbidden(Forbidden):
    code = "import_forbidden"
    message = "仅限有管辖地区的民政工作人员批量导入救助对象"


class ImportRefused(FieldInvalid):
    """The file as a whole cannot be imported; nothing of it is written."""

    code = "import_refused"
    message = "文件无法导入"

    def __init__(self, message: str, *, code: str, status_code: int = 400) -> None:
        super().__init__(message, field="file", code=code)
        self.status_code = status_code


def ensure_may_import(user: CurrentUser) -> None:
    if user.role != Role.staff or not user.region_code:
        raise ImportForbidden()


@dataclass
class _Row:
    number: int
    case: CaseCreate | None = None
    grants: list[GrantCreate] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    id_hash: str | None = None
    case_id: int | None = None
    case_ref: str | None = None
    outcome: RowOutcome = RowOutcome.created
    new_grants: list[GrantCreate] = field(default_factory=list)

    def fail(self, column: str, code: str, message: str) -> None:
        self.issues.append(ImportIssue(row=self.number, column=column, code=code, message=message))

    @property
    def ok(self) -> bool:
        return not self.issues


def _positions(sheet: Sheet) -> dict[str, int]:
    """Template header → column position; refuses a file whose header is not the template's."""
    wanted = {header_key(c.header): c.header for c in COLUMNS}
    found: dict[str, int] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for position, text in enumerate(sheet.headers):
        key = header_key(text)
        if not key:
            used = (
                position < len(r.cells) and r.cells[position] not in (None, "") for r in sheet.rows
            )
            if any(used):
                unknown.append(f"第{position + 1}列（无列名）")
            continue
        if key not in wanted:
            # By position, never by its text: a file without a header row would otherwise
            # echo the first household's name or ID number back in the report.
            unknown.append(f"第{position + 1}列")
        elif wanted[key] in found:
            repeated.append(wanted[key])
        else:
            found[wanted[key]] = position
    missing = [c.header for c in COLUMNS if c.header not in found]
    if missing or unknown or repeated:
        said = [
            f"缺少列：{'、'.join(missing)}" if missing else "",
            f"无法识别的列：{'、'.join(unknown)}" if unknown else "",
            f"重复的列：{'、'.join(repeated)}" if repeated else "",
        ]
        raise ImportRefused(
            "表头与导入模板不符（" + "；".join(s for s in said if s) + "）。"
            "请下载最新模板，勿增删或改动列名。",
            code="wrong_template",
        )
    return found


def _code(err: Any) -> str:
    kind = str(err.get("type", "value_error"))
    if kind == "missing":
        return "required"
    return kind if CJK.search(str(err.get("msg", ""))) else f"invalid_{kind}"


def _validate(
    row: _Row, model: type[BaseModel], data: dict[str, Any], prefix: str, bad: set[str]
) -> Any:
    """``model`` built from ``data``, or None with each problem reported at its column."""
    try:
        return model.model_validate(data, strict=False)  # cells are text: "3" is 3 here
    except ValidationError as exc:
        for err in exc.errors():
            path, message = describe(model, err)
            column = BY_PATH.get(prefix + path)
            if column is not None and column.path in bad:
                continue  # the cell itself was already reported
            row.fail(column.header if column else "", _code(err), message)
        return None


def _prepare(raw: RawRow, positions: dict[str, int]) -> _Row:
    row = _Row(number=raw.number)
    values: dict[str, Any] = {}
    bad: set[str] = set()
    for column in COLUMNS:
        position = positions[column.header]
        cell = raw.cells[position] if position < len(raw.cells) else None
        if position in raw.problems:
            row.fail(column.header, *raw.problems[position])
            bad.add(column.path)
            continue
        if isinstance(cell, str) and column.kind in ("code", "id_number"):
            cell = cell.strip().removeprefix("'")  # the text marker some people type
        try:
            value = parse(column, cell)
        except CellInvalid as exc:
            row.fail(column.header, exc.code, exc.message)
            bad.add(column.path)
            continue
        if value is not None:
            values[column.path] = value
    member = {k.removeprefix("members.0."): v for k, v in values.items() if k.startswith("members")}
    case = {k: v for k, v in values.items() if "." not in k}
    row.case = _validate(
        row,
        CaseCreate,
        {**case, "members": [{**member, "is_head": True, "relation": "户主"}]},
        "",
        bad,
    )
    for n in range(MAX_GRANTS):
        prefix = f"grants.{n}."
        grant = {k.removeprefix(prefix): v for k, v in values.items() if k.startswith(prefix)}
        used = any(c.path.startswith(prefix) and c.path in bad for c in COLUMNS)
        if grant or used:
            made = _validate(row, GrantCreate, grant, prefix, bad)
            if made is not None:
                row.grants.append(made)
    if row.case is not None:
        row.id_hash = blind_index().id_number(row.case.members[0].id_number)
    return row


def _identity(kind: str, granted_on: date, amount_fen: int) -> tuple[str, date, int]:
    return (str(kind), granted_on, amount_fen)


def _fresh(grants: Sequence[GrantCreate], known: set[tuple[str, date, int]]) -> list[GrantCreate]:
    fresh: list[GrantCreate] = []
    for grant in grants:
        key = _identity(grant.kind, grant.granted_on, grant.amount_fen)
        if key not in known:
            known.add(key)
            fresh.append(grant)
    return fresh


async def _check_against_registry(user: CurrentUser, rows: list[_Row]) -> None:
    """In-file duplicates, region scope, and people already registered (via blind index)."""
    first: dict[str, int] = {}
    for row in rows:
        if row.id_hash is None:
            continue
        if row.id_hash in first:
            row.fail(_ID_HEADER, "duplicate_in_file", f"与第{first[row.id_hash]}行的身份证号重复")
        else:
            first[row.id_hash] = row.number
    valid = [r for r in rows if r.ok and r.case is not None]
    communities = await registered_communities(r.case.region_code for r in valid if r.case)
    for row in valid:
        assert row.case is not None
        problem = region_problem(user, row.case.region_code, communities)
        if problem is not None:
            row.fail(_REGION_HEADER, problem.code, problem.message)
    known = await registered_people(
        r.case.members[0].id_number for r in rows if r.ok and r.id_hash and r.case
    )
    places: dict[str, str] = {}
    existing: dict[int, list[_Row]] = {}
    for row in rows:
        found = known.get(row.id_hash or "") if row.ok else None
        if found is None:
            continue
        if in_region_scope(user, found["region_code"]):
            row.outcome, row.case_id = RowOutcome.existing, found["case"]
            existing.setdefault(found["case"], []).append(row)
            continue
        region = found["region_code"]
        if region not in places:
            places[region] = await full_name(region)
        message = registered_elsewhere_message(places[region])
        row.fail(_ID_HEADER, "person_registered_elsewhere", message)
    ids = list(existing)
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        for case in await Case.select(Case.id, Case.ref_code).where(Case.id.is_in(part)):
            for row in existing[case["id"]]:
                row.case_ref = case["ref_code"]
        recorded: dict[int, set[tuple[str, date, int]]] = {i: set() for i in part}
        for g in await AssistanceGrant.select(
            AssistanceGrant.case,
            AssistanceGrant.kind,
            AssistanceGrant.granted_on,
            AssistanceGrant.amount_fen,
        ).where(AssistanceGrant.case.is_in(part)):
            recorded[g["case"]].add(_identity(g["kind"], g["granted_on"], g["amount_fen"]))
        for case_id in part:
            for row in existing[case_id]:  # one set per case: no grant twice, whichever row
                row.new_grants = _fresh(row.grants, recorded[case_id])


async def _write(user: CurrentUser, rows: list[_Row], *, ip: str, how: str) -> None:
    """Write new rows in chunks; a chunk that fails is undone and written row by row."""
    transaction: Any = get_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("import_cases runs inside a unit of work")
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        savepoint = await transaction.savepoint()
        try:
            await _insert(user, chunk, ip=ip, how=how)
        except UNIQUE_VIOLATIONS:
            await savepoint.rollback_to()
        else:
            await savepoint.release()
            continue
        for row in chunk:  # someone registered one of these people meanwhile: find out who
            savepoint = await transaction.savepoint()
            try:
                await _insert(user, [row], ip=ip, how=how)
            except UNIQUE_VIOLATIONS:
                await savepoint.rollback_to()
                row.fail(_ID_HEADER, "person_already_registered", "该身份证号刚刚已被登记，未导入")
            else:
                await savepoint.release()


async def _insert(user: CurrentUser, rows: list[_Row], *, ip: str, how: str) -> None:
    batch = [(r.case, _fresh(r.grants, set())) for r in rows if r.case is not None]
    cases = await insert_cases(user, batch, ip=ip, how=how)
    for row, case, (_, grants) in zip(rows, cases, batch, strict=True):
        row.case_id, row.case_ref, row.new_grants = case.id, case.ref_code, grants


async def import_cases(
    user: CurrentUser, filename: str, data: bytes, *, ip: str = ""
) -> ImportReport:
    ensure_may_import(user)
    started = time.perf_counter()
    try:
        sheet = read_upload(filename, data)
    except UnreadableFile as exc:
        raise ImportRefused(exc.message, code=exc.code, status_code=exc.status_code) from None
    positions = _positions(sheet)
    if not sheet.rows:
        raise ImportRefused("文件中没有数据行，请从第2行起每行填写一户", code="no_rows")
    rows = [_prepare(raw, positions) for raw in sheet.rows]
    await _check_against_registry(user, rows)
    public_id = secrets.token_urlsafe(9)
    how = f"批量导入（批次{public_id}），"
    new = [r for r in rows if r.ok and r.outcome == RowOutcome.created]
    await _write(user, new, ip=ip, how=how)
    known = [r for r in rows if r.ok and r.outcome == RowOutcome.existing]
    for start in range(0, len(known), CHUNK):
        await insert_grants(
            user,
            [
                (r.case_id, g)
                for r in known[start : start + CHUNK]
                if r.case_id
                for g in r.new_grants
            ],
            ip=ip,
        )
    for row in rows:
        if not row.ok:
            row.outcome = RowOutcome.error
    report = _report(public_id, sheet.file_kind, rows)
    duration_ms = round((time.perf_counter() - started) * 1000)
    await ImportBatch.insert(
        ImportBatch(
            public_id=public_id,
            imported_by=user.id,
            imported_at=datetime.now(UTC),
            file_kind=sheet.file_kind,
            row_count=report.rows,
            created_count=report.created,
            existing_count=report.existing,
            error_count=report.failed,
            grants_added=report.grants_added,
            duration_ms=duration_ms,
        )
    )
    log.info(
        "cases_imported",
        batch=public_id,
        file_kind=sheet.file_kind,
        rows=report.rows,
        created=report.created,
        existing=report.existing,
        failed=report.failed,
        grants_added=report.grants_added,
        duration_ms=duration_ms,
    )
    return report


def _report(public_id: str, file_kind: str, rows: list[_Row]) -> ImportReport:
    counts = {outcome: sum(1 for r in rows if r.outcome == outcome) for outcome in RowOutcome}
    created, existing, failed = (
        counts[RowOutcome.created],
        counts[RowOutcome.existing],
        counts[RowOutcome.error],
    )
    grants = sum(len(r.new_grants) for r in rows if r.outcome != RowOutcome.error)
    summary = f"新增 {created}，已存在跳过 {existing}，有错误 {failed}"
    return ImportReport(
        id=public_id,
        file_kind=file_kind,
        rows=len(rows),
        created=created,
        existing=existing,
        failed=failed,
        grants_added=grants,
        summary=summary + (f"；新增救助记录 {grants} 条" if grants else ""),
        issues=[issue for r in rows for issue in r.issues],
        results=[
            ImportRowResult(
                row=r.number,
                outcome=r.outcome,
                case_ref=r.case_ref if r.outcome != RowOutcome.error else None,
                grants_added=len(r.new_grants) if r.outcome != RowOutcome.error else 0,
            )
            for r in rows
        ],
    )


async def recent_imports(user: CurrentUser, limit: int = 10) -> list[ImportBatchRead]:
    rows = (
        await ImportBatch.select()
        .where(ImportBatch.imported_by == user.id)
        .order_by(ImportBatch.id, ascending=False)
        .limit(limit)
    )
    return [
        ImportBatchRead(
            id=r["public_id"],
            imported_at=r["imported_at"],
            file_kind=r["file_kind"],
            rows=r["row_count"],
            created=r["created_count"],
            existing=r["existing_count"],
            failed=r["error_count"],
            grants_added=r["grants_added"],
        )
        for r in rows
    ]
