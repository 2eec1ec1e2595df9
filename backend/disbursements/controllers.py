"""Disbursements API: the pledging organisation records payouts (multipart, with evidence);
staff of the case's region verify or reject them; both may download the evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody
from pydantic import ValidationError

from backend.accounts.guards import require_roles, user_of
from backend.accounts.tables import Role
from backend.disbursements import evidence, service
from backend.disbursements.schemas import (
    DisbursementCreate,
    DisbursementRead,
    DisbursementReject,
    PledgeDisbursements,
)
from backend.disbursements.tables import EvidenceKind, PayeeKind
from backend.errors import FieldInvalid
from backend.web.forms import describe
from backend.web.pages import current_user
from backend.web.requests import client_ip


@dataclass
class DisbursementUpload:
    """The multipart form: the facts of the payout and its evidence file."""

    amount_fen: int
    payee_kind: PayeeKind
    paid_on: date
    evidence_kind: EvidenceKind
    #: PDF, JPEG or PNG, at most EVIDENCE_MAX_BYTES (default 10 MB).
    evidence: UploadFile | None = None


async def read_evidence(upload: UploadFile | None) -> bytes:
    """At most one byte past the limit, so an oversized file is refused without reading it all."""
    if upload is None:
        return b""
    return await upload.read(evidence.max_bytes() + 1)


def facts_of(values: dict[str, Any]) -> DisbursementCreate:
    """The payout's facts, or a 400 naming the first field at fault (in Chinese)."""
    try:
        return DisbursementCreate.model_validate(values)
    except ValidationError as exc:
        path, message = describe(DisbursementCreate, exc.errors()[0])
        raise FieldInvalid(message, field=path or None) from None


def evidence_response(found: service.EvidenceFile) -> Response[bytes]:
    """An attachment that is never cached by shared caches nor sniffed as another type."""
    disposition = (
        f"attachment; filename=\"{found.filename}\"; filename*=UTF-8''{quote(found.filename)}"
    )
    return Response(
        content=found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class DisbursementsApiController(Controller):
    path = "/api/v1"
    tags = ["拨付"]

    @post(
        "/pledges/{pledge_id:str}/disbursements",
        summary="登记拨付（multipart 表单，证明文件字段 evidence）",
        guards=[require_roles(Role.org_member)],
        request_max_body_size=evidence.UPLOAD_REQUEST_CEILING,
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        pledge_id: FromPath[str],
        data: Annotated[DisbursementUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> DisbursementRead:
        facts = facts_of(
            {
                "amount_fen": data.amount_fen,
                "payee_kind": data.payee_kind,
                "paid_on": data.paid_on,
                "evidence_kind": data.evidence_kind,
            }
        )
        content = await read_evidence(data.evidence)
        return await service.record_disbursement(user_of(request), pledge_id, facts, content)

    @get(
        "/pledges/{pledge_id:str}/disbursements",
        summary="认捐的拨付记录（认捐组织成员、辖区民政）",
        guards=[require_roles(Role.org_member, Role.staff)],
    )
    async def of_pledge(
        self, request: Request[Any, Any, Any], pledge_id: FromPath[str]
    ) -> PledgeDisbursements:
        return await service.pledge_disbursements(user_of(request), pledge_id)

    @post(
        "/disbursements/{disbursement_id:str}/verify",
        summary="核实拨付（民政）",
        guards=[require_roles(Role.staff)],
    )
    async def verify(
        self, request: Request[Any, Any, Any], disbursement_id: FromPath[str]
    ) -> DisbursementRead:
        return await service.verify_disbursement(user_of(request), disbursement_id)

    @post(
        "/disbursements/{disbursement_id:str}/reject",
        summary="退回拨付（民政，须说明原因）",
        guards=[require_roles(Role.staff)],
    )
    async def reject(
        self,
        request: Request[Any, Any, Any],
        disbursement_id: FromPath[str],
        data: JSONBody[DisbursementReject],
    ) -> DisbursementRead:
        return await service.reject_disbursement(user_of(request), disbursement_id, data)

    @get(
        "/disbursements/{disbursement_id:str}/evidence",
        summary="下载拨付证明（认捐组织成员、辖区民政）",
        media_type="application/octet-stream",
    )
    async def evidence(
        self, request: Request[Any, Any, Any], disbursement_id: FromPath[str]
    ) -> Response[bytes]:
        found = await service.evidence_download(
            current_user(request), disbursement_id, ip=client_ip(request)
        )
        return evidence_response(found)
