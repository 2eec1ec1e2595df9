"""Request parameters several endpoints share, declared once so the OpenAPI document agrees."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter

#: Required on the requests that move money (pledges, donations): a retry with the same key
#: has the effect of one request. Any string of 1 to 200 printable characters.
IdempotencyKey = Annotated[
    str,
    HeaderParameter(
        name="Idempotency-Key",
        required=True,
        min_length=1,
        max_length=200,
        description="幂等键：同一键的重试只生效一次（建议使用 UUID）",
    ),
]

#: Stable codes for required headers that are missing (``backend.web.errors``), so a client
#: sees the same code whether the header is absent or blank.
MISSING_HEADER_ERRORS = {
    "Idempotency-Key": (
        "idempotency_key_missing",
        "请在请求头 Idempotency-Key 中提供幂等键，以免重复提交",
    ),
}
