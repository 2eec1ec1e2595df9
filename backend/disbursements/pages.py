"""The evidence download of the web pages (session login), beside the API's (bearer token).

The forms that record, verify and return disbursements live on the pages they belong to:
我的认捐 and staff's linkage of a case (``backend/pledges/pages.py``).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from backend.disbursements import service
from backend.disbursements.controllers import evidence_response
from backend.web.pages import current_user
from backend.web.requests import client_ip


class DisbursementPagesController(Controller):
    include_in_schema = False

    @get("/disbursements/{disbursement_id:str}/evidence", name="disbursement_evidence")
    async def evidence(
        self, request: Request[Any, Any, Any], disbursement_id: FromPath[str]
    ) -> Response[bytes]:
        # No role guard: whoever may not read the file gets the 404 of an unknown id.
        found = await service.evidence_download(
            current_user(request), disbursement_id, ip=client_ip(request)
        )
        return evidence_response(found)
